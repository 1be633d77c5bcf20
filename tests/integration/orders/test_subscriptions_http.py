"""A subscription is a stream: sent over HTTP it is refused with a clear code before it runs
(graphql-core would otherwise execute it as a query and answer an internal error)."""

from __future__ import annotations

import pytest

from tests.fixtures.api import ApiClient

pytestmark = pytest.mark.integration


async def test_a_subscription_over_http_is_refused_with_a_code(api: ApiClient):
    r = await api.query('subscription { orderUpdated(id: "gid://emporium/Order/1") { id } }')
    assert r.status == 200
    assert r.codes == ["SUBSCRIPTION_NEEDS_WEBSOCKET"], r.body
    assert r.body["data"] is None
    # queries and mutations are unaffected
    assert (await api.query("{ __typename }")).body["data"] == {"__typename": "Query"}
