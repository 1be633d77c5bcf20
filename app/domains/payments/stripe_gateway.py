"""The `stripe` gateway: PaymentIntents with manual capture, through the `stripe` package.

authorize = create and confirm a PaymentIntent with `capture_method=manual` (the card is
held, `requires_capture`); capture = capture it; void = cancel it; refund = a Refund of
it. Every request carries the caller's idempotency key (Stripe's `Idempotency-Key`
header), and the reference goes into the PaymentIntent's metadata, so a webhook can name
the payment even when the authorize answer was lost. Declines arrive as CardError (402);
network trouble, rate limits and Stripe's 5xx are retryable errors.
"""

from __future__ import annotations

from typing import Any

import stripe

from app.domains.payments.gateway import GatewayResult

# a 200 to create-and-confirm can still leave the intent short of held funds
_AUTHORIZED = ("requires_capture", "succeeded")


class StripeGateway:
    name = "stripe"

    def __init__(
        self,
        api_key: str,
        *,
        api_base: str = "",
        timeout: float = 20,
        http_client: stripe.HTTPClient | None = None,
    ) -> None:
        self._http = http_client or stripe.HTTPXClient(timeout=timeout)
        self._client = stripe.StripeClient(
            api_key,
            base_addresses={"api": api_base} if api_base else None,
            http_client=self._http,
            # retries are the saga's (same idempotency key), never hidden in here
            max_network_retries=0,
        )

    async def authorize(
        self, amount: int, currency: str, token: str, idempotency_key: str, reference: str
    ) -> GatewayResult:
        params: dict[str, Any] = {
            "amount": amount,
            "currency": currency.lower(),
            "capture_method": "manual",
            "confirm": True,
            "payment_method_types": ["card"],
            "metadata": {"reference": reference},
        }
        try:
            if token.startswith("pm_"):
                params["payment_method"] = token
            else:
                # a card token (tok_…) becomes a PaymentMethod first, under its own key
                method = await self._client.v1.payment_methods.create_async(
                    {"type": "card", "card": {"token": token}},  # type: ignore[typeddict-item]
                    {"idempotency_key": f"{idempotency_key}:method"},
                )
                params["payment_method"] = method.id
            intent = await self._client.v1.payment_intents.create_async(
                params,  # type: ignore[arg-type]
                {"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as exc:
            return from_stripe_error(exc)
        return authorization_result(intent.to_dict())

    async def capture(self, gateway_id: str, amount: int, idempotency_key: str) -> GatewayResult:
        try:
            intent = await self._client.v1.payment_intents.capture_async(
                gateway_id, {"amount_to_capture": amount}, {"idempotency_key": idempotency_key}
            )
        except stripe.StripeError as exc:
            return from_stripe_error(exc, gateway_id)
        # Stripe answers a capture it cannot make with an error, never a 200
        return GatewayResult.approve(intent.id, intent.amount_received or amount)

    async def void(self, gateway_id: str, idempotency_key: str) -> GatewayResult:
        try:
            intent = await self._client.v1.payment_intents.cancel_async(
                gateway_id, {}, {"idempotency_key": idempotency_key}
            )
        except stripe.StripeError as exc:
            return from_stripe_error(exc, gateway_id)
        return GatewayResult.approve(intent.id, intent.amount or 0)

    async def refund(self, payment: str, amount: int | None, idempotency_key: str) -> GatewayResult:
        params: dict[str, Any] = {"payment_intent": payment}
        if amount is not None:
            params["amount"] = amount
        try:
            found = await self._client.v1.refunds.create_async(
                params,  # type: ignore[arg-type]
                {"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as exc:
            return from_stripe_error(exc, payment)
        if found.status in ("failed", "canceled"):
            return GatewayResult.decline(
                found.failure_reason or "refund_failed", "The refund failed", payment
            )
        return GatewayResult.approve(payment, found.amount or amount or 0, found.id)

    async def aclose(self) -> None:
        await self._http.close_async()


def authorization_result(intent: Any) -> GatewayResult:
    """A confirmed PaymentIntent's status, normalised."""
    status = intent.get("status")
    if status in _AUTHORIZED:
        return GatewayResult.approve(
            intent["id"], intent.get("amount_capturable") or intent["amount"]
        )
    if status == "requires_action":
        # 3-D Secure needs the shopper, who is not in a server-side saga step
        return GatewayResult.decline(
            "authentication_required", "The card needs the shopper to authenticate", intent["id"]
        )
    if status == "processing":
        return GatewayResult.error(
            "processing", "The payment is still processing", retryable=True, gateway_id=intent["id"]
        )
    error = intent.get("last_payment_error") or {}
    code = error.get("decline_code") or error.get("code") or status or "payment_failed"
    return GatewayResult.decline(
        str(code), error.get("message") or f"The payment is {status}", intent["id"]
    )


def from_stripe_error(exc: stripe.StripeError, gateway_id: str | None = None) -> GatewayResult:
    """Stripe's exceptions, normalised: a card's refusal is a decline; what a retry can fix
    (network, rate limit, lock contention, Stripe's 5xx) is a retryable error."""
    err = exc.error
    intent = getattr(err, "payment_intent", None) if err is not None else None
    gid = (getattr(intent, "id", None) if intent else None) or gateway_id
    message = exc.user_message or str(exc) or type(exc).__name__
    if isinstance(exc, stripe.CardError):
        code = (err.decline_code if err is not None else None) or exc.code or "card_declined"
        return GatewayResult.decline(code, message, gid)
    if isinstance(exc, stripe.APIConnectionError):
        return GatewayResult.error("unavailable", message, retryable=True, gateway_id=gid)
    if isinstance(exc, stripe.RateLimitError) or exc.code == "lock_timeout":
        return GatewayResult.error("rate_limited", message, retryable=True, gateway_id=gid)
    if isinstance(exc, stripe.IdempotencyError):
        return GatewayResult.error("idempotency_conflict", message, retryable=False, gateway_id=gid)
    if exc.http_status is not None and exc.http_status >= 500:
        return GatewayResult.error("unavailable", message, retryable=True, gateway_id=gid)
    return GatewayResult.error(
        exc.code or "invalid_request", message, retryable=False, gateway_id=gid
    )
