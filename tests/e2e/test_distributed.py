"""Distributed mode: `serve` (2 workers), `worker` and `relay` as separate processes on the
real Postgres, Redis and RabbitMQ."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from decimal import Decimal

import orjson
import pytest
import websockets
from redis.asyncio import Redis

from app.domains import catalog
from tests.e2e.conftest import ROOT, serve
from tests.fixtures import recorder
from tests.fixtures.catalog_data import N_PRODUCTS, load_small_catalog

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
async def loaded(db):
    await load_small_catalog(db)


async def test_serve_with_two_workers_answers_http_and_websocket(services, loaded, tmp_path):
    env = {**services.env(), "LOG_LEVEL": "WARNING"}
    with serve(["--workers", "2"], env, tmp_path / "serve.log") as server:
        body = await asyncio.to_thread(
            server.query,
            "{ products(first: 24) { totalCount nodes { handle variants { nodes { sku } } } } }",
        )
        assert body["data"]["products"]["totalCount"] == N_PRODUCTS
        assert len(body["data"]["products"]["nodes"]) == 24

        ws_url = f"ws://127.0.0.1:{server.port}/graphql"
        async with websockets.connect(ws_url, subprotocols=["graphql-transport-ws"]) as ws:
            await ws.send(json.dumps({"type": "connection_init"}))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            await ws.send(
                json.dumps(
                    {
                        "id": "1",
                        "type": "subscribe",
                        "payload": {"query": '{ product(handle: "test-product-001") { title } }'},
                    }
                )
            )
            msg = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert msg["type"] == "next"
            assert msg["payload"]["data"]["product"]["title"] == "Sturdy item 001"
            assert json.loads(await ws.recv())["type"] == "complete"
    assert server.proc.returncode == 0, server.output()


def start(cmd: str, env: dict[str, str], log) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli", cmd],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


async def test_worker_and_relay_processes_deliver_a_committed_change(
    services, settings, db, loaded, tmp_path
):
    env = {**services.env(), "EXTRA_WORKER_MODULES": "tests.fixtures.recorder", "LOG_LEVEL": "INFO"}
    redis = Redis.from_url(services.redis_url)
    _, handled = recorder.keys(settings)
    await redis.delete(handled)
    procs = [
        start("worker", env, tmp_path / "worker.log"),
        start("relay", env, tmp_path / "relay.log"),
    ]
    try:
        async with db.uow("catalog") as uow:
            pid, _ = await catalog.upsert_product(
                uow,
                catalog.ProductDraft(
                    handle="distributed-1",
                    title="Distributed",
                    variants=(catalog.VariantDraft(sku="DIST-1", price=Decimal("3.00")),),
                ),
            )
            await uow.commit()
        deadline = time.monotonic() + 60
        found = None
        while time.monotonic() < deadline and found is None:
            for raw in await redis.lrange(handled, 0, -1):
                env_ = orjson.loads(raw)
                if env_["payload"]["product_id"] == pid:
                    found = env_
            await asyncio.sleep(0.2)
        logs = "".join(p.read_text(errors="replace") for p in tmp_path.glob("*.log"))
        assert found is not None, logs
        assert found["payload"] == {
            "product_id": pid,
            "handle": "distributed-1",
            "change": "created",
        }
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        codes = [p.wait(timeout=30) for p in procs]
        await redis.aclose()
    assert codes == [0, 0], codes
