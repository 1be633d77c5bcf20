"""uvicorn's HTTP/1.1 protocol with the guards it lacks: a deadline for a request's headers,
a bound on their size, and a connection limit answered in the API's own error shape.

uvicorn arms its keep-alive timer only after a response, so a connection that opens and
never finishes its headers (slowloris: one header byte every few seconds) is held for ever,
and httptools buffers headers of any size. Here the headers of every request must arrive
within HEADER_TIMEOUT seconds of its first byte (or of the connection's opening) and stay
under MAX_HEADER_BYTES, or the connection is closed (431 for the size). Bodies have their
own deadline and bound in app/http.py's BodyLimitMiddleware. Past MAX_CONNECTIONS open
connections (or as many requests in flight) a request is answered 503 with a coded JSON
error and Retry-After, where uvicorn's own limit answers plain text.
"""

from __future__ import annotations

import asyncio
import uuid
from functools import cache
from typing import Any

import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from app.platform.settings import load_settings

# Browsers send 1-2 KB of headers and a bearer token adds a few KB; nginx's default
# buffers allow 32 KB, Node's 16 KB.
MAX_HEADER_BYTES = 32 * 1024


@cache
def _limits() -> tuple[float, int]:
    # read once per server process (uvicorn's workers are spawned: no shared state)
    settings = load_settings()
    return settings.header_timeout, settings.max_connections


def header_timeout() -> float:
    return _limits()[0]


def _coded(message: str, code: str) -> bytes:
    error = {"message": message, "extensions": {"code": code, "requestId": uuid.uuid4().hex}}
    return orjson.dumps({"errors": [error]})


async def _overloaded(scope: Any, receive: Any, send: Any) -> None:
    body = _coded("The server is at its connection limit: retry in a moment", "SERVICE_UNAVAILABLE")
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", b"1"),
                (b"x-content-type-options", b"nosniff"),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class _HeadersTooLarge(Exception):
    pass


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timer: asyncio.TimerHandle | None = None
        self._header_bytes = 0
        self._headers_too_large = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._header_bytes = 0
        self._arm()

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value))
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._disarm()
        limit = _limits()[1]
        if len(self.connections) <= limit and len(self.tasks) < limit:
            super().on_headers_complete()
            return
        app, self.app = self.app, _overloaded  # uvicorn picks `self.app` for this request
        try:
            super().on_headers_complete()
        finally:
            self.app = app

    def send_400_response(self, msg: str) -> None:
        # what httptools cannot parse, answered in the API's error shape (uvicorn: plain text)
        if self._headers_too_large:
            status = b"431 Request Header Fields Too Large"
            error = _coded(f"Request headers over {MAX_HEADER_BYTES} bytes", "HEADERS_TOO_LARGE")
        else:
            status = b"400 Bad Request"
            error = _coded("Not a valid HTTP/1.1 request", "BAD_REQUEST")
        self.transport.write(
            b"HTTP/1.1 %s\r\ncontent-type: application/json\r\ncontent-length: %d\r\n"
            b"x-content-type-options: nosniff\r\nconnection: close\r\n\r\n%s"
            % (status, len(error), error)
        )
        self.transport.close()

    def _count(self, n: int) -> None:
        self._header_bytes += n
        if self._header_bytes > MAX_HEADER_BYTES:
            self._headers_too_large = True
            raise _HeadersTooLarge  # httptools stops parsing; data_received answers (431)

    def _arm(self) -> None:
        if self._header_timer is None:
            self._header_timer = self.loop.call_later(header_timeout(), self._headers_late)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_late(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing():
            self.transport.close()
