"""Staff writes: discount codes, shipping zones and methods, tax rates.

Each validates the whole record it would store (an update is merged with what is stored
first, then checked like a create), so no combination of fields breaks a rule.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from app.domains.pricing.entities import DiscountCode, ShippingMethod, ShippingZone, TaxRate
from app.domains.pricing.errors import CodeTaken, InvalidInput, NotFound
from app.domains.pricing.models import (
    discount_codes,
    shipping_methods,
    shipping_zones,
    tax_rates,
)
from app.domains.pricing.service import rows
from app.platform.db import UnitOfWork
from app.platform.money import to_minor_units

MAX_CODE_LENGTH = 64
MAX_TARGETS = 250  # products or categories one code names
MAX_AUTOMATIC = 20  # automatic discounts a cart considers (the oldest active ones)
MAX_ZONES = 100
MAX_METHODS_PER_ZONE = 20
MAX_COUNTRIES_PER_ZONE = 250
MAX_WEIGHT_BRACKETS = 20
MAX_PROVINCES = 100  # tax rates listed for one country
MAX_NAME_LENGTH = 100
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
_COUNTRY = re.compile(r"[A-Z]{2}")
_DISCOUNT_FIELDS = (
    "code",
    "kind",
    "value",
    "currency",
    "minimum_subtotal",
    "starts_at",
    "ends_at",
    "usage_limit",
    "usage_limit_per_customer",
    "product_ids",
    "category_ids",
    "automatic",
)


def _currency(v: Any, field: str) -> str:
    if not isinstance(v, str) or len(v.strip()) != 3 or not v.strip().isalpha():
        raise InvalidInput("a three-letter ISO 4217 currency code such as USD", field)
    return v.strip().upper()


def _amount(v: Any, currency: str | None, field: str, *, positive: bool = False) -> Decimal:
    try:
        d = Decimal(str(v))
    except (InvalidOperation, ValueError):
        raise InvalidInput("not a number", field) from None
    if not d.is_finite() or d < 0 or (positive and d == 0) or d >= Decimal("1e15"):
        raise InvalidInput("must be " + ("above" if positive else "at least") + " 0", field)
    if currency is not None and to_minor_units(d, currency) != d:
        raise InvalidInput(f"{currency} amounts have at most that currency's decimals", field)
    return d


def _name(v: Any, field: str) -> str:
    if not isinstance(v, str) or not v.strip() or len(v.strip()) > MAX_NAME_LENGTH:
        raise InvalidInput(f"1 to {MAX_NAME_LENGTH} characters", field)
    return v.strip()


def _countries(v: Any, field: str = "countries") -> list[str]:
    codes = sorted({str(c).strip().upper() for c in v or ()})
    if len(codes) > MAX_COUNTRIES_PER_ZONE or not all(_COUNTRY.fullmatch(c) for c in codes):
        raise InvalidInput("ISO 3166-1 alpha-2 country codes such as FR", field)
    return codes


# --- discount codes --------------------------------------------------------------------------


def _check_discount(v: dict[str, Any]) -> dict[str, Any]:
    code = v.get("code")
    if (
        not isinstance(code, str)
        or not _CODE.fullmatch(code.strip())
        or len(code.strip()) > MAX_CODE_LENGTH
    ):
        raise InvalidInput(
            f"letters, digits, '-' and '_', up to {MAX_CODE_LENGTH} characters", "code"
        )
    v["code"] = code.strip().upper()
    if v.get("kind") not in ("PERCENTAGE", "FIXED_AMOUNT"):
        raise InvalidInput("PERCENTAGE or FIXED_AMOUNT", "kind")
    cur = v.get("currency")
    v["currency"] = cur = _currency(cur, "currency") if cur is not None else None
    if cur is None and (v["kind"] == "FIXED_AMOUNT" or v.get("minimum_subtotal") is not None):
        raise InvalidInput("a fixed amount or a minimum subtotal needs its currency", "currency")
    if v["kind"] == "PERCENTAGE":
        v["value"] = _amount(v.get("value"), None, "value", positive=True)
        if v["value"] > 100:
            raise InvalidInput("a percentage is at most 100", "value")
    else:
        v["value"] = _amount(v.get("value"), cur, "value", positive=True)
    if v.get("minimum_subtotal") is not None:
        v["minimum_subtotal"] = _amount(v["minimum_subtotal"], cur, "minimumSubtotal")
    if v.get("starts_at") and v.get("ends_at") and v["ends_at"] <= v["starts_at"]:
        raise InvalidInput("ends after it starts", "endsAt")
    for f, name in (
        ("usage_limit", "usageLimit"),
        ("usage_limit_per_customer", "usageLimitPerCustomer"),
    ):
        if v.get(f) is not None and not (1 <= v[f] <= 2_000_000_000):
            raise InvalidInput("at least 1", name)
    for f, name in (("product_ids", "productIds"), ("category_ids", "categoryIds")):
        ids = sorted(set(v.get(f) or ()))
        if len(ids) > MAX_TARGETS:
            raise InvalidInput(f"at most {MAX_TARGETS}", name)
        v[f] = ids
    v["automatic"] = bool(v.get("automatic"))
    return {k: v.get(k) for k in _DISCOUNT_FIELDS}


async def create_discount_code(uow: UnitOfWork, fields: Mapping[str, Any]) -> DiscountCode:
    """A new code; codes are unique ignoring case (TAKEN)."""
    values = _check_discount(dict(fields))
    async with uow:
        row = (
            await uow.session.execute(
                insert(discount_codes)
                .values(**values)
                .on_conflict_do_nothing()
                .returning(*discount_codes.c)
            )
        ).first()
        if row is None:
            raise CodeTaken(f"the code {values['code']} exists", "code")
        await uow.commit()
    return rows.discount_code(row)


async def update_discount_code(
    uow: UnitOfWork, code_id: int, changes: Mapping[str, Any]
) -> DiscountCode:
    """Change the given fields (a None clears an optional one); usage counts stay."""
    async with uow:
        current = (
            await uow.session.execute(
                sa.select(discount_codes).where(discount_codes.c.id == code_id).with_for_update()
            )
        ).first()
        if current is None:
            raise NotFound("no such discount code", "id")
        merged = {k: getattr(current, k) for k in _DISCOUNT_FIELDS}
        merged.update(changes)
        values = _check_discount(merged)
        taken = (
            await uow.session.execute(
                sa.select(discount_codes.c.id).where(
                    sa.func.lower(discount_codes.c.code) == values["code"].lower(),
                    discount_codes.c.id != code_id,
                )
            )
        ).first()
        if taken is not None:
            raise CodeTaken(f"the code {values['code']} exists", "code")
        row = (
            await uow.session.execute(
                discount_codes.update()
                .where(discount_codes.c.id == code_id)
                .values(**values, updated_at=sa.func.now())
                .returning(*discount_codes.c)
            )
        ).one()
        await uow.commit()
    return rows.discount_code(row)


async def delete_discount_code(uow: UnitOfWork, code_id: int) -> int:
    async with uow:
        gone = (
            await uow.session.execute(
                discount_codes.delete()
                .where(discount_codes.c.id == code_id)
                .returning(discount_codes.c.id)
            )
        ).first()
        if gone is None:
            raise NotFound("no such discount code", "id")
        await uow.commit()
    return code_id


async def list_discount_codes(
    uow: UnitOfWork, first: int, after: int | None
) -> tuple[list[DiscountCode], bool]:
    """Codes by id, `first` after the code with id `after`; and whether more follow."""
    q = sa.select(discount_codes).order_by(discount_codes.c.id).limit(first + 1)
    if after is not None:
        q = q.where(discount_codes.c.id > after)
    async with uow:
        found = (await uow.session.execute(q)).all()
    return [rows.discount_code(r) for r in found[:first]], len(found) > first


async def count_discount_codes(uow: UnitOfWork) -> int:
    async with uow:
        return int(
            (
                await uow.session.execute(sa.select(sa.func.count()).select_from(discount_codes))
            ).scalar_one()
        )


# --- shipping ----------------------------------------------------------------------------------


async def _zones(uow: UnitOfWork, ids: list[int] | None = None) -> list[ShippingZone]:
    q = sa.select(shipping_zones).order_by(shipping_zones.c.id)
    mq = sa.select(shipping_methods).order_by(shipping_methods.c.id)
    if ids is not None:
        q = q.where(shipping_zones.c.id.in_(ids))
        mq = mq.where(shipping_methods.c.zone_id.in_(ids))
    zones = (await uow.session.execute(q)).all()
    methods = [rows.shipping_method(m) for m in (await uow.session.execute(mq)).all()]
    return [rows.shipping_zone(z, methods) for z in zones]


async def list_shipping_zones(uow: UnitOfWork) -> list[ShippingZone]:
    """Every zone with its methods (at most MAX_ZONES)."""
    async with uow:
        return await _zones(uow)


async def create_shipping_zone(
    uow: UnitOfWork, name: str | None, countries: list[str]
) -> ShippingZone:
    """A zone; no countries makes it the rest of the world."""
    values = {"name": _name(name, "name"), "countries": _countries(countries)}
    async with uow:
        # serialise zone creation so the cap holds under concurrent requests
        await uow.session.execute(sa.text("LOCK TABLE pricing.shipping_zones IN EXCLUSIVE MODE"))
        count = (
            await uow.session.execute(sa.select(sa.func.count()).select_from(shipping_zones))
        ).scalar_one()
        if count >= MAX_ZONES:
            raise InvalidInput(f"at most {MAX_ZONES} shipping zones", "name")
        zone_id = (
            await uow.session.execute(
                shipping_zones.insert().values(**values).returning(shipping_zones.c.id)
            )
        ).scalar_one()
        zone = (await _zones(uow, [zone_id]))[0]
        await uow.commit()
    return zone


async def update_shipping_zone(
    uow: UnitOfWork, zone_id: int, changes: Mapping[str, Any]
) -> ShippingZone:
    values: dict[str, Any] = {}
    if changes.get("name") is not None:
        values["name"] = _name(changes["name"], "name")
    if changes.get("countries") is not None:
        values["countries"] = _countries(changes["countries"])
    async with uow:
        q = shipping_zones.update().where(shipping_zones.c.id == zone_id)
        found = (
            await uow.session.execute(
                (q.values(**values) if values else q.values(name=shipping_zones.c.name)).returning(
                    shipping_zones.c.id
                )
            )
        ).first()
        if found is None:
            raise NotFound("no such shipping zone", "id")
        zone = (await _zones(uow, [zone_id]))[0]
        await uow.commit()
    return zone


async def delete_shipping_zone(uow: UnitOfWork, zone_id: int) -> int:
    async with uow:
        gone = (
            await uow.session.execute(
                shipping_zones.delete()
                .where(shipping_zones.c.id == zone_id)
                .returning(shipping_zones.c.id)
            )
        ).first()
        if gone is None:
            raise NotFound("no such shipping zone", "id")
        await uow.commit()
    return zone_id


_METHOD_FIELDS = ("name", "currency", "kind", "rate", "weight_rates", "free_over")


def _check_method(v: dict[str, Any]) -> dict[str, Any]:
    v["name"] = _name(v.get("name"), "name")
    cur = v["currency"] = _currency(v.get("currency"), "currency")
    if v.get("kind") not in ("FLAT", "WEIGHT"):
        raise InvalidInput("FLAT or WEIGHT", "kind")
    v["rate"] = _amount(v.get("rate") or 0, cur, "rate")
    brackets = []
    for i, b in enumerate(v.get("weight_rates") or ()):
        up = b["up_to_grams"]
        if not isinstance(up, int) or not 0 < up <= 10_000_000:
            raise InvalidInput("grams between 1 and 10,000,000", f"weightRates.{i}.upToGrams")
        brackets.append((up, _amount(b["amount"], cur, f"weightRates.{i}.amount")))
    if len(brackets) > MAX_WEIGHT_BRACKETS or len({u for u, _ in brackets}) != len(brackets):
        raise InvalidInput(
            f"at most {MAX_WEIGHT_BRACKETS} brackets, each limit once", "weightRates"
        )
    if v["kind"] == "WEIGHT" and not brackets:
        raise InvalidInput("a weight-based method needs its rate table", "weightRates")
    v["weight_rates"] = [{"up_to_grams": u, "amount": str(a)} for u, a in sorted(brackets)]
    if v.get("free_over") is not None:
        v["free_over"] = _amount(v["free_over"], cur, "freeOver")
    return {k: v.get(k) for k in _METHOD_FIELDS}


async def create_shipping_method(
    uow: UnitOfWork, zone_id: int, fields: Mapping[str, Any]
) -> ShippingMethod:
    values = _check_method(dict(fields))
    async with uow:
        zone = (
            await uow.session.execute(
                sa.select(shipping_zones.c.id)
                .where(shipping_zones.c.id == zone_id)
                .with_for_update()
            )
        ).first()
        if zone is None:
            raise NotFound("no such shipping zone", "zoneId")
        count = (
            await uow.session.execute(
                sa.select(sa.func.count()).where(shipping_methods.c.zone_id == zone_id)
            )
        ).scalar_one()
        if count >= MAX_METHODS_PER_ZONE:
            raise InvalidInput(f"at most {MAX_METHODS_PER_ZONE} methods per zone", "zoneId")
        row = (
            await uow.session.execute(
                shipping_methods.insert()
                .values(zone_id=zone_id, **values)
                .returning(*shipping_methods.c)
            )
        ).one()
        await uow.commit()
    return rows.shipping_method(row)


async def update_shipping_method(
    uow: UnitOfWork, method_id: int, changes: Mapping[str, Any]
) -> ShippingMethod:
    async with uow:
        current = (
            await uow.session.execute(
                sa.select(shipping_methods)
                .where(shipping_methods.c.id == method_id)
                .with_for_update()
            )
        ).first()
        if current is None:
            raise NotFound("no such shipping method", "id")
        merged = {k: getattr(current, k) for k in _METHOD_FIELDS}
        merged.update(changes)
        values = _check_method(merged)
        row = (
            await uow.session.execute(
                shipping_methods.update()
                .where(shipping_methods.c.id == method_id)
                .values(**values)
                .returning(*shipping_methods.c)
            )
        ).one()
        await uow.commit()
    return rows.shipping_method(row)


async def delete_shipping_method(uow: UnitOfWork, method_id: int) -> int:
    async with uow:
        gone = (
            await uow.session.execute(
                shipping_methods.delete()
                .where(shipping_methods.c.id == method_id)
                .returning(shipping_methods.c.id)
            )
        ).first()
        if gone is None:
            raise NotFound("no such shipping method", "id")
        await uow.commit()
    return method_id


# --- tax ---------------------------------------------------------------------------------------


async def set_tax_rate(
    uow: UnitOfWork, country: str, province: str | None, rate: Decimal | None
) -> TaxRate | None:
    """Set the rate of a country (province None or empty) or of one of its provinces, as a
    fraction (0.2 for 20 %); a None rate removes it (the country's rate applies again)."""
    cc = str(country).strip().upper()
    if not _COUNTRY.fullmatch(cc):
        raise InvalidInput("an ISO 3166-1 alpha-2 country code such as FR", "countryCode")
    prov = (province or "").strip().upper()
    if len(prov) > MAX_NAME_LENGTH:
        raise InvalidInput(f"at most {MAX_NAME_LENGTH} characters", "province")
    async with uow:
        s = uow.session
        key = (tax_rates.c.country == cc) & (tax_rates.c.province == prov)
        if rate is None:
            await s.execute(tax_rates.delete().where(key))
            await uow.commit()
            return None
        if (
            not rate.is_finite()
            or not (0 <= rate < 1)
            or rate != rate.quantize(Decimal("0.000001"))
        ):
            raise InvalidInput(
                "a fraction from 0 up to 1 (0.2 for 20 %), 6 decimals at most", "rate"
            )
        await s.execute(
            sa.text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"pricing.tax.{cc}"}
        )
        listed = (
            await s.execute(sa.select(sa.func.count()).where(tax_rates.c.country == cc))
        ).scalar_one()
        exists = (await s.execute(sa.select(tax_rates.c.rate).where(key))).first()
        if exists is None and listed >= MAX_PROVINCES:
            raise InvalidInput(f"at most {MAX_PROVINCES} rates per country", "province")
        row = (
            await s.execute(
                insert(tax_rates)
                .values(country=cc, province=prov, rate=rate)
                .on_conflict_do_update(index_elements=["country", "province"], set_={"rate": rate})
                .returning(*tax_rates.c)
            )
        ).one()
        await uow.commit()
    return rows.tax_rate(row)


async def list_tax_rates(uow: UnitOfWork, country: str) -> list[TaxRate]:
    """A country's rates: its own (province "") first, then its provinces'."""
    async with uow:
        found = (
            await uow.session.execute(
                sa.select(tax_rates)
                .where(tax_rates.c.country == str(country).strip().upper())
                .order_by(tax_rates.c.province)
            )
        ).all()
    return [rows.tax_rate(r) for r in found]
