"""The Postgres backend (embedded default): weighted tsvectors with GIN, facets in SQL.

Everything lives in the `search` schema; the documents are denormalised copies, so no
statement here touches another context's tables.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import TSQUERY, TSVECTOR, insert

from app.domains.search import models as m
from app.domains.search.analysis import MAX_QUERY_WORDS, one_edit, words
from app.domains.search.backend import Terms
from app.domains.search.documents import cents, fields_of, price_of
from app.domains.search.entities import (
    PRICE_EDGES,
    FacetCount,
    Facets,
    Filters,
    PriceBucket,
    SearchDocument,
    SearchQuery,
    SearchResult,
    SortKey,
    Suggestions,
)
from app.platform.db import Database

CONTEXT = "search"
_D = m.documents.c
_MAX_FACET_VALUES = 100


def _tsvector(fields: list[tuple[list[str], str]]) -> str:
    """A tsvector literal with positions: weights live on positions, so a lexeme without
    one would lose its field's weight. Analysed terms are letters and digits only."""
    parts: list[str] = []
    pos = 0
    for terms, weight in fields:
        for t in terms:
            pos = min(pos + 1, 16383)
            parts.append(f"'{t}':{pos}{weight}")
    return " ".join(parts)


def _row(d: SearchDocument) -> dict[str, Any]:
    f = fields_of(d)
    return {
        "product_id": d.product_id,
        "version": d.version,
        "deleted": False,
        "handle": d.handle,
        "title_sort": f.title_sort,
        "vendor": d.vendor,
        "category_id": d.category_id,
        "category_ids": list(d.category_ids),
        "option_pairs": f.option_pairs,
        "prices": [cents(p) for p in d.prices],
        "min_price": cents(d.min_price),
        "max_price": cents(d.max_price),
        "available": d.available,
        "created_at": d.created_at,
        "suggest": f.suggest,
        "tsv": sa.cast(
            _tsvector([(f.title_terms, "A"), (f.meta_terms, "B"), (f.body_terms, "C")]), TSVECTOR
        ),
        "words": sa.cast(_tsvector([(f.words, "D")]), TSVECTOR),
        "_vocab": set(f.vocabulary),
    }


def tsquery(terms: Terms) -> str:
    """`(a | b) & c`: analysed terms are letters and digits only, so quoting is enough."""
    return " & ".join("(" + " | ".join(f"'{t}'" for t in sorted(alts)) + ")" for alts in terms)


class PostgresBackend:
    name = "postgres"

    def __init__(self, db: Database) -> None:
        self.db = db

    async def ensure(self) -> None:
        """The tables come from the search context's migrations."""

    async def upsert(self, docs: Sequence[SearchDocument]) -> None:
        if not docs:
            return
        rows = [_row(d) for d in docs]
        vocab = sorted(set().union(*(r.pop("_vocab") for r in rows)))
        async with self.db.uow(CONTEXT) as uow:
            await _hold_rebuild_lock(uow.session, exclusive=False)
            await _write(uow.session, rows, vocab)
            await uow.commit()

    async def delete(self, product_ids: Sequence[tuple[int, int | None]]) -> None:
        if not product_ids:
            return
        async with self.db.uow(CONTEXT) as uow:
            await _hold_rebuild_lock(uow.session, exclusive=False)
            for pid, version in product_ids:
                if version is None:
                    await uow.session.execute(sa.delete(m.documents).where(_D.product_id == pid))
                    continue
                stmt = insert(m.documents).values(
                    product_id=pid, version=version, deleted=True, handle="",
                    tsv=sa.text("''::tsvector"), words=sa.text("''::tsvector"),
                )  # fmt: skip
                await uow.session.execute(
                    stmt.on_conflict_do_update(
                        index_elements=["product_id"],
                        set_={"version": stmt.excluded.version, "deleted": True},
                        where=_D.version <= stmt.excluded.version,
                    )
                )
            await uow.commit()

    async def missing_corrections(self, terms: Sequence[str]) -> dict[str, set[str]]:
        long_terms = [t for t in terms if len(t) >= 5]
        if not long_terms:
            return {}
        async with self.db.reader(CONTEXT) as uow:
            s = uow.session
            known = set(
                (await s.execute(sa.select(m.terms.c.term).where(m.terms.c.term.in_(long_terms))))
                .scalars()
                .all()
            )
            out: dict[str, set[str]] = {}
            for t in long_terms:
                if t in known:
                    continue
                found = (
                    await s.execute(
                        sa.select(m.terms.c.term)
                        .where(m.terms.c.term.in_(sorted(one_edit(t))))
                        .limit(5)
                    )
                ).scalars()
                if hits := set(found):
                    out[t] = hits
        return out

    async def search_unless_typos(
        self, terms: Terms, query: SearchQuery, check: Sequence[str]
    ) -> tuple[SearchResult | None, dict[str, set[str]]]:
        # Postgres answers both from one process: two statements cost little here
        fixes = await self.missing_corrections(check)
        return (None, fixes) if fixes else (await self.search(terms, query), {})

    async def suggest_unless_typos(
        self, terms: Terms, prefix: str, text: str, limit: int, check: Sequence[str]
    ) -> tuple[Suggestions | None, dict[str, set[str]]]:
        fixes = await self.missing_corrections(check)
        return (None, fixes) if fixes else (await self.suggest(terms, prefix, text, limit), {})

    async def search(self, terms: Terms, query: SearchQuery) -> SearchResult:
        q = sa.cast(tsquery(terms), TSQUERY) if terms else None
        base: list[sa.ColumnElement[bool]] = [_D.deleted.is_(False)]
        if q is not None:
            base.append(_D.tsv.op("@@")(q))
        where = base + _filters(query.filters)
        rank = sa.func.ts_rank(_D.tsv, q) if q is not None else None
        async with self.db.reader(CONTEXT) as uow:
            s = uow.session
            ids = (
                (
                    await s.execute(
                        sa.select(_D.product_id)
                        .where(*where)
                        .order_by(*_order(query.sort, query.reverse, rank))
                        .offset(query.offset)
                        .limit(query.limit)
                    )
                )
                .scalars()
                .all()
            )
            total = int(
                await s.scalar(sa.select(sa.func.count()).select_from(m.documents).where(*where))
                or 0
            )
            facets = await _facets(s, base, query.filters) if query.with_facets else None
        return SearchResult(list(ids), total, facets)

    async def suggest(self, terms: Terms, prefix: str, text: str, limit: int) -> Suggestions:
        conds: list[sa.ColumnElement[bool]] = [_D.deleted.is_(False)]
        rank: Any = sa.literal(0)
        if terms:
            q = sa.cast(tsquery(terms), TSQUERY)
            conds.append(_D.tsv.op("@@")(q))
            rank = sa.func.ts_rank(_D.tsv, q)
        if prefix:
            conds.append(_D.words.op("@@")(sa.func.to_tsquery("simple", _prefix_query(prefix))))
        folded = " ".join(words(text)[:MAX_QUERY_WORDS])[:100]
        async with self.db.reader(CONTEXT) as uow:
            s = uow.session
            ids = (
                (
                    await s.execute(
                        sa.select(_D.product_id)
                        .where(*conds)
                        .order_by(rank.desc(), _D.product_id)
                        .limit(limit)
                    )
                )
                .scalars()
                .all()
            )
            matched = sa.select(_D.category_id).where(*conds, _D.category_id.is_not(None))
            sub = matched.subquery()
            cats = (
                (
                    await s.execute(
                        sa.select(sub.c.category_id)
                        .group_by(sub.c.category_id)
                        .order_by(sa.func.count().desc(), sub.c.category_id)
                        .limit(limit)
                    )
                )
                .scalars()
                .all()
            )
            queries: list[str] = []
            if folded:
                item = sa.func.unnest(_D.suggest).table_valued("value").render_derived(name="s")
                queries = list(
                    (
                        await s.execute(
                            sa.select(item.c.value)
                            .select_from(m.documents)
                            .join(item, sa.true())
                            .where(
                                _D.deleted.is_(False),
                                # through the GIN index: only documents with a word
                                # starting like the suggestion are unnested
                                _D.words.op("@@")(
                                    sa.func.to_tsquery("simple", _prefix_query(folded.split()[0]))
                                ),
                                item.c.value.startswith(folded, autoescape=True),
                            )
                            .group_by(item.c.value)
                            .order_by(sa.func.count().desc(), item.c.value)
                            .limit(limit)
                        )
                    ).scalars()
                )
        return Suggestions(list(ids), list(cats), queries)

    async def rebuild(self, docs: AsyncIterable[Sequence[SearchDocument]]) -> int:
        """Every document replaced in one transaction: searches see the old set until it
        commits, then the new one."""
        n = 0
        async with self.db.uow(CONTEXT) as uow:
            await _hold_rebuild_lock(uow.session, exclusive=True)
            # tombstones stay: a stale document in the stream must not outrank a removal
            await uow.session.execute(sa.delete(m.documents).where(_D.deleted.is_(False)))
            async for chunk in docs:
                rows = [_row(d) for d in chunk]
                vocab = sorted(set().union(*(r.pop("_vocab") for r in rows))) if rows else []
                await _write(uow.session, rows, vocab)
                n += len(rows)
            await uow.commit()
        return n

    async def refresh(self) -> None:
        """Committed writes are visible at once."""

    async def close(self) -> None:
        """The Database belongs to the runtime."""


async def _hold_rebuild_lock(session: Any, *, exclusive: bool) -> None:
    """Writes share the lock and a rebuild holds it alone, until each commits: a write
    during a rebuild waits for it (then applies, if newer) instead of deadlocking with it."""
    fn = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    await session.execute(sa.select(getattr(sa.func, fn)(sa.func.hashtext("search.rebuild"))))


async def _write(session: Any, rows: list[dict[str, Any]], vocab: list[str]) -> None:
    for row in rows:
        stmt = insert(m.documents).values(row)
        await session.execute(
            stmt.on_conflict_do_update(
                index_elements=["product_id"],
                set_={c: stmt.excluded[c] for c in row if c != "product_id"},
                where=_D.version <= stmt.excluded.version,
            )
        )
    if vocab:
        await session.execute(
            insert(m.terms).values([{"term": t} for t in vocab]).on_conflict_do_nothing()
        )


def _prefix_query(prefix: str) -> str:
    return f"'{prefix}':*"


def _filters(f: Filters) -> list[sa.ColumnElement[bool]]:
    out: list[sa.ColumnElement[bool]] = []
    if f.category_ids:
        out.append(_D.category_ids.overlap(sorted(f.category_ids)))
    if f.vendors:
        out.append(_D.vendor.in_(sorted(f.vendors)))
    for name, values in f.options:
        out.append(_D.option_pairs.overlap(sorted(f"{name}\x1f{v}" for v in values)))
    if f.available is not None:
        out.append(_D.available.is_(f.available))
    if f.price is not None and (f.price.min is not None or f.price.max is not None):
        out.append(_any_price(
            cents(f.price.min) if f.price.min is not None else None,
            cents(f.price.max) + 1 if f.price.max is not None else None,
        ))  # fmt: skip
    return out


def _any_price(lo: int | None, hi: int | None) -> sa.ColumnElement[bool]:
    """Some variant's price is in [lo, hi)."""
    p = sa.func.unnest(_D.prices).table_valued("value").render_derived(name="p")
    conds = []
    if lo is not None:
        conds.append(p.c.value >= lo)
    if hi is not None:
        conds.append(p.c.value < hi)
    return sa.exists(sa.select(1).select_from(p).where(*conds))


def _order(key: SortKey, reverse: bool, rank: Any) -> list[Any]:
    def d(col: Any, desc: bool) -> Any:
        return col.desc() if desc != reverse else col.asc()

    if key is SortKey.RELEVANCE:
        if rank is None:
            return [d(_D.product_id, False)]
        return [d(rank, True), d(_D.product_id, False)]
    col = {
        SortKey.PRICE: _D.min_price,
        SortKey.CREATED_AT: _D.created_at,
        SortKey.TITLE: _D.title_sort,
    }[key]
    return [d(col, False), d(_D.product_id, False)]


async def _facets(s: Any, base: list[Any], f: Filters) -> Facets:
    async def counts(col: Any, facet: str) -> list[FacetCount]:
        rows = await s.execute(
            sa.select(col, sa.func.count())
            .where(*base, *_filters(f.without(facet)), col.is_not(None))
            .group_by(col)
            .order_by(sa.func.count().desc(), col)
            .limit(_MAX_FACET_VALUES)
        )
        return [FacetCount(str(k).lower() if isinstance(k, bool) else str(k), n) for k, n in rows]

    pair = sa.func.unnest(_D.option_pairs).table_valued("value").render_derived(name="o")

    async def option_counts(filters: Filters, name: str | None) -> list[tuple[str, int]]:
        conds = [*base, *_filters(filters)]
        if name is not None:
            conds.append(sa.func.starts_with(pair.c.value, name + "\x1f"))
        rows = await s.execute(
            sa.select(pair.c.value, sa.func.count())
            .select_from(m.documents)
            .join(pair, sa.true())
            .where(*conds)
            .group_by(pair.c.value)
        )
        return [(k, n) for k, n in rows]

    selected = [n for n, _ in f.options]
    pairs = [
        (k, n) for k, n in await option_counts(f, None) if k.partition("\x1f")[0] not in selected
    ]
    for name in selected:
        pairs += await option_counts(f.without(f"option:{name}"), name)
    options: dict[str, list[FacetCount]] = {}
    for k, n in pairs:
        name, _, value = k.partition("\x1f")
        options.setdefault(name, []).append(FacetCount(value, n))

    bounds = list(zip(PRICE_EDGES, [*PRICE_EDGES[1:], None], strict=True))
    price_row = (
        await s.execute(
            sa.select(
                *[
                    sa.func.count().filter(
                        _any_price(cents(lo), cents(hi) if hi is not None else None)
                    )
                    for lo, hi in bounds
                ],
                sa.func.min(_D.min_price),
                sa.func.max(_D.max_price),
            ).where(*base, *_filters(f.without("price")))
        )
    ).one()
    lo, hi = price_row[-2], price_row[-1]
    return Facets(
        categories=await counts(_D.category_id, "category"),
        vendors=await counts(_D.vendor, "vendor"),
        options={n: sorted(v, key=lambda c: (-c.count, c.value)) for n, v in options.items()},
        availability=await counts(_D.available, "available"),
        price_buckets=[PriceBucket(b[0], b[1], int(price_row[i])) for i, b in enumerate(bounds)],
        price_min=price_of(lo) if lo is not None else None,
        price_max=price_of(hi) if hi is not None else None,
    )
