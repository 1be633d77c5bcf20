"""The cart scenario: a shopper's cart, request by request (create, three adds, a read),
with the variants to add taken from the seeded catalog once, before the load."""

from __future__ import annotations

from pathlib import Path

import httpx

from bench.procs import BenchError

LUA = Path(__file__).with_name("cart.lua")
VARIANTS = (
    "{ products(first: 100) { nodes { variants(first: 3) { nodes { id quantityAvailable } } } } }"
)
# a shopper adds a few of a variant per cart (and carts reserve nothing); stock well above
# that keeps the scenario about the cart, not about sold-out variants (8% of the demo)
MIN_STOCK = 100
CREATE = "mutation { cartCreate { cart { id } userErrors { code } } }"
ADD = """mutation($id: ID!, $v: ID!) { cartLinesAdd(cartId: $id, lines: [{merchandiseId: $v}])
  { cart { totalQuantity } userErrors { code message } } }"""


def write_variants(base_url: str, path: Path) -> Path:
    """Variant ids of the seeded catalog, one per line, for bench/cart.lua."""
    r = httpx.post(f"{base_url}/graphql", json={"query": VARIANTS}, timeout=30)
    ids = [v["id"] for p in r.json()["data"]["products"]["nodes"] for v in p["variants"]["nodes"]]
    if len(ids) < 3:
        raise BenchError(
            f"the seeded catalog has too few variants for the cart scenario: {r.text[:300]}"
        )
    path.write_text("\n".join(ids) + "\n")
    return path


def verify_cart(base_url: str, variants: Path) -> int:
    """One create and one add, checked: a cart id back, the line in it, no errors."""
    first = variants.read_text().split()[0]
    r = httpx.post(f"{base_url}/graphql", json={"query": CREATE}, timeout=30)
    made = r.json()["data"]["cartCreate"]
    if r.status_code != 200 or made["userErrors"] or not made["cart"]:
        raise BenchError(f"cartCreate failed: {r.status_code} {r.text[:300]}")
    r = httpx.post(
        f"{base_url}/graphql",
        json={"query": ADD, "variables": {"id": made["cart"]["id"], "v": first}},
        timeout=30,
    )
    added = r.json().get("data", {}).get("cartLinesAdd") or {}
    if r.status_code != 200 or added.get("userErrors") or not added.get("cart"):
        raise BenchError(f"cartLinesAdd failed: {r.status_code} {r.text[:300]}")
    return len(r.content)
