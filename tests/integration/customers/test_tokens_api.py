"""Tokens over the API: bearer checks, refresh rotation and reuse detection, sign-out,
single-use password reset, throttled sign-in, staff deactivation and permission changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.domains import customers
from app.platform.ids import from_global_id
from app.platform.settings import Settings
from tests.fixtures.api import ApiClient
from tests.integration.customers.helpers import (
    PASSWORD,
    SIGN_IN,
    STAFF_SIGN_IN,
    as_bearer,
    client_with_ip,
    remember,
    sign_in,
    sign_up,
    staff_account,
    unique_email,
)

pytestmark = pytest.mark.integration

ME = "{ me { id } }"
RENEW = """mutation($t: String!) { customerAccessTokenRenew(refreshToken: $t) {
  customerAccessToken { accessToken refreshToken } customerUserErrors { field code } } }"""
LOGOUT = """mutation($t: String!) { customerAccessTokenDelete(customerAccessToken: $t) {
  deletedAccessToken deletedCustomerAccessTokenId customerUserErrors { code } } }"""
RECOVER = "mutation($e: String!) { customerRecover(email: $e) { customerUserErrors { code } } }"
RESET = """mutation($id: ID!, $token: String!, $pw: String!) {
  customerReset(id: $id, input: {resetToken: $token, password: $pw}) {
    customer { id } customerAccessToken { accessToken } customerUserErrors { field code } } }"""


async def test_a_bad_bearer_token_is_401_unauthenticated_not_anonymous(api: ApiClient):
    a = await sign_up(api)
    for token in (a.access_token[:-2], "garbage", ""):
        r = await as_bearer(api, token, "{ products(first: 1) { nodes { id } } }")
        assert (r.status, r.codes) == (401, ["UNAUTHENTICATED"])
    r = await api.http.post(
        "/graphql", json={"query": ME}, headers={"Authorization": "Bearer " + a.access_token}
    )
    assert r.json()["data"]["me"]["id"] == a.id
    # another scheme is not ours (a proxy's): served as anonymous
    r = await api.http.post("/graphql", json={"query": ME}, headers={"Authorization": "Basic eDp5"})
    assert r.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED" and r.status_code == 200


async def test_an_expired_access_token_is_401(api: ApiClient, settings: Settings):
    a = await sign_up(api)
    keys = customers.AuthConfig.from_settings(settings).keys
    claims = keys.verify(a.access_token)
    old, _ = keys.issue(
        "customer", claims.subject_id, claims.session_id,
        now=datetime.now(UTC) - timedelta(minutes=16),
    )  # fmt: skip
    assert (await as_bearer(api, old, ME)).status == 401


async def test_refresh_tokens_rotate_and_a_reused_one_revokes_the_family(
    api: ApiClient, no_secrets_in_logs: list[str]
):
    a = await sign_up(api)
    # the capture sees what there is to see: SQL at DEBUG, with the statements' parameters
    # (hidden: `hide_parameters`, else the reset token in an outbox row would be logged)
    assert any("INSERT INTO customers.refresh_tokens" in line for line in no_secrets_in_logs)
    r1 = (await api.query(RENEW, {"t": a.refresh_token})).data["customerAccessTokenRenew"]
    second = r1["customerAccessToken"]
    remember(second["accessToken"], second["refreshToken"])
    assert second["refreshToken"] != a.refresh_token
    assert (await as_bearer(api, second["accessToken"], ME)).data["me"]["id"] == a.id
    r2 = (await api.query(RENEW, {"t": second["refreshToken"]})).data["customerAccessTokenRenew"]
    third = r2["customerAccessToken"]
    remember(third["accessToken"], third["refreshToken"])

    # the first refresh token again: someone replays a stolen token
    replay = (await api.query(RENEW, {"t": a.refresh_token})).data["customerAccessTokenRenew"]
    assert replay["customerAccessToken"] is None
    assert replay["customerUserErrors"] == [{"field": ["refreshToken"], "code": "TOKEN_INVALID"}]
    # the whole family is gone: the newest refresh token and every access token of it
    after = (await api.query(RENEW, {"t": third["refreshToken"]})).data["customerAccessTokenRenew"]
    assert after["customerUserErrors"][0]["code"] == "TOKEN_INVALID"
    for access in (a.access_token, second["accessToken"], third["accessToken"]):
        assert (await as_bearer(api, access, ME)).status == 401
    # another sign-in (another family) is untouched
    other_access, _ = await sign_in(api, a.email)
    assert (await as_bearer(api, other_access, ME)).data["me"]["id"] == a.id


async def test_sign_out_ends_the_session_and_only_it(api: ApiClient):
    a = await sign_up(api)
    other_access, other_refresh = await sign_in(api, a.email)
    r = (await api.query(LOGOUT, {"t": a.access_token})).data["customerAccessTokenDelete"]
    assert r["deletedAccessToken"] == a.access_token and r["customerUserErrors"] == []
    assert (await as_bearer(api, a.access_token, ME)).status == 401
    renew = (await api.query(RENEW, {"t": a.refresh_token})).data["customerAccessTokenRenew"]
    assert renew["customerUserErrors"][0]["code"] == "TOKEN_INVALID"
    assert (await as_bearer(api, other_access, ME)).data["me"]["id"] == a.id
    kept = (await api.query(RENEW, {"t": other_refresh})).data["customerAccessTokenRenew"]
    assert kept["customerUserErrors"] == []
    bad = (await api.query(LOGOUT, {"t": "nonsense"})).data["customerAccessTokenDelete"]
    assert bad["customerUserErrors"] == [{"code": "TOKEN_INVALID"}]


async def _reset_token(api: ApiClient, customer_id: int) -> str:
    assert api.db is not None
    async with api.db.reader(customers.CONTEXT) as uow:
        payload = (
            await uow.session.execute(
                sa.text(
                    "SELECT payload FROM customers.outbox WHERE type = "
                    "'customers.PasswordResetRequested.v1' AND (payload->>'customer_id')::bigint "
                    "= :id ORDER BY id DESC LIMIT 1"
                ),
                {"id": customer_id},
            )
        ).scalar_one()
    assert set(payload) >= {"customer_id", "email", "first_name", "reset_token", "expires_at"}
    remember(payload["reset_token"])
    return str(payload["reset_token"])


async def test_password_reset_is_single_use_and_signs_everything_out(api: ApiClient):
    a = await sign_up(api)
    pk = from_global_id(a.id)[1]
    assert (await api.query(RECOVER, {"e": a.email.upper()})).data["customerRecover"] == {
        "customerUserErrors": []
    }
    token = await _reset_token(api, pk)

    wrong = await api.query(RESET, {"id": a.id, "token": token + "x", "pw": "new password 1"})
    assert wrong.data["customerReset"]["customerUserErrors"] == [
        {"field": ["input", "resetToken"], "code": "TOKEN_INVALID"}
    ]
    ok = (await api.query(RESET, {"id": a.id, "token": token, "pw": "new password 1"})).data
    assert ok["customerReset"]["customer"] == {"id": a.id}
    assert (await as_bearer(api, a.access_token, ME)).status == 401  # signed out everywhere
    again = await api.query(RESET, {"id": a.id, "token": token, "pw": "new password 2"})
    assert again.data["customerReset"]["customerUserErrors"][0]["code"] == "TOKEN_INVALID"
    await sign_in(api, a.email, "new password 1")
    old = (await api.query(SIGN_IN, {"email": a.email, "password": PASSWORD})).data
    assert (
        old["customerAccessTokenCreate"]["customerUserErrors"][0]["code"] == "UNIDENTIFIED_CUSTOMER"
    )


async def test_an_expired_reset_token_is_refused(api: ApiClient):
    a = await sign_up(api)
    pk = from_global_id(a.id)[1]
    await api.query(RECOVER, {"e": a.email})
    token = await _reset_token(api, pk)
    assert api.db is not None
    async with api.db.uow(customers.CONTEXT) as uow:
        await uow.session.execute(
            sa.text("UPDATE customers.password_resets SET expires_at = now() - interval '1 s' "
                    "WHERE customer_id = :id"), {"id": pk},
        )  # fmt: skip
        await uow.commit()
    r = await api.query(RESET, {"id": a.id, "token": token, "pw": "new password 1"})
    assert r.data["customerReset"]["customerUserErrors"][0]["code"] == "TOKEN_INVALID"


async def test_another_customers_reset_token_does_not_work_on_my_account(api: ApiClient):
    a, b = await sign_up(api), await sign_up(api)
    await api.query(RECOVER, {"e": a.email})
    token = await _reset_token(api, from_global_id(a.id)[1])
    r = await api.query(RESET, {"id": b.id, "token": token, "pw": "new password 1"})
    assert r.data["customerReset"]["customerUserErrors"][0]["code"] == "TOKEN_INVALID"


async def test_recover_says_the_same_for_an_unknown_email(api: ApiClient):
    r = await api.query(RECOVER, {"e": unique_email("nobody")})
    assert r.data["customerRecover"] == {"customerUserErrors": []}


async def test_unknown_email_and_wrong_password_get_one_answer(api: ApiClient):
    a = await sign_up(api)
    wrong = await api.query(SIGN_IN, {"email": a.email, "password": "not the password"})
    unknown = await api.query(SIGN_IN, {"email": unique_email(), "password": "not the password"})
    assert (
        wrong.data["customerAccessTokenCreate"]["customerUserErrors"]
        == unknown.data["customerAccessTokenCreate"]["customerUserErrors"]
        == [{"field": None, "code": "UNIDENTIFIED_CUSTOMER",
             "message": "Unidentified customer: the e-mail or the password is wrong"}]
    )  # fmt: skip


async def test_sign_in_is_throttled_per_account(api: ApiClient, settings: Settings):
    a = await sign_up(api)
    client = client_with_ip(api, "198.51.100.10")
    for _ in range(settings.login_failures_per_account):
        r = await client.query(SIGN_IN, {"email": a.email, "password": "wrong password"})
        assert (
            r.data["customerAccessTokenCreate"]["customerUserErrors"][0]["code"]
            == "UNIDENTIFIED_CUSTOMER"
        )
    # now even the right password, from anywhere, waits for the window
    for c in (client, client_with_ip(api, "198.51.100.11")):
        r = await c.query(SIGN_IN, {"email": a.email, "password": PASSWORD})
        assert r.data["customerAccessTokenCreate"]["customerUserErrors"][0]["code"] == "THROTTLED"
    await client.http.aclose()


async def test_sign_in_is_throttled_per_ip(api: ApiClient, settings: Settings):
    client = client_with_ip(api, "198.51.100.20")
    for _ in range(settings.login_failures_per_ip):
        await client.query(SIGN_IN, {"email": unique_email(), "password": "wrong password"})
    a = await sign_up(api)
    r = await client.query(SIGN_IN, {"email": a.email, "password": PASSWORD})
    assert r.data["customerAccessTokenCreate"]["customerUserErrors"][0]["code"] == "THROTTLED"
    await sign_in(api, a.email)  # from another address it works
    await client.http.aclose()


async def test_customer_and_staff_tokens_do_not_cross(api: ApiClient):
    a = await sign_up(api)
    staff_renew = """mutation($t: String!) { staffAccessTokenRenew(refreshToken: $t) {
      staffAccessToken { accessToken } userErrors { code } } }"""
    r = (await api.query(staff_renew, {"t": a.refresh_token})).data["staffAccessTokenRenew"]
    assert r == {"staffAccessToken": None, "userErrors": [{"code": "TOKEN_INVALID"}]}
    # a customer's password never signs in as staff
    r = await api.query(STAFF_SIGN_IN, {"email": a.email, "password": PASSWORD})
    assert r.data["staffAccessTokenCreate"]["userErrors"][0]["code"] == "UNIDENTIFIED_CUSTOMER"


STAFF_UPDATE = """mutation($id: ID!, $p: [StaffPermission!]!) { staffUpdate(id: $id, permissions: $p) {
  staffMember { permissions } userErrors { code } } }"""
DEACTIVATE = """mutation($id: ID!) { staffDeactivate(id: $id) { staffMember { active }
  userErrors { field code } } }"""


async def test_permission_changes_and_deactivation_take_effect_on_the_next_request(api: ApiClient):
    assert api.db is not None
    admin = await staff_account(api, api.db, ["MANAGE_STAFF"])
    clerk = await staff_account(api, api.db, ["MANAGE_STAFF", "MANAGE_ORDERS"])
    # the clerk, still holding MANAGE_STAFF, may change staff
    r = await as_bearer(
        api, clerk.access_token, STAFF_UPDATE, {"id": clerk.id, "p": ["MANAGE_ORDERS"]}
    )
    assert r.data["staffUpdate"]["staffMember"]["permissions"] == ["MANAGE_ORDERS"]
    # the same token, next request: the permission is gone
    r = await as_bearer(api, clerk.access_token, STAFF_UPDATE, {"id": clerk.id, "p": []})
    assert r.codes == ["FORBIDDEN"]
    me = await as_bearer(api, clerk.access_token, "{ staffMe { email permissions active } }")
    assert me.data["staffMe"] == {
        "email": clerk.email,
        "permissions": ["MANAGE_ORDERS"],
        "active": True,
    }

    r = await as_bearer(api, admin.access_token, DEACTIVATE, {"id": admin.id})
    assert r.data["staffDeactivate"]["userErrors"] == [{"field": ["id"], "code": "INVALID"}]
    r = await as_bearer(api, admin.access_token, DEACTIVATE, {"id": clerk.id})
    assert r.data["staffDeactivate"]["staffMember"] == {"active": False}
    assert (await as_bearer(api, clerk.access_token, "{ staffMe { email } }")).status == 401
    again = await api.query(STAFF_SIGN_IN, {"email": clerk.email, "password": PASSWORD})
    assert again.data["staffAccessTokenCreate"]["userErrors"][0]["code"] == "UNIDENTIFIED_CUSTOMER"
    renew = """mutation($t: String!) { staffAccessTokenRenew(refreshToken: $t) {
      staffAccessToken { accessToken } userErrors { code } } }"""
    r = await api.query(renew, {"t": clerk.refresh_token})
    assert r.data["staffAccessTokenRenew"]["userErrors"] == [{"code": "TOKEN_INVALID"}]


async def test_staff_invite_gives_a_member_who_can_sign_in(api: ApiClient):
    assert api.db is not None
    admin = await staff_account(api, api.db, ["MANAGE_STAFF"])
    invite = """mutation($i: StaffInviteInput!) { staffInvite(input: $i) {
      staffMember { email permissions active } userErrors { field code } } }"""
    email = unique_email("new")
    r = await as_bearer(api, admin.access_token, invite,
                        {"i": {"email": email, "password": PASSWORD, "permissions": ["MANAGE_PRODUCTS"]}})  # fmt: skip
    assert r.data["staffInvite"]["staffMember"]["permissions"] == ["MANAGE_PRODUCTS"]
    dup = await as_bearer(api, admin.access_token, invite,
                          {"i": {"email": email.upper(), "password": PASSWORD, "permissions": []}})  # fmt: skip
    assert dup.data["staffInvite"]["userErrors"] == [{"field": ["input", "email"], "code": "TAKEN"}]
    r = await api.query(STAFF_SIGN_IN, {"email": email, "password": PASSWORD})
    assert r.data["staffAccessTokenCreate"]["staffAccessToken"]["accessToken"]


async def test_staff_sign_out_ends_the_staff_session_and_refuses_a_customer_token(api: ApiClient):
    assert api.db is not None
    member = await staff_account(api, api.db, [])
    customer = await sign_up(api)
    q = """mutation($t: String!) { staffAccessTokenDelete(staffAccessToken: $t) {
      deletedAccessToken userErrors { field code } } }"""
    wrong = (await api.query(q, {"t": customer.access_token})).data["staffAccessTokenDelete"]
    assert wrong["userErrors"] == [{"field": None, "code": "TOKEN_INVALID"}]
    assert (await as_bearer(api, customer.access_token, ME)).data["me"]["id"] == customer.id
    r = (await api.query(q, {"t": member.access_token})).data["staffAccessTokenDelete"]
    assert r == {"deletedAccessToken": member.access_token, "userErrors": []}
    assert (await as_bearer(api, member.access_token, "{ staffMe { email } }")).status == 401


async def test_an_impossible_email_signs_in_as_nobody(api: ApiClient):
    for email in ("a\x00b@example.com", "x" * 300, ""):
        r = await api.query(SIGN_IN, {"email": email, "password": "wrong password"})
        errors = r.data["customerAccessTokenCreate"]["customerUserErrors"]
        assert [e["code"] for e in errors] == ["UNIDENTIFIED_CUSTOMER"]
    r = await api.query(RECOVER, {"e": "a\x00b@example.com"})
    assert r.data["customerRecover"] == {"customerUserErrors": []}


async def test_reset_emails_are_throttled_per_address_known_or_not(
    api: ApiClient, settings: Settings
):
    a = await sign_up(api)
    for email in (a.email, unique_email("nobody")):
        for _ in range(settings.recover_requests_per_account):
            r = await api.query(RECOVER, {"e": email})
            assert r.data["customerRecover"] == {"customerUserErrors": []}
        r = await api.query(RECOVER, {"e": email.upper()})
        assert [e["code"] for e in r.data["customerRecover"]["customerUserErrors"]] == ["THROTTLED"]
    assert api.db is not None
    async with api.db.reader(customers.CONTEXT) as uow:
        sent = await uow.session.scalar(
            sa.text("SELECT count(*) FROM customers.password_resets WHERE customer_id = :id"),
            {"id": from_global_id(a.id)[1]},
        )
    assert sent == settings.recover_requests_per_account
