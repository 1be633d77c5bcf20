"""Stripe's answers normalised: statuses of a confirmed PaymentIntent and Stripe's
exceptions become approved / declined with a reason / error (retryable or not).
stripe-mock never declines nor fails, so these cases are checked on the mapping itself."""

from __future__ import annotations

import pytest
import stripe

from app.domains.payments import Outcome
from app.domains.payments.stripe_gateway import authorization_result, from_stripe_error


def intent(status, **extra):
    return {"id": "pi_1", "amount": 1200, "amount_capturable": 1200, "status": status, **extra}


def test_a_held_or_captured_intent_is_approved():
    for status in ("requires_capture", "succeeded"):
        r = authorization_result(intent(status))
        assert r.outcome is Outcome.APPROVED and r.gateway_id == "pi_1" and r.amount == 1200


def test_an_intent_needing_the_shopper_or_a_new_card_is_declined_with_the_reason():
    r = authorization_result(intent("requires_action"))
    assert r.outcome is Outcome.DECLINED and r.code == "authentication_required"
    failed = intent(
        "requires_payment_method",
        last_payment_error={
            "code": "card_declined",
            "decline_code": "stolen_card",
            "message": "no",
        },
    )
    r = authorization_result(failed)
    assert (r.outcome, r.code, r.message, r.gateway_id) == (
        Outcome.DECLINED,
        "stolen_card",
        "no",
        "pi_1",
    )


def test_a_processing_intent_is_asked_about_again():
    r = authorization_result(intent("processing"))
    assert r.outcome is Outcome.ERROR and r.retryable


def card_error(decline_code):
    body = {
        "error": {
            "type": "card_error",
            "code": "card_declined",
            "decline_code": decline_code,
            "message": "Your card has insufficient funds.",
            "payment_intent": {"id": "pi_9", "object": "payment_intent"},
        }
    }
    return stripe.CardError(
        "Your card has insufficient funds.", None, "card_declined", json_body=body, http_status=402
    )


def test_a_card_error_is_a_decline_naming_the_intent_and_the_decline_code():
    r = from_stripe_error(card_error("insufficient_funds"))
    assert r.outcome is Outcome.DECLINED
    assert (r.code, r.gateway_id) == ("insufficient_funds", "pi_9")


@pytest.mark.parametrize(
    "exc, code, retryable",
    [
        (stripe.APIConnectionError("network down"), "unavailable", True),
        (stripe.RateLimitError("slow down", http_status=429), "rate_limited", True),
        (stripe.APIError("boom", http_status=500), "unavailable", True),
        (stripe.IdempotencyError("other params", http_status=400), "idempotency_conflict", False),
        (
            stripe.InvalidRequestError(
                "no such intent", "intent", code="resource_missing", http_status=404
            ),
            "resource_missing",
            False,
        ),
        (stripe.AuthenticationError("bad key", http_status=401), "invalid_request", False),
    ],
)
def test_stripe_errors_say_whether_a_retry_can_help(exc, code, retryable):
    r = from_stripe_error(exc, "pi_5")
    assert r.outcome is Outcome.ERROR
    assert (r.code, r.retryable, r.gateway_id) == (code, retryable, "pi_5")
