"""Product images drawn with Pillow on first request, and the decompression-bomb PNG.

Drawing happens lazily and is cached, so starting the shop stays instant no matter how many images it has.
"""

from __future__ import annotations

import io
import random
import struct
import threading
import zlib
from functools import cache

import numpy as np
from PIL import Image, ImageDraw

from sightsearch.demo.shop import ImageSpec

_CANVAS = 400  # every picture is drawn at this size, then resized, so near-duplicates share their content
BOMB_SIDE = 30_000


def draw_picture(seed: int) -> Image.Image:
    """A distinct picture per seed: a two-colour gradient with a few filled shapes on top."""
    rng = random.Random(f"picture:{seed}")
    top, bottom = (np.array([rng.randrange(256) for _ in range(3)], dtype=np.float32) for _ in range(2))
    ramp = np.linspace(0.0, 1.0, _CANVAS, dtype=np.float32)[:, None, None]
    gradient = (top * (1 - ramp) + bottom * ramp).astype(np.uint8)
    image = Image.fromarray(np.repeat(gradient, _CANVAS, axis=1), "RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randint(3, 6)):
        x, y = rng.randrange(_CANVAS - 80), rng.randrange(_CANVAS - 80)
        box = (x, y, x + rng.randint(40, 200), y + rng.randint(40, 200))
        colour = tuple(rng.randrange(256) for _ in range(3))
        if rng.random() < 0.5:
            draw.ellipse(box, fill=colour)
        else:
            draw.rectangle(box, fill=colour)
    return image


def encode_jpeg(spec: ImageSpec) -> bytes:
    """The JPEG bytes for ``spec``: its picture resized to ``spec.size`` and saved at ``spec.quality``."""
    image = draw_picture(spec.seed)
    if spec.size != _CANVAS:
        image = image.resize((spec.size, spec.size), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=spec.quality)
    return buffer.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@cache
def bomb_png(side: int = BOMB_SIDE) -> bytes:
    """A valid ~100 KB PNG that declares ``side`` x ``side`` 1-bit pixels (900 Mpx for the default).

    Rows are all zero, so deflate shrinks them about 1000:1. Compressing takes ~0.5 s, hence the process-wide cache.
    """
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)  # 1-bit greyscale, no interlace
    row = b"\x00" * (1 + (side + 7) // 8)  # filter byte + packed pixels
    compressor = zlib.compressobj(9)
    block, rows = row * 1000, side
    parts = []
    while rows:
        take = min(rows, 1000)
        parts.append(compressor.compress(block if take == 1000 else row * take))
        rows -= take
    parts.append(compressor.flush())
    idat = b"".join(parts)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b"")


class ImageCache:
    """Draws each image once, on first request; concurrent first requests for one image draw it once."""

    def __init__(self, specs: dict[str, ImageSpec]) -> None:
        self._specs = specs
        self._cache: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def get(self, path: str) -> bytes | None:
        """The image bytes at ``path``, or None when the shop has no such image."""
        cached = self._cache.get(path)
        if cached is not None:
            return cached
        if path != "/img/bomb.png" and path not in self._specs:
            return None
        # One lock is enough: drawing takes milliseconds and only happens once per image.
        with self._lock:
            if path not in self._cache:
                self._cache[path] = bomb_png() if path == "/img/bomb.png" else encode_jpeg(self._specs[path])
        return self._cache[path]
