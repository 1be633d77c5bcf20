"""GraphiQL served from this process: its browser assets come from npm at install time
(`graphiql/`, see the Makefile), so /graphql works on a machine that cannot reach a CDN.

Strawberry's own GraphiQL page is used as it is, with its CDN addresses pointed at the
local copies; the integrity hashes still hold because the files are the same bytes.
Without the local copies (an install without npm), the page keeps its CDN addresses.
"""

from __future__ import annotations

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


# What the editor shows first: how a merchant signs in (the token goes in the headers pane)
WELCOME = """# Emporium GraphiQL: Ctrl-Enter runs the operation, Ctrl-Space completes.
#
# Catalog reads need no sign-in. Staff sign in, then send the token with every request:
#   1. mutation { staffAccessTokenCreate(input: {email: "you@shop.example", password: "…"}) {
#        staffAccessToken { accessToken refreshToken expiresAt } userErrors { code message } } }
#   2. In the Headers pane below: {"Authorization": "Bearer <accessToken>"}
#   3. { staffMe { email permissions } }
# An access token lasts 15 minutes: staffAccessTokenRenew(refreshToken:) gives the next pair.
# Customers do the same with customerAccessTokenCreate, then ask for { me { email } }.

{
  products(first: 5) {
    nodes { title handle }
  }
}
"""
_EXAMPLE = re.compile(r"const EXAMPLE_QUERY = `.*?`;", re.S)


@cache
def graphiql_html() -> str:
    html = get_graphql_ide_html(graphql_ide="graphiql")
    # a function replacement: the text is inserted as it is (no backslash escapes)
    html = _EXAMPLE.sub(lambda _: f"const EXAMPLE_QUERY = `{WELCOME}`;", html, count=1)
    return _CDN.sub(lambda m: f"{MOUNT}/{m.group(1)}/", html) if local_assets() else html


def assets_app() -> StaticFiles | None:
    return StaticFiles(directory=ASSETS) if local_assets() else None
