"""Saga state: start one per idempotency key, move it one step at a time (a step moves it
only from the step it ran in, so a redelivered message changes nothing), list stuck ones.

The calls into the other contexts are the workers' (app/workers/checkout.py): this module
only keeps the record any worker continues from.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from app.domains.checkout.entities import (
    COMPENSATE,
    COMPLETED,
    DONE,
    EXPIRABLE,
    EXPIRED,
    FAILED,
    PROCESSING,
    VALIDATE,
    Saga,
    SagaDraft,
)
from app.domains.checkout.errors import IdempotencyKeyReused
from app.domains.checkout.events import CheckoutStatusChanged
from app.domains.checkout.models import sagas
from app.platform.db import UnitOfWork

MAX_HISTORY = 50


def _saga(r: Any) -> Saga:
    return Saga(
        id=r.id,
        idempotency_key=r.idempotency_key,
        cart_id=r.cart_id,
        customer_id=r.customer_id,
        email=r.email,
        currency=r.currency,
        amount=r.amount,
        gateway=r.gateway,
        token=r.token,
        shipping_address=r.shipping_address,
        status=r.status,
        reason=r.reason,
        step=r.step,
        snapshot=r.snapshot or {},
        order_id=r.order_id,
        history=tuple(r.history or ()),
        created_at=r.created_at,
        updated_at=r.updated_at,
    )


def _entry(step: str, outcome: str, **detail: Any) -> list[dict[str, Any]]:
    return [{"step": step, "outcome": outcome, "at": datetime.now(UTC).isoformat(), **detail}]


async def start(uow: UnitOfWork, draft: SagaDraft) -> tuple[Saga, bool]:
    """The saga for `draft.idempotency_key`, created at its first step when new (True).
    The same key for another cart, buyer, amount or currency: IdempotencyKeyReused."""
    async with uow:
        row = (
            await uow.session.execute(
                insert(sagas)
                .values(
                    id=uuid.uuid4().hex,
                    idempotency_key=draft.idempotency_key,
                    cart_id=draft.cart_id,
                    customer_id=draft.customer_id,
                    email=draft.email,
                    currency=draft.currency,
                    amount=draft.amount,
                    gateway=draft.gateway,
                    token=draft.token,
                    shipping_address=draft.shipping_address,
                    step=VALIDATE,
                    history=_entry("start", "created"),
                )
                .on_conflict_do_nothing(index_elements=[sagas.c.idempotency_key])
                .returning(*sagas.c)
            )
        ).first()
        created = row is not None
        if row is None:
            row = (
                await uow.session.execute(
                    sa.select(sagas).where(sagas.c.idempotency_key == draft.idempotency_key)
                )
            ).one()
        await uow.commit()
    saga = _saga(row)
    same = (saga.cart_id, saga.customer_id, saga.amount, saga.currency) == (
        draft.cart_id,
        draft.customer_id,
        draft.amount,
        draft.currency,
    )
    if not same:
        raise IdempotencyKeyReused(
            "This idempotency key was used for another checkout", "idempotencyKey"
        )
    return saga, created


async def get(uow: UnitOfWork, saga_id: str) -> Saga | None:
    async with uow:
        row = (await uow.session.execute(sa.select(sagas).where(sagas.c.id == saga_id))).first()
        return _saga(row) if row else None


async def by_key(uow: UnitOfWork, idempotency_key: str) -> Saga | None:
    async with uow:
        row = (
            await uow.session.execute(
                sa.select(sagas).where(sagas.c.idempotency_key == idempotency_key)
            )
        ).first()
        return _saga(row) if row else None


async def touch(uow: UnitOfWork, sagas_at: list[tuple[str, str]]) -> None:
    """Restart the stuck clock of (saga id, step) pairs sent again by the sweeper, so a
    slow step is sent once per CHECKOUT_STEP_TIMEOUT, not once per sweep."""
    if not sagas_at:
        return
    async with uow:
        for saga_id, step in sagas_at:
            await uow.session.execute(
                sa.update(sagas)
                .where(sagas.c.id == saga_id, sagas.c.step == step)
                .values(updated_at=sa.func.now())
            )
        await uow.commit()


async def advance(
    uow: UnitOfWork, saga_id: str, from_step: str, to_step: str, outcome: str, **changes: Any
) -> bool:
    """Move the saga from `from_step` to `to_step`, recording the outcome; False (and no
    change) when it is no longer at `from_step` (another delivery of the step got there
    first). Reaching DONE completes it; leaving COMPENSATE fails it. A status change is
    announced (CheckoutStatusChanged) in the same transaction."""
    values: dict[str, Any] = dict(changes)
    detail = values.pop("detail", {})
    if to_step == DONE:
        values["status"] = FAILED if from_step == COMPENSATE else COMPLETED
    async with uow:
        moved = (
            await uow.session.execute(
                sa.update(sagas)
                .where(
                    sagas.c.id == saga_id,
                    sagas.c.step == from_step,
                    sagas.c.status == PROCESSING,
                )
                .values(
                    step=to_step,
                    updated_at=sa.func.now(),
                    history=sagas.c.history.op("||")(
                        sa.cast(_entry(from_step, outcome, **detail), sagas.c.history.type)
                    ),
                    **values,
                )
                .returning(sagas.c.status, sagas.c.reason)
            )
        ).first()
        if moved is not None and "status" in values:
            uow.emit(
                CheckoutStatusChanged(checkout_id=saga_id, status=moved.status, reason=moved.reason)
            )
        await uow.commit()
    return moved is not None


async def fail(uow: UnitOfWork, saga_id: str, from_step: str, reason: str, **detail: Any) -> bool:
    """Give the saga up at `from_step` with `reason`: its compensations run next."""
    return await advance(
        uow, saga_id, from_step, COMPENSATE, reason.lower(), reason=reason, detail=detail
    )


async def stuck(uow: UnitOfWork, idle: timedelta, *, limit: int = 100) -> list[Saga]:
    """Sagas still PROCESSING whose step has not moved for `idle` (a worker died, or a
    message was lost between commit and send)."""
    async with uow:
        rows = await uow.session.execute(
            sa.select(sagas)
            .where(
                sagas.c.status == PROCESSING,
                sagas.c.updated_at < sa.func.now() - idle,
            )
            .order_by(sagas.c.updated_at)
            .limit(limit)
        )
        return [_saga(r) for r in rows]


async def expire(uow: UnitOfWork, saga: Saga, max_age: timedelta) -> bool:
    """Give up a saga older than `max_age` that has not been charged yet (EXPIRED, then
    its compensations); one past the charge is finished instead. True when it expired."""
    if saga.step not in EXPIRABLE or datetime.now(UTC) - saga.created_at < max_age:
        return False
    return await fail(uow, saga.id, saga.step, EXPIRED)


__all__ = ["advance", "by_key", "expire", "fail", "get", "start", "stuck", "touch"]
