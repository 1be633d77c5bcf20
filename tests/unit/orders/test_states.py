"""The order lifecycle, checked over every (from, to) pair of statuses."""

from __future__ import annotations

import itertools

import pytest

from app.domains import orders

P, PAID, PF, F, S, D, C, PR, R = (
    "PLACED",
    "PAID",
    "PARTIALLY_FULFILLED",
    "FULFILLED",
    "SHIPPED",
    "DELIVERED",
    "CANCELLED",
    "PARTIALLY_REFUNDED",
    "REFUNDED",
)

# written out by hand, independently of the module's table
LEGAL = {
    (P, PAID),
    (P, C),
    (PAID, PF),
    (PAID, F),
    (PAID, C),
    (PAID, PR),
    (PAID, R),
    (PF, PF),
    (PF, F),
    (PF, PR),
    (PF, R),
    (F, S),
    (F, PR),
    (F, R),
    (S, D),
    (S, PR),
    (S, R),
    (D, PR),
    (D, R),
    (PR, PR),
    (PR, R),
}


def test_the_statuses_are_the_nine_of_the_lifecycle():
    assert set(orders.STATUSES) == {P, PAID, PF, F, S, D, C, PR, R}


@pytest.mark.parametrize(("current", "target"), list(itertools.product(orders.STATUSES, repeat=2)))
def test_every_pair(current, target):
    if (current, target) in LEGAL:
        assert orders.can_transition(current, target)
        assert orders.transition(current, target) == target
    else:
        assert not orders.can_transition(current, target)
        with pytest.raises(orders.IllegalTransition) as e:
            orders.transition(current, target)
        assert e.value.code == "ILLEGAL_TRANSITION"
        assert current in e.value.message and target in e.value.message


def test_cancelled_and_refunded_are_final_and_unknown_statuses_are_refused():
    for final in (C, R):
        assert not any(orders.can_transition(final, t) for t in orders.STATUSES)
    with pytest.raises(orders.IllegalTransition):
        orders.transition("LOST", PAID)
    with pytest.raises(orders.IllegalTransition):
        orders.transition(PAID, "LOST")
