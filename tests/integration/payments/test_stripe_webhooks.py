"""Stripe events reconciled with our payments (Postgres + stripe-mock): handled once per
event id, and money that lands for a given-up checkout is refunded, never kept."""

from __future__ import annotations

import pytest

from app.domains import payments
from app.platform.db import Database
from tests.integration.payments.conftest import (
    STRIPE_KEY,
    history,
    intent_event,
    new_ref,
    outbox_types,
    payment,
)

pytestmark = pytest.mark.integration
CTX = payments.CONTEXT
SUCCEEDED = "payment_intent.succeeded"


async def handle(db: Database, gateway, event) -> str:
    async with db.uow(CTX) as uow:
        return await payments.handle_stripe_event(uow, gateway, event)


async def charge(db, gateway, ref, amount=2500):
    async with db.uow(CTX) as uow:
        return await payments.authorize_and_capture(
            uow, gateway, ref, amount, "USD", "pm_card_visa"
        )


async def compensate(db, gateway, ref):
    async with db.uow(CTX) as uow:
        return await payments.void_or_refund(uow, gateway, ref)


def unreachable() -> payments.StripeGateway:
    """Stripe out of reach: every call is a retryable connection error."""
    return payments.StripeGateway(STRIPE_KEY, api_base="http://127.0.0.1:9", timeout=2)


async def test_a_late_success_after_the_saga_compensated_is_refunded_once(
    db: Database, stripe_gateway
):
    gateway, http = stripe_gateway
    ref = new_ref()
    failed = await charge(db, gateway, ref)  # stripe-mock: never held, so the saga gave up
    assert failed.status is payments.PaymentStatus.FAILED and failed.gateway_id
    await compensate(db, gateway, ref)
    event = intent_event(SUCCEEDED, failed.gateway_id, ref, amount_received=2500)
    assert await handle(db, gateway, event) == "refunded"
    p = await payment(db, ref)
    assert (p.status, p.amount_captured, p.amount_refunded) == ("refunded", 2500, 2500)
    key = payments.idempotency_key(ref, "refund:0:2500")
    refunds = [s for s in http.sent if s.path == "/v1/refunds"]
    assert [(r.echoed_key, r.status) for r in refunds] == [(key, 200)]
    assert (await outbox_types(db, ref))[-2:] == [
        "payments.PaymentCaptured.v1",
        "payments.PaymentRefunded.v1",
    ]
    # Stripe delivers at least once: the same event again changes nothing, refunds nothing
    seen = await history(db, ref)
    assert await handle(db, gateway, event) == "duplicate"
    assert await history(db, ref) == seen
    assert len([s for s in http.sent if s.path == "/v1/refunds"]) == 1


async def test_a_lost_authorize_answer_is_settled_by_the_webhook_and_the_retry_finds_it(
    db: Database, stripe_gateway
):
    gateway, http = stripe_gateway
    ref = new_ref()
    down = unreachable()
    with pytest.raises(payments.PaymentRetryable):
        await charge(db, down, ref)
    await down.aclose()
    pending = await payment(db, ref)
    assert pending.status is payments.PaymentStatus.PENDING and pending.gateway_id is None
    # the intent names the payment only through its metadata
    event = intent_event(SUCCEEDED, "pi_lost_answer_" + ref, ref, amount_received=2500)
    assert await handle(db, gateway, event) == "captured"
    p = await charge(db, gateway, ref)  # the saga's retry
    assert (p.status, p.gateway_id) == ("captured", "pi_lost_answer_" + ref)
    assert http.sent == []  # nothing asked of Stripe: no second intent


async def test_a_lost_answer_for_a_compensated_reference_is_refunded_when_it_lands(
    db: Database, stripe_gateway
):
    gateway, _ = stripe_gateway
    ref = new_ref()
    down = unreachable()
    with pytest.raises(payments.PaymentRetryable):
        await charge(db, down, ref)
    await down.aclose()
    abandoned = await compensate(db, gateway, ref)
    assert abandoned is not None and abandoned.failure_code == "abandoned"
    event = intent_event(SUCCEEDED, "pi_late_" + ref, ref, amount_received=2500)
    assert await handle(db, gateway, event) == "refunded"
    assert (await payment(db, ref)).status is payments.PaymentStatus.REFUNDED


async def test_a_charge_for_a_compensated_reference_we_hold_no_payment_for_is_refunded(
    db: Database, stripe_gateway
):
    gateway, http = stripe_gateway
    ref = new_ref()
    async with db.uow(CTX) as uow:
        await payments.mark_compensated(uow, ref)
    event = intent_event(SUCCEEDED, "pi_orphan_" + ref, ref, amount_received=900)
    assert await handle(db, gateway, event) == "orphan_refunded"
    assert [s.echoed_key for s in http.sent] == [
        payments.idempotency_key(ref, "orphan:pi_orphan_" + ref)
    ]
    unknown = intent_event(SUCCEEDED, "pi_not_ours", new_ref(), amount_received=900)
    assert await handle(db, gateway, unknown) == "ignored"
    assert len(http.sent) == 1


async def test_a_refund_that_cannot_be_made_now_leaves_the_event_unhandled_for_redelivery(
    db: Database, stripe_gateway
):
    gateway, _ = stripe_gateway
    ref = new_ref()
    failed = await charge(db, gateway, ref)
    await compensate(db, gateway, ref)
    event = intent_event(SUCCEEDED, failed.gateway_id, ref, amount_received=2500)
    down = unreachable()
    with pytest.raises(payments.PaymentRetryable):
        await handle(db, down, event)
    await down.aclose()
    assert (await payment(db, ref)).status is payments.PaymentStatus.FAILED  # rolled back
    assert await handle(db, gateway, event) == "refunded"  # Stripe's redelivery


async def test_a_refund_made_in_stripes_dashboard_is_recorded(db: Database, stripe_gateway):
    gateway, _ = stripe_gateway
    ref = new_ref()
    down = unreachable()
    with pytest.raises(payments.PaymentRetryable):
        await charge(db, down, ref)
    await down.aclose()
    await handle(db, gateway, intent_event(SUCCEEDED, "pi_dash_" + ref, ref, amount_received=2500))
    refunded = {
        "id": "evt_" + ref,
        "type": "charge.refunded",
        "data": {
            "object": {"id": "ch_1", "payment_intent": "pi_dash_" + ref, "amount_refunded": 1000}
        },
    }
    assert await handle(db, gateway, refunded) == "refunded"
    p = await payment(db, ref)
    assert (p.status, p.amount_refunded) == ("partially_refunded", 1000)
    assert (await outbox_types(db, ref))[-1] == "payments.PaymentRefunded.v1"


async def test_events_we_do_not_act_on_are_acknowledged_and_malformed_ones_refused(
    db: Database, stripe_gateway
):
    gateway, http = stripe_gateway
    other = {"id": "evt_other_" + new_ref(), "type": "customer.created", "data": {"object": {}}}
    assert await handle(db, gateway, other) == "ignored"
    for bad in (
        {},
        {"id": "evt_x", "type": SUCCEEDED},
        {"id": 5, "type": SUCCEEDED, "data": {"object": {}}},
    ):
        with pytest.raises(payments.PaymentsError):
            await handle(db, gateway, bad)
    assert http.sent == []


async def test_a_late_hold_for_a_compensated_reference_is_released(db: Database, stripe_gateway):
    gateway, http = stripe_gateway
    ref = new_ref()
    down = unreachable()
    with pytest.raises(payments.PaymentRetryable):
        await charge(db, down, ref)
    await down.aclose()
    await compensate(db, gateway, ref)
    held = intent_event("payment_intent.amount_capturable_updated", "pi_held_" + ref, ref)
    assert await handle(db, gateway, held) == "voided"
    assert (await payment(db, ref)).status is payments.PaymentStatus.VOIDED
    assert [s.path for s in http.sent] == [f"/v1/payment_intents/pi_held_{ref}/cancel"]
