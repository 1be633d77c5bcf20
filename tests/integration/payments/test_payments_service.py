"""The payment use cases on the real Postgres: one charge per reference however often and
however concurrently they are called, refunds never above what was captured, the saga's
compensation, and the events and history they record."""

from __future__ import annotations

import asyncio

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.domains import payments
from app.domains.payments import models
from app.platform.db import Database
from tests.integration.payments.conftest import (
    history,
    new_ref,
    outbox_types,
    payment,
    payment_rows,
)

pytestmark = pytest.mark.integration
CTX = payments.CONTEXT


async def test_the_migration_matches_the_models(db: Database):
    def ours(name, type_, parent_names):
        if type_ == "schema":
            return name == models.SCHEMA
        return not (type_ == "table" and name == "alembic_version")

    def diff(conn):
        ctx = MigrationContext.configure(
            conn, opts={"include_schemas": True, "include_name": ours, "compare_type": True}
        )
        return compare_metadata(ctx, models.metadata)

    async with db.engine(CTX).connect() as conn:
        assert await conn.run_sync(diff) == []


async def charge(db, gateway, reference, amount=2500, currency="USD", token="tok_visa"):
    async with db.uow(CTX) as uow:
        return await payments.authorize_and_capture(
            uow, gateway, reference, amount, currency, token
        )


async def test_a_charge_is_authorized_then_captured_with_its_events_and_history(db: Database):
    g, ref = payments.TestGateway(), new_ref()
    p = await charge(db, g, ref, 2500, "usd")
    assert p.status is payments.PaymentStatus.CAPTURED and p.captured
    assert (p.amount, p.currency, p.amount_captured, p.gateway) == (2500, "USD", 2500, "test")
    assert p.gateway_id in g.charges
    assert await outbox_types(db, ref) == [
        "payments.PaymentAuthorized.v1",
        "payments.PaymentCaptured.v1",
    ]
    assert await history(db, ref) == [("authorize", "approved"), ("capture", "approved")]
    assert g.calls == [
        ("authorize", payments.idempotency_key(ref, "authorize")),
        ("capture", payments.idempotency_key(ref, "capture")),
    ]


async def test_the_same_reference_twenty_times_at_once_is_one_authorization_and_one_row(
    db: Database,
):
    g, ref = payments.TestGateway(latency=0.05), new_ref()
    results = await asyncio.gather(*(charge(db, g, ref) for _ in range(20)))
    assert {r.id for r in results} == {results[0].id}
    assert {r.status for r in results} == {payments.PaymentStatus.CAPTURED}
    assert [op for op, _ in g.calls].count("authorize") == 1
    assert len(g.charges) == 1 and await payment_rows(db, ref) == 1
    assert await outbox_types(db, ref) == [
        "payments.PaymentAuthorized.v1",
        "payments.PaymentCaptured.v1",
    ]


async def test_the_same_reference_twenty_times_at_once_on_stripe_is_one_payment_intent(
    db: Database, stripe_gateway
):
    gateway, http = stripe_gateway
    ref = new_ref()
    results = await asyncio.gather(
        *(charge(db, gateway, ref, token="pm_card_visa") for _ in range(20))
    )
    assert http.paths().count("/v1/payment_intents") == 1
    assert await payment_rows(db, ref) == 1 and len({r.id for r in results}) == 1
    (sent,) = [s for s in http.sent if s.path == "/v1/payment_intents"]
    key = payments.idempotency_key(ref, "authorize")
    assert sent.idempotency_key == key and sent.echoed_key == key  # stripe-mock received it
    # stripe-mock answers every confirm with its fixture status `requires_payment_method`:
    # normalised, that is a decline, recorded with the intent's id
    assert results[0].declined and results[0].failure_code == "requires_payment_method"
    assert results[0].gateway_id and results[0].gateway_id.startswith("pi_")


async def test_a_card_token_becomes_a_payment_method_under_its_own_key_on_stripe(
    db: Database, stripe_gateway
):
    gateway, http = stripe_gateway
    ref = new_ref()
    await charge(db, gateway, ref, token="tok_visa")
    key = payments.idempotency_key(ref, "authorize")
    assert [(s.path, s.echoed_key, s.status) for s in http.sent] == [
        ("/v1/payment_methods", f"{key}:method", 200),
        ("/v1/payment_intents", key, 200),
    ]


async def test_a_decline_is_a_failed_payment_and_asking_again_does_not_ask_the_card_again(
    db: Database,
):
    g, ref = payments.TestGateway(), new_ref()
    p = await charge(db, g, ref, token="tok_chargeDeclined")
    assert p.status is payments.PaymentStatus.FAILED and p.declined
    assert (p.failure_code, p.amount_captured) == ("card_declined", 0)
    again = await charge(db, g, ref, token="tok_chargeDeclined")
    assert again == p and len(g.calls) == 1
    assert await outbox_types(db, ref) == ["payments.PaymentFailed.v1"]


async def test_a_timeout_is_retryable_and_the_retry_charges_once(db: Database):
    g, ref = payments.TestGateway(), new_ref()
    with pytest.raises(payments.PaymentRetryable) as lost:
        await charge(db, g, ref, token="tok_timeout")
    assert lost.value.gateway_code == "timeout"
    assert (await payment(db, ref)).status is payments.PaymentStatus.PENDING
    p = await charge(db, g, ref, token="tok_timeout")
    assert p.status is payments.PaymentStatus.CAPTURED
    assert len(g.charges) == 1 and g.charges[p.gateway_id or ""].captured == 2500
    assert await history(db, ref) == [
        ("authorize", "error"),
        ("authorize", "approved"),
        ("capture", "approved"),
    ]


async def test_another_amount_for_a_charged_reference_is_refused(db: Database):
    g, ref = payments.TestGateway(), new_ref()
    await charge(db, g, ref, 2500)
    with pytest.raises(payments.PaymentMismatch):
        await charge(db, g, ref, 2600)
    with pytest.raises(payments.PaymentMismatch):
        await charge(db, g, ref, 2500, "EUR")
    assert len(g.charges) == 1


async def refund(db, g, ref, amount, **kw):
    async with db.uow(CTX) as uow:
        return await payments.refund(uow, g, ref, amount, **kw)


async def test_refunds_add_up_to_what_was_captured_and_never_more(db: Database):
    g, ref = payments.TestGateway(), new_ref()
    await charge(db, g, ref, 2500)
    p = await refund(db, g, ref, 1000)
    assert (p.status, p.amount_refunded, p.refundable) == ("partially_refunded", 1000, 1500)
    with pytest.raises(payments.RefundExceedsCaptured) as over:
        await refund(db, g, ref, 1501)
    assert (over.value.requested, over.value.available) == (1501, 1500)
    p = await refund(db, g, ref, 1500)
    assert (p.status, p.amount_refunded) == (payments.PaymentStatus.REFUNDED, 2500)
    with pytest.raises(payments.RefundExceedsCaptured):
        await refund(db, g, ref, 1)
    assert [op for op, _ in g.calls].count("refund") == 2
    assert (await outbox_types(db, ref))[-2:] == ["payments.PaymentRefunded.v1"] * 2


async def test_a_refund_request_repeated_with_its_key_refunds_once(db: Database):
    g, ref = payments.TestGateway(), new_ref()
    await charge(db, g, ref, 2500)
    for _ in range(3):
        p = await refund(db, g, ref, 400, request_key="order-refund-1")
    assert p.amount_refunded == 400 and [op for op, _ in g.calls].count("refund") == 1


async def test_concurrent_refunds_never_exceed_the_captured_amount(db: Database):
    g, ref = payments.TestGateway(latency=0.02), new_ref()
    await charge(db, g, ref, 2500)
    results = await asyncio.gather(
        *(refund(db, g, ref, 1000) for _ in range(5)), return_exceptions=True
    )
    assert sum(not isinstance(r, Exception) for r in results) == 2
    assert all(
        isinstance(r, payments.RefundExceedsCaptured) for r in results if isinstance(r, Exception)
    )
    assert (await payment(db, ref)).amount_refunded == 2000


async def test_a_failed_or_unknown_payment_is_not_refundable(db: Database):
    g, ref = payments.TestGateway(), new_ref()
    with pytest.raises(payments.PaymentNotFound):
        await refund(db, g, ref, 100)
    await charge(db, g, ref, token="tok_chargeDeclined")
    with pytest.raises(payments.NotRefundable):
        await refund(db, g, ref, 100)


async def compensate(db, g, ref):
    async with db.uow(CTX) as uow:
        return await payments.void_or_refund(uow, g, ref)


async def test_compensating_a_captured_payment_refunds_all_of_it_once(db: Database):
    g, ref = payments.TestGateway(), new_ref()
    await charge(db, g, ref, 2500)
    await refund(db, g, ref, 500)
    p = await compensate(db, g, ref)
    assert p is not None and p.compensated
    assert (p.status, p.amount_refunded) == (payments.PaymentStatus.REFUNDED, 2500)
    again = await compensate(db, g, ref)
    assert again == p and [op for op, _ in g.calls].count("refund") == 2
    # a retried charge step after the compensation finds the refunded payment, charges nothing
    assert (await charge(db, g, ref, 2500)).status is payments.PaymentStatus.REFUNDED
    assert len(g.calls) == 4


class CaptureRefused(payments.TestGateway):
    """A processor that holds the money but will not capture it now."""

    async def capture(self, gateway_id, amount, idempotency_key):
        self.calls.append(("capture", idempotency_key))
        return payments.GatewayResult.error("unavailable", "try later", retryable=True)


async def test_compensating_an_authorized_payment_voids_it(db: Database):
    g, ref = CaptureRefused(), new_ref()
    with pytest.raises(payments.PaymentRetryable):
        await charge(db, g, ref, 1800)
    assert (await payment(db, ref)).status is payments.PaymentStatus.AUTHORIZED
    p = await compensate(db, g, ref)
    assert p is not None and p.status is payments.PaymentStatus.VOIDED
    assert next(iter(g.charges.values())).voided
    assert await outbox_types(db, ref) == [
        "payments.PaymentAuthorized.v1",
        "payments.PaymentVoided.v1",
    ]


async def test_a_reference_compensated_before_any_charge_is_never_charged(db: Database):
    g, ref = payments.TestGateway(), new_ref()
    assert await compensate(db, g, ref) is None
    p = await charge(db, g, ref)
    assert p.status is payments.PaymentStatus.FAILED and p.failure_code == "compensated"
    assert g.calls == [] and g.charges == {}
    ref2 = new_ref()
    async with db.uow(CTX) as uow:
        await payments.mark_compensated(uow, ref2)
        await payments.mark_compensated(uow, ref2)
    assert (await charge(db, g, ref2)).failure_code == "compensated" and g.calls == []


async def test_a_pending_payment_abandoned_by_compensation_is_failed(db: Database):
    g, ref = payments.TestGateway(), new_ref()
    with pytest.raises(payments.PaymentRetryable):
        await charge(db, g, ref, token="tok_timeout")
    p = await compensate(db, g, ref)
    assert p is not None and (p.status, p.failure_code) == ("failed", "abandoned")


@pytest.mark.parametrize(
    "reference, amount, currency",
    [
        ("", 100, "USD"),
        ("x" * 201, 100, "USD"),
        ("ok", 0, "USD"),
        ("ok", -5, "USD"),
        ("ok", 100, "US$"),
    ],
)
async def test_bad_input_is_refused_before_anything_is_recorded_or_charged(
    db: Database, reference, amount, currency
):
    g = payments.TestGateway()
    with pytest.raises(payments.PaymentsError):
        await charge(db, g, reference, amount, currency)
    assert g.calls == []
    if reference and len(reference) <= 200:
        assert await payment_rows(db, reference) == 0


async def test_a_charge_costs_ten_statements_and_asking_again_two(db: Database):
    g, ref = payments.TestGateway(), new_ref()
    seen: list[str] = []
    undo = db.on_statement(seen.append)
    try:
        await charge(db, g, ref)
        first = len(seen)
        await charge(db, g, ref)
    finally:
        undo()
    # insert-if-new; per step: lock (with the compensation flag), history, update, outbox;
    # then the lock that finds it done. A repeat: insert-if-new, lock, done.
    assert (first, len(seen) - first) == (10, 2)


@pytest.mark.parametrize("delay", [0.0, 0.05, 0.15, 0.25])
async def test_a_compensation_racing_a_charge_leaves_no_money_taken(db: Database, delay):
    g, ref = payments.TestGateway(latency=0.1), new_ref()
    charging = asyncio.create_task(charge(db, g, ref))
    await asyncio.sleep(delay)  # before, during the authorize, between the steps, after
    await compensate(db, g, ref)
    await charging  # captured only when it finished before the compensation began
    final = await payment(db, ref)
    assert final.compensated and not final.captured
    assert all(c.voided or c.refunded == c.captured for c in g.charges.values())
