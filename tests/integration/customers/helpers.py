"""Customers test helpers: sign-ups, sign-ins and an authorised client, over the API."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from app.domains import customers
from app.platform.db import Database
from tests.fixtures.api import ApiClient, GraphQLResponse

PASSWORD = "correct horse battery"

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
    return Account(
        f"gid://emporium/StaffMember/{member.id}", member.email, t["accessToken"], t["refreshToken"]
    )


def client_with_ip(api: ApiClient, ip: str) -> ApiClient:
    """The same app seen from another client address (sign-in throttling counts per IP)."""
    transport = api.http._transport
    assert isinstance(transport, httpx.ASGITransport)
    other = httpx.ASGITransport(app=transport.app, client=(ip, 40000))
    return ApiClient(httpx.AsyncClient(transport=other, base_url="http://test"), api.db)
