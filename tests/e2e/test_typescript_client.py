"""Typed clients: graphql-codegen (client preset, the README's scalars) over schema.graphql,
then `tsc --noEmit` on storefront code that uses the types (typecheck/). A schema change that
breaks a typed client fails here."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DIR = ROOT / "typecheck"
SCHEMA = ROOT / "schema.graphql"


def npm() -> str:
    found = shutil.which("npm")
    if found is None:
        pytest.fail("npm is needed for the typed-client check (Debian: apt-get install npm)")
    return found


def run(*args: str, schema: Path = SCHEMA) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "EMPORIUM_SCHEMA": str(schema)}
    return subprocess.run(
        args, cwd=DIR, env=env, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.fixture(scope="module")
def installed() -> None:
    if not (DIR / "node_modules" / ".package-lock.json").is_file():
        r = run(npm(), "ci", "--no-audit", "--no-fund", "--loglevel=error")
        assert r.returncode == 0, r.stdout + r.stderr


def check(schema: Path = SCHEMA) -> tuple[bool, str]:
    """codegen, then tsc: (passed, output)."""
    bin_ = DIR / "node_modules" / ".bin"
    gen = run(str(bin_ / "graphql-codegen"), "--config", "codegen.ts", schema=schema)
    if gen.returncode != 0:
        return False, gen.stdout + gen.stderr
    tsc = run(str(bin_ / "tsc"), "--noEmit", "-p", ".")
    return tsc.returncode == 0, tsc.stdout + tsc.stderr


def broken(tmp_path: Path, old: str, new: str, every: bool = False) -> Path:
    text = SCHEMA.read_text()
    assert old in text, old
    out = tmp_path / "schema.graphql"
    out.write_text(text.replace(old, new, -1 if every else 1))
    return out


def test_typed_clients_compile_and_a_breaking_change_fails(installed, tmp_path):
    # money as a number: the usage code treats amounts as strings, so tsc refuses it
    ok, out = check(broken(tmp_path, "  amount: Decimal!", "  amount: Float!"))
    assert not ok and "TS2322" in out, out
    # a variant that may have no product: `v.product.handle` no longer compiles
    ok, out = check(broken(tmp_path, "  product: Product!\n", "  product: Product\n"))
    assert not ok and "'v.product' is possibly" in out, out
    # a field the documents use is renamed (on every connection, whichever comes first in
    # the file): codegen refuses the documents
    ok, out = check(broken(tmp_path, "  totalCount: Int!\n", "  count: Int!\n", every=True))
    assert not ok and 'Cannot query field "totalCount"' in out, out
    # and the committed schema passes (checked last, so the generated types are its own)
    ok, out = check()
    assert ok, out
