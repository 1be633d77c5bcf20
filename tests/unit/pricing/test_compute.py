"""The pricing arithmetic against cases computed by hand (the working is in each comment)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest

from app.domains import pricing
from app.domains.pricing import (
    DiscountCode,
    PricingLine,
    PricingRequest,
    PricingRules,
    ShippingMethod,
    ShippingZone,
    TaxRate,
    WeightRate,
    compute,
)

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def code(id: int, text: str, kind: str = "PERCENTAGE", value: str = "10", **kw) -> DiscountCode:
    fields = dict(
        currency=None,
        minimum_subtotal=None,
        starts_at=None,
        ends_at=None,
        usage_limit=None,
        usage_limit_per_customer=None,
        used_count=0,
    )
    fields.update(kw)
    return DiscountCode(id=id, code=text, kind=kind, value=D(value), **fields)  # type: ignore[arg-type]


def line(key: str, price: str, qty: int, *, product: int = 1, cats=(), grams=None) -> PricingLine:
    return PricingLine(key, 100 + product, product, tuple(cats), qty, D(price), None, grams)


def rules(*codes: DiscountCode, include=False, zones=(), rates=(), uses=None) -> PricingRules:
    return PricingRules(
        prices_include_tax=include,
        now=NOW,
        codes={c.code.lower(): c for c in codes},
        customer_uses=uses or {},
        zones=zones,
        tax_rates=rates,
    )


def flat(id: int, name: str, currency: str, rate: str, free_over=None, zone=1) -> ShippingMethod:
    return ShippingMethod(id, zone, name, currency, "FLAT", D(rate), (), free_over and D(free_over))


def test_usd_percentage_code_exclusive_tax_with_province_rate_and_shipping():
    r = rules(
        code(1, "SAVE10"),
        rates=[TaxRate("US", "", D("0")), TaxRate("US", "NY", D("0.08875"))],
        zones=[ShippingZone(1, "US", ("US",), (flat(7, "Standard", "USD", "7.50"),))],
    )
    req = PricingRequest(
        "USD",
        [line("a", "19.99", 3), line("b", "5.00", 1, product=2)],
        ["save10"],
        country="US",
        province="ny",
        delivery_option="7",
    )
    res = compute(r, req)
    # a: 59.97, 10 % = 5.997 → 6.00, left 53.97, tax 53.97 × 0.08875 = 4.7898… → 4.79
    # b: 5.00, 0.50 off, left 4.50, tax 0.399375 → 0.40
    # shipping 7.50, tax 0.665625 → 0.67
    assert [(p.subtotal, p.discount, p.tax, p.total) for p in res.lines] == [
        (D("59.97"), D("6.00"), D("4.79"), D("58.76")),
        (D("5.00"), D("0.50"), D("0.40"), D("4.90")),
    ]
    assert (res.subtotal, res.total_discount, res.shipping, res.shipping_tax) == (
        D("64.97"),
        D("6.50"),
        D("7.50"),
        D("0.67"),
    )
    assert res.total_tax == D("5.86")
    assert res.total == D("71.83")  # 58.76 + 4.90 + 7.50 + 0.67
    assert res.applied_codes == ("SAVE10",) and res.code_problems == ()
    assert res.selected_delivery_option == pricing.DeliveryOption("7", "Standard", D("7.50"))


def test_rounding_is_half_even_per_line():
    r = rules(code(1, "TEN"), rates=[TaxRate("JP", "", D("0.10"))])
    # 10 % of 1.25 = 0.125 → 0.12 (half-even), of 1.35 = 0.135 → 0.14
    res = compute(r, PricingRequest("USD", [line("a", "1.25", 1), line("b", "1.35", 1)], ["TEN"]))
    assert [p.discount for p in res.lines] == [D("0.12"), D("0.14")]
    # JPY: tax 10 % of 25 = 2.5 → 2, of 35 = 3.5 → 4 (each line on its own)
    res = compute(
        r, PricingRequest("JPY", [line("a", "25", 1), line("b", "35", 1)], [], country="JP")
    )
    assert [p.tax for p in res.lines] == [D("2"), D("4")]
    assert res.total_tax == D("6") and res.total == D("66")


def test_eur_fixed_code_spread_over_lines_prices_include_tax_and_weight_shipping():
    zone = ShippingZone(
        1,
        "EU",
        ("DE", "FR"),
        (
            flat(1, "Standard", "EUR", "4.90", free_over="50"),
            ShippingMethod(
                2,
                1,
                "Express",
                "EUR",
                "WEIGHT",
                D(0),
                (WeightRate(1000, D("9.90")), WeightRate(5000, D("14.90"))),
            ),
            flat(3, "Standard USD", "USD", "5.00"),  # another currency: not offered
        ),
    )
    r = rules(
        code(1, "MINUS15", "FIXED_AMOUNT", "15", currency="EUR", minimum_subtotal=D("50")),
        include=True,
        zones=[zone],
        rates=[TaxRate("DE", "", D("0.19"))],
    )
    req = PricingRequest(
        "EUR",
        [line("a", "49.99", 2, grams=500), line("b", "10.00", 1, product=5, grams=200)],
        ["Minus15"],
        country="de",
        delivery_option="2",
    )
    res = compute(r, req)
    # 15.00 over 99.98 and 10.00 (in cents 9998 and 1000 of 10998): 1363.6 and 136.4 →
    # floors 1363 + 136 = 1499, the missing cent to the larger remainder (a): 13.64, 1.36
    # tax inside the price: 86.34 × 0.19 / 1.19 = 13.785… → 13.79; 8.64 → 1.3795 → 1.38
    assert [(p.subtotal, p.discount, p.tax, p.total) for p in res.lines] == [
        (D("99.98"), D("13.64"), D("13.79"), D("86.34")),
        (D("10.00"), D("1.36"), D("1.38"), D("8.64")),
    ]
    # 1200 g → the ≤ 5000 g bracket, 14.90; standard is free over 50 (goods 94.98)
    assert [(o.handle, o.amount) for o in res.delivery_options] == [
        ("1", D("0.00")),
        ("2", D("14.90")),
    ]
    assert res.shipping == D("14.90")
    assert res.shipping_tax == D("2.38")  # 14.90 × 0.19 / 1.19 = 2.3789…
    assert res.total_tax == D("17.55")
    assert res.total == D("109.88")  # 86.34 + 8.64 + 14.90: tax already inside
    assert res.applied_codes == ("MINUS15",)


def test_jpy_has_no_decimals():
    r = rules(
        code(1, "JP15", value="15"),
        rates=[TaxRate("JP", "", D("0.10"))],
        zones=[ShippingZone(1, "Japan", ("JP",), (flat(4, "Yamato", "JPY", "500"),))],
    )
    req = PricingRequest(
        "JPY",
        [line("a", "1980", 3), line("b", "333", 1, product=2)],
        ["jp15"],
        country="JP",
        delivery_option="4",
    )
    res = compute(r, req)
    # a: 5940, 15 % = 891, left 5049, tax 504.9 → 505; b: 333, 49.95 → 50, left 283, tax 28.3 → 28
    assert [(p.subtotal, p.discount, p.tax, p.total) for p in res.lines] == [
        (D("5940"), D("891"), D("505"), D("5554")),
        (D("333"), D("50"), D("28"), D("311")),
    ]
    assert (res.subtotal, res.total_discount, res.shipping, res.shipping_tax) == (
        D("6273"),
        D("941"),
        D("500"),
        D("50"),
    )
    assert res.total_tax == D("583") and res.total == D("6415")
    assert str(res.total) == "6415"  # no ".00" in a zero-decimal currency


def test_bhd_has_three_decimals_and_codes_limited_to_categories():
    zone = ShippingZone(
        1,
        "Gulf",
        ("BH",),
        (ShippingMethod(9, 1, "Courier", "BHD", "WEIGHT", D(0), (WeightRate(1000, D("2.25")),)),),
    )
    r = rules(
        code(1, "CAT3", "FIXED_AMOUNT", "1", currency="BHD", category_ids=(3,)),
        zones=[zone],
        rates=[TaxRate("BH", "", D("0.10"))],
    )
    req = PricingRequest(
        "BHD",
        [line("a", "12.345", 2, cats=(3, 4)), line("b", "0.5", 3, product=2, cats=(8,))],
        ["CAT3"],
        country="BH",
        delivery_option="9",
    )
    res = compute(r, req)
    # a: 24.690 − 1.000 = 23.690, tax 2.369; b: 1.500 (not in category 3), tax 0.150
    # shipping: no weights → 0 g → 2.250, tax 0.225
    assert [(p.subtotal, p.discount, p.tax, p.total) for p in res.lines] == [
        (D("24.690"), D("1.000"), D("2.369"), D("26.059")),
        (D("1.500"), D("0.000"), D("0.150"), D("1.650")),
    ]
    assert (res.shipping, res.shipping_tax, res.total_tax) == (D("2.250"), D("0.225"), D("2.744"))
    assert res.total == D("30.184")
    assert str(res.total_discount) == "1.000"


@pytest.mark.parametrize(
    ("the_code", "typed", "uses", "problem"),
    [
        (None, "NOPE", {}, pricing.DISCOUNT_NOT_FOUND),
        (
            code(1, "LATER", starts_at=NOW + timedelta(seconds=1)),
            "later",
            {},
            pricing.DISCOUNT_NOT_STARTED,
        ),
        (code(1, "GONE", ends_at=NOW), "GONE", {}, pricing.DISCOUNT_EXPIRED),
        (
            code(1, "FULL", usage_limit=5, used_count=5),
            "full",
            {},
            pricing.DISCOUNT_USAGE_LIMIT_REACHED,
        ),
        (
            code(1, "ONCE", usage_limit_per_customer=1),
            "once",
            {1: 1},
            pricing.DISCOUNT_USAGE_LIMIT_REACHED,
        ),
        (code(1, "BIG", minimum_subtotal=D("20.01")), "big", {}, pricing.DISCOUNT_MINIMUM_NOT_MET),
        (
            code(1, "EUR5", "FIXED_AMOUNT", "5", currency="EUR"),
            "eur5",
            {},
            pricing.DISCOUNT_NOT_APPLICABLE,
        ),
        (code(1, "SHOES", product_ids=(99,)), "shoes", {}, pricing.DISCOUNT_NOT_APPLICABLE),
    ],
)
def test_code_problems(the_code, typed, uses, problem):
    r = rules(*([the_code] if the_code else []), uses=uses)
    res = compute(r, PricingRequest("USD", [line("a", "10.00", 2)], [typed]))
    assert res.code_problems == (pricing.CodeProblem(typed, problem),)
    assert res.applied_codes == () and res.total_discount == D("0.00") and res.total == D("20.00")


def test_edges_that_still_apply():
    # starts exactly now, ends a moment later, last use left, minimum met exactly
    c = code(
        1,
        "EDGE",
        starts_at=NOW,
        ends_at=NOW + timedelta(seconds=1),
        usage_limit=5,
        used_count=4,
        usage_limit_per_customer=2,
        minimum_subtotal=D("20.00"),
    )
    res = compute(
        rules(c, uses={1: 1}), PricingRequest("USD", [line("a", "10.00", 2)], ["edge", "EDGE "])
    )
    assert res.applied_codes == ("EDGE",) and res.code_problems == ()  # the repeat is ignored
    assert res.total_discount == D("2.00")


def test_codes_stack_on_what_is_left_and_never_go_below_zero():
    r = rules(code(1, "HALF", value="50"), code(2, "BIG", "FIXED_AMOUNT", "100", currency="USD"))
    res = compute(
        r,
        PricingRequest(
            "USD", [line("a", "30.00", 1), line("b", "10.00", 1, product=2)], ["HALF", "BIG"]
        ),
    )
    assert [p.discount for p in res.lines] == [D("30.00"), D("10.00")]
    assert res.total == D("0.00") and res.applied_codes == ("HALF", "BIG")


def test_delivery_zones_rest_of_world_too_heavy_and_unavailable_choice():
    zones = [
        ShippingZone(1, "France", ("FR",), (flat(1, "Colissimo", "EUR", "6"),)),
        ShippingZone(
            2,
            "World",
            (),
            (
                flat(2, "Post", "EUR", "15"),
                ShippingMethod(
                    3, 2, "Freight", "EUR", "WEIGHT", D(0), (WeightRate(2000, D("30")),)
                ),
            ),
        ),
    ]
    light = [line("a", "10.00", 1, grams=1500)]
    heavy = [line("a", "10.00", 2, grams=1500)]
    fr = compute(rules(zones=zones), PricingRequest("EUR", light, country="FR"))
    assert [o.title for o in fr.delivery_options] == ["Colissimo"]
    assert fr.selected_delivery_option is None and fr.shipping == D("0.00")
    us = compute(rules(zones=zones), PricingRequest("EUR", light, country="US"))
    assert [(o.title, o.amount) for o in us.delivery_options] == [
        ("Post", D("15.00")),
        ("Freight", D("30.00")),
    ]
    # 3000 g is over Freight's last bracket: not offered; the old choice is flagged
    us = compute(
        rules(zones=zones), PricingRequest("EUR", heavy, country="US", delivery_option="3")
    )
    assert [o.title for o in us.delivery_options] == ["Post"]
    assert us.delivery_problem == pricing.DELIVERY_OPTION_UNAVAILABLE and us.shipping == D("0.00")
    # nowhere to ship without a country, and no tax
    none = compute(
        rules(zones=zones, rates=[TaxRate("FR", "", D("0.2"))]), PricingRequest("EUR", light)
    )
    assert none.delivery_options == () and none.total_tax == D("0.00")


def test_free_over_compares_the_discounted_subtotal():
    zones = [ShippingZone(1, "US", ("US",), (flat(1, "Ground", "USD", "5", free_over="50"),))]
    lines = [line("a", "55.00", 1)]
    full = compute(rules(zones=zones), PricingRequest("USD", lines, country="US"))
    assert full.delivery_options[0].amount == D("0.00")
    off = compute(
        rules(code(1, "TEN"), zones=zones), PricingRequest("USD", lines, ["TEN"], country="US")
    )
    assert off.delivery_options[0].amount == D("5.00")  # 49.50 after the code


def test_bad_requests_are_refused():
    with pytest.raises(pricing.InvalidInput):
        compute(rules(), PricingRequest("US", [line("a", "1", 1)]))
    with pytest.raises(pricing.InvalidInput):
        compute(rules(), PricingRequest("USD", [line("a", "1", 0)]))


def test_automatic_discounts_apply_first_unentered_and_silently_skip_when_they_do_not_fit():
    auto = code(1, "AUTO5", value="5", automatic=True)
    big = code(2, "AUTOBIG", value="50", automatic=True, minimum_subtotal=D("1000"))
    r = rules(auto, big, code(3, "TEN"))
    res = compute(r, PricingRequest("USD", [line("a", "100.00", 1)], ["ten", "auto5"]))
    # 5 % of 100 = 5.00, then 10 % of 95.00 = 9.50; AUTOBIG's minimum is not met: no problem shown
    assert res.applied_codes == ("AUTO5", "TEN")
    assert res.lines[0].discount == D("14.50") and res.code_problems == ()
