import pytest

from app.platform.pagination import PaginationError
from app.schema.common import slice_list

ITEMS = list("abcdefg")


def nodes(window):
    return [n for _, n in window]


def test_forward_pages_cover_the_list_once():
    seen, after = [], None
    while True:
        window, info = slice_list("k", ITEMS, 3, after, None, None)
        seen += nodes(window)
        if not info.has_next_page:
            break
        after = info.end_cursor
    assert seen == ITEMS


def test_backward_from_a_cursor():
    window, _ = slice_list("k", ITEMS, 5, None, None, None)
    back, info = slice_list("k", ITEMS, None, None, 2, window[3][0])
    assert nodes(back) == ["b", "c"]
    assert info.has_previous_page and info.has_next_page


def test_first_zero_is_empty():
    window, info = slice_list("k", ITEMS, 0, None, None, None)
    assert window == [] and info.start_cursor is None


def test_cursor_of_another_list_is_rejected():
    window, _ = slice_list("variants:1", ITEMS, 2, None, None, None)
    with pytest.raises(PaginationError):
        slice_list("variants:2", ITEMS, 2, window[0][0], None, None)


@pytest.mark.parametrize(
    "key",
    [
        ["k", 2**64],  # orjson reads it as a float: it used to be ignored silently
        ["k", 2**63],
        ["k", -1],
        ["k", "3"],
        ["k", True],
        ["k", 1, 2],
    ],
)
def test_a_list_cursor_is_checked_not_ignored(key):
    import base64
    import json

    cursor = base64.urlsafe_b64encode(json.dumps(key).encode()).decode()
    with pytest.raises(PaginationError) as e:
        slice_list("k", ITEMS, 2, cursor, None, None)
    assert e.value.code == "INVALID_CURSOR"


def test_first_zero_says_there_is_more():
    window, info = slice_list("k", ITEMS, 0, None, None, None)
    assert window == [] and info.has_next_page
