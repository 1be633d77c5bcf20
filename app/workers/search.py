"""`search.index`: keep the search context's copy of each product in step with the catalog.

The event only says *which* product changed; the actor reloads it through the catalog's
public service (and its variants' availability through the inventory's) and upserts (or
removes) the search document, so replays, duplicates and out-of-order deliveries all
converge on the newest state.

Versions. A document is versioned by *when its state was read*: the catalog database's
clock (`clock_timestamp()`, µs) taken before any read. Each sync reads after its own
stamp, so a document at stamp t holds every change committed before t; every change
(a product edit or an availability change) commits before its event is relayed, so the
sync it triggers stamps later than the change and carries it. The newest stamp therefore
holds every change, and a slower reader of an older state (an earlier stamp) loses at
either backend's `version >= stored` check. An availability change is thus never
"stale relative to the product version": the stamp of any read is at or after the
product's `updated_at` (the old version scheme), so documents written before this
scheme compare correctly too. One clock (the catalog database's) serves every worker.
"""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import dramatiq
import sqlalchemy as sa

from app.domains import catalog, inventory, search
from app.platform.broker import Routes
from app.platform.db import Database
from app.platform.pagination import PageRequest
from app.platform.settings import Settings

CONSUMER = "search.index"
AVAILABILITY_CONSUMER = "search.availability"
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
        # the stamp first: everything read below is at least as new as it (module doc)
        read_at: datetime = (
            await uow.session.execute(sa.select(sa.func.clock_timestamp()))
        ).scalar_one()
        products = await catalog.products_by_ids(uow, ids)
        versions = await catalog.product_versions(uow, [i for i in ids if i not in products])
        variants = await catalog.variants_by_product_ids(uow, list(products))
        chains = await _category_chains(
            uow, {p.category_id for p in products.values() if p.category_id is not None}
        )
    variant_ids = [v.id for vs in variants.values() for v in vs]
    quantities: dict[int, int] = {}
    if variant_ids:
        async with db.reader(inventory.CONTEXT) as uow:
            # Postgres, not the Redis hot counts: a count published after its commit
            # could be read late under a newer stamp
            quantities = await inventory.available_quantities(uow, variant_ids)
    stamp = version_of(read_at)
    docs = [
        document_of(
            p,
            variants.get(p.id, []),
            chains.get(p.category_id or 0, []),
            quantities=quantities,
            version=max(stamp, version_of(p.updated_at)),
        )
        for p in products.values()
    ]
    removals = [
        (i, max(stamp, version_of(versions[i])) if i in versions else None)
        for i in ids
        if i not in products
    ]
    return docs, removals


def document_of(
    p: catalog.Product,
    variants: list[catalog.Variant],
    chain: list[catalog.Category],
    *,
    quantities: Mapping[int, int] | None = None,
    version: int | None = None,
) -> search.SearchDocument:
    """The product as search sees it: available while any variant has a unit to sell
    (`quantities`: the inventory's sellable units by variant id; missing means none), at
    `version` (default: the product's last change)."""
    text = html.unescape(_TAGS.sub(" ", p.description_html or ""))
    options = {(o.name, o.value) for v in variants for o in v.options}
    return search.SearchDocument(
        product_id=p.id,
        version=version_of(p.updated_at) if version is None else version,
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
        available=any((quantities or {}).get(v.id, 0) > 0 for v in variants),
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

    def own() -> tuple[Database, search.SearchService]:
        loop_id = id(asyncio.get_running_loop())
        if loop_id not in per_loop:
            db = Database(settings, pool_size=2)
            per_loop[loop_id] = (db, search.SearchService.from_settings(settings, db))
        return per_loop[loop_id]

    async def index(envelope: dict[str, Any]) -> None:
        db, service = own()
        await sync_products(db, service, [int(envelope["payload"]["product_id"])])

    async def availability(envelope: dict[str, Any]) -> None:
        """A variant sold out or came back: re-index its product (found through the
        catalog; a variant of a hidden or deleted product has nothing to re-index)."""
        if envelope["payload"].get("change") == "low_stock":
            return  # still for sale: nothing search shows changed
        db, service = own()
        variant_id = int(envelope["payload"]["variant_id"])
        async with db.reader(catalog.CONTEXT) as uow:
            found = await catalog.variants_by_ids(uow, [variant_id])
        if variant_id in found:
            await sync_products(db, service, [found[variant_id].product_id])

    routes.subscribe(broker, catalog.ProductChanged.type_name, CONSUMER, index)
    routes.subscribe(
        broker, inventory.AvailabilityChanged.type_name, AVAILABILITY_CONSUMER, availability
    )


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
