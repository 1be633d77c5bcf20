"""The arithmetic: discounts, tax and shipping for one request. Pure: no I/O, no clock.

Rules (hand-checked in tests/unit/pricing):
- Amounts are rounded half-even to the currency's minor unit, per line, never on the cart.
- Automatic discounts (active ones, oldest first) apply before entered codes, silently
  skipped where they do not fit; entered codes then apply in the order given, each on what earlier codes left of a line, never below 0.
  A percentage rounds per line; a fixed amount is spread over the eligible lines in
  proportion to what is left of each (largest remainder: the shares add up exactly).
- A code's minimum subtotal is compared with its eligible lines' subtotal before discounts.
- Tax is the destination's rate (province's if listed, else the country's), per line, on
  the line after discounts. Prices include tax: the tax is the part r/(1+r) of the amount;
  otherwise r × amount is added.
- Shipping is taxed at the same destination rate, the same way (inside the shipping
  amount when prices include tax, added to it otherwise).
- "Free over" compares the discounted goods subtotal (as the shopper sees prices) with the
  threshold, in the method's currency.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from app.domains.pricing.entities import (
    DELIVERY_OPTION_UNAVAILABLE,
    DISCOUNT_EXPIRED,
    DISCOUNT_MINIMUM_NOT_MET,
    DISCOUNT_NOT_APPLICABLE,
    DISCOUNT_NOT_FOUND,
    DISCOUNT_NOT_STARTED,
    DISCOUNT_USAGE_LIMIT_REACHED,
    CodeProblem,
    DeliveryOption,
    DiscountCode,
    LinePrice,
    PricingLine,
    PricingRequest,
    PricingResult,
    PricingRules,
    ShippingZone,
    TaxRate,
)
from app.domains.pricing.errors import InvalidInput
from app.platform.money import minor_units, to_minor_units

ZERO = Decimal(0)


def normalise_code(code: str) -> str:
    """Codes match ignoring case and surrounding spaces."""
    return code.strip().lower()


def eligible(code: DiscountCode, line: PricingLine) -> bool:
    if not code.product_ids and not code.category_ids:
        return True
    return line.product_id in code.product_ids or any(
        c in code.category_ids for c in line.category_ids
    )


def code_problem(
    code: DiscountCode | None,
    rules: PricingRules,
    request: PricingRequest | None,
    eligible_subtotal: Decimal | None,
) -> str | None:
    """Why `code` does not apply to `request` (None: it does). `eligible_subtotal` None skips
    the cart checks (what `redeem` re-checks at checkout is dates and limits only)."""
    if code is None:
        return DISCOUNT_NOT_FOUND
    if code.starts_at is not None and rules.now < code.starts_at:
        return DISCOUNT_NOT_STARTED
    if code.ends_at is not None and rules.now >= code.ends_at:
        return DISCOUNT_EXPIRED
    if code.usage_limit is not None and code.used_count >= code.usage_limit:
        return DISCOUNT_USAGE_LIMIT_REACHED
    if (
        code.usage_limit_per_customer is not None
        and rules.customer_uses.get(code.id, 0) >= code.usage_limit_per_customer
    ):
        return DISCOUNT_USAGE_LIMIT_REACHED
    if request is None or eligible_subtotal is None:
        return None
    if code.currency is not None and code.currency != request.currency.upper():
        return DISCOUNT_NOT_APPLICABLE
    if eligible_subtotal <= ZERO and not any(eligible(code, line) for line in request.lines):
        return DISCOUNT_NOT_APPLICABLE
    if code.minimum_subtotal is not None and eligible_subtotal < code.minimum_subtotal:
        return DISCOUNT_MINIMUM_NOT_MET
    return None


def _to_units(amount: Decimal, digits: int) -> int:
    return int(amount.scaleb(digits))


def _allocate(total: int, weights: Sequence[int]) -> list[int]:
    """Split `total` minor units in proportion to `weights` (largest remainder, ties to the
    earlier line): the shares always add up to `total`."""
    whole = sum(weights)
    if whole == 0:
        return [0] * len(weights)
    shares = [total * w // whole for w in weights]
    rests = [(-(total * w % whole), i) for i, w in enumerate(weights)]
    for _, i in sorted(rests)[: total - sum(shares)]:
        shares[i] += 1
    return shares


def _apply(code: DiscountCode, lines: Sequence[PricingLine], left: list[Decimal], cur: str) -> None:
    """Take `code`'s discount off `left` (what remains of each line), in place."""
    idx = [i for i, line in enumerate(lines) if eligible(code, line)]
    if code.kind == "PERCENTAGE":
        for i in idx:
            off = to_minor_units(left[i] * code.value / 100, cur)
            left[i] -= min(off, left[i])
        return
    digits = minor_units(cur)
    weights = [_to_units(left[i], digits) for i in idx]
    amount = min(_to_units(to_minor_units(code.value, cur), digits), sum(weights))
    for i, share in zip(idx, _allocate(amount, weights), strict=True):
        left[i] -= Decimal(share).scaleb(-digits)


def tax_rate(rates: Sequence[TaxRate], country: str | None, province: str | None) -> Decimal:
    """The province's rate when one is set for it, else the country's, else 0."""
    if not country:
        return ZERO
    country = country.upper()
    province = (province or "").strip().upper()
    by_key = {(r.country, r.province): r.rate for r in rates}
    found = by_key.get((country, province)) if province else None
    return found if found is not None else by_key.get((country, ""), ZERO)


def tax_of(amount: Decimal, rate: Decimal, included: bool, cur: str) -> Decimal:
    if rate == ZERO:
        return to_minor_units(ZERO, cur)
    raw = amount * rate / (1 + rate) if included else amount * rate
    return to_minor_units(raw, cur)


def delivery_options(
    zones: Sequence[ShippingZone],
    country: str | None,
    subtotal: Decimal,
    weight_grams: int,
    currency: str,
) -> list[DeliveryOption]:
    """The methods offered to `country` in `currency`, cheapest first. The zones naming the
    country; when none does, the rest-of-the-world zones (no countries)."""
    if not country:
        return []
    cur, country = currency.upper(), country.upper()
    matched = [z for z in zones if country in z.countries] or [z for z in zones if not z.countries]
    options = []
    for zone in matched:
        for m in zone.methods:
            if m.currency != cur:
                continue
            if m.kind == "WEIGHT":
                bracket = next(
                    (
                        r
                        for r in sorted(m.weight_rates, key=lambda r: r.up_to_grams)
                        if weight_grams <= r.up_to_grams
                    ),
                    None,
                )
                if bracket is None:
                    continue  # too heavy for this method
                amount = bracket.amount
            else:
                amount = m.rate
            if m.free_over is not None and subtotal >= m.free_over:
                amount = ZERO
            options.append(DeliveryOption(str(m.id), m.name, to_minor_units(amount, cur)))
    options.sort(key=lambda o: (o.amount, o.title, o.handle))
    return options


def compute(rules: PricingRules, request: PricingRequest) -> PricingResult:
    """Price `request` under `rules`: see the module's docstring for every rule."""
    cur = request.currency.upper()
    if len(cur) != 3 or not cur.isalpha():
        raise InvalidInput("currency must be a three-letter ISO 4217 code", "currency")
    lines = list(request.lines)
    for line in lines:
        if line.quantity < 1 or line.unit_price < ZERO:
            raise InvalidInput("quantities are 1 or more and prices not negative", "lines")
    subtotals = [to_minor_units(line.unit_price * line.quantity, cur) for line in lines]
    left = list(subtotals)

    applied: list[str] = []
    problems: list[CodeProblem] = []
    seen: set[str] = set()
    automatic = sorted((c for c in rules.codes.values() if c.automatic), key=lambda c: c.id)
    entered = [(c.code, False) for c in automatic] + [(t, True) for t in request.discount_codes]
    for typed, by_shopper in entered:
        key = normalise_code(typed)
        if not key or key in seen:
            continue
        seen.add(key)
        code = rules.codes.get(key)
        base = sum(
            (s for s, line in zip(subtotals, lines, strict=True) if code and eligible(code, line)),
            ZERO,
        )
        problem = code_problem(code, rules, request, base)
        if problem is not None or code is None:
            if by_shopper:  # an automatic discount that does not fit is simply not there
                problems.append(CodeProblem(typed.strip(), problem or DISCOUNT_NOT_FOUND))
            continue
        _apply(code, lines, left, cur)
        applied.append(code.code)

    rate = tax_rate(rules.tax_rates, request.country, request.province)
    included = rules.prices_include_tax
    priced: list[LinePrice] = []
    for line, sub, rest in zip(lines, subtotals, left, strict=True):
        tax = tax_of(rest, rate, included, cur)
        priced.append(LinePrice(line.key, sub, sub - rest, tax, rest if included else rest + tax))

    goods = sum(left, ZERO)
    weight = sum((line.weight_grams or 0) * line.quantity for line in lines)
    options = delivery_options(rules.zones, request.country, goods, weight, cur)
    selected = next((o for o in options if o.handle == request.delivery_option), None)
    shipping = selected.amount if selected else to_minor_units(ZERO, cur)
    shipping_tax = tax_of(shipping, rate, included, cur)
    line_tax = sum((p.tax for p in priced), ZERO)
    zero = to_minor_units(ZERO, cur)
    return PricingResult(
        currency=cur,
        lines=tuple(priced),
        subtotal=sum(subtotals, zero),
        total_discount=sum((p.discount for p in priced), zero),
        total_tax=line_tax + shipping_tax + zero,
        shipping=shipping,
        shipping_tax=shipping_tax,
        total=sum((p.total for p in priced), zero)
        + shipping
        + (zero if included else shipping_tax),
        applied_codes=tuple(applied),
        code_problems=tuple(problems),
        delivery_options=tuple(options),
        selected_delivery_option=selected,
        delivery_problem=(
            DELIVERY_OPTION_UNAVAILABLE if request.delivery_option and selected is None else None
        ),
        prices_include_tax=included,
    )
