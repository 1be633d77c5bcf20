"""`python -m bench`: measure the catalog listing against a hello-world ceiling.

Services up → fresh `emporium_bench` database, migrated and seeded → for each
scenario: start the server (uvicorn, 2 workers), check it once, warm up, load it
with wrk, stop it → write bench/results/<date>-catalog.json and print a table.
See bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from bench import cart, database, loadgen, query, report, reservation, servers, services
from bench.procs import BenchError

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ("hello", "strawberry", "catalog", "catalog-cached", "cart")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    p.add_argument("--duration", type=int, default=20, help="seconds of measured load (20)")
    p.add_argument("--connections", type=int, default=32, help="wrk connections (32)")
    p.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    p.add_argument("--warmup", type=int, default=3, help="seconds of unmeasured load first (3)")
    p.add_argument("--workers", type=int, default=2, help="uvicorn workers per server (2)")
    p.add_argument("--products", type=int, default=2000, help="demo products to seed (2000)")
    p.add_argument("--quick", action="store_true", help="5 s smoke run, own result file")
    p.add_argument("--reuse-db", action="store_true", help="keep emporium_bench as it is (no seed)")
    p.add_argument("--out", type=Path, help="result file (bench/results/<date>-<scenario>.json)")
    p.add_argument(
        "--only",
        default=",".join(SCENARIOS),
        help=f"comma-separated scenarios to run (all: {','.join(SCENARIOS)}); hello always runs",
    )
    p.add_argument(
        "--cart-connections",
        type=int,
        default=16,
        help="cart scenario: shoppers at once, one wrk thread each (16)",
    )
    p.add_argument(
        "--scenario",
        choices=("catalog", "reservation", "search", "checkout"),
        default="catalog",
        help="catalog: the runs --only picks (default); reservation: reserve + release on a "
        "few hot variants (own database, emporium_bench_inventory); search: bench/search.py; "
        "checkout: pgbench, then checkout and flash-sale (bench/checkout.py, own database "
        "<bench db>_checkout); hello runs with each",
    )
    p.add_argument(
        "--calls",
        type=int,
        default=500,
        help="search: timed calls per query kind and backend (500)",
    )
    p.add_argument(
        "--lag-samples",
        type=int,
        default=50,
        help="search: products written to time commit → searchable (50)",
    )
    p.add_argument("--clients", type=int, default=8, help="checkout: shoppers at once (8)")
    p.add_argument(
        "--flash-buyers", type=int, default=200, help="flash-sale: checkouts at once (200)"
    )
    p.add_argument("--flash-units", type=int, default=20, help="flash-sale: units on sale (20)")
    p.add_argument("--pgbench-clients", type=int, default=4, help="checkout: pgbench clients (4)")
    args = p.parse_args(argv)
    args.only = {s.strip() for s in args.only.split(",") if s.strip()} | {"hello"}
    if args.only - set(SCENARIOS):
        p.error(f"unknown scenarios: {sorted(args.only - set(SCENARIOS))}")
    if args.quick:
        args.duration = 5
    if args.connections < args.threads:
        p.error("--connections must be at least --threads")
    return args


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _server_env(svc: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE_URL_")}
    env.update({k: svc[k] for k in services.NEEDED})
    env["DATABASE_URL"] = database.bench_url(svc["DATABASE_URL"])
    env["LOG_LEVEL"] = "warning"
    env["QUEUE_PREFIX"] = "bench."  # keep away from the queues tests and workers use
    # the cart scenario makes thousands of carts in the shared Redis: let them go soon
    env["CART_TTL"] = "600"
    return env


@dataclass(frozen=True)
class Plan:
    args: argparse.Namespace
    wrk: str
    logs: Path


def _scenario(
    plan: Plan,
    srv: servers.Server,
    verify: Callable[[], int],
    url: str,
    body: Path | None,
    script: Path = loadgen.LUA,
    threads: int | None = None,
) -> tuple[loadgen.Result, dict[str, Any]]:
    """Check the server once, warm it up, then measure it."""
    name, args = srv.name, plan.args
    size = verify()
    log = plan.logs / f"wrk-{name}.log"
    conns = threads or args.connections
    run = partial(loadgen.load, plan.wrk, url, connections=conns, threads=threads or args.threads,
                  body=body, log=log, cwd=ROOT, script=script)  # fmt: skip
    if args.warmup > 0:
        print(f"{name}: warm-up {args.warmup}s", flush=True)
        run(duration=args.warmup)
    print(f"{name}: measuring {args.duration}s", flush=True)
    result = run(duration=args.duration)
    problems = servers.log_problems(srv.log)
    if problems:
        print(f"{name}: {len(problems)} problem lines in {srv.log}, e.g. {problems[0]}", flush=True)
    return result, {"response_bytes": size, "server_log_problems": len(problems)}


def _fresh_logs() -> Path:
    """Logs of the last run, kept for inspection; replaced by the next run."""
    # EMPORIUM_BENCH_LOGS: another folder, so two runs never wipe each other's logs
    path = Path(
        os.environ.get("EMPORIUM_BENCH_LOGS") or Path(tempfile.gettempdir()) / "emporium-bench"
    )
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def bench_search(args: argparse.Namespace, logs: Path) -> Path:
    """The search scenario (bench/search.py), with the hello-world ceiling of the same run."""
    import asyncio

    from bench import search

    started = dt.datetime.now().astimezone()
    loadavg_before = os.getloadavg()
    wrk = loadgen.ensure_wrk()
    svc = services.ensure_up(ROOT)
    env = _server_env(svc)
    plan = Plan(args, wrk, logs)
    port = servers.free_port()
    cmd = servers.hello_command(sys.executable, port, args.workers)
    with servers.serving("hello", cmd, port, "/", env, logs / "hello.log", ROOT) as srv:
        verify = partial(query.verify_hello, srv.base_url)
        hello, hello_extra = _scenario(plan, srv, verify, srv.base_url + "/", None)
    t = dt.datetime.now()
    results = asyncio.run(search.run(svc, args.products, args.calls, args.lag_samples))
    hello_doc = {**report.scenarios({"hello": hello})["hello"], **hello_extra}
    doc = {
        "date": started.date().isoformat(),
        "started_at": started.isoformat(timespec="seconds"),
        "scenario": "search",
        "machine": report.machine(ROOT, loadgen.wrk_version(wrk)),
        "loadavg_before": [round(x, 2) for x in loadavg_before],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        "settings": {
            "products": args.products, "calls": args.calls, "lag_samples": args.lag_samples,
            "hello_duration_s": args.duration, "connections": args.connections,
            "uvicorn_workers": args.workers, "search_s": round((dt.datetime.now() - t).total_seconds(), 1),
            "faceted_search": "text + category, brand and option filters, every facet counted, first 24",
            "predictive": "a word and a 1-4 letter prefix of the next, limit 10",
        },
        "goals": {"elasticsearch_faceted_p95_ms": 20, "index_lag_p99_ms": 1000},
        "hello": hello_doc,
        "search": results,
    }  # fmt: skip
    out = args.out or ROOT / "bench" / "results" / f"{doc['date']}-search-{args.products}.json"
    report.write(out, doc)
    print()
    print(
        f"hello: {hello.req_per_s:.0f} req/s, p50 {hello.p50_ms:.2f} ms, p99 {hello.p99_ms:.2f} ms"
    )
    print(search.table(results))
    return out


def bench(args: argparse.Namespace, logs: Path) -> Path:
    if args.scenario == "search":
        return bench_search(args, logs)
    started = dt.datetime.now().astimezone()
    loadavg_before = os.getloadavg()
    if loadavg_before[0] > 0.5 * len(os.sched_getaffinity(0)):
        print(f"warning: the machine is busy (load {loadavg_before[0]:.1f}); figures will be noisy")
    wrk = loadgen.ensure_wrk()
    svc = services.ensure_up(ROOT)
    env = _server_env(svc)
    bindir = Path(sys.executable).parent
    emporium = str(bindir / "emporium") if (bindir / "emporium").exists() else "emporium"
    seed_s = None
    if not args.reuse_db:
        seed_s = database.prepare(
            emporium, svc["DATABASE_URL"], env, args.products, logs, ROOT, 1800
        )
    body = query.write_body(logs / "products-query.json")
    plan = Plan(args, wrk, logs)
    results: dict[str, loadgen.Result] = {}
    extra: dict[str, dict[str, Any]] = {}

    port = servers.free_port()
    cmd = servers.hello_command(sys.executable, port, args.workers)
    with servers.serving("hello", cmd, port, "/", env, logs / "hello.log", ROOT) as srv:
        verify = partial(query.verify_hello, srv.base_url)
        results["hello"], extra["hello"] = _scenario(plan, srv, verify, srv.base_url + "/", None)

    if "strawberry" in args.only:
        port = servers.free_port()
        cmd = servers.hello_command(sys.executable, port, args.workers, "bench.inmemory:app")
        log = logs / "inmemory.log"
        with servers.serving("strawberry", cmd, port, "/", env, log, ROOT) as srv:
            verify = partial(query.verify_inmemory, srv.base_url, body)
            url = srv.base_url + "/graphql"
            results["strawberry"], extra["strawberry"] = _scenario(plan, srv, verify, url, body)

    # every request runs the rate limiter's Lua script, against a budget the load never spends
    unthrottled = {"RATE_LIMIT_CAPACITY": str(10**12), "RATE_LIMIT_RESTORE_RATE": str(10**12)}
    api_env = {**env, **unthrottled, "RESPONSE_CACHE_TTL": "0"}  # every request executes
    if "catalog" in args.only:
        # the API twice: the standard executor (PLANNED_EXECUTION=false), then planned;
        # each serves the listing and then the product page
        for suffix, planned in (("", "false"), ("-planned", "true")):
            port = servers.free_port()
            cmd = servers.api_command(emporium, port, args.workers)
            planned_env = {**api_env, "PLANNED_EXECUTION": planned}
            log = logs / f"api{suffix}.log"
            name = f"catalog{suffix}"
            with servers.serving(name, cmd, port, "/readyz", planned_env, log, ROOT) as srv:
                url = srv.base_url + "/graphql"
                for name, verify, load_body, operation in (
                    (f"catalog{suffix}", query.verify_catalog, body, "ProductListing"),
                    (f"product{suffix}", query.verify_product,
                     query.write_product_body(logs / "product-query.json", srv.base_url),
                     "ProductPage"),
                ):  # fmt: skip
                    check = partial(verify, srv.base_url, load_body)
                    results[name], extra[name] = _scenario(plan, srv, check, url, load_body)
                    extra[name]["executions_one_worker"] = query.executions(srv.base_url, operation)
                    extra[name]["peak_rss_mb"] = servers.peak_rss_mb(srv.pid)

    if "cart" in args.only:
        # one wrk thread per connection: bench/cart.lua keeps each shopper's cart per thread
        port = servers.free_port()
        cmd = servers.api_command(emporium, port, args.workers)
        log = logs / "api-cart.log"
        with servers.serving("cart", cmd, port, "/readyz", api_env, log, ROOT) as srv:
            variants = cart.write_variants(srv.base_url, logs / "cart-variants.txt")
            verify = partial(cart.verify_cart, srv.base_url, variants)
            url = srv.base_url + "/graphql"
            results["cart"], extra["cart"] = _scenario(
                plan, srv, verify, url, variants, cart.LUA, args.cart_connections
            )

    # the same listing as a persisted GET answered from the response cache (the front door)
    if "catalog-cached" in args.only:
        port = servers.free_port()
        cmd = servers.api_command(emporium, port, args.workers)
        # a prefix of this run's own: no cached answer or known hash from an earlier run (maybe
        # of another seed) is found, so the check sees the whole APQ round trip
        prefix = f"bench.{started.strftime('%Y%m%d%H%M%S')}."
        cached_env = {**env, **unthrottled, "RESPONSE_CACHE_TTL": "3600", "QUEUE_PREFIX": prefix}
        log = logs / "api-cached.log"
        with servers.serving("catalog-cached", cmd, port, "/readyz", cached_env, log, ROOT) as srv:
            verify = partial(query.verify_cached, srv.base_url)
            url = srv.base_url + query.persisted_path()
            results["catalog-cached"], extra["catalog-cached"] = _scenario(
                plan, srv, verify, url, None
            )

    scen = report.scenarios(results)
    for name, more in extra.items():
        scen[name].update(more)
    doc = {
        "date": started.date().isoformat(),
        "started_at": started.isoformat(timespec="seconds"),
        "quick": args.quick,
        "machine": report.machine(ROOT, loadgen.wrk_version(wrk)),
        "loadavg_before": [round(x, 2) for x in loadavg_before],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        "settings": {
            "duration_s": args.duration, "warmup_s": args.warmup,
            "connections": args.connections, "wrk_threads": args.threads,
            "uvicorn_workers": args.workers, "products": args.products,
            "seeded": not args.reuse_db, "seed_s": seed_s,
            "query": query.PRODUCTS_QUERY,
            "scenarios": sorted(args.only),
            "cart": "per shopper: cartCreate, 3 cartLinesAdd, cart(id:); one wrk "
            f"thread and connection per shopper ({args.cart_connections})",
            "cached_path": query.persisted_path(),
            "product_query": query.PRODUCT_QUERY,
        },
        "scenarios": scen,
    }  # fmt: skip
    suffix = "-quick" if args.quick else ""
    out = args.out or ROOT / "bench" / "results" / f"{doc['date']}-catalog{suffix}.json"
    report.write(out, doc)
    print()
    print(report.table(scen))
    return out


RESERVATION_DB = "emporium_bench_inventory"


def bench_reservation(args: argparse.Namespace, logs: Path) -> Path:
    """hello, then concurrent reserve + release on a few hot variants (bench/reservation.py)."""
    started = dt.datetime.now().astimezone()
    loadavg_before = os.getloadavg()
    wrk = loadgen.ensure_wrk()
    svc = services.ensure_up(ROOT)
    env = _server_env(svc)
    env["DATABASE_URL"] = database.bench_url(svc["DATABASE_URL"], RESERVATION_DB)
    bindir = Path(sys.executable).parent
    emporium = str(bindir / "emporium") if (bindir / "emporium").exists() else "emporium"
    database.recreate(svc["DATABASE_URL"], RESERVATION_DB)
    print(f"database: {RESERVATION_DB} recreated; migrating …", flush=True)
    from bench.procs import run

    run([emporium, "migrate"], env, logs / "migrate.log", ROOT, timeout=300)
    reservation.stock_hot_variants(env["DATABASE_URL"], env["REDIS_URL"])
    body = logs / "empty.json"
    body.write_text("{}")
    plan = Plan(args, wrk, logs)
    results: dict[str, loadgen.Result] = {}
    extra: dict[str, dict[str, Any]] = {}

    port = servers.free_port()
    cmd = servers.hello_command(sys.executable, port, args.workers)
    with servers.serving("hello", cmd, port, "/", env, logs / "hello.log", ROOT) as srv:
        verify = partial(query.verify_hello, srv.base_url)
        results["hello"], extra["hello"] = _scenario(plan, srv, verify, srv.base_url + "/", None)

    port = servers.free_port()
    cmd = servers.hello_command(sys.executable, port, args.workers, "bench.reservation:app")
    log = logs / "reservation.log"
    with servers.serving("reservation", cmd, port, "/", env, log, ROOT) as srv:
        verify = partial(reservation.verify, srv.base_url)
        url = srv.base_url + "/"
        results["reservation"], extra["reservation"] = _scenario(plan, srv, verify, url, body)
    extra["reservation"].update(reservation.after_run(env["DATABASE_URL"], env["REDIS_URL"]))

    scen = report.scenarios(results)
    for name, more in extra.items():
        scen[name].update(more)
    doc = {
        "date": started.date().isoformat(),
        "started_at": started.isoformat(timespec="seconds"),
        "quick": args.quick,
        "machine": report.machine(ROOT, loadgen.wrk_version(wrk)),
        "loadavg_before": [round(x, 2) for x in loadavg_before],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        "settings": {
            "duration_s": args.duration, "warmup_s": args.warmup,
            "connections": args.connections, "wrk_threads": args.threads,
            "uvicorn_workers": args.workers, "hot_variants": len(reservation.HOT_VARIANTS),
            "stock_per_variant": reservation.STOCK,
            "request": "reserve 1 unit of a random hot variant for a new saga, then release it",
        },
        "scenarios": scen,
    }  # fmt: skip
    suffix = "-quick" if args.quick else ""
    out = args.out or ROOT / "bench" / "results" / f"{doc['date']}-reservation{suffix}.json"
    report.write(out, doc)
    print()
    print(report.table(scen))
    return out


def bench_checkout(args: argparse.Namespace, logs: Path) -> Path:
    """pgbench TPC-B and hello-world (the ceilings), then checkout and flash-sale over
    GraphQL with `emporium serve` + `emporium worker` + `emporium relay` (bench/checkout.py)."""
    import asyncio
    import contextlib

    from bench import checkout
    from bench.procs import run, spawn, stop

    started = dt.datetime.now().astimezone()
    loadavg_before = os.getloadavg()
    wrk = loadgen.ensure_wrk()
    svc = services.ensure_up(ROOT)
    env = _server_env(svc)
    dbname = f"{database.BENCH_DB}_checkout"
    scratch = f"{database.BENCH_DB}_pgbench"
    env["DATABASE_URL"] = database.bench_url(svc["DATABASE_URL"], dbname)
    bindir = Path(sys.executable).parent
    emporium = str(bindir / "emporium") if (bindir / "emporium").exists() else "emporium"

    # Postgres's own ceiling on this machine, now: TPC-B on a scratch database
    database.recreate(svc["DATABASE_URL"], scratch)
    print(f"pgbench: TPC-B on {scratch}, {args.duration}s …", flush=True)
    pg = checkout.pgbench(svc["DATABASE_URL"], scratch, args.duration, args.pgbench_clients, logs)
    print(f"pgbench: {pg['tps']} tps", flush=True)

    database.recreate(svc["DATABASE_URL"], dbname)
    checkout.forget_hot_counts(svc["REDIS_URL"], dbname)
    print(f"database: {dbname} recreated; migrating and seeding …", flush=True)
    run([emporium, "migrate"], env, logs / "migrate.log", ROOT, timeout=300)
    run([emporium, "seed", "--demo", "--products", "24"], env, logs / "seed.log", ROOT, 600)

    plan = Plan(args, wrk, logs)
    port = servers.free_port()
    cmd = servers.hello_command(sys.executable, port, args.workers)
    with servers.serving("hello", cmd, port, "/", env, logs / "hello.log", ROOT) as srv:
        verify = partial(query.verify_hello, srv.base_url)
        hello, hello_extra = _scenario(plan, srv, verify, srv.base_url + "/", None)

    unthrottled = {"RATE_LIMIT_CAPACITY": str(10**12), "RATE_LIMIT_RESTORE_RATE": str(10**12)}
    api_env = {**env, **unthrottled, "RESPONSE_CACHE_TTL": "0"}
    results: dict[str, Any] = {}
    with contextlib.ExitStack() as stack:
        for name, extra_cmd in (("worker", ["worker"]), ("relay", ["relay"])):
            proc = spawn([emporium, *extra_cmd], api_env, logs / f"{name}.log", ROOT)
            stack.callback(stop, proc)
            print(f"{name}: started (log {logs / f'{name}.log'})", flush=True)
        port = servers.free_port()
        cmd = servers.api_command(emporium, port, args.workers)
        log = logs / "api-checkout.log"
        srv = stack.enter_context(
            servers.serving("checkout", cmd, port, "/readyz", api_env, log, ROOT)
        )
        variants = asyncio.run(checkout.variant_ids(srv.base_url))
        flash_variant, shelf = variants[0], variants[1:9]
        stock = {v: checkout.CHECKOUT_STOCK for v in shelf} | {flash_variant: args.flash_units}
        checkout.set_stock(env["DATABASE_URL"], env["REDIS_URL"], stock)
        print(f"checkout: {args.clients} shoppers, warm-up {args.warmup}s, "
              f"measuring {args.duration}s", flush=True)  # fmt: skip
        results["checkout"] = asyncio.run(
            checkout.checkout_load(srv.base_url, shelf, args.clients, args.duration, args.warmup)
        )
        print(f"flash-sale: {args.flash_buyers} checkouts for {args.flash_units} units",
              flush=True)  # fmt: skip
        flash = asyncio.run(checkout.flash_sale(srv.base_url, flash_variant, args.flash_buyers))
        flash |= checkout.stock_after(env["DATABASE_URL"], flash_variant)
        flash["units"] = args.flash_units
        flash["ok"] = (
            flash["completed"] == args.flash_units
            and flash["failed_out_of_stock"] == args.flash_buyers - args.flash_units
            and flash["on_hand_after"] == 0
            and flash["reserved_after"] == 0
            and flash["ledger_mismatches"] == 0
        )
        results["flash-sale"] = flash
        # Traceback/ERROR lines the run left in each process's log (both scenarios)
        log_problems = {
            name: len(servers.log_problems(logs / f"{name}.log"))
            for name in ("api-checkout", "worker", "relay")
        }
    database.drop(svc["DATABASE_URL"], scratch)

    hello_doc = {**report.scenarios({"hello": hello})["hello"], **hello_extra}
    doc = {
        "date": started.date().isoformat(),
        "started_at": started.isoformat(timespec="seconds"),
        "scenario": "checkout",
        "ok": flash["ok"],
        "machine": report.machine(ROOT, loadgen.wrk_version(wrk)),
        "loadavg_before": [round(x, 2) for x in loadavg_before],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        "settings": {
            "duration_s": args.duration, "warmup_s": args.warmup,
            "connections": args.connections, "uvicorn_workers": args.workers,
            "clients": args.clients, "flash_buyers": args.flash_buyers,
            "flash_units": args.flash_units, "products": 24,
            "checkout": "per shopper: cartCreate (1 line), checkoutComplete (test gateway, "
            "tok_visa, fresh idempotency key), checkout(id:) every 50 ms while PROCESSING",
            "time_to_completed": "checkoutComplete sent -> COMPLETED seen",
        },
        "pgbench": pg,
        "hello": hello_doc,
        "log_problems": log_problems,
        "scenarios": results,
    }  # fmt: skip
    out = args.out or ROOT / "bench" / "results" / f"{doc['date']}-checkout.json"
    report.write(out, doc)
    c = results["checkout"]
    print()
    print(f"pgbench TPC-B: {pg['tps']} tps ({pg['clients']} clients)")
    print(f"hello: {hello.req_per_s:.0f} req/s")
    print(f"checkout: {c['completions_per_s']} completions/s, time to COMPLETED p50 "
          f"{c['time_to_completed_p50_ms']} ms, p95 {c['time_to_completed_p95_ms']} ms, "
          f"outcomes {c['outcomes']}")  # fmt: skip
    print(f"flash-sale: {flash['completed']} COMPLETED, {flash['failed_out_of_stock']} "
          f"OUT_OF_STOCK of {flash['buyers']} for {flash['units']} units, on hand after "
          f"{flash['on_hand_after']}, {flash['elapsed_s']} s")  # fmt: skip
    if not flash["ok"]:
        raise BenchError(f"flash-sale: expected exactly {args.flash_units} COMPLETED and "
                         f"nothing left: {flash} (result written to {out})")  # fmt: skip
    return out


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # SIGINT too: a runner started in the background by a shell inherits it ignored.
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _raise_interrupt)
    logs = _fresh_logs()
    try:
        if args.scenario == "reservation":
            out = bench_reservation(args, logs)
        elif args.scenario == "checkout":
            out = bench_checkout(args, logs)
        else:
            out = bench(args, logs)
    except BenchError as exc:
        print(f"bench: {exc}\nlogs: {logs}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"bench: interrupted; what it started is stopped (logs: {logs})", file=sys.stderr)
        return 130
    print(f"\nwrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
