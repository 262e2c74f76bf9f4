"""ImageDownloader against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from sightsearch.config import Settings
from sightsearch.errors import ImageError, TransientFetchError
from sightsearch.images import ImageDownloader, hamming

from .conftest import ImageServer, Route, encode, photo

JPEG = encode(photo(1), "JPEG", quality=90)
JPEG_SMALL = encode(photo(1).resize((320, 240)), "JPEG", quality=60)


def settings(**overrides: object) -> Settings:
    return Settings(**{"image_concurrency": 4, "max_image_bytes": 1_000_000, "request_timeout": 5.0, **overrides})


async def test_download_measures_the_image(image_server: ImageServer) -> None:
    image_server.routes["/p1.jpg"] = Route(body=JPEG)
    async with ImageDownloader(settings()) as downloader:
        info = await downloader.download(image_server.url("/p1.jpg"))
    assert (info.url, info.format, info.width, info.height, info.bytes) == (
        image_server.url("/p1.jpg"), "JPEG", 640, 480, len(JPEG)
    )


async def test_client_is_created_lazily_and_closed() -> None:
    downloader = ImageDownloader(settings())
    assert downloader._client is None
    async with downloader:
        pass
    assert downloader._client is None
    await downloader.aclose()  # twice is fine


async def test_given_client_is_used_and_left_open(image_server: ImageServer) -> None:
    image_server.routes["/p.png"] = Route(body=encode(photo(2, (64, 48)), "PNG"), content_type="image/png")
    async with aiohttp.ClientSession() as client:
        async with ImageDownloader(settings(), client=client) as downloader:
            info = await downloader.download(image_server.url("/p.png"))
        assert not client.closed
    assert (info.format, info.width) == ("PNG", 64)


@pytest.mark.parametrize(
    ("route", "error", "message"),
    [
        (Route(status=404, body=b"gone", content_type="text/html"), ImageError, "HTTP 404"),
        (Route(status=410, body=b"", content_type="image/jpeg"), ImageError, "HTTP 410"),
        (Route(status=503, body=b"busy", content_type="text/plain"), TransientFetchError, "HTTP 503"),
        (Route(body=b"<html>login</html>", content_type="text/html"), ImageError, "content-type text/html"),
        (Route(body=b"<html><body>soft 404</body></html>", content_type="image/jpeg"), ImageError, "looks like HTML"),
        (Route(body=JPEG[:5000]), ImageError, "truncated"),
        (Route(body=b"x" * 2_000_000), ImageError, "over the 1000000 byte limit"),
    ],
)
async def test_failures_are_classified(image_server: ImageServer, route: Route, error: type, message: str) -> None:
    image_server.routes["/img"] = route
    async with ImageDownloader(settings()) as downloader:
        with pytest.raises(error, match=message):
            await downloader.download(image_server.url("/img"))


async def test_429_is_transient_with_retry_after(image_server: ImageServer) -> None:
    image_server.routes["/img"] = Route(status=429, content_type="text/plain", headers={"Retry-After": "7"})
    async with ImageDownloader(settings()) as downloader:
        with pytest.raises(TransientFetchError, match="HTTP 429") as caught:
            await downloader.download(image_server.url("/img"))
    assert caught.value.retry_after == 7.0


async def test_streamed_body_without_length_is_cut_off(image_server: ImageServer) -> None:
    image_server.routes["/endless.jpg"] = Route(stream_bytes=50_000_000)
    async with ImageDownloader(settings()) as downloader:
        with pytest.raises(ImageError, match="stopped reading"):
            await downloader.download(image_server.url("/endless.jpg"))
    await asyncio.sleep(0.2)
    assert image_server.streamed < 20_000_000  # the client hung up long before the 50 MB were sent


async def test_connection_refused_and_timeout_are_transient(image_server: ImageServer, unused_port: int) -> None:
    image_server.routes["/slow.jpg"] = Route(body=JPEG, delay=2.0)
    async with ImageDownloader(settings(request_timeout=0.3)) as downloader:
        with pytest.raises(TransientFetchError, match="timed out"):
            await downloader.download(image_server.url("/slow.jpg"))
        with pytest.raises(TransientFetchError, match="network error"):
            await downloader.download(f"http://127.0.0.1:{unused_port}/a.jpg")


async def test_unsupported_url_is_permanent() -> None:
    async with ImageDownloader(settings()) as downloader:
        with pytest.raises(ImageError):
            await downloader.download("ftp://example.test/a.jpg")


async def test_download_many_keeps_successes_beside_failures(image_server: ImageServer) -> None:
    image_server.routes.update({"/a.jpg": Route(body=JPEG), "/b.jpg": Route(body=JPEG_SMALL)})
    urls = [image_server.url(path) for path in ("/a.jpg", "/missing.jpg", "/b.jpg", "/a.jpg")]
    async with ImageDownloader(settings()) as downloader:
        results = await downloader.download_many(urls)
    assert list(results) == [urls[0], urls[1], urls[2]]
    assert isinstance(results[urls[1]], ImageError)
    first, second = results[urls[0]], results[urls[2]]
    assert not isinstance(first, Exception) and not isinstance(second, Exception)
    assert hamming(first.phash, second.phash) <= 4


async def test_concurrency_bound_is_respected(image_server: ImageServer) -> None:
    for index in range(12):
        image_server.routes[f"/{index}.jpg"] = Route(body=JPEG_SMALL, delay=0.1)
    urls = [image_server.url(f"/{index}.jpg") for index in range(12)]
    async with ImageDownloader(settings(image_concurrency=3)) as downloader:
        results = await downloader.download_many(urls)
    assert all(not isinstance(result, Exception) for result in results.values())
    assert image_server.max_in_flight == 3  # reached, never exceeded
