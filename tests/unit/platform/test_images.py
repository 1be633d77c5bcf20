"""The image store's rules: keys, transforms, signatures, resizing, and what it refuses."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from app.platform.images import ImageError, ImageStore, Transform, public_url, sign


def png(size: tuple[int, int], mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, "white" if mode != "1" else 1).save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    "key",
    ["../x.png", "a/../../x.png", "/etc/passwd", ".cache/x.png", "a//b.png", "", "a/./b", "..."],
)
def test_keys_never_leave_the_store(tmp_path, key):
    with pytest.raises(ImageError) as e:
        ImageStore(tmp_path).path(key)
    assert e.value.code == "IMAGE_NOT_FOUND"


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_put_records_the_real_size_and_refuses_what_is_not_an_image(tmp_path):
    store = ImageStore(tmp_path)
    assert store.put("a/b.png", png((30, 20))) == (30, 20)
    assert (tmp_path / "a" / "b.png").is_file()
    with pytest.raises(ImageError) as e:
        store.put("c.png", b"<svg/>")
    assert e.value.code == "IMAGE_UNREADABLE"
    with pytest.raises(ImageError) as e:
        store.put("bomb.png", png((8000, 8000), "1"))  # 64 Mpx > the 50 Mpx limit
    assert e.value.code == "IMAGE_TOO_LARGE"
    assert not (tmp_path / "c.png").exists() and not (tmp_path / "bomb.png").exists()


@pytest.mark.parametrize(
    ("t", "size"),
    [
        (Transform(max_width=60), (60, 40)),
        (Transform(max_height=10), (15, 10)),
        (Transform(max_width=60, max_height=60), (60, 40)),
        (Transform(max_width=30, max_height=30, crop="CENTER"), (30, 30)),
        (Transform(max_width=500, max_height=10, crop="TOP"), (120, 10)),
        (Transform(max_width=1000), (120, 80)),  # never upscaled
        (Transform(max_width=20, scale=3), (60, 40)),
    ],
)
def test_render_fits_or_crops_and_caches(tmp_path, t, size):
    store = ImageStore(tmp_path)
    store.put("p.png", png((120, 80)))
    path, media = store.render("p.png", t.checked())
    assert media == "image/png"
    with Image.open(path) as img:
        assert img.size == size
    assert store.render("p.png", t)[0] == path  # the same file, not made again


def test_crop_keeps_the_named_region(tmp_path):
    img = Image.new("RGB", (100, 50), "red")
    img.paste((0, 0, 255), (50, 0, 100, 50))  # right half blue
    buf = io.BytesIO()
    img.save(buf, "PNG")
    store = ImageStore(tmp_path)
    store.put("halves.png", buf.getvalue())
    for crop, color in (("LEFT", (255, 0, 0)), ("RIGHT", (0, 0, 255))):
        path, _ = store.render("halves.png", Transform(20, 50, crop).checked())
        with Image.open(path) as out:
            assert out.size == (20, 50) and out.convert("RGB").getpixel((10, 25)) == color


def test_conversion_to_jpeg_and_webp(tmp_path):
    store = ImageStore(tmp_path)
    store.put("t.png", png((40, 40), "RGBA"))
    for fmt, media in (("JPG", "image/jpeg"), ("WEBP", "image/webp")):
        path, got = store.render("t.png", Transform(max_width=20, content_type=fmt).checked())
        assert got == media
        with Image.open(path) as img:
            assert img.size == (20, 20)


@pytest.mark.parametrize(
    "t",
    [
        Transform(max_width=0),
        Transform(max_height=5761),
        Transform(max_width=10, scale=4),
        Transform(crop="MIDDLE"),
        Transform(content_type="GIF"),
    ],
)
def test_transform_bounds(t):
    with pytest.raises(ImageError) as e:
        t.checked()
    assert e.value.code == "IMAGE_TRANSFORM_INVALID" and e.value.field


def test_urls_are_absolute_signed_and_never_point_elsewhere():
    t = Transform(max_width=100, max_height=50, crop="CENTER", content_type="WEBP", scale=2)
    url = public_url("https://shop.test/", "/images/demo/a-1.jpg", t, "secret-key")
    assert url.startswith(
        "https://shop.test/images/demo/a-1.jpg?w=200&h=100&crop=CENTER&fmt=WEBP&s="
    )
    assert url.rsplit("s=", 1)[1] == sign("secret-key", "demo/a-1.jpg", t.params())
    assert sign("other-key", "demo/a-1.jpg", t.params()) != sign(
        "secret-key", "demo/a-1.jpg", t.params()
    )
    # crop needs both sizes; without a transform, the plain URL
    assert Transform(max_width=10, crop="LEFT").params() == {"w": "10"}
    assert public_url("http://h", "/images/x.jpg", None, "k") == "http://h/images/x.jpg"
    # never a URL of ours for a remote image: no fetch, no resize
    for remote in ("https://cdn.example.com/x.jpg", "http://10.0.0.1/x.jpg", "//evil/x.jpg"):
        assert public_url("http://h", remote, t, "k") == remote
    assert public_url("http://h", "/static/x.jpg", t, "k") == "http://h/static/x.jpg"
