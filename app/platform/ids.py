"""Global IDs (`gid://emporium/Product/42`), the one form every `id` field takes."""

from __future__ import annotations

PREFIX = "gid://emporium/"


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
    if not isinstance(gid, str) or not gid.startswith(PREFIX):
        raise InvalidId(f"{gid!r} is not an Emporium ID (gid://emporium/<Type>/<id>)", field)
    type_name, _, raw = gid.removeprefix(PREFIX).partition("/")
    if not raw.isdigit() or not type_name or len(raw) > 18:
        raise InvalidId(f"{gid!r} is not an Emporium ID (gid://emporium/<Type>/<id>)", field)
    if expected and type_name not in expected:
        raise InvalidId(f"{gid!r} is a {type_name} ID; expected {' or '.join(expected)}", field)
    return type_name, int(raw)
