"""The one place stock rows change: lock in a fixed order, apply deltas, record movements.

Every writer locks all stock rows of the variants it touches, ordered by (variant,
warehouse): two transactions over overlapping variants take their locks in the same order
and so cannot deadlock, and the figures a writer computes for a variant are exact.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from app.domains.inventory import models as m
from app.domains.inventory.events import AvailabilityChanged
from app.platform.db import UnitOfWork

# a variant at or under this many sellable units is "low stock" (LOW_STOCK_THRESHOLD setting)
DEFAULT_LOW_STOCK = 5


@dataclass(frozen=True, slots=True)
class Delta:
    variant_id: int
    warehouse_id: int
    on_hand: int
    reserved: int


@dataclass(frozen=True, slots=True)
class Locked:
    variant_id: int
    warehouse_id: int
    on_hand: int
    reserved: int
    priority: int
    countries: tuple[str, ...]


async def lock(uow: UnitOfWork, variant_ids: Iterable[int]) -> list[Locked]:
    """Every stock row of these variants, locked FOR UPDATE in (variant, warehouse) order."""
    ids = sorted(set(variant_ids))
    if not ids:
        return []
    s, w = m.stock.c, m.warehouses.c
    rows = await uow.session.execute(
        sa.select(s.variant_id, s.warehouse_id, s.on_hand, s.reserved, w.priority, w.countries)
        .join(m.warehouses, w.id == s.warehouse_id)
        .where(s.variant_id.in_(ids))
        .order_by(s.variant_id, s.warehouse_id)
        .with_for_update(of=m.stock)
    )
    return [Locked(r[0], r[1], r[2], r[3], r[4], tuple(r[5] or ())) for r in rows]


async def ensure_rows(uow: UnitOfWork, pairs: Iterable[tuple[int, int]]) -> None:
    """Create missing (variant, warehouse) rows at zero and commit them on their own, so
    the locking transaction that follows only ever locks existing rows, in order."""
    keys = sorted(set(pairs))
    if not keys:
        return
    await uow.session.execute(
        sa.text(
            """
            INSERT INTO inventory.stock (variant_id, warehouse_id, version)
            SELECT v, w, nextval('inventory.stock_version')
              FROM unnest(CAST(:vs AS bigint[]), CAST(:ws AS bigint[])) AS x(v, w)
            ON CONFLICT DO NOTHING
            """
        ),
        {"vs": [k[0] for k in keys], "ws": [k[1] for k in keys]},
    )
    await uow.session.commit()


async def apply(
    uow: UnitOfWork,
    locked: Sequence[Locked],
    deltas: Sequence[Delta],
    *,
    reason: str,
    actor: str,
    saga_id: str | None = None,
    low_stock: int = DEFAULT_LOW_STOCK,
) -> dict[int, tuple[int, int]] | None:
    """Apply `deltas` to rows already locked by `lock()`, write their movements and the
    availability events; returns each touched variant's (available, version), or None when
    a row's condition failed (not enough available: the caller rolls back)."""
    merged: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    for d in deltas:
        cur = merged[(d.variant_id, d.warehouse_id)]
        cur[0] += d.on_hand
        cur[1] += d.reserved
    merged = {k: v for k, v in merged.items() if v != [0, 0]}
    if not merged:
        return {}
    keys = sorted(merged)
    vs = [k[0] for k in keys]
    ws = [k[1] for k in keys]
    doh = [merged[k][0] for k in keys]
    dr = [merged[k][1] for k in keys]
    # the conditional update: for a reservation (doh 0, dr +q) the condition reads
    # on_hand - reserved >= q; the CHECK constraints stand behind it
    result = await uow.session.execute(
        sa.text(
            """
            UPDATE inventory.stock AS s
               SET on_hand = s.on_hand + x.doh,
                   reserved = s.reserved + x.dr,
                   version = nextval('inventory.stock_version'),
                   updated_at = clock_timestamp()
              FROM unnest(CAST(:vs AS bigint[]), CAST(:ws AS bigint[]),
                          CAST(:doh AS int[]), CAST(:dr AS int[])) AS x(v, w, doh, dr)
             WHERE s.variant_id = x.v AND s.warehouse_id = x.w
               AND s.on_hand - s.reserved >= x.dr - x.doh
               AND s.reserved + x.dr >= 0
            RETURNING s.variant_id, s.version
            """
        ),
        {"vs": vs, "ws": ws, "doh": doh, "dr": dr},
    )
    returned = result.all()
    if len(returned) != len(keys):
        return None
    await uow.session.execute(
        m.movements.insert(),
        [
            {
                "variant_id": v,
                "warehouse_id": w,
                "delta_on_hand": a,
                "delta_reserved": b,
                "reason": reason,
                "actor": actor,
                "saga_id": saga_id,
            }
            for (v, w), (a, b) in ((k, merged[k]) for k in keys)
        ],
    )
    before: dict[int, int] = defaultdict(int)
    for row in locked:
        before[row.variant_id] += row.on_hand - row.reserved
    change: dict[int, int] = defaultdict(int)
    for (v, _), (a, b) in merged.items():
        change[v] += a - b
    versions: dict[int, int] = {}
    for vid, version in returned:
        versions[vid] = max(versions.get(vid, 0), int(version))
    figures: dict[int, tuple[int, int]] = {}
    for vid, version in versions.items():
        prev, now = before[vid], before[vid] + change[vid]
        figures[vid] = (now, version)
        event = crossing(vid, prev, now, low_stock)
        if event is not None:
            uow.emit(event)
    return figures


def crossing(variant_id: int, prev: int, now: int, low_stock: int) -> AvailabilityChanged | None:
    """The event a change from `prev` to `now` sellable units announces, if any."""
    kind: Any = None
    if prev > 0 and now <= 0:
        kind = "out_of_stock"
    elif prev <= 0 and now > 0:
        kind = "back_in_stock"
    elif prev > low_stock >= now > 0:
        kind = "low_stock"
    if kind is None:
        return None
    return AvailabilityChanged(variant_id=variant_id, available=now, previous=prev, change=kind)
