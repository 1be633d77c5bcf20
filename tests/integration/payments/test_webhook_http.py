"""POST /webhooks/stripe over HTTP (the app in process, Stripe settings, stripe-mock): a
signed event is handled once, anything unsigned or stale is a 400 with a JSON error."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import httpx
import orjson
import pytest

from app.domains import payments
from app.main import create_app
from app.platform.settings import Settings
from tests.fixtures.api import ApiClient
from tests.integration.payments.conftest import STRIPE_KEY, intent_event, new_ref, payment

pytestmark = pytest.mark.integration
SECRET = "whsec_emporium_test"
URL = "/webhooks/stripe"


@pytest.fixture(scope="module")
async def stripe_app(settings: Settings, services) -> AsyncIterator[httpx.AsyncClient]:
    s = settings.model_copy(
        update={
            "payment_gateway": "stripe",
            "stripe_api_key": STRIPE_KEY,
            "stripe_api_base": services.stripe_api_base,
            "stripe_webhook_secret": f"whsec_previous,{SECRET}",
            "stripe_webhook_tolerance": 300,
        }
    )
    app = create_app(s)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            yield http


async def post(http: httpx.AsyncClient, body: bytes, header: str | None) -> httpx.Response:
    headers = {"content-type": "application/json"}
    if header is not None:
        headers["stripe-signature"] = header
    return await http.post(URL, content=body, headers=headers)


def signed(event: object, at: int | None = None) -> tuple[bytes, str]:
    body = orjson.dumps(event)
    return body, payments.signature_header(body, SECRET, at)


def code(r: httpx.Response) -> str:
    return r.json()["errors"][0]["extensions"]["code"]


async def test_a_signed_late_success_is_refunded_once_and_a_redelivery_is_acknowledged(
    stripe_app: httpx.AsyncClient, db
):
    ref = new_ref()
    gateway = payments.TestGateway()  # the saga ran on the test gateway; Stripe reports later
    async with db.uow(payments.CONTEXT) as uow:
        await payments.void_or_refund(uow, gateway, ref)
    body, header = signed(
        intent_event("payment_intent.succeeded", "pi_h_" + ref, ref, amount_received=1200)
    )
    r = await post(stripe_app, body, header)
    assert (r.status_code, r.json()) == (200, {"received": True, "outcome": "orphan_refunded"})
    again = await post(stripe_app, body, header)
    assert (again.status_code, again.json()["outcome"]) == (200, "duplicate")


async def test_a_webhook_reconciles_a_payment_left_pending(stripe_app: httpx.AsyncClient, db):
    ref = new_ref()
    down = payments.StripeGateway(STRIPE_KEY, api_base="http://127.0.0.1:9", timeout=2)
    with pytest.raises(payments.PaymentRetryable):
        async with db.uow(payments.CONTEXT) as uow:
            await payments.authorize_and_capture(uow, down, ref, 1200, "USD", "pm_card_visa")
    await down.aclose()
    body, header = signed(
        intent_event("payment_intent.succeeded", "pi_p_" + ref, ref, amount_received=1200)
    )
    r = await post(stripe_app, body, header)
    assert (r.status_code, r.json()["outcome"]) == (200, "captured")
    assert (await payment(db, ref)).status is payments.PaymentStatus.CAPTURED


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "t=1,v1=deadbeef",
        f"t={int(time.time())},v1={'0' * 64}",
        payments.signature_header(b"another body", SECRET),
        payments.signature_header(b'{"id":"evt_1"}', "whsec_someone_else"),
    ],
)
async def test_an_unsigned_or_badly_signed_request_is_a_400_with_a_json_error(
    stripe_app: httpx.AsyncClient, header
):
    r = await post(stripe_app, b'{"id":"evt_1"}', header)
    assert r.status_code == 400 and r.headers["content-type"] == "application/json"
    assert code(r) == "SIGNATURE_INVALID"


async def test_a_correctly_signed_but_stale_request_is_refused_as_a_replay(stripe_app):
    event = intent_event("payment_intent.succeeded", "pi_stale", new_ref(), amount_received=5)
    body, header = signed(event, at=int(time.time()) - 301)
    r = await post(stripe_app, body, header)
    assert r.status_code == 400 and "tolerance" in r.json()["errors"][0]["message"]


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b"{}", b'{"id": "evt_x", "type": 5}'])
async def test_a_signed_body_that_is_not_an_event_is_a_400(stripe_app, body):
    r = await post(stripe_app, body, payments.signature_header(body, SECRET))
    assert r.status_code == 400 and code(r) in ("BAD_REQUEST", "INVALID_EVENT")


async def test_only_post_is_allowed(stripe_app):
    r = await stripe_app.get(URL)
    assert r.status_code == 405 and code(r) == "METHOD_NOT_ALLOWED"


async def test_without_stripe_configured_the_endpoint_answers_503(api: ApiClient):
    body = b'{"id":"evt_1"}'
    r = await api.http.post(
        URL, content=body, headers={"stripe-signature": payments.signature_header(body, SECRET)}
    )
    assert r.status_code == 503 and code(r) == "NOT_CONFIGURED"
