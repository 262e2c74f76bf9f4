"""inspect_image on real images generated with Pillow, and on the files that must be refused."""

from __future__ import annotations

import hashlib
import time

import pytest
from PIL import Image

from sightsearch.errors import ImageError
from sightsearch.images import ImageInfo, hamming, inspect_image
from sightsearch.images import inspection as inspect_module

from .conftest import encode, photo, png_declaring

LIMITS = {"max_pixels": 40_000_000, "max_bytes": 10_000_000}


def inspect(data: bytes, url: str = "http://shop.test/a.jpg", **limits: int) -> ImageInfo:
    return inspect_image(data, url, **{**LIMITS, **limits})


def test_jpeg_facts_are_exact() -> None:
    data = encode(photo(1), "JPEG", quality=90)
    info = inspect(data, "http://shop.test/p1.jpg")
    assert (info.url, info.width, info.height, info.format) == ("http://shop.test/p1.jpg", 640, 480, "JPEG")
    assert info.bytes == len(data)
    assert info.sha256 == hashlib.sha256(data).hexdigest()
    assert len(info.phash) == 16 and int(info.phash, 16) == info.phash_int


def test_resized_reencoded_copy_is_near_and_other_photo_is_far() -> None:
    original = inspect(encode(photo(1), "JPEG", quality=90))
    copy = inspect(encode(photo(1).resize((320, 240)), "JPEG", quality=55))
    other = inspect(encode(photo(2), "JPEG", quality=90))
    assert copy.sha256 != original.sha256
    assert hamming(original.phash, copy.phash) <= 4
    assert hamming(original.phash, other.phash) > 16


@pytest.mark.parametrize(
    ("fmt", "mode", "options"),
    [("PNG", "RGB", {}), ("PNG", "RGBA", {}), ("WEBP", "RGB", {"quality": 80}), ("GIF", "P", {}), ("BMP", "RGB", {})],
)
def test_other_formats_hash_like_the_jpeg(fmt: str, mode: str, options: dict[str, object]) -> None:
    picture = photo(3, (300, 200))
    image = picture.convert(mode) if mode != "P" else picture.quantize(256)
    info = inspect(encode(image, fmt, **options), "http://shop.test/x")
    assert (info.format, info.width, info.height) == (fmt, 300, 200)
    assert hamming(info.phash, inspect(encode(picture, "JPEG")).phash) <= 6


def test_large_jpeg_is_decoded_small_and_grey(monkeypatch: pytest.MonkeyPatch) -> None:
    big = photo(4, (800, 600)).resize((4000, 3000))
    hashed: list[Image.Image] = []
    real_phash = inspect_module.imagehash.phash
    monkeypatch.setattr(inspect_module.imagehash, "phash", lambda image: hashed.append(image) or real_phash(image))
    info = inspect(encode(big, "JPEG", quality=85))
    assert (info.width, info.height) == (4000, 3000)
    # draft() decoded at 1/8 scale in greyscale: 1.5 % of the memory of a full RGB decode.
    assert hashed[0].mode == "L" and hashed[0].size == (500, 375)
    assert hamming(info.phash, inspect(encode(big.resize((800, 600)), "JPEG")).phash) <= 4


def test_declared_dimensions_over_the_limit_are_refused_before_decoding() -> None:
    bomb = png_declaring(8_000, 8_000)  # under Pillow's own guard, over ours
    with pytest.raises(ImageError, match=r"image bomb: 8000x8000 exceeds 40000000 pixels"):
        inspect(bomb)


def test_huge_png_bomb_is_refused_fast_without_decoding() -> None:
    bomb = png_declaring(30_000, 30_000)
    assert len(bomb) < 200
    images_before = Image.core.get_stats()["new_count"]
    started = time.perf_counter()
    with pytest.raises(ImageError, match="image bomb"):
        inspect(bomb, max_pixels=10**12)  # even with our limit off, Pillow's guard stops it
    assert time.perf_counter() - started < 0.5
    assert Image.core.get_stats()["new_count"] == images_before  # no pixel buffer was ever created


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_pillow_limit_holds_even_when_its_warning_is_ignored() -> None:
    # Between Pillow's warning and error thresholds Pillow only warns, then would decode 100 M pixels.
    assert Image.MAX_IMAGE_PIXELS is not None and 10_000 * 10_000 > Image.MAX_IMAGE_PIXELS
    with pytest.raises(ImageError, match=rf"image bomb: 10000x10000 exceeds {Image.MAX_IMAGE_PIXELS} pixels"):
        inspect(png_declaring(10_000, 10_000), max_pixels=10**12)


@pytest.mark.parametrize(
    ("data", "looks_like"),
    [
        (b"<!DOCTYPE html><html><body>Not found</body></html>", "HTML"),
        (b'{"error": "gone"}', "JSON"),
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', "SVG"),
        (b'<?xml version="1.0"?><feed/>', "XML"),
        (b"just some words\n", "text"),
        (b"<svg width='10' height='10'></svg>", "SVG"),
        (b"%PDF-1.7 ...", "PDF"),
        (b"", "an empty file"),
        (b"\x00\x01\x02\x03garbage", "unknown binary"),
    ],
)
def test_non_images_say_what_they_look_like(data: bytes, looks_like: str) -> None:
    with pytest.raises(ImageError, match=rf"not an image \(looks like {looks_like}"):
        inspect(data)


def test_truncated_jpeg_is_refused() -> None:
    data = encode(photo(5), "JPEG", quality=90)
    with pytest.raises(ImageError, match="truncated"):
        inspect(data[: len(data) // 2])


def test_truncated_png_is_refused() -> None:
    data = encode(photo(5), "PNG")
    with pytest.raises(ImageError):
        inspect(data[: len(data) // 2])


def test_oversize_file_is_refused_before_parsing() -> None:
    data = encode(photo(6), "PNG")
    with pytest.raises(ImageError, match=rf"image is {len(data)} bytes, over the 1024 byte limit"):
        inspect(data, max_bytes=1024)
    assert inspect(data, max_bytes=len(data)).bytes == len(data)
