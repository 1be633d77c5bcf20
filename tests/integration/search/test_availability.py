"""Stock changes reach search: the inventory's AvailabilityChanged events flow through the
real outbox, relay, RabbitMQ and worker, and flip the product's `available` filter and
facet on both backends."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.domains import catalog, inventory, search
from app.workers.search import document_of, sync_products
from tests.integration.search.test_index_sync import found, running, within

pytestmark = pytest.mark.integration

__all__ = ["running"]  # the fixture, shared with the index sync tests


def draft() -> catalog.ProductDraft:
    return catalog.ProductDraft(
        handle="stock-lantern",
        title="Stock Lantern",
        status="ACTIVE",
        brand="Lumen",
        category_path=("Outdoor", "Lighting"),
        variants=(
            catalog.VariantDraft(sku="STOCK-S", price=Decimal("10.00"), options=(("Size", "S"),)),
            catalog.VariantDraft(sku="STOCK-L", price=Decimal("12.00"), options=(("Size", "L"),)),
        ),
    )


async def availability(service: search.SearchService, pid: int) -> tuple[bool | None, dict]:
    """Whether the filter `available: true` finds the product (None: not indexed yet),
    and the availability facet's counts (computed without that filter)."""
    everything = await service.search(search.SearchQuery(text="lantern"))
    if pid not in everything.product_ids:
        return None, {}
    in_stock = await service.search(
        search.SearchQuery(text="lantern", filters=search.Filters(available=True))
    )
    assert in_stock.facets is not None
    counts = {c.value: c.count for c in in_stock.facets.availability}
    return pid in in_stock.product_ids, counts


async def set_stock(db, variant_id: int, qty: int) -> None:
    async with db.uow(inventory.CONTEXT) as uow:
        await inventory.set_on_hand(uow, variant_id, qty, "count", actor="test")


async def test_selling_out_and_restocking_flip_availability(running, db):
    _, service = running
    async with db.uow(catalog.CONTEXT) as uow:
        pid, _ = await catalog.upsert_product(uow, draft())
        await uow.commit()
    async with db.reader(catalog.CONTEXT) as uow:
        small, large = (await catalog.variants_by_product_ids(uow, [pid]))[pid]

    # catalog ids restart with each test's empty catalog, the inventory's rows stay
    await set_stock(db, small.id, 0)
    await set_stock(db, large.id, 0)

    async def indexed_unstocked() -> bool:
        return (await availability(service, pid))[0] is False

    await within(5.0, indexed_unstocked)  # the first write also creates the index

    await set_stock(db, small.id, 3)
    await set_stock(db, large.id, 1)

    async def in_stock() -> bool:
        return (await availability(service, pid))[0] is True

    await within(2.0, in_stock)
    _, counts = await availability(service, pid)
    assert counts == {"true": 1}, counts

    # one variant sells out: the other still has a unit, so the product stays available
    await set_stock(db, large.id, 0)
    await set_stock(db, small.id, 2)  # a change that announces nothing (not a crossing)
    await set_stock(db, small.id, 0)  # the last one sells out

    async def sold_out() -> bool:
        return (await availability(service, pid))[0] is False

    await within(2.0, sold_out)
    _, counts = await availability(service, pid)
    assert counts == {"false": 1}, counts

    await set_stock(db, large.id, 4)  # back in stock
    await within(2.0, in_stock)
    assert await found(service, "lantern") == [pid]


async def test_an_older_read_of_availability_never_wins(running, db):
    """Two syncs of one product race: the one that read the stock later wins, even though
    the product itself (its version before this scheme) did not change in between."""
    _, service = running
    async with db.uow(catalog.CONTEXT) as uow:
        pid, _ = await catalog.upsert_product(uow, draft())
        await uow.commit()
    async with db.reader(catalog.CONTEXT) as uow:
        [p] = (await catalog.products_by_ids(uow, [pid])).values()
        variants = (await catalog.variants_by_product_ids(uow, [pid]))[pid]
    await set_stock(db, variants[0].id, 5)

    async def in_stock() -> bool:
        return (await availability(service, pid))[0] is True

    await within(5.0, in_stock)
    await sync_products(db, service, [pid])  # a duplicate delivery of the newest
    # then a reader that saw "sold out" before the restock, at the product's own version
    # (the product did not change), arrives late: its older read loses
    stale = document_of(p, variants, [], quantities={}, version=None)
    await service.index([stale])
    await service.backend.refresh()
    assert (await availability(service, pid))[0] is True
