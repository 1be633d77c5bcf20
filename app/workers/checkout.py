"""The checkout saga's steps, one Dramatiq actor each (`checkout.<step>`), and its sweeper.

Each actor takes a saga id, reloads the saga, runs its step only if the saga is still at
that step, does one idempotent call into another context's public API (keyed by the saga
id), records the outcome in the saga row (moving it only from that step), then sends the
next step, or `checkout.compensate` when the step failed for good. A message lost between
the commit and the send, or a worker killed mid-step, is found by `checkout.sweep`: the
step is sent again (steps are safe twice); a saga not charged within CHECKOUT_TIMEOUT is
given up (EXPIRED) after its compensations.

The order: validate & reprice → reserve stock → redeem discounts → authorize+capture →
place the order (paid) → confirm the reservation and clear the cart. Compensations, in
reverse: void/refund the payment, restore discount usage, release the stock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import dramatiq
from dramatiq.asyncio import get_event_loop_thread
from redis.asyncio import Redis
from redis.exceptions import RedisError

from app.domains import cart, checkout, inventory, orders, payments, pricing
from app.platform.broker import Routes
from app.platform.db import Database
from app.platform.settings import Settings
from app.resolvers.cart import CatalogPrices, InventoryAvailability, PricingQuote

log = logging.getLogger("emporium.checkout")
SWEEP = "checkout.sweep"
TICK_KEY = "checkout:sweep-tick"


def actor_name(step: str) -> str:
    return f"checkout.{step}"


@dataclass
class Deps:
    """What the steps call through, one set per worker event loop."""

    settings: Settings
    db: Database
    redis: Redis
    carts: cart.CartService
    gateway: payments.PaymentGateway


Step = Callable[[Deps, checkout.Saga], Awaitable[str | None]]


def _money(v: Decimal) -> str:
    return str(v)


# --- the forward steps: each returns the step to send next (None: nothing to send) -------


async def _fail(d: Deps, saga: checkout.Saga, reason: str, **detail: Any) -> str | None:
    moved = await checkout.fail(d.db.uow(checkout.CONTEXT), saga.id, saga.step, reason, **detail)
    return checkout.COMPENSATE if moved else None


async def _advance(d: Deps, saga: checkout.Saga, outcome: str, **changes: Any) -> str | None:
    to = checkout.next_step(saga.step)
    moved = await checkout.advance(
        d.db.uow(checkout.CONTEXT), saga.id, saga.step, to, outcome, **changes
    )
    return to if moved and to != checkout.DONE else None


async def validate(d: Deps, saga: checkout.Saga) -> str | None:
    """Re-price the cart from the catalog now; the amount must be the one the buyer asked
    to pay, every line still sold, every discount code still applicable."""
    priced = await d.carts.get(saga.cart_id, saga.customer_id)
    if priced is None or not priced.lines:
        return await _fail(d, saga, checkout.EXPIRED, why="the cart is gone")
    if any(pl.variant is None for pl in priced.lines):
        return await _fail(d, saga, checkout.OUT_OF_STOCK, why="a variant is no longer sold")
    if priced.rejected_codes:
        return await _fail(d, saga, checkout.DISCOUNT_INVALID, codes=list(priced.rejected_codes))
    amount = payments.to_minor(priced.total, saga.currency)
    if amount != saga.amount:
        return await _fail(d, saga, checkout.PRICE_CHANGED, amount=amount)
    rejected = {code for code, _ in priced.rejected_codes}
    lines = []
    for pl in priced.lines:
        assert pl.variant is not None
        lines.append(
            {
                "variant_id": pl.line.variant_id,
                "sku": getattr(pl.variant.source, "sku", None),
                "title": pl.variant.title,
                "quantity": pl.line.quantity,
                "unit_price": _money(pl.amount_per_quantity),
                "discount": _money(max(Decimal(0), pl.subtotal - pl.total)),
                "tax": _money(max(Decimal(0), pl.total - pl.subtotal)),
                "total": _money(pl.total),
            }
        )
    snapshot = {
        "lines": lines,
        "subtotal": _money(priced.subtotal),
        "discount": _money(priced.discount),
        "tax": _money(priced.tax),
        "shipping": _money(priced.shipping),
        "total": _money(priced.total),
        "codes": [c for c in priced.cart.discount_codes if c not in rejected],
    }
    return await _advance(d, saga, "priced", snapshot=snapshot)


async def reserve(d: Deps, saga: checkout.Saga) -> str | None:
    wanted = [(ln["variant_id"], ln["quantity"]) for ln in saga.snapshot["lines"]]
    ttl = timedelta(seconds=d.settings.checkout_reservation_ttl)
    try:
        async with d.db.uow(inventory.CONTEXT) as uow:
            await inventory.reserve(uow, saga.id, wanted, ttl, redis=d.redis)
    except (inventory.OutOfStock, inventory.InvalidQuantity) as exc:
        return await _fail(d, saga, checkout.OUT_OF_STOCK, why=exc.code)
    return await _advance(d, saga, "reserved")


async def redeem(d: Deps, saga: checkout.Saga) -> str | None:
    codes = saga.snapshot.get("codes") or []
    if codes:
        try:
            await pricing.redeem(
                d.db.uow(pricing.CONTEXT),
                codes,
                customer_id=saga.customer_id,
                email=saga.email,
                reference=saga.id,
            )
        except pricing.DiscountRejected as exc:
            return await _fail(d, saga, checkout.DISCOUNT_INVALID, code=exc.code)
    return await _advance(d, saga, "redeemed", detail={"codes": codes})


async def pay(d: Deps, saga: checkout.Saga) -> str | None:
    """Charge once for the saga id (payments keys the gateway calls by it). A processor
    that did not answer raises PaymentRetryable: the actor's retry asks again."""
    try:
        async with d.db.uow(payments.CONTEXT) as uow:
            paid = await payments.authorize_and_capture(
                uow, d.gateway, saga.id, saga.amount, saga.currency, saga.token
            )
    except payments.PaymentRetryable:
        raise
    except payments.PaymentsError as exc:
        return await _fail(d, saga, checkout.PAYMENT_ERROR, why=str(exc))
    if paid.status is payments.PaymentStatus.CAPTURED:
        return await _advance(d, saga, "captured", detail={"payment": paid.id})
    declined = paid.failure_outcome == "declined"
    reason = checkout.PAYMENT_DECLINED if declined else checkout.PAYMENT_ERROR
    return await _fail(d, saga, reason, code=paid.failure_code, status=str(paid.status))


async def place(d: Deps, saga: checkout.Saga) -> str | None:
    snap = saga.snapshot
    draft = orders.OrderDraft(
        reference=saga.id,
        currency=saga.currency,
        email=saga.email or "",
        lines=tuple(
            orders.DraftLine(
                variant_id=ln["variant_id"],
                sku=ln["sku"],
                title=ln["title"],
                quantity=ln["quantity"],
                unit_price=Decimal(ln["unit_price"]),
                discount=Decimal(ln["discount"]),
                tax=Decimal(ln["tax"]),
                total=Decimal(ln["total"]),
            )
            for ln in snap["lines"]
        ),
        subtotal=Decimal(snap["subtotal"]),
        discount_total=Decimal(snap["discount"]),
        shipping_total=Decimal(snap["shipping"]),
        tax_total=Decimal(snap["tax"]),
        total=Decimal(snap["total"]),
        customer_id=saga.customer_id,
        shipping_address=saga.shipping_address,
        payment_reference=saga.id,
        paid=True,
    )
    try:
        placed = await orders.place_order(d.db.uow(orders.CONTEXT), draft)
    except orders.InvalidInput as exc:
        # the money is taken but no order can hold it: give it back
        return await _fail(d, saga, checkout.PAYMENT_ERROR, why=exc.message)
    return await _advance(d, saga, "placed", order_id=placed.order.id)


async def finish(d: Deps, saga: checkout.Saga) -> str | None:
    """The sale is made: the reserved stock leaves the shelf and the cart is cleared."""
    note = "confirmed"
    try:
        async with d.db.uow(inventory.CONTEXT) as uow:
            await inventory.confirm(uow, saga.id, redis=d.redis)
    except (inventory.ReservationClosed, inventory.NotFound) as exc:
        # paid and ordered already: the order stands, a person reconciles the stock
        log.warning("checkout %s: reservation not confirmed: %s", saga.id, exc)
        note = exc.code
    await d.carts.delete(saga.cart_id)
    return await _advance(d, saga, "completed", detail={"reservation": note})


async def compensate(d: Deps, saga: checkout.Saga) -> str | None:
    """Undo in reverse; each undo is a no-op when its step never happened."""
    async with d.db.uow(payments.CONTEXT) as uow:
        payment = await payments.void_or_refund(uow, d.gateway, saga.id)
    restored = await pricing.restore(d.db.uow(pricing.CONTEXT), saga.id)
    released = "released"
    try:
        async with d.db.uow(inventory.CONTEXT) as uow:
            await inventory.release(uow, saga.id, redis=d.redis)
    except inventory.ReservationClosed:
        released = "already confirmed"
    await checkout.advance(
        d.db.uow(checkout.CONTEXT),
        saga.id,
        checkout.COMPENSATE,
        checkout.DONE,
        "compensated",
        detail={
            "payment": str(payment.status) if payment else None,
            "discounts_restored": restored,
            "stock": released,
        },
    )
    return None


STEPS: dict[str, Step] = {
    checkout.VALIDATE: validate,
    checkout.RESERVE: reserve,
    checkout.REDEEM: redeem,
    checkout.PAY: pay,
    checkout.PLACE: place,
    checkout.FINISH: finish,
    checkout.COMPENSATE: compensate,
}


def send(broker: dramatiq.Broker, step: str, saga_id: str) -> None:
    """Send a step's message (blocking: call it in a thread from async code)."""
    broker.get_actor(actor_name(step)).send(saga_id)


def register(broker: dramatiq.Broker, routes: Routes, settings: Settings) -> None:
    # one Database, Redis client and cart service per event loop (the worker's loop thread);
    # one gateway per process (the test gateway keeps its charges in the object)
    per_loop: dict[int, Deps] = {}
    gateways: list[payments.PaymentGateway] = []

    def deps() -> Deps:
        loop_id = id(asyncio.get_running_loop())
        if loop_id not in per_loop:
            assert settings.redis_url
            if not gateways:
                gateways.append(payments.build_gateway(settings))
            db = Database(settings, pool_size=4)
            redis = Redis.from_url(settings.redis_url)
            carts = cart.CartService(
                cart.build_store(settings, db, cart.cart_redis(settings)),
                currency=settings.currency_code,
                prices=CatalogPrices(db),
                available=InventoryAvailability(db, redis),
                pricer=PricingQuote(db, settings.prices_include_tax),
                limits=cart.limits(settings),
            )
            per_loop[loop_id] = Deps(settings, db, redis, carts, gateways[0])
        return per_loop[loop_id]

    queue = f"{routes.queue_prefix}checkout"
    for name, step in STEPS.items():

        async def run(saga_id: str, _name: str = name, _step: Step = step) -> None:
            d = deps()
            saga = await checkout.get(d.db.reader(checkout.CONTEXT), saga_id)
            if saga is None or saga.terminal or saga.step != _name:
                return  # a late or repeated message: the saga has moved on
            following = await _step(d, saga)
            if following is not None:
                await asyncio.to_thread(send, broker, following, saga_id)

        run.__name__ = f"checkout_{name}"
        dramatiq.actor(
            broker=broker,
            actor_name=actor_name(name),
            queue_name=queue,
            max_retries=5,
            min_backoff=200,
            max_backoff=5_000,
            time_limit=120_000,
        )(run)

    async def close() -> None:
        """Close what the steps opened on this loop (pools, clients) before it stops, so
        the databases see their connections end now, not at some timeout."""
        d = per_loop.pop(id(asyncio.get_running_loop()), None)
        if d is not None:
            await d.db.dispose()
            await d.redis.aclose()
            await d.carts.store.redis.aclose()

    broker.add_middleware(_CloseOnShutdown(close))

    async def sweep() -> None:
        d = deps()
        idle = timedelta(seconds=settings.checkout_step_timeout)
        timeout = timedelta(seconds=settings.checkout_timeout)
        resent: list[tuple[str, str]] = []
        for saga in await checkout.stuck(d.db.uow(checkout.CONTEXT), idle):
            if await checkout.expire(d.db.uow(checkout.CONTEXT), saga, timeout):
                step = checkout.COMPENSATE
            else:
                step = saga.step
                resent.append((saga.id, step))
            await asyncio.to_thread(send, broker, step, saga.id)
        await checkout.touch(d.db.uow(checkout.CONTEXT), resent)
        if resent:
            log.info("resumed %d stuck checkout(s)", len(resent))

    dramatiq.actor(
        broker=broker,
        actor_name=SWEEP,
        queue_name=queue,
        max_retries=0,  # the next tick is the retry
        time_limit=60_000,
    )(sweep)


class _CloseOnShutdown(dramatiq.Middleware):
    def __init__(self, close: Callable[[], Awaitable[None]]) -> None:
        self.close = close

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        thread = get_event_loop_thread()
        if thread is not None:
            try:
                thread.run_coroutine(self.close())
            except Exception:  # shutting down: say so, never block the shutdown
                log.warning("checkout worker resources not closed", exc_info=True)


async def run_sweep_trigger(
    broker: dramatiq.Broker, redis: Redis, settings: Settings, stop: asyncio.Event
) -> None:
    """Send `checkout.sweep` once per CHECKOUT_SWEEP_INTERVAL among all processes running
    this (a Redis key set with NX elects the sender), until `stop`."""
    actor: Any = broker.get_actor(SWEEP)
    interval = settings.checkout_sweep_interval
    key = f"{settings.queue_prefix}{TICK_KEY}"
    while not stop.is_set():
        try:
            if await redis.set(key, "1", nx=True, px=max(1, int(interval * 1000))):
                await asyncio.to_thread(actor.send)
        except (RedisError, OSError, dramatiq.errors.DramatiqError):
            log.warning("checkout sweep not triggered this tick", exc_info=True)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)
