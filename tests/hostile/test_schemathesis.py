"""Schemathesis in GraphQL mode against a real `emporium serve`, anonymous: every query
field is called with generated arguments and selections, with a fixed seed and a bounded
number of examples. No answer may be a 5xx, and every error must carry extensions.code."""

from __future__ import annotations

import collections
import json

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from schemathesis.graphql import nodes

from tests.hostile.harness import hostile_server_fixture  # noqa: F401 (the hostile_server fixture)

pytestmark = pytest.mark.e2e

# the API's own scalars: well-formed values and hostile text alike
schemathesis.graphql.scalar(
    "Decimal",
    st.one_of(
        st.decimals(allow_nan=False, allow_infinity=False).map(str),
        st.text(max_size=40),
    ).map(nodes.String),
)
schemathesis.graphql.scalar(
    "DateTime",
    st.one_of(st.datetimes().map(lambda d: d.isoformat() + "Z"), st.text(max_size=40)).map(
        nodes.String
    ),
)

SEED = 20261126
EXAMPLES_PER_FIELD = 100  # 6 query fields today: ~600 requests, about 40 s here


def test_schemathesis_finds_no_5xx_and_no_uncoded_error(hostile_server):
    schema = schemathesis.graphql.from_url(f"{hostile_server.url}/graphql", timeout=30)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 5, [op.label for op in operations]
    seen: collections.Counter[str] = collections.Counter()
    failures: list[str] = []
    session = requests.Session()

    for operation in operations:

        @seed(SEED)
        @settings(
            max_examples=EXAMPLES_PER_FIELD,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],  # no shrinking: report, don't minimise
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def check(case) -> None:
            response = case.call(session=session, timeout=30)
            seen[f"{response.status_code}"] += 1
            body = case.body if isinstance(case.body, dict) else {}
            sent = json.dumps(body)[:500]
            if response.status_code >= 500:
                failures.append(f"{response.status_code} for {sent}: {response.text[:300]}")
                return
            try:
                answer = response.json()
            except ValueError:
                failures.append(f"not JSON ({response.status_code}) for {sent}")
                return
            for error in answer.get("errors") or []:
                if not (error.get("extensions") or {}).get("code"):
                    failures.append(f"uncoded error {error} for {sent}")
                seen[(error.get("extensions") or {}).get("code") or "NO CODE"] += 1

        check()

    print(f"schemathesis: {sum(v for k, v in seen.items() if k.isdigit())} requests, {dict(seen)}")
    assert failures == [], "\n".join(failures[:20])
