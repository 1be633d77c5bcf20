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


async def test_import_stock_by_sku_reaches_drafts_and_keeps_live_figures(
    inv: Database, redis: Redis
) -> None:
    from app.bootstrap import stock_skus

    await load_small_catalog(inv)
    async with inv.reader(catalog.CONTEXT) as uow:
        [first] = (await catalog.variants_by_product_ids(uow, [1]))[1]
    async with inv.uow(catalog.CONTEXT) as uow:  # a draft is stocked before it goes live
        await catalog.update_product(uow, 1, catalog.ProductChange(values={"status": "DRAFT"}))
    assert first.sku
    assert await stock_skus(inv, {first.sku: 7, "NO-SUCH-SKU": 3}, redis) == 1
    assert await stock_skus(inv, {first.sku: 99}, redis) == 0  # a re-import changes nothing
    async with inv.reader(inventory.CONTEXT) as uow:
        assert await inventory.available_quantities(uow, [first.id], redis=redis) == {first.id: 7}
