"""Images that load: absolute URLs, the demo pictures, and the resizing endpoint."""

from __future__ import annotations

import io
from decimal import Decimal

import httpx
import pytest
from PIL import Image

from app.domains import catalog
from app.main import create_app
from app.platform.images import ImageStore, Transform, public_url
from tests.fixtures.api import ApiClient
from tests.fixtures.catalog_data import empty_catalog

pytestmark = pytest.mark.integration

BASE = "http://shop.test"
IMMUTABLE = "public, max-age=31536000, immutable"

ELSEWHERE = catalog.ProductDraft(
    handle="hosted-elsewhere",
    title="Hosted elsewhere",
    variants=(catalog.VariantDraft(sku="ELSE-1", price=Decimal("9.50")),),
    images=(
        catalog.ImageDraft("https://images.example.com/a.jpg", "remote"),
        catalog.ImageDraft("/static/legacy/b.jpg", "a path outside the store"),
    ),
)


@pytest.fixture(scope="module")
async def shop(settings, db, tmp_path_factory):
    """The app with its own image store and public URL, the demo catalog seeded into both."""
    root = tmp_path_factory.mktemp("images")
    store = ImageStore(root)
    await empty_catalog(db)
    assert await catalog.seed_demo(db, 6, images=store) == 6
    async with db.uow("catalog") as uow:
        await catalog.upsert_product(uow, ELSEWHERE)
        await uow.commit()
    app = create_app(settings.model_copy(update={"image_dir": root, "public_url": BASE}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
            yield ApiClient(http, app.state.runtime.db), store, settings.secret_key


IMAGES = """
query($t: ImageTransformInput) {
  products(first: 10) {
    nodes {
      handle
      featuredImage { url width height }
      images { nodes { id plain: url sized: url(transform: $t) width height } }
    }
  }
}
"""


async def images_of(api, transform=None) -> dict[str, list[dict]]:
    r = await api.query(IMAGES, {"t": transform})
    return {p["handle"]: p["images"]["nodes"] for p in r.data["products"]["nodes"]}


async def test_demo_images_are_absolute_urls_that_load_with_their_real_size(shop):
    api, _, _ = shop
    by_product = await images_of(api)
    demo = [i for h, imgs in by_product.items() if h != "hosted-elsewhere" for i in imgs]
    assert len(demo) >= 6
    seen = set()
    for img in demo:
        assert img["plain"].startswith(f"{BASE}/images/demo/"), img
        r = await api.http.get(img["plain"])
        assert r.status_code == 200, img
        assert r.headers["content-type"] == "image/jpeg"
        assert r.headers["cache-control"] == IMMUTABLE
        with Image.open(io.BytesIO(r.content)) as pic:
            assert pic.size == (img["width"], img["height"]) == (640, 640)
        seen.add(r.content)
    assert len(seen) == len(demo)  # every picture is its own


@pytest.mark.parametrize(
    ("transform", "size", "media"),
    [
        ({"maxWidth": 300}, (300, 300), "image/jpeg"),
        ({"maxWidth": 200, "maxHeight": 100}, (100, 100), "image/jpeg"),  # fits within
        ({"maxWidth": 200, "maxHeight": 100, "crop": "CENTER"}, (200, 100), "image/jpeg"),
        ({"maxWidth": 90, "maxHeight": 160, "crop": "LEFT"}, (90, 160), "image/jpeg"),
        ({"maxWidth": 100, "scale": 2, "preferredContentType": "WEBP"}, (200, 200), "image/webp"),
        ({"maxHeight": 64, "preferredContentType": "PNG"}, (64, 64), "image/png"),
        ({"maxWidth": 5000}, (640, 640), "image/jpeg"),  # never upscaled
    ],
)
async def test_transformed_urls_are_resized_cached_and_kept_by_cdns(shop, transform, size, media):
    api, store, _ = shop
    img = next(i for imgs in (await images_of(api, transform)).values() for i in imgs)
    assert img["sized"].startswith(f"{BASE}/images/demo/") and "?" in img["sized"]
    assert img["width"] == 640  # the original's size, whatever the transform
    first = await api.http.get(img["sized"])
    assert first.status_code == 200, first.text
    assert first.headers["content-type"] == media
    assert first.headers["cache-control"] == IMMUTABLE
    with Image.open(io.BytesIO(first.content)) as pic:
        assert pic.size == size
    cached = sorted((store.root / ".cache").iterdir())
    again = await api.http.get(img["sized"])
    assert again.content == first.content
    assert sorted((store.root / ".cache").iterdir()) == cached  # made once, then served


async def test_only_urls_the_api_signed_are_rendered(shop):
    api, _, _ = shop
    img = next(i for imgs in (await images_of(api, {"maxWidth": 120})).values() for i in imgs)
    url = img["sized"]
    base, _, query = url.partition("?")
    for bad in (
        url.replace("w=120", "w=121"),  # another size, same signature
        url[:-2] + ("AA" if not url.endswith("AA") else "BB"),  # forged signature
        f"{base}?w=120",  # no signature
        f"{base}?{query}&h=10",  # an extra parameter
    ):
        r = await api.http.get(bad)
        assert r.status_code == 403, bad
        assert r.json()["errors"][0]["extensions"]["code"] == "IMAGE_SIGNATURE_INVALID"
        assert r.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    "path",
    [
        "/images/nope.jpg",
        "/images/demo/..%2F..%2Fsecret.txt",  # clients normalise a plain ../
        "/images/.cache/anything.jpg",
        "/images/%2e%2e/settings.py",
        "/images//etc/passwd",
    ],
)
async def test_nothing_outside_the_store_is_served(shop, path):
    api, _, _ = shop
    r = await api.http.get(BASE + path)
    assert r.status_code == 404, path
    assert r.json()["errors"][0]["extensions"]["code"] == "IMAGE_NOT_FOUND"


async def test_images_hosted_elsewhere_are_never_fetched_or_resized(shop):
    api, _, _ = shop
    imgs = (await images_of(api, {"maxWidth": 100, "crop": "CENTER", "maxHeight": 50}))[
        "hosted-elsewhere"
    ]
    remote, legacy = imgs
    # handed out exactly as stored: the transform is ignored (and never reaches a fetch)
    assert remote["plain"] == remote["sized"] == "https://images.example.com/a.jpg"
    assert remote["width"] is None and remote["height"] is None
    # a path outside the store is made absolute, never transformed
    assert legacy["plain"] == legacy["sized"] == f"{BASE}/static/legacy/b.jpg"


@pytest.mark.parametrize(
    ("transform", "field"),
    [
        ({"maxWidth": 0}, "transform.maxWidth"),
        ({"maxWidth": 5761}, "transform.maxWidth"),
        ({"maxHeight": -3}, "transform.maxHeight"),
        ({"maxWidth": 10, "scale": 4}, "transform.scale"),
        ({"maxWidth": 10, "scale": 0}, "transform.scale"),
    ],
)
async def test_out_of_range_transforms_are_coded_errors(shop, transform, field):
    api, _, _ = shop
    r = await api.query(
        "query($t: ImageTransformInput) { products(first: 1) "
        "{ nodes { featuredImage { url(transform: $t) } } } }",
        {"t": transform},
    )
    assert r.status < 500
    assert r.codes == ["IMAGE_TRANSFORM_INVALID"], r.body
    assert r.errors[0]["extensions"]["field"] == field


# Pillow warns about the bomb before the store refuses it: expected here
@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
async def test_a_decompression_bomb_or_a_non_image_is_refused_not_decoded(shop):
    api, store, secret = shop
    # 100 megapixels in a few kilobytes: decoding it would take 100 MB and seconds
    bomb = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(bomb, "PNG")
    assert len(bomb.getvalue()) < 100_000
    store.path("bomb.png").write_bytes(bomb.getvalue())
    store.path("junk.jpg").write_bytes(b"not an image at all")
    for key, code in (("bomb.png", "IMAGE_TOO_LARGE"), ("junk.jpg", "IMAGE_UNREADABLE")):
        url = public_url(BASE, f"/images/{key}", Transform(max_width=50), secret)
        r = await api.http.get(url)
        assert r.status_code == 422, (key, r.text)
        assert r.json()["errors"][0]["extensions"]["code"] == code
