"""Sign-in, token renewal with reuse detection, sign-out, password reset, and the viewer a
bearer token stands for.

A session is one sign-in. Its refresh tokens are a family: each renewal spends the token
presented and issues the next; presenting a spent one means the family leaked, so the
whole session is revoked (access tokens too: they carry the session id, checked on every
request).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

import sqlalchemy as sa

from app.domains.customers import models as m
from app.domains.customers.entities import IssuedTokens
from app.domains.customers.errors import BadCredentials, InvalidInput, TokenInvalid
from app.domains.customers.events import PasswordResetRequested
from app.domains.customers.passwords import check_new, hash_password, verify
from app.domains.customers.service.rules import normalise_email
from app.domains.customers.throttle import LoginThrottle
from app.domains.customers.tokens import KeySet, Kind, digest, new_secret
from app.platform.auth import Viewer
from app.platform.db import UnitOfWork
from app.platform.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AuthConfig:
    keys: KeySet
    refresh_ttl: timedelta
    reset_ttl: timedelta
    # expired sessions and refresh tokens removed after each sign-in, at most this many
    prune_batch: int = 200

    @classmethod
    def from_settings(cls, settings: Settings) -> AuthConfig:
        return cls(
            KeySet.from_settings(settings),
            timedelta(seconds=settings.refresh_token_ttl),
            timedelta(seconds=settings.reset_token_ttl),
            settings.session_prune_batch,
        )


def _now() -> datetime:
    return datetime.now(UTC)


async def open_session(
    uow: UnitOfWork, auth: AuthConfig, kind: Kind, subject_id: int
) -> IssuedTokens:
    """A new session with its first refresh token and an access token (not committed)."""
    sid = uuid.uuid4()
    await uow.session.execute(
        sa.insert(m.sessions).values(id=sid, subject_kind=kind, subject_id=subject_id)
    )
    return await _next_tokens(uow, auth, kind, subject_id, sid)


async def _next_tokens(
    uow: UnitOfWork, auth: AuthConfig, kind: Kind, subject_id: int, sid: uuid.UUID
) -> IssuedTokens:
    refresh = new_secret()
    refresh_expires = _now() + auth.refresh_ttl
    await uow.session.execute(
        sa.insert(m.refresh_tokens).values(
            token_hash=digest(refresh), session_id=sid, expires_at=refresh_expires
        )
    )
    access, access_expires = auth.keys.issue(kind, subject_id, str(sid))
    return IssuedTokens(access, access_expires, refresh, refresh_expires)


async def prune_expired(uow: UnitOfWork, auth: AuthConfig, now: datetime | None = None) -> int:
    """Delete up to `auth.prune_batch` dead sessions (every refresh token of theirs expired
    longer ago than an access token lives: nothing of them can still be used) with their
    tokens, then as many expired refresh tokens of live sessions (spent ones kept for reuse
    detection: an expired one is refused anyway). Both found through the index on
    `refresh_tokens.expires_at`, so it costs an index probe when there is nothing to do;
    rows another transaction holds are skipped, never waited for. Returns sessions deleted.
    """
    cutoff = (now or _now()) - auth.keys.ttl
    s, rt = m.sessions, m.refresh_tokens
    live = sa.exists().where(rt.c.session_id == s.c.id, rt.c.expires_at >= cutoff)
    candidates = (
        sa.select(rt.c.session_id)
        .where(rt.c.expires_at < cutoff)
        .order_by(rt.c.expires_at)
        .limit(auth.prune_batch)
    )
    dead = (
        sa.select(s.c.id)
        .where(s.c.id.in_(candidates), ~live)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    deleted = await uow.session.execute(sa.delete(s).where(s.c.id.in_(dead)).returning(s.c.id))
    sessions = len(deleted.all())
    # only tokens of live sessions: a dead session's tokens are how step one finds it
    other = rt.alias("other")
    expired = (
        sa.select(rt.c.token_hash)
        .where(
            rt.c.expires_at < cutoff,
            sa.exists().where(other.c.session_id == rt.c.session_id, other.c.expires_at >= cutoff),
        )
        .order_by(rt.c.expires_at)
        .limit(auth.prune_batch)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    await uow.session.execute(sa.delete(rt).where(rt.c.token_hash.in_(expired)))
    await uow.commit()
    return sessions


async def prune_after_sign_in(uow: UnitOfWork, auth: AuthConfig) -> None:
    """`prune_expired` once a sign-in has committed: its failure never fails the sign-in."""
    try:
        await prune_expired(uow, auth)
    except sa.exc.SQLAlchemyError as exc:
        await uow.rollback()
        log.warning("pruning expired sessions failed: %s", type(exc).__name__)


async def revoke_sessions(uow: UnitOfWork, kind: Kind, subject_id: int) -> None:
    """Sign the subject out everywhere (password changed or reset, staff deactivated)."""
    s = m.sessions
    await uow.session.execute(
        sa.update(s)
        .where(s.c.subject_kind == kind, s.c.subject_id == subject_id, s.c.revoked_at.is_(None))
        .values(revoked_at=sa.func.now())
    )


async def sign_in(
    uow: UnitOfWork,
    auth: AuthConfig,
    throttle: LoginThrottle,
    kind: Kind,
    email: str,
    password: str,
    ip: str | None,
) -> IssuedTokens:
    """Tokens for the right e-mail and password. Unknown e-mail and wrong password are one
    error (UNIDENTIFIED_CUSTOMER) and take as long (a dummy hash is checked); failures are
    counted per account and per IP, and past the limit every attempt is THROTTLED."""
    try:
        email, possible = normalise_email(email), True
    except InvalidInput:
        email, possible = email.strip(), False  # an impossible address: an unknown account
    await throttle.check(email, ip)
    table = m.customers if kind == "customer" else m.staff
    cols = [table.c.id, table.c.password_hash]
    if kind == "staff":
        cols.append(table.c.active)
    query = sa.select(*cols).where(sa.func.lower(table.c.email) == email.lower())
    row = (await uow.session.execute(query)).first() if possible else None
    ok = await verify(row.password_hash if row else None, password)
    if not ok or row is None or (kind == "staff" and not row.active):
        await throttle.failed(email, ip)
        raise BadCredentials()
    tokens = await open_session(uow, auth, kind, row.id)
    await uow.commit()
    await prune_after_sign_in(uow, auth)
    return tokens


async def renew(
    uow: UnitOfWork, auth: AuthConfig, refresh_token: str, kind: Kind = "customer"
) -> IssuedTokens:
    """Spend `refresh_token` (of a `kind` session) for a new pair. A spent token presented
    again revokes its whole session (someone else holds the family) and fails, as do
    expired and revoked ones."""
    rt, s = m.refresh_tokens, m.sessions
    row = (
        await uow.session.execute(
            sa.select(
                rt.c.used_at,
                rt.c.expires_at,
                s.c.id,
                s.c.revoked_at,
                s.c.subject_kind,
                s.c.subject_id,
            )
            .join(s, s.c.id == rt.c.session_id)
            .where(rt.c.token_hash == digest(refresh_token))
            .with_for_update(of=rt)
        )
    ).first()
    invalid = TokenInvalid("The refresh token is invalid, expired or already used", "refreshToken")
    if row is None or row.subject_kind != kind:
        raise invalid
    if row.used_at is not None:
        await uow.session.execute(
            sa.update(s)
            .where(s.c.id == row.id, s.c.revoked_at.is_(None))
            .values(revoked_at=sa.func.now())
        )
        await uow.commit()
        raise invalid
    if row.revoked_at is not None or row.expires_at <= _now():
        raise invalid
    if row.subject_kind == "staff" and not await _staff_active(uow, row.subject_id):
        raise invalid
    await uow.session.execute(
        sa.update(rt).where(rt.c.token_hash == digest(refresh_token)).values(used_at=sa.func.now())
    )
    tokens = await _next_tokens(uow, auth, row.subject_kind, row.subject_id, row.id)
    await uow.commit()
    return tokens


async def _staff_active(uow: UnitOfWork, staff_id: int) -> bool:
    return bool(
        await uow.session.scalar(sa.select(m.staff.c.active).where(m.staff.c.id == staff_id))
    )


async def sign_out(
    uow: UnitOfWork, auth: AuthConfig, access_token: str, kind: Kind = "customer"
) -> str:
    """Revoke the session an access token belongs to (its refresh family and every access
    token of it). An expired but genuine token still signs out. Returns the session id."""
    claims = auth.keys.verify(access_token, allow_expired=True)
    if claims.kind != kind:
        raise TokenInvalid("The access token is invalid or has expired")
    s = m.sessions
    await uow.session.execute(
        sa.update(s)
        .where(s.c.id == uuid.UUID(claims.session_id), s.c.revoked_at.is_(None))
        .values(revoked_at=sa.func.now())
    )
    await uow.commit()
    return claims.session_id


async def viewer_from_token(uow: UnitOfWork, keys: KeySet, token: str) -> Viewer:
    """The viewer an access token stands for: signature, expiry and `kid` checked, then its
    session (not signed out) and, for staff, the member (still active, with the permissions
    they hold now: a change takes effect on the next request) in one statement."""
    claims = keys.verify(token)
    s, st = m.sessions, m.staff
    row = (
        await uow.session.execute(
            sa.select(s.c.revoked_at, st.c.active, st.c.permissions)
            .outerjoin(st, sa.and_(s.c.subject_kind == "staff", st.c.id == s.c.subject_id))
            .where(
                s.c.id == uuid.UUID(claims.session_id),
                s.c.subject_kind == claims.kind,
                s.c.subject_id == claims.subject_id,
            )
        )
    ).first()
    if row is None or row.revoked_at is not None or (claims.kind == "staff" and not row.active):
        raise TokenInvalid("The access token is invalid or has expired")
    permissions = frozenset(row.permissions or ()) if claims.kind == "staff" else frozenset()
    kind: Literal["customer", "staff"] = claims.kind
    return Viewer(kind, claims.subject_id, permissions)


async def request_reset(
    uow: UnitOfWork,
    auth: AuthConfig,
    email: str,
    throttle: LoginThrottle | None = None,
    ip: str | None = None,
) -> None:
    """A single-use reset token for the account, handed to notifications in a
    PasswordResetRequested event. An unknown e-mail does nothing and says nothing. Requests
    are counted per address and per IP, known or not (no flood of e-mails to one inbox;
    THROTTLED says nothing about the account)."""
    try:
        email = normalise_email(email)
    except InvalidInput:
        return
    if throttle is not None:
        await throttle.check(email, ip)
        await throttle.failed(email, ip)
    c = m.customers
    row = (
        await uow.session.execute(
            sa.select(c.c.id, c.c.email, c.c.first_name).where(
                sa.func.lower(c.c.email) == email.lower()
            )
        )
    ).first()
    if row is None:
        return
    token = new_secret()
    expires = _now() + auth.reset_ttl
    await uow.session.execute(
        sa.insert(m.password_resets).values(
            token_hash=digest(token), customer_id=row.id, expires_at=expires
        )
    )
    uow.emit(
        PasswordResetRequested(
            customer_id=row.id,
            email=row.email,
            first_name=row.first_name,
            reset_token=token,
            expires_at=expires,
        )
    )
    await uow.commit()


async def reset_password(
    uow: UnitOfWork, auth: AuthConfig, customer_id: int, reset_token: str, password: str
) -> IssuedTokens:
    """Set a new password with a reset token: the customer's, unexpired, unused. It and every
    other outstanding reset token of the customer are spent; every session is signed out;
    a new one is opened."""
    check_new(password)
    pr = m.password_resets
    row = (
        await uow.session.execute(
            sa.select(pr.c.expires_at, pr.c.used_at)
            .where(pr.c.token_hash == digest(reset_token), pr.c.customer_id == customer_id)
            .with_for_update()
        )
    ).first()
    if row is None or row.used_at is not None or row.expires_at <= _now():
        raise TokenInvalid("The reset link is invalid, expired or already used", "resetToken")
    await uow.session.execute(
        sa.update(pr)
        .where(pr.c.customer_id == customer_id, pr.c.used_at.is_(None))
        .values(used_at=sa.func.now())
    )
    await uow.session.execute(
        sa.update(m.customers)
        .where(m.customers.c.id == customer_id)
        .values(password_hash=await hash_password(password), updated_at=sa.func.now())
    )
    await revoke_sessions(uow, "customer", customer_id)
    tokens = await open_session(uow, auth, "customer", customer_id)
    await uow.commit()
    await prune_after_sign_in(uow, auth)
    return tokens
