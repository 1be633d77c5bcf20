"""Relay pagination arguments and opaque keyset cursors, shared by every connection."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Generic, TypeVar

import orjson

T = TypeVar("T")

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a listing: the items, each one's keyset position (for its cursor), and
    whether there is more on either side."""

    items: list[T]
    keys: list[tuple[object, ...]]
    has_next_page: bool
    has_previous_page: bool


class PaginationError(ValueError):
    """Bad pagination input; `code` is the stable error code clients switch on."""

    def __init__(self, code: str, field: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class PageRequest:
    """`limit` items after `after` (forward) or before `before` (backward)."""

    limit: int
    forward: bool
    after: tuple[object, ...] | None = None
    before: tuple[object, ...] | None = None


def encode_cursor(kind: str, key: tuple[object, ...]) -> str:
    raw = orjson.dumps([kind, *key], default=str)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(kind: str, cursor: str, field: str) -> tuple[object, ...]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = orjson.loads(raw)
    except (binascii.Error, ValueError, orjson.JSONDecodeError):
        raise PaginationError("INVALID_CURSOR", field, f"`{field}` is not a valid cursor") from None
    if not isinstance(data, list) or len(data) < 2 or data[0] != kind:
        raise PaginationError(
            "INVALID_CURSOR",
            field,
            f"`{field}` is a cursor from another list or sort order; start again without it",
        )
    return tuple(data[1:])


def page_request(
    kind: str,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> PageRequest:
    """Validate Relay arguments: at most one of first/last, 0..100 items."""
    if first is not None and last is not None:
        raise PaginationError(
            "INVALID_PAGINATION", "last", "pass either `first` or `last`, not both"
        )
    for name, value in (("first", first), ("last", last)):
        if value is not None and value < 0:
            raise PaginationError("INVALID_PAGINATION", name, f"`{name}` cannot be negative")
        if value is not None and value > MAX_PAGE_SIZE:
            raise PaginationError(
                "PAGE_SIZE_EXCEEDED",
                name,
                f"`{name}` is {value}; a connection returns at most {MAX_PAGE_SIZE} items",
            )
    after_key = decode_cursor(kind, after, "after") if after is not None else None
    before_key = decode_cursor(kind, before, "before") if before is not None else None
    if last is not None:
        return PageRequest(limit=last, forward=False, after=after_key, before=before_key)
    return PageRequest(
        limit=first if first is not None else DEFAULT_PAGE_SIZE,
        forward=True,
        after=after_key,
        before=before_key,
    )
