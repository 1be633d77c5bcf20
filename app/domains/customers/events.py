"""Events the customers context publishes."""

from datetime import datetime
from typing import ClassVar

from pydantic import Field

from app.platform.events import Event


class PasswordResetRequested(Event):
    """A customer asked to reset their password: notifications e-mails them the link.

    It carries the reset token (the e-mail needs it) — the only place the raw token lives
    besides that e-mail; the database keeps its hash. `repr=False` keeps it out of any log
    line that formats the event.
    """

    type_name: ClassVar[str] = "customers.PasswordResetRequested.v1"

    customer_id: int
    email: str
    first_name: str | None
    reset_token: str = Field(repr=False)
    expires_at: datetime


class CustomerCreated(Event):
    type_name: ClassVar[str] = "customers.CustomerCreated.v1"

    customer_id: int
    email: str
    accepts_marketing: bool
