"""Payments fixtures: stripe-mock behind a client that records what was sent (and what
stripe-mock echoed back), unique references, and readers of the payments schema."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
import stripe

from app.domains import payments
from app.platform.db import Database
from tests.fixtures.services import TestServices

STRIPE_KEY = "sk_test_emporium"


@dataclass
class Sent:
    method: str
    path: str
    idempotency_key: str | None
    echoed_key: str | None  # stripe-mock answers with the Idempotency-Key it received
    status: int


class RecordingHTTPClient(stripe.HTTPXClient):
    """stripe's own httpx client, noting each request: stripe-mock keeps no state, so the
    requests are what a test can count."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[Sent] = []

    async def request_async(
        self, method: str, url: str, headers: Mapping[str, str], post_data: Any = None
    ) -> tuple[bytes, int, Mapping[str, str]]:
        body, status, rheaders = await super().request_async(method, url, headers, post_data)
        path = "/" + url.split("/", 3)[3].split("?")[0]
        echoed = {k.lower(): v for k, v in rheaders.items()}.get("idempotency-key")
        self.sent.append(Sent(method, path, headers.get("Idempotency-Key"), echoed, status))
        return body, status, rheaders

    def paths(self, method: str = "post") -> list[str]:
        return [s.path for s in self.sent if s.method == method]


@pytest.fixture
async def stripe_gateway(
    services: TestServices,
) -> AsyncIterator[tuple[payments.StripeGateway, RecordingHTTPClient]]:
    http = RecordingHTTPClient()
    gateway = payments.StripeGateway(
        STRIPE_KEY, api_base=services.stripe_api_base, http_client=http
    )
    yield gateway, http
    await gateway.aclose()


def new_ref(prefix: str = "saga") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


async def outbox_types(db: Database, reference: str) -> list[str]:
    async with db.reader(payments.CONTEXT) as uow:
        rows = await uow.session.execute(
            sa.text(
                "SELECT type FROM payments.outbox WHERE payload->>'reference' = :r ORDER BY id"
            ),
            {"r": reference},
        )
        return [r.type for r in rows]


async def history(db: Database, reference: str) -> list[tuple[str, str]]:
    async with db.reader(payments.CONTEXT) as uow:
        rows = await uow.session.execute(
            sa.text(
                "SELECT e.kind, e.outcome FROM payments.payment_events e "
                "JOIN payments.payments p ON p.id = e.payment_id WHERE p.reference = :r "
                "ORDER BY e.id"
            ),
            {"r": reference},
        )
        return [(r.kind, r.outcome) for r in rows]


async def payment_rows(db: Database, reference: str) -> int:
    async with db.reader(payments.CONTEXT) as uow:
        found = await uow.session.execute(
            sa.text("SELECT count(*) FROM payments.payments WHERE reference = :r"), {"r": reference}
        )
        return int(found.scalar_one())


async def payment(db: Database, reference: str) -> payments.Payment:
    async with db.reader(payments.CONTEXT) as uow:
        found = await payments.payment_by_reference(uow, reference)
    assert found is not None
    return found


def intent_event(
    kind: str,
    intent_id: str,
    reference: str | None = None,
    *,
    amount_received: int = 0,
    event_id: str | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """A Stripe event about a PaymentIntent, shaped as Stripe sends it."""
    obj: dict[str, Any] = {
        "id": intent_id,
        "object": "payment_intent",
        "amount_received": amount_received,
        "metadata": {"reference": reference} if reference else {},
        **fields,
    }
    return {
        "id": event_id or f"evt_{uuid.uuid4().hex[:16]}",
        "object": "event",
        "type": kind,
        "data": {"object": obj},
    }
