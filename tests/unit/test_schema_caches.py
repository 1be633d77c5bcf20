"""A repeated query is parsed and validated once; a big one is never kept."""

import graphql

from app.schema import build_schema
from app.schema.guards import DocumentCache, Limits, _Entry


async def test_a_repeated_query_is_validated_once(monkeypatch):
    schema = build_schema(Limits(cache_size=16))
    calls = []

    def counting(*args, **kwargs):
        calls.append(1)
        return graphql.validate(*args, **kwargs)

    # strawberry's validate_document (which the guards call) calls this name
    monkeypatch.setattr("strawberry.schema.schema.validate", counting)
    for _ in range(5):
        result = await schema.execute("query Repeated { __typename }")
        assert result.data == {"__typename": "Query"}
    assert len(calls) == 1, f"validated {len(calls)} times for one query"


async def test_a_document_above_the_size_bound_is_never_cached():
    """Issue 13 #2: the parser cache kept every document, 10 MB ones included."""
    limits = Limits(cache_max_query_length=200)
    schema = build_schema(limits)
    small = "{ __typename }"
    big = "{ __typename }" + " " * 300
    for q in (small, big, big):
        assert (await schema.execute(q)).data == {"__typename": "Query"}
    cache = schema.extensions[0]().guards.cache  # type: ignore[operator]
    assert len(cache) == 1 and cache.get(small) is not None and cache.get(big) is None


def test_the_cache_holds_a_bounded_number_of_characters():
    cache = DocumentCache(max_entries=100, max_query_length=1000, max_chars=2500)
    doc = graphql.parse("{ a }")
    for i in range(5):
        cache.put(f"{i}" * 1000, _Entry(doc))
    assert len(cache) == 2 and cache.chars == 2000
    assert cache.get("4" * 1000) is not None and cache.get("0" * 1000) is None
