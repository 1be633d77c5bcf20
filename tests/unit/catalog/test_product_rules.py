"""The catalog's rules for a product, without I/O."""

from dataclasses import replace
from decimal import Decimal

import pytest

from app.domains.catalog import (
    ImageDraft,
    InvalidProductData,
    ProductDraft,
    VariantDraft,
    validate_draft,
)


def good(**kw) -> ProductDraft:
    base = ProductDraft(
        handle="linen-shirt",
        title="Linen shirt",
        variants=(
            VariantDraft(sku="LS-1", price=Decimal("49.00"), compare_at_price=Decimal("65.00")),
        ),
        images=(ImageDraft(url="https://cdn.example/ls.jpg"),),
    )
    return replace(base, **kw)


def variant(**kw) -> VariantDraft:
    return replace(VariantDraft(sku="V", price=Decimal("1.00")), **kw)


def test_a_good_product_passes():
    validate_draft(good())


@pytest.mark.parametrize(
    ("draft", "field"),
    [
        (good(title="  "), "title"),
        (good(handle="Linen Shirt"), "handle"),
        (good(handle="linen--shirt"), "handle"),
        (good(status="LIVE"), "status"),
        (good(variants=()), "variants"),
        (good(variants=tuple(variant(sku=f"S{i}") for i in range(101))), "variants"),
        (good(variants=(variant(sku=" "),)), "variants[0].sku"),
        (good(variants=(variant(sku="A"), variant(sku="A"))), "variants[1].sku"),
        (good(variants=(variant(price=Decimal("-0.01")),)), "variants[0].price"),
        (good(variants=(variant(price=Decimal("1.005")),)), "variants[0].price"),
        (good(variants=(variant(price=Decimal("NaN")),)), "variants[0].price"),
        (good(variants=(variant(price=Decimal("1000000000")),)), "variants[0].price"),
        (
            good(variants=(variant(price=Decimal("5"), compare_at_price=Decimal("4.99")),)),
            "variants[0].compareAtPrice",
        ),
        (good(variants=(variant(weight_grams=-1),)), "variants[0].weight"),
        (good(images=(ImageDraft(url="javascript:alert(1)"),)), "images[0].url"),
        # options and attributes are bounded: the query cost counts on those bounds
        (
            good(variants=(variant(options=tuple((f"O{i}", "x") for i in range(4))),)),
            "variants[0].options",
        ),
        (good(variants=(variant(options=(("Size", "S"), ("Size", "M"))),)), "variants[0].options"),
        (good(attributes=tuple(("Tag", str(i)) for i in range(51))), "attributes"),
    ],
)
def test_each_rule_names_the_field_it_guards(draft, field):
    with pytest.raises(InvalidProductData) as e:
        validate_draft(draft)
    assert e.value.field == field and e.value.message


def test_equal_compare_at_price_is_allowed_and_zero_price_is_free():
    validate_draft(good(variants=(variant(price=Decimal("0"), compare_at_price=Decimal("0")),)))


def test_three_options_and_fifty_attributes_are_allowed():
    three = tuple((f"O{i}", "x") for i in range(3))
    validate_draft(
        good(
            variants=(variant(options=three),),
            attributes=tuple(("Tag", str(i)) for i in range(50)),
        )
    )
