"""Whatever arrives at /graphql over HTTP, the answer is JSON with a coded error and a
request id, never a plain-text 4xx or a 500 (issue 13 #4, issue 11 #5, issue 12 #5)."""

from __future__ import annotations

import json
import time
from urllib.parse import quote

import pytest

from tests.hostile.harness import coded_error

JSON = {"content-type": "application/json"}


def deep(n: int) -> str:
    return "[" * n + "]" * n


BAD_BODIES = [
    pytest.param(b"42", 400, "BAD_REQUEST", id="number"),
    pytest.param(b'"x"', 400, "BAD_REQUEST", id="string"),
    pytest.param(b"null", 400, "BAD_REQUEST", id="null"),
    pytest.param(b"true", 400, "BAD_REQUEST", id="true"),
    pytest.param(b"[1, 2]", 400, "BAD_REQUEST", id="batch-of-junk"),
    pytest.param(b'[{"query": "{ __typename }"}]', 400, "BAD_REQUEST", id="batch"),
    pytest.param(b"", 400, "BAD_REQUEST", id="empty"),
    pytest.param(b"{not json", 400, "BAD_REQUEST", id="not-json"),
    pytest.param(b'{"query": "{ __typename }\xff"}', 400, "BAD_REQUEST", id="0xFF-byte"),
    pytest.param(b'{"query": "\xed\xa0\x80"}', 400, "BAD_REQUEST", id="utf8-surrogate"),
    pytest.param(b"\xef\xbb\xbf{}", 400, "BAD_REQUEST", id="bom"),
    pytest.param('{"query": "{ __typename }"}'.encode("utf-16"), 400, "BAD_REQUEST", id="utf-16"),
    pytest.param(
        b'{"query": "{ product(handle: "caf\xe9") { id } }"}', 400, "BAD_REQUEST", id="latin-1"
    ),
    pytest.param(
        b'{"query": "query($v: [String]) { __typename }", "variables": {"v": '
        + deep(1000).encode()
        + b"}}",
        400,
        "BAD_REQUEST",
        id="variables-1000-deep",
    ),
    pytest.param(
        b'{"query": "{ __typename }", "variables": {"v": ' + deep(100_000).encode() + b"}}",
        400,
        "BAD_REQUEST",
        id="variables-100000-deep",
    ),
    pytest.param(
        b'{"query": "{ __typename }", "extensions": '
        + ('{"a":' * 200 + "1" + "}" * 200).encode()
        + b"}",
        400,
        "BAD_REQUEST",
        id="extensions-200-deep",
    ),
    pytest.param(b'{"query": 42}', 400, "BAD_REQUEST", id="query-number"),
    pytest.param(b'{"variables": {}}', 400, "BAD_REQUEST", id="no-query"),
    pytest.param(b'{"query": "{ __typename }", "variables": 5}', 400, "BAD_REQUEST", id="vars-5"),
    pytest.param(
        b'{"query": "{ __typename }", "variables": []}', 400, "BAD_REQUEST", id="vars-list"
    ),
    pytest.param(
        b'{"query": "{ __typename }", "operationName": 5}', 400, "BAD_REQUEST", id="opname-5"
    ),
    pytest.param(
        b'{"query": "{ __typename }", "extensions": "x"}', 400, "BAD_REQUEST", id="ext-string"
    ),
]


async def best_time(api, body: bytes) -> float:
    times = []
    for _ in range(3):
        started = time.perf_counter()
        await api.http.post("/graphql", content=body, headers=JSON)
        times.append(time.perf_counter() - started)
    return min(times)


@pytest.mark.parametrize(("body", "status", "code"), BAD_BODIES)
async def test_a_malformed_body_gets_a_coded_json_error(api, body, status, code):
    trivial = await best_time(api, b'{"query": "{ __typename }"}')
    assert await best_time(api, body) < 20 * trivial  # refused before any real work
    r = await api.http.post("/graphql", content=body, headers=JSON)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    error = coded_error(r.content)
    assert error["extensions"]["code"] == code
    assert error["extensions"]["requestId"] == r.headers["x-request-id"]


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({}, 415, "UNSUPPORTED_MEDIA_TYPE"),
        ({"content-type": "text/plain"}, 415, "UNSUPPORTED_MEDIA_TYPE"),
        ({"content-type": "application/x-www-form-urlencoded"}, 415, "UNSUPPORTED_MEDIA_TYPE"),
        ({"content-type": "multipart/form-data; boundary=x"}, 415, "UNSUPPORTED_MEDIA_TYPE"),
    ],
)
async def test_a_body_that_is_not_json_is_refused_with_a_code(api, headers, status, code):
    r = await api.http.post("/graphql", content=b'{"query": "{ __typename }"}', headers=headers)
    assert r.status_code == status, r.text
    assert coded_error(r.content)["extensions"]["code"] == code


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ("query=%7B__typename%7D&variables=42", "BAD_REQUEST"),
        ("query=%7B__typename%7D&variables=%7Bnot", "BAD_REQUEST"),
        ("query=%7B__typename%7D&variables=" + quote(deep(1000)), "BAD_REQUEST"),
        ("query=%7B__typename%7D&variables=" + quote('{"v":' + deep(500) + "}"), "BAD_REQUEST"),
        ("query=%7B__typename%7D&extensions=%22x%22", "BAD_REQUEST"),
        ("variables=%7B%7D", "BAD_REQUEST"),
    ],
)
async def test_get_query_parameters_are_checked_like_a_body(api, params, code):
    r = await api.http.get(f"/graphql?{params}", headers={"accept": "application/json"})
    assert r.status_code == 400, r.text
    assert coded_error(r.content)["extensions"]["code"] == code


async def test_get_still_runs_queries_and_refuses_mutations_with_a_code(api):
    r = await api.http.get(
        "/graphql",
        params={"query": "query($n: Int!) { products(first: $n) { nodes { handle } } }",
                "variables": json.dumps({"n": 1})},
    )  # fmt: skip
    assert r.status_code == 200 and "errors" not in r.json(), r.text
    r = await api.http.get("/graphql", params={"query": "{ __typename }", "variables": ""})
    assert r.status_code == 200 and r.json()["data"] == {"__typename": "Query"}, r.text
    r = await api.http.get("/graphql", params={"query": "mutation { __typename }"})
    assert r.status_code in (400, 405), r.text
    assert coded_error(r.content)["extensions"]["code"]


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
async def test_other_methods_get_a_coded_405(api, method):
    r = await api.http.request(method, "/graphql", content=b"{}", headers=JSON)
    assert r.status_code == 405
    assert r.headers["allow"] == "GET, POST"
    assert coded_error(r.content)["extensions"]["code"] == "METHOD_NOT_ALLOWED"


async def test_a_declared_oversized_body_is_refused_with_413(api):
    r = await api.http.post("/graphql", content=b"x" * (2 * 1024 * 1024), headers={**JSON})
    assert r.status_code == 413
    assert r.headers["connection"] == "close"
    assert coded_error(r.content)["extensions"]["code"] == "REQUEST_TOO_LARGE"


async def test_a_body_within_the_limit_still_works(api):
    padding = " " * (512 * 1024)  # JSON whitespace: a big but valid body
    body = b'{"query": "{ products(first: 1) { nodes { handle } } }"' + padding.encode() + b"}"
    r = await api.http.post("/graphql", content=body, headers=JSON)
    assert r.status_code == 200, r.text
    assert "errors" not in r.json() and r.json()["data"]["products"] is not None


APOLLO = (
    "content-type,apollographql-client-name,apollographql-client-version,"
    "apollo-require-preflight,x-apollo-operation-name"
)


@pytest.mark.parametrize(
    "asked",
    [
        APOLLO,
        "content-type,accept,authorization,x-request-id",
        "graphql-client-name,graphql-client-version,x-graphql-client-name",
    ],
)
async def test_cors_preflights_of_well_known_clients_are_allowed(api, asked):
    pre = await api.http.options(
        "/graphql",
        headers={
            "origin": "https://shop.example",
            "access-control-request-method": "POST",
            "access-control-request-headers": asked,
        },
    )
    assert pre.status_code == 200, pre.text
    allowed = pre.headers["access-control-allow-headers"].lower()
    for h in asked.split(","):
        assert h in allowed


async def test_cors_still_refuses_unknown_headers(api):
    pre = await api.http.options(
        "/graphql",
        headers={
            "origin": "https://shop.example",
            "access-control-request-method": "POST",
            "access-control-request-headers": "x-made-up-header",
        },
    )
    assert pre.status_code == 400


async def test_every_answer_carries_the_security_headers(api):
    for r in (
        await api.http.get("/healthz"),
        await api.http.post("/graphql", json={"query": "{ __typename }"}),
        await api.http.post("/graphql", content=b"42", headers=JSON),
        await api.http.get("/nowhere"),
    ):
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["referrer-policy"] == "no-referrer"
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    page = await api.http.get("/graphql", headers={"accept": "text/html"})
    csp = page.headers["content-security-policy"]
    assert "script-src 'self' 'sha256-" in csp and "'unsafe-eval'" not in csp
    assert "frame-ancestors 'none'" in csp and "connect-src 'self'" in csp


async def test_unknown_paths_get_a_coded_json_404(api):
    r = await api.http.get("/nowhere")
    assert r.status_code == 404
    assert coded_error(r.content)["extensions"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("abc-123_X.y:z", True),
        ("a" * 64, True),
        ("a" * 65, False),
        ("has space", False),
        ("caf\u00e9", False),
        ("<script>", False),
        ("x\x01y", False),
    ],
)
async def test_only_plain_caller_request_ids_are_kept(api, sent, kept):
    r = await api.http.post(
        "/graphql",
        content=b"42",
        headers={**JSON, "x-request-id": sent.encode("latin-1")},
    )
    rid = r.headers["x-request-id"]
    assert (rid == sent) is kept
    assert coded_error(r.content)["extensions"]["requestId"] == rid
