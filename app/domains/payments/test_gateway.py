"""The built-in `test` gateway: no network, Stripe-like test tokens, for demos, the
embedded mode and the tests.

- `tok_visa` (and `tok_mastercard`, `tok_amex`): approved.
- `tok_chargeDeclined`: declined, `card_declined`; `tok_chargeDeclinedInsufficientFunds`:
  declined, `insufficient_funds`.
- `tok_timeout`: the first authorize under an idempotency key holds the money but its
  answer is lost (a retryable `timeout` error); retrying with the same key returns that
  authorization, so nothing is held twice. A new key would authorize again, as a real
  processor would: that is why keys are derived from the reference.

State lives in this object (one process): enough for a demo and the embedded mode's
in-process workers, not shared between worker processes.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass

from app.domains.payments.gateway import GatewayResult

APPROVED_TOKENS = frozenset({"tok_visa", "tok_mastercard", "tok_amex", "tok_timeout"})
DECLINES = {
    "tok_chargeDeclined": ("card_declined", "Your card was declined."),
    "tok_chargeDeclinedInsufficientFunds": (
        "insufficient_funds",
        "Your card has insufficient funds.",
    ),
}


@dataclass
class TestCharge:
    gateway_id: str
    amount: int
    currency: str
    reference: str
    captured: int = 0
    refunded: int = 0
    voided: bool = False


class TestGateway:
    name = "test"
    __test__ = False  # not a pytest class

    def __init__(self, latency: float = 0.0) -> None:
        self.latency = latency  # seconds each call takes: lets tests overlap calls
        self.charges: dict[str, TestCharge] = {}
        self.calls: list[tuple[str, str]] = []  # (operation, idempotency key), every call
        self._answers: dict[tuple[str, str], GatewayResult] = {}
        self._lost: set[str] = set()  # tok_timeout keys whose first answer was lost
        self._lock = asyncio.Lock()

    async def _call(self, op: str, key: str) -> GatewayResult | None:
        self.calls.append((op, key))
        if self.latency:
            await asyncio.sleep(self.latency)
        return self._answers.get((op, key))

    def _answer(self, op: str, key: str, result: GatewayResult) -> GatewayResult:
        self._answers[(op, key)] = result
        return result

    async def authorize(
        self, amount: int, currency: str, token: str, idempotency_key: str, reference: str
    ) -> GatewayResult:
        async with self._lock:
            known = await self._call("authorize", idempotency_key)
            if known is not None:
                return known
            if token in DECLINES:
                code, message = DECLINES[token]
                return self._answer(
                    "authorize", idempotency_key, GatewayResult.decline(code, message)
                )
            if token not in APPROVED_TOKENS:
                return GatewayResult.error(
                    "invalid_token", f"No such test token: {token!r}", retryable=False
                )
            charge = TestCharge(f"pi_test_{uuid.uuid4().hex[:24]}", amount, currency, reference)
            self.charges[charge.gateway_id] = charge
            result = self._answer(
                "authorize", idempotency_key, GatewayResult.approve(charge.gateway_id, amount)
            )
            if token == "tok_timeout" and idempotency_key not in self._lost:
                self._lost.add(idempotency_key)
                return GatewayResult.error(
                    "timeout", "The processor did not answer in time", retryable=True
                )
            return result

    async def capture(self, gateway_id: str, amount: int, idempotency_key: str) -> GatewayResult:
        async with self._lock:
            known = await self._call("capture", idempotency_key)
            if known is not None:
                return known
            charge = self.charges.get(gateway_id)
            if charge is None or charge.voided or charge.captured:
                return self._refused("capture", idempotency_key, gateway_id, charge)
            if amount > charge.amount:
                return GatewayResult.error(
                    "amount_too_large", "Capture exceeds the authorization", retryable=False
                )
            charge.captured = amount
            return self._answer(
                "capture", idempotency_key, GatewayResult.approve(gateway_id, amount)
            )

    async def void(self, gateway_id: str, idempotency_key: str) -> GatewayResult:
        async with self._lock:
            known = await self._call("void", idempotency_key)
            if known is not None:
                return known
            charge = self.charges.get(gateway_id)
            if charge is None or charge.captured:
                return self._refused("void", idempotency_key, gateway_id, charge)
            charge.voided = True
            return self._answer(
                "void", idempotency_key, GatewayResult.approve(gateway_id, charge.amount)
            )

    async def refund(self, payment: str, amount: int | None, idempotency_key: str) -> GatewayResult:
        async with self._lock:
            known = await self._call("refund", idempotency_key)
            if known is not None:
                return known
            charge = self.charges.get(payment)
            if charge is None or not charge.captured:
                return self._refused("refund", idempotency_key, payment, charge)
            left = charge.captured - charge.refunded
            amount = left if amount is None else amount
            if amount <= 0 or amount > left:
                return GatewayResult.error(
                    "amount_too_large", "Refund exceeds what is left to refund", retryable=False
                )
            charge.refunded += amount
            refund_id = f"re_test_{uuid.uuid4().hex[:24]}"
            return self._answer(
                "refund", idempotency_key, GatewayResult.approve(payment, amount, refund_id)
            )

    def _refused(
        self, op: str, key: str, gateway_id: str, charge: TestCharge | None
    ) -> GatewayResult:
        if charge is None:
            return GatewayResult.error(
                "no_such_payment", f"No payment {gateway_id}", retryable=False
            )
        state = "voided" if charge.voided else "captured" if charge.captured else "authorized"
        return GatewayResult.error(
            "unexpected_state", f"Cannot {op} a payment that is {state}", retryable=False
        )

    async def aclose(self) -> None:
        return None
