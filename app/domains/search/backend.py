"""The one interface both engines implement; the contract tests run against each."""

from __future__ import annotations

from collections.abc import AsyncIterable, Sequence
from typing import Protocol

from app.domains.search.entities import SearchDocument, SearchQuery, SearchResult, Suggestions

# an analysed query: one entry per word, any of its terms satisfies it
Terms = Sequence[frozenset[str]]


class SearchBackend(Protocol):
    name: str

    async def ensure(self) -> None:
        """Create what the backend needs if missing (an index and its alias)."""

    async def upsert(self, docs: Sequence[SearchDocument]) -> None:
        """Store documents; one older than the stored one for its product is ignored."""

    async def delete(self, product_ids: Sequence[tuple[int, int | None]]) -> None:
        """Remove products at (id, version), leaving a tombstone at that version: an older
        version's removal is ignored, and so is any later upsert older than the tombstone.
        A None version removes whatever is there (SearchService sends GONE instead)."""

    async def missing_corrections(self, terms: Sequence[str]) -> dict[str, set[str]]:
        """For each folded word the index lacks: indexed words one edit away (typos)."""

    async def search(self, terms: Terms, query: SearchQuery) -> SearchResult: ...

    async def search_unless_typos(
        self, terms: Terms, query: SearchQuery, check: Sequence[str]
    ) -> tuple[SearchResult | None, dict[str, set[str]]]:
        """`missing_corrections(check)` and, when it finds none, `search(terms, query)`, in
        one round trip where the engine allows it. With corrections the result is None:
        the caller searches again with the corrected terms (only a query with a typo pays
        a second trip)."""

    async def suggest_unless_typos(
        self, terms: Terms, prefix: str, text: str, limit: int, check: Sequence[str]
    ) -> tuple[Suggestions | None, dict[str, set[str]]]:
        """The same for `suggest`."""

    async def suggest(self, terms: Terms, prefix: str, text: str, limit: int) -> Suggestions:
        """Search-as-you-type: products matching every complete word and the `prefix`,
        their categories, and query completions of `text`."""

    async def rebuild(self, docs: AsyncIterable[Sequence[SearchDocument]]) -> int:
        """Replace everything with `docs` (chunks), swapping atomically at the end."""

    async def refresh(self) -> None:
        """Make every write so far visible to searches (tests and reindex)."""

    async def close(self) -> None: ...
