"""Customers test helpers: sign-ups, sign-ins and an authorised client, over the API."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from app.domains import customers
from app.platform.db import Database
from tests.fixtures.api import ApiClient, GraphQLResponse

PASSWORD = "correct horse battery"

# Every password, token and reset secret the tests use, for `no_secrets_in_logs`: the
# passwords the tests type, and each token as the API hands it out.
SECRETS: set[str] = {
    PASSWORD,
    "wrong password",
    "not the password",
    "new password 1",
    "new password 2",
    "a brand new password",
    "owner password 1",
    "anything at all",
}


def remember(*secrets: str | None) -> None:
    SECRETS.update(s for s in secrets if s and len(s) >= 8)


def leaks(lines: list[str], secrets: set[str]) -> list[tuple[str, str]]:
    return [(s[:6] + "…", line[:200]) for line in lines for s in secrets if s in line]


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))  # the message, its args and any traceback


@pytest.fixture
def no_secrets_in_logs(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every log line of the test, at DEBUG (SQL statements included), from every logger;
    the test fails if one holds a password, token or reset secret the test used."""
    handler = _Lines()
    root = logging.getLogger()
    level = root.level
    # SQLAlchemy keeps its own loggers at WARNING; the statements are where a secret in a
    # parameter (an outbox row's reset token) would show, so they are logged here too
    sql = logging.getLogger("sqlalchemy.engine")
    sql_level = sql.level
    sql.setLevel(logging.INFO)
    # an app the test creates must not swap our handler out
    monkeypatch.setattr("app.main.configure_logging", lambda *a, **k: None)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler.lines
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        sql.setLevel(sql_level)
    found = leaks(handler.lines, SECRETS)
    assert not found, f"secrets in log lines: {found}"


SIGN_UP = """mutation($input: CustomerCreateInput!) {
  customerCreate(input: $input) { customer { id email } customerUserErrors { field code message } }
}"""
SIGN_IN = """mutation($email: String!, $password: String!) {
  customerAccessTokenCreate(input: {email: $email, password: $password}) {
    customerAccessToken { accessToken expiresAt refreshToken refreshTokenExpiresAt }
    customerUserErrors { field code message }
  }
}"""
STAFF_SIGN_IN = """mutation($email: String!, $password: String!) {
  staffAccessTokenCreate(input: {email: $email, password: $password}) {
    staffAccessToken { accessToken expiresAt refreshToken }
    userErrors { field code message }
  }
}"""


def unique_email(tag: str = "c") -> str:
    return f"{tag}-{uuid.uuid4().hex[:10]}@Example.COM"


@dataclass
class Account:
    id: str
    email: str
    access_token: str
    refresh_token: str


async def as_bearer(
    api: ApiClient, token: str | None, query: str, variables: Any = None
) -> GraphQLResponse:
    remember(token)
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    r = await api.http.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
    assert r.status_code != 500, r.text
    return GraphQLResponse(r.status_code, r.json())


async def sign_up(api: ApiClient, email: str | None = None, password: str = PASSWORD) -> Account:
    email = email or unique_email()
    r = await api.query(SIGN_UP, {"input": {"email": email, "password": password}})
    payload = r.data["customerCreate"]
    assert payload["customerUserErrors"] == [], payload
    tokens = await sign_in(api, email, password)
    return Account(payload["customer"]["id"], payload["customer"]["email"], *tokens)


async def sign_in(api: ApiClient, email: str, password: str = PASSWORD) -> tuple[str, str]:
    r = await api.query(SIGN_IN, {"email": email, "password": password})
    payload = r.data["customerAccessTokenCreate"]
    assert payload["customerUserErrors"] == [], payload
    t = payload["customerAccessToken"]
    remember(t["accessToken"], t["refreshToken"])
    return t["accessToken"], t["refreshToken"]


async def staff_account(
    api: ApiClient, db: Database, permissions: list[str], password: str = PASSWORD
) -> Account:
    """A staff member made as `emporium create-staff` makes one, signed in over the API."""
    email = unique_email("staff")
    async with db.uow(customers.CONTEXT) as uow:
        member = await customers.create_staff(uow, email, password, permissions)
    r = await api.query(STAFF_SIGN_IN, {"email": email, "password": password})
    payload = r.data["staffAccessTokenCreate"]
    assert payload["userErrors"] == [], payload
    t = payload["staffAccessToken"]
    remember(t["accessToken"], t["refreshToken"])
    return Account(
        f"gid://emporium/StaffMember/{member.id}", member.email, t["accessToken"], t["refreshToken"]
    )


def client_with_ip(api: ApiClient, ip: str) -> ApiClient:
    """The same app seen from another client address (sign-in throttling counts per IP)."""
    transport = api.http._transport
    assert isinstance(transport, httpx.ASGITransport)
    other = httpx.ASGITransport(app=transport.app, client=(ip, 40000))
    return ApiClient(httpx.AsyncClient(transport=other, base_url="http://test"), api.db)
