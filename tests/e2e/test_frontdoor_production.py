"""ENVIRONMENT=production: no introspection, no GraphiQL, HSTS, sockets only for someone
signed in (token in connection_init); and no start at all with the default SECRET_KEY or
CORS open to every origin."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid

import httpx
import pytest
import websockets

from tests.e2e.conftest import ROOT, serve

pytestmark = pytest.mark.e2e

PRODUCTION = {
    "ENVIRONMENT": "production",
    "SECRET_KEY": "a-secret-of-our-own-" + "x" * 24,
    "CORS_ALLOW_ORIGINS": "https://shop.example",
}


def refused_start(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", "serve", "--port", "1"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("unset", "override", "message"),
    [
        ("SECRET_KEY", {}, "SECRET_KEY of your own"),
        (None, {"CORS_ALLOW_ORIGINS": "https://shop.example, *"}, "not *"),
    ],
)
def test_production_refuses_to_start_with_a_known_secret_or_any_origin(
    services, unset, override, message
):
    env = {**os.environ, **services.env(), **PRODUCTION, **override}
    if unset:
        env.pop(unset)
    r = refused_start(env)
    assert r.returncode == 2, r.stdout + r.stderr
    assert message in r.stderr and "Traceback" not in r.stderr, r.stderr


async def test_production_turns_introspection_and_graphiql_off(services, tmp_path):
    env = {
        **services.env(),
        **PRODUCTION,
        "LOG_LEVEL": "WARNING",
        "QUEUE_PREFIX": f"{services.queue_prefix}prod{uuid.uuid4().hex[:6]}-",
    }
    with serve([], env, tmp_path / "serve.log") as server:
        r = httpx.post(f"{server.url}/graphql", json={"query": "{ __schema { types { name } } }"})
        body = r.json()
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        assert "introspection" in body["errors"][0]["message"]
        r = httpx.post(
            f"{server.url}/graphql", json={"query": "{ products(first: 1) { totalCount } }"}
        )
        assert r.status_code == 200 and "data" in r.json(), r.text
        assert r.headers["strict-transport-security"].startswith("max-age=")
        assert r.headers["x-frame-options"] == "DENY"
        page = httpx.get(f"{server.url}/graphql", headers={"accept": "text/html"})
        assert page.status_code == 404 and "graphiql" not in page.text.lower()

        # a socket without a token in connection_init is refused (even with one on the upgrade)
        ws_url = f"ws://127.0.0.1:{server.port}/graphql"
        async with websockets.connect(
            ws_url,
            subprotocols=["graphql-transport-ws"],
            additional_headers={"origin": "https://shop.example"},
        ) as ws:
            await ws.send(json.dumps({"type": "connection_init"}))
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), 10)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403
