"""Import parsing: pure functions from text to drafts and row errors, no database."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest

from app.domains.catalog.importer import (
    ImportFileError,
    ParsedProduct,
    ParseStats,
    RowError,
    parse_attributes,
    parse_category,
    parse_csv,
    parse_grams,
    parse_jsonl,
    parse_money,
    parse_tags,
)

HEADER = (
    "handle,title,vendor,category,option1_name,option1_value,option2_name,option2_value,"
    "sku,price,compare_at_price,weight_grams,image_url,image_alt,attributes"
)


def run_csv(body: str, header: str = HEADER) -> tuple[list[ParsedProduct], list[RowError], int]:
    stats = ParseStats()
    items = list(parse_csv(io.StringIO(f"{header}\n{body}", newline=""), stats))
    products = [i for i in items if isinstance(i, ParsedProduct)]
    errors = sorted((i for i in items if isinstance(i, RowError)), key=lambda e: e.line)
    return products, errors, stats.rows


def run_jsonl(text: str) -> tuple[list[ParsedProduct], list[RowError], int]:
    stats = ParseStats()
    items = list(parse_jsonl(io.StringIO(text), stats))
    return (
        [i for i in items if isinstance(i, ParsedProduct)],
        [i for i in items if isinstance(i, RowError)],
        stats.rows,
    )


# ---------------------------------------------------------------- values


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("19.99", "19.99"),
        (" 5 ", "5.00"),
        ("0", "0.00"),
        ("1e2", "100.00"),
        (7, "7.00"),
        (Decimal("49.5"), "49.50"),
    ],
)
def test_parse_money_accepts(raw: object, expected: str) -> None:
    assert str(parse_money(raw)) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("abc", 'bad price "abc"'),
        ("", 'bad price ""'),
        ("NaN", 'bad price "NaN"'),
        ("-1.00", 'negative price "-1.00"'),
        ("1.999", 'price "1.999" has more than two decimals'),
        (True, "bad price true"),
        ([1], "bad price [1]"),
    ],
)
def test_parse_money_rejects(raw: object, reason: str) -> None:
    with pytest.raises(ValueError) as exc:
        parse_money(raw)
    assert str(exc.value) == reason


def test_parse_grams() -> None:
    assert parse_grams("") == 0
    assert parse_grams(None) == 0
    assert parse_grams("250") == 250
    assert parse_grams(" 250.0 ") == 250
    # Shopify writes weights converted from ounces: fractions are kept to the milligram
    assert parse_grams("226.796185") == Decimal("226.796")
    assert parse_grams("2.5") == Decimal("2.5")
    for bad, reason in (
        ("heavy", 'bad weight_grams "heavy"'),
        ("Infinity", 'bad weight_grams "Infinity"'),
        ("-3", 'negative weight_grams "-3"'),
    ):
        with pytest.raises(ValueError, match=reason):
            parse_grams(bad)


def test_parse_attributes_tags_category() -> None:
    assert parse_attributes("Material=Cotton; Fit = Slim;;Material=Elastane") == (
        ("Material", "Cotton"),
        ("Fit", "Slim"),
        ("Material", "Elastane"),
    )
    assert parse_attributes("") == ()
    with pytest.raises(ValueError, match=r'bad attribute "Material" \(expected Name=Value\)'):
        parse_attributes("Fit=Slim;Material")
    assert parse_tags(" summer, linen,,summer ") == ("summer", "linen")
    assert parse_category("Apparel >  Men > Shirts") == ("Apparel", "Men", "Shirts")
    assert parse_category("") == ()


# ---------------------------------------------------------------- CSV


def test_rows_with_one_handle_make_one_product_named_by_its_first_row() -> None:
    products, errors, rows = run_csv(
        "tee,Boxy Tee,Bramble,Apparel > Women > Tops,Color,Red,Size,S,TEE-R-S,19.00,25.00,150,"
        "/static/tee-1.jpg,Red tee,Material=Cotton\n"
        "tee,IGNORED,Other,,,Red,,M,TEE-R-M,19.00,,155,,,\n"
        "tee,,,,,Blue,,S,TEE-B-S,21.50,,150,/static/tee-2.jpg,Blue tee,Fit=Boxy\n"
        "mug,Mug,,,,,,,MUG,8,,,,,\n"
    )
    assert errors == []
    assert rows == 4
    tee, mug = products
    assert tee.lines == (2, 3, 4)
    d = tee.draft
    assert (d.handle, d.title, d.brand) == ("tee", "Boxy Tee", "Bramble")
    assert d.category_path == ("Apparel", "Women", "Tops")
    assert [
        (v.sku, v.price, v.options, v.compare_at_price, v.weight_grams) for v in d.variants
    ] == [
        ("TEE-R-S", Decimal("19.00"), (("Color", "Red"), ("Size", "S")), Decimal("25.00"), 150),
        ("TEE-R-M", Decimal("19.00"), (("Color", "Red"), ("Size", "M")), None, 155),
        ("TEE-B-S", Decimal("21.50"), (("Color", "Blue"), ("Size", "S")), None, 150),
    ]
    assert [(i.url, i.alt) for i in d.images] == [
        ("/static/tee-1.jpg", "Red tee"),
        ("/static/tee-2.jpg", "Blue tee"),
    ]
    assert d.attributes == (("Material", "Cotton"), ("Fit", "Boxy"))
    assert mug.draft.variants[0].options == ()
    assert mug.lines == (5,)


def test_line_numbers_count_physical_lines_of_quoted_multiline_fields() -> None:
    header = "handle,title,description_html,sku,price"
    body = (
        'lamp,Lamp,"<p>One</p>\n<p>Two</p>\n<p>Three</p>",L-1,10.00\n'
        "lamp,,,L-2,oops\n"
        "\n"
        "vase,Vase,,V-1,-2\n"
    )
    products, errors, rows = run_csv(body, header)
    assert errors == [RowError(5, 'bad price "oops"'), RowError(7, 'negative price "-2"')]
    assert products[0].draft.description_html == "<p>One</p>\n<p>Two</p>\n<p>Three</p>"
    assert rows == 3  # the blank line is not a row


def test_bad_rows_are_reported_and_the_good_variants_still_land() -> None:
    products, errors, _ = run_csv(
        "tee,Tee,,,Size,S,,,T-S,10.00,,,,,\n"
        "tee,,,,,M,,,T-M,10.00,9.00,,,,\n"  # compare below price: a catalog rule
        "tee,,,,,L,,,T-L,10.00,,,,,Fit\n"  # bad attribute
        "tee,,,,,S,,,T-S2,10.00,,,,,\n"  # same options as line 2
        "tee,,,,,,,,T-XL,10.00,,,,,\n"  # the product has a Size option: a value is needed
        "tee,,,,,XL,Color,,T-XL2,10.00,,,,,\n"  # an option the first row does not name
        "tee,,,,,XS,,Red,T-XS,10.00,,,,,\n"  # a value without a name
    )
    assert [v.sku for v in products[0].draft.variants] == ["T-S"]
    assert products[0].lines == (2,)
    assert errors == [
        RowError(3, "compareAtPrice must not be below price"),
        RowError(4, 'bad attribute "Fit" (expected Name=Value)'),
        RowError(5, "same options as line 2 (Size=S)"),
        RowError(6, 'missing option1_value for "Size"'),
        RowError(7, 'option2_name "Color" differs from the product\'s first row'),
        RowError(8, 'option2_value "Red" has no option2_name'),
    ]


def test_a_product_with_no_good_row_is_skipped_with_every_row_reported() -> None:
    products, errors, _ = run_csv(
        "lamp,Lamp,,,,,,,L-1,,,,,,\n"
        "lamp,,,,,,,,,,,,/static/lamp.jpg,Lamp,\n"  # image-only row: no variant of its own
        "lamp,,,,,,,,L-2,1.234,,,,,\n"
    )
    assert products == []
    assert errors == [
        RowError(2, "missing price"),
        RowError(3, "a product needs at least one variant"),
        RowError(4, 'price "1.234" has more than two decimals'),
    ]


def test_product_level_rules_report_every_row_of_the_product() -> None:
    products, errors, _ = run_csv(
        "Not A Handle,Thing,,,Size,S,,,N-1,1.00,,,,,\nNot A Handle,,,,,M,,,N-2,2.00,,,,,\n"
        "untitled,,,,,,,,U-1,1.00,,,,,\n"
    )
    assert products == []
    reason = "handle 'Not A Handle' must be lowercase letters, digits and single dashes"
    assert errors == [
        RowError(2, reason),
        RowError(3, reason),
        RowError(4, "title cannot be empty"),
    ]


def test_skus_are_unique_across_the_file_and_handles_must_be_adjacent() -> None:
    products, errors, _ = run_csv(
        "a,A,,,,,,,SKU-1,1.00,,,,,\n"
        "b,B,,,Size,S,,,SKU-1,1.00,,,,,\n"
        "b,,,,,M,,,SKU-2,1.00,,,,,\n"
        "a,A again,,,,,,,SKU-3,1.00,,,,,\n"
    )
    assert [p.draft.handle for p in products] == ["a", "b"]
    assert [v.sku for v in products[1].draft.variants] == ["SKU-2"]
    assert products[1].draft.title == "B"  # lent by its bad first row
    assert errors == [
        RowError(3, 'duplicate SKU "SKU-1" (first on line 2)'),
        RowError(5, 'handle "a" was already used on line 2: a product\'s rows must be adjacent'),
    ]


def test_malformed_rows() -> None:
    products, errors, rows = run_csv(
        ",Orphan,,,,,,,O-1,1.00,,,,,\n"
        "short,Short\n"
        "long,Long,,,,,,,L-1,1.00,,,,,,surplus\n"
        "trailing,Trailing commas are fine,,,,,,,T-1,1.00,,,,,,,\n"
        "nobody,Nobody,,,,,,,,3.00,,,,,\n"  # no SKU: allowed, keyed by its options
        "bytes,Bytes \udcff,,,,,,,B-1,1.00,,,,,\n"
    )
    assert [p.draft.handle for p in products] == ["trailing", "nobody"]
    assert products[1].draft.variants[0].sku is None
    assert errors == [
        RowError(2, "missing handle"),
        RowError(3, "missing column(s) sku, price"),
        RowError(4, "row has 16 fields but the header has 15"),
        RowError(7, "not valid UTF-8 text"),
    ]
    assert rows == 6


def test_shopify_default_title_means_no_options_and_headers_are_forgiving() -> None:
    products, errors, _ = run_csv(
        "mug,Mug,Title,Default Title,MUG-1,12.00\n",
        header="Handle, Title ,Option1 Name,Option1 Value,SKU,Price",
    )
    assert errors == []
    assert products[0].draft.variants[0].options == ()


def test_missing_required_columns_is_one_error_before_anything_is_parsed() -> None:
    with pytest.raises(ImportFileError) as exc:
        run_csv("tee,Tee,10.00\n", header="handle,title,cost")
    assert exc.value.message == (
        "the CSV header lacks required column(s) price: nothing was imported"
    )
    with pytest.raises(ImportFileError, match="empty"):
        list(parse_csv(io.StringIO("")))


# ---------------------------------------------------------------- JSON Lines

GOOD = (
    '{"handle": "tent", "title": "Trail Tent", "vendor": "Trailcraft", "tags": ["camp"], '
    '"category": ["Outdoor", "Camping", "Tents"], "description_html": "<p>Hi</p>", '
    '"variants": [{"sku": "T-2", "price": "249.00", "compare_at_price": 299, '
    '"options": {"Capacity": "2-Person", "Color": "Green"}, "weight_grams": 1200}, '
    '{"sku": "T-3", "price": 299.1, "options": {"Capacity": "3-Person", "Color": "Green"}}], '
    '"images": [{"url": "/static/tent.jpg", "alt": "Tent"}], '
    '"attributes": {"Material": ["Nylon", "Dyneema"], "Season": "3-Season"}}'
)


def test_jsonl_line_becomes_a_draft() -> None:
    products, errors, rows = run_jsonl(GOOD + "\n")
    assert errors == [] and rows == 1
    d = products[0].draft
    assert products[0].lines == (1,)
    assert (d.handle, d.title, d.brand, d.tags) == ("tent", "Trail Tent", "Trailcraft", ("camp",))
    assert d.category_path == ("Outdoor", "Camping", "Tents")
    assert [
        (v.sku, v.price, v.compare_at_price, v.options, v.weight_grams) for v in d.variants
    ] == [
        (
            "T-2",
            Decimal("249.00"),
            Decimal("299.00"),
            (("Capacity", "2-Person"), ("Color", "Green")),
            1200,
        ),
        ("T-3", Decimal("299.10"), None, (("Capacity", "3-Person"), ("Color", "Green")), 0),
    ]
    assert d.attributes == (("Material", "Nylon"), ("Material", "Dyneema"), ("Season", "3-Season"))
    assert [(i.url, i.alt) for i in d.images] == [("/static/tent.jpg", "Tent")]


def test_jsonl_bad_lines_are_reported_with_their_line_and_skipped() -> None:
    lines = [
        GOOD,
        "",
        '{"handle": "broken",',
        "[1, 2]",
        '{"handle": "p", "title": "P", "variants": [{"sku": "P-1", "price": "abc"}]}',
        '{"handle": "tent", "title": "Again", "variants": [{"sku": "X-1", "price": "1.00"}]}',
        '{"handle": "pad", "title": "Pad", "variants": [{"sku": "T-3", "price": "1.00"}]}',
        '{"handle": "nt", "variants": [{"sku": "NT", "price": "1.00"}]}',
        '{"handle": "s", "title": "S", "variants": [{"sku": "S", "price": "2", '
        '"compare_at_price": "1"}]}',
        '{"handle": "nv", "title": "No variants"}',
        '{"handle": "two", "title": "Two", "variants": [{"sku": "A", "price": 1}, '
        '{"sku": "B", "price": 1}]}',
        '{"handle": "tg", "title": "Tags", "tags": "a,b", "variants": [{"sku": "TG", "price": 1}]}',
        '{"handle": "ok", "title": "Fine", "variants": [{"sku": "OK-1", "price": 5}]}',
    ]
    products, errors, rows = run_jsonl("\n".join(lines) + "\n")
    assert [p.draft.handle for p in products] == ["tent", "tg", "ok"]
    assert products[2].lines == (13,)
    assert products[1].draft.tags == ("a,b",)  # a string is one tag, not a list to split
    assert errors == [
        RowError(3, "bad JSON: Expecting property name enclosed in double quotes (column 21)"),
        RowError(4, "expected a JSON object"),
        RowError(5, 'variants[0]: bad price "abc"'),
        RowError(6, 'handle "tent" was already used on line 1'),
        RowError(7, 'duplicate SKU "T-3" (first on line 1)'),
        RowError(8, 'missing "title"'),
        RowError(9, "variants[0].compareAtPrice: compareAtPrice must not be below price"),
        RowError(10, '"variants" must be a non-empty list'),
        RowError(11, "variants[1] has the same options as variants[0]"),
    ]
    assert rows == 12


def test_jsonl_rejected_line_does_not_reserve_its_handle_or_skus() -> None:
    bad = '{"handle": "a", "title": "A", "variants": [{"sku": "A-1", "price": "-1"}]}'
    good = '{"handle": "a", "title": "A", "variants": [{"sku": "A-1", "price": "1"}]}'
    products, errors, _ = run_jsonl(f"{bad}\n{good}\n")
    assert errors == [RowError(1, 'variants[0]: negative price "-1"')]
    assert products[0].lines == (2,)


# ---------------------------------------------------------------- what a file names


def test_a_csv_names_only_the_fields_it_has_columns_for() -> None:
    products, errors, _ = run_csv("tee,Tee,T-1,10.00\n", header="handle,title,sku,price")
    assert errors == []
    d = products[0].draft
    assert d.given == frozenset()  # title and the variants only
    assert d.variants[0].given == frozenset()
    products, _, _ = run_csv("tee,Tee,,,,,,,T-1,10.00,,,,,\n")
    d = products[0].draft
    assert d.given == {"brand", "category", "images", "attributes"}
    assert d.variants[0].given == {"options", "compare_at_price", "weight_grams"}
    # named but empty: cleared, as None (never "")
    assert (d.brand, d.category_path, d.images, d.attributes) == (None, (), (), ())


def test_jsonl_names_only_the_keys_it_has() -> None:
    products, errors, _ = run_jsonl(
        '{"handle": "a", "title": "A", "vendor": null, "tags": [], '
        '"variants": [{"sku": "A-1", "price": 1, "compare_at_price": null}, {"price": 2, '
        '"options": {"Size": "L"}}]}\n'
    )
    assert errors == []
    d = products[0].draft
    assert d.given == {"brand", "tags"}
    assert [v.given for v in d.variants] == [{"compare_at_price"}, {"options"}]
    assert [v.sku for v in d.variants] == ["A-1", None]  # a SKU is optional


SHOPIFY_HEADER = (
    "Handle,Title,Body (HTML),Vendor,Product Category,Type,Tags,Published,Option1 Name,"
    "Option1 Value,Variant SKU,Variant Grams,Variant Inventory Qty,Variant Price,"
    "Variant Compare At Price,Variant Barcode,Image Src,Image Position,Image Alt Text,"
    "SEO Title,Status"
)


def test_shopify_header_is_recognised_and_unused_columns_reported_once() -> None:
    stats = ParseStats()
    body = (
        'cup,Cup,<p>Hi</p>,Acme,Home > Kitchen,Cup,"a, b",TRUE,Size,S,,12.5,4,10,8,123,'
        "https://x.test/2.jpg,2,Back,Cup!,active\n"
        "cup,,,,,,,,,M,CUP-M,12.5,,11,,,https://x.test/1.jpg,1,Front,,\n"
        "cup,,,,,,,,,,,,,,,,https://x.test/3.jpg,3,,,\n"
    )
    items = list(parse_csv(io.StringIO(f"{SHOPIFY_HEADER}\n{body}", newline=""), stats))
    assert [i for i in items if isinstance(i, RowError)] == []
    (cup,) = [i for i in items if isinstance(i, ParsedProduct)]
    d = cup.draft
    assert (d.title, d.brand, d.product_type, d.status) == ("Cup", "Acme", "Cup", "ACTIVE")
    assert (d.category_path, d.tags) == (("Home", "Kitchen"), ("a", "b"))
    assert [(v.sku, v.price, v.compare_at_price, v.weight_grams) for v in d.variants] == [
        (None, Decimal("10.00"), None, Decimal("12.5")),
        ("CUP-M", Decimal("11.00"), None, Decimal("12.5")),
    ]
    # ordered by Image Position; the image-only row belongs to the product above
    assert [(i.url[-5:], i.alt) for i in d.images] == [
        ("1.jpg", "Front"),
        ("2.jpg", "Back"),
        ("3.jpg", None),
    ]
    assert stats.notices == [
        'ignored column(s), not used by Emporium: "Variant Barcode", "SEO Title"',
        "line 2: Variant Compare At Price 8 is not above the price 10, so the variant is "
        "stored without one (not on sale)",
        '"Variant Inventory Qty" ignored on 1 row(s): stock is taken from rows with a '
        "Variant SKU and a whole, non-negative quantity",
    ]
    assert stats.stock == {}  # the one quantity is on the row without a SKU


def test_shopify_published_stands_in_for_a_missing_status() -> None:
    header = "Handle,Title,Published,Variant SKU,Variant Price"
    products, errors, _ = run_csv("a,A,FALSE,A-1,1\nb,B,true,B-1,1\n", header=header)
    assert errors == []
    assert [p.draft.status for p in products] == ["DRAFT", "ACTIVE"]
    assert all("status" in (p.draft.given or ()) for p in products)


def test_native_csv_reports_unknown_columns_too() -> None:
    stats = ParseStats()
    text = "handle,title,sku,price,colour\ntee,Tee,T-1,1.00,red\n"
    list(parse_csv(io.StringIO(text, newline=""), stats))
    assert stats.notices == ['ignored column(s), not used by Emporium: "colour"']
