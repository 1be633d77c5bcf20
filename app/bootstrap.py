"""The composition root: builds a Runtime from settings for `serve`, `worker` and `relay`.

Embedded mode (no DATABASE_URL) starts the engines here, and runs the relay and the
Dramatiq worker threads in the same process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from datetime import timedelta

import dramatiq
from dramatiq import Worker
from redis.asyncio import Redis

from app import workers
from app.domains import CONTEXTS_WITH_TABLES, cart, catalog, inventory, search
from app.platform.broker import build_broker
from app.platform.db import Database
from app.platform.embedded import EmbeddedEngines
from app.platform.migrate import migrate
from app.platform.oidc import OidcClient, oidc_config
from app.platform.pagination import PageRequest
from app.platform.relay import RelayStatus, run_relay
from app.platform.runtime import Runtime
from app.platform.settings import ConfigError, Settings
from app.workers.cart import run_snapshot_trigger

log = logging.getLogger("emporium")


def require_distributed(settings: Settings) -> None:
    missing = [
        n
        for n, v in (("REDIS_URL", settings.redis_url), ("BROKER_URL", settings.broker_url))
        if not v
    ]
    if missing:
        raise ConfigError(
            f"DATABASE_URL is set, so Emporium runs distributed and needs {' and '.join(missing)} too "
            "(unset DATABASE_URL to run on the embedded engines)"
        )


async def preflight(settings: Settings, contexts: tuple[str, ...] = CONTEXTS_WITH_TABLES) -> None:
    """Reach every configured engine once, so a wrong URL is one clear line at start."""
    import asyncpg

    from app.platform.broker import ping_broker

    for url in sorted({settings.database_url_for(c) for c in contexts}):
        dsn = url.replace("postgresql+asyncpg://", "postgresql://")
        try:
            conn = await asyncpg.connect(dsn, timeout=5)
            await conn.close()
        except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
            host = dsn.rsplit("@", 1)[-1]
            raise ConfigError(f"cannot reach PostgreSQL at {host}: {exc}") from None
    if settings.redis_url:
        redis = Redis.from_url(settings.redis_url, socket_connect_timeout=5)
        try:
            await redis.ping()
        except Exception as exc:
            raise ConfigError(f"cannot reach Redis at REDIS_URL: {exc}") from None
        finally:
            await redis.aclose()
    if settings.broker_url:
        broker = build_broker(settings.broker_url)
        try:
            await asyncio.to_thread(ping_broker, broker)
        except Exception as exc:
            raise ConfigError(
                f"cannot reach the broker at BROKER_URL: {exc or type(exc).__name__}"
            ) from None
        finally:
            broker.close()


async def seed_if_empty(db: Database, redis: Redis | None = None) -> None:
    """Seed the demo catalog (and its stock) once, even when several replicas start together."""
    async with db.exclusive(catalog.CONTEXT, "emporium.seed-demo"):
        async with db.uow(catalog.CONTEXT) as uow:
            empty = await catalog.product_count(uow) == 0
        if empty:
            log.info("seeding the demo catalog (first start)")
            n = await catalog.seed_demo(db)
            log.info("seeded %d demo products", n)
        async with db.reader(inventory.CONTEXT) as uow:
            unstocked = await inventory.is_empty(uow)
        if unstocked:  # also a demo catalog seeded before the inventory existed
            log.info("stocked %d demo variants", await stock_demo(db, redis))


async def stock_demo(db: Database, redis: Redis | None = None, chunk: int = 500) -> int:
    """Initial stock for the catalog's variants from `catalog.demo_stock(sku)`."""
    return await stock_catalog(
        db,
        lambda v: catalog.demo_stock(v.sku or f"variant-{v.id}"),
        redis,
        actor="seed",
        chunk=chunk,
    )


async def stock_skus(
    db: Database, quantities: Mapping[str, int], redis: Redis | None = None, chunk: int = 1000
) -> int:
    """An import file's stock (quantity by SKU) as initial stock, for the variants the
    inventory has never stocked (drafts too); returns how many it stocked."""
    skus = sorted(quantities)
    stocked = 0
    for i in range(0, len(skus), chunk):
        async with db.reader(catalog.CONTEXT) as uow:
            ids = await catalog.variant_ids_by_skus(uow, skus[i : i + chunk])
        if ids:
            async with db.uow(inventory.CONTEXT) as uow:
                stocked += await inventory.stock_initial(
                    uow,
                    {vid: quantities[sku] for sku, vid in ids.items()},
                    actor="import",
                    redis=redis,
                )
    return stocked


async def stock_catalog(
    db: Database,
    quantity_of: Callable[[catalog.Variant], int | None],
    redis: Redis | None = None,
    *,
    actor: str = "import",
    reason: str = "initial stock",
    chunk: int = 500,
) -> int:
    """Initial stock for the listed products' variants (`quantity_of(variant)`, None: none),
    only for variants the inventory has never stocked; returns how many it stocked.

    Here, in the composition root, because neither context may import the other: the
    catalog knows the SKUs (and the demo figures or an import file's), the inventory owns
    the stock. Live figures are never overwritten: a re-import changes no counts."""
    after: tuple[object, ...] | None = None
    stocked = 0
    while True:
        q = catalog.product_query(
            catalog.ProductFilter(), PageRequest(limit=chunk, forward=True, after=after)
        )
        async with db.reader(catalog.CONTEXT) as uow:
            page = (await catalog.list_products_batch(uow, [q]))[q]
            variants = await catalog.variants_by_product_ids(uow, [p.id for p in page.items])
        quantities = {
            v.id: qty for vs in variants.values() for v in vs if (qty := quantity_of(v)) is not None
        }
        if quantities:
            async with db.uow(inventory.CONTEXT) as uow:
                stocked += await inventory.stock_initial(
                    uow, quantities, actor=actor, reason=reason, redis=redis
                )
        if not page.has_next_page or not page.items:
            return stocked
        after = page.keys[-1]


@contextlib.asynccontextmanager
async def running(
    settings: Settings,
    *,
    run_migrations: bool = True,
    background: bool | None = None,
) -> AsyncIterator[Runtime]:
    """A Runtime for the lifetime of the block; `background` runs relay + worker threads here
    (default: only in embedded mode)."""
    engines: EmbeddedEngines | None = None
    worker: Worker | None = None
    relay_task: asyncio.Task[None] | None = None
    snapshot_task: asyncio.Task[None] | None = None
    sweep_task: asyncio.Task[None] | None = None
    checkout_sweep_task: asyncio.Task[None] | None = None
    stop = asyncio.Event()
    runtime: Runtime | None = None
    broker: dramatiq.Broker | None = None
    try:
        if settings.embedded:
            # inside the try: engines half started (Postgres up, Redis failed) are stopped too
            engines = EmbeddedEngines(settings.data_dir)
            urls = await asyncio.to_thread(engines.start)
            settings = settings.model_copy(
                update={
                    "database_url": urls.database_url,
                    "redis_url": urls.redis_url,
                    "broker_url": settings.broker_url or urls.redis_url,
                }
            )
            run_migrations = True
            if background is None:
                background = True
        else:
            require_distributed(settings)
            await preflight(settings)
        assert settings.redis_url and settings.broker_url
        if run_migrations:
            await migrate(settings, CONTEXTS_WITH_TABLES)
        broker = build_broker(settings.broker_url)
        dramatiq.set_broker(broker)
        routes = workers.register(broker, settings)
        runtime = Runtime(
            settings=settings,
            db=Database(settings),
            redis=Redis.from_url(settings.redis_url),
            broker=broker,
            routes=routes,
        )
        # the search engine's client lives as long as the runtime (SEARCH_URL or Postgres)
        runtime.extra["search"] = search.SearchService.from_settings(settings, runtime.db)
        # carts: their own Redis client (short timeouts: an outage degrades to Postgres)
        runtime.extra["cart.store"] = cart.build_store(
            settings, runtime.db, cart.cart_redis(settings)
        )
        # sign-in with an OpenID Connect provider, when one is configured (OIDC_ISSUER)
        provider = oidc_config(settings)
        if provider is not None:
            runtime.extra["oidc"] = OidcClient(provider, runtime.redis)
        if settings.seed_demo:
            await seed_if_empty(runtime.db, runtime.redis)
        if background:
            worker = Worker(broker, worker_threads=settings.embedded_worker_threads)
            worker.start()
            relay_status = RelayStatus()
            runtime.extra["relay"] = relay_status  # shown by /readyz and /metrics
            sweep_task = asyncio.create_task(
                workers.inventory.run_sweep_trigger(broker, runtime.redis, settings, stop)
            )
            checkout_sweep_task = asyncio.create_task(
                workers.checkout.run_sweep_trigger(broker, runtime.redis, settings, stop)
            )
            relay_task = asyncio.create_task(
                run_relay(
                    runtime.db,
                    CONTEXTS_WITH_TABLES,
                    routes.publish,
                    interval=settings.relay_interval,
                    retention=timedelta(days=settings.outbox_retention_days),
                    stop=stop,
                    max_backoff=settings.relay_max_backoff,
                    status=relay_status,
                )
            )
            snapshot_task = asyncio.create_task(
                run_snapshot_trigger(routes, settings.cart_snapshot_interval, stop)
            )
        yield runtime
    finally:
        # Every step runs even if the one before it failed or was cancelled (a second
        # Ctrl-C cancels the lifespan): nothing may be left running, above all the engines.
        stop.set()
        await _step(_wait_task(relay_task))
        await _step(_wait_task(snapshot_task))
        await _step(_wait_task(sweep_task))
        await _step(_wait_task(checkout_sweep_task))
        if worker is not None:
            await _step(asyncio.to_thread(worker.stop))
        if runtime is not None:
            if "search" in runtime.extra:
                await _step(runtime.extra["search"].close())
            if "cart.store" in runtime.extra:
                await _step(runtime.extra["cart.store"].redis.aclose())
            if "oidc" in runtime.extra:
                await _step(runtime.extra["oidc"].aclose())
            await _step(runtime.close())
        if broker is not None:
            # the broker's own Redis pool (readyz pings, the worker's consumers) is not
            # closed by broker.close(): close every client before the engines stop
            await _step(asyncio.to_thread(_disconnect_broker, broker))
        if engines is not None:
            await _step(asyncio.to_thread(engines.stop))


def _disconnect_broker(broker: dramatiq.Broker) -> None:
    client = getattr(broker, "client", None)
    if client is not None:
        client.connection_pool.disconnect()


async def _wait_task(task: asyncio.Task[None] | None) -> None:
    if task is not None:
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _step(work: Awaitable[object]) -> None:
    try:
        await work
    except (Exception, asyncio.CancelledError):
        log.exception("shutdown step failed; going on with the rest")
