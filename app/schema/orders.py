"""Orders in the schema: the order and its parts, the customer's and staff's listings, the
guest lookup, and the staff lifecycle mutations (MANAGE_ORDERS). Thin types built
`from_domain`; the rules live in app/domains/orders."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any

import strawberry
from strawberry.types import Info

from app.domains import orders
from app.platform.ids import to_global_id
from app.platform.pagination import encode_cursor
from app.resolvers import orders as resolve
from app.resolvers.context import Context
from app.resolvers.errors import Problem
from app.resolvers.permissions import staff
from app.schema.catalog import First
from app.schema.common import Edge, Money, PageInfo, UserError, money

_STATUSES: type[enum.Enum] = enum.Enum(  # type: ignore[misc]
    "OrderStatus", {s: s for s in orders.STATUSES}
)
OrderStatus = strawberry.enum(
    _STATUSES,
    description="Where an order is in its life: PLACED → PAID → PARTIALLY_FULFILLED/FULFILLED "
    "→ SHIPPED → DELIVERED; or CANCELLED; or PARTIALLY_REFUNDED/REFUNDED.",
)

_ADDRESS_KEYS = (
    "first_name",
    "last_name",
    "company",
    "address1",
    "address2",
    "city",
    "province",
    "country",
    "zip",
    "phone",
)


@strawberry.type(description="An address as it was on the order when placed.")
class OrderAddress:
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    address1: str | None = None
    address2: str | None = None
    city: str | None = None
    province: str | None = None
    country: str | None = None
    zip: str | None = None
    phone: str | None = None

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> OrderAddress | None:
        if not d:
            return None
        return cls(**{k: d.get(k) for k in _ADDRESS_KEYS})


@strawberry.type(description="A line of an order, with the price paid.")
class OrderLine:
    id: strawberry.ID
    variant_id: strawberry.ID
    sku: str | None
    title: str
    quantity: int
    fulfilled_quantity: int
    refunded_quantity: int
    unit_price: Money
    discount: Money
    tax: Money
    total: Money

    @classmethod
    def from_domain(cls, ln: orders.OrderLine, currency: str) -> OrderLine:
        return cls(
            id=strawberry.ID(to_global_id("OrderLine", ln.id)),
            variant_id=strawberry.ID(to_global_id("ProductVariant", ln.variant_id)),
            sku=ln.sku,
            title=ln.title,
            quantity=ln.quantity,
            fulfilled_quantity=ln.fulfilled_quantity,
            refunded_quantity=ln.refunded_quantity,
            unit_price=money(ln.unit_price, currency),
            discount=money(ln.discount, currency),
            tax=money(ln.tax, currency),
            total=money(ln.total, currency),
        )


@strawberry.type
class FulfillmentLine:
    line_id: strawberry.ID
    quantity: int


@strawberry.type(description="Units of the order handed to a carrier, with its tracking.")
class Fulfillment:
    created_at: datetime
    lines: list[FulfillmentLine]
    tracking_company: str | None
    tracking_number: str | None
    tracking_url: str | None


@strawberry.type(description="One step of the order's life: from, to, when, why.")
class OrderTransition:
    from_status: OrderStatus | None  # type: ignore[valid-type]
    to_status: OrderStatus  # type: ignore[valid-type]
    at: datetime
    reason: str | None


@strawberry.type(description="An order: what was bought, at what price, and where it is now.")
class Order:
    id: strawberry.ID
    number: str = strawberry.field(description='Human-friendly and sequential: "#1001".')
    status: OrderStatus  # type: ignore[valid-type]
    created_at: datetime
    updated_at: datetime
    email: str
    currency_code: str
    customer_id: strawberry.ID | None = strawberry.field(
        description="The customer who placed it; null for a guest order."
    )
    lines: list[OrderLine]
    shipping_address: OrderAddress | None
    billing_address: OrderAddress | None
    subtotal: Money
    discount_total: Money
    shipping_total: Money
    tax_total: Money
    total: Money
    total_refunded: Money
    payment_reference: str | None
    fulfillments: list[Fulfillment]
    history: list[OrderTransition]
    archived: bool = strawberry.field(
        description="Its month is archived: readable by id and number, no longer changed."
    )

    @classmethod
    def from_domain(cls, o: orders.Order) -> Order:
        cur = o.currency
        return cls(
            id=strawberry.ID(to_global_id("Order", o.id)),
            number=o.display_number,
            status=OrderStatus[o.status],  # type: ignore[misc]
            created_at=o.created_at,
            updated_at=o.updated_at,
            email=o.email,
            currency_code=cur,
            customer_id=strawberry.ID(to_global_id("Customer", o.customer_id))
            if o.customer_id is not None
            else None,
            lines=[OrderLine.from_domain(ln, cur) for ln in o.lines],
            shipping_address=OrderAddress.from_dict(o.shipping_address),
            billing_address=OrderAddress.from_dict(o.billing_address),
            subtotal=money(o.subtotal, cur),
            discount_total=money(o.discount_total, cur),
            shipping_total=money(o.shipping_total, cur),
            tax_total=money(o.tax_total, cur),
            total=money(o.total, cur),
            total_refunded=money(o.refunded_total, cur),
            payment_reference=o.payment_reference,
            fulfillments=[
                Fulfillment(
                    created_at=f.created_at,
                    lines=[
                        FulfillmentLine(
                            line_id=strawberry.ID(to_global_id("OrderLine", lid)), quantity=q
                        )
                        for lid, q in f.lines
                    ],
                    tracking_company=f.tracking.company,
                    tracking_number=f.tracking.number,
                    tracking_url=f.tracking.url,
                )
                for f in o.fulfillments
            ],
            history=[
                OrderTransition(
                    from_status=OrderStatus[t.from_status] if t.from_status else None,  # type: ignore[misc]
                    to_status=OrderStatus[t.to_status],  # type: ignore[misc]
                    at=t.at,
                    reason=t.reason,
                )
                for t in o.history
            ],
            archived=o.archived,
        )


@strawberry.type
class OrderConnection:
    edges: list[Edge[Order]]
    nodes: list[Order]
    page_info: PageInfo
    total_count: int = strawberry.field(description="Matching orders over all pages.")

    @classmethod
    def from_page(cls, page: orders.OrderPage) -> OrderConnection:
        edges = [
            Edge(cursor=encode_cursor(resolve.CURSOR_KIND, k), node=Order.from_domain(o))
            for o, k in zip(page.orders, page.keys, strict=True)
        ]
        return cls(
            edges=edges,
            nodes=[e.node for e in edges],
            page_info=PageInfo(
                has_next_page=page.has_next_page,
                has_previous_page=page.has_previous_page,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
            total_count=page.total_count,
        )


async def customer_orders(
    info: Info[Context, None], customer_id: int, first: int | None, after: str | None
) -> OrderConnection:
    """`Customer.orders`: the customer's own (live) orders, newest first."""
    f = orders.OrderFilter(customer_id=customer_id)
    return OrderConnection.from_page(await resolve.order_page(info.context, f, first, after))


@strawberry.input
class OrdersFilter:
    status: OrderStatus | None = None  # type: ignore[valid-type]
    created_at_from: datetime | None = None
    created_at_to: datetime | None = strawberry.field(default=None, description="Exclusive.")
    customer_id: strawberry.ID | None = None


@strawberry.input
class OrderLineQuantityInput:
    line_id: strawberry.ID
    quantity: int


@strawberry.input
class TrackingInput:
    company: str | None = None
    number: str | None = None
    url: str | None = None


@strawberry.input
class OrderFulfillInput:
    order_id: strawberry.ID
    lines: list[OrderLineQuantityInput]
    tracking: TrackingInput | None = None


@strawberry.input(description="Refund either an amount or lines (what their units were paid).")
class OrderRefundInput:
    order_id: strawberry.ID
    amount: Decimal | None = None
    lines: list[OrderLineQuantityInput] | None = None


@strawberry.type
class OrderPayload:
    order: Order | None
    user_errors: list[UserError]


def _payload(found: orders.Order | None, problems: list[Problem]) -> OrderPayload:
    return OrderPayload(
        order=Order.from_domain(found) if found else None,
        user_errors=[
            UserError(field=list(p.field) if p.field else None, message=p.message, code=p.code)
            for p in problems
        ],
    )


LIST_BOUNDS: dict[str, int] = {
    "OrderPayload.userErrors": resolve.MAX_USER_ERRORS,
    "Order.lines": orders.MAX_LINES,
    "Order.fulfillments": orders.MAX_FULFILLMENTS,
    "Order.history": orders.MAX_HISTORY,
    "Fulfillment.lines": orders.MAX_LINES,
}


@strawberry.type
class OrderQuery:
    @strawberry.field(
        description="An order, for its customer (signed in) or staff with MANAGE_ORDERS; "
        "anyone else gets NOT_FOUND, as for an order that does not exist."
    )
    async def order(self, info: Info[Context, None], id: strawberry.ID) -> Order | None:
        return Order.from_domain(await resolve.order(info.context, id))

    @strawberry.field(
        description="A guest's order lookup: the number, the order's e-mail and the lookup "
        "token from the confirmation e-mail must all match (NOT_FOUND otherwise)."
    )
    async def order_by_number(
        self, info: Info[Context, None], number: str, email: str, token: str
    ) -> Order | None:
        return Order.from_domain(await resolve.order_by_number(info.context, number, email, token))

    @strawberry.field(
        description="Orders, newest first, filtered (Relay connection, at most 100 a page; "
        "archived months are not listed).",
        extensions=staff("MANAGE_ORDERS"),
    )
    async def orders(
        self,
        info: Info[Context, None],
        filter: OrdersFilter | None = None,
        first: First = None,
        after: str | None = None,
    ) -> OrderConnection:
        f = filter or OrdersFilter()
        of = resolve.order_filter(
            f.status.value if f.status else None,  # type: ignore[attr-defined]
            f.created_at_from,
            f.created_at_to,
            f.customer_id,
        )
        return OrderConnection.from_page(await resolve.order_page(info.context, of, first, after))


@strawberry.type
class OrderMutation:
    @strawberry.mutation(
        description="Fulfil lines (partially if wished; never more than ordered) with tracking.",
        extensions=staff("MANAGE_ORDERS"),
    )
    async def order_fulfill(
        self, info: Info[Context, None], input: OrderFulfillInput
    ) -> OrderPayload:
        async def work(uow: Any) -> orders.Order:
            lines = resolve.line_quantities([(ln.line_id, ln.quantity) for ln in input.lines])
            t = input.tracking
            tracking = orders.Tracking(t.company, t.number, t.url) if t else None
            return await orders.fulfil(uow, resolve.order_pk(input.order_id), lines, tracking)

        return _payload(*await resolve.attempt(info.context, work))

    @strawberry.mutation(
        description="A fulfilled order left with the carrier: FULFILLED → SHIPPED.",
        extensions=staff("MANAGE_ORDERS"),
    )
    async def order_mark_shipped(
        self, info: Info[Context, None], order_id: strawberry.ID
    ) -> OrderPayload:
        async def work(uow: Any) -> orders.Order:
            return await orders.mark_shipped(uow, resolve.order_pk(order_id))

        return _payload(*await resolve.attempt(info.context, work, ()))

    @strawberry.mutation(
        description="A shipped order arrived: SHIPPED → DELIVERED.",
        extensions=staff("MANAGE_ORDERS"),
    )
    async def order_mark_delivered(
        self, info: Info[Context, None], order_id: strawberry.ID
    ) -> OrderPayload:
        async def work(uow: Any) -> orders.Order:
            return await orders.mark_delivered(uow, resolve.order_pk(order_id))

        return _payload(*await resolve.attempt(info.context, work, ()))

    @strawberry.mutation(
        description="Cancel an order nothing has been fulfilled from. The payment is voided "
        "or refunded and the stock released by the checkout/payments side, asynchronously "
        "(event orders.OrderCancelled.v1).",
        extensions=staff("MANAGE_ORDERS"),
    )
    async def order_cancel(
        self, info: Info[Context, None], order_id: strawberry.ID, reason: str | None = None
    ) -> OrderPayload:
        async def work(uow: Any) -> orders.Order:
            return await orders.cancel(uow, resolve.order_pk(order_id), reason)

        return _payload(*await resolve.attempt(info.context, work, ()))

    @strawberry.mutation(
        description="Refund an amount or lines, never more than was paid. The gateway refund "
        "follows asynchronously (event orders.RefundRequested.v1).",
        extensions=staff("MANAGE_ORDERS"),
    )
    async def order_refund(
        self, info: Info[Context, None], input: OrderRefundInput
    ) -> OrderPayload:
        lines = [(ln.line_id, ln.quantity) for ln in input.lines] if input.lines else None
        work = resolve.refund_work(input.order_id, input.amount, lines)
        return _payload(*await resolve.attempt(info.context, work))
