"""Shared fixtures. Integration and e2e tests run on the real services, isolated per run."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import httpx
import pytest

from app.domains import CONTEXTS_WITH_TABLES
from app.main import create_app
from app.platform.db import Database
from app.platform.migrate import migrate
from app.platform.settings import Settings, load_settings
from tests.fixtures.api import ApiClient
from tests.fixtures.catalog_data import empty_catalog
from tests.fixtures.services import TestServices, create_test_services, drop_test_services
from tests.fixtures.throttles import clear_throttles

SPLIT = os.environ.get("EMPORIUM_TEST_SPLIT_CONTEXTS") == "1"

# Hermetic: a developer's `.env` must not change what the tests (and the servers they
# start, which inherit this) see. Tests that are about `.env` set it themselves.
os.environ["EMPORIUM_ENV_FILE"] = ""


@pytest.fixture(scope="session")
async def services() -> AsyncIterator[TestServices]:
    s = await create_test_services(split_contexts=SPLIT)
    try:
        yield s
    finally:
        await drop_test_services(s)


@pytest.fixture(scope="session")
async def settings(services: TestServices) -> AsyncIterator[Settings]:
    saved = {k: os.environ.get(k) for k in services.env()}
    os.environ.update(services.env())
    try:
        yield load_settings()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture(scope="session")
async def db(settings: Settings) -> AsyncIterator[Database]:
    await migrate(settings, CONTEXTS_WITH_TABLES)
    database = Database(settings)
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture
async def clean_catalog(db: Database) -> Database:
    """An empty catalog (and outbox) for tests that count or page exactly."""
    await empty_catalog(db)
    return db


@pytest.fixture(scope="session")
async def api(settings: Settings, db: Database) -> AsyncIterator[ApiClient]:
    """The ASGI app with its lifespan (distributed mode on this run's services), in process."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            yield ApiClient(http, app.state.runtime.db)


@pytest.fixture
async def fresh_throttles(settings: Settings) -> None:
    """Each test that signs in starts with empty sign-in throttles."""
    await clear_throttles(settings)
