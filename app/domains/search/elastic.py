"""The Elasticsearch backend: one index per build behind an alias, pre-analysed fields.

Only what the bare server has is used (whitespace analyzer, index_prefixes, completion,
terms/range/filter aggregations, aliases), so the mapping works on any Elasticsearch 8.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterable, Sequence
from typing import Any

from elasticsearch import (
    AsyncElasticsearch,
    BadRequestError,
    ConnectionError,
    ConnectionTimeout,
    NotFoundError,
    TransportError,
)

from app.domains.search.analysis import MAX_QUERY_WORDS, words
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
from app.domains.search.errors import SearchUnavailable

_TEXT = {"type": "text", "analyzer": "whitespace", "similarity": "BM25"}
MAPPING: dict[str, Any] = {
    "dynamic": "strict",
    "properties": {
        "product_id": {"type": "long"},
        "handle": {"type": "keyword"},
        "title_terms": _TEXT,
        "meta_terms": _TEXT,
        "body_terms": _TEXT,
        # unstemmed words of every field: the typo corrector's dictionary
        "vocabulary": {"type": "text", "analyzer": "whitespace"},
        # unstemmed words for search-as-you-type prefixes
        "words": {
            "type": "text",
            "analyzer": "whitespace",
            "index_prefixes": {"min_chars": 1, "max_chars": 12},
        },
        "title_sort": {"type": "keyword"},
        "vendor": {"type": "keyword"},
        "category_id": {"type": "long"},
        "category_ids": {"type": "long"},
        "option_pairs": {"type": "keyword"},
        "option_names": {"type": "keyword"},
        # money in cents: exact, and the bare server has no scaled_float
        "prices": {"type": "long"},
        "min_price": {"type": "long"},
        "max_price": {"type": "long"},
        "available": {"type": "boolean"},
        "created_at": {"type": "date"},
        "version": {"type": "long"},
        "suggest": {"type": "completion", "analyzer": "simple"},
    },
}
# a 0.5 s refresh: a catalog change is searchable within a second of its commit
SETTINGS = {
    "number_of_shards": 1,
    "number_of_replicas": 0,
    "max_result_window": 10_000,
    "refresh_interval": "500ms",
}
_FIELDS = ["title_terms^4", "meta_terms^2", "body_terms"]
# every product document has a handle; a removal's tombstone has none
_LIVE = {"exists": {"field": "handle"}}
_MAX_FACET_VALUES = 100


def _unavailable(exc: Exception) -> SearchUnavailable:
    return SearchUnavailable(f"the search engine is unavailable ({type(exc).__name__})")


class ElasticsearchBackend:
    name = "elasticsearch"

    def __init__(self, url: str, alias: str, *, timeout: float = 5.0) -> None:
        self.alias = alias
        self._ready = False
        self._es = AsyncElasticsearch(
            url,
            node_class="httpxasync",  # type: ignore[arg-type]  # the client takes its name too
            request_timeout=timeout,
            retry_on_timeout=False,
        )

    async def _call(self, coro: Any) -> Any:
        try:
            return await coro
        except (ConnectionError, ConnectionTimeout) as exc:
            raise _unavailable(exc) from exc
        except TransportError as exc:
            raise _unavailable(exc) from exc

    async def ensure(self) -> None:
        """The alias and a first index behind it. Replicas may race here: the first
        index has a fixed name, so they all create (or find) the same one."""
        if self._ready:
            return
        if not await self._call(self._es.indices.exists_alias(name=self.alias)):
            index = f"{self.alias}-0"
            try:
                await self._create(index)
            except BadRequestError as exc:
                if exc.error != "resource_already_exists_exception":
                    raise
            await self._call(
                self._es.indices.update_aliases(
                    actions=[{"add": {"index": index, "alias": self.alias}}]
                )
            )
        self._ready = True

    async def _create(self, index: str) -> None:
        await self._call(self._es.indices.create(index=index, settings=SETTINGS, mappings=MAPPING))

    @property
    def building(self) -> str:
        """The alias of an index being rebuilt: live writes go there too, so the rebuilt
        index misses nothing written while it was filled."""
        return f"{self.alias}-building"

    def _targets(self, index: str | None) -> list[str]:
        return [index] if index is not None else [self.alias, self.building]

    async def upsert(self, docs: Sequence[SearchDocument], *, index: str | None = None) -> None:
        await self.ensure()
        ops: list[dict[str, Any]] = []
        for d in docs:
            source = _source(d)
            for target in self._targets(index):
                ops.append(
                    {
                        "index": {
                            "_index": target,
                            "_id": str(d.product_id),
                            "version": d.version,
                            "version_type": "external_gte",
                            # never auto-create an index from an alias that is not there
                            "require_alias": index is None,
                        }
                    }
                )
                ops.append(source)
        await self._bulk(ops)

    async def delete(self, product_ids: Sequence[tuple[int, int | None]]) -> None:
        """A removal is a tombstone document (no handle: every query leaves it out) at the
        removal's version. An Elasticsearch delete would keep its version only for
        `index.gc_deletes` (60 s), after which a stale upsert could bring the product back."""
        await self.ensure()
        ops: list[dict[str, Any]] = []
        for pid, version in product_ids:
            # the live index and a rebuild's, if one runs (require_alias: a missing alias
            # is a 404 the bulk ignores, never an index made on the fly)
            for target in self._targets(None):
                op: dict[str, Any] = {"_index": target, "_id": str(pid), "require_alias": True}
                if version is not None:
                    op |= {"version": version, "version_type": "external_gte"}
                ops.append({"index": op})
                ops.append({"product_id": pid, "version": version or 0})
        await self._bulk(ops)

    async def _bulk(self, ops: list[dict[str, Any]]) -> None:
        if not ops:
            return
        resp = await self._call(self._es.bulk(operations=ops))
        if not resp["errors"]:
            return
        for item in resp["items"]:
            result = next(iter(item.values()))
            # 409: a newer version is stored (a stale event); 404: already gone, or no
            # rebuild in progress
            if result.get("status", 200) >= 300 and result["status"] not in (404, 409):
                raise RuntimeError(f"indexing failed: {result.get('error')}")

    async def _search(self, **request: Any) -> Any:
        """A search on the alias. An index removed behind this process's back (by hand, or
        by another process's rebuild gone wrong) is made again, empty, on the next search
        instead of failing every search until a restart."""
        await self.ensure()
        try:
            return await self._call(self._es.search(index=self.alias, **request))
        except NotFoundError:
            self._ready = False
            await self.ensure()
            return await self._call(self._es.search(index=self.alias, **request))

    async def missing_corrections(self, terms: Sequence[str]) -> dict[str, set[str]]:
        fix = _fix_suggester(terms)
        if fix is None:
            return {}
        return _fixes(await self._search(size=0, suggest={"fix": fix}))

    async def search(self, terms: Terms, query: SearchQuery) -> SearchResult:
        result, _ = await self._search_body(terms, query, ())
        assert result is not None
        return result

    async def search_unless_typos(
        self, terms: Terms, query: SearchQuery, check: Sequence[str]
    ) -> tuple[SearchResult | None, dict[str, set[str]]]:
        # the term suggester rides along with the query: one round trip without a typo
        return await self._search_body(terms, query, check)

    async def _search_body(
        self, terms: Terms, query: SearchQuery, check: Sequence[str]
    ) -> tuple[SearchResult | None, dict[str, set[str]]]:
        body: dict[str, Any] = {
            "query": {"bool": {"must": [_text_query(terms)], "filter": [_LIVE]}},
            "post_filter": {"bool": {"filter": _filters(query.filters)}},
            "sort": _sort(query.sort, query.reverse, bool(terms)),
            "from": query.offset,
            "size": query.limit,
            "track_total_hits": True,
            "_source": False,
        }
        if query.with_facets:
            body["aggs"] = _facet_aggs(query.filters)
        if (fix := _fix_suggester(check)) is not None:
            body["suggest"] = {"fix": fix}
        resp = await self._search(body=body)
        if fixes := _fixes(resp):
            return None, fixes
        ids = [int(h["_id"]) for h in resp["hits"]["hits"]]
        total = int(resp["hits"]["total"]["value"])
        facets = _facets(resp["aggregations"]) if query.with_facets else None
        return SearchResult(ids, total, facets), {}

    async def suggest(self, terms: Terms, prefix: str, text: str, limit: int) -> Suggestions:
        result, _ = await self._suggest_body(terms, prefix, text, limit, ())
        assert result is not None
        return result

    async def suggest_unless_typos(
        self, terms: Terms, prefix: str, text: str, limit: int, check: Sequence[str]
    ) -> tuple[Suggestions | None, dict[str, set[str]]]:
        return await self._suggest_body(terms, prefix, text, limit, check)

    async def _suggest_body(
        self, terms: Terms, prefix: str, text: str, limit: int, check: Sequence[str]
    ) -> tuple[Suggestions | None, dict[str, set[str]]]:
        must = _text_query(terms)
        conds = [must]
        if prefix:
            conds.append({"prefix": {"words": prefix}})
        body: dict[str, Any] = {
            "query": {"bool": {"must": conds, "filter": [_LIVE]}},
            "size": limit,
            "_source": False,
            "sort": ["_score", {"product_id": "asc"}],
            "aggs": {"cats": {"terms": {"field": "category_id", "size": limit}}},
        }
        suggesters: dict[str, Any] = {}
        folded = " ".join(words(text)[:MAX_QUERY_WORDS])[:100]
        if folded:
            suggesters["q"] = {
                "prefix": folded,
                "completion": {
                    "field": "suggest",
                    "size": limit,
                    "skip_duplicates": True,
                    "fuzzy": {"fuzziness": "AUTO", "min_length": 5, "prefix_length": 1},
                },
            }
        if (fix := _fix_suggester(check)) is not None:
            suggesters["fix"] = fix
        if suggesters:
            body["suggest"] = suggesters
        resp = await self._search(body=body)
        if fixes := _fixes(resp):
            return None, fixes
        queries: list[str] = []
        for entry in resp.get("suggest", {}).get("q", []):
            queries.extend(o["text"] for o in entry["options"])
        return (
            Suggestions(
                product_ids=[int(h["_id"]) for h in resp["hits"]["hits"]],
                category_ids=[int(b["key"]) for b in resp["aggregations"]["cats"]["buckets"]],
                queries=queries[:limit],
            ),
            {},
        )

    async def rebuild(self, docs: AsyncIterable[Sequence[SearchDocument]]) -> int:
        """A fresh index filled in chunks, then one atomic alias swap; searches keep
        answering from the old index until the swap."""
        await self.ensure()
        index = f"{self.alias}-{time.time_ns() // 1000}"
        await self._create(index)
        n = 0
        try:
            await self._call(
                self._es.indices.update_aliases(
                    actions=[{"add": {"index": index, "alias": self.building}}]
                )
            )
            async for chunk in docs:
                await self.upsert(chunk, index=index)
                n += len(chunk)
            await self._call(self._es.indices.refresh(index=index))
            old = await self._indices_of_alias()
            actions: list[dict[str, Any]] = [
                {"add": {"index": index, "alias": self.alias}},
                {"remove": {"index": index, "alias": self.building}},
            ]
            actions += [{"remove": {"index": i, "alias": self.alias}} for i in old]
            await self._call(self._es.indices.update_aliases(actions=actions))
        except BaseException:
            await self._es.indices.delete(index=index, ignore_unavailable=True)
            raise
        for i in old:
            await self._call(self._es.indices.delete(index=i, ignore_unavailable=True))
        return n

    async def _indices_of_alias(self) -> list[str]:
        try:
            resp = await self._call(self._es.indices.get_alias(name=self.alias))
        except NotFoundError:
            return []
        return list(resp.body)

    async def refresh(self) -> None:
        await self.ensure()
        await self._call(self._es.indices.refresh(index=self.alias))

    async def drop(self) -> None:
        """Remove the alias's indices (tests)."""
        self._ready = False
        for i in await self._indices_of_alias():
            await self._call(self._es.indices.delete(index=i, ignore_unavailable=True))

    async def close(self) -> None:
        await self._es.close()


def _fix_suggester(terms: Sequence[str]) -> dict[str, Any] | None:
    """The term suggester for typos: indexed words one edit from a 5+ letter word the
    index lacks (None: no word long enough to correct)."""
    long_terms = [t for t in terms if len(t) >= 5]
    if not long_terms:
        return None
    return {
        "text": " ".join(long_terms),
        "term": {
            "field": "vocabulary",
            "analyzer": "whitespace",
            "suggest_mode": "missing",
            "max_edits": 1,
            "prefix_length": 0,
            "min_word_length": 5,
            "size": 5,
        },
    }


def _fixes(resp: Any) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for entry in resp.get("suggest", {}).get("fix", []):
        found = {o["text"] for o in entry["options"]}
        if found:
            out[entry["text"]] = found
    return out


def _source(d: SearchDocument) -> dict[str, Any]:
    f = fields_of(d)
    return {
        "product_id": d.product_id,
        "handle": d.handle,
        "title_terms": " ".join(f.title_terms),
        "meta_terms": " ".join(f.meta_terms),
        "body_terms": " ".join(f.body_terms),
        "words": " ".join(f.words),
        "vocabulary": " ".join(f.vocabulary),
        "title_sort": f.title_sort,
        "vendor": d.vendor,
        "category_id": d.category_id,
        "category_ids": list(d.category_ids),
        "option_pairs": list(f.option_pairs),
        "option_names": sorted({n for n, _ in d.options}),
        "prices": [cents(p) for p in d.prices],
        "min_price": cents(d.min_price),
        "max_price": cents(d.max_price),
        "available": d.available,
        "created_at": d.created_at.isoformat() if d.created_at else None,
        "version": d.version,
        "suggest": {"input": list(f.suggest)},
    }


def _text_query(terms: Terms) -> dict[str, Any]:
    if not terms:
        return {"match_all": {}}
    return {
        "bool": {
            "must": [
                {
                    "bool": {
                        "should": [
                            {"multi_match": {"query": t, "fields": _FIELDS, "operator": "and"}}
                            for t in sorted(alts)
                        ],
                        "minimum_should_match": 1,
                    }
                }
                for alts in terms
            ]
        }
    }


def _filters(f: Filters) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if f.category_ids:
        out.append({"terms": {"category_ids": sorted(f.category_ids)}})
    if f.vendors:
        out.append({"terms": {"vendor": sorted(f.vendors)}})
    for name, values in f.options:
        out.append({"terms": {"option_pairs": sorted(f"{name}\x1f{v}" for v in values)}})
    if f.available is not None:
        out.append({"term": {"available": f.available}})
    if f.price is not None and (f.price.min is not None or f.price.max is not None):
        rng: dict[str, int] = {}
        if f.price.min is not None:
            rng["gte"] = cents(f.price.min)
        if f.price.max is not None:
            rng["lte"] = cents(f.price.max)
        out.append({"range": {"prices": rng}})
    return out


def _facet_aggs(f: Filters) -> dict[str, Any]:
    def scoped(facet: str, agg: dict[str, Any]) -> dict[str, Any]:
        return {"filter": {"bool": {"filter": _filters(f.without(facet))}}, "aggs": agg}

    terms = {"size": _MAX_FACET_VALUES}
    ranges = [
        {"from": cents(lo), **({"to": cents(hi)} if hi is not None else {})}
        for lo, hi in zip(PRICE_EDGES, [*PRICE_EDGES[1:], None], strict=True)
    ]
    aggs: dict[str, Any] = {
        "category": scoped("category", {"v": {"terms": {"field": "category_id", **terms}}}),
        "vendor": scoped("vendor", {"v": {"terms": {"field": "vendor", **terms}}}),
        # two filters, not a terms aggregation: on a boolean field that one cost most of
        # the whole request (bench: took p50 15-20 ms → 4-7 ms at 10k products)
        "available": scoped(
            "available",
            {
                "v": {
                    "filters": {
                        "filters": {
                            "true": {"term": {"available": True}},
                            "false": {"term": {"available": False}},
                        }
                    }
                }
            },
        ),
        "price": scoped(
            "price",
            {
                "v": {"range": {"field": "prices", "ranges": ranges}},
                "lo": {"min": {"field": "min_price"}},
                "hi": {"max": {"field": "max_price"}},
            },
        ),
        # option values under every name, for names nobody selected
        "options": {
            "filter": {"bool": {"filter": _filters(f)}},
            "aggs": {"v": {"terms": {"field": "option_pairs", "size": 1000}}},
        },
    }
    # a selected option's own values are counted without its selection
    for i, (name, _) in enumerate(f.options):
        aggs[f"option_{i}"] = scoped(
            f"option:{name}",
            {
                "v": {
                    "terms": {
                        "field": "option_pairs",
                        "include": _regex_literal(name) + "\x1f.*",
                        "size": _MAX_FACET_VALUES,
                    }
                }
            },
        )
    return aggs


def _regex_literal(s: str) -> str:
    """`s` as a Lucene regular expression matching only itself."""
    return "".join(c if c.isalnum() else "\\" + c for c in s)


def _facets(aggs: dict[str, Any]) -> Facets:
    def counts(name: str) -> list[FacetCount]:
        return [
            FacetCount(str(b.get("key_as_string", b["key"])), int(b["doc_count"]))
            for b in aggs[name]["v"]["buckets"]
            if b["doc_count"] > 0
        ]

    options: dict[str, list[FacetCount]] = {}
    selected: set[str] = set()
    for key in aggs:
        if key.startswith("option_"):
            for b in aggs[key]["v"]["buckets"]:
                name, _, value = b["key"].partition("\x1f")
                selected.add(name)
                if b["doc_count"]:
                    options.setdefault(name, []).append(FacetCount(value, int(b["doc_count"])))
    for b in aggs["options"]["v"]["buckets"]:
        name, _, value = b["key"].partition("\x1f")
        if name not in selected and b["doc_count"]:
            options.setdefault(name, []).append(FacetCount(value, int(b["doc_count"])))
    price = aggs["price"]
    buckets = [
        PriceBucket(lo, hi, int(b["doc_count"]))
        for b, lo, hi in zip(
            price["v"]["buckets"], PRICE_EDGES, [*PRICE_EDGES[1:], None], strict=True
        )
    ]
    lo, hi = price["lo"]["value"], price["hi"]["value"]
    availability = sorted(
        (
            FacetCount(key, int(b["doc_count"]))
            for key, b in aggs["available"]["v"]["buckets"].items()
            if b["doc_count"] > 0
        ),
        key=lambda c: (-c.count, c.value),
    )
    return Facets(
        categories=counts("category"),
        vendors=counts("vendor"),
        options={n: sorted(v, key=lambda c: (-c.count, c.value)) for n, v in options.items()},
        availability=availability,
        price_buckets=buckets,
        price_min=price_of(int(lo)) if lo is not None else None,
        price_max=price_of(int(hi)) if hi is not None else None,
    )


def _sort(key: SortKey, reverse: bool, has_text: bool) -> list[Any]:
    up, down = ("desc", "asc") if reverse else ("asc", "desc")
    if key is SortKey.RELEVANCE:
        if not has_text:
            return [{"product_id": up}]
        return [{"_score": up if reverse else down}, {"product_id": up}]
    field = {
        SortKey.PRICE: "min_price",
        SortKey.CREATED_AT: "created_at",
        SortKey.TITLE: "title_sort",
    }[key]
    return [{field: up}, {"product_id": up}]
