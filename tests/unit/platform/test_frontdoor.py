"""The front door's pure rules: cache keys and tags, manifests, what an operation is."""

from __future__ import annotations

import pytest
from graphql import OperationType, parse

from app.platform.apq import manifest_operations, sha256_hex
from app.platform.ids import to_global_id
from app.platform.response_cache import LISTING, cache_key, tags_for_change, tags_of
from app.schema.guards import operation_of


def test_cache_key_depends_on_everything_that_decides_the_answer():
    base = cache_key("{ a }", None, {"x": 1, "y": 2}, ("USD",))
    assert base == cache_key("{ a }", None, {"y": 2, "x": 1}, ("USD",))  # key order is not
    assert base != cache_key("{ a }", None, {"x": 1, "y": 3}, ("USD",))
    assert base != cache_key("{ a }", "Op", {"x": 1, "y": 2}, ("USD",))
    assert base != cache_key("{ a }", None, {"x": 1, "y": 2}, ("EUR",))
    assert base != cache_key("{ b }", None, {"x": 1, "y": 2}, ("USD",))


def test_tags_name_the_products_shown_and_whether_it_lists():
    one = {"product": {"id": to_global_id("Product", 7), "title": "x"}}
    assert tags_of(one) == {"product:7"}
    listing = {"products": {"nodes": [{"id": to_global_id("Product", 1)}, {"id": "junk"}]}}
    assert tags_of(listing) == {"product:1", LISTING}
    # no ids to go by: any product change may touch it
    assert tags_of({"product": {"title": "x"}}) == {LISTING}
    assert tags_for_change("catalog.ProductChanged.v1", {"product_id": 7}) == [
        "product:7",
        LISTING,
    ]
    # a variant selling out drops the answers showing it (by its id) and every listing
    variant = {"product": {"variants": {"nodes": [{"id": to_global_id("ProductVariant", 3)}]}}}
    assert "productvariant:3" in tags_of(variant)
    assert tags_for_change(
        "inventory.AvailabilityChanged.v1",
        {"variant_id": 3, "available": 0, "previous": 2, "change": "out_of_stock"},
    ) == ["productvariant:3", LISTING]


def test_manifest_is_apollos_format():
    body = "query A { products(first: 1) { nodes { id } } }"
    ops = manifest_operations(
        {
            "format": "apollo-persisted-query-manifest",
            "version": 1,
            "operations": [{"id": sha256_hex(body), "name": "A", "type": "query", "body": body}],
        }
    )
    assert ops == {sha256_hex(body): body}
    for bad in ({}, {"format": "apollo-persisted-query-manifest", "version": 2}, []):
        with pytest.raises(ValueError):
            manifest_operations(bad)


def test_operation_of_names_the_root_fields_of_the_operation_that_runs():
    doc = parse("query A { products { totalCount } } mutation B { customerCreate { x } }")
    a = operation_of(doc, "A")
    assert a is not None and a.kind is OperationType.QUERY and a.root_fields == {"products"}
    b = operation_of(doc, "B")
    assert b is not None and b.kind is OperationType.MUTATION
    assert operation_of(doc, None) is None  # two operations and no name: none runs
    spread = operation_of(parse("query { ...F } fragment F on Query { products { x } }"), None)
    assert spread is not None and not spread.only_fields
