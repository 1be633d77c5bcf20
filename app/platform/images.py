"""The image store: originals in a folder, served at /images/<key>, resized on request.

Only files in this store are ever decoded or resized. A remote URL is handed out as it is:
resizing a URL a client or a file names would make the server fetch anything (SSRF).
Transformed URLs are signed with the secret key, so only sizes the API handed out are made
and cached (no one fills the disk by asking for every width).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

from PIL import Image, ImageOps, UnidentifiedImageError

from app.platform.settings import Settings

# where an image in the store is: the `url` stored for it, and the path it is served at
STORE_PREFIX = "/images/"
# Shopify's bounds for ImageTransformInput
MAX_DIMENSION = 5760
MAX_SCALE = 3
# refuse to decode anything larger (a tiny file can claim gigapixels: decompression bomb);
# checked from the header before decoding, and Pillow's own guard set to match
MAX_SOURCE_PIXELS = 50_000_000
Image.MAX_IMAGE_PIXELS = MAX_SOURCE_PIXELS
CACHE_CONTROL = "public, max-age=31536000, immutable"
CROPS = ("CENTER", "TOP", "BOTTOM", "LEFT", "RIGHT")
# GraphQL content type → (Pillow format, file extension)
FORMATS = {"JPG": ("JPEG", "jpg"), "PNG": ("PNG", "png"), "WEBP": ("WEBP", "webp")}
_MEDIA_TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "gif": "image/gif",
}
_DECODERS = ["JPEG", "PNG", "WEBP", "GIF"]
# keys are relative paths of plain segments: never "..", never absolute, never hidden
_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}(/[A-Za-z0-9][A-Za-z0-9_.-]{0,127}){0,7}")


class ImageError(Exception):
    """A refused image request, with a stable code and the HTTP status it answers with."""

    def __init__(self, code: str, message: str, status: int = 400, field: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.field = field


@dataclass(frozen=True, slots=True)
class Transform:
    """Shopify's ImageTransformInput: fit within max sizes, or crop to exactly them."""

    max_width: int | None = None
    max_height: int | None = None
    crop: str | None = None
    content_type: str | None = None
    scale: int = 1

    def checked(self) -> Transform:
        for name, v in (("maxWidth", self.max_width), ("maxHeight", self.max_height)):
            if v is not None and not 1 <= v <= MAX_DIMENSION:
                raise ImageError(
                    "IMAGE_TRANSFORM_INVALID",
                    f"`{name}` must be from 1 to {MAX_DIMENSION}",
                    field=f"transform.{name}",
                )
        if not 1 <= self.scale <= MAX_SCALE:
            raise ImageError(
                "IMAGE_TRANSFORM_INVALID",
                f"`scale` must be from 1 to {MAX_SCALE}",
                field="transform.scale",
            )
        if self.crop is not None and self.crop not in CROPS:
            raise ImageError(
                "IMAGE_TRANSFORM_INVALID", "unknown crop region", field="transform.crop"
            )
        if self.content_type is not None and self.content_type not in FORMATS:
            raise ImageError(
                "IMAGE_TRANSFORM_INVALID",
                "unknown content type",
                field="transform.preferredContentType",
            )
        return self

    def params(self) -> dict[str, str]:
        """The canonical query (scale applied), empty when nothing is asked."""
        out: dict[str, str] = {}
        if self.max_width is not None:
            out["w"] = str(min(self.max_width * self.scale, MAX_DIMENSION))
        if self.max_height is not None:
            out["h"] = str(min(self.max_height * self.scale, MAX_DIMENSION))
        # cropping means something only with both sizes (Shopify: best effort otherwise)
        if self.crop is not None and "w" in out and "h" in out:
            out["crop"] = self.crop
        if self.content_type is not None:
            out["fmt"] = self.content_type
        return out

    @classmethod
    def from_params(cls, q: Mapping[str, str]) -> Transform:
        """The transform a signed URL's query carries (already scaled)."""
        try:
            w = int(q["w"]) if "w" in q else None
            h = int(q["h"]) if "h" in q else None
        except ValueError:
            raise ImageError("IMAGE_TRANSFORM_INVALID", "`w` and `h` must be integers") from None
        return cls(w, h, q.get("crop"), q.get("fmt")).checked()


def image_dir(settings: Settings) -> Path:
    return settings.image_dir or settings.data_dir / "images"


def store_url(key: str) -> str:
    """What to store as an image's `url` for a file in the store."""
    return STORE_PREFIX + check_key(key)


def check_key(key: str) -> str:
    if not _KEY.fullmatch(key) or any(s.strip(".") == "" for s in key.split("/")):
        raise ImageError("IMAGE_NOT_FOUND", "no such image", status=404)
    return key


def sign(secret: str, key: str, params: Mapping[str, str]) -> str:
    msg = f"{key}?{urlencode(sorted(params.items()))}".encode()
    digest = hmac.new(secret.encode(), msg, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:12]).decode()


def public_url(base: str, url: str, transform: Transform | None, secret: str) -> str:
    """The absolute URL a client loads. Store images get the transform (signed); anything
    else is never fetched or resized by us: remote URLs as they are, other paths on `base`."""
    if url.startswith(("http://", "https://", "//")):
        return url
    base = base.rstrip("/")
    if not url.startswith(STORE_PREFIX):
        return base + ("" if url.startswith("/") else "/") + url
    key = url[len(STORE_PREFIX) :]
    params = transform.params() if transform else {}
    path = f"{base}{STORE_PREFIX}{quote(key)}"
    if not params:
        return path
    return f"{path}?{urlencode({**params, 's': sign(secret, key, params)})}"


class ImageStore:
    """Originals under `root/<key>`, resized copies under `root/.cache/` (keys never start
    with a dot, so the two never meet). Everything here blocks: call it from a thread."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key: str, data: bytes) -> tuple[int, int]:
        """Store an image's bytes under `key` (atomically); returns its width and height."""
        with _open(io.BytesIO(data)) as img:
            size = img.size
        _write_atomic(self.path(key), data)
        return size

    def original(self, key: str) -> tuple[Path, str]:
        path = self.path(key)
        if not path.is_file():
            raise ImageError("IMAGE_NOT_FOUND", "no such image", status=404)
        return path, _media_type(path)

    def render(self, key: str, t: Transform) -> tuple[Path, str]:
        """The transformed image's file (made once, then served from the cache)."""
        source, _ = self.original(key)
        params = t.params()
        t = Transform.from_params(params)  # scale applied, crop dropped where it means nothing
        digest = hashlib.sha256(f"{key}?{urlencode(sorted(params.items()))}".encode()).hexdigest()
        with _open(source) as img:
            fmt, ext = FORMATS.get(t.content_type or "", _native(img.format))
            cached = self.root / ".cache" / f"{digest[:32]}.{ext}"
            if not cached.is_file():
                _write_atomic(cached, _resized(img, t, fmt))
        return cached, _media_type(cached)


def _media_type(path: Path) -> str:
    return _MEDIA_TYPES.get(path.suffix.lstrip(".").lower(), "application/octet-stream")


def _native(fmt: str | None) -> tuple[str, str]:
    return {"JPEG": FORMATS["JPG"], "WEBP": FORMATS["WEBP"]}.get(fmt or "", FORMATS["PNG"])


def _open(source: Path | io.BytesIO) -> Image.Image:
    try:
        img = Image.open(source, formats=_DECODERS)
    except Image.DecompressionBombError:
        raise ImageError("IMAGE_TOO_LARGE", "the image has too many pixels", 422) from None
    except (UnidentifiedImageError, OSError):
        raise ImageError("IMAGE_UNREADABLE", "not an image this server can read", 422) from None
    # the header alone says how big the decoded image would be: refuse before decoding
    if img.width * img.height > MAX_SOURCE_PIXELS:
        img.close()
        raise ImageError("IMAGE_TOO_LARGE", "the image has too many pixels", 422)
    return img


def _resized(img: Image.Image, t: Transform, fmt: str) -> bytes:
    w, h = t.max_width, t.max_height
    if w or h:
        # JPEG can decode straight at a smaller scale: far less work for thumbnails
        img.draft("RGB", (w or img.width, h or img.height))
    img = ImageOps.exif_transpose(img)
    if t.crop and w and h:
        # cover the box (never upscaling), then keep the named region
        ratio = min(1.0, max(w / img.width, h / img.height))
        img = img.resize(
            (max(1, round(img.width * ratio)), max(1, round(img.height * ratio))),
            Image.Resampling.LANCZOS,
        )
        cw, ch = min(w, img.width), min(h, img.height)
        x = {"LEFT": 0, "RIGHT": img.width - cw}.get(t.crop, (img.width - cw) // 2)
        y = {"TOP": 0, "BOTTOM": img.height - ch}.get(t.crop, (img.height - ch) // 2)
        img = img.crop((x, y, x + cw, y + ch))
    elif w or h:
        img = img.copy()
        img.thumbnail((w or img.width, h or img.height), Image.Resampling.LANCZOS)  # never enlarges
    if fmt == "JPEG" and img.mode not in ("RGB", "L"):
        img = img.convert("RGB")
    elif img.mode not in ("RGB", "RGBA", "L", "LA"):
        img = img.convert("RGBA")
    out = io.BytesIO()
    img.save(out, fmt, quality=85, optimize=fmt != "WEBP")
    return out.getvalue()


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
