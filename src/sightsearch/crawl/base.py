"""The crawl seams: a fetcher (HTTP now, browser later) and a frontier (memory now, Redis later)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field


@dataclass(slots=True)
class CrawlRequest:
    """One URL to fetch. ``kind`` is ``listing``, ``product`` or ``unknown`` (decided by link discovery)."""

    url: str
    depth: int = 0
    kind: str = "unknown"
    attempt: int = 0
    referer: str | None = None
    not_before: float = 0.0
    """Wall-clock time (``time.time()``) before which a retry must not be popped; 0 means now."""


@dataclass(slots=True)
class FetchedPage:
    """A fetched response: the final URL after redirects, status, headers, raw body and decoded text."""

    url: str
    requested_url: str
    status: int
    headers: dict[str, str]
    body: bytes
    text: str
    encoding: str
    elapsed: float
    redirects: list[str] = field(default_factory=list)
    rendered: bool = False

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


class Fetcher(ABC):
    """Fetches one URL. Raises ``TransientFetchError`` (retry) or ``PermanentFetchError`` (dead letter)."""

    @abstractmethod
    async def fetch(self, request: CrawlRequest) -> FetchedPage: ...

    async def aclose(self) -> None:
        """Release connections, browsers, etc. Safe to call twice."""

    async def __aenter__(self) -> "Fetcher":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


class Frontier(ABC):
    """The set of URLs still to crawl, with dedup by URL fingerprint across the whole run."""

    @abstractmethod
    async def add(self, request: CrawlRequest) -> bool:
        """Queue ``request`` unless its fingerprint was seen before; returns True when queued."""

    @abstractmethod
    async def mark_seen(self, url: str) -> bool:
        """Record ``url``'s fingerprint without queueing it (a redirect target already fetched); True when new."""

    @abstractmethod
    async def requeue(self, request: CrawlRequest) -> None:
        """Queue ``request`` again for a retry, bypassing dedup; it is not popped before ``request.not_before``.

        Wall-clock time, so a shared frontier (Redis) can order retries from many machines in one sorted set.
        """

    @abstractmethod
    async def pop(self) -> CrawlRequest | None:
        """The next request whose ``not_before`` has passed, or None when none is ready right now."""

    @abstractmethod
    async def seen(self, url: str) -> bool:
        """True when ``url``'s fingerprint was already added."""

    @abstractmethod
    async def size(self) -> int:
        """Requests queued and not yet popped, including retries waiting for their ``not_before``."""
