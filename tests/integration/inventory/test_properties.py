"""Property tests: any sequence of reserve/confirm/release/expire/adjust keeps
0 <= reserved <= on_hand, the ledger equal to the stock, and Postgres equal to a model."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.domains import inventory
from app.platform.db import Database
from tests.integration.inventory.conftest import empty_inventory

VARIANTS = (11, 12, 13)
SAGAS = ("a", "b", "c", "d")

reserve_op = st.tuples(
    st.just("reserve"),
    st.sampled_from(SAGAS),
    st.lists(st.tuples(st.sampled_from(VARIANTS), st.integers(1, 6)), min_size=1, max_size=3),
    st.booleans(),  # already expired
)
op = st.one_of(
    reserve_op,
    st.tuples(st.sampled_from(("confirm", "release")), st.sampled_from(SAGAS)),
    st.tuples(st.just("expire")),
    st.tuples(st.just("adjust"), st.sampled_from(VARIANTS), st.integers(-8, 8)),
)


@dataclass
class Model:
    on_hand: dict[int, int] = field(default_factory=lambda: dict.fromkeys(VARIANTS, 0))
    reserved: dict[int, int] = field(default_factory=lambda: dict.fromkeys(VARIANTS, 0))
    sagas: dict[str, tuple[str, dict[int, int], bool]] = field(default_factory=dict)

    def free(self, held: dict[int, int]) -> None:
        for v, q in held.items():
            self.reserved[v] -= q


async def _apply(db: Database, model: Model, step: tuple) -> None:  # type: ignore[type-arg]
    kind = step[0]
    async with db.uow(inventory.CONTEXT) as uow:
        if kind == "reserve":
            _, saga, lines, expired = step
            wanted: dict[int, int] = {}
            for v, q in lines:
                wanted[v] = wanted.get(v, 0) + q
            ttl = timedelta(seconds=-1) if expired else timedelta(hours=1)
            short = [v for v, q in wanted.items() if model.on_hand[v] - model.reserved[v] < q]
            try:
                r = await inventory.reserve(uow, saga, lines, ttl)
            except inventory.OutOfStock as exc:
                assert saga not in model.sagas and sorted(short) == list(exc.variant_ids)
                return
            if saga in model.sagas:
                assert r.status == model.sagas[saga][0]
                return
            assert not short
            for v, q in wanted.items():
                model.reserved[v] += q
            model.sagas[saga] = ("RESERVED", wanted, expired)
        elif kind in ("confirm", "release"):
            saga = step[1]
            status, held, expired = model.sagas.get(saga, ("", {}, False))
            call = inventory.confirm if kind == "confirm" else inventory.release
            try:
                r = await call(uow, saga)
            except inventory.NotFound:
                assert kind == "confirm" and not status
                return
            except inventory.ReservationClosed:
                assert status == ("RELEASED" if kind == "confirm" else "CONFIRMED")
                return
            if status == "RESERVED":
                if kind == "confirm":
                    for v, q in held.items():
                        model.on_hand[v] -= q
                model.free(held)
                status = "CONFIRMED" if kind == "confirm" else "RELEASED"
            elif not status:
                status = "RELEASED"
            model.sagas[saga] = (status, held, expired)
            assert r.status == status
        elif kind == "expire":
            for saga, (status, held, expired) in list(model.sagas.items()):
                if status == "RESERVED" and expired:
                    model.free(held)
                    model.sagas[saga] = ("RELEASED", held, expired)
        else:
            _, v, delta = step
            try:
                await inventory.adjust(uow, v, delta, "count", actor="prop")
            except (inventory.BelowReserved, inventory.InvalidQuantity):
                assert model.on_hand[v] + delta < model.reserved[v]
                return
            model.on_hand[v] += delta
    if kind == "expire":
        await inventory.release_expired(db)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(op, max_size=20))
async def test_any_sequence_keeps_stock_consistent(db: Database, steps: list) -> None:  # type: ignore[type-arg]
    await empty_inventory(db)
    model = Model()
    for step in steps:
        await _apply(db, model, step)
        async with db.reader(inventory.CONTEXT) as uow:
            levels = await inventory.stock_levels(uow, variant_ids=list(VARIANTS))
            assert await inventory.check(uow) == []
            avail = await inventory.available_quantities(uow, list(VARIANTS))
        for lv in levels:
            assert 0 <= lv.reserved <= lv.on_hand
        got_on_hand = {v: sum(lv.on_hand for lv in levels if lv.variant_id == v) for v in VARIANTS}
        got_reserved = {
            v: sum(lv.reserved for lv in levels if lv.variant_id == v) for v in VARIANTS
        }
        assert got_on_hand == model.on_hand, step
        assert got_reserved == model.reserved, step
        assert avail == {v: model.on_hand[v] - model.reserved[v] for v in VARIANTS}
