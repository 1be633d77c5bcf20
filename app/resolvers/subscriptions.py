"""Subscriptions: an object, authorised and read like its query, then again each time a
worker announces a change to it on Redis (`app/platform/live.py`, `app/workers/live.py`).

`live_object(ctx, channel, load)` is the whole machinery: it counts the subscription
against the connection's limit, subscribes to the channel *before* the first read (so no
change slips between the two), answers the current state, and on every notice re-checks the
socket's token and re-reads (re-authorising), answering only when the object changed. `load` raises the same
ApiError the query field would (NOT_FOUND for someone else's order), so a subscription
never shows what the query would not.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any, TypeVar

from app.domains import checkout, customers, orders
from app.platform.live import LiveHub
from app.resolvers import checkout as resolve_checkout
from app.resolvers import orders as resolve_orders
from app.resolvers.context import Context
from app.resolvers.customers import viewer_for
from app.resolvers.errors import ApiError

__all__ = ["ApiError", "checkout_updates", "live_object", "order_updates", "require_socket"]

T = TypeVar("T")

LIVE_KEY = "live.hub"  # where the process's LiveHub lives in runtime.extra
_COUNT = "live_subscriptions"  # the connection's active subscriptions, in its scope state


def hub(ctx: Context) -> LiveHub:
    found: LiveHub | None = ctx.runtime.extra.get(LIVE_KEY)
    if found is None:
        raise ApiError("UNAVAILABLE", "Live updates are not running in this process")
    return found


def require_socket(ctx: Context) -> None:
    """Subscriptions stream over the WebSocket; an HTTP request for one gets a clear answer."""
    scope = getattr(ctx.request, "scope", None)
    if scope is not None and scope.get("type") != "websocket":
        raise ApiError(
            "SUBSCRIPTION_NEEDS_WEBSOCKET",
            "Subscriptions are served over a WebSocket at /graphql (graphql-transport-ws)",
        )


def _connection_state(ctx: Context) -> dict[str, Any]:
    scope = getattr(ctx.request, "scope", None)
    if scope is None:  # no transport (a test executing the schema directly)
        return ctx.extra
    state: dict[str, Any] = scope.setdefault("state", {})
    return state


async def live_object(
    ctx: Context,
    channel: str,
    load: Callable[[], Awaitable[T]],
    changed: Callable[[T, T], bool] = lambda old, new: old != new,
    final: Callable[[T], bool] = lambda obj: False,
) -> AsyncGenerator[T, None]:
    """The current object, then each changed version, until the client completes the
    operation or disconnects (the generator is closed: the subscription is released), or
    until a version is `final` (the stream ends after answering it)."""
    live = hub(ctx)
    state = _connection_state(ctx)
    limit = ctx.runtime.settings.max_subscriptions_per_connection
    if state.get(_COUNT, 0) >= limit:
        raise ApiError(
            "TOO_MANY_SUBSCRIPTIONS",
            f"At most {limit} subscriptions at once on one connection: complete one first",
        )
    state[_COUNT] = state.get(_COUNT, 0) + 1
    try:
        async with live.subscribe(channel) as sub:
            current = await load()
            yield current
            while not final(current):
                await sub.next()
                await _recheck_viewer(ctx)
                fresh = await load()
                if changed(current, fresh):
                    current = fresh
                    yield current
    finally:
        state[_COUNT] -= 1


async def _recheck_viewer(ctx: Context) -> None:
    """A socket lives for hours: a sign-out, an expiry or a deactivation since the
    subscription began ends it at the next update, as it would the next query."""
    token = ctx.extra.get("ws_token")
    if token is None:
        return
    try:
        ctx.viewer = await viewer_for(ctx.runtime, token)
    except customers.TokenInvalid:
        raise ApiError(
            "UNAUTHENTICATED", "The access token is invalid or has expired: sign in again"
        ) from None


async def _order_for(ctx: Context, gid: str, email: str | None, token: str | None) -> orders.Order:
    """`order(id:)`'s rule (its customer, MANAGE_ORDERS staff), or a guest's with the order's
    e-mail and lookup token (`orderByNumber`'s rule); NOT_FOUND for anyone else."""
    if email is None or token is None:
        return await resolve_orders.order(ctx, gid)
    reader = ctx.runtime.db.reader(orders.CONTEXT)
    found = await orders.get_order(reader, resolve_orders.order_pk(gid, "id"))
    if found is not None:
        guest = await orders.lookup_guest_order(reader, found.display_number, email, token)
        if guest is not None and guest.id == found.id:
            return guest
    raise resolve_orders.not_found()


def order_updates(
    ctx: Context, gid: str, email: str | None = None, token: str | None = None
) -> AsyncGenerator[orders.Order, None]:
    """The order, then the order again each time its status or contents change."""
    pk = resolve_orders.order_pk(gid, "id")

    async def load() -> orders.Order:
        return await _order_for(ctx, gid, email, token)

    return live_object(
        ctx,
        f"order:{pk}",
        load,
        changed=lambda old, new: (old.updated_at, old.status) != (new.updated_at, new.status),
    )


def checkout_updates(ctx: Context, gid: str) -> AsyncGenerator[checkout.Saga, None]:
    """The checkout, then again when its status changes; ends after COMPLETED or FAILED.
    `checkout(id:)`'s rule: a customer's to that customer, a guest's to whoever holds its
    id; NOT_FOUND for anyone else (and for no such checkout)."""

    async def load() -> checkout.Saga:
        found = await resolve_checkout.get(ctx, gid)
        if found is None:
            raise ApiError("NOT_FOUND", "No such checkout")
        return found

    return live_object(
        ctx,
        f"checkout:{resolve_checkout.decode_id(gid)}",
        load,
        changed=lambda old, new: (old.status, old.reason) != (new.status, new.reason),
        final=lambda saga: saga.terminal,
    )
