"""Staff pricing mutations and queries through the GraphQL API, refusals included."""

from __future__ import annotations

import uuid
from decimal import Decimal as D

import pytest

from app.domains import pricing
from tests.fixtures.api import ApiClient
from tests.fixtures.throttles import clear_throttles
from tests.integration.customers.helpers import (
    as_bearer,
    no_secrets_in_logs,  # noqa: F401 (fixture)
    staff_account,
)

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("no_secrets_in_logs")]

CODE_FIELDS = """discountCode { id code kind value currencyCode minimumSubtotal { amount currencyCode }
  usageLimit usageLimitPerCustomer usedCount productIds categoryIds endsAt }
  userErrors { field message code }"""
CREATE = f"""mutation($input: DiscountCodeInput!) {{ discountCodeCreate(input: $input) {{ {CODE_FIELDS} }} }}"""
UPDATE = f"""mutation($id: ID!, $input: DiscountCodeInput!) {{
  discountCodeUpdate(id: $id, input: $input) {{ {CODE_FIELDS} }} }}"""
DELETE = """mutation($id: ID!) { discountCodeDelete(id: $id) {
  deletedDiscountCodeId userErrors { field message code } } }"""
LIST = """query($first: Int, $after: String) { discountCodes(first: $first, after: $after) {
  nodes { code } pageInfo { hasNextPage endCursor } } }"""


@pytest.fixture
async def staffers(api: ApiClient, settings):
    assert api.db is not None
    await clear_throttles(settings)
    return {
        "discounts": await staff_account(api, api.db, ["MANAGE_DISCOUNTS"]),
        "settings": await staff_account(api, api.db, ["MANAGE_SETTINGS"]),
    }


async def test_discount_codes_through_the_api(api: ApiClient, staffers):
    token = staffers["discounts"].access_token
    name = f"Spring-{uuid.uuid4().hex[:6]}"
    r = await as_bearer(
        api,
        token,
        CREATE,
        {
            "input": {
                "code": name,
                "kind": "FIXED_AMOUNT",
                "value": "5",
                "currencyCode": "eur",
                "minimumSubtotal": "30",
                "usageLimit": 100,
                "productIds": ["gid://emporium/Product/12"],
            }
        },
    )
    made = r.data["discountCodeCreate"]
    assert made["userErrors"] == []
    code = made["discountCode"]
    assert code["code"] == name.upper() and code["value"] == "5.00"
    assert code["currencyCode"] == "EUR" and code["minimumSubtotal"] == {
        "amount": "30.00",
        "currencyCode": "EUR",
    }
    assert code["productIds"] == ["gid://emporium/Product/12"] and code["usedCount"] == 0

    # case-insensitive uniqueness, and refusals as userErrors with codes
    taken = await as_bearer(
        api, token, CREATE, {"input": {"code": name.lower(), "kind": "PERCENTAGE", "value": "10"}}
    )
    assert taken.data["discountCodeCreate"]["userErrors"] == [
        {"field": ["input", "code"], "message": f"the code {name.upper()} exists", "code": "TAKEN"}
    ]
    bad = await as_bearer(
        api, token, CREATE, {"input": {"code": "x" + name, "kind": "PERCENTAGE", "value": "150"}}
    )
    assert [(e["field"], e["code"]) for e in bad.data["discountCodeCreate"]["userErrors"]] == [
        (["input", "value"], "INVALID")
    ]
    wrong_id = await as_bearer(
        api,
        token,
        CREATE,
        {
            "input": {
                "code": "y" + name,
                "kind": "PERCENTAGE",
                "value": "1",
                "productIds": ["gid://emporium/Category/1"],
            }
        },
    )
    assert wrong_id.data["discountCodeCreate"]["userErrors"][0]["code"] == "INVALID_ID"

    # update: only the fields sent change; null clears
    upd = await as_bearer(
        api, token, UPDATE, {"id": code["id"], "input": {"usageLimit": None, "value": "7.5"}}
    )
    changed = upd.data["discountCodeUpdate"]
    assert changed["userErrors"] == []
    assert (
        changed["discountCode"]["usageLimit"] is None and changed["discountCode"]["value"] == "7.50"
    )
    assert changed["discountCode"]["minimumSubtotal"]["amount"] == "30.00"
    # the domain sees it
    async with api.db.reader("pricing") as uow:  # type: ignore[union-attr]
        rules = await pricing.load_rules(
            uow, pricing.PricingRequest("EUR", [], [name]), prices_include_tax=True
        )
    assert rules.codes[name.lower()].value == D("7.50")

    # listing pages by id
    first = (await as_bearer(api, token, LIST, {"first": 1})).data["discountCodes"]
    assert len(first["nodes"]) == 1
    if first["pageInfo"]["hasNextPage"]:
        nxt = (
            await as_bearer(api, token, LIST, {"first": 1, "after": first["pageInfo"]["endCursor"]})
        ).data
        assert nxt["discountCodes"]["nodes"] != first["nodes"]

    gone = await as_bearer(api, token, DELETE, {"id": code["id"]})
    assert gone.data["discountCodeDelete"] == {
        "deletedDiscountCodeId": code["id"],
        "userErrors": [],
    }
    again = await as_bearer(api, token, DELETE, {"id": code["id"]})
    assert again.data["discountCodeDelete"]["userErrors"][0]["code"] == "NOT_FOUND"


async def test_who_may_manage_discounts_and_settings(api: ApiClient, staffers):
    create = {
        "input": {"code": "NOPE-" + uuid.uuid4().hex[:6], "kind": "PERCENTAGE", "value": "10"}
    }
    anon = await as_bearer(api, None, CREATE, create)
    assert anon.codes == ["UNAUTHENTICATED"]
    assert (anon.body.get("data") or {}).get("discountCodeCreate") is None
    settings_only = await as_bearer(api, staffers["settings"].access_token, CREATE, create)
    assert settings_only.codes == ["FORBIDDEN"]
    zone = 'mutation { shippingZoneCreate(input: {name: "Z", countries: ["FR"]}) { shippingZone { id } } }'
    denied = await as_bearer(api, staffers["discounts"].access_token, zone)
    assert denied.codes == ["FORBIDDEN"]
    # nothing was written
    listed = await as_bearer(api, staffers["discounts"].access_token, LIST, {"first": 100})
    assert create["input"]["code"] not in [n["code"] for n in listed.data["discountCodes"]["nodes"]]


ZONE = """mutation($input: ShippingZoneInput!) { shippingZoneCreate(input: $input) {
  shippingZone { id name countries } userErrors { field code } } }"""
METHOD = """mutation($zone: ID!, $input: ShippingMethodInput!) { shippingMethodCreate(zoneId: $zone, input: $input) {
  shippingMethod { id name kind rate { amount currencyCode } weightRates { upToGrams amount }
  freeOver { amount } } userErrors { field code message } } }"""
TAX = """mutation($input: TaxRateInput!) { taxRateSet(input: $input) {
  taxRate { countryCode province rate } userErrors { field code } } }"""


async def test_shipping_and_tax_through_the_api_then_priced(api: ApiClient, staffers):
    token = staffers["settings"].access_token
    country = "IS"  # a country no other test ships to
    z = (
        await as_bearer(api, token, ZONE, {"input": {"name": "Iceland", "countries": ["is"]}})
    ).data
    zone = z["shippingZoneCreate"]["shippingZone"]
    assert zone["countries"] == [country]
    bad = await as_bearer(api, token, ZONE, {"input": {"name": "Bad", "countries": ["ISL"]}})
    assert bad.data["shippingZoneCreate"]["userErrors"] == [
        {"field": ["input", "countries"], "code": "INVALID"}
    ]

    flat = await as_bearer(
        api,
        token,
        METHOD,
        {
            "zone": zone["id"],
            "input": {
                "name": "Post",
                "currencyCode": "ISK",
                "kind": "FLAT",
                "rate": "990",
                "freeOver": "20000",
            },
        },
    )
    assert flat.data["shippingMethodCreate"]["userErrors"] == []
    heavy = await as_bearer(
        api,
        token,
        METHOD,
        {
            "zone": zone["id"],
            "input": {
                "name": "Cargo",
                "currencyCode": "ISK",
                "kind": "WEIGHT",
                "weightRates": [
                    {"upToGrams": 5000, "amount": "2500"},
                    {"upToGrams": 1000, "amount": "1500"},
                ],
            },
        },
    )
    cargo = heavy.data["shippingMethodCreate"]["shippingMethod"]
    assert cargo["weightRates"] == [
        {"upToGrams": 1000, "amount": "1500"},
        {"upToGrams": 5000, "amount": "2500"},
    ]
    cents = await as_bearer(
        api,
        token,
        METHOD,
        {
            "zone": zone["id"],
            "input": {"name": "Odd", "currencyCode": "ISK", "kind": "FLAT", "rate": "9.5"},
        },
    )
    assert cents.data["shippingMethodCreate"]["userErrors"][0]["field"] == ["input", "rate"]

    t = await as_bearer(api, token, TAX, {"input": {"countryCode": "is", "rate": "0.24"}})
    assert t.data["taxRateSet"] == {
        "taxRate": {"countryCode": "IS", "province": None, "rate": "0.24"},
        "userErrors": [],
    }
    too_much = await as_bearer(api, token, TAX, {"input": {"countryCode": "IS", "rate": "1.5"}})
    assert too_much.data["taxRateSet"]["userErrors"] == [
        {"field": ["input", "rate"], "code": "INVALID"}
    ]

    # the cart's entry point sees what staff set: ISK has no decimals
    line = pricing.PricingLine("a", 1, 1, (), 3, D("4990"), None, 400)
    req = pricing.PricingRequest(
        "ISK", [line], country="IS", delivery_option=cargo["id"].rsplit("/", 1)[1]
    )
    res = await pricing.price(api.db.reader("pricing"), req, prices_include_tax=True)  # type: ignore[union-attr]
    # 3 × 4990 = 14970, tax inside: 14970 × 0.24 / 1.24 = 2897.4 → 2897
    # 1200 g → Cargo 2500 (tax inside 483.87 → 484); Post 990 (under the 20000 threshold)
    assert [(o.title, o.amount) for o in res.delivery_options] == [
        ("Post", D("990")),
        ("Cargo", D("2500")),
    ]
    assert (res.lines[0].tax, res.shipping, res.shipping_tax, res.total) == (
        D("2897"),
        D("2500"),
        D("484"),
        D("17470"),
    )
    assert res.total_tax == D("3381")

    listed = await as_bearer(
        api,
        token,
        '{ shippingZones { name methods { name } } taxRates(countryCode: "IS") { rate } }',
    )
    assert {"name": "Iceland", "methods": [{"name": "Post"}, {"name": "Cargo"}]} in listed.data[
        "shippingZones"
    ]
    assert listed.data["taxRates"] == [{"rate": "0.24"}]

    removed = await as_bearer(api, token, TAX, {"input": {"countryCode": "IS", "rate": None}})
    assert removed.data["taxRateSet"] == {"taxRate": None, "userErrors": []}
    gone = await as_bearer(
        api,
        token,
        f'mutation {{ shippingZoneDelete(id: "{zone["id"]}") {{ deletedId userErrors {{ code }} }} }}',
    )
    assert gone.data["shippingZoneDelete"] == {"deletedId": zone["id"], "userErrors": []}
    res = await pricing.price(api.db.reader("pricing"), req, prices_include_tax=True)  # type: ignore[union-attr]
    assert (
        res.delivery_options == ()
        and res.total_tax == D("0")
        and res.delivery_problem == pricing.DELIVERY_OPTION_UNAVAILABLE
    )
