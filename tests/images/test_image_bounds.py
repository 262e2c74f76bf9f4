"""Crawled images do bounded work: decodes share the process's decode budget, bombs are refused from their header,
a trickling image ends at the fetch deadline, and normal images keep exactly the facts they had. Against a real HTTP
server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from PIL import Image

from sightsearch.config import Settings
from sightsearch.images import ImageDownloader, inspect_image
from sightsearch.images import inspection as inspection_module
from sightsearch.images.facts import download_facts, image_facts

from .conftest import ImageServer, Route, encode, photo

JPEG = encode(photo(1), "JPEG", quality=90)


def settings(**overrides: object) -> Settings:
    return Settings(**{"image_concurrency": 8, "max_image_bytes": 1_000_000, "request_timeout": 5.0, **overrides})


def blank_png(side: int, mode: str = "RGB") -> bytes:
    """A decompression bomb: a few KB of PNG that decode to ``side`` x ``side`` pixels of zeros."""
    return encode(Image.new(mode, (side, side)), "PNG")


@dataclass
class DecodeSpy:
    """The decodes that ran (the real ones, each held open a little with its pixels loaded, so overlaps show)."""

    hold: float = 0.05
    count: int = 0
    in_flight: int = 0
    peak: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


@pytest.fixture
def decodes(monkeypatch: pytest.MonkeyPatch) -> Iterator[DecodeSpy]:
    spy, real = DecodeSpy(), inspection_module._perceptual_hash

    def watched(image: Image.Image, url: str) -> str:
        with spy.lock:
            spy.count += 1
            spy.in_flight += 1
            spy.peak = max(spy.peak, spy.in_flight)
        try:
            phash = real(image, url)
            time.sleep(spy.hold)
            return phash
        finally:
            with spy.lock:
                spy.in_flight -= 1

    monkeypatch.setattr(inspection_module, "_perceptual_hash", watched)
    yield spy


async def test_concurrent_bombs_of_two_crawls_decode_one_at_a_time_within_the_budget(
        image_server: ImageServer, decodes: DecodeSpy) -> None:
    # 1400 x 1400 RGB is within the 2 Mpx limit: 9.8 MB to decode from a 6 KB file, under the expansion floor. The
    # process's budget is what the largest admitted image costs (10 MB), so only one such decode fits at a time.
    bomb = blank_png(1400)
    assert len(bomb) < 10_000
    limits = settings(max_image_pixels=2_000_000, image_concurrency=4)
    urls = [image_server.url(f"/bomb-{index}.png") for index in range(8)]
    for index in range(8):
        image_server.routes[f"/bomb-{index}.png"] = Route(body=bomb, content_type="image/png")
    async with ImageDownloader(limits) as first, ImageDownloader(limits) as second:  # two runs in one process
        halves = await asyncio.gather(first.download_many(urls[:4]), second.download_many(urls[4:]))
    results = {**halves[0], **halves[1]}
    expected = inspect_image(bomb, "x", max_pixels=2_000_000, max_bytes=1_000_000)
    for url, info in results.items():
        assert not isinstance(info, Exception), info
        assert (info.width, info.height, info.phash, info.sha256) == (1400, 1400, expected.phash, expected.sha256)
    assert decodes.count == 9  # eight downloads and the expected value
    assert decodes.peak == 1, f"{decodes.peak} decodes of 9.8 MB held at once within a 10 MB budget"


async def test_bombs_past_the_expansion_limit_get_an_error_and_the_other_images_their_facts(
        image_server: ImageServer, decodes: DecodeSpy) -> None:
    # The reviewed bomb: 102 KB of PNG, 36 Mpx (within the 40 Mpx limit), 171 MB to decode; and a 1-bit one, 4 KB.
    image_server.routes.update({
        "/rgb.png": Route(body=blank_png(6000), content_type="image/png"),
        "/bits.png": Route(body=blank_png(6000, "1"), content_type="image/png"),
        "/photo.jpg": Route(body=JPEG),
    })
    urls = [image_server.url(path) for path in ("/rgb.png", "/bits.png", "/photo.jpg")]
    async with ImageDownloader(settings()) as downloader:
        facts = await download_facts(downloader, urls * 3)
    rgb, bits, good = (facts[url] for url in urls)
    assert rgb.error is not None and bits.error is not None
    assert rgb.error.startswith("image bomb: 6000x6000 RGB would decode to 171 MB from "), rgb.error
    assert "over the 1000x allowed" in rgb.error and rgb.width is None and rgb.phash is None
    assert bits.error.startswith("image bomb: 6000x6000 1 would decode to 68 MB from "), bits.error
    assert (good.error, good.width, good.height) == (None, 640, 480)
    assert decodes.count == 1  # the photo; the bombs were refused from their headers


async def test_a_trickling_image_ends_in_a_timeout_error_at_the_deadline(image_server: ImageServer) -> None:
    # One byte every 50 ms: each read is well within the socket timeout, the whole body would take half an hour.
    image_server.routes["/drip.jpg"] = Route(body=JPEG, trickle=0.05)
    image_server.routes["/photo.jpg"] = Route(body=JPEG)
    urls = [image_server.url("/drip.jpg"), image_server.url("/photo.jpg")]
    deadline = 0.5
    started = time.perf_counter()
    async with ImageDownloader(settings(request_timeout=deadline)) as downloader:
        facts = await asyncio.wait_for(download_facts(downloader, urls), timeout=10 * deadline)
    elapsed = time.perf_counter() - started
    drip, good = facts[urls[0]], facts[urls[1]]
    assert drip.error == f"timed out after 0.5s fetching image: {urls[0]}"
    assert (good.error, good.width) == (None, 640)
    assert deadline <= elapsed < 10 * deadline


NORMAL_IMAGES = {
    "/photo.jpg": encode(photo(1), "JPEG", quality=90),
    "/large.jpg": encode(photo(4, (800, 600)).resize((4000, 3000)), "JPEG", quality=85),
    "/photo.png": encode(photo(2, (300, 200)), "PNG"),
    "/rgba.png": encode(photo(3, (300, 200)).convert("RGBA"), "PNG"),
    "/photo.webp": encode(photo(5, (300, 200)), "WEBP", quality=80),
    "/photo.gif": encode(photo(6, (300, 200)).quantize(256), "GIF"),
    "/placeholder.png": blank_png(800),  # flat, 1,600 times smaller than decoded, but under the expansion floor
}


async def test_normal_images_get_the_facts_inspection_alone_gives(image_server: ImageServer) -> None:
    for path, data in NORMAL_IMAGES.items():
        image_server.routes[path] = Route(body=data, content_type="image/*")
    urls = {image_server.url(path): data for path, data in NORMAL_IMAGES.items()}
    async with ImageDownloader(settings(max_image_bytes=10_000_000)) as downloader:
        facts = await download_facts(downloader, urls)
    # The facts of the bare inspection, with no budget and no expansion limit: what the downloader used to give.
    expected = image_facts({url: inspect_image(data, url, max_pixels=40_000_000, max_bytes=10_000_000)
                            for url, data in urls.items()})
    assert facts == expected
    assert all(fact.error is None and fact.phash for fact in facts.values())
