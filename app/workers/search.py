"""`search.index`: keep the search context's copy of each product in step with the catalog.

The event only says *which* product changed; the actor reloads it through the catalog's
public service and upserts (or removes) the search document at the product's version, so
replays, duplicates and out-of-order deliveries all converge on the newest state.
"""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import dramatiq

from app.domains import catalog, search
from app.platform.broker import Routes
from app.platform.db import Database
from app.platform.pagination import PageRequest
from app.platform.settings import Settings

CONSUMER = "search.index"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_TAGS = re.compile(r"<[^>]+>")


def version_of(updated_at: datetime) -> int:
    """The product's last change in microseconds: the search document's version."""
    return (updated_at - _EPOCH) // timedelta(microseconds=1)


async def _category_chains(uow: Any, ids: set[int]) -> dict[int, list[catalog.Category]]:
    """Each category with every category above it, root first (one query per level)."""
    known: dict[int, catalog.Category] = {}
    wanted = set(ids)
    while wanted:
        found = await catalog.categories_by_ids(uow, sorted(wanted))
        known.update(found)
        wanted = {c.parent_id for c in found.values() if c.parent_id is not None} - set(known)
    chains: dict[int, list[catalog.Category]] = {}
    for cid in ids:
        chain: list[catalog.Category] = []
        cur = known.get(cid)
        while cur is not None and len(chain) < 64:
            chain.append(cur)
            cur = known.get(cur.parent_id) if cur.parent_id is not None else None
        chains[cid] = chain[::-1]
    return chains


async def load_documents(
    db: Database, ids: Sequence[int]
) -> tuple[list[search.SearchDocument], list[tuple[int, int | None]]]:
    """The search documents of the visible products among `ids`, and the removals (with
    their version) for the others: archived, drafts, or gone."""
    async with db.reader(catalog.CONTEXT) as uow:
        products = await catalog.products_by_ids(uow, ids)
        versions = await catalog.product_versions(uow, [i for i in ids if i not in products])
        variants = await catalog.variants_by_product_ids(uow, list(products))
        chains = await _category_chains(
            uow, {p.category_id for p in products.values() if p.category_id is not None}
        )
    docs = [
        document_of(p, variants.get(p.id, []), chains.get(p.category_id or 0, []))
        for p in products.values()
    ]
    removals = [
        (i, version_of(versions[i]) if i in versions else None) for i in ids if i not in products
    ]
    return docs, removals


def document_of(
    p: catalog.Product, variants: list[catalog.Variant], chain: list[catalog.Category]
) -> search.SearchDocument:
    text = html.unescape(_TAGS.sub(" ", p.description_html or ""))
    options = {(o.name, o.value) for v in variants for o in v.options}
    return search.SearchDocument(
        product_id=p.id,
        version=version_of(p.updated_at),
        handle=p.handle,
        title=p.title,
        description=" ".join(text.split()),
        vendor=p.vendor,
        product_type=p.product_type,
        tags=p.tags,
        category_id=p.category_id,
        category_ids=tuple(c.id for c in chain),
        category_titles=tuple(c.title for c in chain),
        options=tuple(sorted(options)),
        prices=tuple(v.price for v in variants) or (p.min_price,),
        # no inventory context yet: a listed product counts as available
        available=True,
        created_at=p.created_at,
    )


async def sync_products(db: Database, service: search.SearchService, ids: Sequence[int]) -> None:
    """Bring the search copy of `ids` up to the catalog's current state (idempotent)."""
    docs, removals = await load_documents(db, ids)
    await service.index(docs)
    await service.remove(removals)


async def stream_documents(
    db: Database, chunk: int = 500
) -> AsyncIterator[list[search.SearchDocument]]:
    """Every visible product as search documents, `chunk` at a time (keyset pages: memory
    stays flat however large the catalog)."""
    after: tuple[object, ...] | None = None
    while True:
        q = catalog.product_query(
            catalog.ProductFilter(), PageRequest(limit=chunk, forward=True, after=after)
        )
        async with db.reader(catalog.CONTEXT) as uow:
            page = (await catalog.list_products_batch(uow, [q]))[q]
        if not page.items:
            return
        docs, _ = await load_documents(db, [p.id for p in page.items])
        yield docs
        if not page.has_next_page:
            return
        after = page.keys[-1]


def register(broker: dramatiq.Broker, routes: Routes, settings: Settings) -> None:
    # one Database and search client per event loop: the worker's loop thread owns them
    per_loop: dict[int, tuple[Database, search.SearchService]] = {}

    async def index(envelope: dict[str, Any]) -> None:
        loop_id = id(asyncio.get_running_loop())
        if loop_id not in per_loop:
            db = Database(settings, pool_size=2)
            per_loop[loop_id] = (db, search.SearchService.from_settings(settings, db))
        db, service = per_loop[loop_id]
        await sync_products(db, service, [int(envelope["payload"]["product_id"])])

    routes.subscribe(broker, catalog.ProductChanged.type_name, CONSUMER, index)


async def reindex(
    db: Database,
    service: search.SearchService,
    *,
    chunk: int = 500,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Rebuild the search index from the catalog, streamed in chunks; returns how many
    products it holds. Searches answer from the old index until the swap."""

    async def chunks() -> AsyncIterator[list[search.SearchDocument]]:
        done = 0
        async for docs in stream_documents(db, chunk):
            yield docs
            done += len(docs)
            if progress is not None:
                progress(done)

    return await service.rebuild(chunks())
