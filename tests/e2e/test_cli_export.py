"""`emporium import` of Shopify's CSV and `emporium export`, as a merchant runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.test_cli import DATA, emporium

pytestmark = pytest.mark.e2e


def test_shopify_csv_imports_with_its_unused_columns_reported_once(services, db):
    r = emporium("import", str(DATA / "shopify_product_template.csv"), env=services.env())
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    notes = [line for line in r.stderr.splitlines() if ": note: " in line]
    assert sum("ignored column(s)" in n for n in notes) == 1
    assert sum("Variant Inventory Qty" in n for n in notes) == 0  # all of it was stocked
    assert "stocked 16 variant(s)" in r.stdout
    assert '"Variant Barcode"' in r.stderr
    assert r.stdout.strip().splitlines()[-1].startswith("imported ")


def test_export_writes_every_product_in_each_format(services, db, tmp_path: Path):
    emporium("import", str(DATA / "shopify_apparel.csv"), env=services.env())
    jsonl = tmp_path / "all.jsonl"
    r = emporium("export", str(jsonl), env=services.env())
    assert r.returncode == 0, r.stderr
    n = int(r.stdout.split()[1])
    lines = jsonl.read_text(encoding="utf-8").splitlines()
    assert len(lines) == n >= 20
    assert {"handle", "variants", "images"} <= set(json.loads(lines[0]))

    shop = tmp_path / "shop.csv"
    s = emporium("export", str(shop), "--format", "shopify", env=services.env())
    assert s.returncode == 0, s.stderr
    assert shop.read_text(encoding="utf-8").startswith("Handle,Title,Body (HTML),Vendor,")

    bad = emporium("export", str(tmp_path / "x.jsonl"), "--format", "shopify", env=services.env())
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert bad.stderr.count("\n") == 1
