import pytest

from app.platform.pagination import (
    MAX_PAGE_SIZE,
    PaginationError,
    decode_cursor,
    encode_cursor,
    page_request,
)


def test_cursor_round_trips_and_is_opaque():
    c = encode_cursor("products:PRICE:0", ("12.50", 7))
    assert "12.50" not in c
    assert decode_cursor("products:PRICE:0", c, "after") == ("12.50", 7)


@pytest.mark.parametrize("bad", ["", "!!!", "bm90IGpzb24", encode_cursor("x", ())])
def test_garbage_cursor_is_invalid_cursor(bad):
    with pytest.raises(PaginationError) as e:
        decode_cursor("products:ID:0", bad, "after")
    assert e.value.code == "INVALID_CURSOR"
    assert e.value.field == "after"


def test_cursor_from_another_sort_order_is_rejected():
    c = encode_cursor("products:PRICE:0", ("1.00", 1))
    with pytest.raises(PaginationError, match="another list or sort order"):
        decode_cursor("products:TITLE:0", c, "before")


def test_page_size_is_capped_with_a_clear_code():
    with pytest.raises(PaginationError) as e:
        page_request("k", 10000, None, None, None)
    assert e.value.code == "PAGE_SIZE_EXCEEDED"
    assert str(MAX_PAGE_SIZE) in e.value.message
    with pytest.raises(PaginationError) as e:
        page_request("k", None, None, 101, None)
    assert e.value.field == "last"


def test_negative_and_both_directions_are_rejected():
    with pytest.raises(PaginationError, match="negative"):
        page_request("k", -1, None, None, None)
    with pytest.raises(PaginationError, match="not both"):
        page_request("k", 1, None, 1, None)


def test_defaults_and_directions():
    assert page_request("k", None, None, None, None).limit == 20
    back = page_request("k", None, None, 5, encode_cursor("k", (3,)))
    assert not back.forward and back.limit == 5 and back.before == (3,)
