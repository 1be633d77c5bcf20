"""The outbox and relay on the real Postgres, Redis and RabbitMQ."""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal

import orjson
import pytest
import sqlalchemy as sa
from dramatiq import Worker
from redis.asyncio import Redis

from app import workers
from app.bootstrap import seed_if_empty
from app.domains import catalog
from app.platform.broker import build_broker
from app.platform.db import Database
from app.platform.relay import RelayStatus, prune, relay_batch, run_relay
from app.platform.settings import Settings
from tests.fixtures import recorder

pytestmark = pytest.mark.integration

RECORDER = "tests.fixtures.recorder"


def draft(n: int) -> catalog.ProductDraft:
    return catalog.ProductDraft(
        handle=f"relay-product-{n}",
        title=f"Relay product {n}",
        variants=(catalog.VariantDraft(sku=f"RELAY-{n}", price=Decimal("9.99")),),
    )


@pytest.fixture
async def rec_settings(settings: Settings, clean_catalog: Database) -> AsyncIterator[Settings]:
    s = settings.model_copy(update={"extra_worker_modules": RECORDER})
    redis = Redis.from_url(s.redis_url or "")
    await redis.delete(*recorder.keys(s))
    yield s
    await redis.delete(*recorder.keys(s))
    await redis.aclose()


async def outbox_rows(db: Database) -> list[sa.Row]:
    async with db.uow("catalog") as uow:
        return list(
            await uow.session.execute(
                sa.text(
                    "SELECT event_id, type, payload, occurred_at, sent_at FROM catalog.outbox ORDER BY id"
                )
            )
        )


async def wait_for(predicate, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await predicate():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("condition not met in time")


async def test_committed_change_reaches_an_actor_exactly_as_committed(rec_settings, db):
    async with db.uow("catalog") as uow:
        product_id, created = await catalog.upsert_product(uow, draft(1))
        await uow.commit()
    assert created
    [row] = await outbox_rows(db)
    assert row.type == "catalog.ProductChanged.v1" and row.sent_at is None

    broker = build_broker(rec_settings.broker_url or "")
    routes = workers.register(broker, rec_settings)
    assert await relay_batch(db, ["catalog"], routes.publish) == 1
    assert await relay_batch(db, ["catalog"], routes.publish) == 0  # marked sent, not resent

    worker = Worker(broker, worker_threads=1)
    worker.start()
    redis = Redis.from_url(rec_settings.redis_url or "")
    try:
        _, handled = recorder.keys(rec_settings)
        await wait_for(lambda: redis.llen(handled))
        [raw] = await redis.lrange(handled, 0, -1)
    finally:
        await asyncio.to_thread(worker.stop)
        broker.close()
        await redis.aclose()
    got = orjson.loads(raw)
    assert got == {
        "id": str(row.event_id),
        "type": "catalog.ProductChanged.v1",
        "occurred_at": row.occurred_at.isoformat(),
        "payload": {"product_id": product_id, "handle": "relay-product-1", "change": "created"},
    }


async def test_rolled_back_change_publishes_nothing(rec_settings, db):
    async with db.uow("catalog") as uow:
        await catalog.upsert_product(uow, draft(2))
        await uow.rollback()
    async with db.uow("catalog") as uow:
        await catalog.upsert_product(uow, draft(3))
        # leaving the block without commit() rolls back too
    assert await outbox_rows(db) == []
    published: list[dict] = []
    assert await relay_batch(db, ["catalog"], lambda e: published.append(e) or 1) == 0
    assert published == []


async def test_a_broker_failure_mid_batch_leaves_the_rows_unsent(clean_catalog):
    db = clean_catalog
    async with db.uow("catalog") as uow:
        for n in range(5):
            await catalog.upsert_product(uow, draft(100 + n))
        await uow.commit()
    sent: list[str] = []

    def flaky(envelope: dict) -> int:
        if len(sent) == 3:
            raise ConnectionError("broker went away")
        sent.append(envelope["id"])
        return 1

    with pytest.raises(ConnectionError):
        await relay_batch(db, ["catalog"], flaky)
    assert all(r.sent_at is None for r in await outbox_rows(db))
    sent.clear()
    assert await relay_batch(db, ["catalog"], lambda e: sent.append(e["id"]) or 1) == 5
    assert len(sent) == 5


async def test_killing_the_relay_mid_batch_loses_nothing(rec_settings, db, services):
    total = 3000
    async with db.uow("catalog") as uow:
        for n in range(total):
            uow.emit(catalog.ProductChanged(product_id=n, handle=f"p-{n}", change="updated"))
        await uow.commit()

    env = {**os.environ, **services.env(), "EXTRA_WORKER_MODULES": RECORDER, "LOG_LEVEL": "WARNING"}
    relay = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "relay"], env=env, start_new_session=True
    )
    try:

        async def some_sent() -> bool:
            async with db.uow("catalog") as uow:
                n = (
                    await uow.session.execute(
                        sa.text("SELECT count(*) FROM catalog.outbox WHERE sent_at IS NOT NULL")
                    )
                ).scalar_one()
            return n > 0

        # the relay sends in batches of 200; kill it while it is working through them
        await wait_for(some_sent, timeout=60)
        os.killpg(relay.pid, signal.SIGKILL)
    finally:
        relay.wait(timeout=10)
    unsent = [r for r in await outbox_rows(db) if r.sent_at is None]
    assert unsent, "the relay finished before it was killed; the test proves nothing"

    broker = build_broker(rec_settings.broker_url or "")
    routes = workers.register(broker, rec_settings)
    while await relay_batch(db, ["catalog"], routes.publish):
        pass
    worker = Worker(broker, worker_threads=4)
    worker.start()
    redis = Redis.from_url(rec_settings.redis_url or "")
    deliveries, handled = recorder.keys(rec_settings)
    try:

        async def all_handled() -> bool:
            return await redis.llen(handled) >= total

        await wait_for(all_handled, timeout=120)
        await asyncio.sleep(0.5)  # let any in-flight duplicate land before counting
    finally:
        await asyncio.to_thread(worker.stop)
        broker.close()
    ids = {orjson.loads(x)["id"] for x in await redis.lrange(handled, 0, -1)}
    n_handled = await redis.llen(handled)
    n_delivered = await redis.llen(deliveries)
    await redis.aclose()
    expected = {str(r.event_id) for r in await outbox_rows(db)}
    assert ids == expected  # nothing lost
    assert n_handled == total  # each handled once
    assert n_delivered >= total  # redeliveries (if any) were deduplicated


async def test_a_reader_sees_committed_data_but_cannot_write(clean_catalog):
    db = clean_catalog
    async with db.uow("catalog") as uow:
        await catalog.upsert_product(uow, draft(200))
        await uow.commit()
    async with db.reader("catalog") as reader:
        found = await catalog.products_by_handles(reader, ["relay-product-200"])
        assert list(found) == ["relay-product-200"]
        reader.emit(catalog.ProductChanged(product_id=1, handle="x", change="updated"))
        with pytest.raises(RuntimeError, match="cannot commit"):
            await reader.commit()
    assert len(await outbox_rows(db)) == 1


async def test_concurrent_relays_send_each_event_exactly_once(clean_catalog):
    """Relay replicas claim rows with SKIP LOCKED: without crashes, no event goes out twice."""
    db = clean_catalog
    total = 2000
    async with db.uow("catalog") as uow:
        for n in range(total):
            uow.emit(catalog.ProductChanged(product_id=n, handle=f"c-{n}", change="updated"))
        await uow.commit()
    sent: list[str] = []  # list.append is atomic: publishes run in worker threads

    def publish(envelope: dict) -> int:
        time.sleep(0.0002)  # a broker round trip, so the relays really overlap
        sent.append(envelope["id"])
        return 1

    async def relay() -> int:
        n = 0
        while batch := await relay_batch(db, ["catalog"], publish, batch_size=50):
            n += batch
        return n

    per_relay = await asyncio.gather(*(relay() for _ in range(4)))
    assert sorted(sent) == sorted({str(r.event_id) for r in await outbox_rows(db)})
    assert len(sent) == total == sum(per_relay)
    assert sum(1 for n in per_relay if n) > 1, "only one relay did any work; nothing overlapped"


async def test_pruning_drops_only_old_sent_rows_and_old_inbox_records(clean_catalog):
    db = clean_catalog
    async with db.uow("catalog") as uow:
        for n in range(4):
            uow.emit(catalog.ProductChanged(product_id=n, handle=f"p-{n}", change="updated"))
        await uow.commit()
    rows = await outbox_rows(db)
    old_sent, new_sent, old_unsent = rows[0].event_id, rows[1].event_id, rows[2].event_id
    async with db.uow("catalog") as uow:
        s = uow.session
        await s.execute(
            sa.text(
                "UPDATE catalog.outbox SET sent_at = now() - interval '8 days' WHERE event_id = :e"
            ),
            {"e": old_sent},
        )
        await s.execute(
            sa.text("UPDATE catalog.outbox SET sent_at = now() WHERE event_id = :e"),
            {"e": new_sent},
        )
        await s.execute(
            sa.text(
                "UPDATE catalog.outbox SET occurred_at = now() - interval '30 days' WHERE event_id = :e"
            ),
            {"e": old_unsent},
        )
        await uow.claim("tests.old", str(old_sent))
        await uow.claim("tests.new", str(new_sent))
        await s.execute(
            sa.text(
                "UPDATE catalog.inbox SET handled_at = now() - interval '8 days' WHERE consumer = 'tests.old'"
            )
        )
        await uow.commit()
    assert await prune(db, ["catalog"], timedelta(days=7)) == 2
    left = {r.event_id for r in await outbox_rows(db)}
    assert old_sent not in left and {new_sent, old_unsent} <= left  # unsent rows are never pruned
    async with db.uow("catalog") as uow:
        consumers = (
            (await uow.session.execute(sa.text("SELECT consumer FROM catalog.inbox")))
            .scalars()
            .all()
        )
    assert consumers == ["tests.new"]


async def test_replicas_starting_together_seed_the_demo_catalog_once(clean_catalog):
    db = clean_catalog
    await asyncio.gather(seed_if_empty(db), seed_if_empty(db), seed_if_empty(db))
    async with db.uow("catalog") as uow:
        assert await catalog.product_count(uow) == 240
    # seeded once: one `created` event per product, no second pass of `updated` ones
    assert [r.payload["change"] for r in await outbox_rows(db)] == ["created"] * 240


async def test_an_outage_backs_off_logs_once_per_change_and_shows_in_readyz(
    rec_settings, db, api, caplog, monkeypatch
):
    """A broker that is down (RabbitMQ's URL on a closed port): the relay retries with a
    growing, capped delay, logs one line when the outage starts and one when it ends (no
    traceback per retry), and /readyz and /metrics show it meanwhile."""
    async with db.uow("catalog") as uow:
        await catalog.upsert_product(uow, draft(300))
        await uow.commit()
    down = workers.register(build_broker("amqp://emporium:emporium@127.0.0.1:1/"), rec_settings)
    live_broker = build_broker(rec_settings.broker_url or "")
    live = workers.register(live_broker, rec_settings)
    target = {"routes": down}
    attempts: list[float] = []

    def publish(envelope: dict) -> int:
        attempts.append(time.monotonic())
        return target["routes"].publish(envelope)

    status = RelayStatus()
    runtime = api.http._transport.app.state.runtime  # type: ignore[attr-defined]
    monkeypatch.setitem(runtime.extra, "relay", status)  # as if this process ran the relay
    stop = asyncio.Event()
    interval, cap, window = 0.05, 0.8, 4.0
    caplog.set_level(logging.DEBUG, logger="emporium.relay")
    task = asyncio.create_task(
        run_relay(
            db, ["catalog"], publish, interval=interval, stop=stop, max_backoff=cap, status=status
        )
    )
    try:
        await asyncio.sleep(window)
        in_window = len(attempts)
        # (an attempt may be under way: counted here, not yet in the status)
        assert not status.up and in_window - 1 <= status.consecutive_failures <= in_window

        ready = await api.http.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"]["relay"].startswith("error: ")
        assert "failed attempts" in ready.json()["checks"]["relay"]
        metrics = (await api.http.get("/metrics")).text
        assert "emporium_relay_up 0.0" in metrics

        # retrying every `interval` would have made window / interval = 80 attempts
        assert 3 <= in_window <= window / interval / 4, in_window
        gaps = [b - a for a, b in itertools.pairwise(attempts)]
        assert gaps[-1] > 4 * gaps[0], gaps  # the delay grew

        target["routes"] = live  # the broker is back
        deadline = time.monotonic() + 30
        while not status.up and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert status.up and status.consecutive_failures == 0
    finally:
        stop.set()
        await task
        live_broker.close()
    assert all(r.sent_at is not None for r in await outbox_rows(db))

    lines = [r for r in caplog.records if r.name == "emporium.relay" and r.levelno >= logging.INFO]
    assert [r.levelname for r in lines] == ["WARNING", "INFO"], [r.getMessage() for r in lines]
    assert "cannot deliver events" in lines[0].getMessage()
    assert "Connection" in lines[0].getMessage()  # the reason, in one line
    assert "delivering events again" in lines[1].getMessage()
    assert not any(r.exc_info for r in lines)  # no traceback above debug level
    assert (await api.http.get("/readyz")).json()["checks"]["relay"] == "ok"
    assert "emporium_relay_up 1.0" in (await api.http.get("/metrics")).text
