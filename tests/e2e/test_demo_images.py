"""`emporium serve --demo`: the demo catalog's image URLs are absolute and load over HTTP."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.conftest import serve

pytestmark = pytest.mark.e2e

IMAGES = """{ products(first: 5) { nodes {
  featuredImage { url width height small: url(transform: {maxWidth: 160, preferredContentType: WEBP}) }
} } }"""


def test_demo_images_load_from_the_url_the_api_gives(tmp_path):
    env = {"DATABASE_URL": "", "REDIS_URL": "", "BROKER_URL": "", "PUBLIC_URL": ""}
    with serve(["--demo", "--data-dir", str(tmp_path / "data")], env, tmp_path / "s.log") as server:
        body = server.query(IMAGES)
        assert "errors" not in body, body
        images = [n["featuredImage"] for n in body["data"]["products"]["nodes"]]
        assert len(images) == 5
        for img in images:
            # PUBLIC_URL defaults to the serve command's own host and port
            assert img["url"].startswith(f"http://localhost:{server.port}/images/demo/"), img
            for url, media in ((img["url"], "image/jpeg"), (img["small"], "image/webp")):
                r = httpx.get(url, timeout=10)
                assert r.status_code == 200, (url, r.text)
                assert r.headers["content-type"] == media
                assert "immutable" in r.headers["cache-control"]
        assert (tmp_path / "data" / "images" / "demo").is_dir()
