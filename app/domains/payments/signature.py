"""Stripe webhook signatures, checked here rather than trusted to any client library.

The header is `t=<unix time>,v1=<hex>[,v1=<hex>…]`: each v1 is HMAC-SHA256 of
`"<t>.<raw body>"` under the endpoint's secret (several while a secret is being rolled).
A timestamp outside the tolerance, either way, is refused: a captured request cannot be
replayed later, and within the window the event id (stored once handled) makes a replay
a no-op.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from app.domains.payments.errors import WebhookSignatureInvalid

MAX_HEADER = 4096  # a real header has a few signatures: a longer one is not parsed


def sign(payload: bytes, secret: str, timestamp: int) -> str:
    """The v1 signature of `payload` at `timestamp` (what Stripe sends; the tests sign)."""
    signed = str(timestamp).encode() + b"." + payload
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature_header(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    t = int(time.time()) if timestamp is None else timestamp
    return f"t={t},v1={sign(payload, secret, t)}"


def verify_signature(
    payload: bytes, header: str | None, secrets: list[str], tolerance: int, now: float | None = None
) -> int:
    """The header's timestamp when one of its v1 signatures matches `payload` under one of
    `secrets` and is at most `tolerance` seconds old (or early); WebhookSignatureInvalid
    otherwise."""
    if not header or len(header) > MAX_HEADER:
        raise WebhookSignatureInvalid("Missing Stripe-Signature header")
    timestamp: int | None = None
    candidates: list[str] = []
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        if key == "t":
            if not value.isdigit() or len(value) > 12:
                raise WebhookSignatureInvalid("Malformed Stripe-Signature timestamp")
            timestamp = int(value)
        elif key == "v1" and value:
            candidates.append(value)
    if timestamp is None or not candidates:
        raise WebhookSignatureInvalid("Stripe-Signature has no timestamp or no v1 signature")
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        raise WebhookSignatureInvalid("Stripe-Signature timestamp is outside the tolerance")
    for secret in secrets:
        expected = sign(payload, secret, timestamp)
        if any(hmac.compare_digest(expected, c) for c in candidates):
            return timestamp
    raise WebhookSignatureInvalid("No Stripe-Signature matches the payload")
