"""Turn downloaded bytes into an ``ImageInfo``: dimensions, format, SHA-256 and a 64-bit pHash, safely.

Image files come from strangers, so every step assumes the worst: the byte size is checked before parsing, the
declared dimensions before decoding, and only a few common web formats are parsed at all.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from functools import cache
from io import BytesIO

import imagehash
from PIL import Image, UnidentifiedImageError

from sightsearch.errors import ImageError

# The web formats a shop serves. Restricting the parsers keeps exotic ones (EPS runs Ghostscript, TIFF has a long
# CVE history) away from untrusted bytes.
ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP", "AVIF")

# No warnings filter is set here (importing must not change the process): between Pillow's warning and error
# thresholds, ``inspect_image`` refuses the image itself from its declared size, before anything is decoded.

# What a malformed file can make Pillow raise while parsing or decoding; all of them mean "unusable image".
_DECODE_ERRORS = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    struct.error,
    Image.DecompressionBombError,
    Image.DecompressionBombWarning,
)

# JPEG decodes at 1/2, 1/4 or 1/8 scale for free; pHash only looks at a 32x32 thumbnail, so 256 px is plenty.
_DRAFT_SIZE = (256, 256)

# Decoded bytes per file byte past which a file is a bomb rather than a picture. A photo measures under 10 and a
# product on a white background rarely 100; only a (near) blank image nears deflate's ceiling (~1,700 for RGB as
# Pillow holds it, ten times that for 1-bit PNGs, far more for WebP). Only decodes over the floor are judged, so a
# small blank placeholder, a few MB decoded, still gets its facts.
MAX_EXPANSION = 1000
_EXPANSION_FLOOR = 16 * 2**20


@dataclass(frozen=True, slots=True)
class ImageInfo:
    """What SightSearch knows about one image: where it came from, its shape, and its exact and perceptual hashes."""

    url: str
    width: int
    height: int
    format: str
    bytes: int
    sha256: str
    phash: str

    @property
    def phash_int(self) -> int:
        """The pHash as an unsigned 64-bit integer, the form the near-duplicate index uses."""
        return int(self.phash, 16)


class DecodeBudget:
    """Bytes of decoded pixels that may exist at once across threads: a decode waits until its share is free.

    With eight uploads just under the pixel limit decoding in parallel, the API once held 1.7 GB; with a budget,
    the pixels in memory never exceed ``capacity`` whatever the number of requests.
    """

    def __init__(self, capacity: int) -> None:
        self.capacity, self.in_use = capacity, 0
        self._freed = threading.Condition()

    @contextmanager
    def reserve(self, size: int) -> Iterator[None]:
        """Hold ``size`` bytes of the budget while the block runs (waits for them; never more than the capacity)."""
        size = min(size, self.capacity)
        with self._freed:
            self._freed.wait_for(lambda: self.in_use + size <= self.capacity)
            self.in_use += size
        try:
            yield
        finally:
            with self._freed:
                self.in_use -= size
                self._freed.notify_all()


_shared_budgets: dict[int, DecodeBudget] = {}
_shared_budgets_lock = threading.Lock()


def shared_decode_budget(capacity: int) -> DecodeBudget:
    """The process's ``DecodeBudget`` of ``capacity`` bytes, made on first use: every caller asking for that capacity
    (each crawl run's downloader, each worker's) decodes within the same one. A process has one ``Settings``, so one
    capacity and one budget."""
    with _shared_budgets_lock:
        if capacity not in _shared_budgets:
            _shared_budgets[capacity] = DecodeBudget(capacity)
        return _shared_budgets[capacity]


def largest_decode_cost(max_pixels: int) -> int:
    """The most bytes one decode ``inspect_image`` admits under ``max_pixels`` allocates (4-byte pixels plus the
    greyscale copy): a budget of this size refuses no image the pixel limit lets through."""
    return min(max_pixels, Image.MAX_IMAGE_PIXELS or max_pixels) * 5


def decode_cost(image: Image.Image) -> int:
    """Bytes the decode of ``image`` (as drafted) allocates: its pixels, plus the greyscale copy pHash makes.

    Pillow keeps multi-band pixels in 4 bytes; single-band ones in 1 (L, P, 1), 2 (I;16) or 4 (I, F).
    """
    width, height = image.size
    if len(image.getbands()) > 1:
        pixel = 4
    else:
        pixel = {"I": 4, "F": 4}.get(image.mode, 2 if image.mode.startswith("I;16") else 1)
    return width * height * (pixel + 1)


def inspect_image(data: bytes, url: str, *, max_pixels: int, max_bytes: int,
                  budget: DecodeBudget | None = None, max_expansion: float | None = None) -> ImageInfo:
    """Measure and hash ``data``. Raises ``ImageError`` for oversize files, image bombs, non-images and broken files.

    Memory stays bounded: nothing is decoded until the declared width x height is known to be within ``max_pixels``;
    with a ``budget``, an image whose decode would need more than all of it is refused from its header, and the
    others wait for their share, so concurrent decodes hold at most the budget. With ``max_expansion``, a decode of
    over 16 MB that would allocate more than ``max_expansion`` bytes per file byte is refused from its header too.
    """
    if len(data) > max_bytes:
        raise ImageError(f"image is {len(data)} bytes, over the {max_bytes} byte limit: {url}")
    try:
        image = Image.open(BytesIO(data), formats=ALLOWED_FORMATS)
    except UnidentifiedImageError as err:
        raise ImageError(f"not an image (looks like {describe_bytes(data)}): {url}") from err
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
        # Pillow's own guard, a second line behind ``max_pixels`` for the rare setting above its limit.
        raise ImageError(f"image bomb: {err}: {url}") from err
    except _DECODE_ERRORS as err:
        raise ImageError(f"unreadable image ({err}): {url}") from err
    with image:
        width, height = image.size
        # Pillow's limit applies too, even when warning filters were reset and its guard only warned.
        limit = min(max_pixels, Image.MAX_IMAGE_PIXELS or max_pixels)
        if width * height > limit:
            raise ImageError(f"image bomb: {width}x{height} exceeds {limit} pixels: {url}")
        image_format = image.format or "UNKNOWN"
        try:
            if image.format == "JPEG":
                # Grey and scaled while decoding: a 6000x4000 photo costs ~1.5 MB instead of 72 MB.
                image.draft("L", _DRAFT_SIZE)
        except _DECODE_ERRORS as err:
            raise ImageError(f"broken or truncated image ({err}): {url}") from err
        cost = decode_cost(image)
        _refuse_costly_decode(image, cost, len(data), url, budget=budget, max_expansion=max_expansion)
        with budget.reserve(cost) if budget is not None else nullcontext():
            try:
                phash = _perceptual_hash(image, url)
            finally:
                image.close()
                if cost >= _TRIM_AFTER:
                    release_free_memory()
    return ImageInfo(
        url=url,
        width=width,
        height=height,
        format=image_format,
        bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        phash=phash,
    )


def _refuse_costly_decode(image: Image.Image, cost: int, size: int, url: str, *, budget: DecodeBudget | None,
                          max_expansion: float | None) -> None:
    """Raise ``ImageError`` when decoding ``image`` (``cost`` bytes, from a ``size``-byte file) is not worth trying."""
    width, height = image.size
    if max_expansion is not None and cost > _EXPANSION_FLOOR and cost > max_expansion * size:
        raise ImageError(f"image bomb: {width}x{height} {image.mode} would decode to {cost // 2**20} MB from "
                         f"{size} bytes ({cost // size}x its size, over the {max_expansion:g}x allowed): {url}")
    if budget is not None and cost > budget.capacity:
        raise ImageError(f"image too large to decode: {width}x{height} {image.mode} needs {cost // 2**20} MB, "
                         f"over the {budget.capacity // 2**20} MB allowed: {url}")


def _perceptual_hash(image: Image.Image, url: str) -> str:
    """Decode the first frame (scaled down when the format allows) and return its 16-hex-digit pHash."""
    try:
        image.load()
        return str(imagehash.phash(image))
    except _DECODE_ERRORS as err:
        raise ImageError(f"broken or truncated image ({err}): {url}") from err


# Decodes this large leave tens of MB free in malloc's arenas; hand them back to the system right away.
_TRIM_AFTER = 16 * 2**20


@cache
def _malloc_trim() -> object | None:
    name = ctypes.util.find_library("c")
    function = getattr(ctypes.CDLL(name), "malloc_trim", None) if name else None
    return function


def release_free_memory() -> None:
    """Return the C heap's free memory to the system (glibc ``malloc_trim``; a no-op elsewhere).

    Large pixel buffers freed by Pillow stay in glibc's per-thread arenas otherwise: after eight big decodes the
    process kept 1.5 GB it no longer used.
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)  # type: ignore[operator]


def describe_bytes(data: bytes) -> str:
    """A short human guess at what non-image bytes are, for error messages ("HTML", "JSON", "empty file"...)."""
    if not data:
        return "an empty file"
    head = data[:512].lstrip().lower()
    if b"<svg" in head:  # before the XML signature: "SVG" tells the reader more than "XML"
        return "SVG, a vector image"
    for prefix, name in _SIGNATURES:
        if head.startswith(prefix):
            return name
    if b"<html" in head or b"<body" in head or b"<head" in head:
        return "HTML"
    if _is_text(data[:512]):
        return "text"
    return f"unknown binary data starting {data[:8].hex()}"


_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"<!doctype html", "HTML"),
    (b"<html", "HTML"),
    (b"<?xml", "XML"),
    (b"%pdf", "PDF"),
    (b"{", "JSON"),
    (b"[", "JSON"),
    (b"\x1f\x8b", "gzip data"),
    (b"pk\x03\x04", "a ZIP archive"),
    (b"ii*\x00", "TIFF, an unsupported image format"),
    (b"mm\x00*", "TIFF, an unsupported image format"),
)


def _is_text(sample: bytes) -> bool:
    """True when ``sample`` decodes as UTF-8 with no control characters other than whitespace."""
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError as err:
        if err.start < len(sample) - 3:  # a character cut at the end of the sample is not evidence of binary
            return False
        text = sample[: err.start].decode("utf-8", errors="replace")
    return all(char.isprintable() or char.isspace() for char in text)
