import pytest
from graphql import get_introspection_query, parse

from app.schema import build_schema
from app.schema import cost as cost_module
from app.schema.cost import CostModel

MODEL = CostModel(build_schema()._schema)
GID = "gid://emporium/Product/{}"


def cost(query: str, variables: dict | None = None, operation: str | None = None) -> int:
    return MODEL.cost(parse(query), operation, variables)


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
    q = "{ products(first: 100) { nodes { variants { nodes { sku product { variants { nodes { sku } } } } } } } }"
    assert cost(q) == 2_040_201


def test_nodes_cost_as_many_as_the_ids_they_are_given():
    """Issue 13 #9: the same selection under `nodes(ids:)` used to cost 1 per level."""
    sel = "variants { nodes { sku product { variants { nodes { sku } } } } }"
    ids = [GID.format(i) for i in range(1, 101)]
    literal = (
        "{ nodes(ids: ["
        + ", ".join(f'"{i}"' for i in ids)
        + "]) { ... on Product { "
        + sel
        + " } } }"
    )
    by_variable = "query($ids: [ID!]!) { nodes(ids: $ids) { ... on Product { " + sel + " } } }"
    listing = "{ products(first: 100) { nodes { " + sel + " } } }"
    assert cost(literal) == cost(by_variable, {"ids": ids}) == cost(listing) - 1
    assert cost(by_variable, {"ids": ids[:2]}) == cost(listing) // 50


def test_lists_without_pagination_multiply_by_their_bound():
    """Issue 13 #12: two levels of `children` used to add 200 to a query's cost."""
    flat = "{ categories(first: 100) { nodes { id } } }"
    nested = "{ categories(first: 100) { nodes { id children { id children { id } } } } }"
    bound = cost_module.LIST_BOUNDS["Category.children"]
    assert cost(nested) - cost(flat) == 100 * (2 * bound + 2 * bound * bound)


def test_every_list_of_objects_in_the_schema_has_a_bound():
    """A new list field must say how long it can be (a connection, ARGUMENT_SIZED or
    LIST_BOUNDS); otherwise it would be costed as a guess."""
    assert MODEL.unbounded_lists() == []


def test_a_list_without_a_bound_is_found(monkeypatch):
    monkeypatch.delitem(cost_module.LIST_BOUNDS, "Category.children")
    assert MODEL.unbounded_lists() == ["Category.children"]


def test_introspection_is_costed_by_what_it_would_list():
    assert cost("query A { __typename }") == 0
    graphiql = cost(get_introspection_query(descriptions=True, input_value_deprecation=True))
    assert 1_000 < graphiql < 50_000
    # interfaces/possibleTypes nest to grow fourfold a level: refused, not free
    bomb = (
        "{ __schema { types { "
        + "interfaces { possibleTypes { " * 12
        + "name"
        + " } }" * 12
        + " } } }"
    )
    assert MODEL.cost(parse(bomb), None, None, limit=50_000) > 50_000


def test_the_named_operation_is_costed():
    doc = "query A { __typename } query B { products(first: 2) { nodes { id } } }"
    assert cost(doc, operation="A") == 0
    assert cost(doc, operation="B") == 5


def test_fragments_are_costed_once_however_they_nest(monkeypatch):
    """Issue 13 #1: each fragment spreading the next eight times stands for 8^7 fields."""
    frags = " ".join(
        f"fragment F{i} on Product {{ {' '.join([f'...F{i + 1}'] * 8)} }}" for i in range(7)
    )
    q = "{ products(first: 1) { nodes { ...F0 } } } " + frags + " fragment F7 on Product { id }"
    calls = []
    real = cost_module._Costing.selection

    def counting(self, *args):
        calls.append(1)
        return real(self, *args)

    monkeypatch.setattr(cost_module._Costing, "selection", counting)
    assert cost(q) == 1 + 1 + 8**7
    assert len(calls) <= 12  # one per selection set of the document, not per path
