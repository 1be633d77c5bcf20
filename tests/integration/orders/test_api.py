"""Orders through the GraphQL API: who may read an order (owner, MANAGE_ORDERS staff, the
guest with number + e-mail + token; NOT_FOUND for everyone else), the listings, and the
staff lifecycle mutations with their refusals as userErrors."""

from __future__ import annotations

import pytest

from app.domains import orders
from app.platform.ids import from_global_id, to_global_id
from tests.fixtures.api import ApiClient
from tests.fixtures.throttles import clear_throttles
from tests.integration.customers.helpers import (
    as_bearer,
    no_secrets_in_logs,  # noqa: F401 (fixture)
    sign_up,
    staff_account,
)
from tests.integration.orders.helpers import draft

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("no_secrets_in_logs")]

ORDER_FIELDS = """id number status email currencyCode customerId archived
  lines { id sku quantity fulfilledQuantity unitPrice { amount currencyCode } total { amount } }
  subtotal { amount } discountTotal { amount } shippingTotal { amount } taxTotal { amount }
  total { amount } totalRefunded { amount } shippingAddress { city country }
  fulfillments { lines { lineId quantity } trackingCompany trackingNumber }
  history { fromStatus toStatus reason }"""
ORDER = f"query($id: ID!) {{ order(id: $id) {{ {ORDER_FIELDS} }} }}"
BY_NUMBER = """query($n: String!, $e: String!, $t: String!) {
  orderByNumber(number: $n, email: $e, token: $t) { id number status } }"""
MY_ORDERS = """query($first: Int, $after: String) { me { orders(first: $first, after: $after) {
  totalCount nodes { id number } pageInfo { hasNextPage endCursor } } } }"""
STAFF_ORDERS = """query($filter: OrdersFilter, $first: Int, $after: String) {
  orders(filter: $filter, first: $first, after: $after) {
  totalCount edges { cursor node { id status } } pageInfo { hasNextPage hasPreviousPage endCursor } } }"""
PAYLOAD = "order { id status totalRefunded { amount } lines { fulfilledQuantity refundedQuantity } } userErrors { field message code }"
FULFILL = f"mutation($input: OrderFulfillInput!) {{ orderFulfill(input: $input) {{ {PAYLOAD} }} }}"
REFUND = f"mutation($input: OrderRefundInput!) {{ orderRefund(input: $input) {{ {PAYLOAD} }} }}"
CANCEL = (
    f"mutation($id: ID!, $r: String) {{ orderCancel(orderId: $id, reason: $r) {{ {PAYLOAD} }} }}"
)
SHIP = f"mutation($id: ID!) {{ orderMarkShipped(orderId: $id) {{ {PAYLOAD} }} }}"
DELIVER = f"mutation($id: ID!) {{ orderMarkDelivered(orderId: $id) {{ {PAYLOAD} }} }}"


def gid(o: orders.Order) -> str:
    return to_global_id("Order", o.id)


@pytest.fixture
async def people(api: ApiClient, settings):
    assert api.db is not None
    await clear_throttles(settings)
    return {
        "a": await sign_up(api),
        "b": await sign_up(api),
        "orders": await staff_account(api, api.db, ["MANAGE_ORDERS"]),
        "other staff": await staff_account(api, api.db, ["MANAGE_PRODUCTS", "MANAGE_CUSTOMERS"]),
    }


async def place(api: ApiClient, **kw) -> orders.PlacedOrder:
    assert api.db is not None
    return await orders.place_order(api.db.uow(orders.CONTEXT), draft(**kw))


async def test_an_order_is_read_by_its_customer_and_order_staff_only(api: ApiClient, people):
    a, b = people["a"], people["b"]
    a_id = from_global_id(a.id, "Customer")[1]
    mine = (await place(api, customer_id=a_id, email=a.email)).order
    r = await as_bearer(api, a.access_token, ORDER, {"id": gid(mine)})
    o = r.data["order"]
    assert o["number"] == f"#{mine.number}" and o["status"] == "PAID" and o["customerId"] == a.id
    assert o["total"] == {"amount": "65.50"} and o["lines"][0]["unitPrice"] == {
        "amount": "25.00",
        "currencyCode": "EUR",
    }
    assert o["shippingAddress"] == {"city": "Lyon", "country": "FR"}
    assert [h["toStatus"] for h in o["history"]] == ["PLACED", "PAID"]
    staff = await as_bearer(api, people["orders"].access_token, ORDER, {"id": gid(mine)})
    assert staff.data["order"]["id"] == gid(mine)
    # B, anonymous, staff without MANAGE_ORDERS: exactly what a missing order answers
    missing = await as_bearer(api, a.access_token, ORDER, {"id": to_global_id("Order", 10**12)})
    for token in (b.access_token, None, people["other staff"].access_token):
        r = await as_bearer(api, token, ORDER, {"id": gid(mine)})
        assert r.body["data"]["order"] is None and r.codes == ["NOT_FOUND"] == missing.codes
        assert r.errors[0]["message"] == missing.errors[0]["message"]


async def test_me_orders_lists_only_the_customers_own_newest_first(api: ApiClient, people):
    a, b = people["a"], people["b"]
    a_id = from_global_id(a.id, "Customer")[1]
    placed = [(await place(api, customer_id=a_id)).order for _ in range(3)]
    await place(api, customer_id=from_global_id(b.id, "Customer")[1])
    await place(api)  # a guest's
    first = (await as_bearer(api, a.access_token, MY_ORDERS, {"first": 2})).data["me"]["orders"]
    assert first["totalCount"] == 3 and first["pageInfo"]["hasNextPage"]
    after = {"first": 2, "after": first["pageInfo"]["endCursor"]}
    rest = (await as_bearer(api, a.access_token, MY_ORDERS, after)).data["me"]["orders"]
    seen = [n["id"] for n in first["nodes"] + rest["nodes"]]
    assert seen == [gid(o) for o in reversed(placed)] and not rest["pageInfo"]["hasNextPage"]
    b_orders = (await as_bearer(api, b.access_token, MY_ORDERS)).data["me"]["orders"]
    assert b_orders["totalCount"] == 1
    anon = await as_bearer(api, None, MY_ORDERS)
    assert anon.codes == ["UNAUTHENTICATED"]


async def test_guest_lookup_needs_number_email_and_token(api: ApiClient):
    p = await place(api, email="Guest.Buyer@Example.com")
    assert p.lookup_token
    n, email, token = str(p.order.number), "guest.buyer@example.com", p.lookup_token
    ok = await api.query(BY_NUMBER, {"n": f"#{n}", "e": email, "t": token})
    assert ok.data["orderByNumber"]["id"] == gid(p.order)
    other = await place(api, email="guest.buyer@example.com")
    for variables in (
        {"n": n, "e": email, "t": token + "x"},
        {"n": n, "e": "someone@example.com", "t": token},
        {"n": str(other.order.number), "e": email, "t": token},
        {"n": n, "e": email, "t": other.lookup_token},
        {"n": "not a number", "e": email, "t": token},
    ):
        r = await api.query(BY_NUMBER, variables)
        assert r.body["data"]["orderByNumber"] is None and r.codes == ["NOT_FOUND"], variables


async def test_staff_list_filters_and_pages_with_a_total(api: ApiClient, people):
    token = people["orders"].access_token
    customer = from_global_id(people["a"].id, "Customer")[1]
    placed = [(await place(api, customer_id=customer)).order for _ in range(3)]
    await orders.cancel(api.db.uow(orders.CONTEXT), placed[0].id)  # type: ignore[union-attr]
    f = {"customerId": people["a"].id}
    r = (await as_bearer(api, token, STAFF_ORDERS, {"filter": f, "first": 2})).data["orders"]
    assert r["totalCount"] == 3 and r["pageInfo"]["hasNextPage"]
    assert [e["node"]["id"] for e in r["edges"]] == [gid(placed[2]), gid(placed[1])]
    nxt = {"filter": f, "first": 2, "after": r["pageInfo"]["endCursor"]}
    r2 = (await as_bearer(api, token, STAFF_ORDERS, nxt)).data["orders"]
    assert [e["node"]["id"] for e in r2["edges"]] == [gid(placed[0])]
    assert r2["pageInfo"]["hasPreviousPage"] and not r2["pageInfo"]["hasNextPage"]
    cancelled = {"filter": {**f, "status": "CANCELLED"}}
    r3 = (await as_bearer(api, token, STAFF_ORDERS, cancelled)).data["orders"]
    assert r3["totalCount"] == 1 and r3["edges"][0]["node"]["status"] == "CANCELLED"
    span = {
        "filter": {
            **f,
            "createdAtFrom": "2000-01-01T00:00:00+00:00",
            "createdAtTo": "2000-02-01T00:00:00+00:00",
        }
    }
    assert (await as_bearer(api, token, STAFF_ORDERS, span)).data["orders"]["totalCount"] == 0
    bad = await as_bearer(api, token, STAFF_ORDERS, {"after": "garbage"})
    assert bad.codes == ["INVALID_CURSOR"]
    refused = await as_bearer(api, people["other staff"].access_token, STAFF_ORDERS)
    assert refused.codes == ["FORBIDDEN"]


async def test_staff_mutations_follow_the_lifecycle(api: ApiClient, people):
    token = people["orders"].access_token
    o = (await place(api)).order
    mug, tea = (to_global_id("OrderLine", ln.id) for ln in o.lines)
    over = {"orderId": gid(o), "lines": [{"lineId": mug, "quantity": 3}]}
    r = (await as_bearer(api, token, FULFILL, {"input": over})).data["orderFulfill"]
    assert r["order"] is None
    assert r["userErrors"] == [
        {
            "field": ["input", "lines", "0", "quantity"],
            "message": "line 1 has 2 unit(s) left to fulfil",
            "code": "FULFILMENT_EXCEEDS_ORDERED",
        }
    ]
    part = {
        "orderId": gid(o),
        "lines": [{"lineId": mug, "quantity": 2}],
        "tracking": {"company": "DHL", "number": "JD1", "url": "https://t.example/JD1"},
    }
    r = (await as_bearer(api, token, FULFILL, {"input": part})).data["orderFulfill"]
    assert r["userErrors"] == [] and r["order"]["status"] == "PARTIALLY_FULFILLED"
    r = (await as_bearer(api, token, SHIP, {"id": gid(o)})).data["orderMarkShipped"]
    assert r["userErrors"][0]["code"] == "ILLEGAL_TRANSITION"
    rest = {"orderId": gid(o), "lines": [{"lineId": tea, "quantity": 1}]}
    r = (await as_bearer(api, token, FULFILL, {"input": rest})).data["orderFulfill"]
    assert r["order"]["status"] == "FULFILLED"
    r = (await as_bearer(api, token, CANCEL, {"id": gid(o), "r": "late"})).data["orderCancel"]
    assert r["userErrors"][0]["code"] == "ILLEGAL_TRANSITION" and r["order"] is None
    assert (await as_bearer(api, token, SHIP, {"id": gid(o)})).data["orderMarkShipped"]["order"][
        "status"
    ] == "SHIPPED"
    assert (await as_bearer(api, token, DELIVER, {"id": gid(o)})).data["orderMarkDelivered"][
        "order"
    ]["status"] == "DELIVERED"
    too_much = {"orderId": gid(o), "amount": "65.51"}
    r = (await as_bearer(api, token, REFUND, {"input": too_much})).data["orderRefund"]
    assert r["userErrors"][0]["code"] == "REFUND_EXCEEDS_PAID"
    by_line = {"orderId": gid(o), "lines": [{"lineId": tea, "quantity": 1}]}
    r = (await as_bearer(api, token, REFUND, {"input": by_line})).data["orderRefund"]
    assert r["order"]["status"] == "PARTIALLY_REFUNDED"
    assert r["order"]["totalRefunded"] == {"amount": "11.00"}
    rest_amount = {"orderId": gid(o), "amount": "54.50"}
    r = (await as_bearer(api, token, REFUND, {"input": rest_amount})).data["orderRefund"]
    assert r["order"]["status"] == "REFUNDED"
    # a wrong kind of id is the input's error, not a crash
    wrong = {"orderId": to_global_id("Product", 1), "amount": "1"}
    r = (await as_bearer(api, token, REFUND, {"input": wrong})).data["orderRefund"]
    assert r["userErrors"][0]["field"] == ["input", "orderId"]
    # and nobody else may do any of it
    for t, code in (
        (people["a"].access_token, "FORBIDDEN"),
        (people["other staff"].access_token, "FORBIDDEN"),
    ):
        r = await as_bearer(api, t, CANCEL, {"id": gid(o)})
        assert r.codes == [code] and r.body["data"] is None
