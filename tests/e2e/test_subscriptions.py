"""Order subscriptions across replicas: two `emporium serve` processes (A, B) with a `worker`
and a `relay` on the real services. A WebSocket client (graphql-transport-ws) subscribed
to `orderUpdated` on A sees the change a worker-side service call makes (PLACED → PAID) and
the one a staff mutation sent to B makes (→ FULFILLED): outbox → relay → broker → worker →
Redis pub/sub → A. Someone else's order is NOT_FOUND, a guest with the lookup token is let
in, the per-connection limit refuses one more, signing out ends the subscriptions at the next
update, and leaving releases everything (A's `emporium_live_subscribers` gauge back to 0)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from contextlib import ExitStack
from typing import Any

import httpx
import pytest
import websockets

from app.domains import customers, orders
from app.platform.ids import from_global_id, to_global_id
from tests.e2e.conftest import ROOT, serve
from tests.integration.orders.helpers import draft

pytestmark = pytest.mark.e2e

PASSWORD = "correct-horse-battery-9"
SUBSCRIBE = """subscription($id: ID!, $email: String, $token: String) {
  orderUpdated(id: $id, email: $email, token: $token) { id number status updatedAt } }"""
ORDER = "query($id: ID!) { order(id: $id) { id number status updatedAt } }"
FULFILL = """mutation($input: OrderFulfillInput!) { orderFulfill(input: $input) {
  order { status lines { id } } userErrors { code message } } }"""
LIMIT = 2


def post(url: str, query: str, variables: dict | None = None, token: str | None = None) -> dict:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    r = httpx.post(
        f"{url}/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
    assert r.status_code == 200, r.text
    return r.json()


def start(cmd: str, env: dict[str, str], log) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli", cmd],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def sign_up_and_in(url: str) -> tuple[int, str]:
    email = f"sub-{uuid.uuid4().hex[:8]}@example.com"
    made = post(
        url,
        "mutation($i: CustomerCreateInput!) { customerCreate(input: $i) { customer { id } } }",
        {"i": {"email": email, "password": PASSWORD}},
    )
    cid = from_global_id(made["data"]["customerCreate"]["customer"]["id"], "Customer")[1]
    signed = post(
        url,
        "mutation($e: String!, $p: String!) { customerAccessTokenCreate(input: "
        "{email: $e, password: $p}) { customerAccessToken { accessToken } } }",
        {"e": email, "p": PASSWORD},
    )
    return cid, signed["data"]["customerAccessTokenCreate"]["customerAccessToken"]["accessToken"]


def live_subscribers(url: str) -> float:
    text = httpx.get(f"{url}/metrics").text
    found = re.search(r"^emporium_live_subscribers (\S+)$", text, re.M)
    assert found, text[-2000:]
    return float(found.group(1))


class Client:
    """A minimal graphql-transport-ws client."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws

    @classmethod
    async def connect(cls, url: str, token: str | None) -> Client:
        ws = await websockets.connect(
            url.replace("http://", "ws://") + "/graphql", subprotocols=["graphql-transport-ws"]
        )
        await ws.send(json.dumps({"type": "connection_init", "payload": {"authToken": token}}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        return cls(ws)

    async def subscribe(self, op_id: str, variables: dict) -> None:
        payload = {"query": SUBSCRIBE, "variables": variables}
        await self.ws.send(json.dumps({"id": op_id, "type": "subscribe", "payload": payload}))

    async def receive(self, timeout: float = 10) -> dict:
        while True:
            message = json.loads(await asyncio.wait_for(self.ws.recv(), timeout))
            if message["type"] != "ping":
                return message

    async def next_status(self, op_id: str) -> str:
        message = await self.receive()
        assert message["id"] == op_id and message["type"] == "next", message
        return str(message["payload"]["data"]["orderUpdated"]["status"])

    async def error_codes(self, op_id: str) -> list[str]:
        """An operation refused: an `error` message, or a `next` with errors then
        `complete` (either is the protocol's way)."""
        message = await self.receive()
        assert message["id"] == op_id, message
        if message["type"] == "error":
            errors = message["payload"]
        else:
            assert message["type"] == "next" and message["payload"]["data"] is None, message
            errors = message["payload"]["errors"]
            assert (await self.receive())["type"] == "complete"
        return [e["extensions"]["code"] for e in errors]

    async def complete(self, op_id: str) -> None:
        await self.ws.send(json.dumps({"id": op_id, "type": "complete"}))

    async def close(self) -> None:
        await self.ws.close()


async def wait_for_subscribers(url: str, expected: float, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while (found := live_subscribers(url)) != expected:
        assert time.monotonic() < deadline, f"{found} subscribers on {url}, not {expected}"
        await asyncio.sleep(0.05)


async def test_order_updates_reach_a_subscriber_on_another_replica(services, db, tmp_path):
    staff_email = f"subs-{uuid.uuid4().hex[:8]}@example.com"
    async with db.uow(customers.CONTEXT) as uow:
        await customers.create_staff(uow, staff_email, PASSWORD, ["MANAGE_ORDERS"])
        await uow.commit()
    env = {
        **services.env(),
        "LOG_LEVEL": "WARNING",
        "QUEUE_PREFIX": f"{services.queue_prefix}sub{uuid.uuid4().hex[:6]}-",
        "MAX_SUBSCRIPTIONS_PER_CONNECTION": str(LIMIT),
    }
    procs = [
        start("worker", env, tmp_path / "worker.log"),
        start("relay", env, tmp_path / "relay.log"),
    ]
    try:
        with ExitStack() as stack:
            a = stack.enter_context(serve([], env, tmp_path / "a.log"))
            b = stack.enter_context(serve([], env, tmp_path / "b.log"))
            staff = post(
                b.url,
                "mutation($i: StaffAccessTokenCreateInput!) { staffAccessTokenCreate(input: $i) "
                "{ staffAccessToken { accessToken } } }",
                {"i": {"email": staff_email, "password": PASSWORD}},
            )["data"]["staffAccessTokenCreate"]["staffAccessToken"]["accessToken"]
            owner_id, owner = sign_up_and_in(a.url)
            _, stranger = sign_up_and_in(a.url)
            placed = await orders.place_order(
                db.uow(orders.CONTEXT), draft(customer_id=owner_id, paid=False)
            )
            order_id = to_global_id("Order", placed.order.id)
            guest = await orders.place_order(db.uow(orders.CONTEXT), draft(paid=False))
            guest_id = to_global_id("Order", guest.order.id)

            mine = await Client.connect(a.url, owner)
            desk = await Client.connect(a.url, staff)
            await mine.subscribe("1", {"id": order_id})
            await desk.subscribe("1", {"id": order_id})
            # the current state first, the same as order(id:) answers
            assert await mine.next_status("1") == "PLACED"
            assert await desk.next_status("1") == "PLACED"
            now = post(a.url, ORDER, {"id": order_id}, owner)["data"]["order"]
            assert now["status"] == "PLACED"

            # a worker-side change (what the saga does once the payment is captured)
            await orders.mark_paid(db.uow(orders.CONTEXT), placed.order.id)
            assert await mine.next_status("1") == "PAID"
            assert await desk.next_status("1") == "PAID"

            # a staff mutation sent to B, seen on A
            lines = [
                {"lineId": to_global_id("OrderLine", ln.id), "quantity": ln.quantity}
                for ln in placed.order.lines
            ]
            sent = time.monotonic()
            done = post(b.url, FULFILL, {"input": {"orderId": order_id, "lines": lines}}, staff)
            assert not done["data"]["orderFulfill"]["userErrors"], done
            status = done["data"]["orderFulfill"]["order"]["status"]
            assert await mine.next_status("1") == status
            print(f"\nB's fulfilment reached A's subscriber after {time.monotonic() - sent:.3f} s")
            assert await desk.next_status("1") == status

            # someone else's order, or nobody's: NOT_FOUND, as order(id:)
            nosy = await Client.connect(a.url, stranger)
            await nosy.subscribe("x", {"id": order_id})
            assert await nosy.error_codes("x") == ["NOT_FOUND"]
            anonymous = await Client.connect(a.url, None)
            await anonymous.subscribe("x", {"id": order_id})
            assert await anonymous.error_codes("x") == ["NOT_FOUND"]
            # a guest with the order's e-mail and lookup token is let in; a wrong token not
            assert guest.lookup_token
            creds = {"email": guest.order.email, "token": guest.lookup_token}
            await anonymous.subscribe("g", {"id": guest_id, **creds})
            assert await anonymous.next_status("g") == "PLACED"
            await anonymous.subscribe("w", {"id": guest_id, **creds, "token": "nope"})
            assert await anonymous.error_codes("w") == ["NOT_FOUND"]

            # the per-connection limit: `mine` holds 1, one more fits, the next is refused
            await mine.subscribe("2", {"id": order_id})
            assert await mine.next_status("2") == status
            await mine.subscribe("3", {"id": order_id})
            assert await mine.error_codes("3") == ["TOO_MANY_SUBSCRIPTIONS"]
            # completing one frees its place
            await mine.complete("2")
            await wait_for_subscribers(a.url, 3)  # mine 1, desk 1, the guest 1
            await mine.subscribe("4", {"id": order_id})
            assert await mine.next_status("4") == status

            # signing out ends the socket's rights at the next update; staff still see it
            out = post(
                a.url,
                "mutation($t: String!) { customerAccessTokenDelete(customerAccessToken: $t) "
                "{ deletedAccessToken } }",
                {"t": owner},
            )
            assert out["data"]["customerAccessTokenDelete"]["deletedAccessToken"] == owner
            shipped = post(
                b.url,
                "mutation($id: ID!) { orderMarkShipped(orderId: $id) { order { status } } }",
                {"id": order_id},
                staff,
            )
            assert shipped["data"]["orderMarkShipped"]["order"]["status"] == "SHIPPED"
            assert await desk.next_status("1") == "SHIPPED"
            ended: dict[str, list[str]] = {}
            while len(ended) < 2:
                message = await mine.receive()
                assert message["type"] == "next" and message["id"] in ("1", "4"), message
                ended[message["id"]] = [
                    e["extensions"]["code"] for e in message["payload"]["errors"]
                ]
                assert (await mine.receive()) == {"id": message["id"], "type": "complete"}
            assert ended == {"1": ["UNAUTHENTICATED"], "4": ["UNAUTHENTICATED"]}
            await wait_for_subscribers(a.url, 2)  # desk 1, the guest 1

            # leaving (a close, or a dropped connection) releases everything on A
            await mine.close()
            await desk.close()
            await nosy.close()
            anonymous.ws.transport.abort()  # no close handshake at all
            await wait_for_subscribers(a.url, 0)
            assert live_subscribers(b.url) == 0
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        codes = [p.wait(timeout=30) for p in procs]
    assert codes == [0, 0], codes
