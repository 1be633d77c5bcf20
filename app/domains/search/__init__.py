"""The search context: full-text search, facets and search-as-you-type over its own
copy of the products, on Elasticsearch (SEARCH_URL) or Postgres.

Other code uses only what this module exports.
"""

from app.domains.search.analysis import Analyzer, parse_synonyms
from app.domains.search.backend import SearchBackend
from app.domains.search.elastic import ElasticsearchBackend
from app.domains.search.entities import (
    GONE,
    PRICE_EDGES,
    FacetCount,
    Facets,
    Filters,
    PriceBucket,
    PriceRange,
    SearchDocument,
    SearchQuery,
    SearchResult,
    SortKey,
    Suggestions,
)
from app.domains.search.errors import InvalidSearchInput, SearchError, SearchUnavailable
from app.domains.search.postgres import PostgresBackend
from app.domains.search.service import (
    MAX_FACET_VALUES,
    MAX_FACETS,
    MAX_OFFSET,
    MAX_OPTION_FACETS,
    MAX_PREDICTIVE,
    SearchConfig,
    SearchService,
    build_backend,
)

CONTEXT = "search"

__all__ = [
    "CONTEXT",
    "GONE",
    "MAX_FACETS",
    "MAX_FACET_VALUES",
    "MAX_OFFSET",
    "MAX_OPTION_FACETS",
    "MAX_PREDICTIVE",
    "PRICE_EDGES",
    "Analyzer",
    "ElasticsearchBackend",
    "FacetCount",
    "Facets",
    "Filters",
    "InvalidSearchInput",
    "PostgresBackend",
    "PriceBucket",
    "PriceRange",
    "SearchBackend",
    "SearchConfig",
    "SearchDocument",
    "SearchError",
    "SearchQuery",
    "SearchResult",
    "SearchService",
    "SearchUnavailable",
    "SortKey",
    "Suggestions",
    "build_backend",
    "parse_synonyms",
]
