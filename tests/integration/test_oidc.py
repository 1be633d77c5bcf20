"""Sign-in with an OpenID Connect provider, end to end against the real Keycloak that
`scripts/services.sh` runs: the login form is filled in as a browser would, the redirect
back is read (never followed), and `complete` checks it all.

Each run gets its own realm, made from the same fixture services.sh imports, so key
rotations and used codes never leak between runs (or into a developer's realm).
"""

from __future__ import annotations

import json
import secrets
import socket
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from redis.asyncio import Redis

from app.platform import oidc
from app.platform.oidc import OidcClient, OidcConfig, OidcError, require_verified_email
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
from tests.fixtures.services import oidc_test_issuer
from tests.integration.customers.helpers import SECRETS, no_secrets_in_logs, remember

__all__ = ["no_secrets_in_logs", "realm"]  # fixtures, imported to be found here

# what a sign-in handles that no log line may show: the users' passwords, the client
# secrets, and (remembered as they pass, by ProviderTraffic) codes, verifiers and tokens
SECRETS.update({VERIFIED[1], UNVERIFIED[1], CLIENT_SECRET, "not-the-secret", "other-secret"})


@pytest.fixture(autouse=True)
def _no_secrets(no_secrets_in_logs):
    return no_secrets_in_logs


pytestmark = pytest.mark.integration


@pytest.fixture
async def redis(services) -> AsyncIterator[Redis]:
    client = Redis.from_url(services.redis_url)
    try:
        yield client
    finally:
        await client.aclose()


class ProviderTraffic:
    """An HTTP client for the relying party that counts its requests by path and keeps
    the ID tokens the provider sent (to tamper with them)."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        self.id_tokens: list[str] = []
        self.http = httpx.AsyncClient(
            timeout=30, event_hooks={"request": [self._request], "response": [self._response]}
        )

    async def _request(self, request: httpx.Request) -> None:
        self.paths.append(request.url.path)
        if request.url.path.endswith("/token"):
            form = parse_qs(request.content.decode())
            remember(*(v for k in ("code", "code_verifier") for v in form.get(k, [])))

    async def _response(self, response: httpx.Response) -> None:
        if response.request.url.path.endswith("/token") and response.status_code == 200:
            await response.aread()
            body = response.json()
            remember(body["id_token"], body.get("access_token"), body.get("refresh_token"))
            self.id_tokens.append(body["id_token"])

    def count(self, suffix: str) -> int:
        return sum(p.endswith(suffix) for p in self.paths)


@pytest.fixture
async def traffic() -> AsyncIterator[ProviderTraffic]:
    t = ProviderTraffic()
    try:
        yield t
    finally:
        await t.http.aclose()


def make_client(realm: Realm, redis: Redis, traffic: ProviderTraffic, **config: Any) -> OidcClient:
    settings: dict[str, Any] = {
        "issuer": realm.issuer,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uri": CALLBACK,
    }
    settings.update(config)
    return OidcClient(OidcConfig(**settings), redis, traffic.http)


async def test_sign_in_ends_in_the_verified_identity(realm, redis, traffic):
    client = make_client(realm, redis, traffic)
    url, state = await client.start()
    query = parse_qs(urlsplit(url).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["state"] == [state] and query["nonce"] and query["code_challenge"]
    # the state is kept for a bounded time only
    ttl = await redis.ttl(oidc._state_key(state))
    assert 0 < ttl <= client.config.state_ttl

    code, returned_state = await log_in(url, *VERIFIED[:2])
    assert returned_state == state
    identity = await client.complete(code, state)

    [user] = (
        await realm.admin("GET", "/users", params={"username": "verified", "exact": "true"})
    ).json()
    assert identity == oidc.VerifiedIdentity(
        issuer=realm.issuer,
        subject=user["id"],
        email="verified@example.com",
        email_verified=True,
        given_name="Vera",
        family_name="Fied",
    )
    assert require_verified_email(identity) == "verified@example.com"
    assert await redis.exists(oidc._state_key(state)) == 0


async def test_unverified_email_is_reported_and_refused_for_linking(realm, redis, traffic):
    client = make_client(realm, redis, traffic)
    url, _ = await client.start()
    identity = await client.complete(*await log_in(url, *UNVERIFIED[:2]))
    assert identity.email == "unverified@example.com"
    assert identity.email_verified is False
    with pytest.raises(OidcError) as err:
        require_verified_email(identity)
    assert err.value.code == "OIDC_EMAIL_UNVERIFIED"


async def test_a_wrong_state_is_refused_and_does_not_use_up_the_real_one(realm, redis, traffic):
    client = make_client(realm, redis, traffic)
    url, state = await client.start()
    code, _ = await log_in(url, *VERIFIED[:2])
    for wrong in ("forged-state", secrets.token_urlsafe(32), "", "x" * 10_000):
        with pytest.raises(OidcError) as err:
            await client.complete(code, wrong)
        assert err.value.code == "OIDC_STATE_INVALID"
    assert traffic.count("/token") == 0  # refused before the code reached the provider
    assert (await client.complete(code, state)).email == "verified@example.com"


async def test_a_replayed_callback_is_refused(realm, redis, traffic):
    client = make_client(realm, redis, traffic)
    url, state = await client.start()
    code, _ = await log_in(url, *VERIFIED[:2])
    kept = await redis.get(oidc._state_key(state))
    await client.complete(code, state)

    # the state is single-use ...
    with pytest.raises(OidcError) as err:
        await client.complete(code, state)
    assert err.value.code == "OIDC_STATE_INVALID"

    # ... and even with the state put back, the provider refuses the used code
    await redis.set(oidc._state_key(state), kept, ex=60)
    with pytest.raises(OidcError) as err:
        await client.complete(code, state)
    assert err.value.code == "OIDC_CODE_INVALID"


async def test_the_provider_checks_the_pkce_verifier(realm, redis, traffic):
    client = make_client(realm, redis, traffic)
    url, state = await client.start()
    code, _ = await log_in(url, *VERIFIED[:2])
    # someone holding the code and state but not the verifier (which never left Redis)
    record = json.loads(await redis.get(oidc._state_key(state)))
    record["verifier"] = secrets.token_urlsafe(64)
    await redis.set(oidc._state_key(state), json.dumps(record), ex=60)
    with pytest.raises(OidcError) as err:
        await client.complete(code, state)
    assert err.value.code == "OIDC_CODE_INVALID"


# the HMAC forgery uses the (short) client secret on purpose
@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
async def test_tampered_and_foreign_id_tokens_are_refused(realm, redis, traffic):
    client = make_client(realm, redis, traffic)
    url, _ = await client.start()
    await client.complete(*await log_in(url, *VERIFIED[:2]))
    [genuine] = traffic.id_tokens
    header = jwt.get_unverified_header(genuine)
    claims = jwt.decode(genuine, options={"verify_signature": False})
    nonce = claims["nonce"]
    assert (await client.verify_id_token(genuine, nonce=nonce))["sub"] == claims["sub"]

    def refused_token(token: str, nonce: str = nonce):
        return client.verify_id_token(token, nonce=nonce)

    head, body, sig = genuine.split(".")
    forged_claims = {**claims, "email": "someone-else@example.com"}
    forged_body = jwt.utils.base64url_encode(json.dumps(forged_claims).encode()).decode()
    own_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    candidates = {
        "payload changed": f"{head}.{forged_body}.{sig}",
        "signature changed": f"{head}.{body}.{sig[:-4]}AAAA",
        "signed by our key under the provider's kid": jwt.encode(
            forged_claims, own_key, algorithm="RS256", headers={"kid": header["kid"]}
        ),
        "signed by an unknown key": jwt.encode(
            forged_claims, own_key, algorithm="RS256", headers={"kid": "not-a-provider-key"}
        ),
        "signed with the client secret": jwt.encode(
            forged_claims, CLIENT_SECRET, algorithm="HS256", headers={"kid": header["kid"]}
        ),
        "unsigned": jwt.encode(forged_claims, None, algorithm="none"),
        "not a JWT": "not.a.jwt",
    }
    for what, token in candidates.items():
        with pytest.raises(OidcError) as err:
            await refused_token(token)
        assert err.value.code == "OIDC_TOKEN_INVALID", what

    with pytest.raises(OidcError) as err:
        await refused_token(genuine, nonce="another sign-in's nonce")
    assert err.value.code == "OIDC_TOKEN_INVALID"
    assert "nonce" in err.value.message


async def foreign_id_token(realm: Realm, client_id: str) -> str:
    """An ID token genuinely signed by the provider, for another client of the realm."""
    async with httpx.AsyncClient(timeout=30) as http:
        resp = await http.post(
            f"{realm.issuer}/protocol/openid-connect/token",
            data={
                "grant_type": "password",
                "client_id": client_id,
                "client_secret": "other-secret",
                "username": VERIFIED[0],
                "password": VERIFIED[1],
                "scope": "openid email",
            },
        )
        resp.raise_for_status()
    return resp.json()["id_token"]


async def test_an_id_token_issued_to_another_client_is_refused(realm, redis, traffic):
    client = make_client(realm, redis, traffic)
    with pytest.raises(OidcError) as err:
        await client.verify_id_token(await foreign_id_token(realm, "other-shop"), nonce="")
    assert err.value.code == "OIDC_TOKEN_INVALID"
    assert "audience" in err.value.message.lower()

    # we are among its audiences, but it was issued to (azp) the partner
    partners = await foreign_id_token(realm, "partner-shop")
    claims = jwt.decode(partners, options={"verify_signature": False})
    assert CLIENT_ID in claims["aud"] and claims["azp"] == "partner-shop"
    with pytest.raises(OidcError) as err:
        await client.verify_id_token(partners, nonce="")
    assert err.value.code == "OIDC_TOKEN_INVALID"
    assert "another party" in err.value.message


async def test_the_key_set_is_refetched_when_the_provider_rotates_its_key(realm, redis, traffic):
    client = make_client(realm, redis, traffic, jwks_min_refresh_interval=0)
    url, _ = await client.start()
    await client.complete(*await log_in(url, *VERIFIED[:2]))
    assert traffic.count("/certs") == 1
    old_kid = jwt.get_unverified_header(traffic.id_tokens[-1])["kid"]

    # a new RSA key with a higher priority than the realm's: Keycloak signs with it now
    realm_id = (await realm.admin("GET", "")).json()["id"]
    await realm.admin(
        "POST",
        "/components",
        json={
            "name": f"rotated-{secrets.token_hex(4)}",
            "providerId": "rsa-generated",
            "providerType": "org.keycloak.keys.KeyProvider",
            "parentId": realm_id,
            "config": {"priority": ["500"], "algorithm": ["RS256"], "keySize": ["2048"]},
        },
    )
    url, _ = await client.start()
    identity = await client.complete(*await log_in(url, *VERIFIED[:2]))
    assert identity.email == "verified@example.com"
    assert jwt.get_unverified_header(traffic.id_tokens[-1])["kid"] != old_kid
    assert traffic.count("/certs") == 2  # one refresh for the new kid

    url, _ = await client.start()
    await client.complete(*await log_in(url, *VERIFIED[:2]))
    assert traffic.count("/certs") == 2  # known now: served from the cache
    assert traffic.count("/.well-known/openid-configuration") == 1


async def test_unknown_kids_cannot_flood_the_provider(realm, redis, traffic):
    client = make_client(realm, redis, traffic, jwks_min_refresh_interval=3600)
    url, _ = await client.start()
    await client.complete(*await log_in(url, *VERIFIED[:2]))
    claims = jwt.decode(traffic.id_tokens[-1], options={"verify_signature": False})
    own_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    fetched = traffic.count("/certs")
    for _ in range(20):
        token = jwt.encode(
            claims, own_key, algorithm="RS256", headers={"kid": secrets.token_hex(8)}
        )
        with pytest.raises(OidcError) as err:
            await client.verify_id_token(token, nonce=claims["nonce"])
        assert err.value.code == "OIDC_TOKEN_INVALID"
    assert traffic.count("/certs") == fetched == 1


async def test_a_wrong_client_secret_is_a_provider_error_not_a_bad_code(realm, redis, traffic):
    client = make_client(realm, redis, traffic, client_secret="not-the-secret")
    url, state = await client.start()
    code, _ = await log_in(url, *VERIFIED[:2])
    with pytest.raises(OidcError) as err:
        await client.complete(code, state)
    assert err.value.code == "OIDC_PROVIDER_UNAVAILABLE"


async def test_an_unreachable_provider_is_reported_as_unavailable(redis, traffic):
    with socket.socket() as s:  # a port nothing listens on: bound, then released
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = OidcConfig(
        issuer=f"http://127.0.0.1:{port}/realms/nowhere",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_uri=CALLBACK,
    )
    client = OidcClient(config, redis, traffic.http)
    with pytest.raises(OidcError) as err:
        await client.start()
    assert err.value.code == "OIDC_PROVIDER_UNAVAILABLE"


async def test_the_realm_services_sh_imports_is_a_working_provider(redis, traffic):
    config = OidcConfig(
        issuer=oidc_test_issuer(),
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_uri=CALLBACK,
    )
    client = OidcClient(config, redis, traffic.http)
    url, state = await client.start()
    code, _ = await log_in(url, *VERIFIED[:2])
    assert (await client.complete(code, state)).email == "verified@example.com"


async def test_sign_in_is_unavailable_while_redis_is_unreachable(realm, traffic):
    with socket.socket() as s:  # nothing listens there: a Redis that is down
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    down = Redis.from_url(f"redis://127.0.0.1:{port}/0", socket_connect_timeout=2)
    try:
        client = make_client(realm, down, traffic)
        with pytest.raises(OidcError) as err:
            await client.start()
        assert err.value.code == "SERVICE_UNAVAILABLE"
        with pytest.raises(OidcError) as err:
            await client.complete("some-code", "some-state")
        assert err.value.code == "SERVICE_UNAVAILABLE"
    finally:
        await down.aclose()
