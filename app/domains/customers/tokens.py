"""Access tokens (JWT, HS256, `kid` in the header, a key set that rotates) and the opaque
secrets (refresh and reset tokens) that are stored only as their sha256."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import jwt

from app.domains.customers.errors import TokenInvalid
from app.platform.settings import Settings

ISSUER = "emporium"
ALGORITHM = "HS256"
Kind = Literal["customer", "staff"]


@dataclass(frozen=True)
class AccessClaims:
    kind: Kind
    subject_id: int
    session_id: str
    expires_at: datetime


@dataclass(frozen=True)
class KeySet:
    """Signs with the first key; verifies with any listed one (rotation: list the new key
    first, keep the old until the longest-lived token it signed has expired)."""

    keys: tuple[tuple[str, bytes], ...]
    ttl: timedelta = timedelta(minutes=15)

    def __post_init__(self) -> None:
        if not self.keys:
            raise ValueError("a key set needs at least one key")

    def __repr__(self) -> str:  # the secrets never reach a log line
        return f"KeySet(kids={[k for k, _ in self.keys]!r})"

    @classmethod
    def from_settings(cls, settings: Settings) -> KeySet:
        return cls(
            parse_keys(settings.jwt_keys, settings.secret_key),
            timedelta(seconds=settings.access_token_ttl),
        )

    @property
    def signing_kid(self) -> str:
        return self.keys[0][0]

    def issue(
        self, kind: Kind, subject_id: int, session_id: str, now: datetime | None = None
    ) -> tuple[str, datetime]:
        now = now or datetime.now(UTC)
        expires = now + self.ttl
        claims = {
            "iss": ISSUER,
            "sub": str(subject_id),
            "typ": kind,
            "sid": session_id,
            "iat": int(now.timestamp()),
            "exp": int(expires.timestamp()),
        }
        kid, secret = self.keys[0]
        token = jwt.encode(claims, secret, algorithm=ALGORITHM, headers={"kid": kid})
        return token, expires.replace(microsecond=0)

    def verify(self, token: str, *, allow_expired: bool = False) -> AccessClaims:
        """The token's claims if a listed key signed it and it has not expired; else
        TokenInvalid (one message: which check failed is no business of the bearer)."""
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            secret = dict(self.keys).get(kid) if isinstance(kid, str) else None
            if secret is None:
                raise jwt.InvalidTokenError("unknown kid")
            claims: dict[str, Any] = jwt.decode(
                token,
                secret,
                algorithms=[ALGORITHM],
                issuer=ISSUER,
                options={"require": ["exp", "sub", "typ", "sid"], "verify_exp": not allow_expired},
            )
            kind = claims["typ"]
            if kind not in ("customer", "staff"):
                raise jwt.InvalidTokenError("bad typ")
            return AccessClaims(
                kind,
                int(claims["sub"]),
                str(claims["sid"]),
                datetime.fromtimestamp(int(claims["exp"]), UTC),
            )
        except (jwt.InvalidTokenError, ValueError, TypeError):
            raise TokenInvalid("The access token is invalid or has expired") from None


def parse_keys(spec: str, secret_key: str) -> tuple[tuple[str, bytes], ...]:
    """`kid:secret,kid2:secret2` in order; empty: one key derived from SECRET_KEY (its kid
    a digest of the key, so changing SECRET_KEY is a rotation that old tokens fail)."""
    keys = []
    for entry in filter(None, (e.strip() for e in spec.split(","))):
        kid, _, secret = entry.partition(":")
        keys.append((kid.strip(), secret.strip().encode()))
    if not keys:
        derived = hmac.new(secret_key.encode(), b"emporium access tokens", "sha256").digest()
        keys.append(("k" + hashlib.sha256(derived).hexdigest()[:8], derived))
    return tuple(keys)


def new_secret() -> str:
    """An opaque token: 256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def digest(secret: str) -> bytes:
    """What the database keeps of an opaque token: a sha256 (the token has 256 bits of
    entropy, so a fast hash is enough; a slow one would only slow every renewal)."""
    return hashlib.sha256(secret.encode()).digest()
