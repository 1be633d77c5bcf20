"""Monthly partitions of `orders.orders`: named `orders_yYYYYmMM`, created ahead of need."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa

from app.domains.orders.models import SCHEMA
from app.platform.db import UnitOfWork


def month_start(d: date | datetime) -> date:
    return date(d.year, d.month, 1)


def next_month(d: date) -> date:
    return date(d.year + d.month // 12, d.month % 12 + 1, 1)


def partition_name(month: date) -> str:
    return f"orders_y{month.year:04d}m{month.month:02d}"


async def ensure_partition(uow: UnitOfWork, at: datetime) -> str:
    """Create the partition holding `at` if it is missing; its name. Concurrent callers
    are serialised by an advisory lock, so two never race on the same CREATE."""
    month = month_start(at.astimezone(UTC))
    name = partition_name(month)
    async with uow:
        s = uow.session
        exists = (await s.execute(sa.select(sa.func.to_regclass(f"{SCHEMA}.{name}")))).scalar()
        if exists is not None:
            return name
        await s.execute(
            sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(f"{SCHEMA}.{name}")))
        )
        lo, hi = month.isoformat(), next_month(month).isoformat()
        # bounds in UTC: the partition holds exactly the month's instants
        await s.execute(
            sa.text(
                f'CREATE TABLE IF NOT EXISTS {SCHEMA}."{name}" PARTITION OF {SCHEMA}.orders '
                f"FOR VALUES FROM ('{lo} 00:00:00+00') TO ('{hi} 00:00:00+00')"
            )
        )
        await uow.commit()
    return name


async def ensure_partitions(
    uow: UnitOfWork, months_ahead: int = 3, now: datetime | None = None
) -> list[str]:
    """The maintenance job: this month's partition and the next `months_ahead`."""
    month = month_start(now or datetime.now(UTC))
    names = []
    for _ in range(months_ahead + 1):
        names.append(await ensure_partition(uow, datetime(month.year, month.month, 1, tzinfo=UTC)))
        month = next_month(month)
    return names


async def list_partitions(uow: UnitOfWork) -> list[tuple[str, date]]:
    """(name, month) of every attached partition, oldest first."""
    async with uow:
        names = (
            (
                await uow.session.execute(
                    sa.text(
                        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                        "JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace n "
                        "ON n.oid = p.relnamespace WHERE n.nspname = :s AND p.relname = 'orders'"
                    ),
                    {"s": SCHEMA},
                )
            )
            .scalars()
            .all()
        )
    out = []
    for n in names:
        if len(n) == 15 and n.startswith("orders_y"):
            out.append((n, date(int(n[8:12]), int(n[13:15]), 1)))
    return sorted(out, key=lambda p: p[1])
