"""Checkout in the schema: `checkoutComplete` (public: guests check out) and `checkout(id:)`
to poll. Thin types over the saga (app/domains/checkout, app/workers/checkout.py)."""

from __future__ import annotations

import enum

import strawberry
from strawberry.types import Info

from app.domains import checkout
from app.resolvers import checkout as resolve
from app.resolvers.context import Context
from app.schema.common import UserError
from app.schema.customers import MailingAddressInput
from app.schema.orders import Order

_STATUS: type[enum.Enum] = enum.Enum(  # type: ignore[misc]
    "CheckoutStatus", {s: s for s in checkout.STATUSES}
)
CheckoutStatus = strawberry.enum(
    _STATUS,
    description="PROCESSING until the saga ends COMPLETED (an order exists) or FAILED "
    "(see `reason`; nothing is charged, stock and discount usage are given back).",
)
_REASON: type[enum.Enum] = enum.Enum(  # type: ignore[misc]
    "CheckoutFailureReason", {r: r for r in checkout.REASONS}
)
CheckoutFailureReason = strawberry.enum(_REASON, description="Why a checkout FAILED.")


@strawberry.type(description="A checkout: the saga that turns a cart into a paid order.")
class Checkout:
    id: strawberry.ID
    status: CheckoutStatus  # type: ignore[valid-type]
    reason: CheckoutFailureReason | None  # type: ignore[valid-type]
    _saga: strawberry.Private[checkout.Saga]

    @classmethod
    def from_domain(cls, s: checkout.Saga) -> Checkout:
        return cls(
            id=strawberry.ID(resolve.encode_id(s.id)),
            status=CheckoutStatus[s.status],  # type: ignore[misc]
            reason=CheckoutFailureReason[s.reason] if s.reason else None,  # type: ignore[misc]
            _saga=s,
        )

    @strawberry.field(description="The order, once COMPLETED.")
    async def order(self, info: Info[Context, None]) -> Order | None:
        found = await resolve.order(info.context, self._saga)
        return Order.from_domain(found) if found else None


@strawberry.input(description="How to pay: the store's gateway and a token from it.")
class CheckoutPaymentInput:
    gateway: str = strawberry.field(description='"test" (tok_visa, tok_chargeDeclined) or "stripe"')
    token: str


@strawberry.input
class CheckoutCompleteInput:
    cart_id: strawberry.ID
    payment: CheckoutPaymentInput
    idempotency_key: str = strawberry.field(
        description="The client's key for this attempt: sending it again answers the same "
        "checkout and never charges twice."
    )
    email: str | None = None
    shipping_address: MailingAddressInput | None = None


@strawberry.type
class CheckoutCompletePayload:
    checkout: Checkout | None
    user_errors: list[UserError]


# a checkout mutation reports its first problem (app/schema/cost.py)
LIST_BOUNDS: dict[str, int] = {"CheckoutCompletePayload.userErrors": 1}


@strawberry.type
class CheckoutQuery:
    @strawberry.field(
        description="A checkout by id (to poll it): null when there is none, or when it is a "
        "customer's and the request is not signed in as that customer."
    )
    async def checkout(self, info: Info[Context, None], id: strawberry.ID) -> Checkout | None:
        s = await resolve.get(info.context, id)
        return Checkout.from_domain(s) if s else None


@strawberry.type
class CheckoutMutation:
    @strawberry.mutation(
        description="Pay for a cart: starts the checkout saga (or finds the one this "
        "idempotency key started) and waits briefly for its end; PROCESSING means poll "
        "`checkout(id:)`."
    )
    async def checkout_complete(
        self, info: Info[Context, None], input: CheckoutCompleteInput
    ) -> CheckoutCompletePayload:
        s, problems = await resolve.attempt(resolve.complete(info.context, input), ["input"])
        return CheckoutCompletePayload(
            checkout=Checkout.from_domain(s) if s else None,
            user_errors=[
                UserError(field=list(p.field) if p.field else None, message=p.message, code=p.code)
                for p in problems
            ],
        )
