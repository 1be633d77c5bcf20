"""`emporium reindex`: a fresh index from the catalog, swapped in while searches run."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import subprocess
import sys

import pytest
import sqlalchemy as sa

from app.domains import catalog, search
from app.platform.db import Database
from app.platform.settings import Settings
from app.workers.search import reindex, stream_documents, sync_products
from tests.fixtures.catalog_data import load_small_catalog, product_draft
from tests.integration.search.conftest import empty_search_tables

pytestmark = pytest.mark.integration


@pytest.fixture(params=["postgres", "elasticsearch"])
async def service(request, settings: Settings, db: Database):  # type: ignore[no-untyped-def]
    s = settings.model_copy(
        update={"search_url": settings.search_url if request.param == "elasticsearch" else None}
    )
    await load_small_catalog(db)
    await empty_search_tables(db)
    svc = search.SearchService.from_settings(s, db)
    if isinstance(svc.backend, search.ElasticsearchBackend):
        await svc.backend.drop()
    yield svc
    if isinstance(svc.backend, search.ElasticsearchBackend):
        await svc.backend.drop()
    await svc.close()


async def total(svc: search.SearchService, text: str = "") -> int:
    return (await svc.search(search.SearchQuery(text=text, with_facets=False))).total


async def test_reindex_swaps_in_a_full_index_while_searches_keep_answering(service, db):
    assert await reindex(db, service, chunk=7) == 30
    await service.backend.refresh()
    assert await total(service) == 30
    # the catalog moves on while the index is stale: ten more products
    async with db.uow("catalog") as uow:
        for n in range(30, 40):
            await catalog.upsert_product(uow, product_draft(n))
        await uow.commit()

    answers: list[int] = []
    failures: list[BaseException] = []
    done = asyncio.Event()

    async def shopper() -> None:
        while not done.is_set():
            try:
                answers.append(await total(service, "item"))
            except Exception as exc:
                failures.append(exc)
            await asyncio.sleep(0)

    shoppers = [asyncio.create_task(shopper()) for _ in range(3)]
    seen: list[int] = []
    try:
        n = await reindex(db, service, chunk=3, progress=seen.append)
    finally:
        done.set()
        await asyncio.gather(*shoppers)
    assert n == 40 and seen[-1] == 40 and len(seen) == 14
    assert not failures
    assert answers and set(answers) <= {30, 40}  # the old index or the new, never a hole
    await service.backend.refresh()
    assert await total(service) == 40


async def test_live_writes_during_a_rebuild_are_not_lost(service, db):
    """An update indexed while the rebuild runs lands in the new index too."""

    async def slow_chunks():  # type: ignore[no-untyped-def]
        first = True
        async for docs in stream_documents(db, 10):
            yield docs
            if first:
                first = False
                async with db.uow("catalog") as uow:
                    await catalog.upsert_product(
                        uow,
                        dataclasses.replace(product_draft(0), title="Zephyr item"),
                    )
                    await uow.commit()
                async with db.reader("catalog") as uow:
                    [pid] = (
                        await uow.session.execute(
                            sa.text(
                                "SELECT id FROM catalog.products WHERE handle = 'test-product-000'"
                            )
                        )
                    ).scalars()
                # on Postgres the write waits for the rebuild's transaction, so it runs
                # alongside; on Elasticsearch it lands while the rebuild goes on
                live.append(asyncio.create_task(sync_products(db, service, [pid])))
                await asyncio.wait(live, timeout=2)

    live: list[asyncio.Task[None]] = []
    await service.rebuild(slow_chunks())
    await asyncio.gather(*live)
    await service.backend.refresh()
    assert await total(service, "zephyr") == 1


async def test_the_reindex_command(services, settings, db):
    await load_small_catalog(db)
    env = {**os.environ, **services.env()}
    out = subprocess.run(
        [sys.executable, "-m", "app.cli", "reindex", "--chunk", "8"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "reindexed 30 products (elasticsearch)"
    s = search.SearchService.from_settings(settings, db)
    assert isinstance(s.backend, search.ElasticsearchBackend)
    await s.backend.refresh()
    assert await total(s, "item") == 30
    await s.backend.drop()
    await s.close()
