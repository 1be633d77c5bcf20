"""Elasticsearch round trips per call: the typo lookup rides along with the query, so a
search or a predictive call without a typo costs one request, one with a typo two."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

from app.domains import search
from app.platform.db import Database

if TYPE_CHECKING:
    from tests.fixtures.services import TestServices

pytestmark = pytest.mark.integration


@pytest.fixture
async def counted(
    db: Database, services: TestServices
) -> AsyncIterator[tuple[search.SearchService, list[Any]]]:
    es = search.ElasticsearchBackend(
        services.search_url, f"{services.queue_prefix}round-trips".lower()
    )
    await es.drop()
    await es.upsert(
        [
            search.SearchDocument(
                product_id=1,
                version=1,
                handle="storm-jacket",
                title="Storm Jacket",
                description="Waterproof running jacket",
                vendor="Lumen",
                options=(("Size", "M"),),
                prices=(Decimal("80.00"),),
            )
        ]
    )
    await es.refresh()
    requests: list[Any] = []
    real = es._es.search

    async def counting(*args: Any, **kwargs: Any) -> Any:
        requests.append(kwargs)
        return await real(*args, **kwargs)

    es._es.search = counting  # type: ignore[method-assign]
    try:
        yield search.SearchService(es), requests
    finally:
        es._es.search = real  # type: ignore[method-assign]
        await es.drop()
        await es.close()


async def test_a_faceted_search_without_a_typo_is_one_request(counted):
    service, requests = counted
    q = search.SearchQuery(
        text="waterproof jacket", filters=search.Filters(vendors=frozenset({"Lumen"}))
    )
    assert (await service.search(q)).product_ids == [1]
    assert len(requests) == 1


async def test_a_typo_costs_a_second_request_and_is_corrected(counted):
    service, requests = counted
    assert (await service.search(search.SearchQuery(text="waterprof jacket"))).product_ids == [1]
    assert len(requests) == 2


async def test_predictive_without_a_typo_is_one_request(counted):
    service, requests = counted
    assert (await service.predictive("running jac", 5)).product_ids == [1]
    assert len(requests) == 1
    requests.clear()
    assert (await service.predictive("runnning jac", 5)).product_ids == [1]
    assert len(requests) == 2
