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
    ],
)
def test_malformed_ids_are_invalid(bad):
    with pytest.raises(InvalidId) as e:
        from_global_id(bad)
    assert e.value.code == "INVALID_ID"


def test_wrong_type_is_invalid():
    with pytest.raises(InvalidId, match="is a Category ID; expected Product"):
        from_global_id(to_global_id("Category", 1), "Product")
