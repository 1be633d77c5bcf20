"""Building the configured gateway from settings (in a lifespan or a worker's start)."""

from __future__ import annotations

from app.domains.payments.gateway import PaymentGateway
from app.domains.payments.stripe_gateway import StripeGateway
from app.domains.payments.test_gateway import TestGateway
from app.platform.settings import Settings


def build_gateway(settings: Settings) -> PaymentGateway:
    """PAYMENT_GATEWAY=stripe: Stripe (or STRIPE_API_BASE's stand-in); else the test gateway.

    Build one per process and keep it: the test gateway's charges live in the object."""
    if settings.payment_gateway == "stripe":
        return StripeGateway(
            settings.stripe_api_key,
            api_base=settings.stripe_api_base,
            timeout=settings.stripe_timeout,
        )
    return TestGateway()


def webhook_secrets(settings: Settings) -> list[str]:
    return [s.strip() for s in settings.stripe_webhook_secret.split(",") if s.strip()]
