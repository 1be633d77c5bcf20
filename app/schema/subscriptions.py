"""The Subscription root: live objects over graphql-transport-ws (`/graphql`). Each field
answers the object as its query field would (same type, same authorisation), then again
whenever a worker announces a change, from whichever replica or worker made it
(app/resolvers/subscriptions.py)."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry
from strawberry.types import Info

from app.resolvers import subscriptions as resolve
from app.resolvers.context import Context
from app.schema.orders import Order


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
        updates = resolve.order_updates(info.context, id, email, token)
        try:
            async for order in updates:
                yield Order.from_domain(order)
        finally:
            await updates.aclose()  # releases the subscription at once
