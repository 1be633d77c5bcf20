"""Reservations for the checkout saga: all lines or none, idempotent per saga id."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from redis.asyncio import Redis
from sqlalchemy.dialects.postgresql import insert

from app.domains.inventory import models as m
from app.domains.inventory.entities import Reservation, ReservationLine
from app.domains.inventory.errors import InvalidQuantity, OutOfStock, ReservationClosed
from app.domains.inventory.service import hot
from app.domains.inventory.service.ledger import DEFAULT_LOW_STOCK, Delta, Locked, apply, lock
from app.platform.db import UnitOfWork

SAGA = "checkout"


async def _load(uow: UnitOfWork, saga_id: str, *, for_update: bool = False) -> Reservation | None:
    r = m.reservations.c
    q = sa.select(r.status, r.expires_at).where(r.saga_id == saga_id)
    if for_update:
        q = q.with_for_update()
    head = (await uow.session.execute(q)).first()
    if head is None:
        return None
    lc = m.reservation_lines.c
    lines = await uow.session.execute(
        sa.select(lc.variant_id, lc.warehouse_id, lc.quantity)
        .where(lc.saga_id == saga_id)
        .order_by(lc.variant_id, lc.warehouse_id)
    )
    return Reservation(
        saga_id=saga_id,
        status=head.status,
        expires_at=head.expires_at,
        lines=tuple(ReservationLine(*row) for row in lines),
    )


def _allocate(
    wanted: dict[int, int], locked: Sequence[Locked], country: str | None
) -> tuple[list[ReservationLine], list[int]]:
    """Each line from the warehouses serving `country`, highest priority first, split
    across warehouses when one cannot cover it; returns the allocation and the shortfalls."""
    rows: dict[int, list[Locked]] = defaultdict(list)
    for row in locked:
        if country is None or not row.countries or country in row.countries:
            rows[row.variant_id].append(row)
    out: list[ReservationLine] = []
    short: list[int] = []
    for vid, qty in sorted(wanted.items()):
        left = qty
        for row in sorted(rows[vid], key=lambda r: (r.priority, r.warehouse_id)):
            take = min(left, row.on_hand - row.reserved)
            if take > 0:
                out.append(ReservationLine(vid, row.warehouse_id, take))
                left -= take
            if left == 0:
                break
        if left > 0:
            short.append(vid)
    return out, short


async def reserve(
    uow: UnitOfWork,
    saga_id: str,
    lines: Sequence[tuple[int, int]],
    ttl: timedelta,
    *,
    country: str | None = None,
    redis: Redis | None = None,
    low_stock: int = DEFAULT_LOW_STOCK,
) -> Reservation:
    """Hold `lines` ((variant_id, quantity), …) for `saga_id` until `ttl` from now.

    All lines or none: OutOfStock(variant_ids) names every short variant and nothing is
    held. A saga that already has a reservation (held, confirmed or released) gets it back
    unchanged, so a retried step never reserves twice."""
    wanted: dict[int, int] = defaultdict(int)
    for vid, qty in lines:
        if qty <= 0:
            raise InvalidQuantity(f"quantity must be positive, got {qty}", "lines")
        wanted[int(vid)] += int(qty)
    if not wanted:
        raise InvalidQuantity("nothing to reserve", "lines")
    expires = datetime.now(UTC) + ttl
    r = m.reservations.c
    created = await uow.session.execute(
        insert(m.reservations)
        .values(saga_id=saga_id, status="RESERVED", expires_at=expires)
        .on_conflict_do_nothing()
        .returning(r.saga_id)
    )
    if created.first() is None:  # this saga reserved before (or released first): same answer
        existing = await _load(uow, saga_id)
        await uow.rollback()
        assert existing is not None
        return existing
    locked = await lock(uow, wanted)
    allocation, short = _allocate(wanted, locked, country)
    if short:
        await uow.rollback()
        raise OutOfStock(short)
    deltas = [Delta(a.variant_id, a.warehouse_id, 0, a.quantity) for a in allocation]
    figures = await apply(
        uow, locked, deltas, reason="reserve", actor=SAGA, saga_id=saga_id, low_stock=low_stock
    )
    if figures is None:  # cannot happen while the rows are locked; never hold half
        await uow.rollback()
        raise OutOfStock(wanted)
    await uow.session.execute(
        m.reservation_lines.insert(),
        [
            {
                "saga_id": saga_id,
                "variant_id": a.variant_id,
                "warehouse_id": a.warehouse_id,
                "quantity": a.quantity,
            }
            for a in allocation
        ],
    )
    await uow.commit()
    await hot.publish(redis, await hot.scope(uow), figures)
    return Reservation(saga_id, "RESERVED", expires, tuple(allocation))


async def confirm(
    uow: UnitOfWork,
    saga_id: str,
    *,
    redis: Redis | None = None,
    low_stock: int = DEFAULT_LOW_STOCK,
) -> Reservation:
    """Turn the held stock into a sale: on_hand and reserved both drop by each line.

    Confirming twice is a no-op; confirming a released (or expired and swept) reservation
    raises ReservationClosed; an unknown saga raises NotFound."""
    from app.domains.inventory.errors import NotFound

    current = await _load(uow, saga_id, for_update=True)
    if current is None:
        await uow.rollback()
        raise NotFound(f"no reservation for saga {saga_id!r}")
    if current.status == "CONFIRMED":
        await uow.rollback()
        return current
    if current.status == "RELEASED":
        await uow.rollback()
        raise ReservationClosed(saga_id, current.status)
    return await _close(uow, current, "CONFIRMED", "sale", redis, low_stock)


async def release(
    uow: UnitOfWork,
    saga_id: str,
    *,
    redis: Redis | None = None,
    low_stock: int = DEFAULT_LOW_STOCK,
    only_expired: bool = False,
) -> Reservation:
    """Give the held stock back. Releasing twice is a no-op; releasing a saga that never
    reserved records it released, so a late reserve for it holds nothing; releasing a
    confirmed reservation raises ReservationClosed (that stock is sold)."""
    current = await _load(uow, saga_id, for_update=True)
    if current is None:
        await uow.session.execute(
            insert(m.reservations)
            .values(saga_id=saga_id, status="RELEASED", expires_at=datetime.now(UTC))
            .on_conflict_do_nothing()
        )
        await uow.commit()
        current = await _load(uow, saga_id)
        assert current is not None
        await uow.rollback()
        if current.status == "RESERVED":  # a reserve won the race: release what it holds
            return await release(uow, saga_id, redis=redis, low_stock=low_stock)
        return current
    if current.status == "RELEASED" or (only_expired and current.expires_at > datetime.now(UTC)):
        await uow.rollback()
        return current
    if current.status == "CONFIRMED":
        await uow.rollback()
        if only_expired:
            return current
        raise ReservationClosed(saga_id, current.status)
    return await _close(
        uow, current, "RELEASED", "expire" if only_expired else "release", redis, low_stock
    )


async def _close(
    uow: UnitOfWork,
    current: Reservation,
    status: str,
    reason: str,
    redis: Redis | None,
    low_stock: int,
) -> Reservation:
    locked = await lock(uow, (line.variant_id for line in current.lines))
    sold = status == "CONFIRMED"
    deltas = [
        Delta(line.variant_id, line.warehouse_id, -line.quantity if sold else 0, -line.quantity)
        for line in current.lines
    ]
    figures = await apply(
        uow,
        locked,
        deltas,
        reason=reason,
        actor=SAGA,
        saga_id=current.saga_id,
        low_stock=low_stock,
    )
    if figures is None:
        await uow.rollback()
        raise RuntimeError(f"reservation {current.saga_id!r} does not match its stock rows")
    await uow.session.execute(
        sa.update(m.reservations)
        .where(m.reservations.c.saga_id == current.saga_id)
        .values(status=status, updated_at=sa.func.now())
    )
    await uow.commit()
    await hot.publish(redis, await hot.scope(uow), figures)
    return Reservation(current.saga_id, status, current.expires_at, current.lines)  # type: ignore[arg-type]


async def expired_sagas(uow: UnitOfWork, *, limit: int = 500) -> list[str]:
    """Sagas whose reservation is still held past its expiry, oldest first."""
    r = m.reservations.c
    rows = await uow.session.execute(
        sa.select(r.saga_id)
        .where(r.status == "RESERVED", r.expires_at < sa.func.now())
        .order_by(r.expires_at)
        .limit(limit)
    )
    return [row[0] for row in rows]
