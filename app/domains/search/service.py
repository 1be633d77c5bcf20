"""Search use cases: analyse the query once, correct typos, ask the backend."""

from __future__ import annotations

from collections.abc import AsyncIterable, Sequence
from dataclasses import replace
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from app.domains.search.analysis import Analyzer, parse_synonyms
from app.domains.search.backend import SearchBackend, Terms
from app.domains.search.elastic import ElasticsearchBackend
from app.domains.search.entities import (
    GONE,
    Facets,
    SearchDocument,
    SearchQuery,
    SearchResult,
    Suggestions,
)
from app.domains.search.errors import InvalidSearchInput
from app.domains.search.postgres import PostgresBackend
from app.platform.db import Database
from app.platform.settings import Settings, env_file

# beyond this, a result list is a crawl, not a search (and Elasticsearch's window ends)
MAX_OFFSET = 10_000
MAX_QUERY_CHARS = 1_000
MAX_PREDICTIVE = 20
# facets answered: category, brand, availability, price and at most this many options
MAX_OPTION_FACETS = 20
MAX_FACETS = 4 + MAX_OPTION_FACETS
MAX_FACET_VALUES = 100


class SearchConfig(BaseSettings):
    """SEARCH_INDEX: the alias name; SEARCH_SYNONYMS: groups separated by `;`, words of a
    group by `,` ("sofa, couch; tee, t-shirt"); SEARCH_SYNONYMS_FILE: the same, a group
    per line (merchants edit it)."""

    model_config = SettingsConfigDict(env_prefix="SEARCH_", env_file=".env", extra="ignore")

    index: str = "emporium-products"
    synonyms: str = ""
    synonyms_file: Path | None = None

    def synonym_lines(self) -> list[str]:
        lines = self.synonyms.split(";")
        if self.synonyms_file is not None:
            lines += self.synonyms_file.read_text(encoding="utf-8").splitlines()
        return lines


def build_backend(settings: Settings, db: Database, config: SearchConfig) -> SearchBackend:
    """Elasticsearch whenever SEARCH_URL is set, else the Postgres backend."""
    if settings.search_url:
        alias = f"{settings.queue_prefix}{config.index}".lower()
        return ElasticsearchBackend(settings.search_url, alias)
    return PostgresBackend(db)


class SearchService:
    def __init__(self, backend: SearchBackend, analyzer: Analyzer | None = None) -> None:
        self.backend = backend
        self.analyzer = analyzer or Analyzer()

    @classmethod
    def from_settings(cls, settings: Settings, db: Database) -> SearchService:
        # the same dotenv file as the platform's settings (EMPORIUM_ENV_FILE; empty: none)
        config = SearchConfig(_env_file=env_file())  # type: ignore[call-arg]
        analyzer = Analyzer(parse_synonyms(config.synonym_lines()))
        return cls(build_backend(settings, db, config), analyzer)

    def _corrected(
        self, parsed: list[tuple[str, frozenset[str]]], fixes: dict[str, set[str]]
    ) -> Terms:
        """A word the index does not have also matches the indexed words one edit away
        (a typo), through the same analysis: "runnning" finds "running", so "run"."""
        out: list[frozenset[str]] = []
        for word, alts in parsed:
            fixed = self.analyzer.query(" ".join(sorted(fixes.get(word, ()))))
            out.append(alts.union(*fixed))
        return out

    async def search(self, query: SearchQuery) -> SearchResult:
        """Products matching every word of the text (or a synonym, or a one-edit typo of
        it) and the filters; facet counts for each facet ignore that facet's own filter."""
        if query.offset < 0 or query.offset + query.limit > MAX_OFFSET:
            raise InvalidSearchInput(f"search results end at {MAX_OFFSET}", "after")
        text = query.text[:MAX_QUERY_CHARS]
        parsed = self.analyzer.parse(text)
        if text.strip() and not parsed:
            # only symbols: nothing to match, and not "everything" either
            return SearchResult([], 0, _no_facets() if query.with_facets else None)
        query = replace(query, text=text)
        # the words as typed first, typo corrections looked up alongside; a second query
        # only when a word needs correcting
        found, fixes = await self.backend.search_unless_typos(
            [alts for _, alts in parsed], query, _words(parsed)
        )
        result = found
        if result is None:
            result = await self.backend.search(self._corrected(parsed, fixes), query)
        if result.facets is None:
            return result
        return replace(result, facets=_bounded(result.facets))

    async def predictive(self, text: str, limit: int = 10) -> Suggestions:
        if not 1 <= limit <= MAX_PREDICTIVE:
            raise InvalidSearchInput(f"limit must be between 1 and {MAX_PREDICTIVE}", "limit")
        text = text[:MAX_QUERY_CHARS]
        complete, prefix = self.analyzer.prefix(text)
        if not complete and not prefix:
            return Suggestions([], [], [])
        found, fixes = await self.backend.suggest_unless_typos(
            [alts for _, alts in complete], prefix, text, limit, _words(complete)
        )
        if found is not None:
            return found
        return await self.backend.suggest(self._corrected(complete, fixes), prefix, text, limit)

    async def index(self, docs: Sequence[SearchDocument]) -> None:
        await self.backend.upsert(docs)

    async def remove(self, product_ids: Sequence[tuple[int, int | None]]) -> None:
        """Remove products at (id, version); a None version means the product is gone for
        good: its tombstone outranks every document of it, however late one arrives."""
        await self.backend.delete([(pid, GONE if v is None else v) for pid, v in product_ids])

    async def rebuild(self, chunks: AsyncIterable[Sequence[SearchDocument]]) -> int:
        return await self.backend.rebuild(chunks)

    async def close(self) -> None:
        await self.backend.close()


def _words(parsed: list[tuple[str, frozenset[str]]]) -> list[str]:
    return sorted({w for w, _ in parsed})


def _bounded(f: Facets) -> Facets:
    """At most MAX_OPTION_FACETS options (the most common) and MAX_FACET_VALUES values
    each: a catalog with a thousand option names still answers a bounded list."""
    names = sorted(f.options, key=lambda n: (-sum(c.count for c in f.options[n]), n))
    return replace(
        f,
        categories=f.categories[:MAX_FACET_VALUES],
        vendors=f.vendors[:MAX_FACET_VALUES],
        options={n: f.options[n][:MAX_FACET_VALUES] for n in names[:MAX_OPTION_FACETS]},
    )


def _no_facets() -> Facets:
    return Facets([], [], {}, [], [], None, None)
