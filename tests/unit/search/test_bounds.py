"""What the API answers stays bounded however wide the catalog is (the cost limit counts
on it): at most MAX_OPTION_FACETS option facets, MAX_FACET_VALUES values each."""

from app.domains import search
from app.domains.search import FacetCount, Facets, SearchQuery, SearchResult


class WideBackend:
    name = "fake"

    async def missing_corrections(self, terms):  # type: ignore[no-untyped-def]
        return {}

    async def search_unless_typos(self, terms, query, check):  # type: ignore[no-untyped-def]
        return await self.search(terms, query), {}

    async def search(self, terms, query):  # type: ignore[no-untyped-def]
        options = {
            f"Option {i:02d}": [FacetCount(f"v{j}", i + 1) for j in range(150)] for i in range(30)
        }
        return SearchResult([], 0, Facets([], [], options, [], [], None, None))


async def test_option_facets_and_their_values_are_capped_keeping_the_most_common():
    result = await search.SearchService(WideBackend()).search(SearchQuery())  # type: ignore[arg-type]
    options = result.facets.options
    assert len(options) == search.MAX_OPTION_FACETS == 20
    assert sorted(options) == [f"Option {i:02d}" for i in range(10, 30)]
    assert all(len(v) == search.MAX_FACET_VALUES for v in options.values())
