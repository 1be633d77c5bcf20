"""The orders context against the real Postgres: idempotent placement, numbering under
concurrency, the fulfil/cancel/refund rules (concurrent refunds included), monthly
partitions and archiving."""

from __future__ import annotations

import asyncio
import gzip
import json
from datetime import UTC, date, datetime
from decimal import Decimal as D

import pytest
import sqlalchemy as sa

from app.domains import orders
from app.platform.db import Database
from tests.integration.orders.helpers import draft, outbox_events

pytestmark = pytest.mark.integration


async def place(db: Database, d: orders.OrderDraft | None = None, **kw) -> orders.PlacedOrder:
    return await orders.place_order(db.uow(orders.CONTEXT), d or draft(), **kw)


async def test_placing_is_idempotent_on_the_checkout_reference(db: Database):
    d = draft()
    first = await place(db, d)
    assert first.created and first.lookup_token
    o = first.order
    assert o.status == "PAID" and o.number >= 1001 and o.total == D("65.50")
    assert [t.to_status for t in o.history] == ["PLACED", "PAID"]
    assert o.lines[0].unit_price == D("25.00") and o.lines[1].sku == "SKU-B"
    again = await place(db, d)
    assert not again.created and again.lookup_token is None
    assert again.order.id == o.id and again.order.number == o.number
    # the same reference, 20 callers at once: still one order, one OrderPlaced
    d2 = draft()
    placed = await asyncio.gather(*[place(db, d2) for _ in range(20)])
    assert len({p.order.id for p in placed}) == 1
    assert sum(p.created for p in placed) == 1
    events = await outbox_events(db, placed[0].order.id)
    assert [t for t, _ in events] == ["orders.OrderPlaced.v1"]
    assert events[0][1]["number"] == placed[0].order.number
    # a draft the saga got wrong is refused, not stored
    with pytest.raises(orders.InvalidInput):
        await place(db, draft().__class__(**{**_fields(draft()), "lines": ()}))
    with pytest.raises(orders.InvalidInput):
        await place(db, draft().__class__(**{**_fields(draft()), "total": D("1.005")}))


def _fields(d: orders.OrderDraft) -> dict:
    return {f: getattr(d, f) for f in d.__dataclass_fields__}


async def test_fifty_concurrent_placements_get_fifty_distinct_numbers(db: Database):
    placed = await asyncio.gather(*[place(db) for _ in range(50)])
    numbers = [p.order.number for p in placed]
    assert len(set(numbers)) == 50 and min(numbers) >= 1001
    assert all(p.created for p in placed)


async def test_fulfilment_is_partial_never_more_than_ordered_then_ships_and_delivers(
    db: Database,
):
    o = (await place(db)).order
    mug, tea = o.lines
    uow = db.uow(orders.CONTEXT)
    with pytest.raises(orders.FulfilmentExceedsOrdered) as e:
        await orders.fulfil(uow, o.id, [(mug.id, 3)])
    assert e.value.field == "lines[0].quantity"
    # two entries for one line add up
    with pytest.raises(orders.FulfilmentExceedsOrdered):
        await orders.fulfil(uow, o.id, [(mug.id, 1), (mug.id, 2)])
    # someone else's line id
    other = (await place(db)).order
    with pytest.raises(orders.NotFound):
        await orders.fulfil(uow, o.id, [(other.lines[0].id, 1)])
    with pytest.raises(orders.IllegalTransition):
        await orders.mark_shipped(uow, o.id)

    t = orders.Tracking("DHL", "JD0001", "https://track.example/JD0001")
    o = await orders.fulfil(uow, o.id, [(mug.id, 1)], t)
    assert o.status == "PARTIALLY_FULFILLED"
    assert o.lines[0].fulfilled_quantity == 1 and o.fulfillments[0].tracking == t
    with pytest.raises(orders.IllegalTransition):
        await orders.cancel(uow, o.id, "too late")
    o = await orders.fulfil(uow, o.id, [(mug.id, 1), (tea.id, 1)])
    assert o.status == "FULFILLED" and len(o.fulfillments) == 2
    with pytest.raises(orders.IllegalTransition):
        await orders.fulfil(uow, o.id, [(tea.id, 1)])  # a FULFILLED order has nothing left
    o = await orders.mark_shipped(uow, o.id)
    o = await orders.mark_delivered(uow, o.id)
    assert [t.to_status for t in o.history] == [
        "PLACED",
        "PAID",
        "PARTIALLY_FULFILLED",
        "FULFILLED",
        "SHIPPED",
        "DELIVERED",
    ]
    types = [t for t, _ in await outbox_events(db, o.id)]
    assert types == ["orders.OrderPlaced.v1"] + ["orders.OrderUpdated.v1"] * 4


async def test_cancel_records_the_intent_and_ends_the_order(db: Database):
    uow = db.uow(orders.CONTEXT)
    o = (await place(db)).order
    o = await orders.cancel(uow, o.id, "customer asked")
    assert o.status == "CANCELLED" and o.history[-1].reason == "customer asked"
    events = dict(await outbox_events(db, o.id))
    cancelled = events["orders.OrderCancelled.v1"]
    assert cancelled["amount"] == "65.50" and cancelled["payment_reference"] == o.payment_reference
    assert cancelled["lines"] == [
        {"variant_id": 11, "quantity": 2},
        {"variant_id": 12, "quantity": 1},
    ]
    for step in (
        orders.cancel(uow, o.id),
        orders.refund(uow, o.id, amount=D("1.00")),
        orders.fulfil(uow, o.id, [(o.lines[0].id, 1)]),
    ):
        with pytest.raises(orders.IllegalTransition) as e:
            await step
        assert e.value.code == "ILLEGAL_TRANSITION"
    # an unpaid order cancels with nothing to give back
    unpaid = (await place(db, draft(paid=False))).order
    assert unpaid.status == "PLACED"
    with pytest.raises(orders.IllegalTransition):
        await orders.refund(uow, unpaid.id, amount=D("1.00"))
    await orders.cancel(uow, unpaid.id)
    assert dict(await outbox_events(db, unpaid.id))["orders.OrderCancelled.v1"]["amount"] == "0"


async def test_refunds_never_exceed_what_was_paid(db: Database):
    uow = db.uow(orders.CONTEXT)
    o = (await place(db)).order
    mug, tea = o.lines
    with pytest.raises(orders.RefundExceedsPaid):
        await orders.refund(uow, o.id, amount=D("65.51"))
    with pytest.raises(orders.InvalidInput):
        await orders.refund(uow, o.id, amount=D("0"))
    with pytest.raises(orders.InvalidInput):
        await orders.refund(uow, o.id, amount=D("1"), lines=[(mug.id, 1)])
    # lines: one mug of two is half the line's 49.50
    o = await orders.refund(uow, o.id, lines=[(mug.id, 1)])
    assert o.status == "PARTIALLY_REFUNDED" and o.refunded_total == D("24.75")
    with pytest.raises(orders.RefundExceedsPaid):
        await orders.refund(uow, o.id, lines=[(mug.id, 2)])
    o = await orders.refund(uow, o.id, lines=[(mug.id, 1), (tea.id, 1)])
    assert o.refunded_total == D("60.50") and o.lines[0].refunded_quantity == 2
    o = await orders.refund(uow, o.id, amount=D("5.00"))  # the shipping
    assert o.status == "REFUNDED" and o.refunded_total == o.total
    with pytest.raises(orders.IllegalTransition):
        await orders.refund(uow, o.id, amount=D("0.01"))
    refunds = [p for t, p in await outbox_events(db, o.id) if t == "orders.RefundRequested.v1"]
    assert [r["amount"] for r in refunds] == ["24.75", "35.75", "5.00"]
    assert len({r["refund_id"] for r in refunds}) == 3


async def test_concurrent_refunds_add_up_to_at_most_the_total(db: Database):
    o = (await place(db)).order  # 65.50
    results = await asyncio.gather(
        *[orders.refund(db.uow(orders.CONTEXT), o.id, amount=D("10.00")) for _ in range(10)],
        return_exceptions=True,
    )
    ok = [r for r in results if isinstance(r, orders.Order)]
    refused = [r for r in results if isinstance(r, orders.RefundExceedsPaid)]
    assert len(ok) == 6 and len(refused) == 4
    final = await orders.get_order(db.reader(orders.CONTEXT), o.id)
    assert final is not None and final.refunded_total == D("60.00")
    assert final.status == "PARTIALLY_REFUNDED"


async def _partition_of(db: Database, order_id: int) -> str:
    async with db.reader(orders.CONTEXT) as uow:
        return (
            await uow.session.execute(
                sa.text("SELECT tableoid::regclass::text FROM orders.orders WHERE id = :i"),
                {"i": order_id},
            )
        ).scalar_one()


async def test_orders_of_three_months_land_in_three_partitions(db: Database):
    months = [datetime(2001, m, 15, 12, tzinfo=UTC) for m in (1, 2, 3)]
    placed = [await place(db, now=at) for at in months]
    parts = [await _partition_of(db, p.order.id) for p in placed]
    assert parts == [
        "orders.orders_y2001m01",
        "orders.orders_y2001m02",
        "orders.orders_y2001m03",
    ]
    # the month's edge: the last instant of January is January's
    edge = await place(db, now=datetime(2001, 1, 31, 23, 59, 59, 999999, tzinfo=UTC))
    assert await _partition_of(db, edge.order.id) == "orders.orders_y2001m01"
    names = await orders.ensure_partitions(db.uow(orders.CONTEXT), 2)
    assert len(names) == 3
    attached = {n for n, _ in await orders.list_partitions(db.uow(orders.CONTEXT))}
    assert set(names) <= attached


async def test_archive_exports_whole_old_months_and_orders_stay_readable(db: Database, tmp_path):
    d = draft(email="Cold@Example.com")
    old = await place(db, d, now=datetime(2002, 1, 10, tzinfo=UTC))
    feb = await place(db, now=datetime(2002, 2, 28, 23, tzinfo=UTC))
    march = await place(db, now=datetime(2002, 3, 1, tzinfo=UTC))
    uow = db.uow(orders.CONTEXT)
    await orders.fulfil(uow, old.order.id, [(old.order.lines[0].id, 1)])

    done = await orders.archive_before(uow, date(2002, 3, 20), tmp_path.as_uri())
    months = {m.month: m for m in done}
    assert {"2002-01", "2002-02"} <= set(months) and "2002-03" not in months
    attached = {n for n, _ in await orders.list_partitions(uow)}
    assert "orders_y2002m01" not in attached and "orders_y2002m03" in attached
    # the file: gzip JSONL, one order a line
    path = tmp_path / "orders-2002-01.jsonl.gz"
    with gzip.open(path, "rt") as f:
        ids = [json.loads(line)["id"] for line in f]
    assert old.order.id in ids

    # still found by id, by number, and by the guest lookup; read-only now
    reader = db.reader(orders.CONTEXT)
    by_id = await orders.get_order(reader, old.order.id)
    assert by_id is not None and by_id.archived and by_id.status == "PARTIALLY_FULFILLED"
    assert by_id.lines[0].fulfilled_quantity == 1 and by_id.total == D("65.50")
    by_number = await orders.get_order_by_number(reader, f"#{old.order.number}")
    assert by_number is not None and by_number.id == old.order.id
    assert old.lookup_token
    guest = await orders.lookup_guest_order(
        reader, str(old.order.number), "cold@example.com", old.lookup_token
    )
    assert guest is not None and guest.id == old.order.id
    assert (
        await orders.lookup_guest_order(reader, str(old.order.number), "x@y.z", old.lookup_token)
        is None
    )
    with pytest.raises(orders.NotFound):
        await orders.refund(uow, old.order.id, amount=D("1.00"))
    assert (await orders.get_order(reader, feb.order.id)).archived  # type: ignore[union-attr]
    live = await orders.get_order(reader, march.order.id)
    assert live is not None and not live.archived
    # nothing left to archive before that date: a second run is a no-op
    again = await orders.archive_before(uow, date(2002, 3, 20), str(tmp_path))
    assert again == []
    with pytest.raises(orders.ArchiveError):
        await orders.archive_before(uow, date(2002, 3, 20), "s3://bucket/orders")
