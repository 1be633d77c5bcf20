"""Persisted queries with Apollo Client itself (its persisted-queries link, from npm) driving
the server: hash miss, register, hit, hashed GETs; caching headers and 304s for public
persisted GETs; the allowlist mode fed by `emporium persisted-queries load`."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import shutil
import subprocess
import sys
import uuid

import httpx
import pytest

from tests.e2e.conftest import ROOT, serve
from tests.fixtures.catalog_data import load_small_catalog

pytestmark = pytest.mark.e2e

DIR = ROOT / "tests" / "e2e" / "apollo"
LISTING = "query Listing { products(first: 2) { nodes { handle } } }"


@pytest.fixture(scope="module")
async def loaded(db):
    await load_small_catalog(db)


@pytest.fixture(scope="module")
def apollo() -> str:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.fail("node and npm are needed for the Apollo Client check (apt-get install npm)")
    if not (DIR / "node_modules" / ".package-lock.json").is_file():
        r = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=DIR,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert r.returncode == 0, r.stdout + r.stderr
    return node


def env_for(services, **extra: str) -> dict[str, str]:
    return {
        **services.env(),
        "LOG_LEVEL": "WARNING",
        "QUEUE_PREFIX": f"{services.queue_prefix}pq{uuid.uuid4().hex[:6]}-",
        "RESPONSE_CACHE_TTL": "60",
        **extra,
    }


def persisted_get(url: str, query: str, headers: dict | None = None) -> httpx.Response:
    """What Apollo's link sends for a hashed GET (httpx's `accept: */*` is a browser's too:
    still an operation, never the GraphiQL page)."""
    ext = {
        "persistedQuery": {"version": 1, "sha256Hash": hashlib.sha256(query.encode()).hexdigest()}
    }
    return httpx.get(
        f"{url}/graphql", params={"extensions": json.dumps(ext)}, headers=headers or {}, timeout=30
    )


async def test_apollo_client_misses_registers_and_hits(services, loaded, apollo, tmp_path):
    with serve([], env_for(services), tmp_path / "serve.log") as server:
        r = await asyncio.to_thread(
            subprocess.run,
            [apollo, "apq.mjs", f"{server.url}/graphql"],
            cwd=DIR,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert r.returncode == 0, r.stdout + r.stderr + server.output()[-2000:]
        first, second = json.loads(r.stdout)
        # the hash alone over GET: not known yet, so Apollo retries with the full query
        assert [(q["method"], q["withQuery"], q["status"]) for q in first["requests"]] == [
            ("GET", False, 200),
            ("POST", True, 200),
        ]
        # known now, by every client: the hash alone over GET answers
        assert [(q["method"], q["withQuery"], q["status"]) for q in second["requests"]] == [
            ("GET", False, 200)
        ]
        assert first["handles"] == second["handles"] and len(first["handles"]) == 3


async def test_public_persisted_gets_carry_cache_headers_and_answer_304(services, loaded, tmp_path):
    with serve([], env_for(services), tmp_path / "serve.log") as server:
        miss = await asyncio.to_thread(persisted_get, server.url, LISTING)
        body = miss.json()
        assert body["errors"][0]["message"] == "PersistedQueryNotFound"
        assert body["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
        # register with the full query (what Apollo does after a miss), over POST
        digest = hashlib.sha256(LISTING.encode()).hexdigest()
        ext = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
        r = httpx.post(f"{server.url}/graphql", json={"query": LISTING, "extensions": ext})
        assert r.status_code == 200 and r.json()["data"]["products"], r.text
        # a wrong hash for a query is refused, not stored
        bad = {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}
        r = httpx.post(f"{server.url}/graphql", json={"query": LISTING, "extensions": bad})
        assert r.status_code == 400
        assert r.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_HASH_MISMATCH"

        hit = await asyncio.to_thread(persisted_get, server.url, LISTING)
        assert hit.status_code == 200 and hit.json()["data"]["products"]["nodes"]
        assert hit.headers["cache-control"] == "public, max-age=30"
        etag = hit.headers["etag"]
        again = await asyncio.to_thread(persisted_get, server.url, LISTING, {"if-none-match": etag})
        assert again.status_code == 304 and again.content == b""
        assert again.headers["etag"] == etag
        other = await asyncio.to_thread(
            persisted_get, server.url, LISTING, {"if-none-match": 'W/"other"'}
        )
        assert other.status_code == 200 and other.headers["etag"] == etag
        # a signed-in (or claiming to be) request is nobody's to cache
        personal = await asyncio.to_thread(
            persisted_get, server.url, LISTING, {"authorization": "Bearer not-a-token"}
        )
        assert personal.status_code == 401 and "cache-control" not in personal.headers


async def test_allowlist_mode_runs_only_the_loaded_manifest(services, loaded, tmp_path):
    listed = "query Listed { products(first: 1) { nodes { handle } } }"
    digest = hashlib.sha256(listed.encode()).hexdigest()
    manifest = tmp_path / "persisted-query-manifest.json"
    manifest.write_text(
        json.dumps(
            {
                "format": "apollo-persisted-query-manifest",
                "version": 1,
                "operations": [{"id": digest, "name": "Listed", "type": "query", "body": listed}],
            }
        )
    )
    env = env_for(services, PERSISTED_QUERIES_ONLY="true")
    load = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "app.cli", "persisted-queries", "load", str(manifest)],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert load.returncode == 0 and "loaded 1 persisted operations" in load.stdout, load.stderr
    with serve([], env, tmp_path / "serve.log") as server:
        r = await asyncio.to_thread(persisted_get, server.url, listed)
        assert r.status_code == 200 and r.json()["data"]["products"]["nodes"], r.text
        # the listed text itself runs too; anything else is refused, and nothing registers
        r = httpx.post(f"{server.url}/graphql", json={"query": listed})
        assert r.status_code == 200 and r.json()["data"], r.text
        for request in (
            {"query": LISTING},
            {
                "query": LISTING,
                "extensions": {
                    "persistedQuery": {
                        "version": 1,
                        "sha256Hash": hashlib.sha256(LISTING.encode()).hexdigest(),
                    }
                },
            },
        ):
            r = httpx.post(f"{server.url}/graphql", json=request)
            assert r.status_code == 400, r.text
            assert r.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_ALLOWED"
