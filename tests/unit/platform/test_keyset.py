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
