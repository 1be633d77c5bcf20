"""Customer accounts over the API: sign-up rules, e-mail normalisation, profile, addresses,
and one customer never reaching another's data."""

from __future__ import annotations

import pytest

from tests.fixtures.api import ApiClient
from tests.integration.customers.helpers import (
    PASSWORD,
    SIGN_UP,
    as_bearer,
    sign_in,
    sign_up,
    unique_email,
)

pytestmark = pytest.mark.integration

ME = "{ me { id email firstName displayName defaultAddress { id } addresses { id city countryCode } } }"
ADD = """mutation($a: MailingAddressInput!) {
  customerAddressCreate(address: $a) { customerAddress { id city countryCode }
    customerUserErrors { field code message } }
}"""
UPDATE_ADDRESS = """mutation($id: ID!, $a: MailingAddressInput!) {
  customerAddressUpdate(id: $id, address: $a) { customerAddress { id city }
    customerUserErrors { field code } }
}"""
DELETE_ADDRESS = """mutation($id: ID!) {
  customerAddressDelete(id: $id) { deletedCustomerAddressId customerUserErrors { field code } }
}"""
DEFAULT_ADDRESS = """mutation($id: ID!) {
  customerDefaultAddressUpdate(addressId: $id) { customer { defaultAddress { id } }
    customerUserErrors { field code } }
}"""


async def test_sign_up_normalises_the_email_and_refuses_it_twice_ignoring_case(api: ApiClient):
    local = unique_email().split("@")[0]
    r = await api.query(
        SIGN_UP, {"input": {"email": f"  {local}@Shop.EXAMPLE.com ", "password": PASSWORD}}
    )
    assert r.data["customerCreate"]["customer"]["email"] == f"{local}@shop.example.com"
    again = await api.query(
        SIGN_UP, {"input": {"email": f"{local.upper()}@shop.example.com", "password": PASSWORD}}
    )
    assert again.data["customerCreate"]["customerUserErrors"] == [
        {
            "field": ["input", "email"],
            "code": "TAKEN",
            "message": "An account with this e-mail already exists",
        }
    ]
    # and signs in whichever case is typed
    await sign_in(api, f"{local.upper()}@SHOP.example.com")


@pytest.mark.parametrize(
    ("email", "password", "code", "field"),
    [
        ("not-an-email", PASSWORD, "INVALID", "email"),
        (None, "short", "PASSWORD_TOO_SHORT", "password"),
        (None, "x" * 300, "PASSWORD_TOO_LONG", "password"),
    ],
)
async def test_sign_up_rules_are_user_errors_with_codes(
    api: ApiClient, email, password, code, field
):
    r = await api.query(
        SIGN_UP, {"input": {"email": email or unique_email(), "password": password}}
    )
    payload = r.data["customerCreate"]
    assert payload["customer"] is None
    assert [(e["code"], e["field"]) for e in payload["customerUserErrors"]] == [
        (code, ["input", field])
    ]


async def test_me_and_addresses_with_a_default(api: ApiClient):
    a = await sign_up(api)
    first = await as_bearer(api, a.access_token, ADD, {"a": {"city": "Lyon", "countryCode": "FR"}})
    first_id = first.data["customerAddressCreate"]["customerAddress"]["id"]
    second = await as_bearer(api, a.access_token, ADD, {"a": {"city": "Oslo", "countryCode": "NO"}})
    second_id = second.data["customerAddressCreate"]["customerAddress"]["id"]
    me = (await as_bearer(api, a.access_token, ME)).data["me"]
    assert me["email"] == a.email and me["defaultAddress"] == {"id": first_id}
    assert [x["countryCode"] for x in me["addresses"]] == ["FR", "NO"]

    r = await as_bearer(api, a.access_token, DEFAULT_ADDRESS, {"id": second_id})
    assert r.data["customerDefaultAddressUpdate"]["customer"]["defaultAddress"] == {"id": second_id}
    r = await as_bearer(
        api, a.access_token, UPDATE_ADDRESS, {"id": first_id, "a": {"city": "Nice"}}
    )
    assert r.data["customerAddressUpdate"]["customerAddress"] == {"id": first_id, "city": "Nice"}
    r = await as_bearer(api, a.access_token, DELETE_ADDRESS, {"id": second_id})
    assert r.data["customerAddressDelete"]["deletedCustomerAddressId"] == second_id
    me = (await as_bearer(api, a.access_token, ME)).data["me"]
    assert me["defaultAddress"] is None and [x["city"] for x in me["addresses"]] == ["Nice"]


async def test_a_bad_country_code_is_refused_by_the_enum(api: ApiClient):
    a = await sign_up(api)
    r = await as_bearer(api, a.access_token, ADD, {"a": {"countryCode": "XX"}})
    assert r.codes == ["BAD_USER_INPUT"]


async def test_customer_b_cannot_read_or_change_the_addresses_of_a(api: ApiClient):
    a, b = await sign_up(api), await sign_up(api)
    made = await as_bearer(api, a.access_token, ADD, {"a": {"city": "Lyon"}})
    address = made.data["customerAddressCreate"]["customerAddress"]["id"]

    for query, variables, name in (
        (UPDATE_ADDRESS, {"id": address, "a": {"city": "Stolen"}}, "customerAddressUpdate"),
        (DELETE_ADDRESS, {"id": address}, "customerAddressDelete"),
        (DEFAULT_ADDRESS, {"id": address}, "customerDefaultAddressUpdate"),
    ):
        r = await as_bearer(api, b.access_token, query, variables)
        assert [e["code"] for e in r.data[name]["customerUserErrors"]] == ["NOT_FOUND"], name
    b_me = (await as_bearer(api, b.access_token, ME)).data["me"]
    assert b_me["id"] == b.id and b_me["addresses"] == [] and b_me["defaultAddress"] is None
    a_me = (await as_bearer(api, a.access_token, ME)).data["me"]
    assert [x["city"] for x in a_me["addresses"]] == ["Lyon"]
    assert a_me["defaultAddress"] == {"id": address}


async def test_customer_by_token_argument_is_null_for_a_bad_token(api: ApiClient):
    a = await sign_up(api)
    q = "query($t: String!) { customer(customerAccessToken: $t) { id email } }"
    assert (await api.query(q, {"t": a.access_token})).data["customer"]["id"] == a.id
    assert (await api.query(q, {"t": a.access_token + "x"})).data["customer"] is None


async def test_password_change_signs_every_session_out_and_returns_a_new_one(api: ApiClient):
    a = await sign_up(api)
    q = """mutation($c: CustomerUpdateInput!) { customerUpdate(customer: $c) {
      customer { firstName } customerAccessToken { accessToken } customerUserErrors { code } } }"""
    r = await as_bearer(api, a.access_token, q, {"c": {"firstName": "Ada"}})
    assert r.data["customerUpdate"]["customerAccessToken"] is None
    r = await as_bearer(api, a.access_token, q, {"c": {"password": "a brand new password"}})
    new = r.data["customerUpdate"]["customerAccessToken"]["accessToken"]
    assert r.data["customerUpdate"]["customer"] == {"firstName": "Ada"}
    assert (await as_bearer(api, a.access_token, ME)).status == 401
    assert (await as_bearer(api, new, ME)).data["me"]["id"] == a.id


async def test_a_customer_has_at_most_max_addresses(api: ApiClient):
    from app.domains.customers import MAX_ADDRESSES

    a = await sign_up(api)
    for i in range(MAX_ADDRESSES):
        r = await as_bearer(api, a.access_token, ADD, {"a": {"city": f"City {i}"}})
        assert r.data["customerAddressCreate"]["customerUserErrors"] == []
    r = await as_bearer(api, a.access_token, ADD, {"a": {"city": "One too many"}})
    assert r.data["customerAddressCreate"]["customerUserErrors"] == [
        {"field": ["address"], "code": "TOO_MANY_ADDRESSES",
         "message": f"A customer has at most {MAX_ADDRESSES} addresses"}
    ]  # fmt: skip
    me = (await as_bearer(api, a.access_token, ME)).data["me"]
    assert len(me["addresses"]) == MAX_ADDRESSES


async def test_address_text_is_bounded_and_free_of_control_characters(api: ApiClient):
    a = await sign_up(api)
    for value, message in (
        ("x" * 256, "At most 255 characters"),
        ("a\x00b", "Control characters are not allowed"),
    ):
        r = await as_bearer(api, a.access_token, ADD, {"a": {"city": value}})
        assert r.data["customerAddressCreate"]["customerUserErrors"] == [
            {"field": ["address", "city"], "code": "INVALID", "message": message}
        ]
