"""Both search backends on the real services, each with its own empty store per module."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa

from app.domains import search
from app.platform.db import Database
from tests.fixtures.services import TestServices

SYNONYMS = ["sofa, couch, settee", "tee, t-shirt"]


async def empty_search_tables(db: Database) -> None:
    async with db.uow("search") as uow:
        await uow.session.execute(sa.text("TRUNCATE search.documents, search.terms"))
        await uow.commit()


@pytest.fixture(params=["postgres", "elasticsearch"], scope="module")
async def backend(
    request: pytest.FixtureRequest, db: Database, services: TestServices
) -> AsyncIterator[search.SearchBackend]:
    b: search.SearchBackend
    if request.param == "postgres":
        await empty_search_tables(db)
        b = search.PostgresBackend(db)
    else:
        alias = f"{services.queue_prefix}{request.module.__name__.rsplit('.', 1)[-1]}".lower()
        es = search.ElasticsearchBackend(services.search_url, alias)
        await es.drop()
        b = es
    await b.ensure()
    try:
        yield b
    finally:
        if isinstance(b, search.ElasticsearchBackend):
            await b.drop()
        await b.close()


@pytest.fixture(scope="module")
def service(backend: search.SearchBackend) -> search.SearchService:
    return search.SearchService(backend, search.Analyzer(search.parse_synonyms(SYNONYMS)))
