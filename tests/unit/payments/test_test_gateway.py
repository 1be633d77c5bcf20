"""The built-in test gateway's tokens behave like Stripe's, and a retry with the same
idempotency key never charges twice."""

from __future__ import annotations

from app.domains.payments import Outcome, TestGateway


async def test_tok_visa_authorizes_captures_and_refunds_up_to_the_captured_amount():
    g = TestGateway()
    auth = await g.authorize(1500, "USD", "tok_visa", "k:auth", "ref-1")
    assert auth.outcome is Outcome.APPROVED and auth.amount == 1500
    assert auth.gateway_id and auth.gateway_id.startswith("pi_test_")
    cap = await g.capture(auth.gateway_id, 1500, "k:cap")
    assert cap.approved and cap.amount == 1500
    part = await g.refund(auth.gateway_id, 500, "k:r1")
    assert part.approved and part.amount == 500 and part.transaction_id
    too_much = await g.refund(auth.gateway_id, 1001, "k:r2")
    assert too_much.outcome is Outcome.ERROR and too_much.code == "amount_too_large"
    rest = await g.refund(auth.gateway_id, None, "k:r3")
    assert rest.approved and rest.amount == 1000
    assert g.charges[auth.gateway_id].refunded == 1500


async def test_tok_charge_declined_declines_with_stripes_code():
    g = TestGateway()
    r = await g.authorize(1500, "USD", "tok_chargeDeclined", "k", "ref")
    assert r.outcome is Outcome.DECLINED and r.code == "card_declined" and not r.retryable
    funds = await g.authorize(1500, "USD", "tok_chargeDeclinedInsufficientFunds", "k2", "ref")
    assert funds.code == "insufficient_funds"
    assert g.charges == {}


async def test_tok_timeout_times_out_once_and_the_retry_with_the_same_key_finds_one_charge():
    g = TestGateway()
    first = await g.authorize(700, "EUR", "tok_timeout", "k:auth", "ref")
    assert first.outcome is Outcome.ERROR and first.code == "timeout" and first.retryable
    retry = await g.authorize(700, "EUR", "tok_timeout", "k:auth", "ref")
    again = await g.authorize(700, "EUR", "tok_timeout", "k:auth", "ref")
    assert retry.approved and again == retry
    assert list(g.charges) == [retry.gateway_id]  # the lost answer's charge, held once


async def test_a_new_key_is_a_new_charge_which_is_why_keys_come_from_the_reference():
    g = TestGateway()
    a = await g.authorize(700, "EUR", "tok_visa", "k1", "ref")
    b = await g.authorize(700, "EUR", "tok_visa", "k2", "ref")
    assert a.gateway_id != b.gateway_id and len(g.charges) == 2


async def test_void_releases_an_authorization_and_a_voided_one_cannot_be_captured():
    g = TestGateway()
    auth = await g.authorize(900, "USD", "tok_visa", "a", "ref")
    assert auth.gateway_id
    assert (await g.void(auth.gateway_id, "v")).approved
    late = await g.capture(auth.gateway_id, 900, "c")
    assert late.outcome is Outcome.ERROR and late.code == "unexpected_state"


async def test_an_unknown_token_is_a_permanent_error_not_a_decline():
    r = await TestGateway().authorize(100, "USD", "tok_nonsense", "k", "ref")
    assert r.outcome is Outcome.ERROR and r.code == "invalid_token" and not r.retryable
