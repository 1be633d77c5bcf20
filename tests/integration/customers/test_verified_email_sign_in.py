"""Sign-in through an identity provider's verified e-mail: linked to the account with that
e-mail whatever its case, or a new account without a password; the same tokens as ever."""

from __future__ import annotations

import pytest

from app.domains import customers
from app.platform.ids import from_global_id
from app.platform.settings import Settings
from tests.fixtures.api import ApiClient
from tests.integration.customers.helpers import as_bearer, remember, sign_up, unique_email

pytestmark = pytest.mark.integration


async def test_a_verified_email_links_to_the_account_or_makes_one(
    api: ApiClient, settings: Settings
):
    assert api.db is not None
    auth = customers.AuthConfig.from_settings(settings)
    existing = await sign_up(api)
    async with api.db.uow(customers.CONTEXT) as uow:
        linked_id, tokens = await customers.sign_in_verified_email(
            uow, auth, existing.email.upper()
        )
    remember(tokens.access_token, tokens.refresh_token)
    assert linked_id == from_global_id(existing.id)[1]
    me = await as_bearer(api, tokens.access_token, "{ me { id } }")
    assert me.data["me"]["id"] == existing.id

    email = unique_email("oidc")
    async with api.db.uow(customers.CONTEXT) as uow:
        new_id, tokens = await customers.sign_in_verified_email(uow, auth, email, "Ada", None)
    remember(tokens.access_token, tokens.refresh_token)
    me = await as_bearer(api, tokens.access_token, "{ me { id firstName } }")
    assert me.data["me"]["firstName"] == "Ada" and new_id != linked_id
    # no password: a password sign-in for it fails like any wrong password
    q = """mutation($e: String!) { customerAccessTokenCreate(input: {email: $e, password: "anything at all"}) {
      customerUserErrors { code } } }"""
    r = await api.query(q, {"e": email})
    assert r.data["customerAccessTokenCreate"]["customerUserErrors"] == [
        {"code": "UNIDENTIFIED_CUSTOMER"}
    ]
