"""Two imports of one file at once report and announce what really happened (issue 13 #10):
created or updated is the database's own answer, not a read made before the write."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.domains.catalog.importer import import_file
from app.platform.db import Database

pytestmark = pytest.mark.integration


async def test_two_imports_of_one_file_at_once_report_what_happened(
    clean_catalog: Database, tmp_path: Path
) -> None:
    db = clean_catalog
    n = 300
    path = tmp_path / "many.csv"
    lines = ["handle,title,vendor,category,option1_name,option1_value,sku,price"]
    for k in range(n):
        lines.append(f"p-{k},Product {k},Brand {k % 7},Home > Shelf {k % 5},Size,S,P-{k}-S,9.00")
        lines.append(f"p-{k},,,,,M,P-{k}-M,10.00")
    path.write_text("\n".join(lines) + "\n")

    first, second = await asyncio.gather(
        import_file(db, path, batch_size=50), import_file(db, path, batch_size=50)
    )

    assert first.errors == second.errors == []
    assert first.created + second.created == n
    assert first.updated + second.updated == n
    async with db.uow("catalog") as uow:
        events = list(
            await uow.session.execute(
                sa.text(
                    "SELECT payload->>'handle', count(*) FILTER "
                    "(WHERE payload->>'change' = 'created'), count(*) FROM catalog.outbox "
                    "GROUP BY 1"
                )
            )
        )
        products = (
            await uow.session.execute(sa.text("SELECT count(*) FROM catalog.products"))
        ).scalar_one()
    assert products == n
    assert len(events) == n
    assert all(created == 1 and total == 2 for _, created, total in events)
