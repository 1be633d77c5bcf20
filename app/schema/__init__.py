"""The one GraphQL schema: types from every area merged into Query (Mutation, Subscription later)."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig

from app.schema.catalog import Brand, Category, Product, ProductVariant
from app.schema.common import SCALARS
from app.schema.cost import QueryCostLimiter
from app.schema.query import Query


class Schema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        """Expected errors are answers, not incidents: `format_error` logs the unexpected ones
        with their request id, once."""


def build_schema(
    *,
    max_depth: int = 12,
    max_aliases: int = 30,
    max_tokens: int = 4000,
    cache_size: int = 512,
    max_cost: int = 50_000,
) -> strawberry.Schema:
    """The schema with its guards: depth, alias, token and cost limits; bounded parse and
    validation caches."""
    rules = [
        *QueryDepthLimiter(max_depth=max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=max_aliases).validation_rules,
    ]
    return Schema(
        query=Query,
        types=[Product, ProductVariant, Category, Brand],
        # factories, not instances: an extension holds per-request state. The validation rules
        # are built once and shared, so the validation cache (keyed by them) actually hits.
        extensions=[
            lambda: MaxTokensLimiter(max_token_count=max_tokens),
            lambda: AddValidationRules(rules),
            lambda: ParserCache(maxsize=cache_size),
            lambda: ValidationCache(maxsize=cache_size),
            # after the validation cache: only a valid document is costed
            lambda: QueryCostLimiter(max_cost=max_cost),
        ],
        config=StrawberryConfig(auto_camel_case=True, scalar_map=SCALARS),
    )


def schema_sdl() -> str:
    return build_schema().as_str() + "\n"
