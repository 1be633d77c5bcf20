"""What typed clients read from the schema: scalars, nullability, Node, counts, defaults."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from graphql import GraphQLObjectType, build_schema, get_named_type

from app.platform.money import minor_units, to_minor_units
from app.schema import build_schema as build_app_schema
from app.schema import schema_sdl
from app.schema.common import money


@pytest.fixture(scope="module")
def sdl():
    return build_schema(schema_sdl())


def test_scalars_are_documented_strings_with_a_specification(sdl):
    decimal, dt = sdl.type_map["Decimal"], sdl.type_map["DateTime"]
    assert dt.specified_by_url == "https://datatracker.ietf.org/doc/html/rfc3339"
    assert decimal.specified_by_url and decimal.specified_by_url.startswith("https://")
    for scalar in (decimal, dt):
        assert "string" in scalar.description.lower()


def test_a_variant_always_has_its_product_and_an_image_is_a_node(sdl):
    assert str(sdl.type_map["ProductVariant"].fields["product"].type) == "Product!"
    assert "Node" in [i.name for i in sdl.type_map["Image"].interfaces]


def test_every_connection_has_total_count_and_first_says_its_default(sdl):
    connections = [t for n, t in sdl.type_map.items() if n.endswith("Connection")]
    assert len(connections) >= 4
    for conn in connections:
        assert str(conn.fields["totalCount"].type) == "Int!", conn.name
    seen = 0
    for t in sdl.type_map.values():
        if not isinstance(t, GraphQLObjectType) or t.name.startswith("__"):
            continue
        for name, field in t.fields.items():
            if get_named_type(field.type).name.endswith("Connection"):
                desc = field.args["first"].description or ""
                assert "Left out" in desc, (t.name, name, desc)
                seen += 1
    assert seen >= 5


def test_category_products_filter_like_products(sdl):
    args = sdl.type_map["Category"].fields["products"].args
    assert str(args["filter"].type) == "ProductFilterInput"


def test_optional_text_is_nullable(sdl):
    product = sdl.type_map["Product"].fields
    assert str(product["vendor"].type) == "String"
    assert str(product["productType"].type) == "String"
    assert str(sdl.type_map["Category"].fields["description"].type) == "String"


@pytest.mark.parametrize(
    ("amount", "currency", "text"),
    [
        ("0", "USD", "0.00"),
        ("49", "USD", "49.00"),
        ("49.5", "EUR", "49.50"),
        ("1500.00", "JPY", "1500"),
        ("1.25", "KWD", "1.250"),
        ("0", "BHD", "0.000"),
        ("1E+3", "USD", "1000.00"),
    ],
)
def test_amounts_carry_the_currency_minor_unit_digits(amount, currency, text):
    # through the schema's own scalar, as an answer is serialised
    serialize = build_app_schema()._schema.type_map["Decimal"].serialize
    assert serialize(money(Decimal(amount), currency).amount) == text


def test_minor_units_table():
    assert [minor_units(c) for c in ("USD", "eur", "JPY", "KWD", "XYZ")] == [2, 2, 0, 3, 2]
    assert to_minor_units(Decimal("0.005"), "USD") == Decimal("0.00")  # banker's rounding


def test_datetime_is_rfc3339():
    serialize = build_app_schema()._schema.type_map["DateTime"].serialize
    text = serialize(datetime(2026, 11, 26, 16, 0, 14, tzinfo=UTC))
    assert json.dumps(text) == '"2026-11-26T16:00:14+00:00"'
