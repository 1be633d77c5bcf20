"""Events the pricing context publishes."""

from typing import ClassVar

from app.platform.events import Event


class DiscountRedeemed(Event):
    """A checkout used these codes (reporting and marketing may count them)."""

    type_name: ClassVar[str] = "pricing.DiscountRedeemed.v1"

    reference: str
    codes: list[str]
    customer_id: int | None
    email: str | None


class DiscountRestored(Event):
    """A failed checkout gave its codes back (the saga's compensation)."""

    type_name: ClassVar[str] = "pricing.DiscountRestored.v1"

    reference: str
    codes: list[str]
