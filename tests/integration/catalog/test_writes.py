"""Set-based product writes on the real Postgres."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.domains import catalog

pytestmark = pytest.mark.integration


def draft(n: int, *skus: str) -> catalog.ProductDraft:
    return catalog.ProductDraft(
        handle=f"w-{n}",
        title=f"Write {n}",
        brand="Acme",
        category_path=("Home", "Kitchen"),
        variants=tuple(
            catalog.VariantDraft(sku=s, price=Decimal("5.00") + i, options=(("Size", str(i)),))
            for i, s in enumerate(skus or (f"W-{n}",))
        ),
        images=(catalog.ImageDraft(url=f"/img/{n}.jpg", alt="front"),),
    )


async def scalar(db, sql: str):
    async with db.uow("catalog") as uow:
        return (await uow.session.execute(sa.text(sql))).scalar_one()


async def test_a_batch_creates_then_updates_in_place(clean_catalog):
    db = clean_catalog
    async with db.uow("catalog") as uow:
        first = await catalog.upsert_products(uow, [draft(1, "A", "B"), draft(2)])
        await uow.commit()
    assert [created for _, created in first] == [True, True]
    # the same handles again: one variant dropped, the image replaced, ids kept
    changed = replace(
        draft(1, "A"), images=(catalog.ImageDraft(url="/img/new.jpg"),), title="Renamed"
    )
    async with db.uow("catalog") as uow:
        again = await catalog.upsert_products(uow, [changed, draft(2)])
        await uow.commit()
    assert again == [(first[0][0], False), (first[1][0], False)]
    assert (
        await scalar(db, "SELECT string_agg(sku, ',' ORDER BY sku) FROM catalog.variants")
        == "A,W-2"
    )
    assert (
        await scalar(db, "SELECT string_agg(url, ',' ORDER BY url) FROM catalog.images")
        == "/img/2.jpg,/img/new.jpg"
    )
    assert await scalar(db, "SELECT title FROM catalog.products WHERE handle = 'w-1'") == "Renamed"
    assert await scalar(db, "SELECT count(*) FROM catalog.brands") == 1
    changes = await scalar(
        db, "SELECT string_agg(payload->>'change', ',' ORDER BY id) FROM catalog.outbox"
    )
    assert changes == "created,created,updated,updated"


async def test_a_refused_batch_writes_nothing(clean_catalog):
    db = clean_catalog
    async with db.uow("catalog") as uow:
        await catalog.upsert_products(uow, [draft(1, "TAKEN")])
        await uow.commit()
    async with db.uow("catalog") as uow:
        with pytest.raises(catalog.DuplicateSku, match="TAKEN"):
            await catalog.upsert_products(uow, [draft(2), draft(3, "TAKEN")])
        await uow.commit()  # whatever was queued is committed: there must be nothing
    assert await scalar(db, "SELECT count(*) FROM catalog.products") == 1
    assert await scalar(db, "SELECT count(*) FROM catalog.outbox") == 1


@pytest.mark.parametrize(
    ("batch", "error"),
    [
        ([draft(1), draft(1)], catalog.InvalidProductData),
        ([draft(1, "X"), draft(2, "X")], catalog.DuplicateSku),
        ([replace(draft(1), title=" ")], catalog.InvalidProductData),
    ],
)
async def test_bad_batches_are_refused_up_front(clean_catalog, batch, error):
    async with clean_catalog.uow("catalog") as uow:
        with pytest.raises(error):
            await catalog.upsert_products(uow, batch)
