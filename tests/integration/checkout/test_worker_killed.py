"""A worker process killed with SIGKILL at each step of the saga in turn: another worker
process (the message redelivered by RabbitMQ, or the sweeper) finishes the saga, and
stock, payment and order agree: one capture, one order, the stock taken once."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from redis.asyncio import Redis

from app.domains import checkout, payments
from app.platform.settings import Settings
from tests.fixtures.api import ApiClient
from tests.integration.checkout.conftest import (
    available,
    complete,
    make_cart,
    on_hand,
    payment,
    saga_id,
    settle,
    stocked,
)

if TYPE_CHECKING:
    from tests.fixtures.services import TestServices

ROOT = Path(__file__).resolve().parents[3]


def worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli", "worker", "--threads", "2"],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize("step", checkout.STEPS)
async def test_a_worker_killed_at_a_step_leaves_a_consistent_checkout(
    step: str, api: ApiClient, services: TestServices, settings: Settings, tmp_path: Path
):
    assert api.db is not None
    db = api.db
    flag = uuid.uuid4().hex
    env = {
        **services.env(),
        "EXTRA_WORKER_MODULES": "tests.integration.checkout.killer",
        "CHECKOUT_KILL_AT": step,
        "CHECKOUT_KILL_FLAG": flag,
        "CHECKOUT_STEP_TIMEOUT": "2",
        "CHECKOUT_SWEEP_INTERVAL": "0.5",
        "LOG_LEVEL": "WARNING",
    }
    p = await stocked(db, "11.00", stock=3)
    v = p.ids[0]
    first = worker(env, tmp_path / "first.log")
    second: subprocess.Popen[bytes] | None = None
    try:
        started = await complete(api, await make_cart(api, [(v, 1)]))
        assert started["checkout"], started["userErrors"]
        # the first worker dies at the step
        deadline = time.monotonic() + 90
        while first.poll() is None:
            assert time.monotonic() < deadline, (tmp_path / "first.log").read_text()
            await asyncio.sleep(0.2)
        assert first.returncode == -9
        redis = Redis.from_url(services.redis_url)
        assert await redis.get(f"{settings.queue_prefix}checkout-kill:{flag}")
        await redis.aclose()
        second = await asyncio.to_thread(worker, env, tmp_path / "second.log")
        done = await settle(api, started, seconds=120)
    finally:
        stop(first)
        if second is not None:
            stop(second)
    assert done["status"] == "COMPLETED", (tmp_path / "second.log").read_text()[-3000:]
    assert done["order"] is not None and done["order"]["status"] == "PAID"
    paid = await payment(db, saga_id(done["id"]))
    assert paid is not None and paid.status is payments.PaymentStatus.CAPTURED
    assert paid.amount_captured == 1100
    assert await on_hand(db, v) == 2 and await available(db, v) == 2
