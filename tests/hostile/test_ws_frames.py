"""Hostile WebSocket clients (graphql-transport-ws) against a real `emporium serve`:
malformed frames close with the protocol's codes instead of crashing the handler
(issue 13 #8), and results and errors are coded and masked like HTTP's (issue 13 #7)."""

from __future__ import annotations

import asyncio
import dataclasses
import json

import pytest
import websockets
from websockets.exceptions import ConnectionClosed

from app.domains import catalog
from tests.fixtures.catalog_data import product_draft
from tests.hostile.harness import (
    MAX_BODY_BYTES,
    healthz_keeps_answering,
    hostile_server_fixture,  # noqa: F401 (the hostile_server fixture)
)

pytestmark = pytest.mark.e2e

PROTOCOL = ["graphql-transport-ws"]


def ws_url(server) -> str:
    return f"ws://127.0.0.1:{server.port}/graphql"


async def acked(server, **kwargs):
    ws = await websockets.connect(ws_url(server), subprotocols=PROTOCOL, **kwargs)
    await ws.send(json.dumps({"type": "connection_init"}))
    ack = await asyncio.wait_for(ws.recv(), 10)
    assert isinstance(ack, str), "messages must be text frames (browsers can't parse binary)"
    assert json.loads(ack)["type"] == "connection_ack"
    return ws


async def close_code_after(server, frame: str | bytes, init: bool = True) -> int | None:
    ws = await (
        acked(server) if init else websockets.connect(ws_url(server), subprotocols=PROTOCOL)
    )
    try:
        await ws.send(frame)
        while True:
            await asyncio.wait_for(ws.recv(), 10)
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None
    finally:
        await ws.close()


BAD_FRAMES = [
    pytest.param("5", 4400, id="number"),
    pytest.param("[1,2]", 4400, id="list"),
    pytest.param("null", 4400, id="null"),
    pytest.param('"subscribe"', 4400, id="string"),
    pytest.param("{not json", 4400, id="not-json"),
    pytest.param("[" * 100_000 + "]" * 100_000, 4400, id="100000-deep"),
    pytest.param('{"a":' * 40 + "1" + "}" * 40, 4400, id="40-deep-object"),
    pytest.param(b"\x00\x01binary", 4400, id="binary-frame"),
    pytest.param('{"type": 5}', 4400, id="type-number"),
    pytest.param('{"type": "nonsense"}', 4400, id="unknown-type"),
    pytest.param('{"id": "1", "type": "subscribe", "payload": null}', 4400, id="payload-null"),
    pytest.param('{"id": "1", "type": "subscribe", "payload": 7}', 4400, id="payload-7"),
    pytest.param('{"id": "1", "type": "subscribe", "payload": {"query": 5}}', 4400, id="query-5"),
    pytest.param('{"id": "1", "type": "subscribe", "payload": {}}', 4400, id="no-query"),
    pytest.param('{"type": "subscribe", "payload": {"query": "{ __typename }"}}', 4400, id="no-id"),
    pytest.param(
        '{"id": 1, "type": "subscribe", "payload": {"query": "{ __typename }"}}', 4400, id="id-int"
    ),
    pytest.param(
        '{"id": "1", "type": "subscribe", "payload": {"query": "{ __typename }", "variables": 5}}',
        4400,
        id="variables-5",
    ),
    pytest.param(
        '{"id": "1", "type": "subscribe", "payload": {"query": "{ a"}}', 4400, id="syntax-error"
    ),
    pytest.param('{"type": "complete"}', 4400, id="complete-no-id"),
    pytest.param('{"type": "ping", "payload": 5}', 4400, id="ping-payload-5"),
]


@pytest.mark.parametrize(("frame", "code"), BAD_FRAMES)
async def test_a_malformed_frame_closes_with_the_protocol_code(hostile_server, frame, code):
    assert await close_code_after(hostile_server, frame) == code


async def test_malformed_frames_before_init_close_cleanly_too(hostile_server):
    for frame in ("5", "[1,2]", '{"type": "connection_init", "payload": 5}'):
        assert await close_code_after(hostile_server, frame, init=False) == 4400
    # the protocol allows a null payload on connection_init
    ws = await websockets.connect(ws_url(hostile_server), subprotocols=PROTOCOL)
    await ws.send('{"type": "connection_init", "payload": null}')
    assert json.loads(await ws.recv())["type"] == "connection_ack"
    await ws.close()


async def test_an_oversized_message_closes_with_1009(hostile_server):
    frame = '{"type": "ping", "payload": {"x": "' + "a" * MAX_BODY_BYTES + '"}}'
    assert await close_code_after(hostile_server, frame) == 1009


async def test_bad_frames_never_disturb_healthz(hostile_server):
    """All of the above at once (the module's server log is checked for tracebacks)."""
    with healthz_keeps_answering(hostile_server):
        codes = await asyncio.gather(
            *(close_code_after(hostile_server, p.values[0]) for p in BAD_FRAMES for _ in range(3))
        )
    assert set(codes) == {4400}


async def run(server, query: str, variables: dict | None = None) -> dict:
    ws = await acked(server)
    try:
        payload: dict = {"query": query}
        if variables is not None:
            payload["variables"] = variables
        await ws.send(json.dumps({"id": "op", "type": "subscribe", "payload": payload}))
        frame = await asyncio.wait_for(ws.recv(), 10)
        assert isinstance(frame, str), "messages must be text frames"
        return json.loads(frame)
    finally:
        await ws.close()


def errors_of(msg: dict) -> list[dict]:
    if msg["type"] == "error":
        return msg["payload"]
    assert msg["type"] == "next", msg
    return msg["payload"].get("errors") or []


LEAKS = ("SELECT", "sqlalchemy", "sqlalche.me", "asyncpg", "invalid literal", "Traceback")


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        ('{ product(handle: "a\\u0000b") { id } }', None),
        ("query($h: String!) { product(handle: $h) { id } }", {"h": "a\x00b"}),
        ('{ node(id: "gid://emporium/Product/²") { id } }', None),
        ('{ node(id: "gid://emporium/Product/99999999999999999999999") { id } }', None),
        ("{ nosuchfield }", None),
        ("query($n: Int!) { products(first: $n) { nodes { id } } }", {"n": "x"}),
    ],
)
async def test_websocket_errors_are_coded_and_masked_like_http(hostile_server, query, variables):
    msg = await run(hostile_server, query, variables)
    errors = errors_of(msg)
    assert errors, msg
    for e in errors:
        assert e["extensions"]["code"], e
        assert e["extensions"]["requestId"], e
    text = json.dumps(msg)
    assert not [leak for leak in LEAKS if leak in text], text


async def test_websocket_results_match_http(hostile_server):
    import httpx

    query = '{ product(handle: "test-product-001") { title } }'
    msg = await run(hostile_server, query)
    assert msg["type"] == "next"
    http = httpx.post(f"{hostile_server.url}/graphql", json={"query": query}).json()
    assert msg["payload"] == http


async def test_each_operation_on_a_socket_sees_current_data(hostile_server, db):
    """A socket lives for hours: its operations must not share one request's loader cache
    (stale answers, and memory that grows with everything the socket ever loaded)."""
    query = '{ product(handle: "test-product-002") { title } }'
    ws = await acked(hostile_server)
    try:
        titles = []
        for n, new_title in enumerate((None, "Renamed over the socket")):
            if new_title:
                async with db.uow("catalog") as uow:
                    draft = dataclasses.replace(product_draft(2), title=new_title)
                    await catalog.upsert_product(uow, draft)
                    await uow.commit()
            await ws.send(
                json.dumps({"id": f"q{n}", "type": "subscribe", "payload": {"query": query}})
            )
            msg = json.loads(await asyncio.wait_for(ws.recv(), 10))
            titles.append(msg["payload"]["data"]["product"]["title"])
            assert json.loads(await ws.recv())["type"] == "complete"
    finally:
        await ws.close()
        async with db.uow("catalog") as uow:
            await catalog.upsert_product(uow, product_draft(2))
            await uow.commit()
    assert titles == [product_draft(2).title, "Renamed over the socket"]


async def test_browsers_on_allowed_origins_may_open_the_socket(hostile_server):
    """Like CORS for HTTP (CORS_ALLOW_ORIGINS, `*` by default): a storefront on its own
    origin may subscribe; auth is by token, never by cookie."""
    ws = await websockets.connect(
        ws_url(hostile_server), subprotocols=PROTOCOL, origin="https://shop.example"
    )
    await ws.send(json.dumps({"type": "connection_init"}))
    assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
    await ws.close()


@pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")
def test_a_restricted_origin_list_applies_to_the_socket(settings):
    from starlette.testclient import TestClient
    from starlette.websockets import WebSocketDisconnect

    from app.main import create_app

    app = create_app(settings.model_copy(update={"cors_allow_origins": "https://shop.example"}))
    with TestClient(app) as client:
        for origin, allowed in (("https://shop.example", True), ("https://evil.example", False)):
            headers = {"origin": origin, "sec-websocket-protocol": "graphql-transport-ws"}
            try:
                with client.websocket_connect("/graphql", headers=headers) as ws:
                    ws.send_json({"type": "connection_init"})
                    assert ws.receive_json()["type"] == "connection_ack"
                    opened = True
            except WebSocketDisconnect:
                opened = False
            assert opened == allowed, origin
