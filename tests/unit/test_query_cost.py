import pytest
from graphql import parse

from app.schema.cost import query_cost


def cost(query: str, variables: dict | None = None, operation: str | None = None) -> int:
    return query_cost(parse(query), operation, variables)


def test_each_field_costs_one_per_object_it_is_resolved_on():
    # products 1 + edges 5 + cursor 5 + node 5 + id 5 + title 5 + pageInfo 1 + hasNextPage 1
    q = "query($n: Int) { products(first: $n) { edges { cursor node { id title } } pageInfo { hasNextPage } } }"
    assert cost(q, {"n": 5}) == 28


def test_nested_pages_multiply_and_fragments_count():
    q = "{ products(first: 10) { nodes { ...P } } } fragment P on Product { id variants(first: 3) { nodes { sku } } }"
    # products 1, nodes 10, id 10, variants 10, nodes 30, sku 30
    assert cost(q) == 91


@pytest.mark.parametrize(
    ("args", "variables"),
    [("", None), ("(first: null)", None), ("(first: 100000)", None), ("(first: $n)", {})],
)
def test_an_unbounded_or_unknown_page_is_charged_its_maximum(args, variables):
    q = "query($n: Int) { products" + args + " { nodes { id } } }"
    assert cost(q, variables) == 1 + 100 + 100


def test_the_amplifying_query_is_expensive():
    q = "{ products(first: 100) { nodes { variants { nodes { product { variants { nodes { id } } } } } } } }"
    assert cost(q) > 1_000_000


def test_introspection_is_free_and_the_named_operation_is_costed():
    doc = "query A { __typename } query B { products(first: 2) { nodes { id } } }"
    assert cost(doc, operation="A") == 0
    assert cost(doc, operation="B") == 5
