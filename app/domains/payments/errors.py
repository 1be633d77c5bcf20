"""The payments context's error tree. A decline is not an error: it is a FAILED payment
(`Payment.declined`). These are what the caller cannot treat as a result."""


class PaymentsError(Exception):
    code = "PAYMENTS_ERROR"

    def __init__(self, message: str, reference: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.reference = reference


class PaymentRetryable(PaymentsError):
    """The processor did not answer (timeout, rate limit, outage): try the same call
    again later; the idempotency key makes the retry safe."""

    code = "PAYMENT_RETRY"

    def __init__(self, reference: str, gateway_code: str | None, message: str) -> None:
        super().__init__(message, reference)
        self.gateway_code = gateway_code


class PaymentGatewayError(PaymentsError):
    """The processor refused the request for good (a void of a captured payment, a bad
    key): retrying will not help; a person has to look."""

    code = "PAYMENT_ERROR"

    def __init__(self, reference: str, gateway_code: str | None, message: str) -> None:
        super().__init__(message, reference)
        self.gateway_code = gateway_code


class PaymentNotFound(PaymentsError):
    code = "NOT_FOUND"


class PaymentMismatch(PaymentsError):
    """The reference was already charged with another amount or currency."""

    code = "PAYMENT_MISMATCH"


class RefundExceedsCaptured(PaymentsError):
    code = "REFUND_EXCEEDS_CAPTURED"

    def __init__(self, reference: str, requested: int, available: int) -> None:
        super().__init__(
            f"Cannot refund {requested}: only {available} is left to refund", reference
        )
        self.requested = requested
        self.available = available


class NotRefundable(PaymentsError):
    code = "NOT_REFUNDABLE"


class WebhookSignatureInvalid(PaymentsError):
    """The Stripe-Signature header is missing, malformed, stale or does not match."""

    code = "SIGNATURE_INVALID"


class InvalidWebhookEvent(PaymentsError):
    """A verified body that is not a Stripe event (no id, type or data.object)."""

    code = "INVALID_EVENT"
