"""POST /webhooks/stripe: Stripe's events about our PaymentIntents, verified, handled once
and reconciled by the payments context.

Answers: 200 when handled (or already handled: Stripe stops resending); 400 with a JSON
error for a bad signature or a body that is not an event (never 500: nothing a caller
sends reaches the handler unverified); 503 when it is not configured or a refund it needs
cannot be made now (Stripe sends it again later).
"""

from __future__ import annotations

import logging

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from app.domains import payments
from app.http import RequestError, error_response, request_id_of
from app.platform.runtime import Runtime

log = logging.getLogger("emporium.webhooks")

GATEWAY = "payments.gateway"  # runtime.extra key: one gateway per process


def payment_gateway(runtime: Runtime) -> payments.PaymentGateway:
    """The process's gateway, built on first use: the test gateway keeps its charges in
    the object, so everything in a process (webhooks, saga steps) must share one."""
    gateway = runtime.extra.get(GATEWAY)
    if gateway is None:
        gateway = runtime.extra[GATEWAY] = payments.build_gateway(runtime.settings)
    return gateway  # type: ignore[no-any-return]


async def stripe_webhook(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    settings = runtime.settings
    rid = request_id_of(request.scope)
    secrets = payments.webhook_secrets(settings)
    if not secrets or settings.payment_gateway != "stripe":
        msg = "Stripe webhooks are not configured (PAYMENT_GATEWAY=stripe, STRIPE_WEBHOOK_SECRET)"
        return error_response(RequestError(503, msg, "NOT_CONFIGURED"), rid)
    body = await request.body()
    try:
        payments.verify_signature(
            body,
            request.headers.get("stripe-signature"),
            secrets,
            settings.stripe_webhook_tolerance,
        )
    except payments.WebhookSignatureInvalid as exc:
        return error_response(RequestError(400, exc.message, exc.code), rid)
    try:
        event = orjson.loads(body)
    except orjson.JSONDecodeError:
        event = None
    if not isinstance(event, dict):
        return error_response(RequestError(400, "The body is not a JSON event"), rid)
    try:
        async with runtime.db.uow(payments.CONTEXT) as uow:
            outcome = await payments.handle_stripe_event(uow, payment_gateway(runtime), event)
    except (payments.PaymentRetryable, payments.PaymentGatewayError) as exc:
        log.warning("stripe event %s not reconciled yet: %s", event.get("id"), exc.message)
        return error_response(RequestError(503, exc.message, exc.code), rid)
    except payments.PaymentsError as exc:
        return error_response(RequestError(400, exc.message, exc.code), rid)
    log.info("stripe event %s (%s): %s", event.get("id"), event.get("type"), outcome)
    return JSONResponse({"received": True, "outcome": outcome})


route = Route("/webhooks/stripe", stripe_webhook, methods=["POST"])
