"""The cart store and service against the real Redis and Postgres: TTL, snapshot and
restore, concurrent writes, merge on sign-in, repricing, and a Redis that dies mid-test
(a redis-server of the test's own, never the shared one)."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import orjson
import pytest
import sqlalchemy as sa
from redis.asyncio import Redis

from app.domains import cart
from app.platform.db import Database
from app.platform.settings import Settings
from app.workers.cart import snapshot_pass
from tests.fixtures.redis_server import OwnRedis
from tests.integration.cart.conftest import Products, service

pytestmark = pytest.mark.integration


async def snapshot_row(db: Database, cart_id: str) -> dict | None:
    async with db.reader(cart.CONTEXT) as uow:
        row = (
            await uow.session.execute(
                sa.text("SELECT version, data, redis_stale FROM cart.snapshots WHERE cart_id=:c"),
                {"c": cart_id},
            )
        ).first()
    return dict(row._mapping) if row else None


def quantities(c: cart.PricedCart) -> dict[int, int]:
    return {pl.line.variant_id: pl.line.quantity for pl in c.lines}


async def test_a_cart_lives_in_redis_with_a_sliding_ttl(settings, db, shared_redis, products):
    svc = service(settings, db, shared_redis)
    svc.store.ttl = 1000
    made = await svc.create(None, [cart.LineInput(products.ids[0], 2)])
    key = svc.store.key(made.cart.id)
    assert key.endswith(f"{{cart:{made.cart.id}}}")  # hash tag: one cart, one cluster slot
    await shared_redis.expire(key, 10)
    assert await shared_redis.ttl(key) <= 10
    await svc.get(made.cart.id, None)  # a read slides the TTL back to the full length
    assert 990 <= await shared_redis.ttl(key) <= 1000
    await shared_redis.expire(key, 10)
    await svc.add_lines(made.cart.id, None, [cart.LineInput(products.ids[1], 1)])
    assert await shared_redis.ttl(key) > 990


async def test_prices_come_from_the_catalog_and_a_change_is_flagged(
    settings, db, shared_redis, products
):
    svc = service(settings, db, shared_redis)
    made = await svc.create(
        None, [cart.LineInput(products.ids[0], 2), cart.LineInput(products.ids[1], 3)]
    )
    assert made.subtotal == Decimal("27.50") and made.total == Decimal("27.50")
    await products.reprice(0, "12.00")
    read = await svc.get(made.cart.id, None)
    assert read is not None
    first = read.lines[0]
    assert first.amount_per_quantity == Decimal("12.00") and first.subtotal == Decimal("24.00")
    assert first.price_changed and first.previous_amount_per_quantity == Decimal("10.00")
    assert not read.lines[1].price_changed
    assert read.subtotal == Decimal("31.50")
    # changing the line means the shopper has seen the new price
    line_id = first.line.id
    after = await svc.update_lines(made.cart.id, None, [cart.LineUpdate(line_id, 1)])
    assert not after.lines[0].price_changed and after.subtotal == Decimal("19.50")
    # a variant gone from the catalog costs nothing and cannot be added again
    await products.archive()
    gone = await svc.get(made.cart.id, None)
    assert gone is not None and gone.subtotal == 0 and gone.lines[0].variant is None
    with pytest.raises(cart.UnknownMerchandise):
        await svc.add_lines(made.cart.id, None, [cart.LineInput(products.ids[2], 1)])


async def test_limits_are_user_errors(settings, db, shared_redis, products):
    svc = service(settings, db, shared_redis, max_quantity=5, max_lines=2)
    made = await svc.create(None, [cart.LineInput(products.ids[0], 5)])
    cid = made.cart.id
    with pytest.raises(cart.InvalidQuantity) as e:
        await svc.add_lines(cid, None, [cart.LineInput(products.ids[0], 1)])
    assert e.value.field == "lines[0].quantity"
    with pytest.raises(cart.InvalidQuantity):
        await svc.add_lines(cid, None, [cart.LineInput(products.ids[1], 0)])
    await svc.add_lines(cid, None, [cart.LineInput(products.ids[1], 1)])
    with pytest.raises(cart.TooManyLines):
        await svc.add_lines(cid, None, [cart.LineInput(products.ids[2], 1)])
    with pytest.raises(cart.UnknownMerchandise):
        await svc.add_lines(cid, None, [cart.LineInput(2**62, 1)])
    with pytest.raises(cart.LineNotFound):
        await svc.remove_lines(cid, None, [999])
    with pytest.raises(cart.CartNotFound):
        await svc.add_lines(cart.new_cart_id(), None, [cart.LineInput(products.ids[0], 1)])
    # a shop that changed currency: its old carts refuse writes, they do not misprice
    svc.currency = "EUR"
    with pytest.raises(cart.CurrencyMismatch):
        await svc.add_lines(cid, None, [cart.LineInput(products.ids[1], 1)])
    # stock from the inventory port, when there is one
    svc.currency = "USD"

    async def only_two(ids):
        return {i: 2 for i in ids}

    svc.available = only_two
    with pytest.raises(cart.MerchandiseUnavailable):
        await svc.update_lines(cid, None, [cart.LineUpdate(made.lines[0].line.id, 3)])
    final = await svc.get(cid, None)
    assert final is not None and quantities(final) == {products.ids[0]: 5, products.ids[1]: 1}


async def test_concurrent_adds_to_one_cart_all_land(settings, db, shared_redis):
    many = await Products.make(db, [f"{i + 1}.00" for i in range(8)])
    svc = service(settings, db, shared_redis)
    made = await svc.create(None)
    await asyncio.gather(
        *(svc.add_lines(made.cart.id, None, [cart.LineInput(v, 1)]) for v in many.ids)
    )
    final = await svc.get(made.cart.id, None)
    assert final is not None and quantities(final) == dict.fromkeys(many.ids, 1)
    assert final.cart.version == 1 + len(many.ids)


async def test_idle_carts_are_snapshotted_and_a_redis_miss_restores(
    settings, db, shared_redis, products
):
    svc = service(settings, db, shared_redis, durable=False)
    made = await svc.create(None, [cart.LineInput(products.ids[0], 2)])
    cid = made.cart.id
    assert await snapshot_row(db, cid) is None  # not durable: Redis only, marked dirty
    # not idle long enough: nothing copied
    assert await svc.store.snapshot_idle(idle_seconds=3600) == 0
    done = await snapshot_pass(svc.store, idle_seconds=0)
    assert done["snapshotted"] == 1
    row = await snapshot_row(db, cid)
    assert row is not None and row["version"] == 1
    assert await svc.store.snapshot_idle(idle_seconds=0) == 0  # no longer dirty
    # Redis loses the cart (eviction, TTL, a failover): the next read restores it
    await shared_redis.delete(svc.store.key(cid))
    read = await svc.get(cid, None)
    assert read is not None and quantities(read) == {products.ids[0]: 2}
    assert await shared_redis.exists(svc.store.key(cid)) == 1
    assert svc.store.status.restores == 1
    # the checkout's delete removes both copies
    await svc.delete(cid)
    assert await shared_redis.exists(svc.store.key(cid)) == 0
    assert await snapshot_row(db, cid) is None
    assert await svc.get(cid, None) is None


async def test_durable_writes_reach_postgres_at_once(settings, db, shared_redis, products):
    svc = service(settings, db, shared_redis)
    made = await svc.create(None, [cart.LineInput(products.ids[0], 1)])
    await svc.add_lines(made.cart.id, None, [cart.LineInput(products.ids[1], 4)])
    row = await snapshot_row(db, made.cart.id)
    assert row is not None and row["version"] == 2 and not row["redis_stale"]
    assert {ln["variant_id"]: ln["quantity"] for ln in row["data"]["lines"]} == {
        products.ids[0]: 1,
        products.ids[1]: 4,
    }


async def test_guest_cart_merges_into_the_customers_cart_on_sign_in(
    settings, db, shared_redis, products
):
    svc = service(settings, db, shared_redis, max_quantity=6)
    customer = 10_000 + int.from_bytes(cart.new_cart_id()[:6].encode()) % 10**9
    theirs = await svc.create(
        customer, [cart.LineInput(products.ids[0], 4), cart.LineInput(products.ids[2], 1)]
    )
    guest = await svc.create(
        None, [cart.LineInput(products.ids[0], 3), cart.LineInput(products.ids[1], 2)]
    )
    merged = await svc.update_buyer_identity(guest.cart.id, None, {}, attach_to=customer)
    assert merged.cart.id == guest.cart.id and merged.cart.customer_id == customer
    # quantities add, up to the per-line limit
    assert quantities(merged) == {products.ids[0]: 6, products.ids[1]: 2, products.ids[2]: 1}
    # the old cart is gone; the customer's cart is now this one
    assert await svc.get(theirs.cart.id, customer) is None
    assert await svc.store.customer_cart_id(customer) == guest.cart.id
    # and it is theirs alone now: a guest with the id sees nothing, another customer neither
    assert await svc.get(guest.cart.id, None) is None
    assert await svc.get(guest.cart.id, customer + 1) is None
    with pytest.raises(cart.CartNotFound):
        await svc.add_lines(guest.cart.id, customer + 1, [cart.LineInput(products.ids[3], 1)])
    with pytest.raises(cart.CartNotFound):
        await svc.update_buyer_identity(guest.cart.id, None, {}, attach_to=customer + 1)


async def test_redis_dying_mid_test_loses_nothing(
    settings: Settings, db: Database, own_redis: OwnRedis, products: Products
):
    redis = Redis.from_url(own_redis.url, socket_timeout=0.3, socket_connect_timeout=0.3)
    svc = service(settings, db, redis)
    try:
        made = await svc.create(None, [cart.LineInput(products.ids[0], 1)])
        cid = made.cart.id
        await svc.add_lines(cid, None, [cart.LineInput(products.ids[1], 2)])
        before = quantities(made) | {products.ids[1]: 2}

        own_redis.stop()  # killed: no save, its data is gone
        read = await svc.get(cid, None)
        assert read is not None and quantities(read) == before
        assert not svc.store.status.redis_up
        during = await svc.add_lines(cid, None, [cart.LineInput(products.ids[2], 3)])
        assert quantities(during) == before | {products.ids[2]: 3}
        other = await svc.create(None, [cart.LineInput(products.ids[3], 1)])  # new carts too
        assert svc.store.status.degraded_writes >= 2 and svc.store.status.degraded_reads >= 1
        row = await snapshot_row(db, cid)
        assert row is not None and row["redis_stale"]

        own_redis.start()  # back, empty
        await asyncio.sleep(svc.store.retry_after)
        read = await svc.get(cid, None)
        assert read is not None and quantities(read) == before | {products.ids[2]: 3}
        assert svc.store.status.redis_up
        assert (await snapshot_row(db, cid) or {}).get("redis_stale") is False
        assert await svc.get(other.cart.id, None) is not None
        after = await svc.add_lines(cid, None, [cart.LineInput(products.ids[3], 1)])
        assert quantities(after) == before | {products.ids[2]: 3, products.ids[3]: 1}
    finally:
        await redis.aclose()


async def test_a_redis_back_with_old_data_does_not_win(
    settings: Settings, db: Database, own_redis: OwnRedis, products: Products
):
    """Redis comes back holding the copy from before the outage: the newer Postgres one
    (written meanwhile) is what the shopper sees."""
    redis = Redis.from_url(own_redis.url, socket_timeout=0.3, socket_connect_timeout=0.3)
    svc = service(settings, db, redis)
    try:
        made = await svc.create(None, [cart.LineInput(products.ids[0], 1)])
        cid = made.cart.id
        old = await redis.get(svc.store.key(cid))
        own_redis.stop()
        await svc.add_lines(cid, None, [cart.LineInput(products.ids[1], 5)])
        own_redis.start()
        await redis.set(svc.store.key(cid), old)  # as if Redis kept its data
        assert orjson.loads(old)["version"] == 1
        await asyncio.sleep(svc.store.retry_after)
        # the first call after the outage reconciles before it reads
        read = await svc.get(cid, None)
        assert read is not None
        assert quantities(read) == {products.ids[0]: 1, products.ids[1]: 5}
    finally:
        await redis.aclose()
