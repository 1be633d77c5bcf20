"""What the inventory hands out: immutable read models, never ORM rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

ReservationStatus = Literal["RESERVED", "CONFIRMED", "RELEASED"]


@dataclass(frozen=True, slots=True)
class Warehouse:
    id: int
    code: str
    name: str
    countries: tuple[str, ...]
    priority: int


@dataclass(frozen=True, slots=True)
class StockLevel:
    variant_id: int
    warehouse_id: int
    on_hand: int
    reserved: int
    updated_at: datetime

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


@dataclass(frozen=True, slots=True)
class ReservationLine:
    variant_id: int
    warehouse_id: int
    quantity: int


@dataclass(frozen=True, slots=True)
class Reservation:
    saga_id: str
    status: ReservationStatus
    expires_at: datetime
    lines: tuple[ReservationLine, ...]


@dataclass(frozen=True, slots=True)
class Mismatch:
    """A stock row whose figures differ from the sum of its ledger movements."""

    variant_id: int
    warehouse_id: int
    on_hand: int
    reserved: int
    ledger_on_hand: int
    ledger_reserved: int
