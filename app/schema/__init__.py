"""The one GraphQL schema: types from every area merged into Query and Mutation, and the
Subscription root."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionResult

from app.planner import Planner, PlannerExtension
from app.schema.cart import CartQuery
from app.schema.catalog import Brand, Category, Product, ProductVariant
from app.schema.checkout import CheckoutQuery
from app.schema.common import SCALARS
from app.schema.cost import CostModel
from app.schema.customers import CustomerQuery
from app.schema.guards import GuardExtension, Guards, Limits
from app.schema.inventory import InventoryQuery
from app.schema.mutation import Mutation
from app.schema.orders import OrderQuery
from app.schema.pricing import PricingQuery
from app.schema.query import Query as CatalogQuery
from app.schema.staff import StaffQuery
from app.schema.subscriptions import Subscription, SubscriptionsOverSocket

log = logging.getLogger("emporium.graphql")

Query = merge_types(
    "Query",
    (
        CatalogQuery,
        CustomerQuery,
        StaffQuery,
        CartQuery,
        PricingQuery,
        InventoryQuery,
        OrderQuery,
        CheckoutQuery,
    ),
)


class Schema(strawberry.Schema):
    planner: Planner

    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        """Expected errors are answers, not incidents: `format_error` logs the unexpected ones
        with their request id, once."""

    async def execute(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        """graphql-core sometimes cancels a field's task when a sibling fails; a DataLoader
        future that task shared with another field then raises CancelledError into that
        other field, and out of the execution: a 500 for a request nobody cancelled. Only a
        cancellation of the request itself (client gone, shutdown) may propagate."""
        try:
            return await super().execute(*args, **kwargs)
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise
            log.error("a field's task was cancelled under a request that was not", exc_info=True)
            error = GraphQLError(
                "Internal server error", extensions={"code": "INTERNAL_SERVER_ERROR"}
            )
            return ExecutionResult(data=None, errors=[error])


def build_schema(
    limits: Limits | None = None, *, planned: bool = True, plan_cache_size: int = 256
) -> Schema:
    """The schema with its guards (`app/schema/guards.py`): query length, variables, tokens,
    depth, aliases, expanded size and cost, with a bounded document cache; read operations
    run planned (`app/planner`) when `planned`, with at most `plan_cache_size` plans kept."""
    guards = Guards(limits or Limits())
    planner = Planner(None, enabled=planned, cache_size=plan_cache_size)
    schema = Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[Product, ProductVariant, Category, Brand],
        # a factory: an extension holds per-request state; `guards` is shared
        extensions=[
            lambda: GuardExtension(guards),
            lambda: PlannerExtension(planner),
            SubscriptionsOverSocket,
        ],
        config=StrawberryConfig(auto_camel_case=True, scalar_map=SCALARS),
    )
    guards.cost_model = CostModel(schema._schema)
    planner.schema = schema
    schema.planner = planner
    return schema


def schema_sdl() -> str:
    return build_schema().as_str() + "\n"
