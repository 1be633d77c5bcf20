"""The viewer on a WebSocket: the token comes in connection_init's payload (a browser
cannot set headers on a socket), a bad one closes with 4403, and every operation re-checks
it, so a sign-out ends the socket's rights at once."""

from __future__ import annotations

import pytest
from starlette.websockets import WebSocketDisconnect

from app.main import create_app
from app.platform.settings import Settings
from tests.integration.customers.helpers import PASSWORD, SIGN_IN, SIGN_UP, unique_email

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`"),
]
HEADERS = {"sec-websocket-protocol": "graphql-transport-ws"}


def _gql(client, query: str, variables: dict) -> dict:
    return client.post("/graphql", json={"query": query, "variables": variables}).json()["data"]


def _me(ws, op_id: str) -> dict:
    ws.send_json({"id": op_id, "type": "subscribe", "payload": {"query": "{ me { email } }"}})
    return ws.receive_json()


def test_websocket_viewer_from_connection_init(db, settings: Settings):
    from starlette.testclient import TestClient  # its import warns about httpx

    with TestClient(create_app(settings)) as client:
        email = unique_email()
        _gql(client, SIGN_UP, {"input": {"email": email, "password": PASSWORD}})
        signed = _gql(client, SIGN_IN, {"email": email, "password": PASSWORD})
        token = signed["customerAccessTokenCreate"]["customerAccessToken"]["accessToken"]

        for payload in ({"Authorization": f"Bearer {token}"}, {"authToken": token}):
            with client.websocket_connect("/graphql", headers=HEADERS) as ws:
                ws.send_json({"type": "connection_init", "payload": payload})
                assert ws.receive_json()["type"] == "connection_ack"
                answer = _me(ws, "1")
                assert answer["payload"]["data"] == {
                    "me": {"email": email.split("@")[0] + "@example.com"}
                }

        with client.websocket_connect("/graphql", headers=HEADERS) as ws:
            ws.send_json({"type": "connection_init"})
            assert ws.receive_json()["type"] == "connection_ack"
            answer = _me(ws, "1")
            assert answer["payload"]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

        for bad in ({"authToken": token + "x"}, {"Authorization": token}, {"authToken": 5}):
            with client.websocket_connect("/graphql", headers=HEADERS) as ws:
                ws.send_json({"type": "connection_init", "payload": bad})
                with pytest.raises(WebSocketDisconnect) as closed:
                    ws.receive_json()
                assert closed.value.code == 4403

        # the token on the upgrade request's header works too; a bad one there is 4403
        for auth, accepted in ((f"Bearer {token}", True), (f"Bearer {token}x", False)):
            headers = {**HEADERS, "authorization": auth}
            with client.websocket_connect("/graphql", headers=headers) as ws:
                ws.send_json({"type": "connection_init"})
                if accepted:
                    assert ws.receive_json()["type"] == "connection_ack"
                    assert _me(ws, "1")["payload"]["data"]["me"] is not None
                else:
                    with pytest.raises(WebSocketDisconnect) as closed:
                        ws.receive_json()
                    assert closed.value.code == 4403

        # signed out while the socket is open: the next operation is refused
        with client.websocket_connect("/graphql", headers=HEADERS) as ws:
            ws.send_json({"type": "connection_init", "payload": {"authToken": token}})
            assert ws.receive_json()["type"] == "connection_ack"
            assert _me(ws, "1")["type"] == "next"
            ws.receive_json()  # complete
            logout = "mutation($t: String!) { customerAccessTokenDelete(customerAccessToken: $t) { deletedAccessToken } }"
            _gql(client, logout, {"t": token})
            answer = _me(ws, "2")
            assert answer["type"] == "error"
            assert answer["payload"][0]["extensions"]["code"] == "UNAUTHENTICATED"
