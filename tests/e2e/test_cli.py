"""The `emporium` command as a user runs it: clear one-line failures, reports, exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import ROOT

pytestmark = pytest.mark.e2e
DATA = ROOT / "tests" / "fixtures" / "data"


def emporium(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize(
    ("env", "needle"),
    [
        ({"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL"),
        ({"REDIS_URL": "http://nope"}, "REDIS_URL"),
        (
            {"DATABASE_URL": "postgresql://u@h/d", "REDIS_URL": "", "BROKER_URL": ""},
            "REDIS_URL and BROKER_URL",
        ),
    ],
)
def test_bad_configuration_stops_with_one_clear_line(env, needle):
    r = emporium("relay", env=env)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0] and "Traceback" not in r.stderr


@pytest.mark.parametrize("command", ["migrate", "relay", "serve"])
def test_an_unreachable_engine_is_one_clear_line(command):
    env = {
        "DATABASE_URL": "postgresql://u:p@127.0.0.1:1/nowhere",
        "REDIS_URL": "redis://127.0.0.1:1/0",
        "BROKER_URL": "amqp://u:p@127.0.0.1:1/",
    }
    r = emporium(command, env=env)
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip().splitlines() == [
        "emporium: cannot reach PostgreSQL at 127.0.0.1:1/nowhere: "
        + r.stderr.split("nowhere: ", 1)[1].strip()
    ]


def test_import_reports_bad_rows_by_line_and_lands_the_good_ones(services, db):
    env = services.env()
    r = emporium("import", str(DATA / "products_import.csv"), env=env)
    assert r.returncode == 1, r.stderr  # some rows were bad
    assert "products_import.csv:13: duplicate SKU" in r.stderr
    assert "Traceback" not in r.stderr
    summary = r.stdout.strip().splitlines()[-1]
    assert summary.startswith("imported ") and "bad rows skipped" in summary
    q = emporium("import", str(DATA / "products_import.jsonl"), env=env)
    assert "Traceback" not in q.stderr and "imported" in q.stdout


def test_an_unusable_import_file_is_one_line_and_writes_nothing(services, tmp_path: Path):
    bad = tmp_path / "products.xlsx"
    bad.write_text("nope")
    r = emporium("import", str(bad), env=services.env())
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.count("\n") == 1 and "products.xlsx" in r.stderr
    headerless = tmp_path / "p.csv"
    headerless.write_text("handle,title\nx,y\n")
    r = emporium("import", str(headerless), env=services.env())
    assert r.returncode == 2 and "price" in r.stderr and "Traceback" not in r.stderr
    missing = emporium("import", str(tmp_path / "absent.csv"), env=services.env())
    assert missing.returncode == 2 and "no such file" in missing.stderr
