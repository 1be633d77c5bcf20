"""`Subscription.checkoutStatus` on the real services: a saga started but not yet sent
(PROCESSING, so the subscriber surely sees it before it moves), then run by the worker; its
status change goes saga row + outbox event in one transaction → relay → RabbitMQ → the live
worker → Redis pub/sub → this process's LiveHub → the subscriber, whose stream ends after
the terminal state. Subscribers are the schema's own (the viewer its connection_init would
give), as in test_authorization_matrix.py; the socket itself is tests/e2e/test_subscriptions.py.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import sqlalchemy as sa

from app.domains import cart, checkout
from app.http import resolve_viewer
from app.platform.ids import from_global_id
from app.platform.relay import run_relay
from app.resolvers.checkout import encode_id
from app.resolvers.context import Context
from app.resolvers.errors import format_result
from app.schema import build_schema
from app.workers.checkout import send
from tests.integration.checkout.conftest import Shop, make_cart, stocked
from tests.integration.customers.helpers import sign_up

pytestmark = pytest.mark.integration

SCHEMA = build_schema()
SUBSCRIBE = """subscription($id: ID!) {
  checkoutStatus(id: $id) { id status reason order { status } } }"""
WAIT = 30  # seconds for a saga to run on a busy machine: a hang fails, it is no speed goal


@pytest.fixture(scope="module")
async def relayed(shop: Shop) -> AsyncIterator[Shop]:
    """The checkout context's outbox relayed to the broker, as `emporium relay` would."""
    stop = asyncio.Event()
    task = asyncio.create_task(
        run_relay(
            shop.runtime.db,
            [checkout.CONTEXT],
            shop.runtime.routes.publish,
            interval=0.05,
            stop=stop,
        )
    )
    try:
        yield shop
    finally:
        stop.set()
        await task


async def subscribe(shop: Shop, token: str | None, gid: str) -> Any:
    ctx = Context(runtime=shop.runtime, viewer=await resolve_viewer(shop.runtime, token))
    stream = await SCHEMA.subscribe(SUBSCRIBE, variable_values={"id": gid}, context_value=ctx)
    assert hasattr(stream, "__anext__"), stream
    return stream


async def answer(stream: Any) -> dict[str, Any]:
    return format_result(await asyncio.wait_for(anext(stream), WAIT), "")  # type: ignore[no-any-return]


async def ended(stream: Any) -> bool:
    try:
        await asyncio.wait_for(anext(stream), WAIT)
    except StopAsyncIteration:
        return True
    return False


async def pending_saga(
    shop: Shop, price: str, qty: int, customer_id: int | None, token: str = "tok_visa"
) -> checkout.Saga:
    """A saga recorded at its first step, its first message not sent yet."""
    p = await stocked(shop.db, price, stock=5)
    cart_gid = await make_cart(shop.api, [(p.ids[0], qty)])
    saga, created = await checkout.start(
        shop.db.uow(checkout.CONTEXT),
        checkout.SagaDraft(
            idempotency_key=uuid.uuid4().hex,
            cart_id=cart.decode_id(cart_gid, "cartId"),
            customer_id=customer_id,
            email="buyer@example.com",
            currency=shop.runtime.settings.currency_code,
            amount=int(float(price) * 100) * qty,
            gateway="test",
            token=token,
        ),
    )
    assert created and saga.status == checkout.PROCESSING
    return saga


async def status_events(shop: Shop, saga_id: str) -> list[dict[str, Any]]:
    async with shop.db.reader(checkout.CONTEXT) as uow:
        rows = await uow.session.execute(
            sa.text(
                "SELECT payload FROM checkout.outbox WHERE type = :t "
                "AND payload->>'checkout_id' = :id"
            ),
            {"t": "checkout.CheckoutStatusChanged.v1", "id": saga_id},
        )
        return [r.payload for r in rows]


async def test_the_owner_sees_processing_then_completed_and_the_stream_ends(relayed: Shop):
    shop = relayed
    a, b = await sign_up(shop.api), await sign_up(shop.api)
    saga = await pending_saga(shop, "12.50", 2, from_global_id(a.id, "Customer")[1])
    gid = encode_id(saga.id)

    # someone else, signed in or not, is told there is no such checkout
    for token in (b.access_token, None):
        other = await subscribe(shop, token, gid)
        try:
            refused = await answer(other)
        finally:
            await other.aclose()
        assert refused["data"] is None
        assert [e["extensions"]["code"] for e in refused["errors"]] == ["NOT_FOUND"]

    stream = await subscribe(shop, a.access_token, gid)
    try:
        first = (await answer(stream))["data"]["checkoutStatus"]
        assert first == {"id": gid, "status": "PROCESSING", "reason": None, "order": None}
        assert await status_events(shop, saga.id) == []
        await asyncio.to_thread(send, shop.runtime.broker, checkout.VALIDATE, saga.id)
        done = (await answer(stream))["data"]["checkoutStatus"]
        assert (done["status"], done["reason"], done["order"]) == (
            "COMPLETED",
            None,
            {"status": "PAID"},
        )
        assert await ended(stream)
    finally:
        await stream.aclose()
    # the one status change was announced once, from the saga's own transaction
    assert await status_events(shop, saga.id) == [
        {"checkout_id": saga.id, "status": "COMPLETED", "reason": None}
    ]


async def test_a_guests_checkout_answers_its_id_holder_through_failure(relayed: Shop):
    shop = relayed
    saga = await pending_saga(shop, "8.00", 1, None, token="tok_chargeDeclined")
    gid = encode_id(saga.id)
    stream = await subscribe(shop, None, gid)
    try:
        assert (await answer(stream))["data"]["checkoutStatus"]["status"] == "PROCESSING"
        await asyncio.to_thread(send, shop.runtime.broker, checkout.VALIDATE, saga.id)
        failed = (await answer(stream))["data"]["checkoutStatus"]
        assert (failed["status"], failed["reason"]) == ("FAILED", "PAYMENT_DECLINED")
        assert await ended(stream)
    finally:
        await stream.aclose()
    # a terminal checkout: its state once, then the end
    again = await subscribe(shop, None, gid)
    try:
        assert (await answer(again))["data"]["checkoutStatus"]["status"] == "FAILED"
        assert await ended(again)
    finally:
        await again.aclose()
