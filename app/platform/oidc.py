"""Sign-in with an external OpenID Connect provider: the relying party's half of the
authorization code flow with PKCE, ending in a verified identity and nothing more.

    client = OidcClient(oidc_config(settings), redis)        # once, in the lifespan
    url, state = await client.start()                         # send the browser to `url`
    identity = await client.complete(code, state)             # from the redirect back
    email = require_verified_email(identity)                  # before linking by e-mail

It knows no context: which account an identity belongs to is the caller's business.
Every failure is an `OidcError` with a stable `code` (the OIDC_* names below).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

import httpx
import jwt
from redis.asyncio import Redis
from redis.exceptions import RedisError

from app.platform.settings import ConfigError, Settings

log = logging.getLogger(__name__)

STATE_INVALID = "OIDC_STATE_INVALID"  # unknown, expired or already used state
CODE_INVALID = "OIDC_CODE_INVALID"  # the provider refused the code (wrong, expired, replayed)
TOKEN_INVALID = "OIDC_TOKEN_INVALID"  # the ID token failed verification
EMAIL_UNVERIFIED = "OIDC_EMAIL_UNVERIFIED"  # no e-mail, or one the provider has not verified
# the provider is unreachable, misbehaving or misconfigured: try later
PROVIDER_UNAVAILABLE = "OIDC_PROVIDER_UNAVAILABLE"
# where started sign-ins are kept (Redis) is down: not the provider's fault, nor the user's
SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
NOT_CONFIGURED = "OIDC_NOT_CONFIGURED"  # no provider is configured (OIDC_ISSUER unset)
REDIRECT_URI_INVALID = "OIDC_REDIRECT_URI_INVALID"  # not a redirect URI this shop registered
# every code an OidcError may carry
CODES = (
    STATE_INVALID,
    CODE_INVALID,
    TOKEN_INVALID,
    EMAIL_UNVERIFIED,
    PROVIDER_UNAVAILABLE,
    SERVICE_UNAVAILABLE,
    NOT_CONFIGURED,
    REDIRECT_URI_INVALID,
)

# Asymmetric algorithms only: "none" and the HMAC family (keyed with the client secret,
# which the provider cannot keep from us) never prove the provider signed the token.
_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
# Anything longer never came from the provider (RFC 6749 leaves lengths open; real ones
# are a few hundred characters); refused before any Redis or network round trip.
_MAX_CODE = 4096
_MAX_STATE = 256
_KEY_PREFIX = "oidc:state:"


class OidcError(Exception):
    """A sign-in that cannot go on; `code` is one of the OIDC_* codes of this module."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class VerifiedIdentity:
    """Who the provider says signed in, from an ID token whose signature, issuer,
    audience, expiry and nonce were checked. `subject` is stable per issuer; the e-mail
    can change and is only trustworthy when `email_verified`."""

    issuer: str
    subject: str
    email: str | None
    email_verified: bool
    given_name: str | None
    family_name: str | None


@dataclass(frozen=True, slots=True)
class OidcConfig:
    issuer: str
    client_id: str
    client_secret: str = field(repr=False)
    redirect_uri: str
    scopes: tuple[str, ...] = ("openid", "email", "profile")
    state_ttl: int = 600  # seconds a started sign-in may take
    discovery_ttl: float = 3600.0
    # An unknown `kid` refetches the key set at most this often: a flood of forged
    # tokens must not become a flood of requests to the provider.
    jwks_min_refresh_interval: float = 60.0
    leeway: float = 60.0  # clock skew allowed on exp/iat/nbf, seconds
    timeout: float = 10.0  # per HTTP request to the provider, seconds


def oidc_config(settings: Settings) -> OidcConfig | None:
    """The provider from OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET and
    OIDC_REDIRECT_URI, or None when OIDC_ISSUER is unset (sign-in is off)."""
    if not settings.oidc_issuer:
        return None
    missing = [
        name
        for name, value in (
            ("OIDC_CLIENT_ID", settings.oidc_client_id),
            ("OIDC_CLIENT_SECRET", settings.oidc_client_secret),
            ("OIDC_REDIRECT_URI", settings.oidc_redirect_uri),
        )
        if not value
    ]
    if missing:
        raise ConfigError(f"bad configuration: OIDC_ISSUER is set but not {', '.join(missing)}")
    for name, url in (
        ("OIDC_ISSUER", settings.oidc_issuer),
        ("OIDC_REDIRECT_URI", settings.oidc_redirect_uri),
    ):
        if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
            raise ConfigError(f"bad configuration: {name} must be an http(s) URL")
    return OidcConfig(
        issuer=settings.oidc_issuer,
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret,
        redirect_uri=settings.oidc_redirect_uri,
    )


def require_verified_email(identity: VerifiedIdentity) -> str:
    """The identity's e-mail, if the provider verified it: the only e-mail an account may
    be linked or created by (an unverified one would let anyone claim any account)."""
    if not identity.email or not identity.email_verified:
        raise OidcError(EMAIL_UNVERIFIED, "the provider has not verified this e-mail address")
    return identity.email


class OidcClient:
    """One provider. Caches its discovery document and key set in memory; keeps each
    started sign-in (state, nonce, PKCE verifier) in Redis until `complete` uses it."""

    def __init__(
        self, config: OidcConfig, redis: Redis, http: httpx.AsyncClient | None = None
    ) -> None:
        self.config = config
        self._redis = redis
        self._http = http or httpx.AsyncClient(timeout=config.timeout)
        self._own_http = http is None
        self._discovery: dict[str, Any] | None = None
        self._discovery_at = 0.0
        self._keys: dict[str, jwt.PyJWK] = {}
        self._keys_at: float | None = None
        self._lock = asyncio.Lock()

    async def aclose(self) -> None:
        if self._own_http:
            await self._http.aclose()

    async def start(self, redirect_uri: str | None = None) -> tuple[str, str]:
        """Begin a sign-in: the provider's authorization URL to send the browser to, and
        its `state`, which comes back with the code on the redirect URI. A `redirect_uri`
        other than the configured one is refused (no open redirect through the provider)."""
        if redirect_uri is None or redirect_uri == self.config.redirect_uri:
            redirect_uri = self.config.redirect_uri
        else:
            raise OidcError(REDIRECT_URI_INVALID, "this redirect URI is not registered")
        discovery = await self._discovery_document()
        state = secrets.token_urlsafe(32)
        nonce = secrets.token_urlsafe(32)
        verifier = secrets.token_urlsafe(64)  # 86 characters, within RFC 7636's 43..128
        challenge = pkce_challenge(verifier)
        record = {
            "issuer": self.config.issuer,
            "nonce": nonce,
            "verifier": verifier,
            "redirect_uri": redirect_uri,
        }
        try:
            await self._redis.set(
                _state_key(state), json.dumps(record), ex=self.config.state_ttl, nx=True
            )
        except (RedisError, OSError) as exc:
            raise OidcError(
                SERVICE_UNAVAILABLE, "sign-in is unavailable now; try again shortly"
            ) from exc
        params = {
            "response_type": "code",
            "client_id": self.config.client_id,
            "redirect_uri": redirect_uri,
            "scope": " ".join(self.config.scopes),
            "state": state,
            "nonce": nonce,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        return _with_query(discovery["authorization_endpoint"], params), state

    async def complete(self, code: str, state: str) -> VerifiedIdentity:
        """Finish a sign-in from the provider's redirect: the state is used up whatever
        happens next, the code is exchanged (with the PKCE verifier) and the ID token is
        verified before anything in it is believed."""
        if not isinstance(state, str) or not 0 < len(state) <= _MAX_STATE:
            raise OidcError(STATE_INVALID, "this sign-in is unknown or has expired")
        if not isinstance(code, str) or not 0 < len(code) <= _MAX_CODE:
            raise OidcError(CODE_INVALID, "the authorization code is not valid")
        record = await self._take_state(state)
        if record.get("issuer") != self.config.issuer:
            raise OidcError(STATE_INVALID, "this sign-in is unknown or has expired")
        tokens = await self._exchange(code, record["verifier"], record["redirect_uri"])
        id_token = tokens.get("id_token")
        if not isinstance(id_token, str):
            raise OidcError(TOKEN_INVALID, "the provider sent no ID token")
        claims = await self.verify_id_token(id_token, nonce=record["nonce"])
        return _identity(claims)

    async def verify_id_token(self, id_token: str, *, nonce: str) -> dict[str, Any]:
        """The ID token's claims after the checks of OpenID Connect Core §3.1.3.7:
        signature by a key of the provider's set, iss, aud, azp, exp, iat and nonce."""
        discovery = await self._discovery_document()
        try:
            header = jwt.get_unverified_header(id_token)
        except jwt.PyJWTError as exc:
            raise OidcError(TOKEN_INVALID, "the ID token is malformed") from exc
        alg = header.get("alg")
        allowed = discovery.get("id_token_signing_alg_values_supported") or ["RS256"]
        if alg not in _ALGORITHMS or alg not in allowed:
            raise OidcError(TOKEN_INVALID, "the ID token is not signed with an accepted algorithm")
        key = await self._signing_key(discovery["jwks_uri"], header.get("kid"), alg)
        try:
            claims: dict[str, Any] = jwt.decode(
                id_token,
                key.key,
                algorithms=[alg],
                audience=self.config.client_id,
                issuer=self.config.issuer,
                leeway=self.config.leeway,
                options={"require": ["iss", "sub", "aud", "exp", "iat"]},
            )
        except jwt.PyJWTError as exc:
            raise OidcError(TOKEN_INVALID, f"the ID token is not valid: {exc}") from exc
        aud = claims["aud"]
        azp = claims.get("azp")
        if (isinstance(aud, list) and len(aud) > 1 and azp is None) or (
            azp is not None and azp != self.config.client_id
        ):
            raise OidcError(TOKEN_INVALID, "the ID token was issued to another party")
        if not isinstance(claims["sub"], str) or not claims["sub"]:
            raise OidcError(TOKEN_INVALID, "the ID token has no subject")
        token_nonce = claims.get("nonce")
        if not isinstance(token_nonce, str) or not hmac.compare_digest(token_nonce, nonce):
            raise OidcError(TOKEN_INVALID, "the ID token's nonce does not match this sign-in")
        return claims

    # ------------------------------------------------------------------ state
    async def _take_state(self, state: str) -> dict[str, Any]:
        try:
            # GETDEL: two concurrent completions of one state cannot both get it
            raw = await self._redis.getdel(_state_key(state))
        except (RedisError, OSError) as exc:
            raise OidcError(
                SERVICE_UNAVAILABLE, "sign-in is unavailable now; try again shortly"
            ) from exc
        if raw is None:
            raise OidcError(STATE_INVALID, "this sign-in is unknown or has expired")
        record: dict[str, Any] = json.loads(raw)
        return record

    # ------------------------------------------------------------------ provider
    async def _exchange(self, code: str, verifier: str, redirect_uri: str) -> dict[str, Any]:
        discovery = await self._discovery_document()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
        }
        headers = {"Accept": "application/json"}
        methods = discovery.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
        if "client_secret_basic" in methods:
            # RFC 6749 §2.3.1: both parts form-encoded before the Basic encoding
            pair = f"{quote(self.config.client_id, safe='')}:{quote(self.config.client_secret, safe='')}"
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        else:
            form["client_id"] = self.config.client_id
            form["client_secret"] = self.config.client_secret
        try:
            resp = await self._http.post(discovery["token_endpoint"], data=form, headers=headers)
        except httpx.HTTPError as exc:
            raise _unavailable("token endpoint unreachable", exc) from exc
        body = _json_object(resp)
        if resp.status_code == 200 and body is not None:
            return body
        error = body.get("error") if body else None
        if resp.status_code == 400 and error in ("invalid_grant", "invalid_request"):
            # wrong, expired or already used code, or a verifier that does not match
            raise OidcError(CODE_INVALID, "the provider refused the authorization code")
        log.error(
            "oidc: token endpoint answered %s (%s): check OIDC_CLIENT_ID/OIDC_CLIENT_SECRET",
            resp.status_code,
            error or "no error code",
        )
        raise OidcError(PROVIDER_UNAVAILABLE, "the sign-in provider is not available")

    async def _discovery_document(self) -> dict[str, Any]:
        now = time.monotonic()
        if self._discovery is not None and now - self._discovery_at < self.config.discovery_ttl:
            return self._discovery
        async with self._lock:
            if self._discovery is not None and now - self._discovery_at < self.config.discovery_ttl:
                return self._discovery
            url = self.config.issuer.rstrip("/") + "/.well-known/openid-configuration"
            try:
                resp = await self._http.get(url, headers={"Accept": "application/json"})
            except httpx.HTTPError as exc:
                if self._discovery is not None:  # a stale document beats none
                    return self._discovery
                raise _unavailable("discovery document unreachable", exc) from exc
            doc = _json_object(resp) if resp.status_code == 200 else None
            # OpenID Connect Discovery §4.3: the document must name exactly our issuer
            if (
                doc is None
                or doc.get("issuer") != self.config.issuer
                or not all(
                    isinstance(doc.get(k), str)
                    for k in ("authorization_endpoint", "token_endpoint", "jwks_uri")
                )
            ):
                if self._discovery is not None:
                    return self._discovery
                log.error(
                    "oidc: no valid discovery document at %s (HTTP %s)", url, resp.status_code
                )
                raise OidcError(PROVIDER_UNAVAILABLE, "the sign-in provider is not available")
            self._discovery, self._discovery_at = doc, time.monotonic()
            return doc

    async def _signing_key(self, jwks_uri: str, kid: object, alg: str) -> jwt.PyJWK:
        if self._keys_at is None:
            await self._refresh_keys(jwks_uri, seen_at=None)
        key = self._find_key(kid, alg)
        if key is None and self._may_refresh():
            # the provider rotated its keys since we fetched them
            await self._refresh_keys(jwks_uri, seen_at=self._keys_at)
            key = self._find_key(kid, alg)
        if key is None:
            raise OidcError(TOKEN_INVALID, "the ID token is signed by an unknown key")
        return key

    def _find_key(self, kid: object, alg: str) -> jwt.PyJWK | None:
        if isinstance(kid, str):
            return self._keys.get(kid)
        # no kid: acceptable only when the set holds a single key that fits
        fitting = [k for k in self._keys.values() if k.algorithm_name in (alg, None)]
        return fitting[0] if len(fitting) == 1 else None

    def _may_refresh(self) -> bool:
        return (
            self._keys_at is None
            or time.monotonic() - self._keys_at >= self.config.jwks_min_refresh_interval
        )

    async def _refresh_keys(self, jwks_uri: str, seen_at: float | None) -> None:
        async with self._lock:
            if self._keys_at != seen_at:
                return  # another task refreshed the set while this one waited for the lock
            try:
                resp = await self._http.get(jwks_uri, headers={"Accept": "application/json"})
            except httpx.HTTPError as exc:
                raise _unavailable("key set unreachable", exc) from exc
            body = _json_object(resp) if resp.status_code == 200 else None
            keys: dict[str, jwt.PyJWK] = {}
            for jwk in (body or {}).get("keys") or []:
                if not isinstance(jwk, dict) or jwk.get("use", "sig") != "sig":
                    continue
                try:
                    key = jwt.PyJWK(jwk)
                except jwt.PyJWTError:
                    continue  # a key type or algorithm we do not use
                keys[str(jwk.get("kid", ""))] = key
            self._keys_at = time.monotonic()
            if body is None:
                log.error("oidc: no valid key set at %s (HTTP %s)", jwks_uri, resp.status_code)
                if not self._keys:
                    raise OidcError(PROVIDER_UNAVAILABLE, "the sign-in provider is not available")
                return
            self._keys = keys


def _identity(claims: Mapping[str, Any]) -> VerifiedIdentity:
    def text(name: str) -> str | None:
        value = claims.get(name)
        return value if isinstance(value, str) and value else None

    verified = claims.get("email_verified")
    # some providers send the boolean as a string
    return VerifiedIdentity(
        issuer=str(claims["iss"]),
        subject=str(claims["sub"]),
        email=text("email"),
        email_verified=verified is True or verified == "true",
        given_name=text("given_name"),
        family_name=text("family_name"),
    )


def pkce_challenge(verifier: str) -> str:
    """The S256 code challenge for a PKCE verifier (RFC 7636 §4.2)."""
    return _b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def _state_key(state: str) -> str:
    # hashed: Redis keys are listed by anyone with access; a state there is half a sign-in
    return _KEY_PREFIX + hashlib.sha256(state.encode()).hexdigest()


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _with_query(url: str, params: Mapping[str, str]) -> str:
    parts = urlsplit(url)
    query = "&".join(q for q in (parts.query, urlencode(params)) if q)
    return urlunsplit(parts._replace(query=query))


def _json_object(resp: httpx.Response) -> dict[str, Any] | None:
    try:
        body = resp.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _unavailable(what: str, exc: Exception) -> OidcError:
    log.warning("oidc: %s: %s", what, type(exc).__name__)
    return OidcError(PROVIDER_UNAVAILABLE, "the sign-in provider is not available")
