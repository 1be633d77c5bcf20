"""Reads: one order by id, number or checkout reference (live or archived), and the
keyset-paginated listings with their total counts."""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from app.domains.orders.entities import Order, OrderFilter, OrderPage
from app.domains.orders.models import order_index, orders
from app.domains.orders.service import rows
from app.domains.orders.service.archive_files import read_archived
from app.platform.db import UnitOfWork
from app.platform.keyset import check_page, keyset_rows, keyset_select, page_of
from app.platform.pagination import PageRequest


async def _load(session: AsyncSession, where: sa.ColumnElement[bool]) -> Order | None:
    idx = (await session.execute(sa.select(order_index).where(where))).first()
    if idx is None:
        return None
    if idx.archive is not None:
        found = await read_archived(idx.archive, idx.id)
        return rows.order(found, archived=True) if found else None
    r = (
        await session.execute(
            sa.select(orders).where(orders.c.id == idx.id, orders.c.created_at == idx.created_at)
        )
    ).first()
    return rows.order(r._mapping) if r else None


async def load_by_reference(session: AsyncSession, reference: str) -> Order | None:
    return await _load(session, order_index.c.reference == reference)


async def get_order(uow: UnitOfWork, order_id: int, customer_id: int | None = None) -> Order | None:
    """The order, live or archived; with `customer_id`, only if it is that customer's
    (someone else's order and no order look the same: None)."""
    async with uow:
        o = await _load(uow.session, order_index.c.id == order_id)
    if o is None or (customer_id is not None and o.customer_id != customer_id):
        return None
    return o


def parse_number(number: str) -> int | None:
    n = number.strip().removeprefix("#")
    return int(n) if n.isdigit() and len(n) < 19 else None


async def get_order_by_number(uow: UnitOfWork, number: str) -> Order | None:
    n = parse_number(number)
    if n is None:
        return None
    async with uow:
        return await _load(uow.session, order_index.c.number == n)


async def lookup_guest_order(uow: UnitOfWork, number: str, email: str, token: str) -> Order | None:
    """The order only if number, e-mail (any case) and lookup token all match; otherwise
    None, whichever did not (nothing tells which)."""
    n = parse_number(number)
    if n is None:
        return None
    async with uow:
        idx = (
            await uow.session.execute(sa.select(order_index).where(order_index.c.number == n))
        ).first()
        if idx is None:
            return None
        if idx.archive is not None:
            raw = await read_archived(idx.archive, idx.id)
        else:
            r = (
                await uow.session.execute(
                    sa.select(orders).where(
                        orders.c.id == idx.id, orders.c.created_at == idx.created_at
                    )
                )
            ).first()
            raw = dict(r._mapping) if r else None
    if raw is None:
        return None
    ok = hmac.compare_digest(raw["token_hash"], rows.token_hash(token))
    ok = ok and raw["email"].strip().lower() == email.strip().lower()
    return rows.order(raw, archived=idx.archive is not None) if ok else None


_KEY = (orders.c.created_at, orders.c.id)
_CASTS = (datetime.fromisoformat, int)


def _conditions(f: OrderFilter) -> list[sa.ColumnElement[bool]]:
    conds: list[sa.ColumnElement[bool]] = []
    if f.status is not None:
        conds.append(orders.c.status == f.status)
    if f.created_from is not None:
        conds.append(orders.c.created_at >= f.created_from)
    if f.created_to is not None:
        conds.append(orders.c.created_at < f.created_to)
    if f.customer_id is not None:
        conds.append(orders.c.customer_id == f.customer_id)
    return conds


async def list_orders(uow: UnitOfWork, f: OrderFilter, page: PageRequest) -> OrderPage:
    """Live (not archived) orders matching `f`, newest first, one keyset page, with the
    count of all matches."""
    page = check_page(page, _CASTS)
    conds = _conditions(f)
    async with uow:
        s = uow.session
        q = keyset_select(sa.select(orders), conds, _KEY, page, reverse=True)
        found: list[Any] = list((await s.execute(q)).all())
        total = (
            await s.execute(sa.select(sa.func.count()).select_from(orders).where(*conds))
        ).scalar_one()
    items, keys, more = keyset_rows(found, _KEY, page)
    p = page_of([rows.order(r._mapping) for r in items], keys, more, page)
    return OrderPage(p.items, p.keys, p.has_next_page, p.has_previous_page, int(total))
