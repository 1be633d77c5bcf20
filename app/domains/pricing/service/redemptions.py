"""Redeeming codes at checkout (race-free) and undoing it (the saga's compensation)."""

from __future__ import annotations

from collections.abc import Sequence

from app.domains.pricing.entities import Redemption
from app.platform.db import UnitOfWork


async def redeem(
    uow: UnitOfWork,
    codes: Sequence[str],
    *,
    customer_id: int | None,
    email: str | None,
    reference: str,
) -> list[Redemption]:
    raise NotImplementedError


async def restore(uow: UnitOfWork, reference: str) -> int:
    raise NotImplementedError
