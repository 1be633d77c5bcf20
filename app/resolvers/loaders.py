"""DataLoaders: every to-one and to-many field is one SQL statement per query level."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiodataloader import DataLoader
from redis.asyncio import Redis

from app.domains import catalog, inventory
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


class InventoryLoaders:
    """Shoppers' availability, one Redis round trip (and Postgres for misses) per level."""

    def __init__(self, db: Database, redis: Redis | None) -> None:
        ctx = inventory.CONTEXT

        async def available(uow: UnitOfWork, ids: Sequence[int]) -> dict[int, int]:
            return await inventory.available_quantities(uow, ids, redis=redis)

        async def warehouses(uow: UnitOfWork, ids: Sequence[int]) -> dict[int, Any]:
            return {w.id: w for w in await inventory.warehouses(uow) if w.id in set(ids)}

        self.available = batch_loader(db, ctx, available, int)
        self.warehouse = batch_loader(db, ctx, warehouses)
