"""The checkout saga end to end over GraphQL, with the saga's actors running on a worker
on the real RabbitMQ broker, against the real Postgres and Redis, paying through the
built-in test gateway."""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal

import sqlalchemy as sa

from app.domains import checkout, inventory, orders, payments, pricing
from app.platform.ids import to_global_id
from tests.integration.checkout.conftest import (
    CART_CREATE,
    COMPLETE,
    POLL,
    Shop,
    available,
    complete,
    make_cart,
    on_hand,
    payment,
    saga,
    saga_id,
    settle,
    stocked,
)
from tests.integration.customers.helpers import as_bearer, sign_up


async def test_a_paid_checkout_places_the_order_takes_the_stock_and_clears_the_cart(shop: Shop):
    p = await stocked(shop.db, "12.50", stock=5)
    v = p.ids[0]
    cart_id = await make_cart(shop.api, [(v, 2)])
    done = await settle(shop.api, await complete(shop.api, cart_id))
    assert done["status"] == "COMPLETED" and done["reason"] is None
    assert done["order"]["status"] == "PAID"
    ref = saga_id(done["id"])
    # the stock left the shelf: on hand down by 2, nothing held for the saga any more
    assert await on_hand(shop.db, v) == 3
    assert await available(shop.db, v) == 3
    paid = await payment(shop.db, ref)
    assert paid is not None and paid.status is payments.PaymentStatus.CAPTURED
    assert paid.amount_captured == 2500
    order = await orders.get_order_by_number(
        shop.db.reader(orders.CONTEXT), done["order"]["number"]
    )
    assert order is not None and order.reference == ref and order.total == Decimal("25.00")
    assert order.email == "buyer@example.com"
    cart = await shop.api.query("query($id: ID!) { cart(id: $id) { id } }", {"id": cart_id})
    assert cart.data["cart"] is None
    history = [h["step"] for h in (await saga(shop.db, ref)).history]
    assert history == ["start", *checkout.STEPS]


async def test_a_declined_card_gives_back_stock_and_discount_and_places_no_order(shop: Shop):
    p = await stocked(shop.db, "40.00", stock=4)
    v = p.ids[0]
    code = f"SAGA{uuid.uuid4().hex[:8].upper()}"
    made = await pricing.create_discount_code(
        shop.db.uow(pricing.CONTEXT),
        {"code": code, "kind": "PERCENTAGE", "value": Decimal(10), "usage_limit": 5},
    )
    cart_id = await make_cart(shop.api, [(v, 3)], [code])
    done = await settle(shop.api, await complete(shop.api, cart_id, token="tok_chargeDeclined"))
    assert (done["status"], done["reason"], done["order"]) == ("FAILED", "PAYMENT_DECLINED", None)
    ref = saga_id(done["id"])
    assert await available(shop.db, v) == 4 and await on_hand(shop.db, v) == 4
    paid = await payment(shop.db, ref)
    assert paid is not None and paid.status is payments.PaymentStatus.FAILED
    assert paid.amount_captured == 0
    async with shop.db.reader(orders.CONTEXT) as uow:
        placed = await uow.session.scalar(
            sa.text("SELECT count(*) FROM orders.order_index WHERE reference = :r"), {"r": ref}
        )
    assert placed == 0
    codes, _ = await pricing.list_discount_codes(shop.db.reader(pricing.CONTEXT), 1, made.id - 1)
    assert codes[0].code == code and codes[0].used_count == 0
    steps = [(h["step"], h["outcome"]) for h in (await saga(shop.db, ref)).history]
    # it went as far as the charge (the discount was redeemed), then compensated
    assert steps[-2:] == [("pay", "payment_declined"), ("compensate", "compensated")]
    assert ("redeem", "redeemed") in steps
    # the cart is still there to try another card
    cart = await shop.api.query("query($id: ID!) { cart(id: $id) { id } }", {"id": cart_id})
    assert cart.data["cart"] == {"id": cart_id}


async def test_one_key_sent_twenty_times_at_once_is_one_checkout_one_charge_one_order(shop: Shop):
    p = await stocked(shop.db, "9.99", stock=10)
    v = p.ids[0]
    cart_id = await make_cart(shop.api, [(v, 1)])
    key = uuid.uuid4().hex
    answers = await asyncio.gather(*(complete(shop.api, cart_id, key=key) for _ in range(20)))
    assert all(a["userErrors"] == [] for a in answers), answers
    ids = {a["checkout"]["id"] for a in answers}
    assert len(ids) == 1
    done = await settle(shop.api, answers[0])
    assert done["status"] == "COMPLETED"
    # again after it completed (its cart is gone): the same checkout, nothing new
    again = await complete(shop.api, cart_id, key=key)
    assert again["checkout"]["id"] == done["id"] and again["checkout"]["status"] == "COMPLETED"
    ref = saga_id(done["id"])
    async with shop.db.reader(checkout.CONTEXT) as uow:
        n = await uow.session.scalar(
            sa.text("SELECT count(*) FROM checkout.sagas WHERE idempotency_key = :k"), {"k": key}
        )
    assert n == 1
    async with shop.db.reader(payments.CONTEXT) as uow:
        charges = await uow.session.scalar(
            sa.text(
                "SELECT count(*) FROM payments.payment_events e JOIN payments.payments p "
                "ON p.id = e.payment_id WHERE p.reference = :r AND e.kind = 'authorize'"
            ),
            {"r": ref},
        )
    assert charges == 1
    async with shop.db.reader(orders.CONTEXT) as uow:
        placed = await uow.session.scalar(
            sa.text("SELECT count(*) FROM orders.order_index WHERE reference = :r"), {"r": ref}
        )
    assert placed == 1
    assert await on_hand(shop.db, v) == 9


async def test_the_same_key_for_another_cart_is_refused(shop: Shop):
    p = await stocked(shop.db, "5.00", stock=10)
    key = uuid.uuid4().hex
    first = await complete(shop.api, await make_cart(shop.api, [(p.ids[0], 1)]), key=key)
    assert first["checkout"]
    other = await complete(shop.api, await make_cart(shop.api, [(p.ids[0], 2)]), key=key)
    assert other["checkout"] is None
    assert [e["code"] for e in other["userErrors"]] == ["IDEMPOTENCY_KEY_REUSED"]
    await settle(shop.api, first)


async def test_stock_gone_since_the_cart_was_filled_fails_out_of_stock(shop: Shop):
    p = await stocked(shop.db, "3.00", stock=2)
    v = p.ids[0]
    cart_id = await make_cart(shop.api, [(v, 2)])
    async with shop.db.uow(inventory.CONTEXT) as uow:
        await inventory.set_on_hand(uow, v, 1, "damaged", actor="tests")
    done = await settle(shop.api, await complete(shop.api, cart_id))
    assert (done["status"], done["reason"], done["order"]) == ("FAILED", "OUT_OF_STOCK", None)
    ref = saga_id(done["id"])
    assert await payment(shop.db, ref) is None  # never charged
    assert await available(shop.db, v) == 1


async def test_a_customers_checkout_is_hidden_from_others(shop: Shop):
    p = await stocked(shop.db, "1.00", stock=3)
    done = await settle(
        shop.api, await complete(shop.api, await make_cart(shop.api, [(p.ids[0], 1)]))
    )
    # a guest's checkout: its id is the key
    r = await shop.api.query(POLL, {"id": done["id"]})
    assert r.data["checkout"]["status"] == "COMPLETED"
    # unknown or malformed ids: null
    for gid in (f"gid://emporium/Checkout/{uuid.uuid4().hex}", "nope"):
        assert (await shop.api.query(POLL, {"id": gid})).data["checkout"] is None


async def test_flash_sale_sells_exactly_the_stock(shop: Shop):
    units, buyers = 20, 80
    p = await stocked(shop.db, "19.00", stock=units)
    v = p.ids[0]
    carts = [await make_cart(shop.api, [(v, 1)]) for _ in range(buyers)]
    started = await asyncio.gather(*(complete(shop.api, c) for c in carts))
    ended = [await settle(shop.api, s, seconds=180) for s in started]
    outcomes = [(e["status"], e["reason"]) for e in ended]
    assert outcomes.count(("COMPLETED", None)) == units
    assert outcomes.count(("FAILED", "OUT_OF_STOCK")) == buyers - units
    assert await on_hand(shop.db, v) == 0 and await available(shop.db, v) == 0
    captured = 0
    for e in ended:
        paid = await payment(shop.db, saga_id(e["id"]))
        captured += bool(paid and paid.status is payments.PaymentStatus.CAPTURED)
    assert captured == units


async def test_the_sweeper_resumes_a_saga_whose_message_was_lost(shop: Shop):
    """A saga committed but never sent (the process died between the two), as a worker
    killed mid-step leaves it: the sweeper sends its step again and it completes."""
    p = await stocked(shop.db, "7.00", stock=2)
    v = p.ids[0]
    cart_id = await make_cart(shop.api, [(v, 1)])
    draft = checkout.SagaDraft(
        idempotency_key=uuid.uuid4().hex,
        cart_id=cart_id.rsplit("/", 1)[1],
        customer_id=None,
        email="lost@example.com",
        currency="USD",
        amount=700,
        gateway="test",
        token="tok_visa",
    )
    lost, created = await checkout.start(shop.db.uow(checkout.CONTEXT), draft)
    assert created
    done = await settle(
        shop.api, {"checkout": {"id": f"gid://emporium/Checkout/{lost.id}", "status": "PROCESSING"}}
    )
    assert done["status"] == "COMPLETED"
    assert await on_hand(shop.db, v) == 1


async def test_a_customers_checkout_answers_to_that_customer_only(
    shop: Shop, fresh_throttles: None
):
    a, b = await sign_up(shop.api), await sign_up(shop.api)
    p = await stocked(shop.db, "2.00", stock=5)
    lines = [{"merchandiseId": to_global_id("ProductVariant", p.ids[0]), "quantity": 1}]
    made = await as_bearer(shop.api, a.access_token, CART_CREATE, {"input": {"lines": lines}})
    cart_id = made.data["cartCreate"]["cart"]["id"]

    def request(key: str) -> dict[str, object]:
        return {
            "input": {
                "cartId": cart_id,
                "payment": {"gateway": "test", "token": "tok_visa"},
                "idempotencyKey": key,
                "email": a.email,
            }
        }

    # B, or a guest, holding A's cart id cannot check it out
    for token in (b.access_token, None):
        r = await as_bearer(shop.api, token, COMPLETE, request(uuid.uuid4().hex))
        assert r.data["checkoutComplete"]["checkout"] is None
        assert [e["code"] for e in r.data["checkoutComplete"]["userErrors"]] == ["NOT_FOUND"]
    r = await as_bearer(shop.api, a.access_token, COMPLETE, request(uuid.uuid4().hex))
    started = r.data["checkoutComplete"]
    assert started["checkout"], started["userErrors"]
    gid = started["checkout"]["id"]
    # A polls it; B and guests holding its id see nothing
    deadline = asyncio.get_running_loop().time() + 60
    while True:
        mine = (await as_bearer(shop.api, a.access_token, POLL, {"id": gid})).data["checkout"]
        if mine["status"] != "PROCESSING":
            break
        assert asyncio.get_running_loop().time() < deadline
        await asyncio.sleep(0.2)
    assert mine["status"] == "COMPLETED"
    for token in (b.access_token, None):
        assert (await as_bearer(shop.api, token, POLL, {"id": gid})).data["checkout"] is None
    order = await orders.get_order_by_number(
        shop.db.reader(orders.CONTEXT), mine["order"]["number"]
    )
    assert order is not None and to_global_id("Customer", order.customer_id or 0) == a.id


async def test_a_processor_timeout_is_asked_again_and_charges_once(shop: Shop):
    p = await stocked(shop.db, "8.00", stock=3)
    done = await settle(
        shop.api,
        await complete(shop.api, await make_cart(shop.api, [(p.ids[0], 1)]), "tok_timeout"),
    )
    assert done["status"] == "COMPLETED"
    paid = await payment(shop.db, saga_id(done["id"]))
    assert paid is not None and paid.status is payments.PaymentStatus.CAPTURED
    assert paid.amount_captured == 800


async def _started(shop: Shop, variant: int, amount: int) -> checkout.Saga:
    """A saga started directly (as the mutation would), with the amount the buyer saw."""
    cart_id = await make_cart(shop.api, [(variant, 1)])
    draft = checkout.SagaDraft(
        idempotency_key=uuid.uuid4().hex,
        cart_id=cart_id.rsplit("/", 1)[1],
        customer_id=None,
        email="direct@example.com",
        currency="USD",
        amount=amount,
        gateway="test",
        token="tok_visa",
    )
    started, created = await checkout.start(shop.db.uow(checkout.CONTEXT), draft)
    assert created
    return started


def _pending(s: checkout.Saga) -> dict[str, object]:
    return {"checkout": {"id": f"gid://emporium/Checkout/{s.id}", "status": "PROCESSING"}}


async def test_a_price_that_changed_since_the_buyer_saw_it_fails_the_checkout(shop: Shop):
    p = await stocked(shop.db, "6.00", stock=3)
    # the buyer agreed to pay 5.00; the catalog says 6.00 now
    started = await _started(shop, p.ids[0], 500)
    done = await settle(shop.api, _pending(started))  # the sweeper sends its first step
    assert (done["status"], done["reason"]) == ("FAILED", "PRICE_CHANGED")
    assert await payment(shop.db, started.id) is None
    assert await available(shop.db, p.ids[0]) == 3


async def test_a_saga_older_than_the_timeout_expires_and_compensates(shop: Shop):
    p = await stocked(shop.db, "4.00", stock=3)
    started = await _started(shop, p.ids[0], 400)
    async with shop.db.uow(checkout.CONTEXT) as uow:
        await uow.session.execute(
            sa.text(
                "UPDATE checkout.sagas SET step = 'pay', created_at = now() - interval '1 day', "
                "updated_at = now() - interval '1 hour' WHERE id = :id"
            ),
            {"id": started.id},
        )
        await uow.commit()
    done = await settle(shop.api, _pending(started))
    assert (done["status"], done["reason"]) == ("FAILED", "EXPIRED")
    # compensated: the reference can never be charged now (a late charge is refunded)
    async with shop.db.reader(payments.CONTEXT) as uow:
        assert await payments.is_compensated(uow, started.id)
    assert await available(shop.db, p.ids[0]) == 3
