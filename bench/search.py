"""The `search` scenario: faceted full-text search and search-as-you-type latency on both
backends over a generated catalog, and index lag from a catalog commit to searchable.

    python -m bench --scenario search --products 100000

1. **Catalog for search.** `--products` documents made from the demo catalog's drafts
   (`demo_drafts`: realistic titles, descriptions, brands, categories, colour/size
   options, prices), loaded into each backend with `SearchService.rebuild` (the path
   `emporium reindex` takes), in the `emporium_bench_search` database and the
   `bench-search.emporium-products` alias. Going through the catalog's own writes would cost
   about a minute per thousand products on this machine: the search copy is what is
   measured, so it is filled directly.
2. **Latency**, per backend, sequential calls through `SearchService` in this process
   (what a resolver calls): full text + 3 facet filters (category, brand, an option)
   with every facet counted, and `predictive` on a word and a prefix. Queries are built
   from the documents themselves, so each finds something.
3. **Index lag**, per backend: `emporium serve`'s embedded relay and worker threads run
   in this process on the real broker; a product is written through the catalog's
   service (its outbox), and the time from that commit until a search finds it is the
   lag. The index is the full generated one.
4. The hello-world ceiling of the same run, with wrk, as the other scenarios.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

BENCH_DB = "emporium_bench_search"
CHUNK = 1000


@dataclass(frozen=True)
class Latency:
    calls: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    errors: int = 0

    @classmethod
    def of(cls, seconds: list[float], errors: int = 0) -> Latency:
        ms = sorted(s * 1000 for s in seconds)
        q = statistics.quantiles(ms, n=100, method="inclusive")
        return cls(len(ms), round(q[49], 2), round(q[94], 2), round(q[98], 2), round(ms[-1], 2),
                   errors)  # fmt: skip


def documents(n: int, seed: int = 7) -> Iterator[list[Any]]:
    """`n` search documents from the demo catalog's drafts, `CHUNK` at a time."""
    import html
    import re

    from app.domains.catalog.seed import demo_drafts
    from app.domains.search import SearchDocument

    tags = re.compile(r"<[^>]+>")
    categories: dict[tuple[str, ...], int] = {}
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    chunk: list[SearchDocument] = []
    for i, d in enumerate(demo_drafts(n, seed), start=1):
        ids = []
        for depth in range(1, len(d.category_path) + 1):
            ids.append(categories.setdefault(d.category_path[:depth], len(categories) + 1))
        chunk.append(
            SearchDocument(
                product_id=i,
                version=1,
                handle=d.handle,
                title=d.title,
                description=" ".join(
                    html.unescape(tags.sub(" ", d.description_html or "")).split()
                ),
                vendor=d.brand,
                product_type=d.product_type,
                tags=d.tags,
                category_id=ids[-1] if ids else None,
                category_ids=tuple(ids),
                category_titles=d.category_path,
                options=tuple(sorted({o for v in d.variants for o in v.options})),
                prices=tuple(v.price for v in d.variants) or (Decimal(0),),
                available=True,
                created_at=t0 + timedelta(minutes=i),
            )
        )
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def workload(n: int, calls: int, seed: int = 11) -> tuple[list[tuple[str, Any]], list[str]]:
    """`calls` faceted searches (a title word + the category, brand and one option of a
    product that has it) and `calls` predictive texts (a word and a prefix of the next)."""
    from app.domains.search import Filters

    rng = random.Random(seed)
    sample: list[Any] = []
    for chunk in documents(min(n, 5000)):
        sample.extend(chunk)
    searches: list[tuple[str, Any]] = []
    typed: list[str] = []
    for _ in range(calls):
        d = rng.choice(sample)
        words = [w for w in d.title.split() if w.isalpha() and len(w) > 2] or [d.title]
        name, value = rng.choice(d.options) if d.options else ("Color", "Red")
        filters = Filters(
            category_ids=frozenset({d.category_ids[0]}) if d.category_ids else frozenset(),
            vendors=frozenset({d.vendor}) if d.vendor else frozenset(),
            options=((name, frozenset({value})),),
        )
        searches.append((rng.choice(words).lower(), filters))
        w = [x.lower() for x in d.title.split() if x.isalpha()] or ["shirt"]
        nxt = w[1] if len(w) > 1 else w[0]
        typed.append(f"{w[0]} {nxt[: max(1, min(len(nxt), rng.randint(1, 4)))]}")
    return searches, typed


async def _timed(calls: list[Any]) -> Latency:
    seconds: list[float] = []
    errors = 0
    for call in calls:
        t = time.perf_counter()
        try:
            await call()
        except Exception:
            errors += 1
            continue
        seconds.append(time.perf_counter() - t)
    return Latency.of(seconds or [0.0], errors)


async def measure_backend(settings: Any, n: int, calls: int) -> dict[str, Any]:
    """Load `n` documents into the backend `settings` names, then time its queries."""
    from app.domains.search import SearchQuery, SearchService
    from app.platform.db import Database

    db = Database(settings)
    service = SearchService.from_settings(settings, db)
    try:

        async def chunks() -> AsyncIterator[list[Any]]:
            for c in documents(n):
                yield c

        t = time.perf_counter()
        loaded = await service.rebuild(chunks())
        load_s = time.perf_counter() - t
        await service.backend.refresh()
        searches, typed = workload(n, calls)

        def search(text: str, filters: Any) -> Any:
            return lambda: service.search(SearchQuery(text=text, filters=filters, limit=24))

        def predictive(text: str) -> Any:
            return lambda: service.predictive(text, 10)

        # warm caches the way traffic does, unmeasured
        await _timed([search(t, f) for t, f in searches[:30]] + [predictive(t) for t in typed[:30]])
        faceted = await _timed([search(t, f) for t, f in searches])
        suggest = await _timed([predictive(t) for t in typed])
        found = sum(
            [(await service.search(SearchQuery(text=t, filters=f, limit=1))).total > 0
             for t, f in searches[:50]]
        )  # fmt: skip
        return {
            "documents": loaded,
            "load_s": round(load_s, 1),
            "faceted_search": faceted.__dict__,
            "predictive": suggest.__dict__,
            "faceted_queries_with_hits_of_50": found,
        }
    finally:
        await service.close()
        await db.dispose()


async def measure_lag(settings: Any, samples: int) -> dict[str, Any]:
    """Commit → searchable, through outbox, relay, broker and the search worker."""
    from app.bootstrap import running
    from app.domains import catalog
    from app.domains.search import SearchQuery

    lags: list[float] = []
    misses = 0
    async with running(settings, run_migrations=False, background=True) as rt:
        service = rt.extra["search"]
        for i in range(samples):
            word = "probe" + "".join(random.choice("bcdfghjklmnpqrstvwxz") for _ in range(8))
            draft = catalog.ProductDraft(
                handle=f"lag-probe-{i}-{word}",
                title=f"Lag {word} lamp",
                brand="Bench",
                category_path=("Bench", "Probes"),
                variants=(catalog.VariantDraft(sku=f"LAG-{word}", price=Decimal("9.00")),),
            )
            async with rt.db.uow(catalog.CONTEXT) as uow:
                await catalog.upsert_product(uow, draft)
                await uow.commit()
            committed = time.perf_counter()
            query = SearchQuery(text=word, limit=1, with_facets=False)
            while time.perf_counter() - committed < 10:
                if (await service.search(query)).total:
                    lags.append(time.perf_counter() - committed)
                    break
                await asyncio.sleep(0.005)
            else:
                misses += 1
    lat = Latency.of(lags or [0.0])
    return {"samples": samples, "not_found_within_10s": misses,
            "p50_ms": lat.p50_ms, "p95_ms": lat.p95_ms, "p99_ms": lat.p99_ms,
            "max_ms": lat.max_ms, "relay_interval_s": settings.relay_interval}  # fmt: skip


async def recreate_database(admin_url: str) -> str:
    from bench import database

    await database._recreate(admin_url, BENCH_DB)
    return database.bench_url(admin_url, BENCH_DB)


async def run(svc: dict[str, str], products: int, calls: int, lag_samples: int) -> dict[str, Any]:
    """Both backends, one after the other: loaded, queried, then their index lag."""
    from app.domains import CONTEXTS_WITH_TABLES
    from app.platform.migrate import migrate
    from app.platform.settings import load_settings

    url = await recreate_database(svc["DATABASE_URL"])
    saved = dict(os.environ)
    os.environ.update({k: svc[k] for k in ("REDIS_URL", "BROKER_URL")})
    os.environ.update({"DATABASE_URL": url, "QUEUE_PREFIX": "bench-search.", "LOG_LEVEL": "warning",
                       "SEED_DEMO": "false", "EMPORIUM_ENV_FILE": ""})  # fmt: skip
    for k in [k for k in os.environ if k.startswith("DATABASE_URL_")]:
        del os.environ[k]
    try:
        base = load_settings()
        await migrate(base, CONTEXTS_WITH_TABLES)
        out: dict[str, Any] = {}
        # BENCH_SEARCH_BACKENDS=elasticsearch (or postgres): measure only that one
        only = set(filter(None, saved.get("BENCH_SEARCH_BACKENDS", "").split(",")))
        for name, search_url in (("elasticsearch", svc["SEARCH_URL"]), ("postgres", None)):
            if only and name not in only:
                continue
            settings = base.model_copy(update={"search_url": search_url})
            print(f"search/{name}: loading {products} documents, then {calls} calls each",
                  flush=True)  # fmt: skip
            out[name] = await measure_backend(settings, products, calls)
            print(f"search/{name}: index lag, {lag_samples} products", flush=True)
            out[name]["index_lag"] = await measure_lag(settings, lag_samples)
            print(f"search/{name}: {out[name]}", flush=True)
        return out
    finally:
        os.environ.clear()
        os.environ.update(saved)


def table(results: dict[str, Any]) -> str:
    head = f"{'backend':<14} {'what':<16} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'calls':>6}"
    lines = [head, "-" * len(head)]
    for name, r in results.items():
        for what in ("faceted_search", "predictive", "index_lag"):
            x = r[what]
            lines.append(f"{name:<14} {what:<16} {x['p50_ms']:>8.1f} {x['p95_ms']:>8.1f} "
                         f"{x['p99_ms']:>8.1f} {x.get('calls', x.get('samples')):>6}")  # fmt: skip
    return "\n".join(lines)
