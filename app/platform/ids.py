"""Global IDs (`gid://emporium/Product/42`), the one form every `id` field takes."""

from __future__ import annotations

import re

PREFIX = "gid://emporium/"
# One spelling per object: ASCII digits without a leading zero, at most 18 (a bigint).
# `str.isdigit()` would also take '²' (which `int()` refuses) and fullwidth digits
# (which `int()` reads, giving a second ID for the same object).
_GID = re.compile(r"([A-Za-z][A-Za-z0-9]*)/([1-9][0-9]{0,17})")
_SHOWN = 80  # how much of a bad ID an error message repeats


class InvalidId(ValueError):
    code = "INVALID_ID"

    def __init__(self, message: str, field: str = "id") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def to_global_id(type_name: str, pk: int) -> str:
    return f"{PREFIX}{type_name}/{pk}"


def from_global_id(gid: str, *expected: str, field: str = "id") -> tuple[str, int]:
    """Parse a global ID; when `expected` type names are given, the ID must be one of them."""
    shown = repr(gid[:_SHOWN] + "…" if isinstance(gid, str) and len(gid) > _SHOWN else gid)
    m = _GID.fullmatch(gid.removeprefix(PREFIX)) if isinstance(gid, str) else None
    if m is None or not gid.startswith(PREFIX):
        raise InvalidId(f"{shown} is not an Emporium ID (gid://emporium/<Type>/<id>)", field)
    type_name, raw = m.groups()
    if expected and type_name not in expected:
        raise InvalidId(
            f"{shown} is {_article(type_name)} {type_name} ID; expected {' or '.join(expected)}",
            field,
        )
    return type_name, int(raw)


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"
