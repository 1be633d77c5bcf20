"""Staff accounts: named permissions, invited by a member holding MANAGE_STAFF (or the
first one from the command line), deactivated rather than deleted."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from app.domains.customers import models as m
from app.domains.customers.entities import StaffMember
from app.domains.customers.errors import EmailTaken, InvalidInput, NotFound
from app.domains.customers.passwords import check_new, hash_password
from app.domains.customers.service.rules import clean_text, normalise_email
from app.domains.customers.service.sessions import revoke_sessions
from app.platform.auth import PERMISSIONS
from app.platform.db import UnitOfWork


def _member(r: Any) -> StaffMember:
    return StaffMember(
        r.id, r.email, r.first_name, r.last_name, frozenset(r.permissions), r.active, r.created_at
    )


def _permissions(names: Iterable[str]) -> list[str]:
    chosen = set(names)
    unknown = chosen - set(PERMISSIONS)
    if unknown:
        raise InvalidInput(f"Unknown permissions: {', '.join(sorted(unknown))}", "permissions")
    return sorted(chosen)


async def staff_by_ids(uow: UnitOfWork, ids: Sequence[int]) -> dict[int, StaffMember]:
    rows = (await uow.session.execute(sa.select(m.staff).where(m.staff.c.id.in_(ids)))).all()
    return {r.id: _member(r) for r in rows}


async def create_staff(
    uow: UnitOfWork,
    email: str,
    password: str,
    permissions: Iterable[str],
    first_name: str | None = None,
    last_name: str | None = None,
) -> StaffMember:
    """A staff member with a password and the named permissions; e-mail unique (TAKEN)."""
    email = normalise_email(email)
    check_new(password)
    values = {
        "email": email,
        "password_hash": await hash_password(password),
        "permissions": _permissions(permissions),
        "first_name": clean_text(first_name, "firstName"),
        "last_name": clean_text(last_name, "lastName"),
    }
    row = (
        await uow.session.execute(
            insert(m.staff).values(**values).on_conflict_do_nothing().returning(*m.staff.c)
        )
    ).first()
    if row is None:
        raise EmailTaken("A staff member with this e-mail already exists", "email")
    await uow.commit()
    return _member(row)


async def update_staff(uow: UnitOfWork, staff_id: int, permissions: Iterable[str]) -> StaffMember:
    """Replace the member's permissions: their next request already sees the new set."""
    st = m.staff
    row = (
        await uow.session.execute(
            sa.update(st)
            .where(st.c.id == staff_id)
            .values(permissions=_permissions(permissions))
            .returning(*st.c)
        )
    ).first()
    if row is None:
        raise NotFound("No such staff member", "id")
    await uow.commit()
    return _member(row)


async def deactivate_staff(uow: UnitOfWork, staff_id: int, actor_id: int) -> StaffMember:
    """Deactivate a member and sign them out everywhere. Nobody deactivates themselves (the
    last administrator could lock the store out)."""
    if staff_id == actor_id:
        raise InvalidInput("You cannot deactivate yourself", "id")
    st = m.staff
    row = (
        await uow.session.execute(
            sa.update(st).where(st.c.id == staff_id).values(active=False).returning(*st.c)
        )
    ).first()
    if row is None:
        raise NotFound("No such staff member", "id")
    await revoke_sessions(uow, "staff", staff_id)
    await uow.commit()
    return _member(row)
