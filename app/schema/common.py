"""Types every area shares: Node, Money, PageInfo, UserError, and in-memory connections."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Generic, TypeVar

import strawberry
from strawberry.schema.types.base_scalars import DateTimeDefinition, DecimalDefinition
from strawberry.types.scalar import ScalarDefinition

from app.platform.money import to_minor_units
from app.platform.pagination import PaginationError, encode_cursor, page_request

T = TypeVar("T")


# The scalars say what they are on the wire, so typed clients (graphql-codegen) need not guess:
# both are JSON strings. Mapped for every annotation in the schema (StrawberryConfig.scalar_map).
SCALARS: dict[object, ScalarDefinition] = {
    Decimal: dataclasses.replace(
        DecimalDefinition,
        description=(
            'A decimal number serialized as a JSON string, never a float: `"29.99"`, '
            '`"0.00"`, `"1500"`. Answers are plain decimal notation (no exponent); money '
            "amounts carry exactly their currency's minor-unit digits (ISO 4217). Inputs accept "
            "a string or a number in the numeric-string syntax of the General Decimal "
            "Arithmetic specification."
        ),
        specified_by_url="https://speleotrove.com/decimal/daconvs.html",
        serialize=lambda d: format(d, "f"),
    ),
    datetime: dataclasses.replace(
        DateTimeDefinition,
        description=(
            "A date and time with its UTC offset, serialized as an RFC 3339 string: "
            '`"2026-11-26T16:00:14.123456+00:00"`.'
        ),
        specified_by_url="https://datatracker.ietf.org/doc/html/rfc3339",
    ),
}


@strawberry.interface(description="An object with a global ID, fetchable with `node(id:)`.")
class Node:
    id: strawberry.ID


@strawberry.type(description="An amount of money: a decimal amount (as a string) and its currency.")
class Money:
    amount: Decimal = strawberry.field(
        description='Always with the currency\'s minor-unit digits: `"49.00"` and `"0.00"` '
        'in USD, `"1500"` in JPY, `"1.250"` in KWD.'
    )
    currency_code: str = strawberry.field(description="ISO 4217 code, such as USD.")


@strawberry.type(description="Relay page information.")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type(description="A problem with a mutation's input, with a stable code.")
class UserError:
    field: list[str] | None
    message: str
    code: str


def money(amount: Decimal, currency: str) -> Money:
    return Money(amount=to_minor_units(amount, currency), currency_code=currency)


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


def keyset_edges(
    kind: str,
    items: Sequence[T],
    keys: Sequence[tuple[object, ...]],
    has_next: bool,
    has_previous: bool,
) -> tuple[list[Edge[T]], PageInfo]:
    """Edges and PageInfo for a keyset page: each cursor is the item's sort key."""
    edges = [Edge(cursor=encode_cursor(kind, k), node=n) for n, k in zip(items, keys, strict=True)]
    return edges, PageInfo(
        has_next_page=has_next,
        has_previous_page=has_previous,
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None,
    )


def slice_list(
    kind: str,
    items: Sequence[T],
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> tuple[list[tuple[str, T]], PageInfo]:
    """Relay pagination over a short list already in memory (a product's variants, images)."""
    req = page_request(kind, first, after, last, before)
    start, end = 0, len(items)
    if req.after is not None:
        start = max(start, _index(req.after, "after") + 1)
    if req.before is not None:
        end = min(end, _index(req.before, "before"))
    end = max(end, start)
    if req.forward:
        lo, hi = start, min(end, start + req.limit)
    else:
        lo, hi = max(start, end - req.limit), end
    window = [(encode_cursor(kind, (i,)), items[i]) for i in range(lo, hi)]
    info = PageInfo(
        has_next_page=hi < end if req.forward else req.before is not None and end < len(items),
        has_previous_page=lo > start if not req.forward else req.after is not None and start > 0,
        start_cursor=window[0][0] if window else None,
        end_cursor=window[-1][0] if window else None,
    )
    return window, info


def _index(key: tuple[object, ...], field: str) -> int:
    """A list cursor holds one position: a non-negative bigint (past the end is an empty
    page, as after a deletion); anything else is refused, never ignored."""
    pos = key[0] if len(key) == 1 else None
    # bool is an int to Python; orjson reads an integer past 2^64 as a float
    if not isinstance(pos, int) or isinstance(pos, bool) or not 0 <= pos < 2**63:
        raise PaginationError("INVALID_CURSOR", field, f"`{field}` is not a valid cursor")
    return pos
