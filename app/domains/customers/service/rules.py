"""Input rules shared by customers and staff: e-mail normalisation, text bounds."""

from __future__ import annotations

import re

from app.domains.customers.errors import InvalidInput

MAX_EMAIL = 254  # RFC 5321's path limit
MAX_TEXT = 255
# one @, a dot in the domain, no spaces or control characters (Postgres refuses NUL)
_EMAIL = re.compile(r"[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+\.[^@\s.\x00-\x1f\x7f]+")


def normalise_email(email: str, field: str = "email") -> str:
    """Trimmed, with the domain lowercased (domains ignore case; a mailbox's local part
    may not, so it is kept as typed — uniqueness ignores its case anyway)."""
    email = email.strip()
    if len(email) > MAX_EMAIL or not _EMAIL.fullmatch(email):
        raise InvalidInput("Enter a valid e-mail address", field)
    local, _, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"


def clean_text(value: str | None, field: str, limit: int = MAX_TEXT) -> str | None:
    """Trimmed, empty as None, at most `limit` characters and no control characters."""
    if value is None:
        return None
    value = value.strip()
    if len(value) > limit:
        raise InvalidInput(f"At most {limit} characters", field)
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise InvalidInput("Control characters are not allowed", field)
    return value or None
