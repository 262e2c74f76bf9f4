"""Download product images with bounded concurrency, a hard byte cap and a deadline, then inspect them off the event
loop within the process's decode budget."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from types import TracebackType
from typing import TYPE_CHECKING
from urllib.parse import urljoin

import aiohttp

from sightsearch.config import Settings
from sightsearch.crawl.guard import UrlGuard
from sightsearch.crawl.http import REDIRECT_STATUSES, client_session
from sightsearch.errors import ImageError, PermanentFetchError, TransientFetchError

if TYPE_CHECKING:
    from sightsearch.images.inspection import DecodeBudget, ImageInfo

# Servers that label images generically; anything else that is not image/* is an error page or a mistake.
_GENERIC_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream"})
_ACCEPT = "image/avif,image/webp,image/png,image/jpeg,image/*;q=0.8,*/*;q=0.5"


class ImageDownloader:
    """Fetches and inspects images. Raises ``TransientFetchError`` (retry later) or ``ImageError`` (dead letter).

    The HTTP session (the page fetcher's kind, ``crawl.http.client_session``) is created on first use unless one is
    given; a given session stays open and belongs to the caller. With ``url_guard`` every redirect hop is checked
    before it is requested, and connections go through the guard's resolver.

    Decoding happens within ``decode_budget``; by default the process's shared one, as large as the costliest image
    ``max_image_pixels`` admits (``inspection.largest_decode_cost``), so all the crawls of a process together hold at
    most that many bytes of decoded pixels. Files that would expand over ``inspection.MAX_EXPANSION`` times are
    refused from their header.
    """

    def __init__(self, settings: Settings, *, client: aiohttp.ClientSession | None = None,
                 url_guard: UrlGuard | None = None, decode_budget: DecodeBudget | None = None) -> None:
        self._settings = settings
        self._url_guard = url_guard
        self._client = client
        self._owns_client = client is None
        self._slots = asyncio.Semaphore(settings.image_concurrency)
        self._decode_budget = decode_budget

    async def download(self, url: str) -> ImageInfo:
        """Download ``url`` and return its ``ImageInfo``; at most ``image_concurrency`` downloads (each with its
        decode) run at once, and the fetch ends after ``request_timeout`` seconds in all."""
        # Pillow and ImageHash load with the first image.
        from sightsearch.images.inspection import MAX_EXPANSION, inspect_image

        async with self._slots:
            data = await self._fetch(url)
            # Decoding and hashing are CPU work: a thread keeps the event loop (and the other downloads) moving. The
            # slot stays held, so no more threads than slots wait for the decode budget.
            return await asyncio.to_thread(
                inspect_image,
                data,
                url,
                max_pixels=self._settings.max_image_pixels,
                max_bytes=self._settings.max_image_bytes,
                budget=self._get_decode_budget(),
                max_expansion=MAX_EXPANSION,
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
        """The response body, read in chunks and abandoned as soon as it passes ``max_image_bytes`` or the fetch
        (redirects included) passes ``request_timeout`` seconds."""
        timeout = self._settings.request_timeout
        try:
            # The socket read timeout is per chunk; this bounds the whole fetch so a trickling body cannot hang a run.
            async with asyncio.timeout(timeout):
                return await self._follow(url)
        except PermanentFetchError as err:  # refused by the guard
            raise ImageError(f"cannot fetch image ({err}): {url}") from err
        except (aiohttp.InvalidURL, aiohttp.NonHttpUrlClientError, aiohttp.ClientPayloadError) as err:
            raise ImageError(f"cannot fetch image ({err}): {url}") from err
        except TimeoutError as err:
            raise TransientFetchError(f"timed out after {timeout:g}s fetching image: {url}") from err
        except (aiohttp.ClientError, OSError) as err:
            raise TransientFetchError(f"network error fetching image ({err!r}): {url}") from err

    async def _follow(self, url: str) -> bytes:
        """The body at ``url`` after its redirects, followed here so that each hop goes through the URL guard first."""
        for _ in range(self._settings.max_redirects + 1):
            if self._url_guard is not None:
                await self._url_guard(url)
            async with self._get_client().get(url, allow_redirects=False) as response:
                location = response.headers.get("location")
                if response.status in REDIRECT_STATUSES and location:
                    url = urljoin(url, location.strip())
                    continue
                self._check_response(response, url)
                return await self._read_capped(response, url)
        raise ImageError(f"more than {self._settings.max_redirects} redirects fetching image: {url}")

    def _check_response(self, response: aiohttp.ClientResponse, url: str) -> None:
        """Fail on error statuses, non-image content types and declared sizes over the cap, before reading."""
        status = response.status
        if status == 429 or status == 408 or status >= 500:
            retry_after = _retry_after(response.headers.get("retry-after", ""))
            raise TransientFetchError(f"HTTP {status} fetching image: {url}", retry_after=retry_after)
        if status >= 400:
            raise ImageError(f"HTTP {status} fetching image: {url}")
        content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if not content_type.startswith("image/") and content_type not in _GENERIC_TYPES:
            raise ImageError(f"not an image (content-type {content_type}): {url}")
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self._settings.max_image_bytes:
            raise ImageError(f"image is {declared} bytes, over the {self._settings.max_image_bytes} byte limit: {url}")

    async def _read_capped(self, response: aiohttp.ClientResponse, url: str) -> bytes:
        limit = self._settings.max_image_bytes
        chunks, size = [], 0
        async for chunk in response.content.iter_any():
            size += len(chunk)
            if size > limit:
                # Leaving the response context closes the connection; the rest of the body is never read.
                raise ImageError(f"image is over the {limit} byte limit (stopped reading): {url}")
            chunks.append(chunk)
        return b"".join(chunks)

    def _get_decode_budget(self) -> DecodeBudget:
        if self._decode_budget is None:
            from sightsearch.images.inspection import largest_decode_cost, shared_decode_budget

            self._decode_budget = shared_decode_budget(largest_decode_cost(self._settings.max_image_pixels))
        return self._decode_budget

    def _get_client(self) -> aiohttp.ClientSession:
        if self._client is None:
            self._client = client_session(self._settings, self._settings.image_concurrency,
                                          url_guard=self._url_guard, headers={"Accept": _ACCEPT})
        return self._client

    async def aclose(self) -> None:
        """Close the HTTP client if this downloader created it. Safe to call twice."""
        if self._owns_client and self._client is not None:
            client, self._client = self._client, None
            await client.close()

    async def __aenter__(self) -> ImageDownloader:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self.aclose()


def _retry_after(value: str) -> float | None:
    """The Retry-After header in seconds, when it is given as a number (HTTP dates are rare for images)."""
    value = value.strip()
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None
