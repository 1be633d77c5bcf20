"""Cart rules without I/O: ids, the stored form, and the snapshot actor's wiring."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from dramatiq.brokers.stub import StubBroker

from app import workers
from app.domains import cart
from app.platform.settings import load_settings
from app.workers.cart import SNAPSHOT_DUE, run_snapshot_trigger


def test_cart_ids_are_128_random_bits_in_a_global_id():
    ids = {cart.new_cart_id() for _ in range(1000)}
    assert len(ids) == 1000 and all(len(i) == 32 for i in ids)
    token = next(iter(ids))
    assert cart.decode_id(cart.encode_id(token)) == token


@pytest.mark.parametrize(
    "gid",
    [
        "gid://emporium/Cart/" + "A" * 32,  # upper case is another spelling: refused
        "gid://emporium/Cart/" + "0" * 31,
        "gid://emporium/Cart/" + "0" * 33,
        "gid://emporium/Product/1",
        "0" * 32,
        "",
    ],
)
def test_anything_else_is_not_a_cart_id(gid):
    with pytest.raises(cart.InvalidCartId):
        cart.decode_id(gid)


def test_a_cart_survives_its_json_form():
    c = cart.Cart(
        id=cart.new_cart_id(),
        currency="JPY",
        customer_id=7,
        lines=(cart.Line(1, 42, 3, Decimal("1500")), cart.Line(2, 43, 1, Decimal("0.10"))),
        next_line_id=3,
        buyer=cart.BuyerIdentity("a@example.com", "JP"),
        discount_codes=("X",),
        shipping_address={"city": "Kyoto", "country_code": "JP"},
        delivery_option="post",
        created_at=1.5,
        updated_at=2.5,
        version=9,
    )
    assert cart.Cart.from_json(c.to_json()) == c


async def test_the_snapshot_actor_is_registered_and_triggered():
    broker = StubBroker()
    settings = load_settings(queue_prefix="unit.")
    routes = workers.register(broker, settings)
    [actor] = routes.actors_for(SNAPSHOT_DUE)
    assert actor.actor_name == "cart.snapshot" and actor.queue_name == "unit.cart"
    stop = asyncio.Event()
    task = asyncio.create_task(run_snapshot_trigger(routes, 0.05, stop))
    await asyncio.sleep(0.2)
    stop.set()
    await task
    assert broker.queues["unit.cart"].qsize() >= 2
