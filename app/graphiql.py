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


@cache
def graphiql_html() -> str:
    html = get_graphql_ide_html(graphql_ide="graphiql")
    return _CDN.sub(lambda m: f"{MOUNT}/{m.group(1)}/", html) if local_assets() else html


def assets_app() -> StaticFiles | None:
    return StaticFiles(directory=ASSETS) if local_assets() else None
