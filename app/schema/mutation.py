"""The root Mutation: every area's mutations merged into one type."""

from __future__ import annotations

from strawberry.tools import merge_types

from app.schema.catalog_mutations import CatalogMutation

Mutation = merge_types("Mutation", (CatalogMutation,))
