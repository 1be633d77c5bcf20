"""GraphiQL's browser files, from npm: only the seven files the page loads.

`npm ci` of graphiql/ would install 117 packages (63 MB) to use seven prebuilt files, so
this fetches just the five packages' tarballs with `npm pack`, checks each against the
integrity hash pinned in graphiql/package-lock.json, and unpacks the seven files into
graphiql/node_modules/<package>/..., where app/graphiql.py serves them from.

    python3 scripts/graphiql_assets.py      (what `make run`/`make test` do when npm is there)
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

DIR = Path(__file__).resolve().parents[1] / "graphiql"
OUT = DIR / "node_modules"
STAMP = OUT / ".assets"
# what strawberry's GraphiQL page loads (app/graphiql.py points its CDN addresses here)
FILES = {
    "react": ["umd/react.production.min.js"],
    "react-dom": ["umd/react-dom.production.min.js"],
    "js-cookie": ["dist/js.cookie.min.js"],
    "graphiql": ["graphiql.min.js", "graphiql.min.css"],
    "@graphiql/plugin-explorer": ["dist/index.umd.js", "dist/style.css"],
}


def pinned() -> dict[str, tuple[str, str]]:
    """name -> (version, integrity) from the lock file, for each package of FILES."""
    lock = json.loads((DIR / "package-lock.json").read_text())["packages"]
    wanted = json.loads((DIR / "package.json").read_text())["dependencies"]
    pins = {}
    for name in FILES:
        entry = lock[f"node_modules/{name}"]
        if entry["version"] != wanted[name]:
            sys.exit(
                f"graphiql/package-lock.json has {name} {entry['version']}, not {wanted[name]}"
            )
        pins[name] = (entry["version"], entry["integrity"])
    return pins


def sri(path: Path) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()


def main() -> int:
    pins = pinned()
    with tempfile.TemporaryDirectory() as tmp:
        specs = [f"{name}@{version}" for name, (version, _) in pins.items()]
        done = subprocess.run(
            ["npm", "pack", "--json", "--loglevel=error", "--pack-destination", tmp, *specs],
            cwd=tmp,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            sys.exit(f"npm pack failed:\n{(done.stderr or done.stdout).strip()[-2000:]}")
        packed = {p["name"]: Path(tmp) / p["filename"] for p in json.loads(done.stdout)}
        staging = Path(tmp) / "node_modules"
        for name, (version, integrity) in pins.items():
            tarball = packed[name]
            if sri(tarball) != integrity:
                sys.exit(f"{name}@{version}: tarball does not match the lock file's integrity")
            with tarfile.open(tarball) as tar:
                for rel in FILES[name]:
                    member = tar.extractfile(f"package/{rel}")
                    if member is None:
                        sys.exit(f"{name}@{version} has no {rel}")
                    target = staging / name / rel
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(member.read())
        (staging / ".assets").write_text("\n".join(specs) + "\n")
        shutil.rmtree(OUT, ignore_errors=True)
        shutil.move(staging, OUT)
    print(f"graphiql: {sum(map(len, FILES.values()))} files from {', '.join(specs)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
