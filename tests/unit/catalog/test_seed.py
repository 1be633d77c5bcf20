"""The demo catalog generator: deterministic, exact, realistic, and valid by the catalog's rules."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from app.domains.catalog.seed import demo_drafts, demo_stock
from app.domains.catalog.service import ProductDraft, validate_draft

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def drafts() -> list[ProductDraft]:
    return list(demo_drafts())


def _digest(products: int, seed: int) -> str:
    return hashlib.sha256(repr(list(demo_drafts(products, seed))).encode()).hexdigest()


def test_same_seed_gives_identical_output() -> None:
    assert _digest(300, 7) == _digest(300, 7)
    assert _digest(300, 7) != _digest(300, 8)


def test_output_does_not_depend_on_hash_randomisation() -> None:
    # set/dict iteration order over str changes with PYTHONHASHSEED: output must not
    code = (
        "import hashlib; from app.domains.catalog.seed import demo_drafts; "
        "print(hashlib.sha256(repr(list(demo_drafts(150, 7))).encode()).hexdigest())"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env={**os.environ, "PYTHONHASHSEED": hashseed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for hashseed in ("1", "2")
    }
    assert outputs == {_digest(150, 7)}


@pytest.mark.parametrize("n", [0, 1, 7, 33, 240])
def test_exact_count(n: int) -> None:
    assert len(list(demo_drafts(n))) == n


def test_a_smaller_catalog_is_a_prefix_of_a_larger_one(drafts: list[ProductDraft]) -> None:
    assert list(demo_drafts(40)) == drafts[:40]


def test_ten_thousand_are_unique() -> None:
    # how fast seeding is belongs to the bench, not to a timed assertion here
    big = list(demo_drafts(10_000))
    assert len(big) == 10_000
    assert len({d.handle for d in big}) == 10_000
    skus = [v.sku for d in big for v in d.variants]
    assert len(set(skus)) == len(skus)


def test_every_draft_passes_the_catalog_rules(drafts: list[ProductDraft]) -> None:
    for d in drafts:
        validate_draft(d)


def test_handles_and_skus_are_unique(drafts: list[ProductDraft]) -> None:
    assert len({d.handle for d in drafts}) == len(drafts)
    skus = [v.sku for d in drafts for v in d.variants]
    assert len(set(skus)) == len(skus)


def test_variants_number_one_to_six_with_distinct_options(drafts: list[ProductDraft]) -> None:
    counts = Counter(len(d.variants) for d in drafts)
    assert set(counts) == {1, 2, 3, 4, 5, 6}
    for d in drafts:
        combos = [v.options for v in d.variants]
        assert len(set(combos)) == len(combos), d.handle
        names = {tuple(n for n, _ in v.options) for v in d.variants}
        assert len(names) == 1, f"{d.handle}: variants disagree on option names {names}"
    option_names = {n for d in drafts for v in d.variants for n, _ in v.options}
    assert {"Color", "Size", "Capacity"} <= option_names


def test_prices_span_two_orders_of_magnitude(drafts: list[ProductDraft]) -> None:
    prices = [v.price for d in drafts for v in d.variants]
    assert max(prices) / min(prices) >= 100
    assert all(p == p.quantize(Decimal("0.01")) and p > 0 for p in prices)
    assert len(set(prices)) >= 40
    on_sale = [v for d in drafts for v in d.variants if v.compare_at_price is not None]
    assert 0.1 * len(prices) < len(on_sale) < 0.5 * len(prices)
    assert all(v.compare_at_price is not None and v.compare_at_price > v.price for v in on_sale)


def test_categories_are_deep_and_varied(drafts: list[ProductDraft]) -> None:
    paths = {d.category_path for d in drafts}
    assert all(len(p) >= 3 for p in paths)
    assert any(len(p) >= 4 for p in paths)
    assert len(paths) >= 28  # ~30 leaves, each used in every round of 30-odd products
    assert len({p[0] for p in paths}) >= 6
    assert ("Apparel", "Men", "Shirts") in paths
    assert ("Outdoor", "Camping", "Tents") in paths


def test_brands_attributes_tags_and_weights(drafts: list[ProductDraft]) -> None:
    assert 20 <= len({d.brand for d in drafts}) <= 30
    attribute_names = {n for d in drafts for n, _ in d.attributes}
    assert "Material" in attribute_names
    assert all(d.attributes and d.tags and d.product_type for d in drafts)
    assert all(0 < v.weight_grams < 50_000 for d in drafts for v in d.variants)


def test_titles_read_naturally(drafts: list[ProductDraft]) -> None:
    titles = [d.title for d in drafts]
    assert len(set(titles)) == len(titles)
    assert all(3 <= len(t.split()) <= 7 and t[0].isupper() for t in titles)


def test_images_are_local_with_alt_text(drafts: list[ProductDraft]) -> None:
    assert {len(d.images) for d in drafts} == {1, 2, 3, 4}
    for d in drafts:
        for n, img in enumerate(d.images, start=1):
            # in the image store, served by /images/ (drawn by seed_demo, so they load)
            assert img.url == f"/images/demo/{d.handle}-{n}.jpg"
            assert (img.width, img.height) == (640, 640)
            assert img.alt.startswith(d.title)


def test_descriptions_are_escaped_html(drafts: list[ProductDraft]) -> None:
    for d in drafts:
        assert d.description_html.startswith("<p>")
        assert not re.search(r"&(?!amp;|lt;|gt;|quot;|#x27;)", d.description_html), d.handle
    assert any("&amp;" in d.description_html for d in drafts)  # "Harbor & Pine" and friends


def test_demo_stock_is_stable_and_sometimes_zero(drafts: list[ProductDraft]) -> None:
    skus = [v.sku for d in drafts for v in d.variants]
    stock = [demo_stock(s) for s in skus]
    assert stock == [demo_stock(s) for s in skus]
    assert all(0 <= n <= 250 for n in stock)
    zero = sum(n == 0 for n in stock) / len(stock)
    assert 0.04 < zero < 0.13
    assert len(set(stock)) > 100
