"""`emporium orders archive`: whole old months to gzip JSONL files, then detached and
dropped. The small `order_index` keeps each archived order's number and file, so
`order(id:)` and `orderByNumber` still find it."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from app.domains.orders.entities import ArchivedMonth
from app.domains.orders.models import SCHEMA, order_index, orders
from app.domains.orders.service import rows
from app.domains.orders.service.archive_files import folder_of, write_archive
from app.domains.orders.service.partitions import list_partitions, month_start, next_month
from app.platform.db import UnitOfWork


async def archive_before(uow: UnitOfWork, before: date, location: str) -> list[ArchivedMonth]:
    """Archive every month that ends on or before `before`'s month start (whole months
    older than the date). Per month, in one transaction: block writes to the partition,
    write its rows to `orders-YYYY-MM.jsonl.gz` in `location`, point `order_index` at
    the file, detach and drop the partition. A failure leaves the month attached (its file
    is rewritten on the next run), never an order in neither place."""
    folder = folder_of(location)
    cutoff = month_start(before)
    done = []
    for name, month in await list_partitions(uow):
        if next_month(month) > cutoff:
            continue
        path = (folder / f"orders-{month:%Y-%m}.jsonl.gz").resolve()
        async with uow:
            s = uow.session
            part = sa.table(name, *[sa.column(c.name) for c in orders.c], schema=SCHEMA)
            await s.execute(sa.text(f'LOCK TABLE {SCHEMA}."{name}" IN EXCLUSIVE MODE'))
            found = (await s.execute(sa.select(part).order_by(part.c.id))).all()
            n = await write_archive(path, [rows.to_json(r._mapping) for r in found])
            if found:
                await s.execute(
                    order_index.update()
                    .where(order_index.c.id.in_([r.id for r in found]))
                    .values(archive=str(path))
                )
            await s.execute(
                sa.text(f'ALTER TABLE {SCHEMA}.orders DETACH PARTITION {SCHEMA}."{name}"')
            )
            await s.execute(sa.text(f'DROP TABLE {SCHEMA}."{name}"'))
            await uow.commit()
        done.append(ArchivedMonth(f"{month:%Y-%m}", str(path), n))
    return done
