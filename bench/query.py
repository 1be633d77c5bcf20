"""The catalog scenario: a storefront's product listing page, and a check that it works."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from urllib.parse import urlencode

import httpx

from bench.procs import BenchError

PAGE_SIZE = 24

PRODUCTS_QUERY = """
query ProductListing {
  products(first: 24) {
    nodes {
      id
      title
      handle
      vendor
      priceRange { minVariantPrice { amount currencyCode } }
      featuredImage { url altText }
      category { id title }
      variants(first: 10) {
        nodes {
          id
          sku
          title
          price { amount currencyCode }
          compareAtPrice { amount }
          selectedOptions { name value }
        }
      }
    }
  }
}
""".strip()


# A storefront's product page: everything about one product, found by its handle.
PRODUCT_QUERY = """
query ProductPage($handle: String!) {
  product(handle: $handle) {
    id
    title
    handle
    descriptionHtml
    vendor
    productType
    tags
    priceRange { minVariantPrice { amount currencyCode } maxVariantPrice { amount currencyCode } }
    compareAtPriceRange { maxVariantPrice { amount currencyCode } }
    options { name values }
    featuredImage { url(transform: {maxWidth: 800}) altText width height }
    images(first: 10) { nodes { id url(transform: {maxWidth: 200}) altText } }
    category { id title handle parent { id title handle } }
    brand { name handle }
    attributes { name value }
    variants(first: 50) {
      nodes {
        id
        sku
        title
        price { amount currencyCode }
        compareAtPrice { amount currencyCode }
        selectedOptions { name value }
      }
    }
  }
}
""".strip()


def write_product_body(path: Path, base_url: str) -> Path:
    """The product page's POST body, for the first product of the listing."""
    r = httpx.post(f"{base_url}/graphql", json={"query": "{ products(first: 1) { nodes { handle } } }"},
                   timeout=30)  # fmt: skip
    handle = r.json()["data"]["products"]["nodes"][0]["handle"]
    body = {"query": PRODUCT_QUERY, "operationName": "ProductPage", "variables": {"handle": handle}}
    path.write_text(json.dumps(body))
    return path


def verify_product(base_url: str, body: Path) -> int:
    r = httpx.post(f"{base_url}/graphql", content=body.read_bytes(),
                   headers={"Content-Type": "application/json"}, timeout=30)  # fmt: skip
    data = r.json() if r.status_code == 200 else {}
    if data.get("errors") or not (data.get("data") or {}).get("product"):
        raise BenchError(f"product page: HTTP {r.status_code}: {r.text[:500]}")
    return len(r.content)


def executions(base_url: str, operation: str) -> dict[str, float]:
    """What one worker's /metrics says about how `operation` ran (planned, fallback)."""
    out: dict[str, float] = {}
    text = httpx.get(f"{base_url}/metrics", timeout=10).text
    for line in text.splitlines():
        if (
            line.startswith("emporium_graphql_executions_total{")
            and f'operation="{operation}"' in line
        ):
            mode = line.split('mode="', 1)[1].split('"', 1)[0]
            out[mode] = float(line.rsplit(" ", 1)[1])
    return out


def write_body(path: Path) -> Path:
    """The POST body wrk sends, as a file (bench/wrk.lua reads it)."""
    path.write_text(json.dumps({"query": PRODUCTS_QUERY, "operationName": "ProductListing"}))
    return path


def verify_catalog(base_url: str, body: Path) -> int:
    """POST the query once; fail unless it returns 24 products and no errors. Returns the size."""
    r = httpx.post(
        f"{base_url}/graphql",
        content=body.read_bytes(),
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    if r.status_code != 200:
        raise BenchError(f"catalog query: HTTP {r.status_code}: {r.text[:1000]}")
    data = r.json()
    if data.get("errors"):
        raise BenchError(f"catalog query returned errors: {json.dumps(data['errors'])[:1000]}")
    nodes = ((data.get("data") or {}).get("products") or {}).get("nodes") or []
    if len(nodes) != PAGE_SIZE:
        raise BenchError(f"catalog query returned {len(nodes)} products, expected {PAGE_SIZE}")
    missing = [k for k in ("featuredImage", "category") if nodes[0].get(k) is None]
    if missing or not nodes[0]["variants"]["nodes"]:
        print(
            f"warning: first product lacks {missing or 'variants'}; the load is lighter", flush=True
        )
    return len(r.content)


def verify_hello(base_url: str) -> int:
    r = httpx.get(f"{base_url}/", timeout=10)
    if r.status_code != 200 or r.json() != {"hello": "world"}:
        raise BenchError(f"hello: HTTP {r.status_code}: {r.text[:200]}")
    return len(r.content)


def verify_inmemory(base_url: str, body: Path) -> int:
    """The in-memory ceiling answers the same query with 24 products and no errors."""
    r = httpx.post(f"{base_url}/graphql", content=body.read_bytes(),
                   headers={"content-type": "application/json"}, timeout=30)  # fmt: skip
    data = r.json() if r.status_code == 200 else {}
    nodes = (data.get("data") or {}).get("products", {}).get("nodes", [])
    if data.get("errors") or len(nodes) != PAGE_SIZE:
        raise BenchError(f"in-memory: HTTP {r.status_code}: {r.text[:300]}")
    return len(r.content)


def persisted_path() -> str:
    """The listing as a persisted GET (Apollo's APQ: the hash, no query), what a CDN or a
    browser sends once the query is known."""
    digest = hashlib.sha256(PRODUCTS_QUERY.encode()).hexdigest()
    ext = json.dumps(
        {"persistedQuery": {"version": 1, "sha256Hash": digest}}, separators=(",", ":")
    )
    return "/graphql?" + urlencode({"operationName": "ProductListing", "extensions": ext})


def verify_cached(base_url: str) -> int:
    """Register the listing's hash (the APQ round trip), then GET it twice: the second answer
    must come from the response cache, with 24 products. Returns the size."""
    digest = hashlib.sha256(PRODUCTS_QUERY.encode()).hexdigest()
    url = base_url + persisted_path()
    r = httpx.get(url, timeout=30)
    if r.status_code != 200 or "PERSISTED_QUERY_NOT_FOUND" not in r.text:
        raise BenchError(f"catalog-cached: an unknown hash: HTTP {r.status_code}: {r.text[:300]}")
    ext = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    r = httpx.post(
        f"{base_url}/graphql",
        json={"query": PRODUCTS_QUERY, "operationName": "ProductListing", "extensions": ext},
        timeout=30,
    )
    if r.status_code != 200 or r.json().get("errors"):
        raise BenchError(f"catalog-cached: registering: HTTP {r.status_code}: {r.text[:300]}")
    r = httpx.get(url, timeout=30)
    nodes = ((r.json().get("data") or {}).get("products") or {}).get("nodes") or []
    if r.status_code != 200 or r.headers.get("x-cache") != "HIT" or len(nodes) != PAGE_SIZE:
        raise BenchError(
            f"catalog-cached: HTTP {r.status_code}, x-cache {r.headers.get('x-cache')}, "
            f"{len(nodes)} products: {r.text[:300]}"
        )
    return len(r.content)
