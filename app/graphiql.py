"""GraphiQL served from this process: its browser assets come from npm at install time
(`graphiql/`, see scripts/graphiql_assets.py), so /graphql works on a machine that cannot
reach a CDN.

Strawberry's own GraphiQL page is used with its CDN addresses pointed at the local
copies (the integrity hashes still hold: the files are the same bytes), and made
Emporium's: its title and icon, and instead of the library's generic welcome text a
ready example operation, a product listing with a filter and variables. Without the
local copies (an install without npm), the page keeps its CDN addresses.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

from starlette.staticfiles import StaticFiles
from strawberry.http.ides import get_graphql_ide_html

ASSETS = Path(__file__).resolve().parents[1] / "graphiql" / "node_modules"
MOUNT = "/graphiql/assets"
_CDN = re.compile(r"https://unpkg\.com/((?:@[^/@]+/)?[^/@]+)@[^/]+/")


def local_assets() -> bool:
    return (ASSETS / "graphiql" / "graphiql.min.js").is_file()


TITLE = "Emporium GraphiQL"
ICON = "&#x1f6cd;"  # shopping bags
EXAMPLE_QUERY = """\
# Welcome to Emporium's GraphQL API.
#
# Press Ctrl-Enter (or the run button) to list products: the filter and page size
# come from the Variables tab below. Ctrl-Space completes; Docs lists every field.
#
# Catalog reads need no sign-in. Staff sign in, then send the token with every request:
#   1. mutation { staffAccessTokenCreate(input: {email: "you@shop.example", password: "…"}) {
#        staffAccessToken { accessToken refreshToken expiresAt } userErrors { code message } } }
#   2. In the Headers tab below: {"Authorization": "Bearer <accessToken>"}
#   3. { staffMe { email permissions } }
# An access token lasts 15 minutes: staffAccessTokenRenew(refreshToken:) gives the next pair.
# Customers do the same with customerAccessTokenCreate, then ask for { me { email } }.

query Products($first: Int!, $filter: ProductFilterInput, $sortKey: ProductSortKeys!) {
  products(first: $first, filter: $filter, sortKey: $sortKey) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      title
      vendor
      priceRange { minVariantPrice { amount currencyCode } }
      variants(first: 3) { nodes { sku price { amount } selectedOptions { name value } } }
    }
  }
}
"""
EXAMPLE_VARIABLES = {
    "first": 5,
    "sortKey": "PRICE",
    "filter": {"attributes": [{"name": "Material", "value": "Cotton"}], "price": {"max": "150"}},
}
_WELCOME = re.compile(r"const EXAMPLE_QUERY = `.*?`;", re.S)
_VARIABLES = "React.useState(\n          parameters.variables,\n        )"


def _branded(html: str) -> str:
    """Strawberry's page as Emporium's (each replacement checked: a strawberry upgrade that
    changes the page fails the tests instead of quietly showing the generic one)."""
    variables = json.dumps(EXAMPLE_VARIABLES, indent=2)
    # JSON string literals in a <script>: no "<" that could close it
    example = (
        f"const EXAMPLE_QUERY = {_js(EXAMPLE_QUERY)};\n"
        f"      const EXAMPLE_VARIABLES = {_js(variables)};"
    )
    replacements = [
        ("<title>Strawberry GraphiQL</title>", f"<title>{TITLE}</title>"),
        ("&#x1f353;", ICON),
        ("<!-- Strawberry Emoji as a HTML Entity (hex)  -->", ""),
        # the example's variables, unless a shared link brings its own query
        (
            _VARIABLES,
            "React.useState(\n          parameters.variables ||"
            " (parameters.q ? undefined : EXAMPLE_VARIABLES),\n        )",
        ),
    ]
    for old, new in replacements:
        if old not in html:
            raise RuntimeError(f"strawberry's GraphiQL page changed: no {old!r}")
        html = html.replace(old, new)
    html, n = _WELCOME.subn(lambda _: example, html, count=1)
    if n != 1:
        raise RuntimeError("strawberry's GraphiQL page changed: no EXAMPLE_QUERY")
    return html


def _js(text: str) -> str:
    return json.dumps(text).replace("<", "\\u003c")


@cache
def graphiql_html() -> str:
    html = _branded(get_graphql_ide_html(graphql_ide="graphiql"))
    return _CDN.sub(lambda m: f"{MOUNT}/{m.group(1)}/", html) if local_assets() else html


def assets_app() -> StaticFiles | None:
    return StaticFiles(directory=ASSETS) if local_assets() else None
