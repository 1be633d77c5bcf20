"""A repeated query is validated once: the validation cache is keyed by the rule classes, so
they must be built once per schema, not once per request."""

import graphql

from app.schema import build_schema


async def test_a_repeated_query_is_validated_once(monkeypatch):
    schema = build_schema(cache_size=16)
    calls = []

    def counting(*args, **kwargs):
        calls.append(1)
        return graphql.validate(*args, **kwargs)

    # strawberry's validate_document (which the cache wraps) calls this name
    monkeypatch.setattr("strawberry.schema.schema.validate", counting)
    for _ in range(5):
        result = await schema.execute("query Repeated { __typename }")
        assert result.data == {"__typename": "Query"}
    assert len(calls) == 1, f"validated {len(calls)} times for one query"
