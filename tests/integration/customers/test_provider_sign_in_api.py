"""Sign-in with the identity provider through the API, against the real Keycloak:
`customerSignInWithProviderStart` → the provider's login form, filled in as a browser
would → `customerSignInWithProviderComplete` → Emporium's own tokens, usable on `me`.

Every log line of these tests is checked for the passwords typed into Keycloak, the
codes and states of the redirects and the tokens handed out (the customers conftest).
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import sqlalchemy as sa
from redis.asyncio import Redis

from app.main import create_app
from app.platform.oidc import OidcClient
from app.platform.settings import Settings
from tests.fixtures.api import ApiClient, GraphQLResponse
from tests.fixtures.keycloak_realm import (
    CALLBACK,
    CLIENT_ID,
    CLIENT_SECRET,
    UNVERIFIED,
    VERIFIED,
    Realm,
    log_in,
    realm,
)
from tests.integration.customers.helpers import (
    SECRETS,
    as_bearer,
    remember,
    sign_up,
)

pytestmark = pytest.mark.integration
__all__ = ["realm"]  # the fixture, imported to be found here

# the Keycloak users' passwords are typed in these tests: never in a log line
SECRETS.update({VERIFIED[1], UNVERIFIED[1], CLIENT_SECRET})

START = """mutation($input: CustomerSignInWithProviderStartInput) {
  customerSignInWithProviderStart(input: $input) {
    authorizationUrl state customerUserErrors { field code message } } }"""
COMPLETE = """mutation($code: String!, $state: String!) {
  customerSignInWithProviderComplete(input: {code: $code, state: $state}) {
    customerAccessToken { accessToken expiresAt refreshToken refreshTokenExpiresAt }
    customerUserErrors { field code message } } }"""
RENEW = """mutation($t: String!) { customerAccessTokenRenew(refreshToken: $t) {
  customerAccessToken { accessToken refreshToken } customerUserErrors { code } } }"""


@pytest.fixture(scope="module")
async def provider_api(settings: Settings, db, realm: Realm) -> AsyncIterator[ApiClient]:
    """The app with OIDC_* settings naming this run's realm, built by its own lifespan."""
    configured = settings.model_copy(
        update={
            "oidc_issuer": realm.issuer,
            "oidc_client_id": CLIENT_ID,
            "oidc_client_secret": CLIENT_SECRET,
            "oidc_redirect_uri": CALLBACK,
        }
    )
    app = create_app(configured)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            yield ApiClient(http, app.state.runtime.db)


async def start(api: ApiClient, redirect_uri: str | None = None) -> tuple[str, str]:
    r = await api.query(START, {"input": {"redirectUri": redirect_uri}})
    payload = r.data["customerSignInWithProviderStart"]
    assert payload["customerUserErrors"] == [], payload
    remember(payload["state"])
    return payload["authorizationUrl"], payload["state"]


async def complete(api: ApiClient, code: str, state: str) -> dict:
    remember(code, state)
    r = await api.query(COMPLETE, {"code": code, "state": state})
    payload = r.data["customerSignInWithProviderComplete"]
    token = payload["customerAccessToken"]
    if token:
        remember(token["accessToken"], token["refreshToken"])
    return payload


async def browser_sign_in(api: ApiClient, user: tuple[str, str, str]) -> tuple[str, str]:
    url, state = await start(api)
    code, returned = await log_in(url, user[0], user[1])
    assert returned == state
    return code, state


async def test_sign_in_with_the_provider_ends_in_working_tokens(provider_api: ApiClient):
    url, state = await start(provider_api)
    query = parse_qs(urlsplit(url).query)
    assert query["state"] == [state] and query["code_challenge_method"] == ["S256"]
    assert query["redirect_uri"] == [CALLBACK] and query["client_id"] == [CLIENT_ID]
    assert "code_verifier" not in query  # the verifier never leaves the server

    code, returned = await log_in(url, *VERIFIED[:2])
    assert returned == state
    payload = await complete(provider_api, code, state)
    assert payload["customerUserErrors"] == []
    token = payload["customerAccessToken"]
    assert token["expiresAt"] < token["refreshTokenExpiresAt"]

    me = await as_bearer(provider_api, token["accessToken"], "{ me { id email firstName } }")
    assert me.data["me"]["email"] == VERIFIED[2]
    assert me.data["me"]["firstName"] == "Vera"
    # the refresh token is an ordinary one: renewable
    renewed = await provider_api.query(RENEW, {"t": token["refreshToken"]})
    pair = renewed.data["customerAccessTokenRenew"]["customerAccessToken"]
    remember(pair["accessToken"], pair["refreshToken"])
    again = await as_bearer(provider_api, pair["accessToken"], "{ me { id } }")
    assert again.data["me"]["id"] == me.data["me"]["id"]

    # a second sign-in of the same person is the same account
    code, state = await browser_sign_in(provider_api, VERIFIED)
    second = (await complete(provider_api, code, state))["customerAccessToken"]
    me2 = await as_bearer(provider_api, second["accessToken"], "{ me { id } }")
    assert me2.data["me"]["id"] == me.data["me"]["id"]


async def test_an_existing_account_is_linked_by_the_verified_email(
    provider_api: ApiClient, realm: Realm
):
    # a password account first, then a provider user with the same e-mail (other case)
    account = await sign_up(provider_api)
    username, password = f"linked-{uuid.uuid4().hex[:10]}", "linked-user-password"
    SECRETS.add(password)
    await realm.admin(
        "POST",
        "/users",
        json={
            "username": username,
            "email": account.email.upper(),
            "emailVerified": True,
            "enabled": True,
            "firstName": "Lin",
            "lastName": "Ked",
            "credentials": [{"type": "password", "value": password, "temporary": False}],
        },
    )
    code, state = await browser_sign_in(provider_api, (username, password, account.email))
    token = (await complete(provider_api, code, state))["customerAccessToken"]
    me = await as_bearer(provider_api, token["accessToken"], "{ me { id email } }")
    assert me.data["me"]["id"] == account.id


async def test_a_wrong_state_is_refused(provider_api: ApiClient):
    code, state = await browser_sign_in(provider_api, VERIFIED)
    payload = await complete(provider_api, code, "forged-" + state[:20])
    assert payload["customerAccessToken"] is None
    assert payload["customerUserErrors"] == [
        {
            "field": ["input", "state"],
            "code": "OIDC_STATE_INVALID",
            "message": "this sign-in is unknown or has expired",
        }
    ]
    # the real state was not used up by the forged one
    assert (await complete(provider_api, code, state))["customerUserErrors"] == []


async def test_a_replayed_code_is_refused(provider_api: ApiClient):
    code, state = await browser_sign_in(provider_api, VERIFIED)
    assert (await complete(provider_api, code, state))["customerUserErrors"] == []
    replay = await complete(provider_api, code, state)
    assert replay["customerAccessToken"] is None
    assert [e["code"] for e in replay["customerUserErrors"]] == ["OIDC_STATE_INVALID"]

    # the same code under a freshly started sign-in's state: the provider refuses it
    _, fresh_state = await start(provider_api)
    replay = await complete(provider_api, code, fresh_state)
    assert replay["customerAccessToken"] is None
    assert replay["customerUserErrors"][0]["code"] == "OIDC_CODE_INVALID"
    assert replay["customerUserErrors"][0]["field"] == ["input", "code"]


async def test_an_unverified_email_signs_nobody_in(provider_api: ApiClient):
    code, state = await browser_sign_in(provider_api, UNVERIFIED)
    payload = await complete(provider_api, code, state)
    assert payload["customerAccessToken"] is None
    assert [e["code"] for e in payload["customerUserErrors"]] == ["OIDC_EMAIL_UNVERIFIED"]
    # and no account was made for it
    assert provider_api.db is not None
    async with provider_api.db.reader("customers") as uow:
        n = await uow.session.scalar(
            sa.text("SELECT count(*) FROM customers.customers WHERE lower(email) = :e"),
            {"e": UNVERIFIED[2]},
        )
    assert n == 0


async def test_only_the_registered_redirect_uri_is_accepted(provider_api: ApiClient):
    url, _ = await start(provider_api, CALLBACK)
    assert parse_qs(urlsplit(url).query)["redirect_uri"] == [CALLBACK]
    r = await provider_api.query(START, {"input": {"redirectUri": "https://evil.example/cb"}})
    payload = r.data["customerSignInWithProviderStart"]
    assert payload["authorizationUrl"] is None and payload["state"] is None
    assert payload["customerUserErrors"][0]["code"] == "OIDC_REDIRECT_URI_INVALID"
    assert payload["customerUserErrors"][0]["field"] == ["input", "redirectUri"]


async def test_absurd_inputs_are_user_errors_not_failures(provider_api: ApiClient):
    for code, state in (("", ""), ("x" * 10_000, "y"), ("c", "s" * 10_000), ("c", "\u0000")):
        payload = await complete(provider_api, code, state)
        assert payload["customerAccessToken"] is None
        assert payload["customerUserErrors"][0]["code"] in (
            "OIDC_STATE_INVALID",
            "OIDC_CODE_INVALID",
        )


async def test_without_a_provider_the_mutations_say_so(api: ApiClient):
    r = await api.query(START, {"input": None})
    payload = r.data["customerSignInWithProviderStart"]
    assert payload["authorizationUrl"] is None
    assert [e["code"] for e in payload["customerUserErrors"]] == ["OIDC_NOT_CONFIGURED"]
    r = await api.query(COMPLETE, {"code": "some-code", "state": "some-state"})
    payload = r.data["customerSignInWithProviderComplete"]
    assert [e["code"] for e in payload["customerUserErrors"]] == ["OIDC_NOT_CONFIGURED"]


def _closed_port() -> int:
    with socket.socket() as s:  # bound, then released: nothing listens there
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _unavailable(r: GraphQLResponse, field: str) -> None:
    assert r.status == 200
    assert r.codes == ["SERVICE_UNAVAILABLE"], r.body
    assert (r.body["data"] or {}).get(field) is None
    message = r.errors[0]["message"]
    assert "unavailable" in message and "127.0.0.1" not in message


async def test_sign_in_while_redis_is_down_is_service_unavailable(
    provider_api: ApiClient, settings: Settings
):
    """The app started with Redis up; then Redis goes away (a client on a closed port
    stands in for it): every sign-in answers SERVICE_UNAVAILABLE, never an internal error."""
    transport = provider_api.http._transport
    assert isinstance(transport, httpx.ASGITransport)
    runtime = transport.app.state.runtime  # type: ignore[attr-defined]
    down = Redis.from_url(f"redis://127.0.0.1:{_closed_port()}/0", socket_connect_timeout=2)
    up, provider = runtime.redis, runtime.extra["oidc"]
    runtime.redis = down
    runtime.extra["oidc"] = OidcClient(provider.config, down)
    try:
        r = await provider_api.query(START, {"input": None})
        _unavailable(r, "customerSignInWithProviderStart")
        r = await provider_api.query(COMPLETE, {"code": "some-code", "state": "some-state"})
        _unavailable(r, "customerSignInWithProviderComplete")
        # e-mail and password sign-in counts failures in Redis: unavailable too
        q = """mutation { customerAccessTokenCreate(input: {email: "a@example.com",
          password: "anything at all"}) { customerAccessToken { accessToken } } }"""
        _unavailable(await provider_api.query(q), "customerAccessTokenCreate")
    finally:
        await runtime.extra["oidc"].aclose()
        runtime.redis, runtime.extra["oidc"] = up, provider
        await down.aclose()
