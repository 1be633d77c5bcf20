from decimal import Decimal

import pytest

from app.platform.keyset import check_page, page_of
from app.platform.pagination import PageRequest, PaginationError


def test_cursor_values_are_cast_to_the_sort_keys_types():
    page = check_page(PageRequest(5, True, after=("12.50", 7)), (Decimal, int))
    assert page.after == (Decimal("12.50"), 7)


@pytest.mark.parametrize(
    "key",
    [
        ("12.50",),
        ("abc", 7),
        (True, 7),
        ("1.00", "x"),
        (None, 1),
        ("1.00", 2**63),  # beyond bigint
        ("NaN", 1),
        ("1e400", 1),
    ],
)
def test_a_cursor_that_does_not_fit_the_order_is_invalid(key):
    with pytest.raises(PaginationError) as e:
        check_page(PageRequest(5, False, before=key), (Decimal, int))
    assert e.value.code == "INVALID_CURSOR" and e.value.field == "before"


def test_page_flags_follow_the_direction():
    fwd = page_of([1], [(1,)], True, PageRequest(1, True, after=(0,)))
    assert fwd.has_next_page and fwd.has_previous_page
    back = page_of([1], [(1,)], False, PageRequest(1, False, before=(2,)))
    assert back.has_next_page and not back.has_previous_page


def test_text_keys_cannot_carry_a_nul_byte():
    assert check_page(PageRequest(2, True, after=("Shirt", 1)), (str, int)).after == ("Shirt", 1)
    with pytest.raises(PaginationError):
        check_page(PageRequest(2, True, after=("Sh\x00irt", 1)), (str, int))


@pytest.mark.parametrize(
    "key",
    [
        ("1E+999999999", 1),  # issue 13 #6: decimal.Overflow was a 500
        ("-1E+999999999", 1),
        ("1E-999999999", 1),  # Postgres refuses such a numeric
        ("1" * 16, 1),  # past any numeric key column
        ("Infinity", 1),
        (12.5, 1),  # written as a string, never a float
        ("12.50", 1.8446744073709552e19),  # orjson reads an integer past 2^64 as a float
        ("12.50", 7.0),
        ("12.50", "7"),
    ],
)
def test_a_decimal_cursor_is_checked_completely(key):
    with pytest.raises(PaginationError) as e:
        check_page(PageRequest(5, True, after=key), (Decimal, int))
    assert e.value.code == "INVALID_CURSOR"


def test_a_datetime_cursor_must_be_aware_and_in_range():
    from datetime import datetime

    ok = check_page(
        PageRequest(2, True, after=("2026-01-02T03:04:05+00:00", 1)), (datetime.fromisoformat, int)
    )
    assert ok.after[0] == datetime.fromisoformat("2026-01-02T03:04:05+00:00")
    for bad in ("2026-01-02T03:04:05", "9999-12-31T23:59:59-14:00", "yesterday", 5):
        with pytest.raises(PaginationError):
            check_page(PageRequest(2, True, after=(bad, 1)), (datetime.fromisoformat, int))


def test_text_keys_must_be_storable_text():
    with pytest.raises(PaginationError):
        check_page(PageRequest(2, True, after=("\ud800", 1)), (str, int))
    with pytest.raises(PaginationError):
        check_page(PageRequest(2, True, after=(5, 1)), (str, int))


def test_a_page_of_zero_still_asks_whether_there_is_a_next():
    """Issue 11 #5: `first: 0` answered hasNextPage false on a non-empty list."""
    import sqlalchemy as sa

    from app.platform.keyset import keyset_rows, keyset_select

    t = sa.table("t", sa.column("id"))
    page = PageRequest(0, True)
    sel = keyset_select(sa.select(t.c.id), [], (t.c.id,), page)
    assert sel is not None and sel._limit == 1

    class Row:
        _mapping = {"id": 5}

    rows, keys, more = keyset_rows([Row()], (t.c.id,), page)
    assert rows == [] and page_of(rows, keys, more, page).has_next_page
