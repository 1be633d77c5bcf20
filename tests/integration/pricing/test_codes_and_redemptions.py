"""Discount code rules, limits and the redemption race, against the real Postgres."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest
import sqlalchemy as sa

from app.domains import pricing
from app.platform.db import Database
from app.platform.settings import Settings

pytestmark = pytest.mark.integration


def unique(tag: str) -> str:
    return f"{tag}-{uuid.uuid4().hex[:8]}"


def request(*codes: str, email: str | None = None, customer_id: int | None = None, **kw):
    lines = [pricing.PricingLine("a", 11, 1, (5,), 2, D("25.00"), None, 300)]
    return pricing.PricingRequest(
        "USD", lines, list(codes), customer_id=customer_id, email=email, **kw
    )


async def make(db: Database, **fields) -> pricing.DiscountCode:
    base = {"code": unique("c"), "kind": "PERCENTAGE", "value": D("10")}
    return await pricing.create_discount_code(db.uow("pricing"), {**base, **fields})


async def problems(db: Database, req: pricing.PricingRequest, **kw) -> list[str]:
    res = await pricing.price(db.reader("pricing"), req, prices_include_tax=False, **kw)
    return [p.error_code for p in res.code_problems]


async def test_codes_match_ignoring_case_and_their_rules_are_enforced(db: Database):
    c = await make(
        db, code="Summer-" + uuid.uuid4().hex[:6], minimum_subtotal=D("60"), currency="USD"
    )
    assert c.code == c.code.upper()
    assert await problems(db, request(c.code.lower())) == [pricing.DISCOUNT_MINIMUM_NOT_MET]
    c = await pricing.update_discount_code(db.uow("pricing"), c.id, {"minimum_subtotal": D("50")})
    res = await pricing.price(
        db.reader("pricing"), request(c.code.lower()), prices_include_tax=False
    )
    assert res.applied_codes == (c.code,) and res.total_discount == D("5.00")
    # the same code in another case is the same code: TAKEN
    with pytest.raises(pricing.CodeTaken):
        await make(db, code=c.code.lower())

    now = datetime.now(UTC)
    later = await make(db, starts_at=now + timedelta(days=1))
    over = await make(db, starts_at=now - timedelta(days=2), ends_at=now - timedelta(days=1))
    shoes = await make(db, product_ids=[999])
    euros = await make(db, kind="FIXED_AMOUNT", value=D("5"), currency="EUR")
    assert await problems(db, request(later.code, over.code, shoes.code, euros.code, "nope-x")) == [
        pricing.DISCOUNT_NOT_STARTED,
        pricing.DISCOUNT_EXPIRED,
        pricing.DISCOUNT_NOT_APPLICABLE,
        pricing.DISCOUNT_NOT_APPLICABLE,
        pricing.DISCOUNT_NOT_FOUND,
    ]
    by_category = await make(db, category_ids=[5])
    assert await problems(db, request(by_category.code)) == []


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "PERCENTAGE", "value": D("101")}, "value"),
        ({"kind": "FIXED_AMOUNT", "value": D("5")}, "currency"),
        ({"kind": "FIXED_AMOUNT", "value": D("5.5"), "currency": "JPY"}, "value"),
        ({"code": "has space"}, "code"),
        ({"usage_limit": 0}, "usageLimit"),
        (
            {
                "starts_at": datetime(2027, 1, 2, tzinfo=UTC),
                "ends_at": datetime(2027, 1, 1, tzinfo=UTC),
            },
            "endsAt",
        ),
    ],
)
async def test_invalid_codes_are_refused(db: Database, fields, field):
    with pytest.raises(pricing.InvalidInput) as e:
        await make(db, **fields)
    assert e.value.field == field


async def test_usage_limits_total_and_per_customer(db: Database):
    c = await make(db, usage_limit=2, usage_limit_per_customer=1)
    await pricing.redeem(
        db.uow("pricing"), [c.code.lower()], customer_id=None, email="A@x.io", reference="r1"
    )
    # the same checkout again counts once (the saga retries)
    await pricing.redeem(
        db.uow("pricing"), [c.code], customer_id=None, email="a@x.io", reference="r1"
    )
    # per customer: the same e-mail in another case is the same buyer
    assert await problems(db, request(c.code, email="a@X.io")) == [
        pricing.DISCOUNT_USAGE_LIMIT_REACHED
    ]
    with pytest.raises(pricing.DiscountRejected) as e:
        await pricing.redeem(
            db.uow("pricing"), [c.code], customer_id=7, email="a@x.io", reference="r2"
        )
    assert e.value.code == pricing.DISCOUNT_USAGE_LIMIT_REACHED
    # by customer id too
    await pricing.redeem(db.uow("pricing"), [c.code], customer_id=7, email=None, reference="r3")
    assert await problems(db, request(c.code, customer_id=7)) == [
        pricing.DISCOUNT_USAGE_LIMIT_REACHED
    ]
    # total: 2 used
    assert await problems(db, request(c.code, email="new@x.io")) == [
        pricing.DISCOUNT_USAGE_LIMIT_REACHED
    ]
    # a per-customer code needs to know the buyer at checkout
    anon = await make(db, usage_limit_per_customer=1)
    with pytest.raises(pricing.DiscountRejected) as e:
        await pricing.redeem(
            db.uow("pricing"), [anon.code], customer_id=None, email=None, reference="r4"
        )
    assert e.value.code == pricing.DISCOUNT_NOT_APPLICABLE

    # restore gives the use back, once however often it is called
    assert await pricing.restore(db.uow("pricing"), "r3") == 1
    assert await pricing.restore(db.uow("pricing"), "r3") == 0
    assert await problems(db, request(c.code, customer_id=7)) == []
    codes, _ = await pricing.list_discount_codes(db.reader("pricing"), 100, c.id - 1)
    assert codes[0].id == c.id and codes[0].used_count == 1


async def test_redeem_is_all_or_nothing(db: Database):
    ok = await make(db, usage_limit=5)
    full = await make(db, usage_limit=1)
    await pricing.redeem(
        db.uow("pricing"), [full.code], customer_id=1, email=None, reference=unique("r")
    )
    with pytest.raises(pricing.DiscountRejected) as e:
        await pricing.redeem(
            db.uow("pricing"),
            [ok.code, full.code],
            customer_id=2,
            email=None,
            reference=unique("r"),
        )
    assert e.value.discount_code == full.code
    codes, _ = await pricing.list_discount_codes(db.reader("pricing"), 2, ok.id - 1)
    assert [c.used_count for c in codes] == [0, 1]


@pytest.fixture
async def wide_db(settings: Settings, db: Database):
    """Enough connections for every racer to hold its own transaction at once."""
    database = Database(settings, pool_size=30)
    try:
        yield database
    finally:
        await database.dispose()


async def _race(db: Database, code: str, n: int, email=lambda i: f"buyer{i}@x.io", tag="race"):
    start = asyncio.Event()

    async def one(i: int) -> bool:
        await start.wait()
        try:
            await pricing.redeem(
                db.uow("pricing"),
                [code],
                customer_id=None,
                email=email(i),
                reference=f"{tag}-{code}-{i}",
            )
            return True
        except pricing.DiscountRejected as e:
            assert e.code == pricing.DISCOUNT_USAGE_LIMIT_REACHED
            return False

    tasks = [asyncio.create_task(one(i)) for i in range(n)]
    await asyncio.sleep(0.05)
    start.set()
    return await asyncio.gather(*tasks)


async def _counts(db: Database, code_id: int) -> tuple[int, int]:
    async with db.reader("pricing") as uow:
        used = (
            await uow.session.execute(
                sa.text("SELECT used_count FROM pricing.discount_codes WHERE id = :i"),
                {"i": code_id},
            )
        ).scalar_one()
        rows = (
            await uow.session.execute(
                sa.text("SELECT count(*) FROM pricing.discount_redemptions WHERE code_id = :i"),
                {"i": code_id},
            )
        ).scalar_one()
    return used, rows


async def test_concurrent_redemptions_of_a_code_limited_to_k_exactly_k_succeed(wide_db: Database):
    c = await make(wide_db, usage_limit=7)
    results = await _race(wide_db, c.code, 40)
    assert sum(results) == 7
    assert await _counts(wide_db, c.id) == (7, 7)
    # the saga compensates one: one more can redeem, and no more
    await pricing.restore(wide_db.uow("pricing"), f"race-{c.code}-{results.index(True)}")
    assert await _counts(wide_db, c.id) == (6, 6)
    again = await _race(wide_db, c.code, 20, email=lambda i: f"late{i}@x.io", tag="late")
    assert sum(again) == 1 and await _counts(wide_db, c.id) == (7, 7)


async def test_concurrent_redemptions_by_one_buyer_respect_the_per_customer_limit(
    wide_db: Database,
):
    c = await make(wide_db, usage_limit_per_customer=2)
    results = await _race(
        wide_db, c.code, 25, email=lambda i: "Same@Buyer.io" if i % 2 else "same@buyer.io"
    )
    assert sum(results) == 2
    assert await _counts(wide_db, c.id) == (2, 2)


async def test_automatic_discounts_apply_without_being_entered(db: Database):
    # limited to a product no other test prices, so it cannot change their figures
    product = 987_654_321
    auto = await make(db, automatic=True, product_ids=[product], value=D("20"))
    ended = await make(
        db, automatic=True, product_ids=[product], ends_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    typed = await make(db)
    try:
        lines = [pricing.PricingLine("a", 1, product, (), 1, D("50.00"), None, None)]
        req = pricing.PricingRequest("USD", lines, [typed.code.lower()])
        res = await pricing.price(db.reader("pricing"), req, prices_include_tax=False)
        # 20 % of 50 = 10.00, then 10 % of 40.00 = 4.00; the ended one is not there
        assert res.applied_codes == (auto.code, typed.code) and res.total_discount == D("14.00")
        other = pricing.PricingRequest("USD", [lines[0].__class__("b", 2, 1, (), 1, D("50"))])
        res = await pricing.price(db.reader("pricing"), other, prices_include_tax=False)
        assert res.applied_codes == () and res.code_problems == ()
        # the saga redeems what was applied, automatic ones included
        await pricing.redeem(
            db.uow("pricing"),
            [auto.code, typed.code],
            customer_id=1,
            email=None,
            reference=unique("r"),
        )
        codes, _ = await pricing.list_discount_codes(db.reader("pricing"), 1, auto.id - 1)
        assert codes[0].used_count == 1
    finally:
        for c in (auto, ended):
            await pricing.delete_discount_code(db.uow("pricing"), c.id)
