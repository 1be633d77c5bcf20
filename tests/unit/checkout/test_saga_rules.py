"""The saga's rules that need no I/O: step order, who sees a checkout, id encoding."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.domains import checkout
from app.resolvers.checkout import decode_id, encode_id


def test_the_steps_run_in_the_order_the_saga_describes():
    order = [checkout.VALIDATE]
    while (step := checkout.next_step(order[-1])) != checkout.DONE:
        order.append(step)
    assert order == ["validate", "reserve", "redeem", "pay", "place", "finish"]
    with pytest.raises(ValueError):
        checkout.next_step(checkout.COMPENSATE)


def _saga(customer_id: int | None, status: str = checkout.PROCESSING) -> checkout.Saga:
    now = datetime.now(UTC)
    return checkout.Saga(
        id="a" * 32, idempotency_key="k", cart_id="c" * 32, customer_id=customer_id,
        email=None, currency="USD", amount=100, gateway="test", token="tok_visa",
        shipping_address=None, status=status, reason=None, step=checkout.VALIDATE,
        snapshot={}, order_id=None, history=(), created_at=now, updated_at=now,
    )  # fmt: skip


def test_a_customers_checkout_is_theirs_alone_a_guests_is_its_ids():
    assert _saga(7).visible_to(7)
    assert not _saga(7).visible_to(8) and not _saga(7).visible_to(None)
    assert _saga(None).visible_to(None) and _saga(None).visible_to(8)


def test_only_processing_is_not_terminal():
    assert not _saga(None).terminal
    assert _saga(None, checkout.COMPLETED).terminal and _saga(None, checkout.FAILED).terminal


def test_checkout_ids_round_trip_and_refuse_anything_else():
    assert decode_id(encode_id("0" * 32)) == "0" * 32
    for bad in ("", "0" * 32, "gid://emporium/Cart/" + "0" * 32, encode_id("x" * 32)):
        assert decode_id(bad) is None
