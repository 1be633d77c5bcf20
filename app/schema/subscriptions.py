"""The Subscription root: live objects over graphql-transport-ws (`/graphql`). Each field
answers the object as its query field would (same type, same authorisation), then again
whenever a worker announces a change, from whichever replica or worker made it
(app/resolvers/subscriptions.py)."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Iterator
from typing import TypeVar

import strawberry
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types import Info
from strawberry.types.graphql import OperationType

from app.resolvers import subscriptions as resolve
from app.resolvers.context import Context
from app.schema.checkout import Checkout
from app.schema.orders import Order

D = TypeVar("D")
T = TypeVar("T")


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="The order now, then each time its status or contents change. For its "
        "customer or MANAGE_ORDERS staff (the viewer of `connection_init`), or a guest "
        "giving the order's e-mail and lookup token; anyone else gets NOT_FOUND, as "
        "`order(id:)`. At most MAX_SUBSCRIPTIONS_PER_CONNECTION at once per connection "
        "(TOO_MANY_SUBSCRIPTIONS)."
    )
    async def order_updated(
        self,
        info: Info[Context, None],
        id: strawberry.ID,
        email: str | None = None,
        token: str | None = None,
    ) -> AsyncGenerator[Order, None]:
        return mapped(resolve.order_updates(info.context, id, email, token), Order.from_domain)

    @strawberry.subscription(
        description="The checkout now, then each time its status changes; the stream ends "
        "after COMPLETED or FAILED. As `checkout(id:)`: a customer's checkout for that "
        "customer (the viewer of `connection_init`), a guest's for whoever holds its id; "
        "anyone else gets NOT_FOUND. Counts toward MAX_SUBSCRIPTIONS_PER_CONNECTION."
    )
    async def checkout_status(
        self, info: Info[Context, None], id: strawberry.ID
    ) -> AsyncGenerator[Checkout, None]:
        return mapped(resolve.checkout_updates(info.context, id), Checkout.from_domain)


async def mapped(
    updates: AsyncGenerator[D, None], to_type: Callable[[D], T]
) -> AsyncGenerator[T, None]:
    """Domain objects of a live stream as their schema type (`from_domain`)."""
    try:
        async for item in updates:
            yield to_type(item)
    finally:
        await updates.aclose()  # releases the subscription at once


class SubscriptionsOverSocket(SchemaExtension):
    """A subscription sent over HTTP is refused before it runs (graphql-core would execute it
    as a query and answer a null with an internal error): the stream needs the socket."""

    def on_validate(self) -> Iterator[None]:
        ctx = self.execution_context
        if ctx.graphql_document is not None:
            try:
                kind = ctx.operation_type
            except Exception:  # no such operation: validation says so
                kind = None
            if kind is OperationType.SUBSCRIPTION:
                try:
                    resolve.require_socket(ctx.context)
                except resolve.ApiError as exc:
                    error = GraphQLError(exc.message, extensions={"code": exc.code})
                    ctx.pre_execution_errors = [*(ctx.pre_execution_errors or []), error]
        yield
