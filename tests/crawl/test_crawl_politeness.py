"""robots.txt policy, back-off, and the per-site throttle (gap between starts, concurrency cap, pauses)."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from crawl_site import LocalSite
from sightsearch.config import Settings
from sightsearch.crawl import DomainThrottle, HttpFetcher, RobotsPolicy, backoff_delay, robots_text_fetcher
from sightsearch.crawl.robots import MAX_ROBOTS_BYTES, robots_head

ROBOTS = """User-agent: OtherBot
Disallow: /

User-agent: *
Disallow: /private/
Allow: /private/ok
Crawl-delay: 0.5
Sitemap: /sitemap.xml
"""


async def test_robots_rules_delay_and_sitemaps(site: LocalSite, settings: Settings) -> None:
    site.page("/robots.txt", ROBOTS, content_type="text/plain")
    async with HttpFetcher(settings) as fetcher:
        robots = RobotsPolicy(robots_text_fetcher(fetcher), "SightSearchBot/0.1")
        answers = await asyncio.gather(*(robots.allowed(site.url(p)) for p in ["/a", "/private/x", "/private/ok"]))
        assert answers == [True, False, True]
        assert await robots.crawl_delay(site.url("/")) == 0.5
        assert await robots.sitemaps(site.url("/")) == ["/sitemap.xml"]
    assert site.count("/robots.txt") == 1  # fetched once for all the concurrent questions


async def test_missing_robots_allows_all(site: LocalSite, settings: Settings) -> None:
    async with HttpFetcher(settings) as fetcher:
        robots = RobotsPolicy(robots_text_fetcher(fetcher), "SightSearchBot")
        assert await robots.allowed(site.url("/private/x"))
        assert await robots.crawl_delay(site.url("/")) is None
        assert await robots.sitemaps(site.url("/")) == []


async def test_unreadable_robots_allows_all_and_warns(
    site: LocalSite, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    site.page("/robots.txt", "oops", status=500)
    async with HttpFetcher(settings) as fetcher:
        robots = RobotsPolicy(robots_text_fetcher(fetcher), "SightSearchBot")
        with caplog.at_level(logging.WARNING, logger="sightsearch.crawl.robots"):
            assert await robots.allowed(site.url("/private/x"))
    assert "robots.txt unreadable" in caplog.text and "HTTP 500" in caplog.text


async def test_request_rate_counts_as_crawl_delay() -> None:
    async def fetch_text(url: str) -> str:
        return "User-agent: *\nRequest-rate: 1/4s\n"

    assert await RobotsPolicy(fetch_text, "Bot").crawl_delay("http://ex.com/") == 4.0


def test_backoff_is_exponential_with_full_jitter() -> None:
    for attempt, ceiling in [(1, 0.5), (2, 1.0), (3, 2.0), (6, 10.0), (30, 10.0)]:
        delays = [backoff_delay(attempt, 0.5, 10.0) for _ in range(300)]
        assert all(0.0 <= d <= ceiling for d in delays)
        assert max(delays) > ceiling * 0.8 and min(delays) < ceiling * 0.2  # spread over the whole range
    assert backoff_delay(1, 0.5, 10.0, retry_after=7.0) == 7.0
    assert all(backoff_delay(5, 0.5, 10.0, retry_after=0.1) >= 0.1 for _ in range(50))


async def _starts(throttle: DomainThrottle, count: int, hold: float = 0.0, **kwargs: float) -> list[float]:
    starts: list[float] = []

    async def one() -> None:
        async with throttle.slot("ex.com:80", **kwargs):
            starts.append(time.monotonic())
            await asyncio.sleep(hold)

    await asyncio.gather(*(one() for _ in range(count)))
    return sorted(starts)


async def test_throttle_spaces_starts_by_the_larger_delay(settings: Settings) -> None:
    throttle = DomainThrottle(settings.model_copy(update={"per_domain_delay": 0.1}))
    starts = await _starts(throttle, 4, min_delay=0.2)
    gaps = [b - a for a, b in zip(starts, starts[1:])]
    # The larger delay (0.2 s) wins, not the configured 0.1 s; the upper bound only guards against a much longer
    # wait (a loaded machine may wake late, so it is generous).
    assert all(gap >= 0.2 for gap in gaps) and max(gaps) < 0.6


async def test_throttle_caps_concurrency_per_site(settings: Settings) -> None:
    throttle = DomainThrottle(settings.model_copy(update={"per_domain_concurrency": 2}))
    starts = await _starts(throttle, 6, hold=0.2)
    # Two at once, then the next two when those finish: three waves 0.2 s apart.
    assert starts[1] - starts[0] < 0.05 and starts[2] - starts[0] >= 0.19 and starts[4] - starts[0] >= 0.38


async def test_penalize_pauses_the_site_capped(settings: Settings) -> None:
    throttle = DomainThrottle(settings.model_copy(update={"max_retry_after": 0.3}))
    assert throttle.penalize("ex.com:80", retry_after=60) == 0.3
    before = time.monotonic()
    starts = await _starts(throttle, 1)
    assert 0.28 <= starts[0] - before < 0.5
    assert throttle.paused_for("other:80") == 0.0


async def test_oversized_robots_is_read_up_to_500_kib(site: LocalSite, settings: Settings) -> None:
    # Larger than the page cap: Google's spec reads the first 500 KiB, so a giant file is not "missing" (allow all).
    filler = "# " + "x" * 97 + "\n"
    early = "User-agent: *\nDisallow: /private/\n"
    late = "User-agent: *\nDisallow: /late/\n"  # past 500 KiB: ignored
    body = early + filler * (MAX_ROBOTS_BYTES // len(filler)) + late + filler * 10
    assert len(body.encode()) > max(settings.max_page_bytes, MAX_ROBOTS_BYTES)
    site.page("/robots.txt", body, content_type="text/plain")
    checked: list[str] = []

    async def guard(url: str) -> None:  # a client-submitted run's URL guard, recording what it was asked
        checked.append(url)

    async with HttpFetcher(settings, url_guard=guard) as fetcher:
        robots = RobotsPolicy(robots_text_fetcher(fetcher), "SightSearchBot")
        assert not await robots.allowed(site.url("/private/x"))
        assert await robots.allowed(site.url("/late/x")) and await robots.allowed(site.url("/a"))
    # One request, through the run's fetcher and its guard: no second, unguarded request for the head.
    assert checked == [site.url("/robots.txt")] and [hit for hit, _ in site.hits] == ["/robots.txt"]


def test_robots_head_cuts_at_a_whole_line() -> None:
    text = "User-agent: *\n" + "#" * (MAX_ROBOTS_BYTES - 20) + "\nDisallow: /private/area\n"
    head = robots_head(text)
    assert len(head.encode()) <= MAX_ROBOTS_BYTES and head.endswith("\n") and "Disallow" not in head
