"""The GraphQL guards, in process (no database: every case is refused or answered before
any resolver runs)."""

import pytest
from graphql import parse

from app.resolvers.errors import format_result
from app.schema import build_schema
from app.schema import guards as guards_module
from app.schema import shape as shape_module
from app.schema.guards import Limits, token_count, variables_refusal
from app.schema.shape import operation_shapes

SCHEMA = build_schema()


async def codes(query: str, variables=None, schema=SCHEMA, operation=None) -> list[str]:
    result = await schema.execute(query, variable_values=variables, operation_name=operation)
    return [e["extensions"]["code"] for e in format_result(result, "r").get("errors", [])]


def bomb(levels: int = 8, fan: int = 8, leaf: str = "__typename") -> str:
    frags = " ".join(
        f"fragment F{i} on Query{{{' '.join([f'...F{i + 1}'] * fan)}}}" for i in range(levels - 1)
    )
    return f"query{{...F0}} {frags} fragment F{levels - 1} on Query{{{leaf}}}"


async def test_the_fragment_bomb_is_measured_in_its_own_size(monkeypatch):
    """Issue 13 #1: 8 levels of fragments spreading the next 8 times; `__typename` counts."""
    calls = []
    real = shape_module._measure

    def counting(*args):
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(shape_module, "_measure", counting)
    [(_, shape)] = operation_shapes(parse(bomb()))
    assert shape.fields == 8**7  # the leaves; spreads are not fields
    assert len(calls) == 9  # one per fragment and one for the operation
    assert await codes(bomb()) == ["QUERY_TOO_LARGE"]


@pytest.mark.parametrize(
    ("query", "code"),
    [
        # wide fan-out: one fragment of 30 fields spread 300 times in one selection
        (
            "{ "
            + "...A " * 300
            + "} fragment A on Query { "
            + " ".join(["__typename"] * 30)
            + " }",
            "QUERY_TOO_LARGE",
        ),
        # a cycle stays a validation error
        (
            "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }",
            "GRAPHQL_VALIDATION_FAILED",
        ),
        # aliases counted once expanded
        (
            "{ ...A ...A } fragment A on Query { "
            + " ".join(f"a{i}: __typename" for i in range(20))
            + " }",
            "TOO_MANY_ALIASES",
        ),
        # depth through nested inline fragments and a fragment
        (
            "{ products(first: 1) { nodes { ...V } } } fragment V on Product { "
            + "... on Product { variants { nodes { product { " * 5
            + "id"
            + " } } } }" * 5
            + " }",
            "QUERY_TOO_DEEP",
        ),
        # a directive flood is over the token limit before it is parsed whole
        ("{ __typename " + "@include(if: true) " * 10_000 + "}", "QUERY_TOO_LARGE"),
        ("{ __typename", "GRAPHQL_PARSE_FAILED"),
        ("{ " + "[" * 3000 + " }", "GRAPHQL_PARSE_FAILED"),
    ],
)
async def test_hostile_shapes_get_their_code(query, code):
    assert code in await codes(query)


async def test_a_long_query_is_refused_before_it_is_parsed(monkeypatch):
    """Issue 13 #2: a comment is text too; length counts every character."""

    def no_parse(*args, **kwargs):
        raise AssertionError("parsed")

    monkeypatch.setattr(guards_module, "parse", no_parse)
    q = "#" + "x" * 200_000 + "\n{ __typename }"
    assert await codes(q) == ["QUERY_TOO_LARGE"]
    assert await codes(q, operation="Named") == ["QUERY_TOO_LARGE"]


async def test_comments_count_as_tokens():
    q = "#\n" * 5000 + "{ __typename }"
    assert token_count(q, 10_000) == 5003
    assert await codes(q) == ["QUERY_TOO_LARGE"]


class Unwalkable(list):
    def __iter__(self):
        raise AssertionError("walked")


def test_oversized_variables_are_refused_before_they_are_walked():
    """Issue 13 #3: 300,000 attribute filters were coerced before the limit of 20 applied."""
    filters = Unwalkable([{"name": "a", "value": "b"}] * 300_000)
    err = variables_refusal({"f": {"attributes": filters}}, 5000, 10)
    assert err is not None and err.extensions == {"code": "VARIABLES_TOO_LARGE"}
    deep: object = "x"
    for _ in range(1000):
        deep = [deep]
    assert variables_refusal({"v": deep}, 5000, 10).extensions["code"] == "VARIABLES_TOO_LARGE"
    assert variables_refusal({"f": {"attributes": [{"name": "a"}] * 20}}, 5000, 10) is None
    assert variables_refusal([1], 5000, 10).extensions["code"] == "BAD_USER_INPUT"


async def test_variables_are_bounded_on_every_request():
    q = "query($f: ProductFilterInput) { __typename }"
    big = {"f": {"attributes": [{"name": "a", "value": "b"}] * 3000}}
    assert await codes(q, big) == ["VARIABLES_TOO_LARGE"]
    small = build_schema(Limits(max_variable_values=100))
    assert await codes(q, {"f": {"attributes": [{"name": "a", "value": "b"}] * 40}}, small) == [
        "VARIABLES_TOO_LARGE"
    ]


async def test_an_undeclared_variable_is_a_validation_error():
    """Issue 11 #5: it was reported as BAD_USER_INPUT."""
    assert await codes("query { products(first: $n) { nodes { id } } }", {"n": 1}) == [
        "GRAPHQL_VALIDATION_FAILED"
    ]


async def test_a_variable_of_the_wrong_type_is_bad_user_input():
    q = "query($n: Int!) { products(first: $n) { totalCount } }"
    assert await codes(q, {"n": "abc"}) == ["BAD_USER_INPUT"]
    assert await codes(q) == ["BAD_USER_INPUT"]


async def test_refusals_arrive_as_results_on_the_streaming_path_too():
    """The WebSocket transport runs `schema.stream`: a refusal must be a result, not an
    exception in the socket's task."""
    for query, code in (
        ("{ __typename", "GRAPHQL_PARSE_FAILED"),
        ("#" + "x" * 200_000 + "\n{ __typename }", "QUERY_TOO_LARGE"),
        (bomb(), "QUERY_TOO_LARGE"),
    ):
        stream = await SCHEMA.stream(query)
        results = [r async for r in stream]
        assert [e.extensions["code"] for e in results[0].errors] == [code]


async def test_graphiql_can_still_introspect():
    from graphql import get_introspection_query

    q = get_introspection_query(descriptions=True, input_value_deprecation=True)
    result = await SCHEMA.execute(q)
    assert result.errors is None and result.data["__schema"]["types"]


async def test_a_query_that_is_not_a_string_is_refused_on_the_streaming_path():
    stream = await SCHEMA.stream(5)  # type: ignore[arg-type]
    results = [r async for r in stream]
    assert [e.extensions["code"] for e in results[0].errors] == ["BAD_USER_INPUT"]
