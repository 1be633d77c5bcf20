import pytest

from app.platform.ids import InvalidId, from_global_id, to_global_id


def test_round_trip():
    assert from_global_id(to_global_id("Product", 42)) == ("Product", 42)


@pytest.mark.parametrize(
    "bad",
    [
        "42",
        "gid://emporium/Product/",
        "gid://emporium/Product/abc",
        "gid://other/Product/1",
        "gid://emporium//1",
        "gid://emporium/Product/-1",
        "gid://emporium/Product/" + "9" * 30,
        # issue 13 #5: not ASCII digits ('²'.isdigit() is true, int('²') raises; fullwidth
        # digits would give a second ID for Product/12), and no second spelling
        "gid://emporium/Product/²",
        "gid://emporium/Product/１２",
        "gid://emporium/Product/012",
        "gid://emporium/Product/0",
        "gid://emporium/Product/12\n",
        "gid://emporium/Prod uct/12",
        None,
        42,
    ],
)
def test_malformed_ids_are_invalid(bad):
    with pytest.raises(InvalidId) as e:
        from_global_id(bad)
    assert e.value.code == "INVALID_ID"


def test_wrong_type_is_invalid_and_said_with_the_right_article():
    with pytest.raises(InvalidId, match="is a Category ID; expected Product"):
        from_global_id(to_global_id("Category", 1), "Product")
    # issue 11 #5: it read "is a Order ID"
    with pytest.raises(InvalidId, match="is an Order ID; expected Product"):
        from_global_id(to_global_id("Order", 1), "Product")


def test_a_long_bad_id_is_not_repeated_whole():
    with pytest.raises(InvalidId) as e:
        from_global_id("gid://emporium/Product/" + "x" * 100_000)
    assert len(e.value.message) < 200
