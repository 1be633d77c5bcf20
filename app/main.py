"""The ASGI application: /graphql (HTTP + WebSocket), /healthz, /readyz, /metrics."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import sqlalchemy as sa
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from app.bootstrap import running
from app.domains import CONTEXTS_WITH_TABLES
from app.graphiql import MOUNT, assets_app
from app.http import (
    CORS_ALLOW_HEADERS,
    EXCEPTION_HANDLERS,
    BodyLimitMiddleware,
    GraphQLApp,
    SecurityHeadersMiddleware,
    caller_request_id,
)
from app.images import route as images_route
from app.platform.broker import ping_broker
from app.platform.db import PoolStats
from app.platform.frontdoor import FrontDoor
from app.platform.live import LiveHub
from app.platform.logs import configure_logging, request_id_var
from app.platform.relay import RelayStatus
from app.platform.runtime import Runtime
from app.platform.settings import Settings, check_production, load_settings
from app.resolvers.subscriptions import LIVE_KEY
from app.schema import build_schema
from app.schema.guards import Limits
from app.webhooks import route as stripe_webhook_route

log = logging.getLogger("emporium.http")


class RequestIdMiddleware:
    """Give every request an id (or keep the caller's X-Request-ID) and time it."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        rid = ""
        for k, v in scope.get("headers", ()):
            if k == b"x-request-id":
                rid = caller_request_id(v) or ""
        rid = rid or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = rid
        token = request_id_var.set(rid)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", []).append((b"x-request-id", rid.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id_var.reset(token)
            if scope["type"] == "http":
                self.metrics.observe(scope["path"], status, time.perf_counter() - started)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "emporium_http_requests", "HTTP requests", ["path", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "emporium_http_request_seconds",
            "HTTP request latency",
            ["path"],
            registry=self.registry,
        )

        self.executions = Counter(
            "emporium_graphql_executions",
            "read operations by name, answered from their plan (planned) or by the "
            "standard executor (fallback); names past the first 200 count as `other`",
            ["operation", "mode"],
            registry=self.registry,
        )
        self.relay_up = Gauge(
            "emporium_relay_up",
            "1 while this process's outbox relay delivers events, 0 during an outage",
            registry=self.registry,
        )
        self.cart_redis_up = Gauge(
            "emporium_cart_redis_up",
            "1 while carts are served from Redis, 0 while they fall back to Postgres",
            registry=self.registry,
        )
        self.cart_degraded = Gauge(
            "emporium_cart_degraded_operations",
            "cart reads and writes served from Postgres because Redis was unreachable "
            "(since this process started)",
            ["op"],
            registry=self.registry,
        )
        self.cart_restores = Gauge(
            "emporium_cart_restores",
            "carts restored into Redis from their Postgres snapshot (since start)",
            registry=self.registry,
        )
        self.relay_failures = Gauge(
            "emporium_relay_consecutive_failures",
            "failed relay attempts in a row (0 when up)",
            registry=self.registry,
        )

        self.pool_size = Gauge(
            "emporium_db_pool_size",
            "connections each database pool keeps (requests past it wait for one)",
            ["database"],
            registry=self.registry,
        )
        self.pool_in_use = Gauge(
            "emporium_db_pool_checked_out",
            "connections in use right now",
            ["database"],
            registry=self.registry,
        )
        self.pool_overflow = Gauge(
            "emporium_db_pool_overflow",
            "connections open beyond the pool's size (0 unless DB_POOL_OVERFLOW allows it)",
            ["database"],
            registry=self.registry,
        )
        self.pool_opened = Gauge(
            "emporium_db_connections_opened",
            "connections this process has opened since it started: flat under steady load",
            ["database"],
            registry=self.registry,
        )

        self.live_subscribers = Gauge(
            "emporium_live_subscribers",
            "GraphQL subscriptions this process serves right now (0 once every client left)",
            registry=self.registry,
        )
        self.live_channels = Gauge(
            "emporium_live_channels",
            "Redis pub/sub channels this process's one subscriber connection listens to",
            registry=self.registry,
        )

    def execution(self, operation: str, mode: str) -> None:
        self.executions.labels(operation, mode).inc()

    def live(self, hub: LiveHub | None) -> None:
        self.live_subscribers.set(hub.subscriber_count if hub is not None else 0)
        self.live_channels.set(hub.channel_count if hub is not None else 0)

    def pools(self, stats: list[PoolStats]) -> None:
        for p in stats:
            self.pool_size.labels(p.database).set(p.size)
            self.pool_in_use.labels(p.database).set(p.checked_out)
            self.pool_overflow.labels(p.database).set(p.overflow)
            self.pool_opened.labels(p.database).set(p.opened)

    def relay(self, status: RelayStatus | None) -> None:
        """Read at scrape time; a process without an in-process relay reports it as up."""
        self.relay_up.set(1 if status is None or status.up else 0)
        self.relay_failures.set(0 if status is None else status.consecutive_failures)

    def cart(self, status: Any) -> None:
        """The cart store's health, read at scrape time (app/domains/cart/store.py)."""
        if status is None:
            return
        self.cart_redis_up.set(1 if status.redis_up else 0)
        self.cart_degraded.labels("read").set(status.degraded_reads)
        self.cart_degraded.labels("write").set(status.degraded_writes)
        self.cart_restores.set(status.restores)

    def observe(self, path: str, status: int, seconds: float) -> None:
        path = path if path in ("/graphql", "/healthz", "/readyz", "/metrics") else "other"
        self.requests.labels(path, str(status)).inc()
        self.latency.labels(path).observe(seconds)


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    checks: dict[str, str] = {}

    async def check(name: str, probe: Any) -> None:
        try:
            await asyncio.wait_for(probe, timeout=3)
            checks[name] = "ok"
        except Exception as exc:
            checks[name] = f"error: {type(exc).__name__}"

    async def database() -> None:
        for ctx in CONTEXTS_WITH_TABLES:
            async with runtime.db.engine(ctx).connect() as conn:
                await conn.execute(sa.text("SELECT 1"))

    await check("database", database())
    await check("redis", runtime.redis.ping())
    await check("broker", asyncio.to_thread(ping_broker, runtime.broker))
    relay: RelayStatus | None = runtime.extra.get("relay")
    if relay is not None:  # only where the relay runs in this process (embedded mode)
        checks["relay"] = (
            "ok"
            if relay.up
            else f"error: {relay.consecutive_failures} failed attempts: {relay.error}"
        )
    ok = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ok" if ok else "unavailable", "checks": checks}, status_code=200 if ok else 503
    )


def create_app(settings: Settings | None = None) -> Starlette:
    """The app; engines, pools and the broker are built in its lifespan, not here."""
    s = settings or load_settings()
    check_production(s)  # settings built in code (tests, embedders) are held to it too
    production = s.environment == "production"
    if not logging.getLogger().handlers:
        # a uvicorn worker process starts with no logging set up: same setup as the CLI's
        configure_logging(s.log_level, s.log_format)
    schema = build_schema(
        Limits.from_settings(s), planned=s.planned_execution, plan_cache_size=s.plan_cache_size
    )
    origins = [o.strip() for o in s.cors_allow_origins.split(",") if o.strip()]
    # browsers on these origins may open the WebSocket too (auth is a token, not a cookie)
    graphql = GraphQLApp(
        schema,
        graphql_ide=None if production else "graphiql",
        allowed_origins=origins,
        public_max_age=s.public_cache_max_age,
    )
    metrics = Metrics()
    schema.planner.observer = metrics.execution

    async def metrics_endpoint(request: Request) -> Response:
        runtime: Runtime | None = getattr(request.app.state, "runtime", None)
        metrics.relay(runtime.extra.get("relay") if runtime is not None else None)
        if runtime is not None:
            metrics.pools(runtime.db.pool_stats())
        store = runtime.extra.get("cart.store") if runtime is not None else None
        metrics.cart(store.status if store is not None else None)
        metrics.live(runtime.extra.get(LIVE_KEY) if runtime is not None else None)
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with running(s) as runtime:
            app.state.runtime = runtime
            door = runtime.extra["frontdoor"] = FrontDoor(runtime.settings, runtime.redis)
            door.cache.start()  # this process's LRU hears every replica's invalidations
            # one Redis pub/sub connection for all of this process's GraphQL subscriptions
            hub = runtime.extra[LIVE_KEY] = LiveHub(
                runtime.redis, runtime.settings.queue_prefix, runtime.settings.live_queue_size
            )
            hub.start()
            where = f"{s.public_url}/graphql" if s.public_url else "/graphql"
            log.info("Emporium is ready: GraphiQL at %s", where)
            if s.public_url:
                print(f"\n  Emporium is ready. GraphiQL: {where}\n", flush=True)
            try:
                yield
            finally:
                await hub.stop()
                await door.cache.stop()

    assets = None if production else assets_app()
    app = Starlette(
        routes=[
            *([Mount(MOUNT, app=assets, name="graphiql-assets")] if assets else []),
            Route("/graphql", graphql),  # other methods get GraphQLApp's coded 405
            WebSocketRoute("/graphql", graphql),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics_endpoint),
            images_route,
            stripe_webhook_route,
        ],
        lifespan=lifespan,
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
    )
    # innermost first: the body is bounded inside CORS, so a browser can read a 413 too
    app.add_middleware(BodyLimitMiddleware, max_bytes=s.max_body_bytes, timeout=s.body_timeout)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=origins,
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=list(CORS_ALLOW_HEADERS),
        expose_headers=["x-request-id"],
        max_age=600,
    )
    app.add_middleware(SecurityHeadersMiddleware, hsts=production)
    app.add_middleware(RequestIdMiddleware, metrics=metrics)
    return app
