"""The HTTP and WebSocket edge of /graphql: what a request must look like before any
GraphQL work starts, and how the answers are shaped on both transports.

Everything a client can get wrong before the GraphQL layer (a body too big or too slow, not
JSON, not an object, nested without end, a malformed WebSocket frame) is answered here, once,
with a JSON error carrying `extensions.code` and `requestId` on HTTP and the protocol's own
close codes on WebSocket. GraphQL results and errors on both transports go through
`format_result`/`format_error`, so they are coded and masked the same way.
"""

from __future__ import annotations

import asyncio
import base64
import gc
import hashlib
import json
import logging
import re
from collections.abc import Mapping
from contextlib import aclosing, suppress
from contextvars import ContextVar
from datetime import timedelta
from functools import cache
from typing import Any, cast

import orjson
from cross_web import HTTPException
from graphql import GraphQLError, GraphQLSyntaxError, OperationType
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.http.parse_content_type import parse_content_type
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
    _OperationStreamClosed,
)
from strawberry.types import ExecutionResult

from app.domains import customers
from app.graphiql import graphiql_html
from app.platform.apq import PersistedQueryError
from app.platform.auth import ANONYMOUS, Viewer
from app.platform.frontdoor import FrontDoor, RequestFront
from app.platform.response_cache import CACHEABLE_ROOT_FIELDS, cache_key, etag_of, tags_of
from app.resolvers.context import Context
from app.resolvers.customers import viewer_for
from app.resolvers.errors import format_error, format_result

log = logging.getLogger("emporium.http")

# No operation of this API takes input nested anywhere near this deep (filters are 3 levels);
# the bound keeps every later recursive walk (coercion, logging, formatting) far from
# Python's recursion limit, and is checked in linear time on the raw bytes (too_deep).
MAX_JSON_DEPTH = 32

_CODES = {
    400: "BAD_REQUEST",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    408: "REQUEST_TIMEOUT",
    413: "REQUEST_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    500: "INTERNAL_SERVER_ERROR",
}


class RequestError(Exception):
    """The request cannot be a GraphQL request: answered before any GraphQL work."""

    def __init__(self, status: int, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or _CODES.get(status, "BAD_REQUEST")


class TooDeep(json.JSONDecodeError):
    def __init__(self) -> None:
        super().__init__(f"JSON nested deeper than {MAX_JSON_DEPTH} levels", "", 0)


def request_id_of(scope: Scope) -> str:
    return str(scope.get("state", {}).get("request_id", ""))


def coded_error(message: str, code: str, request_id: str) -> dict[str, Any]:
    ext: dict[str, str] = {"code": code}
    if request_id:
        ext["requestId"] = request_id
    return {"message": message, "extensions": ext}


def error_body(message: str, code: str, request_id: str) -> bytes:
    return orjson.dumps({"errors": [coded_error(message, code, request_id)]})


def error_response(error: RequestError, request_id: str) -> Response:
    headers = {"allow": "GET, POST"} if error.status == 405 else None
    if error.status == 401:
        headers = {"www-authenticate": 'Bearer error="invalid_token"'}
    return Response(
        error_body(error.message, error.code, request_id),
        status_code=error.status,
        media_type="application/json",
        headers=headers,
    )


_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:/+=-]{1,64}")


def caller_request_id(value: bytes) -> str | None:
    """A caller's X-Request-ID, if it is a plain token: it goes into headers, logs and
    errors, so anything else (spaces, control bytes, 10 KB) gets an id of our own."""
    return value.decode() if _REQUEST_ID.fullmatch(value) else None


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    response = error_response(
        RequestError(exc.status_code, exc.detail), request_id_of(request.scope)
    )
    response.headers.update(exc.headers or {})
    return response


async def _server_error(request: Request, exc: Exception) -> Response:
    # the traceback is logged by the server under the same request id
    rid = request_id_of(request.scope)
    return error_response(RequestError(500, f"Internal error (request id {rid})"), rid)


# Starlette's own answers (404 for an unknown path, an endpoint's crash) in the API's shape
EXCEPTION_HANDLERS = {StarletteHTTPException: _http_error, Exception: _server_error}


_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_BRACKETS_ONLY = bytes(b for b in range(256) if b not in b"[]{}")
_SQUARE = bytes.maketrans(b"{}", b"[]")


def too_deep(data: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether valid JSON nests deeper than `limit`, in C-speed passes over its bytes: strings
    out, only brackets left, then each pass peels one level off (a Python walk of a 1 MiB
    body of tiny lists took half a second)."""
    brackets = _STRING.sub(b"", data).translate(_SQUARE, _BRACKETS_ONLY)
    for _ in range(limit):
        if not brackets:
            return False
        brackets = brackets.replace(b"[]", b"")
    return bool(brackets)


def decode_json(data: str | bytes) -> object:
    """orjson (C speed, strict UTF-8, its own depth cap raises instead of recursing), then
    our nesting bound. The cyclic GC is paused while a body of many small containers is
    built: otherwise its collections, not the parsing, take most of the time."""
    # (a lone surrogate in a str is passed through, for orjson to refuse as invalid UTF-8)
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    collecting = gc.isenabled()
    gc.disable()
    try:
        value = orjson.loads(raw)
    finally:
        if collecting:
            gc.enable()
    if too_deep(raw):
        raise TooDeep
    return value


def _request_data(data: object) -> GraphQLRequestData:
    """The GraphQL-over-HTTP request shape, checked field by field."""
    if isinstance(data, list):
        raise RequestError(400, "Batched requests are not supported: send one operation")
    if not isinstance(data, dict):
        raise RequestError(400, "The request must be a JSON object with a `query`")
    query, variables = data.get("query"), data.get("variables")
    operation_name, extensions = data.get("operationName"), data.get("extensions")
    persisted = isinstance(extensions, dict) and "persistedQuery" in extensions
    if not isinstance(query, str) and not (persisted and query is None):
        raise RequestError(400, "The request's `query` must be a string")
    if not isinstance(variables, dict | None):
        raise RequestError(400, "The request's `variables` must be an object or null")
    if not isinstance(operation_name, str | None):
        raise RequestError(400, "The request's `operationName` must be a string or null")
    if not isinstance(extensions, dict | None):
        raise RequestError(400, "The request's `extensions` must be an object or null")
    return GraphQLRequestData(
        query=query,  # None only with a persisted hash: the front door resolves it
        variables=variables,
        operation_name=operation_name,
        extensions=extensions,
        protocol="http",
    )


def _decode_or_400(data: str | bytes, what: str) -> object:
    try:
        return decode_json(data)
    except TooDeep as exc:
        raise RequestError(400, f"The {what} is nested too deeply: {exc.msg}") from None
    except json.JSONDecodeError:
        raise RequestError(400, f"The {what} is not valid JSON (UTF-8)") from None


# --- Who is asking ----------------------------------------------------------------------

# A request with a token that stands for nobody (tampered, expired, signed out, an unknown
# `kid`, a deactivated staff member) is refused with 401 UNAUTHENTICATED rather than served
# as anonymous: a client whose token lapsed learns it at once, instead of seeing a
# storefront that silently forgot who it is. Renew or sign in again *without* the header.
INVALID_TOKEN = "The access token is invalid or has expired: sign in again or renew it"


def bearer_token(value: object) -> str | None:
    """The token of `Bearer <token>` (scheme case-insensitive); None for another scheme or
    none at all (an `Authorization` meant for a proxy is not ours to refuse)."""
    if not isinstance(value, str):
        return None
    scheme, _, token = value.strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


async def resolve_viewer(runtime: Any, token: str | None) -> Viewer:
    """The viewer for a bearer token (ANONYMOUS without one); TokenInvalid for a bad one."""
    if token is None:
        return ANONYMOUS
    if not token:
        raise customers.TokenInvalid(INVALID_TOKEN)
    return await viewer_for(runtime, token)


# --- WebSocket (graphql-transport-ws) ---------------------------------------------------


def _invalid_message(message: object) -> str | None:
    """Why a decoded frame is not a graphql-transport-ws message, or None if it is one."""
    if not isinstance(message, dict):
        return "A message must be a JSON object"
    kind = message.get("type")
    if not isinstance(kind, str):
        return "A message must have a string `type`"
    payload = message.get("payload")
    if kind in ("connection_init", "ping", "pong"):
        if not isinstance(payload, dict | None):
            return f"The `payload` of {kind} must be an object"
    elif kind in ("subscribe", "complete"):
        if not isinstance(message.get("id"), str) or not message["id"]:
            return f"{kind} needs a non-empty string `id`"
        if kind == "subscribe":
            if not isinstance(payload, dict):
                return "subscribe needs a `payload` object"
            if not isinstance(payload.get("query"), str):
                return "subscribe needs a string `payload.query`"
            for key, kinds in (
                ("variables", dict),
                ("extensions", dict),
                ("operationName", str),
            ):
                if not isinstance(payload.get(key), kinds | None):
                    return f"`payload.{key}` has the wrong type"
    return None


class CodedOperation(Operation[Context, None]):
    """An operation whose results and errors are formatted like HTTP's."""

    __slots__ = ()

    @property
    def request_id(self) -> str:
        return cast(Context, self.handler.context).request_id

    async def send_initial_errors(self, errors: list[GraphQLError]) -> None:
        payload = [format_error(e, self.request_id) for e in errors]
        message: Any = {"id": self.id, "type": "error", "payload": payload}
        await self.send_operation_message(message)

    async def send_next(self, execution_result: ExecutionResult) -> None:
        payload = format_result(execution_result, self.request_id)
        message: Any = {"id": self.id, "type": "next", "payload": payload}
        await self.send_operation_message(message)


class BoundedWebSocketAdapter(ASGIWebSocketAdapter):
    async def send_json(self, message: Mapping[str, object]) -> None:
        # text frames, as the protocol has them: strawberry sends bytes when encode_json
        # returns bytes (ours does), and a browser hands a binary frame to graphql-ws as a
        # Blob it cannot parse
        try:
            await self.ws.send_text(orjson.dumps(message).decode())
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc

    async def close(self, code: int, reason: str) -> None:
        # a close frame's reason holds at most 123 bytes; strawberry passes messages whole
        await super().close(code, reason.encode()[:123].decode(errors="ignore"))


class TransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    # a browser cannot set headers on a WebSocket: the token comes in connection_init's
    # payload (`{"Authorization": "Bearer …"}` or `{"authToken": "…"}`), checked there (a bad
    # one closes the socket with 4403) and again for every operation (a sign-out or a
    # deactivation ends the socket's rights at once)
    ws_token: str | None = None

    async def handle_connection_init(self, message: Any) -> None:
        payload = message.get("payload") or {}
        auth = payload.get("Authorization", payload.get("authorization"))
        # in the payload any Authorization is meant for us: one that is not "Bearer <token>"
        # is refused like a bad token
        token = (bearer_token(auth) or "") if auth is not None else payload.get("authToken")
        production = self.context.runtime.settings.environment == "production"
        if token is None and not production:
            # a non-browser client may have sent the header on the upgrade
            token = bearer_token(self.context.request.headers.get("authorization"))
        if token is None and production:
            # in production a socket is for someone: the token comes in connection_init
            await self.websocket.close(code=4403, reason="Forbidden: sign in first")
            return
        if token is not None:
            try:
                if not isinstance(token, str):
                    raise customers.TokenInvalid(INVALID_TOKEN)
                await resolve_viewer(self.context.runtime, token)
            except customers.TokenInvalid:
                await self.websocket.close(code=4403, reason="Forbidden: " + INVALID_TOKEN)
                return
            self.ws_token = token
        await super().handle_connection_init(message)

    async def handle_message(self, message: Any) -> None:
        problem = _invalid_message(message)
        if problem:
            await self.handle_invalid_message(problem)  # closes with 4400
            return
        if message["type"] == "connection_init" and message.get("payload") is None:
            message["payload"] = {}  # the protocol allows `null` or no payload
        await super().handle_message(message)

    async def run_operation(self, operation: Any) -> None:
        """strawberry's, with a context of the operation's own: a socket lives for hours,
        and one shared context would answer from its loaders' cache for ever (stale data,
        and memory growing with everything the socket ever loaded)."""
        try:
            context = await self.view.get_context(self.context.request, self.context.response)
            if self.ws_token is not None:
                try:
                    context.viewer = await resolve_viewer(context.runtime, self.ws_token)
                    # a subscription re-checks it before each update (app/resolvers/subscriptions.py)
                    context.extra["ws_token"] = self.ws_token
                except customers.TokenInvalid:
                    error = GraphQLError(INVALID_TOKEN, extensions={"code": "UNAUTHENTICATED"})
                    await operation.send_initial_errors([error])
                    self.operations.pop(operation.id, None)
                    return
            result_source = await self.schema.stream(
                operation.query,
                variable_values=operation.variables,
                context_value=context,
                root_value=self.root_value,
                operation_name=operation.operation_name,
            )
            async with aclosing(result_source):
                await self._send_result_stream(operation, result_source)
            await operation.send_operation_message({"id": operation.id, "type": "complete"})
        except _OperationStreamClosed:
            return
        except Exception as error:
            await self.handle_task_exception(error)
            with suppress(Exception):
                await operation.send_operation_message({"id": operation.id, "type": "complete"})
            self.operations.pop(operation.id, None)
            raise

    async def _send_result_stream(self, operation: Any, result_source: Any) -> None:
        try:
            await super()._send_result_stream(operation, result_source)
        except GraphQLSyntaxError as error:
            # raised by the parser cache's hook instead of returned as a pre-execution
            # error; the protocol's answer to a document that does not parse is 4400
            await self.websocket.close(code=4400, reason=error.message)
            self.operations.pop(operation.id, None)
            raise _OperationStreamClosed from None
        except GraphQLError as error:
            await operation.send_initial_errors([error])

    async def handle_subscribe(self, message: Any) -> None:
        # strawberry's own, with CodedOperation instead of Operation
        if not self.connection_acknowledged:
            await self.websocket.close(code=4401, reason="Unauthorized")
            return
        if message["id"] in self.operations:
            await self.websocket.close(
                code=4409, reason=f"Subscriber for {message['id']} already exists"
            )
            return
        payload: Mapping[str, Any] = message["payload"]
        operation = CodedOperation(
            self,
            message["id"],
            payload["query"],
            payload.get("variables"),
            payload.get("operationName"),
        )
        if (
            self.max_subscriptions_per_connection is not None
            and len(self.operations) >= self.max_subscriptions_per_connection
        ):
            refusal: Any = {
                "id": message["id"],
                "type": "error",
                "payload": [
                    coded_error(
                        "Too many operations at once on this connection",
                        "TOO_MANY_OPERATIONS",
                        operation.request_id,
                    )
                ],
            }
            await self.send_message(refusal)
            return
        operation.task = asyncio.create_task(self.run_operation(operation))
        operation.task.add_done_callback(self._task_done)
        self.operations[message["id"]] = operation


class GraphQLApp(GraphQL[Context, None]):
    """Strawberry's ASGI view with this API's request parsing, error shapes and WS handler."""

    graphql_transport_ws_handler_class = TransportWSHandler
    websocket_adapter_class = BoundedWebSocketAdapter  # type: ignore[assignment]

    def __init__(self, schema: Any, public_max_age: int = 30, **kwargs: Any) -> None:
        self.public_max_age = public_max_age
        # one WebSocket protocol (graphql-ws's graphql-transport-ws, what Apollo Client, urql
        # and Relay use today): the legacy subscriptions-transport-ws one is unmaintained
        kwargs.setdefault("subscription_protocols", (GRAPHQL_TRANSPORT_WS_PROTOCOL,))
        # a client that opens a socket says hello at once; strawberry waits a minute
        kwargs.setdefault("connection_init_wait_timeout", timedelta(seconds=10))
        super().__init__(schema, **kwargs)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope=scope, receive=receive)
        try:
            response = await self.serve(request)
        except PersistedQueryError as exc:
            response = error_response(
                RequestError(exc.status, exc.message, exc.code), request_id_of(scope)
            )
        except RequestError as exc:
            response = error_response(exc, request_id_of(scope))
        except HTTPException as exc:  # strawberry's own refusals (no query, GET mutation, …)
            response = error_response(
                RequestError(exc.status_code, exc.reason), request_id_of(scope)
            )
        except Exception:
            # a bug, not the client: logged with its traceback, answered coded and masked
            rid = request_id_of(scope)
            log.exception("unexpected error serving /graphql (request %s)", rid)
            response = error_response(RequestError(500, f"Internal error (request id {rid})"), rid)
        await response(scope, receive, send)

    async def serve(self, request: Request) -> Response:
        """One HTTP request through the front door: persisted queries resolved, anonymous
        catalog reads answered from the response cache (without any GraphQL work) or
        stored in it, public persisted GETs given Cache-Control and an ETag."""
        runtime = getattr(request.app.state, "runtime", None)
        door: FrontDoor | None = runtime.extra.get("frontdoor") if runtime else None
        params = request.query_params
        if door is None or not (
            request.method == "POST"
            or (request.method == "GET" and ("query" in params or "extensions" in params))
        ):
            return await self.run(request)
        anonymous = "authorization" not in request.headers
        raw_get = request.scope["query_string"] if request.method == "GET" and anonymous else None
        if raw_get is not None and door.cache.enabled:
            known = door.cache.by_request(raw_get)
            if known is not None:  # the fast path: nothing to parse, hash or look up
                return self._cached(request, known, b"persistedQuery" in raw_get)
        data = await self.parse_http_body(self.request_adapter_class(request))
        front = RequestFront(persisted="persistedQuery" in (data.extensions or {}))
        data.query = await door.persisted.resolve(data.query, data.extensions)
        request.scope.setdefault("state", {})["front"] = front
        key = None
        if door.cache.enabled and anonymous and data.query:
            key = cache_key(data.query, data.operation_name, data.variables, door.request_context())
            if raw_get is not None:
                door.cache.remember_request(raw_get, key)
            entry = await door.cache.get(key)
            if entry is not None:
                return self._cached(request, entry, front.persisted)
        generation = door.cache.generation
        parsed = _PARSED.set(data)
        try:
            response = await self.run(request)
        finally:
            _PARSED.reset(parsed)
        if key is not None and response.status_code == 200 and cacheable(front):
            assert door is not None and front.result is not None
            payload = orjson.dumps(front.result["data"])
            etag = etag_of(payload)
            cost = {"requestedQueryCost": front.cost, "actualQueryCost": 0}
            body = b'{"data":' + payload + b',"extensions":{"cost":' + orjson.dumps(cost) + b"}}"
            await door.cache.put(key, body, etag, tags_of(front.result["data"]), generation)
            if request.method == "GET" and front.persisted:
                response.headers.update(self._public_headers(etag))
        return response

    def _public_headers(self, etag: str) -> dict[str, str]:
        return {"cache-control": f"public, max-age={self.public_max_age}", "etag": etag}

    def _cached(self, request: Request, entry: Any, persisted: bool) -> Response:
        """An answer from the response cache; for a public persisted GET with its caching
        headers, and 304 when the client already holds it."""
        headers = {"x-cache": "HIT"}
        if request.method == "GET" and persisted:
            headers.update(self._public_headers(entry.etag))
            if entry.etag in request.headers.get("if-none-match", ""):
                return Response(status_code=304, headers=headers)
        return Response(entry.body, media_type="application/json", headers=headers)

    async def get_context(self, request: Any, response: Any) -> Context:
        runtime = request.app.state.runtime
        # on a WebSocket the handler sets each operation's viewer (TransportWSHandler)
        viewer = ANONYMOUS
        if request.scope["type"] == "http":
            try:
                token = bearer_token(request.headers.get("authorization"))
                viewer = await resolve_viewer(runtime, token)
            except customers.TokenInvalid:
                raise RequestError(401, INVALID_TOKEN, "UNAUTHENTICATED") from None
        context = Context(
            runtime=runtime,
            request=request,
            response=response,
            request_id=request_id_of(request.scope),
            viewer=viewer,
        )
        front = request.scope.get("state", {}).get("front")
        if front is not None:
            context.extra["front"] = front
        return context

    async def process_result(self, request: Any, result: ExecutionResult) -> GraphQLHTTPResponse:
        formatted = format_result(result, request_id_of(request.scope))
        front = request.scope.get("state", {}).get("front")
        if front is not None:
            front.result = formatted
        return formatted  # type: ignore[return-value]

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    def decode_json(self, data: str | bytes) -> object:
        return decode_json(data)

    def should_render_graphql_ide(self, request: Any) -> bool:
        # a GET of a persisted hash has no `query` parameter, and is still an operation
        return _PARSED.get() is None and super().should_render_graphql_ide(request)

    async def render_graphql_ide(self, request: Any) -> HTMLResponse:
        return HTMLResponse(graphiql_html())

    async def parse_http_body(self, request: Any) -> GraphQLRequestData:
        known = _PARSED.get()
        if known is not None:  # parsed (and its persisted query resolved) by `serve`
            return known
        if request.method == "GET":
            params = dict(request.query_params)
            for key in ("variables", "extensions"):
                if params.get(key):
                    params[key] = _decode_or_400(params[key], f"`{key}` parameter")
                else:
                    params[key] = None  # `?variables=` sent empty means none
            return _request_data(params)
        content_type, _ = parse_content_type(request.content_type or "")
        if "application/json" not in content_type:
            raise RequestError(
                415, "Send the operation as a JSON body with Content-Type: application/json"
            )
        # the body was read (and bounded) by BodyLimitMiddleware before this app ran
        return _request_data(_decode_or_400(await request.get_body(), "request body"))


# the request `serve` parsed, for strawberry's `run` to take instead of parsing it again
_PARSED: ContextVar[GraphQLRequestData | None] = ContextVar("graphql_request", default=None)


def cacheable(front: RequestFront) -> bool:
    """An answer anyone may get: a query of public catalog fields only, without errors."""
    op = front.operation
    return (
        op is not None
        and op.kind is OperationType.QUERY
        and op.only_fields
        and op.root_fields <= CACHEABLE_ROOT_FIELDS
        and front.result is not None
        and not front.result.get("errors")
        and front.result.get("data") is not None
    )


# --- Middleware ---------------------------------------------------------------------------


class BodyLimitMiddleware:
    """Read a request's body, at most `max_bytes` of it within `timeout` seconds, before the
    app runs. A declared Content-Length above the bound is refused without reading a byte
    (a client sending `Expect: 100-continue` never uploads it); a chunked body is counted as
    it streams in and refused at the first chunk over the bound. Refusals close the
    connection, so the rest of the body is never read either."""

    def __init__(self, app: ASGIApp, max_bytes: int, timeout: float) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_large = RequestError(
            413, f"The request body is larger than the limit of {self.max_bytes} bytes"
        )
        for name, value in scope["headers"]:
            if name == b"content-length":
                if not value.isdigit():
                    await self.refuse(scope, send, RequestError(400, "Bad Content-Length"))
                    return
                if int(value) > self.max_bytes:
                    await self.refuse(scope, send, too_large)
                    return
        chunks: list[bytes] = []
        size = 0
        try:
            async with asyncio.timeout(self.timeout):
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        return  # the client left: nobody to answer
                    chunk = message.get("body", b"")
                    size += len(chunk)
                    if size > self.max_bytes:
                        await self.refuse(scope, send, too_large)
                        return
                    chunks.append(chunk)
                    if not message.get("more_body", False):
                        break
        except TimeoutError:
            await self.refuse(
                scope,
                send,
                RequestError(408, f"The request body did not arrive within {self.timeout:g} s"),
            )
            return
        body = b"".join(chunks)
        chunks.clear()
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    @staticmethod
    async def refuse(scope: Scope, send: Send, error: RequestError) -> None:
        body = error_body(error.message, error.code, request_id_of(scope))
        await send(
            {
                "type": "http.response.start",
                "status": error.status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S)
_ORIGIN = re.compile(r"""(?:src|href)="(https://[^/"]+)/""")


@cache
def graphiql_csp() -> str:
    """GraphiQL's page may run its own inline script (pinned by hash) and load its assets
    from this origin, or from the CDN its page names when npm built no local copy."""
    html = graphiql_html()
    hashes = [
        f"'sha256-{base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()}'"
        for script in _SCRIPT.findall(html)
    ]
    cdn = sorted(set(_ORIGIN.findall(html)))
    directives = {
        "default-src": ["'none'"],
        "script-src": ["'self'", *hashes, *cdn],
        "style-src": ["'self'", "'unsafe-inline'", *cdn],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:", *cdn],
        "connect-src": ["'self'"],
        "base-uri": ["'none'"],
        "form-action": ["'none'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


# An API answer is data, never a page: nothing in it may load, run or be framed.
_API_CSP = b"default-src 'none'; frame-ancestors 'none'"


class SecurityHeadersMiddleware:
    """Headers every answer carries: no MIME sniffing, no framing, no referrer, and a CSP
    (GraphiQL's page gets one that lets it load only its own assets)."""

    def __init__(self, app: ASGIApp, hsts: bool = False) -> None:
        self.app = app
        # production is served over HTTPS only: browsers are told never to try plain HTTP
        self.extra = (
            [(b"strict-transport-security", b"max-age=31536000; includeSubDomains")] if hsts else []
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                html = any(k == b"content-type" and v.startswith(b"text/html") for k, v in headers)
                csp = graphiql_csp().encode() if html else _API_CSP
                headers.extend(
                    [
                        (b"x-content-type-options", b"nosniff"),
                        (b"x-frame-options", b"DENY"),
                        (b"referrer-policy", b"no-referrer"),
                        (b"content-security-policy", csp),
                        *self.extra,
                    ]
                )
            await send(message)

        await self.app(scope, receive, send_with_headers)


# Headers that well-known GraphQL clients send, allowed in CORS preflights by default:
# Apollo Client (client awareness, CSRF prevention, operation name), urql and Relay
# (plain fetch with these), GraphQL-over-HTTP's `accept`, and our own request id.
CORS_ALLOW_HEADERS = (
    "accept",
    "authorization",
    "content-type",
    "x-request-id",
    "apollographql-client-name",
    "apollographql-client-version",
    "apollo-require-preflight",
    "x-apollo-operation-name",
    "graphql-client-name",
    "graphql-client-version",
    "x-graphql-client-name",
    "x-graphql-client-version",
)
