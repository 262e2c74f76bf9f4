"""The frontier contract of the embedded loop: dedup by fingerprint, retries held until due, products first.

(The distributed mode's frontier is the run's Redis state, admission by one Lua script, and Celery's queues; its
contract is tested through the crawl itself, in tests/modes and tests/distributed.)"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable

import pytest

from sightsearch.crawl import CrawlRequest, Frontier, MemoryFrontier

BACKENDS: dict[str, Callable[[pytest.FixtureRequest], Frontier]] = {
    "memory": lambda request: MemoryFrontier(),
}


@pytest.fixture(params=sorted(BACKENDS))
async def frontier(request: pytest.FixtureRequest) -> AsyncIterator[Frontier]:
    yield BACKENDS[request.param](request)


async def test_frontier_dedups_by_fingerprint(frontier: Frontier) -> None:
    assert await frontier.add(CrawlRequest(url="http://ex.com/a?x=1&y=2"))
    assert not await frontier.add(CrawlRequest(url="http://EX.com/a?y=2&x=1&utm_campaign=z#top"))
    assert await frontier.seen("http://ex.com/a?x=1&y=2&gclid=1")
    assert not await frontier.seen("http://ex.com/b")
    assert await frontier.size() == 1
    popped = await frontier.pop()
    assert popped is not None and popped.url == "http://ex.com/a?x=1&y=2"
    assert await frontier.pop() is None
    assert not await frontier.add(CrawlRequest(url="http://ex.com/a?x=1&y=2"))  # popped URLs stay seen


async def test_frontier_serves_products_first_then_fifo(frontier: Frontier) -> None:
    queued = [("/l1", "listing"), ("/p1", "product"), ("/u1", "unknown"), ("/p2", "product"), ("/l2", "listing")]
    for url, kind in queued:
        await frontier.add(CrawlRequest(url=f"http://ex.com{url}", kind=kind))
    order = [(await frontier.pop()).url.rsplit("/", 1)[1] for _ in range(5)]  # type: ignore[union-attr]
    assert order == ["p1", "p2", "l1", "u1", "l2"]


async def test_requeue_bypasses_dedup_and_waits_for_not_before(frontier: Frontier) -> None:
    await frontier.add(CrawlRequest(url="http://ex.com/a"))
    await frontier.add(CrawlRequest(url="http://ex.com/b"))
    first = await frontier.pop()
    assert first is not None
    await frontier.requeue(CrawlRequest(url=first.url, attempt=1, not_before=time.time() + 0.2))
    assert await frontier.size() == 2
    second = await frontier.pop()
    assert second is not None and second.url == "http://ex.com/b"
    assert await frontier.pop() is None and await frontier.size() == 1  # the retry is waiting, not lost
    time.sleep(0.21)
    retry = await frontier.pop()
    assert retry is not None and retry.url == first.url and retry.attempt == 1


async def test_mark_seen_records_without_queueing(frontier: Frontier) -> None:
    assert await frontier.mark_seen("http://ex.com/new?utm_source=x")
    assert not await frontier.mark_seen("http://ex.com/new")
    assert not await frontier.add(CrawlRequest(url="http://ex.com/new"))
    assert await frontier.size() == 0 and await frontier.pop() is None
