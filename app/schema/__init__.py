"""The one GraphQL schema: types from every area merged into Query and Mutation, and the
Subscription root."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from app.schema.cart import CartQuery
from app.schema.catalog import Brand, Category, Product, ProductVariant
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

Query = merge_types(
    "Query",
    (CatalogQuery, CustomerQuery, StaffQuery, CartQuery, PricingQuery, InventoryQuery, OrderQuery),
)


class Schema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        """Expected errors are answers, not incidents: `format_error` logs the unexpected ones
        with their request id, once."""


def build_schema(limits: Limits | None = None) -> Schema:
    """The schema with its guards (`app/schema/guards.py`): query length, variables, tokens,
    depth, aliases, expanded size and cost, with a bounded document cache."""
    guards = Guards(limits or Limits())
    schema = Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[Product, ProductVariant, Category, Brand],
        # a factory: an extension holds per-request state; `guards` is shared
        extensions=[lambda: GuardExtension(guards), SubscriptionsOverSocket],
        config=StrawberryConfig(auto_camel_case=True, scalar_map=SCALARS),
    )
    guards.cost_model = CostModel(schema._schema)
    return schema


def schema_sdl() -> str:
    return build_schema().as_str() + "\n"
