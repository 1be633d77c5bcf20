"""Orders in the API: parse arguments into the orders context's inputs, call it, answer
its objects or its refusal as `userErrors`. Who may call each field is declared on it
(`app/schema/orders.py`); `order(id:)` answers its owner or MANAGE_ORDERS staff and treats
everyone else as if the order did not exist."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import TypeVar

from app.domains import orders
from app.platform.db import UnitOfWork
from app.platform.ids import from_global_id
from app.platform.pagination import page_request
from app.resolvers.context import Context
from app.resolvers.errors import ApiError, Problem, user_errors

T = TypeVar("T")
MAX_USER_ERRORS = 1  # a mutation answers the first rule its input breaks
STAFF_PERMISSION = "MANAGE_ORDERS"
CURSOR_KIND = "Order"


def not_found() -> ApiError:
    # the same answer for a missing order and someone else's: ids cannot be probed
    return ApiError("NOT_FOUND", "No such order")


async def attempt(
    ctx: Context, work: Callable[[UnitOfWork], Awaitable[T]], prefix: tuple[str, ...] = ("input",)
) -> tuple[T | None, list[Problem]]:
    try:
        return await work(ctx.runtime.db.uow(orders.CONTEXT)), []
    except Exception as exc:
        return None, user_errors(exc, prefix)[:MAX_USER_ERRORS]


def order_pk(gid: str, field: str = "orderId") -> int:
    return from_global_id(gid, "Order", field=field)[1]


def line_pk(gid: str, field: str) -> int:
    return from_global_id(gid, "OrderLine", field=field)[1]


def _reader(ctx: Context) -> UnitOfWork:
    return ctx.runtime.db.reader(orders.CONTEXT)


async def order(ctx: Context, gid: str) -> orders.Order:
    """The order for its owner or for staff with MANAGE_ORDERS; NOT_FOUND otherwise."""
    viewer = ctx.viewer
    if viewer.can(STAFF_PERMISSION):
        owner = None
    elif viewer.kind == "customer" and viewer.id is not None:
        owner = viewer.id
    else:
        raise not_found()
    found = await orders.get_order(_reader(ctx), order_pk(gid, "id"), customer_id=owner)
    if found is None:
        raise not_found()
    return found


async def order_by_number(ctx: Context, number: str, email: str, token: str) -> orders.Order:
    found = await orders.lookup_guest_order(_reader(ctx), number, email, token)
    if found is None:
        raise not_found()
    return found


async def order_page(
    ctx: Context, f: orders.OrderFilter, first: int | None, after: str | None
) -> orders.OrderPage:
    req = page_request(CURSOR_KIND, first, after, None, None)
    return await orders.list_orders(_reader(ctx), f, req)


def order_filter(
    status: str | None,
    created_from: datetime | None,
    created_to: datetime | None,
    customer_gid: str | None,
) -> orders.OrderFilter:
    customer_id = (
        from_global_id(customer_gid, "Customer", field="filter.customerId")[1]
        if customer_gid
        else None
    )
    return orders.OrderFilter(status, created_from, created_to, customer_id)


def line_quantities(
    lines: Sequence[tuple[str, int]], field: str = "lines"
) -> list[tuple[int, int]]:
    return [(line_pk(g, f"{field}[{i}].lineId"), q) for i, (g, q) in enumerate(lines)]


def refund_work(
    gid: str, amount: Decimal | None, lines: Sequence[tuple[str, int]] | None
) -> Callable[[UnitOfWork], Awaitable[orders.Order]]:
    async def work(uow: UnitOfWork) -> orders.Order:
        return await orders.refund(
            uow, order_pk(gid), amount=amount, lines=line_quantities(lines or [])
        )

    return work
