"""Stock levels: staff adjustments, initial stock, reads, and the ledger check."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from redis.asyncio import Redis

from app.domains.inventory import models as m
from app.domains.inventory.entities import Mismatch, StockLevel, Warehouse
from app.domains.inventory.errors import BelowReserved, InvalidQuantity, NotFound
from app.domains.inventory.service import hot
from app.domains.inventory.service.ledger import DEFAULT_LOW_STOCK, Delta, apply, ensure_rows, lock
from app.platform.db import UnitOfWork

MAX_REASON = 200


def _warehouse(r: Any) -> Warehouse:
    return Warehouse(id=r[0], code=r[1], name=r[2], countries=tuple(r[3] or ()), priority=r[4])


async def warehouses(uow: UnitOfWork) -> list[Warehouse]:
    """Every warehouse, first to ship first."""
    w = m.warehouses.c
    rows = await uow.session.execute(
        sa.select(w.id, w.code, w.name, w.countries, w.priority).order_by(w.priority, w.id)
    )
    return [_warehouse(r) for r in rows]


async def create_warehouse(
    uow: UnitOfWork, code: str, name: str, *, countries: Sequence[str] = (), priority: int = 0
) -> Warehouse:
    w = m.warehouses.c
    row = (
        await uow.session.execute(
            m.warehouses.insert()
            .values(
                code=code, name=name, countries=[c.upper() for c in countries], priority=priority
            )
            .returning(w.id, w.code, w.name, w.countries, w.priority)
        )
    ).one()
    await uow.commit()
    return _warehouse(row)


async def default_warehouse_id(uow: UnitOfWork) -> int:
    w = m.warehouses.c
    wid = await uow.session.scalar(sa.select(w.id).order_by(w.priority, w.id).limit(1))
    if wid is None:
        raise NotFound("no warehouse exists", "warehouseId")
    return int(wid)


async def _warehouse_id(uow: UnitOfWork, warehouse_id: int | None) -> int:
    if warehouse_id is None:
        return await default_warehouse_id(uow)
    found = await uow.session.scalar(
        sa.select(m.warehouses.c.id).where(m.warehouses.c.id == warehouse_id)
    )
    if found is None:
        raise NotFound("no such warehouse", "warehouseId")
    return int(found)


def _reason(reason: str) -> str:
    reason = reason.strip()
    if not reason or len(reason) > MAX_REASON:
        raise InvalidQuantity(f"a reason of 1 to {MAX_REASON} characters is required", "reason")
    return reason


async def _change(
    uow: UnitOfWork,
    variant_id: int,
    warehouse_id: int | None,
    *,
    delta: int | None,
    target: int | None,
    reason: str,
    actor: str,
    redis: Redis | None,
    low_stock: int,
) -> StockLevel:
    reason = _reason(reason)
    wid = await _warehouse_id(uow, warehouse_id)
    await ensure_rows(uow, [(variant_id, wid)])
    locked = await lock(uow, [variant_id])
    row = next(r for r in locked if r.warehouse_id == wid)
    d = delta if delta is not None else (target or 0) - row.on_hand
    if row.on_hand + d < row.reserved:
        await uow.rollback()
        if row.on_hand + d < 0:
            raise InvalidQuantity("on hand cannot go below zero", "delta")
        raise BelowReserved(
            f"{row.reserved} unit(s) are reserved for checkouts; on hand cannot go below that",
            "delta",
        )
    figures = await apply(
        uow,
        locked,
        [Delta(variant_id, wid, d, 0)],
        reason=reason,
        actor=actor,
        low_stock=low_stock,
    )
    assert figures is not None  # the row is locked and checked above
    s = m.stock.c
    level = (
        await uow.session.execute(
            sa.select(s.variant_id, s.warehouse_id, s.on_hand, s.reserved, s.updated_at).where(
                s.variant_id == variant_id, s.warehouse_id == wid
            )
        )
    ).one()
    await uow.commit()
    await hot.publish(redis, await hot.scope(uow), figures)
    return StockLevel(*level)


async def adjust(
    uow: UnitOfWork,
    variant_id: int,
    delta: int,
    reason: str,
    *,
    actor: str,
    warehouse_id: int | None = None,
    redis: Redis | None = None,
    low_stock: int = DEFAULT_LOW_STOCK,
) -> StockLevel:
    """Add `delta` (negative: remove) to on_hand in a warehouse (default: the first),
    recorded in the ledger with who and why; on_hand never drops below reserved."""
    return await _change(
        uow,
        variant_id,
        warehouse_id,
        delta=delta,
        target=None,
        reason=reason,
        actor=actor,
        redis=redis,
        low_stock=low_stock,
    )


async def set_on_hand(
    uow: UnitOfWork,
    variant_id: int,
    on_hand: int,
    reason: str,
    *,
    actor: str,
    warehouse_id: int | None = None,
    redis: Redis | None = None,
    low_stock: int = DEFAULT_LOW_STOCK,
) -> StockLevel:
    """Set on_hand to a counted figure; the ledger records the difference."""
    if on_hand < 0:
        raise InvalidQuantity("on hand cannot be negative", "quantity")
    return await _change(
        uow,
        variant_id,
        warehouse_id,
        delta=None,
        target=on_hand,
        reason=reason,
        actor=actor,
        redis=redis,
        low_stock=low_stock,
    )


async def stock_initial(
    uow: UnitOfWork,
    quantities: Mapping[int, int],
    *,
    actor: str,
    reason: str = "initial stock",
    redis: Redis | None = None,
) -> int:
    """Give variants that have no stock yet their first on_hand in the default warehouse
    (the seed and the importer call it); variants already stocked keep their live figures.
    Returns how many variants were stocked."""
    wid = await default_warehouse_id(uow)
    items = sorted((int(v), int(q)) for v, q in quantities.items() if int(q) >= 0)
    if not items:
        return 0
    rows = await uow.session.execute(
        sa.text(
            """
            INSERT INTO inventory.stock (variant_id, warehouse_id, on_hand, version)
            SELECT v, :w, q, nextval('inventory.stock_version')
              FROM unnest(CAST(:vs AS bigint[]), CAST(:qs AS int[])) AS x(v, q)
             WHERE NOT EXISTS (SELECT 1 FROM inventory.stock s WHERE s.variant_id = x.v)
            ON CONFLICT DO NOTHING
            RETURNING variant_id, on_hand, version
            """
        ),
        {"w": wid, "vs": [v for v, _ in items], "qs": [q for _, q in items]},
    )
    stocked = rows.all()
    if stocked:
        await uow.session.execute(
            m.movements.insert(),
            [
                {
                    "variant_id": v,
                    "warehouse_id": wid,
                    "delta_on_hand": q,
                    "delta_reserved": 0,
                    "reason": reason,
                    "actor": actor,
                }
                for v, q, _ in stocked
            ],
        )
    await uow.commit()
    await hot.publish(
        redis, await hot.scope(uow), {int(v): (int(q), int(ver)) for v, q, ver in stocked}
    )
    return len(stocked)


async def stock_levels(
    uow: UnitOfWork,
    *,
    variant_ids: Sequence[int] | None = None,
    warehouse_id: int | None = None,
    after: tuple[int, int] | None = None,
    limit: int = 50,
) -> list[StockLevel]:
    """Stock rows in (variant, warehouse) order, keyset-paged after `after`."""
    s = m.stock.c
    q = sa.select(s.variant_id, s.warehouse_id, s.on_hand, s.reserved, s.updated_at)
    if variant_ids is not None:
        q = q.where(s.variant_id.in_(variant_ids))
    if warehouse_id is not None:
        q = q.where(s.warehouse_id == warehouse_id)
    if after is not None:
        q = q.where(sa.tuple_(s.variant_id, s.warehouse_id) > sa.tuple_(*after))
    rows = await uow.session.execute(q.order_by(s.variant_id, s.warehouse_id).limit(limit))
    return [StockLevel(*r) for r in rows]


async def count_stock_levels(
    uow: UnitOfWork, *, variant_ids: Sequence[int] | None = None, warehouse_id: int | None = None
) -> int:
    s = m.stock.c
    q = sa.select(sa.func.count()).select_from(m.stock)
    if variant_ids is not None:
        q = q.where(s.variant_id.in_(variant_ids))
    if warehouse_id is not None:
        q = q.where(s.warehouse_id == warehouse_id)
    return int(await uow.session.scalar(q) or 0)


async def available_quantities(
    uow: UnitOfWork, variant_ids: Sequence[int], *, redis: Redis | None = None
) -> dict[int, int]:
    """Sellable units per variant over every warehouse (0 for a variant never stocked):
    from the Redis hot count when given one, Postgres for what Redis misses."""
    return await hot.read(redis, uow, [int(v) for v in variant_ids])


async def check(uow: UnitOfWork) -> list[Mismatch]:
    """Rebuild every stock row from the ledger; the rows that disagree (none, normally)."""
    rows = await uow.session.execute(
        sa.text(
            """
            SELECT coalesce(s.variant_id, l.variant_id), coalesce(s.warehouse_id, l.warehouse_id),
                   coalesce(s.on_hand, 0), coalesce(s.reserved, 0),
                   coalesce(l.on_hand, 0), coalesce(l.reserved, 0)
              FROM inventory.stock s
              FULL JOIN (SELECT variant_id, warehouse_id, sum(delta_on_hand) AS on_hand,
                                sum(delta_reserved) AS reserved
                           FROM inventory.movements GROUP BY variant_id, warehouse_id) l
                ON l.variant_id = s.variant_id AND l.warehouse_id = s.warehouse_id
             WHERE coalesce(s.on_hand, 0) <> coalesce(l.on_hand, 0)
                OR coalesce(s.reserved, 0) <> coalesce(l.reserved, 0)
             ORDER BY 1, 2
            """
        )
    )
    mismatches = [Mismatch(*(int(x) for x in r)) for r in rows]
    # held reservations must add up to what the rows say is reserved
    return mismatches


async def refresh_recent(uow: UnitOfWork, redis: Redis | None, *, seconds: float = 5.0) -> int:
    """Re-publish the hot count of every variant changed in the last `seconds`: the sweeper's
    backstop for a writer that committed but could not reach Redis."""
    s = m.stock.c
    ids = list(
        await uow.session.scalars(
            sa.select(s.variant_id)
            .where(
                s.updated_at > sa.func.clock_timestamp() - sa.text("make_interval(secs => :sec)")
            )
            .distinct(),
            {"sec": seconds},
        )
    )
    if ids and redis is not None:
        await hot.publish(redis, await hot.scope(uow), await hot.totals(uow, ids))
    return len(ids)


async def is_empty(uow: UnitOfWork) -> bool:
    """True until anything was ever stocked (the ledger is empty)."""
    return await uow.session.scalar(sa.select(m.movements.c.id).limit(1)) is None
