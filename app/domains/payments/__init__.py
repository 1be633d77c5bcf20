"""The payments context: one payment per reference (a checkout saga or an order), charged
through a PaymentGateway (`stripe` on PaymentIntents, or the built-in `test`), with its
history and events, and Stripe's webhooks reconciled against it.

Other code uses only what this module exports. Amounts are integers in the currency's
minor units (app/platform/money.py).
"""

from app.domains.payments.amounts import from_minor, to_minor
from app.domains.payments.entities import Payment, PaymentStatus
from app.domains.payments.errors import (
    InvalidWebhookEvent,
    NotRefundable,
    PaymentGatewayError,
    PaymentMismatch,
    PaymentNotFound,
    PaymentRetryable,
    PaymentsError,
    RefundExceedsCaptured,
    WebhookSignatureInvalid,
)
from app.domains.payments.events import (
    PaymentAuthorized,
    PaymentCaptured,
    PaymentFailed,
    PaymentRefunded,
    PaymentVoided,
)
from app.domains.payments.gateway import GatewayResult, Outcome, PaymentGateway
from app.domains.payments.reconcile import handle_stripe_event
from app.domains.payments.service import (
    authorize_and_capture,
    idempotency_key,
    is_compensated,
    mark_compensated,
    payment_by_reference,
    refund,
    void_or_refund,
)
from app.domains.payments.setup import build_gateway, webhook_secrets
from app.domains.payments.signature import signature_header, verify_signature
from app.domains.payments.stripe_gateway import StripeGateway
from app.domains.payments.test_gateway import TestGateway

CONTEXT = "payments"

__all__ = [
    "CONTEXT",
    "GatewayResult",
    "InvalidWebhookEvent",
    "NotRefundable",
    "Outcome",
    "Payment",
    "PaymentAuthorized",
    "PaymentCaptured",
    "PaymentFailed",
    "PaymentGateway",
    "PaymentGatewayError",
    "PaymentMismatch",
    "PaymentNotFound",
    "PaymentRefunded",
    "PaymentRetryable",
    "PaymentStatus",
    "PaymentVoided",
    "PaymentsError",
    "RefundExceedsCaptured",
    "StripeGateway",
    "TestGateway",
    "WebhookSignatureInvalid",
    "authorize_and_capture",
    "build_gateway",
    "from_minor",
    "handle_stripe_event",
    "idempotency_key",
    "is_compensated",
    "mark_compensated",
    "payment_by_reference",
    "refund",
    "signature_header",
    "to_minor",
    "verify_signature",
    "void_or_refund",
    "webhook_secrets",
]
