"""Stripe-Signature verification: HMAC over `t.body`, several v1s and secrets, a
tolerance both ways (a replay later than it is refused), malformed headers refused."""

from __future__ import annotations

import pytest

from app.domains.payments import WebhookSignatureInvalid, signature_header, verify_signature
from app.domains.payments.signature import sign

BODY = b'{"id":"evt_1","type":"payment_intent.succeeded"}'
SECRET = "whsec_test_secret"
NOW = 1_800_000_000


def test_a_fresh_signature_verifies_and_returns_its_timestamp():
    header = signature_header(BODY, SECRET, NOW)
    assert verify_signature(BODY, header, [SECRET], 300, now=NOW + 10) == NOW


@pytest.mark.parametrize(
    "body, secrets",
    [
        (BODY + b" ", [SECRET]),  # the body changed
        (BODY, ["whsec_other"]),  # another endpoint's secret
    ],
)
def test_a_signature_that_does_not_match_is_refused(body, secrets):
    header = signature_header(BODY, SECRET, NOW)
    with pytest.raises(WebhookSignatureInvalid, match="matches"):
        verify_signature(body, header, secrets, 300, now=NOW)


@pytest.mark.parametrize("age", [301, -301, 10_000])
def test_a_timestamp_outside_the_tolerance_either_way_is_refused_even_when_signed(age):
    header = signature_header(BODY, SECRET, NOW)
    with pytest.raises(WebhookSignatureInvalid, match="tolerance"):
        verify_signature(BODY, header, [SECRET], 300, now=NOW + age)


def test_the_tolerance_is_inclusive_and_configurable():
    header = signature_header(BODY, SECRET, NOW)
    assert verify_signature(BODY, header, [SECRET], 300, now=NOW + 300) == NOW
    with pytest.raises(WebhookSignatureInvalid):
        verify_signature(BODY, header, [SECRET], 60, now=NOW + 61)


def test_the_timestamp_is_signed_so_a_replay_cannot_refresh_it():
    old = signature_header(BODY, SECRET, NOW)
    v1 = old.split("v1=")[1]
    replayed = f"t={NOW + 3600},v1={v1}"
    with pytest.raises(WebhookSignatureInvalid, match="matches"):
        verify_signature(BODY, replayed, [SECRET], 300, now=NOW + 3600)


def test_any_of_several_signatures_and_secrets_may_match_while_a_secret_rolls():
    good = sign(BODY, SECRET, NOW)
    header = f"t={NOW},v1={'0' * 64},v0=ignored,v1={good}"
    assert verify_signature(BODY, header, ["whsec_new", SECRET], 300, now=NOW) == NOW


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "garbage",
        f"v1={'a' * 64}",  # no timestamp
        f"t={NOW}",  # no signature
        f"t=abc,v1={'a' * 64}",
        f"t=-5,v1={'a' * 64}",
        f"t={NOW},v0={'a' * 64}",  # only the scheme we do not accept
        "t=1," + "v1=a," * 2000,  # far longer than any real header
    ],
)
def test_missing_or_malformed_headers_are_refused(header):
    with pytest.raises(WebhookSignatureInvalid):
        verify_signature(BODY, header, [SECRET], 300, now=NOW)
