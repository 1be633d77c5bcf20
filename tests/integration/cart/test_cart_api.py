"""The cart over GraphQL: Shopify's shapes, server-side costs, userErrors with codes (never
a 500), sign-in merges, and one customer's cart closed to everyone else."""

from __future__ import annotations

import httpx
import pytest

from app.main import create_app
from app.platform.ids import to_global_id
from tests.fixtures.api import ApiClient
from tests.fixtures.redis_server import OwnRedis
from tests.integration.cart.conftest import Products
from tests.integration.customers.helpers import as_bearer, sign_up

pytestmark = pytest.mark.integration

CART = """fragment C on Cart {
  id totalQuantity currencyCode
  buyerIdentity { email countryCode customerId }
  discountCodes { code applicable }
  shippingAddress { city countryCode }
  deliveryOptions { handle } selectedDeliveryOption { handle }
  cost { subtotalAmount { amount currencyCode } totalDiscountAmount { amount }
         totalTaxAmount { amount } shippingAmount { amount } totalAmount { amount } }
  lines(first: 50) { nodes { id quantity merchandise { id price { amount } }
    priceChanged previousAmountPerQuantity { amount }
    cost { amountPerQuantity { amount } compareAtAmountPerQuantity { amount }
           subtotalAmount { amount } totalAmount { amount } } } }
}"""
CREATE = (
    "mutation($input: CartInput) { cartCreate(input: $input) "
    "{ cart { ...C } userErrors { field message code } } }" + CART
)
ADD = (
    "mutation($id: ID!, $lines: [CartLineInput!]!) { cartLinesAdd(cartId: $id, lines: $lines) "
    "{ cart { ...C } userErrors { field message code } } }" + CART
)
UPDATE = (
    "mutation($id: ID!, $lines: [CartLineUpdateInput!]!) { cartLinesUpdate(cartId: $id, "
    "lines: $lines) { cart { ...C } userErrors { field message code } } }" + CART
)
REMOVE = (
    "mutation($id: ID!, $ids: [ID!]!) { cartLinesRemove(cartId: $id, lineIds: $ids) "
    "{ cart { ...C } userErrors { field message code } } }" + CART
)
BUYER = (
    "mutation($id: ID!, $b: CartBuyerIdentityInput!) { cartBuyerIdentityUpdate(cartId: $id, "
    "buyerIdentity: $b) { cart { ...C } userErrors { field message code } } }" + CART
)
CODES = (
    "mutation($id: ID!, $codes: [String!]) { cartDiscountCodesUpdate(cartId: $id, "
    "discountCodes: $codes) { cart { ...C } userErrors { field message code } } }" + CART
)
ADDRESS = (
    "mutation($id: ID!, $a: MailingAddressInput!) { cartShippingAddressUpdate(cartId: $id, "
    "address: $a) { cart { ...C } userErrors { field message code } } }" + CART
)
DELIVERY = (
    "mutation($id: ID!, $h: String!) { cartSelectedDeliveryOptionUpdate(cartId: $id, "
    "deliveryOptionHandle: $h) { cart { ...C } userErrors { field message code } } }" + CART
)
READ = "query($id: ID!) { cart(id: $id) { ...C } }" + CART


def vid(n: int) -> str:
    return to_global_id("ProductVariant", n)


def qty(c: dict) -> dict[str, int]:
    return {ln["merchandise"]["id"]: ln["quantity"] for ln in c["lines"]["nodes"]}


async def test_create_add_read_with_server_prices(api: ApiClient, products: Products):
    v = [vid(i) for i in products.ids]
    r = await api.query(
        CREATE,
        {
            "input": {
                "lines": [{"merchandiseId": v[0], "quantity": 2}],
                "buyerIdentity": {"email": "shopper@example.com", "countryCode": "FR"},
                "discountCodes": [" spring10 ", "SPRING10"],
            }
        },
    )
    p = r.data["cartCreate"]
    # the cart keeps a code that does not apply, and says so
    assert [(e["field"], e["code"]) for e in p["userErrors"]] == [
        (["input", "discountCodes", "0"], "DISCOUNT_NOT_FOUND")
    ]
    c = p["cart"]
    cid = c["id"]
    assert cid.startswith("gid://emporium/Cart/") and len(cid) == len("gid://emporium/Cart/") + 32
    assert c["buyerIdentity"] == {
        "email": "shopper@example.com",
        "countryCode": "FR",
        "customerId": None,
    }
    assert c["discountCodes"] == [{"code": "SPRING10", "applicable": False}]
    for line in (
        {"merchandiseId": v[1]},
        {"merchandiseId": v[2], "quantity": 2},
        {"merchandiseId": v[0]},
    ):
        p = (await api.query(ADD, {"id": cid, "lines": [line]})).data["cartLinesAdd"]
        assert p["userErrors"] == [], p
    c = (await api.query(READ, {"id": cid})).data["cart"]
    assert qty(c) == {v[0]: 3, v[1]: 1, v[2]: 2}
    assert c["totalQuantity"] == 6
    assert c["cost"] == {
        "subtotalAmount": {"amount": "47.00", "currencyCode": "USD"},
        "totalDiscountAmount": {"amount": "0.00"},
        "totalTaxAmount": {"amount": "0.00"},
        "shippingAmount": {"amount": "0.00"},
        "totalAmount": {"amount": "47.00"},
    }
    first = c["lines"]["nodes"][0]
    assert first["cost"]["amountPerQuantity"] == {"amount": "10.00"}
    assert first["cost"]["subtotalAmount"] == {"amount": "30.00"}

    # a price change between add and read is reflected and flagged
    await products.reprice(0, "11.50")
    c = (await api.query(READ, {"id": cid})).data["cart"]
    first = c["lines"]["nodes"][0]
    assert first["priceChanged"] is True
    assert first["previousAmountPerQuantity"] == {"amount": "10.00"}
    assert first["cost"]["totalAmount"] == {"amount": "34.50"}
    assert c["cost"]["totalAmount"] == {"amount": "51.50"}

    # update (0 removes) and remove
    line_ids = [ln["id"] for ln in c["lines"]["nodes"]]
    p = (
        await api.query(
            UPDATE,
            {
                "id": cid,
                "lines": [{"id": line_ids[0], "quantity": 1}, {"id": line_ids[1], "quantity": 0}],
            },
        )
    ).data["cartLinesUpdate"]
    assert p["userErrors"] == [] and qty(p["cart"]) == {v[0]: 1, v[2]: 2}
    assert p["cart"]["lines"]["nodes"][0]["priceChanged"] is False
    p = (await api.query(REMOVE, {"id": cid, "ids": [line_ids[2]]})).data["cartLinesRemove"]
    assert p["userErrors"] == [] and qty(p["cart"]) == {v[0]: 1}

    # address, codes, delivery option
    p = (await api.query(ADDRESS, {"id": cid, "a": {"city": "Lyon", "countryCode": "FR"}})).data[
        "cartShippingAddressUpdate"
    ]
    assert p["cart"]["shippingAddress"] == {"city": "Lyon", "countryCode": "FR"}
    p = (await api.query(CODES, {"id": cid, "codes": []})).data["cartDiscountCodesUpdate"]
    assert p["cart"]["discountCodes"] == []
    p = (await api.query(DELIVERY, {"id": cid, "h": "nope"})).data[
        "cartSelectedDeliveryOptionUpdate"
    ]
    assert p["cart"] is None and p["userErrors"][0]["code"] == "INVALID_DELIVERY_OPTION"


@pytest.mark.parametrize(
    ("lines", "code", "field"),
    [
        ([{"merchandiseId": "V0", "quantity": 0}], "INVALID_QUANTITY", ["lines", "0", "quantity"]),
        (
            [{"merchandiseId": "V0", "quantity": 101}],
            "INVALID_QUANTITY",
            ["lines", "0", "quantity"],
        ),
        (
            [{"merchandiseId": "gid://emporium/ProductVariant/999999999"}],
            "INVALID_MERCHANDISE_LINE",
            ["lines", "0", "merchandiseId"],
        ),
        (
            [{"merchandiseId": "gid://emporium/Product/1"}],
            "INVALID_ID",
            ["lines", "0", "merchandiseId"],
        ),
        ([{"merchandiseId": "not an id"}], "INVALID_ID", ["lines", "0", "merchandiseId"]),
    ],
)
async def test_bad_lines_are_user_errors(api: ApiClient, products: Products, lines, code, field):
    lines = [
        {
            **li,
            "merchandiseId": vid(products.ids[0])
            if li["merchandiseId"] == "V0"
            else li["merchandiseId"],
        }
        for li in lines
    ]
    made = (await api.query(CREATE, {"input": {}})).data["cartCreate"]["cart"]
    p = (await api.query(ADD, {"id": made["id"], "lines": lines})).data["cartLinesAdd"]
    assert p["cart"] is None
    assert [(e["code"], e["field"]) for e in p["userErrors"]] == [(code, field)]
    p = (await api.query(CREATE, {"input": {"lines": lines}})).data["cartCreate"]
    assert [(e["code"], e["field"]) for e in p["userErrors"]] == [(code, ["input", *field])]


@pytest.mark.parametrize(
    "cart_id",
    [
        "gid://emporium/Cart/" + "0" * 32,  # well formed, no such cart
        "gid://emporium/Cart/short",
        "gid://emporium/Product/1",
        "",
    ],
)
async def test_bad_cart_ids(api: ApiClient, products: Products, cart_id: str):
    r = await api.query(READ, {"id": cart_id})
    assert r.data["cart"] is None
    p = (
        await api.query(ADD, {"id": cart_id, "lines": [{"merchandiseId": vid(products.ids[0])}]})
    ).data["cartLinesAdd"]
    assert p["cart"] is None
    assert p["userErrors"][0]["code"] in ("NOT_FOUND", "INVALID_ID")
    assert p["userErrors"][0]["field"] == ["cartId"]


async def test_sign_in_attaches_and_merges_then_only_the_owner_gets_in(
    api: ApiClient, products: Products
):
    v = [vid(i) for i in products.ids]
    a, b = await sign_up(api), await sign_up(api)
    # A's cart from an earlier visit, made while signed in
    p = (
        await as_bearer(
            api,
            a.access_token,
            CREATE,
            {"input": {"lines": [{"merchandiseId": v[0], "quantity": 2}]}},
        )
    ).data["cartCreate"]
    earlier = p["cart"]
    assert earlier["buyerIdentity"]["customerId"] == a.id
    # as a guest, A fills another cart, then signs in with buyerIdentity's token
    guest = (
        await api.query(
            CREATE,
            {"input": {"lines": [{"merchandiseId": v[0]}, {"merchandiseId": v[1], "quantity": 4}]}},
        )
    ).data["cartCreate"]["cart"]
    p = (
        await api.query(BUYER, {"id": guest["id"], "b": {"customerAccessToken": a.access_token}})
    ).data["cartBuyerIdentityUpdate"]
    assert p["userErrors"] == [], p
    merged = p["cart"]
    assert merged["id"] == guest["id"] and merged["buyerIdentity"]["customerId"] == a.id
    assert qty(merged) == {v[0]: 3, v[1]: 4}
    # the earlier cart was merged away
    assert (await as_bearer(api, a.access_token, READ, {"id": earlier["id"]})).data["cart"] is None

    cid = merged["id"]
    # nobody but A reads it: not a guest holding the id, not B
    assert (await api.query(READ, {"id": cid})).data["cart"] is None
    assert (await as_bearer(api, b.access_token, READ, {"id": cid})).data["cart"] is None
    assert (await as_bearer(api, a.access_token, READ, {"id": cid})).data["cart"]["id"] == cid
    # nor changes it, in any way
    line = merged["lines"]["nodes"][0]["id"]
    attempts = [
        (ADD, {"id": cid, "lines": [{"merchandiseId": v[2]}]}, "cartLinesAdd"),
        (UPDATE, {"id": cid, "lines": [{"id": line, "quantity": 9}]}, "cartLinesUpdate"),
        (REMOVE, {"id": cid, "ids": [line]}, "cartLinesRemove"),
        (CODES, {"id": cid, "codes": ["X"]}, "cartDiscountCodesUpdate"),
        (BUYER, {"id": cid, "b": {"email": "b@example.com"}}, "cartBuyerIdentityUpdate"),
        (
            BUYER,
            {"id": cid, "b": {"customerAccessToken": b.access_token}},
            "cartBuyerIdentityUpdate",
        ),
        (ADDRESS, {"id": cid, "a": {"city": "Elsewhere"}}, "cartShippingAddressUpdate"),
        (DELIVERY, {"id": cid, "h": "x"}, "cartSelectedDeliveryOptionUpdate"),
    ]
    for token in (None, b.access_token):
        for query, variables, name in attempts:
            p = (await as_bearer(api, token, query, variables)).data[name]
            assert p["cart"] is None and [e["code"] for e in p["userErrors"]] == ["NOT_FOUND"], (
                name,
                p,
            )
    after = (await as_bearer(api, a.access_token, READ, {"id": cid})).data["cart"]
    assert after == merged
    # a token that is not a customer's: a user error, not a 500
    p = (await api.query(BUYER, {"id": guest["id"], "b": {"customerAccessToken": "garbage"}})).data[
        "cartBuyerIdentityUpdate"
    ]
    assert p["userErrors"][0]["field"] == ["buyerIdentity", "customerAccessToken"]


async def test_signed_in_write_to_a_guest_cart_attaches_it(api: ApiClient, products: Products):
    a = await sign_up(api)
    guest = (await api.query(CREATE, {"input": {}})).data["cartCreate"]["cart"]
    p = (
        await as_bearer(
            api,
            a.access_token,
            ADD,
            {"id": guest["id"], "lines": [{"merchandiseId": vid(products.ids[3])}]},
        )
    ).data["cartLinesAdd"]
    assert p["cart"]["buyerIdentity"]["customerId"] == a.id
    assert (await api.query(READ, {"id": guest["id"]})).data["cart"] is None


async def test_redis_stopped_through_the_app(settings, db, products: Products):
    """The whole app on a cart Redis of the test's own, killed mid-test: carts keep working
    from Postgres, /metrics says so, and nothing is lost once Redis is back."""
    own = OwnRedis()
    own.start()
    app = create_app(
        settings.model_copy(update={"cart_redis_url": own.url, "cart_redis_retry": 0.2})
    )
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
                client = ApiClient(http)
                v = [vid(i) for i in products.ids]
                cid = (
                    await client.query(CREATE, {"input": {"lines": [{"merchandiseId": v[0]}]}})
                ).data["cartCreate"]["cart"]["id"]
                await client.query(
                    ADD, {"id": cid, "lines": [{"merchandiseId": v[1], "quantity": 2}]}
                )
                own.stop()
                c = (await client.query(READ, {"id": cid})).data["cart"]
                assert qty(c) == {v[0]: 1, v[1]: 2}
                p = (
                    await client.query(
                        ADD, {"id": cid, "lines": [{"merchandiseId": v[2], "quantity": 3}]}
                    )
                ).data["cartLinesAdd"]
                assert p["userErrors"] == [] and qty(p["cart"]) == {v[0]: 1, v[1]: 2, v[2]: 3}
                metrics = (await http.get("/metrics")).text
                assert "emporium_cart_redis_up 0.0" in metrics
                assert 'emporium_cart_degraded_operations{op="write"} 1.0' in metrics
                own.start()
                import asyncio

                await asyncio.sleep(0.3)
                c = (await client.query(READ, {"id": cid})).data["cart"]
                assert qty(c) == {v[0]: 1, v[1]: 2, v[2]: 3}
                assert "emporium_cart_redis_up 1.0" in (await http.get("/metrics")).text
    finally:
        own.cleanup()


async def test_stock_from_inventory_limits_what_can_be_added(api: ApiClient, db):
    few = await Products.make(db, ["3.00", "4.00"], stock=2)
    v = [vid(i) for i in few.ids]
    c = (
        await api.query(CREATE, {"input": {"lines": [{"merchandiseId": v[0], "quantity": 2}]}})
    ).data["cartCreate"]["cart"]
    p = (await api.query(ADD, {"id": c["id"], "lines": [{"merchandiseId": v[0]}]})).data[
        "cartLinesAdd"
    ]
    assert p["cart"] is None and p["userErrors"][0]["code"] == "MERCHANDISE_NOT_ENOUGH_STOCK"
    p = (
        await api.query(CREATE, {"input": {"lines": [{"merchandiseId": v[1], "quantity": 3}]}})
    ).data["cartCreate"]
    assert p["cart"] is None and p["userErrors"][0]["code"] == "MERCHANDISE_NOT_ENOUGH_STOCK"
    # a variant inventory has never stocked cannot be bought
    unstocked = await Products.make(db, ["1.00"], stock=0)
    p = (
        await api.query(ADD, {"id": c["id"], "lines": [{"merchandiseId": vid(unstocked.ids[0])}]})
    ).data["cartLinesAdd"]
    assert p["userErrors"][0]["code"] == "MERCHANDISE_NOT_ENOUGH_STOCK"


async def test_statements_per_cart_request(api: ApiClient, products: Products):
    """What a cart request costs in SQL: batched reads (catalog prices, inventory counts,
    pricing rules, category chains) and one durable snapshot write, whatever the lines."""
    v = [vid(i) for i in products.ids]
    made = (await api.query(CREATE, {"input": {"lines": [{"merchandiseId": v[0]}]}})).data
    assert made["cartCreate"]["userErrors"] == [], made
    cid = made["cartCreate"]["cart"]["id"]
    counts = []
    for n in (1, 3):
        with api.count_statements() as seen:
            p = (
                await api.query(
                    ADD, {"id": cid, "lines": [{"merchandiseId": x} for x in v[1 : 1 + n]]}
                )
            ).data
        assert p["cartLinesAdd"]["userErrors"] == []
        writes = [s for s in seen if s.lstrip().upper().startswith(("INSERT", "UPDATE"))]
        assert len(writes) == 1, seen  # the snapshot
        counts.append(len(seen))
    add_statements = counts[0]
    assert counts[0] == counts[1] and add_statements <= 10, counts  # batched: not per line
    with api.count_statements() as seen:
        r = await api.query(READ, {"id": cid})
    assert len(r.data["cart"]["lines"]["nodes"]) == 4
    assert not [s for s in seen if s.lstrip().upper().startswith(("INSERT", "UPDATE"))]
    assert len(seen) <= 6, seen
    print(f"statements: add {add_statements}, read {len(seen)}")
