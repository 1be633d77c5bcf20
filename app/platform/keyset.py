"""Keyset pagination in SQL: pages that stay stable under inserts and cost O(page) at any
depth. Shared by every context's listings; many listings can run as one statement."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from app.platform.pagination import Page, PageRequest, PaginationError


def check_page(page: PageRequest, casts: Sequence[Any]) -> PageRequest:
    """The page with its cursor values cast to the sort key's types (PaginationError if not)."""
    return PageRequest(
        limit=page.limit,
        forward=page.forward,
        after=_cast_key(page.after, casts, "after") if page.after is not None else None,
        before=_cast_key(page.before, casts, "before") if page.before is not None else None,
    )


def _cast_key(key: tuple[object, ...], casts: Sequence[Any], field: str) -> tuple[Any, ...]:
    if len(key) != len(casts):
        raise PaginationError("INVALID_CURSOR", field, f"`{field}` does not fit this sort order")
    values = tuple(_cast(cast, v) for cast, v in zip(casts, key, strict=True))
    if any(v is _INVALID for v in values):
        raise PaginationError("INVALID_CURSOR", field, f"`{field}` is not a valid cursor")
    return values


_INVALID = object()
# the casts whose cursor value is written as a string
_TEXT_CASTS: tuple[Any, ...] = (str, Decimal, datetime.fromisoformat)
# A numeric key column (money is numeric(14,2)) holds less than 10^15, with few decimals.
_MAX_DECIMAL_DIGITS = 15
_MIN_DECIMAL_EXPONENT = -6


def _cast(cast: Any, v: object) -> Any:
    """The cursor value as the key column's type, or _INVALID. Each type is written one way
    by `keyset_rows` (ints as JSON integers, decimals and datetimes as strings), and only a
    value Postgres can compare with the column is accepted: a bigint, a finite decimal in
    the column's range, text without NUL, an aware datetime. Anything else never came from a
    cursor we wrote."""
    if cast is int:
        # bool is an int to Python, never to a cursor; orjson reads an integer past 2^64 as a float
        ok = type(v) is int and -(2**63) <= v < 2**63
        return v if ok else _INVALID
    if cast not in _TEXT_CASTS:
        # a listing's own parser (a tree position, say) checks its structured value itself
        try:
            return cast(v)
        except (TypeError, ValueError, OverflowError, ArithmeticError):
            return _INVALID
    if not isinstance(v, str) or not _is_text(v):
        return _INVALID
    if cast is str:
        return v
    if cast is Decimal:
        try:
            d = Decimal(v)
        except (ArithmeticError, ValueError):  # decimal.InvalidOperation is both
            return _INVALID
        # checked on its digits and exponent: no arithmetic, so no decimal.Overflow
        if not d.is_finite() or d.as_tuple().exponent < _MIN_DECIMAL_EXPONENT:  # type: ignore[operator]
            return _INVALID
        return d if d.adjusted() < _MAX_DECIMAL_DIGITS else _INVALID
    try:
        value = cast(v)
        if isinstance(value, datetime):
            if value.tzinfo is None:
                return _INVALID
            value.astimezone(UTC)  # a year 9999 at -14:00 overflows here, not in asyncpg
        return value
    except (TypeError, ValueError, OverflowError, ArithmeticError):
        return _INVALID


def _is_text(v: str) -> bool:
    """Text Postgres stores: no NUL, and valid UTF-8 (no lone surrogate)."""
    if "\x00" in v:
        return False
    try:
        v.encode()
    except UnicodeEncodeError:
        return False
    return True


def keyset_select(
    query: sa.Select[Any],
    conds: list[sa.ColumnElement[bool]],
    key_cols: tuple[Any, ...],
    page: PageRequest,
    *,
    reverse: bool = False,
    tag: int = 0,
) -> sa.Select[Any]:
    """Rows after/before a checked key in (reversed) key order, one extra to tell if more
    exist; tagged with `_q` (which listing) and `_rn` (position). Even `first: 0` reads that
    one row: it says whether the (empty) page has a next."""
    where = list(conds)
    ascending = page.forward != reverse
    tuple_cols = sa.tuple_(*key_cols)
    if page.after is not None:
        after = sa.tuple_(*page.after)
        where.append(tuple_cols < after if reverse else tuple_cols > after)
    if page.before is not None:
        before = sa.tuple_(*page.before)
        where.append(tuple_cols > before if reverse else tuple_cols < before)
    order = [c.asc() if ascending else c.desc() for c in key_cols]
    return (
        query.add_columns(
            sa.literal(tag).label("_q"), sa.func.row_number().over(order_by=order).label("_rn")
        )
        .where(*where)
        .order_by(*order)
        .limit(page.limit + 1)
    )


def union_pages(branches: list[sa.Select[Any]]) -> sa.Select[Any]:
    """Many keyset selects as one statement; each keeps its ORDER BY/LIMIT in a subquery
    and `_rn` restores its order."""
    union = sa.union_all(*[sa.select(b.subquery()) for b in branches]).subquery()
    return sa.select(union)


def keyset_rows(
    rows: list[Any], key_cols: tuple[Any, ...], page: PageRequest
) -> tuple[list[Any], list[tuple[object, ...]], bool]:
    """The page's rows in display order, their cursor keys, and whether more exist."""
    has_more = len(rows) > page.limit
    rows = rows[: page.limit]
    if not page.forward:
        rows.reverse()
    keys = [tuple(_json_key(r._mapping[c.name]) for c in key_cols) for r in rows]
    return rows, keys, has_more


def _json_key(v: object) -> object:
    if isinstance(v, Decimal):
        return str(v)
    if isinstance(v, datetime):
        return v.isoformat()
    return v


def page_of(
    items: list[Any], keys: list[tuple[object, ...]], has_more: bool, page: PageRequest
) -> Page[Any]:
    if page.forward:
        return Page(items, keys, has_next_page=has_more, has_previous_page=page.after is not None)
    return Page(items, keys, has_next_page=page.before is not None, has_previous_page=has_more)
