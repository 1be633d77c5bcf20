"""Catalog writes reach search through the real outbox, relay, RabbitMQ and worker."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal

import pytest
from dramatiq import Worker

from app import workers
from app.domains import CONTEXTS_WITH_TABLES, catalog, search
from app.platform.broker import build_broker
from app.platform.db import Database
from app.platform.relay import run_relay
from app.platform.settings import Settings
from app.workers.search import document_of, sync_products
from tests.integration.search.conftest import empty_search_tables

pytestmark = pytest.mark.integration


def draft(title: str, status: str = "ACTIVE", price: str = "12.00") -> catalog.ProductDraft:
    return catalog.ProductDraft(
        handle="sync-lantern",
        title=title,
        status=status,
        brand="Lumen",
        category_path=("Outdoor", "Lighting"),
        variants=(
            catalog.VariantDraft(sku="SYNC-1", price=Decimal(price), options=(("Color", "Amber"),)),
        ),
    )


@pytest.fixture(params=["postgres", "elasticsearch"])
async def running(
    request: pytest.FixtureRequest, settings: Settings, clean_catalog: Database
) -> AsyncIterator[tuple[Settings, search.SearchService]]:
    """The relay and a worker, as `emporium relay` and `emporium worker` run them."""
    s = settings.model_copy(
        update={"search_url": settings.search_url if request.param == "elasticsearch" else None}
    )
    db = clean_catalog
    await empty_search_tables(db)
    service = search.SearchService.from_settings(s, db)
    if isinstance(service.backend, search.ElasticsearchBackend):
        await service.backend.drop()
    broker = build_broker(s.broker_url or "")
    routes = workers.register(broker, s)
    worker = Worker(broker, worker_threads=2)
    worker.start()
    stop = asyncio.Event()
    relay = asyncio.create_task(
        run_relay(db, CONTEXTS_WITH_TABLES, routes.publish, interval=0.05, stop=stop)
    )
    try:
        yield s, service
    finally:
        stop.set()
        await relay
        await asyncio.to_thread(worker.stop)
        broker.close()
        if isinstance(service.backend, search.ElasticsearchBackend):
            await service.backend.drop()
        await service.close()


async def within(seconds: float, check: Callable[[], Awaitable[bool]]) -> float:
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if await check():
            return time.monotonic() - start
        await asyncio.sleep(0.05)
    raise AssertionError(f"not searchable within {seconds} s")


async def found(service: search.SearchService, text: str) -> list[int]:
    # Elasticsearch makes writes searchable within its refresh interval (1 s)
    return (await service.search(search.SearchQuery(text=text, with_facets=False))).product_ids


async def test_create_update_and_archive_reach_search_within_two_seconds(running, db):
    _, service = running
    async with db.uow("catalog") as uow:
        pid, _ = await catalog.upsert_product(uow, draft("Storm Lantern"))
        await uow.commit()

    async def created() -> bool:
        return await found(service, "lantern") == [pid]

    await within(2.0, created)

    async with db.uow("catalog") as uow:
        await catalog.upsert_product(uow, draft("Storm Lamp", price="15.00"))
        await uow.commit()

    async def updated() -> bool:
        return await found(service, "lamp") == [pid] and await found(service, "lantern") == []

    await within(2.0, updated)

    async with db.uow("catalog") as uow:
        await catalog.upsert_product(uow, draft("Storm Lamp", status="ARCHIVED"))
        await uow.commit()

    async def removed() -> bool:
        return await found(service, "lamp") == []

    await within(2.0, removed)


async def test_replaying_an_old_state_never_regresses_the_document(running, db):
    _, service = running
    async with db.uow("catalog") as uow:
        pid, _ = await catalog.upsert_product(uow, draft("Brass Lantern"))
        await uow.commit()
    async with db.reader("catalog") as uow:
        [old] = (await catalog.products_by_ids(uow, [pid])).values()
    async with db.uow("catalog") as uow:
        await catalog.upsert_product(uow, draft("Copper Lantern"))
        await uow.commit()

    async def copper() -> bool:
        return await found(service, "copper") == [pid]

    await within(2.0, copper)
    # the document as it was before the update, delivered late (an old event's reload
    # racing the new one): its version is older, so it is ignored

    stale = document_of(old, [], [])
    await service.index([stale])
    await sync_products(db, service, [pid])  # and a duplicate delivery of the newest
    await service.backend.refresh()
    assert await found(service, "copper") == [pid]
    assert await found(service, "brass") == []


async def test_removing_an_unknown_product_creates_no_index(settings, db):
    es = search.SearchService.from_settings(settings, db).backend
    assert isinstance(es, search.ElasticsearchBackend)
    await es.delete([(987654, None), (987655, 5)])
    assert not await es._es.indices.exists(index=es.building)
    await es.close()
