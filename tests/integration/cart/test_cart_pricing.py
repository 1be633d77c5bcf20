"""Carts priced by the pricing context: discount codes, delivery options and tax come from
its public `price()`, set up here through its public staff writes."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from app.domains import pricing
from app.platform.db import Database
from app.platform.ids import to_global_id
from tests.fixtures.api import ApiClient
from tests.integration.cart.conftest import Products
from tests.integration.cart.test_cart_api import ADDRESS, CODES, CREATE, DELIVERY

pytestmark = pytest.mark.integration


def amount(m: dict) -> Decimal:
    return Decimal(m["amount"])


async def test_codes_delivery_and_tax_come_from_pricing(
    api: ApiClient, db: Database, products: Products
):
    code = f"CART{uuid.uuid4().hex[:8].upper()}"
    await pricing.create_discount_code(
        db.uow(pricing.CONTEXT), {"code": code, "kind": "PERCENTAGE", "value": Decimal(10)}
    )
    zone = await pricing.create_shipping_zone(db.uow(pricing.CONTEXT), "Luxembourg", ["LU"])
    await pricing.create_shipping_method(
        db.uow(pricing.CONTEXT),
        zone.id,
        {"name": "Post", "currency": "USD", "kind": "FLAT", "rate": Decimal("5.00")},
    )
    await pricing.set_tax_rate(db.uow(pricing.CONTEXT), "LU", None, Decimal("0.17"))

    v = [to_global_id("ProductVariant", i) for i in products.ids]
    p = (
        await api.query(
            CREATE,
            {
                "input": {
                    "lines": [{"merchandiseId": v[0], "quantity": 2}, {"merchandiseId": v[1]}],
                    "discountCodes": [code.lower(), "NO-SUCH-CODE"],
                }
            },
        )
    ).data["cartCreate"]
    c = p["cart"]
    assert p["userErrors"] == [
        {
            "field": ["input", "discountCodes", "1"],
            "message": "This discount code does not apply to this cart",
            "code": "DISCOUNT_NOT_FOUND",
        }
    ]
    assert c["discountCodes"] == [
        {"code": code, "applicable": True},
        {"code": "NO-SUCH-CODE", "applicable": False},
    ]
    cost = c["cost"]
    assert amount(cost["subtotalAmount"]) == Decimal("22.50")
    assert amount(cost["totalDiscountAmount"]) == Decimal("2.25")
    assert amount(cost["totalTaxAmount"]) == 0 and c["deliveryOptions"] == []  # no destination
    assert amount(cost["totalAmount"]) == Decimal("20.25")

    p = (
        await api.query(ADDRESS, {"id": c["id"], "a": {"city": "Luxembourg", "countryCode": "LU"}})
    ).data["cartShippingAddressUpdate"]
    c = p["cart"]
    assert [o["handle"] for o in c["deliveryOptions"]] and c["selectedDeliveryOption"] is None
    handle = c["deliveryOptions"][0]["handle"]
    cost = c["cost"]
    assert amount(cost["totalTaxAmount"]) > 0 and amount(cost["shippingAmount"]) == 0
    p = (await api.query(DELIVERY, {"id": c["id"], "h": handle})).data[
        "cartSelectedDeliveryOptionUpdate"
    ]
    assert p["userErrors"] == []
    c = p["cart"]
    assert c["selectedDeliveryOption"] == {"handle": handle}
    cost = c["cost"]
    assert amount(cost["shippingAmount"]) == Decimal("5.00")
    # the cart adds pricing's figures up as pricing does (taxes on top here)
    assert amount(cost["totalAmount"]) == amount(cost["subtotalAmount"]) - amount(
        cost["totalDiscountAmount"]
    ) + amount(cost["shippingAmount"]) + amount(cost["totalTaxAmount"])
    lines = c["lines"]["nodes"]
    assert sum(amount(ln["cost"]["totalAmount"]) for ln in lines) < amount(cost["totalAmount"])

    p = (await api.query(CODES, {"id": c["id"], "codes": []})).data["cartDiscountCodesUpdate"]
    assert p["userErrors"] == [] and amount(p["cart"]["cost"]["totalDiscountAmount"]) == 0


async def test_an_automatic_discount_applies_without_a_code(api: ApiClient, db: Database):
    mine = await Products.make(db, ["40.00"])
    auto = await pricing.create_discount_code(
        db.uow(pricing.CONTEXT),
        {
            "code": f"AUTO{uuid.uuid4().hex[:8].upper()}",
            "kind": "PERCENTAGE",
            "value": Decimal(25),
            "automatic": True,
            "product_ids": [mine.product_id],
        },
    )
    # the catalog's ids start over when another test empties it: an automatic discount
    # left behind would apply to whichever product gets this id next (a checkout test's)
    try:
        v = to_global_id("ProductVariant", mine.ids[0])
        p = (await api.query(CREATE, {"input": {"lines": [{"merchandiseId": v}]}})).data[
            "cartCreate"
        ]
        assert p["userErrors"] == [] and p["cart"]["discountCodes"] == []
        cost = p["cart"]["cost"]
        assert amount(cost["subtotalAmount"]) == Decimal("40.00")
        assert amount(cost["totalDiscountAmount"]) == Decimal("10.00")
        assert amount(cost["totalAmount"]) == Decimal("30.00")
    finally:
        await pricing.delete_discount_code(db.uow(pricing.CONTEXT), auto.id)
