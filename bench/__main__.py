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

from bench import database, loadgen, query, report, servers, services
from bench.procs import BenchError

ROOT = Path(__file__).resolve().parents[1]


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
    p.add_argument("--out", type=Path, help="result file (bench/results/<date>-catalog.json)")
    args = p.parse_args(argv)
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
    return env


@dataclass(frozen=True)
class Plan:
    args: argparse.Namespace
    wrk: str
    logs: Path


def _scenario(
    plan: Plan, srv: servers.Server, verify: Callable[[], int], url: str, body: Path | None
) -> tuple[loadgen.Result, dict[str, Any]]:
    """Check the server once, warm it up, then measure it."""
    name, args = srv.name, plan.args
    size = verify()
    log = plan.logs / f"wrk-{name}.log"
    run = partial(loadgen.load, plan.wrk, url, connections=args.connections,
                  threads=args.threads, body=body, log=log, cwd=ROOT)  # fmt: skip
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
    path = Path(tempfile.gettempdir()) / "emporium-bench"
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def bench(args: argparse.Namespace, logs: Path) -> Path:
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

    port = servers.free_port()
    cmd = servers.hello_command(sys.executable, port, args.workers, "bench.inmemory:app")
    with servers.serving("strawberry", cmd, port, "/", env, logs / "inmemory.log", ROOT) as srv:
        verify = partial(query.verify_inmemory, srv.base_url, body)
        url = srv.base_url + "/graphql"
        results["strawberry"], extra["strawberry"] = _scenario(plan, srv, verify, url, body)

    # the API twice: the standard executor (PLANNED_EXECUTION=false), then planned;
    # each serves the listing and then the product page
    for suffix, planned in (("", "false"), ("-planned", "true")):
        port = servers.free_port()
        cmd = servers.api_command(emporium, port, args.workers)
        api_env = {**env, "PLANNED_EXECUTION": planned}
        log = logs / f"api{suffix}.log"
        with servers.serving(f"catalog{suffix}", cmd, port, "/readyz", api_env, log, ROOT) as srv:
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


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # SIGINT too: a runner started in the background by a shell inherits it ignored.
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _raise_interrupt)
    logs = _fresh_logs()
    try:
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
