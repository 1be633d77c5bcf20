"""Redeeming codes at checkout (race-free) and undoing it (the saga's compensation)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa

from app.domains.pricing.compute import code_problem, normalise_code
from app.domains.pricing.entities import (
    DISCOUNT_NOT_APPLICABLE,
    PricingRules,
    Redemption,
)
from app.domains.pricing.errors import DiscountRejected
from app.domains.pricing.events import DiscountRedeemed, DiscountRestored
from app.domains.pricing.models import discount_codes, discount_redemptions
from app.domains.pricing.service import rows
from app.domains.pricing.service.pricing import customer_uses
from app.platform.db import UnitOfWork


async def redeem(
    uow: UnitOfWork,
    codes: Sequence[str],
    *,
    customer_id: int | None,
    email: str | None,
    reference: str,
    now: datetime | None = None,
) -> list[Redemption]:
    """Count one use of each code for checkout `reference`, all or none.

    The codes' rows are locked (in id order, so two checkouts never deadlock) before the
    dates and both usage limits are checked again, so N concurrent checkouts of a code
    limited to K redeem exactly K. Safe to repeat: a code already redeemed for `reference`
    is not counted twice. Raises `DiscountRejected` with the reason for the first code that
    cannot be used. A code with a per-customer limit needs the buyer's id or e-mail.
    """
    keys = sorted({normalise_code(c) for c in codes} - {""})
    if not keys:
        return []
    mail = email.strip().lower() if email else None
    async with uow:
        s = uow.session
        locked = (
            await s.execute(
                sa.select(discount_codes)
                .where(sa.func.lower(discount_codes.c.code).in_(keys))
                .order_by(discount_codes.c.id)
                .with_for_update()
            )
        ).all()
        found = {r.code.lower(): rows.discount_code(r) for r in locked}
        done = set(
            (
                await s.execute(
                    sa.select(discount_redemptions.c.code_id).where(
                        discount_redemptions.c.reference == reference,
                        discount_redemptions.c.code_id.in_([c.id for c in found.values()]),
                    )
                )
            ).scalars()
        )
        rules = PricingRules(
            prices_include_tax=False,
            now=now or datetime.now(UTC),
            codes=found,
            customer_uses=await customer_uses(
                uow, [c.id for c in found.values()], customer_id, mail
            ),
        )
        new = []
        for key in keys:
            code = found.get(key)
            if code is not None and code.id in done:
                continue
            problem = code_problem(code, rules, None, None)
            if problem is None and code is not None and code.usage_limit_per_customer is not None:
                if customer_id is None and not mail:
                    problem = DISCOUNT_NOT_APPLICABLE
            if problem is not None or code is None:
                raise DiscountRejected(key.upper(), problem or DISCOUNT_NOT_APPLICABLE)
            new.append(code)
        if new:
            await s.execute(
                discount_redemptions.insert(),
                [
                    {
                        "code_id": c.id,
                        "reference": reference,
                        "customer_id": customer_id,
                        "email": mail,
                    }
                    for c in new
                ],
            )
            await s.execute(
                discount_codes.update()
                .where(discount_codes.c.id.in_([c.id for c in new]))
                .values(used_count=discount_codes.c.used_count + 1)
            )
            uow.emit(
                DiscountRedeemed(
                    reference=reference,
                    codes=[c.code for c in new],
                    customer_id=customer_id,
                    email=mail,
                )
            )
        await uow.commit()
    return [Redemption(found[k].id, found[k].code, reference) for k in keys]


async def restore(uow: UnitOfWork, reference: str) -> int:
    """Give back every code redeemed for `reference`; returns how many. Idempotent: a second
    call (or a concurrent one) finds nothing left to give back."""
    async with uow:
        s = uow.session
        # lock the codes first, in id order, as `redeem` does: the two never deadlock
        ids = (
            (
                await s.execute(
                    sa.select(discount_redemptions.c.code_id).where(
                        discount_redemptions.c.reference == reference
                    )
                )
            )
            .scalars()
            .all()
        )
        if ids:
            await s.execute(
                sa.select(discount_codes.c.id)
                .where(discount_codes.c.id.in_(set(ids)))
                .order_by(discount_codes.c.id)
                .with_for_update()
            )
        gone = (
            (
                await s.execute(
                    discount_redemptions.delete()
                    .where(discount_redemptions.c.reference == reference)
                    .returning(discount_redemptions.c.code_id)
                )
            )
            .scalars()
            .all()
        )
        if gone:
            for code_id, n in sorted(Counter(gone).items()):
                await s.execute(
                    discount_codes.update()
                    .where(discount_codes.c.id == code_id)
                    .values(used_count=sa.func.greatest(discount_codes.c.used_count - n, 0))
                )
            names = (
                (
                    await s.execute(
                        sa.select(discount_codes.c.code).where(discount_codes.c.id.in_(set(gone)))
                    )
                )
                .scalars()
                .all()
            )
            uow.emit(DiscountRestored(reference=reference, codes=sorted(names)))
        await uow.commit()
    return len(gone)
