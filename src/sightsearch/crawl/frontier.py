"""The in-memory frontier: FIFO with dedup by URL fingerprint, product pages first, retries held until due."""

from __future__ import annotations

import heapq
import itertools
import time
from collections import deque

from typing_extensions import override

from sightsearch.crawl.base import CrawlRequest, Frontier
from sightsearch.crawl.urls import url_fingerprint


class MemoryFrontier(Frontier):
    """A frontier for one process.

    Product pages are popped before listing and unknown pages. Products are leaves (they add few new URLs) and are
    what the run is for, so serving them first keeps the queue short and gives the most products under a page budget;
    listings are still crawled FIFO, so pagination proceeds in order. Retries wait in a heap keyed by ``not_before``.
    """

    def __init__(self) -> None:
        self._fingerprints: set[str] = set()
        self._products: deque[CrawlRequest] = deque()
        self._others: deque[CrawlRequest] = deque()
        self._delayed: list[tuple[float, int, CrawlRequest]] = []
        self._order = itertools.count()  # ties in the heap are broken by insertion order, never by request

    @override
    async def add(self, request: CrawlRequest) -> bool:
        if not await self.mark_seen(request.url):
            return False
        self._enqueue(request)
        return True

    @override
    async def mark_seen(self, url: str) -> bool:
        fingerprint = url_fingerprint(url)
        new = fingerprint not in self._fingerprints
        self._fingerprints.add(fingerprint)
        return new

    @override
    async def requeue(self, request: CrawlRequest) -> None:
        if request.not_before > time.time():
            heapq.heappush(self._delayed, (request.not_before, next(self._order), request))
        else:
            self._enqueue(request)

    @override
    async def pop(self) -> CrawlRequest | None:
        self._release_due()
        if self._products:
            return self._products.popleft()
        if self._others:
            return self._others.popleft()
        return None

    @override
    async def seen(self, url: str) -> bool:
        return url_fingerprint(url) in self._fingerprints

    @override
    async def size(self) -> int:
        return len(self._products) + len(self._others) + len(self._delayed)

    def _enqueue(self, request: CrawlRequest) -> None:
        (self._products if request.kind == "product" else self._others).append(request)

    def _release_due(self) -> None:
        # A due retry goes to the front of its queue: it has already waited its back-off once.
        now = time.time()
        while self._delayed and self._delayed[0][0] <= now:
            request = heapq.heappop(self._delayed)[2]
            (self._products if request.kind == "product" else self._others).appendleft(request)
