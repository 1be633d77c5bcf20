"""Expired sessions and refresh tokens do not pile up: each sign-in deletes a bounded batch
of them, and nothing still usable goes with them."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.domains import customers
from app.platform.settings import Settings
from tests.fixtures.api import ApiClient
from tests.integration.customers.helpers import as_bearer, remember, sign_in, sign_up

pytestmark = pytest.mark.integration

RENEW = """mutation($t: String!) { customerAccessTokenRenew(refreshToken: $t) {
  customerAccessToken { accessToken refreshToken } customerUserErrors { code } } }"""


async def _session_of(api: ApiClient, refresh_token: str) -> str:
    """The session a refresh token belongs to (tokens are stored as their SHA-256)."""
    assert api.db is not None
    async with api.db.reader(customers.CONTEXT) as uow:
        rows = await uow.session.execute(
            sa.text(
                "SELECT s.id FROM customers.sessions s JOIN customers.refresh_tokens rt "
                "ON rt.session_id = s.id WHERE rt.token_hash = sha256(convert_to(:t, 'UTF8'))"
            ),
            {"t": refresh_token},
        )
        return str(rows.scalar_one())


async def _age(api: ApiClient, session_ids: list[str], by: timedelta) -> None:
    """Move every refresh token of these sessions `by` into the past."""
    assert api.db is not None
    async with api.db.uow(customers.CONTEXT) as uow:
        await uow.session.execute(
            sa.text(
                "UPDATE customers.refresh_tokens SET expires_at = now() - CAST(:by AS interval) "
                "WHERE session_id = ANY(CAST(:ids AS uuid[]))"
            ),
            {"by": by, "ids": session_ids},
        )
        await uow.commit()


async def _count(api: ApiClient, table: str, session_ids: list[str]) -> int:
    assert api.db is not None
    column = "id" if table == "sessions" else "session_id"
    async with api.db.reader(customers.CONTEXT) as uow:
        n = await uow.session.scalar(
            sa.text(
                f"SELECT count(*) FROM customers.{table} WHERE {column} = ANY(CAST(:ids AS uuid[]))"
            ),
            {"ids": session_ids},
        )
    return int(n or 0)


async def test_a_sign_in_prunes_dead_sessions_and_expired_tokens_only(
    api: ApiClient, settings: Settings
):
    dead = await sign_up(api)  # its whole family will be long expired
    live = await sign_up(api)  # renewed: an old expired token and a fresh one
    dead_sid = await _session_of(api, dead.refresh_token)
    live_sid = await _session_of(api, live.refresh_token)

    renewed = await api.query(RENEW, {"t": live.refresh_token})
    pair = renewed.data["customerAccessTokenRenew"]["customerAccessToken"]
    remember(pair["accessToken"], pair["refreshToken"])
    week = timedelta(days=7)
    await _age(api, [dead_sid], week)
    # only the spent token of the live session expires
    assert api.db is not None
    async with api.db.uow(customers.CONTEXT) as uow:
        await uow.session.execute(
            sa.text(
                "UPDATE customers.refresh_tokens SET expires_at = now() - CAST(:by AS interval) "
                "WHERE session_id = CAST(:sid AS uuid) AND used_at IS NOT NULL"
            ),
            {"by": week, "sid": live_sid},
        )
        await uow.commit()
    assert await _count(api, "refresh_tokens", [live_sid]) == 2

    # any sign-in prunes (here: a third customer's)
    await sign_in(api, (await sign_up(api)).email)

    assert await _count(api, "sessions", [dead_sid]) == 0
    assert await _count(api, "refresh_tokens", [dead_sid]) == 0
    assert await _count(api, "sessions", [live_sid]) == 1
    assert await _count(api, "refresh_tokens", [live_sid]) == 1  # the fresh one
    me = await as_bearer(api, pair["accessToken"], "{ me { id } }")
    assert me.data["me"]["id"] == live.id
    again = await api.query(RENEW, {"t": pair["refreshToken"]})
    next_pair = again.data["customerAccessTokenRenew"]["customerAccessToken"]
    assert next_pair is not None
    remember(next_pair["accessToken"], next_pair["refreshToken"])


async def test_a_session_expired_less_than_an_access_token_lifetime_ago_is_kept(
    api: ApiClient, settings: Settings
):
    """Its last access token may still be valid: the session it names must still exist."""
    recent = await sign_up(api)
    sid = await _session_of(api, recent.refresh_token)
    await _age(api, [sid], timedelta(seconds=settings.access_token_ttl // 2))
    assert api.db is not None
    async with api.db.uow(customers.CONTEXT) as uow:
        await customers.prune_expired(uow, customers.AuthConfig.from_settings(settings))
    assert await _count(api, "sessions", [sid]) == 1
    me = await as_bearer(api, recent.access_token, "{ me { id } }")
    assert me.data["me"]["id"] == recent.id


async def test_pruning_is_bounded_per_call(api: ApiClient, settings: Settings):
    accounts = [await sign_up(api) for _ in range(3)]
    sids = [await _session_of(api, a.refresh_token) for a in accounts]
    await _age(api, sids, timedelta(days=400))  # older than anything else in the table
    auth = customers.AuthConfig.from_settings(
        settings.model_copy(update={"session_prune_batch": 2})
    )
    assert api.db is not None
    async with api.db.uow(customers.CONTEXT) as uow:
        assert await customers.prune_expired(uow, auth) == 2
    assert await _count(api, "sessions", sids) == 1
    async with api.db.uow(customers.CONTEXT) as uow:
        assert await customers.prune_expired(uow, auth) >= 1
    assert await _count(api, "sessions", sids) == 0
