"""The customers migration matches the tables the code declares, and a signed-in request
costs one statement to know who is asking."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.domains.customers import models
from app.platform.db import Database
from tests.fixtures.api import ApiClient
from tests.integration.customers.helpers import as_bearer, sign_up

pytestmark = pytest.mark.integration


async def test_the_migration_matches_the_models(db: Database):
    def diff(conn):
        ctx = MigrationContext.configure(
            conn, opts={"include_schemas": True, "include_name": _ours, "compare_type": True}
        )
        return compare_metadata(ctx, models.metadata)

    async with db.engine("customers").connect() as conn:
        assert await conn.run_sync(diff) == []


def _ours(name, type_, parent_names):
    if type_ == "schema":
        return name == models.SCHEMA
    return not (type_ == "table" and name == "alembic_version")


async def test_a_signed_in_request_costs_one_statement_for_its_viewer(api: ApiClient):
    a = await sign_up(api)
    with api.count_statements() as seen:
        r = await as_bearer(api, a.access_token, "{ products(first: 1) { nodes { id } } }")
    assert r.status == 200
    with api.count_statements() as anonymous:
        await as_bearer(api, None, "{ products(first: 1) { nodes { id } } }")
    assert len(seen) == len(anonymous) + 1
    with api.count_statements() as me:
        await as_bearer(
            api, a.access_token, "{ me { email addresses { id } defaultAddress { id } } }"
        )
    assert len(me) == 3  # the viewer, the customer, their addresses
