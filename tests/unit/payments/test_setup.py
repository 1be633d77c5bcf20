"""Payments configuration: the gateway settings pick, secrets kept out of reprs, and the
conversion of prices to the minor units payments are made in."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.domains import payments
from app.platform.settings import ConfigError, load_settings


def test_the_test_gateway_is_the_default_and_needs_nothing():
    s = load_settings()
    assert s.payment_gateway == "test"
    assert isinstance(payments.build_gateway(s), payments.TestGateway)


def test_stripe_needs_its_key_said_in_one_line(monkeypatch):
    monkeypatch.setenv("PAYMENT_GATEWAY", "stripe")
    with pytest.raises(ConfigError, match="STRIPE_API_KEY"):
        load_settings()


async def test_stripe_is_built_from_settings_and_secrets_never_show_in_a_repr(monkeypatch):
    monkeypatch.setenv("PAYMENT_GATEWAY", "stripe")
    monkeypatch.setenv("STRIPE_API_KEY", "sk_test_very_secret")
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", " whsec_old , whsec_new ,")
    s = load_settings()
    assert "sk_test_very_secret" not in repr(s) and "whsec_old" not in repr(s)
    assert payments.webhook_secrets(s) == ["whsec_old", "whsec_new"]
    gateway = payments.build_gateway(s)
    assert isinstance(gateway, payments.StripeGateway)
    await gateway.aclose()


@pytest.mark.parametrize("value", ["paypal", ""])
def test_an_unknown_gateway_is_refused(monkeypatch, value):
    monkeypatch.setenv("PAYMENT_GATEWAY", value)
    with pytest.raises(ConfigError, match="PAYMENT_GATEWAY"):
        load_settings()


@pytest.mark.parametrize(
    "amount, currency, minor",
    [
        ("12.34", "USD", 1234),
        ("12.345", "USD", 1234),  # half-even
        ("12.355", "usd", 1236),
        ("1500", "JPY", 1500),
        ("1.2345", "KWD", 1234),
        ("0", "EUR", 0),
    ],
)
def test_prices_become_minor_units_and_back(amount, currency, minor):
    assert payments.to_minor(Decimal(amount), currency) == minor
    back = payments.from_minor(minor, currency)
    assert payments.to_minor(back, currency) == minor
    assert back.as_tuple().exponent == {"JPY": 0, "KWD": -3}.get(currency, -2)
