"""The HTTP fetcher: one shared keep-alive aiohttp session, streamed bodies with a size cap, redirects followed by hand."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin

import aiohttp
from aiohttp.http_exceptions import ContentEncodingError
from typing_extensions import override

from sightsearch.config import Settings
from sightsearch.crawl.base import CrawlRequest, FetchedPage, Fetcher
from sightsearch.crawl.decode import decode_body, is_text_type
from sightsearch.crawl.guard import UrlGuard
from sightsearch.crawl.robots import MAX_ROBOTS_BYTES
from sightsearch.crawl.urls import canonicalize_url, is_http_url
from sightsearch.errors import PermanentFetchError, TransientFetchError

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


class HttpStatusTransientError(TransientFetchError):
    """A 429 or 5xx answer; ``status`` is kept for the failure event."""

    def __init__(self, status: int, *, retry_after: float | None = None) -> None:
        super().__init__(f"HTTP {status}", retry_after=retry_after)
        self.status = status


class HttpStatusPermanentError(PermanentFetchError):
    """A 4xx answer other than 429."""

    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date); None when absent or unreadable."""
    if not value or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def client_session(settings: Settings, limit: int, *, url_guard: UrlGuard | None = None,
                   headers: dict[str, str] | None = None) -> aiohttp.ClientSession:
    """The aiohttp session of a fetcher or an image downloader: ``limit`` connections, the settings' user agent and
    timeouts, no proxy from the environment, and with ``url_guard`` its resolver (``crawl.ssrf.PinnedResolver``),
    so a connection only ever goes to an address the guard checked."""
    make_resolver = getattr(url_guard, "resolver", None)
    connector = aiohttp.TCPConnector(limit=limit, limit_per_host=limit, ttl_dns_cache=60,
                                     resolver=make_resolver() if make_resolver else None)
    return aiohttp.ClientSession(
        connector=connector, headers={"User-Agent": settings.user_agent, **(headers or {})},
        cookie_jar=aiohttp.CookieJar(unsafe=True),  # shops on IP addresses keep their session cookies
        timeout=aiohttp.ClientTimeout(total=None, sock_connect=settings.request_timeout,
                                      sock_read=settings.request_timeout),
        auto_decompress=True, trust_env=False,
    )


class HttpFetcher(Fetcher):
    """Fetches pages over HTTP/1.1 with aiohttp (its C parser costs a seventh of httpx's CPU per request, see
    bench/http_clients.py). The session is created on the first fetch and closed by ``aclose``.

    ``proxy`` sends every request through that HTTP proxy (CONNECT for https). With ``url_guard`` (a run submitted by
    an API client) every hop is checked first and connections go through the guard's resolver, which refuses
    private addresses at connect time (``crawl.ssrf.PinnedResolver``)."""

    def __init__(self, settings: Settings, *, proxy: str | None = None, url_guard: UrlGuard | None = None) -> None:
        self._settings = settings
        self._proxy = proxy
        self._url_guard = url_guard
        self._session: aiohttp.ClientSession | None = None

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = client_session(self._settings, self._settings.concurrency, url_guard=self._url_guard)
        return self._session

    @override
    async def fetch(self, request: CrawlRequest) -> FetchedPage:
        """Fetch ``request.url``, following redirects; raises ``TransientFetchError`` or ``PermanentFetchError``."""
        started = time.perf_counter()
        try:
            # The socket read timeout is per chunk; this bounds the whole fetch so a trickling body cannot hang it.
            async with asyncio.timeout(self._settings.request_timeout):
                page = await self._follow(request)
        except TimeoutError as err:
            raise TransientFetchError(f"timeout after {self._settings.request_timeout:g}s: {request.url}") from err
        except (aiohttp.InvalidURL, aiohttp.NonHttpUrlClientError) as err:
            raise PermanentFetchError(f"unfetchable URL {request.url}: {err}") from err
        except (aiohttp.ClientError, OSError) as err:
            if _undecodable(err):  # the same bytes come back on a retry
                raise PermanentFetchError(f"undecodable body from {request.url}: {err}") from err
            raise TransientFetchError(f"connection error on {request.url}: {type(err).__name__} {err}") from err
        except ValueError as err:  # yarl refuses a URL it cannot encode
            raise PermanentFetchError(f"unfetchable URL {request.url}: {err}") from err
        page.elapsed = time.perf_counter() - started
        return page

    async def _follow(self, request: CrawlRequest) -> FetchedPage:
        url, chain = request.url, [canonicalize_url(request.url)]
        headers = {"Referer": request.referer} if request.referer else {}
        session = self._get_session()
        while True:
            if self._url_guard is not None:
                await self._url_guard(url)
            async with session.get(url, headers=headers, allow_redirects=False, proxy=self._proxy) as response:
                location = response.headers.get("location")
                if response.status not in REDIRECT_STATUSES or not location:
                    return await self._read(request, response, chain[1:])
            url = self._next_hop(url, location, chain)

    def _next_hop(self, url: str, location: str, chain: list[str]) -> str:
        target = urljoin(url, location.strip())
        if not is_http_url(target):
            raise PermanentFetchError(f"redirect from {url} to a non-HTTP URL {target}")
        canonical = canonicalize_url(target)
        if canonical in chain:
            raise PermanentFetchError(f"redirect loop: {' -> '.join([*chain, canonical])}")
        chain.append(canonical)
        if len(chain) - 1 > self._settings.max_redirects:
            raise PermanentFetchError(f"more than {self._settings.max_redirects} redirects from {chain[0]}")
        return target

    async def _read(self, request: CrawlRequest, response: aiohttp.ClientResponse,
                    redirects: list[str]) -> FetchedPage:
        _raise_for_status(response.status, response.headers.get("retry-after"))
        body = await self._read_capped(response, truncate=request.kind == "robots")
        headers = {k.lower(): v for k, v in response.headers.items()}
        content_type = headers.get("content-type", "")
        text, encoding = "", ""
        if is_text_type(content_type.split(";")[0].strip().lower()):  # images and archives stay bytes only
            text, encoding = decode_body(body, content_type)
        return FetchedPage(
            url=str(response.url), requested_url=request.url, status=response.status, headers=headers,
            body=body, text=text, encoding=encoding, elapsed=0.0, redirects=redirects,
        )

    async def _read_capped(self, response: aiohttp.ClientResponse, *, truncate: bool = False) -> bytes:
        """The body, refused past ``max_page_bytes``; with ``truncate`` (robots.txt) its first ``MAX_ROBOTS_BYTES``,
        the part RFC 9309 says a crawler must read."""
        limit = MAX_ROBOTS_BYTES if truncate else self._settings.max_page_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit and not truncate:
            raise PermanentFetchError(f"page larger than {limit} bytes (Content-Length {declared}): {response.url}")
        chunks: list[bytes] = []
        size = 0
        # Decompressed chunks, each bounded by aiohttp: a gzip bomb hits the same cap.
        async for chunk in response.content.iter_any():
            size += len(chunk)
            chunks.append(chunk)
            if size > limit:
                if truncate:
                    return b"".join(chunks)[:limit]
                raise PermanentFetchError(f"page larger than {limit} bytes: {response.url}")
        return b"".join(chunks)

    @override
    async def aclose(self) -> None:
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()


def _undecodable(err: BaseException) -> bool:
    """True when the server sent a body in a content-encoding that cannot be decoded (``br`` without Brotli, a
    "gzip" body that is not gzip): aiohttp reports it as a payload error or a 400 it made up, not from the server."""
    if isinstance(err.__cause__, ContentEncodingError):
        return True
    return isinstance(err, aiohttp.ClientResponseError) and "content-encoding" in str(err.message).lower()


def _raise_for_status(status: int, retry_after: str | None) -> None:
    if status == 429 or status >= 500:
        raise HttpStatusTransientError(status, retry_after=parse_retry_after(retry_after))
    if status >= 400:
        raise HttpStatusPermanentError(status)
