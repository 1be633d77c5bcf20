"""Customer accounts and their addresses. Every use case acts on one customer, named by
the caller (the signed-in viewer): another customer's address is simply not found."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from app.domains.customers import models as m
from app.domains.customers.entities import (
    ADDRESS_FIELDS,
    COUNTRY_CODES,
    MAX_ADDRESSES,
    Address,
    Customer,
    IssuedTokens,
)
from app.domains.customers.errors import EmailTaken, InvalidInput, NotFound, TooManyAddresses
from app.domains.customers.events import CustomerCreated
from app.domains.customers.passwords import check_new, hash_password
from app.domains.customers.service.rules import clean_text, normalise_email
from app.domains.customers.service.sessions import (
    AuthConfig,
    open_session,
    prune_after_sign_in,
    revoke_sessions,
)
from app.platform.db import UnitOfWork

PROFILE_FIELDS = ("first_name", "last_name", "accepts_marketing")


def _address(r: Any) -> Address:
    return Address(r.id, r.customer_id, *(getattr(r, f) for f in ADDRESS_FIELDS))


async def customers_by_ids(uow: UnitOfWork, ids: Sequence[int]) -> dict[int, Customer]:
    """Customers with their addresses, in two statements however many are asked for."""
    c, a = m.customers, m.addresses
    rows = (await uow.session.execute(sa.select(c).where(c.c.id.in_(ids)))).all()
    addrs = (
        await uow.session.execute(sa.select(a).where(a.c.customer_id.in_(ids)).order_by(a.c.id))
    ).all()
    by_customer: dict[int, list[Address]] = {}
    for r in addrs:
        by_customer.setdefault(r.customer_id, []).append(_address(r))
    return {
        r.id: Customer(
            r.id,
            r.email,
            r.first_name,
            r.last_name,
            r.accepts_marketing,
            r.default_address_id,
            r.created_at,
            r.updated_at,
            tuple(by_customer.get(r.id, ())),
        )
        for r in rows
    }


async def customer_by_id(uow: UnitOfWork, customer_id: int) -> Customer | None:
    return (await customers_by_ids(uow, [customer_id])).get(customer_id)


def _profile(fields: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in ("first_name", "last_name"):
        if name in fields:
            out[name] = clean_text(fields[name], name)
    if fields.get("accepts_marketing") is not None:
        out["accepts_marketing"] = bool(fields["accepts_marketing"])
    return out


async def create_customer(uow: UnitOfWork, email: str, password: str, **profile: Any) -> Customer:
    """A new account: e-mail unique ignoring case (TAKEN), password of 8 to 256 characters."""
    email = normalise_email(email)
    check_new(password)
    values = {"email": email, "password_hash": await hash_password(password), **_profile(profile)}
    row = (
        await uow.session.execute(
            insert(m.customers)
            .values(**values)
            .on_conflict_do_nothing()
            .returning(m.customers.c.id)
        )
    ).first()
    if row is None:
        raise EmailTaken("An account with this e-mail already exists", "email")
    uow.emit(
        CustomerCreated(
            customer_id=row.id, email=email, accepts_marketing=bool(values.get("accepts_marketing"))
        )
    )
    await uow.commit()
    found = await customer_by_id(uow, row.id)
    assert found is not None
    return found


async def update_customer(
    uow: UnitOfWork, auth: AuthConfig, customer_id: int, fields: Mapping[str, Any]
) -> IssuedTokens | None:
    """Change the profile; `email` re-normalised and unique; `password` re-hashed. A new
    password signs every session out (the one making the change too) and returns the tokens
    of a new one, as Shopify's customerUpdate does."""
    values = _profile(fields)
    if fields.get("email") is not None:
        values["email"] = normalise_email(fields["email"])
    if fields.get("password") is not None:
        check_new(fields["password"])
        values["password_hash"] = await hash_password(fields["password"])
    if values:
        c = m.customers
        try:
            async with uow.session.begin_nested():
                await uow.session.execute(
                    sa.update(c)
                    .where(c.c.id == customer_id)
                    .values(**values, updated_at=sa.func.now())
                )
        except sa.exc.IntegrityError:
            raise EmailTaken("An account with this e-mail already exists", "email") from None
    tokens = None
    if "password_hash" in values:
        await revoke_sessions(uow, "customer", customer_id)
        tokens = await open_session(uow, auth, "customer", customer_id)
    await uow.commit()
    return tokens


def _address_values(fields: Mapping[str, Any]) -> dict[str, Any]:
    values = {}
    for name in ADDRESS_FIELDS:
        if name in fields:
            values[name] = clean_text(fields[name], f"address.{name}")
    code = values.get("country_code")
    if code is not None:
        code = values["country_code"] = code.upper()
        if code not in COUNTRY_CODES:
            raise InvalidInput("Not an ISO 3166-1 alpha-2 country code", "address.countryCode")
    return values


async def _owned(uow: UnitOfWork, customer_id: int, address_id: int) -> None:
    a = m.addresses
    found = await uow.session.scalar(
        sa.select(a.c.id)
        .where(a.c.id == address_id, a.c.customer_id == customer_id)
        .with_for_update()
    )
    if found is None:
        raise NotFound("No such address", "id")


async def create_address(
    uow: UnitOfWork, customer_id: int, fields: Mapping[str, Any], default: bool = False
) -> Address:
    """At most MAX_ADDRESSES per customer (counted under the customer's row lock); the
    first address becomes the default."""
    values = _address_values(fields)
    c, a = m.customers, m.addresses
    current = await uow.session.scalar(
        sa.select(c.c.default_address_id).where(c.c.id == customer_id).with_for_update()
    )
    count = await uow.session.scalar(
        sa.select(sa.func.count()).select_from(a).where(a.c.customer_id == customer_id)
    )
    if (count or 0) >= MAX_ADDRESSES:
        raise TooManyAddresses(f"A customer has at most {MAX_ADDRESSES} addresses", "address")
    row = (
        await uow.session.execute(
            sa.insert(a).values(customer_id=customer_id, **values).returning(*a.c)
        )
    ).one()
    if default or current is None:
        await uow.session.execute(
            sa.update(c).where(c.c.id == customer_id).values(default_address_id=row.id)
        )
    await uow.commit()
    return _address(row)


async def update_address(
    uow: UnitOfWork, customer_id: int, address_id: int, fields: Mapping[str, Any]
) -> Address:
    values = _address_values(fields)
    await _owned(uow, customer_id, address_id)
    a = m.addresses
    stmt = sa.update(a).where(a.c.id == address_id).values(**values).returning(*a.c)
    row = (
        await uow.session.execute(stmt if values else sa.select(a).where(a.c.id == address_id))
    ).one()
    await uow.commit()
    return _address(row)


async def delete_address(uow: UnitOfWork, customer_id: int, address_id: int) -> None:
    """Deleting the default address leaves the customer without one."""
    await _owned(uow, customer_id, address_id)
    c, a = m.customers, m.addresses
    await uow.session.execute(
        sa.update(c)
        .where(c.c.id == customer_id, c.c.default_address_id == address_id)
        .values(default_address_id=None)
    )
    await uow.session.execute(sa.delete(a).where(a.c.id == address_id))
    await uow.commit()


async def set_default_address(uow: UnitOfWork, customer_id: int, address_id: int) -> None:
    await _owned(uow, customer_id, address_id)
    c = m.customers
    await uow.session.execute(
        sa.update(c).where(c.c.id == customer_id).values(default_address_id=address_id)
    )
    await uow.commit()


async def sign_in_verified_email(
    uow: UnitOfWork,
    auth: AuthConfig,
    email: str,
    first_name: str | None = None,
    last_name: str | None = None,
) -> tuple[int, IssuedTokens]:
    """Tokens for the customer with this e-mail, which an identity provider has verified
    (OpenID Connect sign-in): the account is linked by e-mail, or created without a
    password. Only ever call it with an e-mail the provider marked verified."""
    email = normalise_email(email)
    c = m.customers
    values = {"email": email, **_profile({"first_name": first_name, "last_name": last_name})}
    created = (
        await uow.session.execute(
            insert(c).values(**values).on_conflict_do_nothing().returning(c.c.id)
        )
    ).first()
    if created is not None:
        uow.emit(CustomerCreated(customer_id=created.id, email=email, accepts_marketing=False))
        customer_id = created.id
    else:
        customer_id = (
            await uow.session.execute(
                sa.select(c.c.id).where(sa.func.lower(c.c.email) == email.lower())
            )
        ).scalar_one()
    tokens = await open_session(uow, auth, "customer", customer_id)
    await uow.commit()
    await prune_after_sign_in(uow, auth)
    return customer_id, tokens
