"""A product deleted from the catalog never comes back in search, on either backend:
not from a stale document delivered after the delete (an index event whose reload read
the product just before it), nor from a reindex that read it before the delete, nor
long after the delete (Elasticsearch forgets a plain delete's version after 60 s)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from app.domains import search
from app.domains.search import Filters, SearchDocument, SearchQuery

pytestmark = pytest.mark.integration

NOW = 1_780_000_000_000_000  # a product version: µs since 1970, as the worker makes them


def lamp(pid: int, title: str = "Amber Lamp", version: int = NOW) -> SearchDocument:
    return SearchDocument(
        product_id=pid,
        version=version,
        handle=f"lamp-{pid}",
        title=title,
        description="A warm light",
        vendor="Lumen",
        category_id=7,
        category_ids=(7,),
        category_titles=("Lighting",),
        options=(("Color", "Amber"),),
        prices=(Decimal("30.00"),),
        available=True,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


async def visible(service: search.SearchService, pid: int) -> bool:
    """Anywhere a product could show: full text, browsing with facets, search-as-you-type."""
    await service.backend.refresh()
    text = await service.search(SearchQuery(text="amber lamp", limit=50))
    browse = await service.search(SearchQuery(filters=Filters(vendors=frozenset({"Lumen"}))))
    typed = await service.predictive("amber la", 10)
    found = [pid in text.product_ids, pid in browse.product_ids, pid in typed.product_ids]
    assert len(set(found)) == 1, found  # every way agrees
    if not found[0]:
        # nor counted in any facet
        assert browse.facets is not None
        assert browse.total == len(browse.product_ids)
        assert sum(c.count for c in browse.facets.vendors) == browse.total
    return found[0]


async def test_a_stale_document_after_a_hard_delete_is_ignored(service):
    await service.index([lamp(501)])
    assert await visible(service, 501)
    await service.remove([(501, None)])  # the catalog has no such product any more
    assert not await visible(service, 501)
    # the reload of an event read just before the delete, delivered after it; and one
    # with a version from the far future (a clock gone wrong): neither brings it back
    await service.index([lamp(501)])
    await service.index([lamp(501, version=NOW * 100)])
    assert not await visible(service, 501)
    # the delete delivered twice is harmless
    await service.remove([(501, None)])
    assert not await visible(service, 501)


async def test_a_plain_delete_is_still_versioned_and_a_newer_product_wins(service):
    """An archived product (a removal at its version) comes back when published again."""
    await service.index([lamp(502, version=NOW)])
    await service.remove([(502, NOW + 1)])
    await service.index([lamp(502, version=NOW)])  # stale: older than the removal
    assert not await visible(service, 502)
    await service.index([lamp(502, version=NOW + 2)])  # published again, later
    assert await visible(service, 502)


async def test_a_reindex_that_read_the_product_before_its_delete_does_not_restore_it(
    service,
):
    """The rebuild streams the product (read before the delete); the delete is handled
    while the rebuild runs; the rebuilt index must not hold the product."""
    await service.index([lamp(503), lamp(504, "Amber Lamp Two")])
    assert await visible(service, 503)
    removal: asyncio.Task[None] | None = None

    async def chunks() -> AsyncIterator[Sequence[SearchDocument]]:
        nonlocal removal
        yield [lamp(504, "Amber Lamp Two")]
        # the delete arrives mid-rebuild: on Elasticsearch it reaches the index being
        # built; on Postgres it waits for the rebuild's transaction, then applies
        removal = asyncio.create_task(service.remove([(503, None)]))
        await asyncio.sleep(0.5)
        yield [lamp(503)]  # read from the catalog before the delete

    await service.rebuild(chunks())
    assert removal is not None
    await asyncio.wait_for(removal, timeout=30)
    assert not await visible(service, 503)
    assert await visible(service, 504)
