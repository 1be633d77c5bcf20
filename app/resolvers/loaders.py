"""DataLoaders: every to-one and to-many field is one SQL statement per query level."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiodataloader import DataLoader

from app.domains import catalog
from app.platform.db import Database, UnitOfWork


def batch_loader(
    db: Database,
    context: str,
    fetch: Callable[[UnitOfWork, Sequence[Any]], Awaitable[dict[Any, Any]]],
    default: Callable[[], Any] = lambda: None,
) -> DataLoader:
    """A loader answering each batch of keys with one `fetch(uow, keys)` call."""

    async def load(keys: list[Any]) -> list[Any]:
        async with db.reader(context) as uow:
            found = await fetch(uow, keys)
        return [found.get(k, default()) for k in keys]

    return DataLoader(load)


class CatalogLoaders:
    def __init__(self, db: Database) -> None:
        ctx = catalog.CONTEXT
        self.product = batch_loader(db, ctx, catalog.products_by_ids)
        self.product_by_handle = batch_loader(db, ctx, catalog.products_by_handles)
        self.variants = batch_loader(db, ctx, catalog.variants_by_product_ids, list)
        self.variant = batch_loader(db, ctx, catalog.variants_by_ids)
        self.images = batch_loader(db, ctx, catalog.images_by_product_ids, list)
        self.image = batch_loader(db, ctx, catalog.images_by_ids)
        self.attributes = batch_loader(db, ctx, catalog.attributes_by_product_ids, list)
        self.category = batch_loader(db, ctx, catalog.categories_by_ids)
        self.category_by_handle = batch_loader(db, ctx, catalog.categories_by_handles)
        self.children = batch_loader(db, ctx, catalog.children_by_category_ids, list)
        self.brand = batch_loader(db, ctx, catalog.brands_by_ids)
        # listings and counts batch too: a page of categories with their products is
        # one statement for the pages and one for the counts
        self.product_page = batch_loader(db, ctx, catalog.list_products_batch)
        self.product_count = batch_loader(db, ctx, catalog.count_products_batch)
