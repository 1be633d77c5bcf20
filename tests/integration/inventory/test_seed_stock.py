"""Initial stock for the demo catalog, composed in the bootstrap from both contexts."""

from __future__ import annotations

from redis.asyncio import Redis

from app.bootstrap import stock_demo
from app.domains import catalog, inventory
from app.platform.db import Database
from tests.fixtures.catalog_data import N_PRODUCTS, load_small_catalog


async def test_demo_stock_fills_every_variant_once(inv: Database, redis: Redis) -> None:
    await load_small_catalog(inv)
    async with inv.reader(inventory.CONTEXT) as uow:
        assert await inventory.is_empty(uow)
    async with inv.reader(catalog.CONTEXT) as uow:
        by_product = await catalog.variants_by_product_ids(uow, list(range(1, N_PRODUCTS + 1)))
    variants = [v for vs in by_product.values() for v in vs]
    stocked = await stock_demo(inv, redis, chunk=7)  # several pages
    assert stocked == len(variants) > N_PRODUCTS
    async with inv.reader(inventory.CONTEXT) as uow:
        got = await inventory.available_quantities(uow, [v.id for v in variants], redis=redis)
        assert not await inventory.is_empty(uow)
        assert await inventory.check(uow) == []
    assert got == {v.id: catalog.demo_stock(v.sku or "") for v in variants}
    # live figures are never overwritten by a second run
    async with inv.uow(inventory.CONTEXT) as uow:
        await inventory.adjust(uow, variants[0].id, 3, "delivery", actor="t", redis=redis)
    assert await stock_demo(inv, redis) == 0
    async with inv.reader(inventory.CONTEXT) as uow:
        again = await inventory.available_quantities(uow, [variants[0].id], redis=redis)
    assert again[variants[0].id] == got[variants[0].id] + 3
