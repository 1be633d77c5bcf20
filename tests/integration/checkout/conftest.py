"""Checkout fixtures: the app in process (distributed mode on this run's services) with a
Dramatiq worker on its RabbitMQ broker running the saga's actors, and helpers to make a
cart and check out over GraphQL."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from dramatiq import Worker

from app.domains import checkout, inventory, payments
from app.main import create_app
from app.platform.db import Database
from app.platform.ids import to_global_id
from app.platform.settings import Settings
from app.workers.checkout import run_sweep_trigger
from tests.fixtures.api import ApiClient
from tests.integration.cart.conftest import Products


@dataclass
class Shop:
    api: ApiClient
    db: Database
    runtime: Any


@pytest.fixture(scope="module")
async def shop(settings: Settings, db: Database) -> AsyncIterator[Shop]:
    s = settings.model_copy(
        update={"checkout_wait": 2.0, "checkout_step_timeout": 1.0, "checkout_sweep_interval": 0.5}
    )
    app = create_app(s)
    async with app.router.lifespan_context(app):
        runtime = app.state.runtime
        worker = Worker(runtime.broker, worker_threads=4)
        worker.start()
        # what `emporium worker` runs beside the actors: the sweeper's trigger
        stop = asyncio.Event()
        sweeps = asyncio.create_task(run_sweep_trigger(runtime.broker, runtime.redis, s, stop))
        try:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://test", timeout=120
            ) as http:
                yield Shop(ApiClient(http, runtime.db), db, runtime)
        finally:
            stop.set()
            await sweeps
            await asyncio.to_thread(worker.stop)


CART_CREATE = """mutation($input: CartInput!) {
  cartCreate(input: $input) { cart { id } userErrors { code message } } }"""

COMPLETE = """mutation($input: CheckoutCompleteInput!) {
  checkoutComplete(input: $input) {
    checkout { id status reason order { id number status total { amount } } }
    userErrors { field code message } } }"""

POLL = """query($id: ID!) {
  checkout(id: $id) { id status reason order { id number status } } }"""


async def make_cart(
    api: ApiClient, lines: list[tuple[int, int]], codes: list[str] | None = None
) -> str:
    r = await api.query(
        CART_CREATE,
        {
            "input": {
                "lines": [
                    {"merchandiseId": to_global_id("ProductVariant", v), "quantity": q}
                    for v, q in lines
                ],
                "buyerIdentity": {"email": "buyer@example.com"},
                "discountCodes": codes or [],
            }
        },
    )
    made = r.data["cartCreate"]
    assert made["cart"], made["userErrors"]
    return str(made["cart"]["id"])


async def complete(
    api: ApiClient, cart_id: str, token: str = "tok_visa", key: str | None = None
) -> dict[str, Any]:
    r = await api.query(
        COMPLETE,
        {
            "input": {
                "cartId": cart_id,
                "payment": {"gateway": "test", "token": token},
                "idempotencyKey": key or uuid.uuid4().hex,
            }
        },
    )
    return r.data["checkoutComplete"]  # type: ignore[no-any-return]


async def settle(api: ApiClient, payload: dict[str, Any], seconds: float = 60) -> dict[str, Any]:
    """The checkout once terminal (polling `checkout(id:)` while it is PROCESSING)."""
    assert payload["checkout"], payload["userErrors"]
    found: dict[str, Any] = payload["checkout"]
    deadline = time.monotonic() + seconds
    while found["status"] == "PROCESSING":
        assert time.monotonic() < deadline, f"still PROCESSING: {found}"
        await asyncio.sleep(0.2)
        found = (await api.query(POLL, {"id": found["id"]})).data["checkout"]
    return found


def saga_id(checkout_gid: str) -> str:
    return checkout_gid.rsplit("/", 1)[1]


async def available(db: Database, variant_id: int) -> int:
    async with db.reader(inventory.CONTEXT) as uow:
        return (await inventory.available_quantities(uow, [variant_id]))[variant_id]


async def on_hand(db: Database, variant_id: int) -> int:
    async with db.reader(inventory.CONTEXT) as uow:
        levels = await inventory.stock_levels(uow, variant_ids=[variant_id])
    return sum(lv.on_hand for lv in levels)


async def payment(db: Database, reference: str) -> payments.Payment | None:
    async with db.reader(payments.CONTEXT) as uow:
        return await payments.payment_by_reference(uow, reference)


async def saga(db: Database, reference: str) -> checkout.Saga:
    found = await checkout.get(db.reader(checkout.CONTEXT), reference)
    assert found is not None
    return found


async def stocked(db: Database, price: str = "10.00", stock: int = 5) -> Products:
    return await Products.make(db, [price], stock=stock)
