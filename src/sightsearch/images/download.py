"""Download product images with bounded concurrency and a hard byte cap, then inspect them off the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from types import TracebackType

import httpx

from sightsearch.config import Settings
from sightsearch.crawl.guard import UrlGuard, guard_hook, guarded_transport
from sightsearch.errors import ImageError, TransientFetchError
from sightsearch.images.inspection import ImageInfo, inspect_image

# Servers that label images generically; anything else that is not image/* is an error page or a mistake.
_GENERIC_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream"})
_ACCEPT = "image/avif,image/webp,image/png,image/jpeg,image/*;q=0.8,*/*;q=0.5"


class ImageDownloader:
    """Fetches and inspects images. Raises ``TransientFetchError`` (retry later) or ``ImageError`` (dead letter).

    The HTTP client is created on first use unless one is given; a given client stays open and belongs to the caller.
    """

    def __init__(self, settings: Settings, *, client: httpx.AsyncClient | None = None,
                 url_guard: UrlGuard | None = None) -> None:
        self._settings = settings
        self._url_guard = url_guard
        self._client = client
        self._owns_client = client is None
        self._slots = asyncio.Semaphore(settings.image_concurrency)

    async def download(self, url: str) -> ImageInfo:
        """Download ``url`` and return its ``ImageInfo``; at most ``image_concurrency`` downloads run at once."""
        async with self._slots:
            data = await self._fetch(url)
        # Decoding and hashing are CPU work: a thread keeps the event loop (and the other downloads) moving.
        return await asyncio.to_thread(
            inspect_image,
            data,
            url,
            max_pixels=self._settings.max_image_pixels,
            max_bytes=self._settings.max_image_bytes,
        )

    async def download_many(self, urls: Iterable[str]) -> dict[str, ImageInfo | Exception]:
        """Download every distinct URL; each maps to its ``ImageInfo`` or to the exception it failed with.

        One failure never cancels or hides the others, so a broken image never costs its product the rest.
        """
        unique = list(dict.fromkeys(urls))
        results = await asyncio.gather(*(self._settle(url) for url in unique))
        return dict(zip(unique, results))

    async def _settle(self, url: str) -> ImageInfo | Exception:
        try:
            return await self.download(url)
        except Exception as err:  # returned, not swallowed: the caller dead-letters it with the URL
            return err

    async def _fetch(self, url: str) -> bytes:
        """The response body, read in chunks and abandoned as soon as it passes ``max_image_bytes``."""
        try:
            async with self._get_client().stream("GET", url, follow_redirects=True) as response:
                self._check_response(response, url)
                return await self._read_capped(response, url)
        except (httpx.UnsupportedProtocol, httpx.InvalidURL, httpx.TooManyRedirects, httpx.DecodingError) as err:
            raise ImageError(f"cannot fetch image ({err}): {url}") from err
        except httpx.TimeoutException as err:
            raise TransientFetchError(f"timed out fetching image: {url}") from err
        except httpx.TransportError as err:
            raise TransientFetchError(f"network error fetching image ({err!r}): {url}") from err

    def _check_response(self, response: httpx.Response, url: str) -> None:
        """Fail on error statuses, non-image content types and declared sizes over the cap, before reading."""
        status = response.status_code
        if status == 429 or status == 408 or status >= 500:
            retry_after = _retry_after(response)
            raise TransientFetchError(f"HTTP {status} fetching image: {url}", retry_after=retry_after)
        if status >= 400:
            raise ImageError(f"HTTP {status} fetching image: {url}")
        content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if not content_type.startswith("image/") and content_type not in _GENERIC_TYPES:
            raise ImageError(f"not an image (content-type {content_type}): {url}")
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self._settings.max_image_bytes:
            raise ImageError(f"image is {declared} bytes, over the {self._settings.max_image_bytes} byte limit: {url}")

    async def _read_capped(self, response: httpx.Response, url: str) -> bytes:
        limit = self._settings.max_image_bytes
        chunks, size = [], 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > limit:
                # Leaving the stream context closes the connection; the rest of the body is never read.
                raise ImageError(f"image is over the {limit} byte limit (stopped reading): {url}")
            chunks.append(chunk)
        return b"".join(chunks)

    def _get_client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                transport=guarded_transport(self._url_guard),
                timeout=self._settings.request_timeout,
                headers={"User-Agent": self._settings.user_agent, "Accept": _ACCEPT},
                max_redirects=self._settings.max_redirects,
                limits=httpx.Limits(max_connections=self._settings.image_concurrency),
                event_hooks={"request": [guard_hook(self._url_guard)]} if self._url_guard else None,
            )
        return self._client

    async def aclose(self) -> None:
        """Close the HTTP client if this downloader created it. Safe to call twice."""
        if self._owns_client and self._client is not None:
            await self._client.aclose()
            self._client = None

    async def __aenter__(self) -> ImageDownloader:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self.aclose()


def _retry_after(response: httpx.Response) -> float | None:
    """The Retry-After header in seconds, when it is given as a number (HTTP dates are rare for images)."""
    value = response.headers.get("retry-after", "").strip()
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None
