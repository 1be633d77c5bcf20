"""The demo catalog's pictures: drawn with Pillow into the image store, so they always load.

Each is a function of its key alone (colour from the alt text's "in <Color>", shape and tint
from a hash of the key): small, distinct, and the same on every machine for one Pillow.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable

from PIL import Image, ImageDraw

from app.platform.images import ImageStore

SIZE = 640  # square; the image endpoint makes any smaller size from it

# the demo taxonomy's colour names, roughly as they look
_COLORS = {
    "black": (34, 34, 38),
    "white": (240, 240, 236),
    "navy": (32, 44, 84),
    "grey": (128, 128, 132),
    "olive": (110, 112, 52),
    "rust": (168, 72, 40),
    "sand": (214, 196, 160),
    "forest green": (36, 86, 52),
    "burgundy": (110, 28, 44),
    "sky blue": (126, 182, 226),
    "silver": (192, 194, 198),
    "midnight blue": (28, 32, 72),
    "sage": (156, 176, 140),
    "orange": (232, 120, 36),
    "slate": (92, 104, 116),
    "red": (196, 40, 40),
    "blue": (40, 88, 196),
    "bone": (226, 218, 200),
    "tan": (196, 150, 100),
    "chestnut": (122, 64, 40),
    "oxblood": (90, 24, 30),
    "indigo": (52, 56, 110),
    "light wash": (150, 176, 204),
    "rinse": (40, 50, 80),
}


def draw(key: str, alt: str) -> bytes:
    """A JPEG for `key`: a tinted backdrop and a shape in the product's colour."""
    h = hashlib.blake2b(key.encode(), digest_size=16).digest()
    color = _color_in(alt) or (60 + h[0] % 150, 60 + h[1] % 150, 60 + h[2] % 150)
    backdrop = tuple(236 + (h[3 + i] % 16) for i in range(3))
    img = Image.new("RGB", (SIZE, SIZE), backdrop)
    d = ImageDraw.Draw(img)
    m = SIZE // 6 + h[6] % (SIZE // 10)
    box = (m, m + h[7] % 40, SIZE - m, SIZE - m)
    shape = h[8] % 3
    if shape == 0:
        d.ellipse(box, fill=color, outline=(20, 20, 20), width=6)
    elif shape == 1:
        d.rounded_rectangle(box, radius=SIZE // 12, fill=color, outline=(20, 20, 20), width=6)
    else:
        d.polygon([(SIZE // 2, box[1]), (box[2], box[3]), (box[0], box[3])], fill=color)
    # a band of stripes makes views of one product tell apart
    for i in range(1 + h[9] % 4):
        y = SIZE - SIZE // 10 - i * 18
        d.rectangle((SIZE // 10, y, SIZE - SIZE // 10, y + 8), fill=(20, 20, 20))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=80)  # no optimize pass: half the time, 30% more bytes
    return out.getvalue()


def _color_in(alt: str) -> tuple[int, int, int] | None:
    _, _, tail = alt.rpartition(", in ")
    return _COLORS.get(tail.strip().lower()) if tail else None


def write(store: ImageStore, images: Iterable[tuple[str, str]]) -> int:
    """Draw each (key, alt) missing from the store; returns how many were drawn. Blocking."""
    drawn = 0
    for key, alt in images:
        if not store.path(key).is_file():
            store.put(key, draw(key, alt))
            drawn += 1
    return drawn
