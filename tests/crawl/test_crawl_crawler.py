"""The crawler end to end against a small local shop: coverage, dedup, budget, robots, retries, events, callbacks."""

from __future__ import annotations

import time
from collections import Counter

from crawl_site import LocalSite, respond
from sightsearch.config import Settings
import pytest

from sightsearch.crawl import CrawlRequest, Crawler, CrawlStats, FetchedPage, HttpFetcher, HttpStatusTransientError
from sightsearch.crawl import MemoryFrontier, RobotsPolicy, robots_text_fetcher
from sightsearch.crawl.page import PageHandler, PageOutcome
from sightsearch.crawl.politeness import LocalPoliteness
from sightsearch.errors import PermanentFetchError
from sightsearch.events.bus import MemoryBus
from sightsearch.events.catalog import PageFailed, PageFetched


def links(*hrefs: str, extra: str = "") -> str:
    return "<html><body>" + "".join(f'<a href="{href}">{href}</a>' for href in hrefs) + extra + "</body></html>"


def build_shop(site: LocalSite, robots: str = "User-agent: *\nDisallow: /private/\n") -> set[str]:
    """Three listing pages with rel=next pagination, nine products, traps; returns the paths a crawl must fetch."""
    site.page("/robots.txt", robots, content_type="text/plain")
    traps = ('<a rel="nofollow" href="/login">login</a><a href="/logo.png">logo</a>'
             '<a href="http://elsewhere.test/p/1">other shop</a><a href="mailto:shop@test">mail</a>')
    site.page("/shop", links("/p/1", "/p/2", "/p/3", "/private/secret", "/about",
                             extra='<a rel="next" href="/shop?page=2">next</a>' + traps))
    site.page("/shop?page=2", links("/p/4", "/p/5", "/p/6", "/private/other", "/shop?utm_source=x",
                                    extra='<a rel="next" href="/shop?page=3">next</a>'))
    site.page("/shop?page=3", links("/p/7", "/p/8", "/p/9", "/p/1#reviews", "/shop?page=2"))
    for n in range(1, 10):
        site.page(f"/p/{n}", links("/shop", f"/p/{n % 9 + 1}", f"/p/{n}?gclid=ad"))
    site.page("/about", links("/shop#top", "/"))
    site.page("/", links("/shop"))
    return {"/shop", "/shop?page=2", "/shop?page=3", "/about", "/", *(f"/p/{n}" for n in range(1, 10))}


class Recorder:
    """Collects the outcomes the crawler hands to its callback."""

    def __init__(self) -> None:
        self.pages: list[tuple[FetchedPage, CrawlRequest]] = []
        self.failures: list[tuple[CrawlRequest, Exception]] = []
        self.dead_letters: list[tuple[str, str, dict]] = []
        self.progress: list[int] = []

    async def on_outcome(self, outcome: PageOutcome) -> None:
        if outcome.page is not None:
            self.pages.append((outcome.page, outcome.request))
        if outcome.status == "failed":
            assert outcome.error is not None
            self.failures.append((outcome.request, outcome.error))
        self.dead_letters.extend(outcome.dead_letters)

    def on_progress(self, stats: CrawlStats) -> None:
        self.progress.append(stats.pages_done)


async def crawl_with(settings: Settings, seeds: list[str], on_outcome, *, max_pages: int = 100,  # type: ignore[no-untyped-def]
                     bus: MemoryBus | None = None, on_progress=None, run_id: str = "run-1") -> CrawlStats:  # type: ignore[no-untyped-def]
    bus = bus or MemoryBus()
    async with HttpFetcher(settings) as fetcher:
        robots = RobotsPolicy(robots_text_fetcher(fetcher), settings.user_agent)
        handler = PageHandler(settings, run_id, fetcher, LocalPoliteness(settings), bus, robots=robots)
        crawler = Crawler(handler, MemoryFrontier(), concurrency=settings.concurrency)
        return await crawler.run(seeds, on_outcome, max_pages=max_pages, on_progress=on_progress)


async def crawl(site: LocalSite, settings: Settings, recorder: Recorder, *, seed: str = "/shop",
                max_pages: int = 100) -> tuple[CrawlStats, MemoryBus]:
    bus = MemoryBus()
    stats = await crawl_with(settings, [site.url(seed)], recorder.on_outcome, max_pages=max_pages, bus=bus,
                             on_progress=recorder.on_progress)
    return stats, bus


def fetched_events(bus: MemoryBus) -> list[PageFetched]:
    return [event for event in bus.events if isinstance(event, PageFetched)]


def failed_events(bus: MemoryBus) -> list[PageFailed]:
    return [event for event in bus.events if isinstance(event, PageFailed)]


async def test_crawl_reaches_every_page_exactly_once(site: LocalSite, settings: Settings) -> None:
    expected = build_shop(site)
    recorder = Recorder()
    stats, bus = await crawl(site, settings, recorder)
    hits = Counter(site.paths())
    assert hits == Counter({path: 1 for path in expected} | {"/robots.txt": 1})  # no duplicate, nothing blocked
    assert stats.pages_fetched == len(expected) == len(recorder.pages) and stats.pages_failed == 0
    assert stats.robots_blocked == 2 and stats.by_status == {200: len(expected)}
    assert stats.bytes == sum(len(page.body) for page, _ in recorder.pages) and stats.elapsed > 0
    events = fetched_events(bus)
    assert sorted(event.url for event in events) == sorted(site.url(path) for path in expected)
    kinds = {event.url.removeprefix(site.url("")): event.kind for event in events}
    assert kinds["/p/5"] == "product" and kinds["/shop?page=3"] == "listing" and kinds["/about"] == "unknown"
    assert all(event.run_id == "run-1" and event.site == f"127.0.0.1:{site.port}" for event in events)
    assert recorder.progress == list(range(1, len(expected) + 1))


async def test_crawl_stops_at_max_pages(site: LocalSite, settings: Settings) -> None:
    build_shop(site)
    stats, bus = await crawl(site, settings, Recorder(), max_pages=5)
    fetched = [path for path in site.paths() if path != "/robots.txt"]
    assert stats.pages_fetched == 5 and len(fetched) == 5 and len(set(fetched)) == 5
    assert len(fetched_events(bus)) == 5


async def test_extraction_errors_do_not_stop_the_crawl(site: LocalSite, settings: Settings,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import sightsearch.crawl.analysis as page_module

    def broken(html: object, url: str, run_id: str, **_: object) -> None:
        if "/p/" in url:
            raise ValueError(f"extraction broke on {url}")

    monkeypatch.setattr(page_module, "page_record", broken)
    expected = build_shop(site)
    recorder = Recorder()
    stats, bus = await crawl(site, settings, recorder)
    assert stats.pages_fetched == len(expected) and stats.handler_errors == 9
    # Each broken page is a dead letter with the reason, and its links were still queued before extraction.
    assert sorted(payload["url"] for _, _, payload in recorder.dead_letters) == \
        sorted(site.url(f"/p/{n}") for n in range(1, 10))
    assert all(stage == "extract" and reason.startswith("ValueError: extraction broke")
               for stage, reason, _ in recorder.dead_letters)
    assert len(fetched_events(bus)) == len(expected) and failed_events(bus) == []


async def test_crawl_delay_spaces_request_starts(site: LocalSite, settings: Settings) -> None:
    site.page("/robots.txt", "User-agent: *\nCrawl-delay: 0.3\n", content_type="text/plain")
    site.page("/shop", links("/p/1", "/p/2", "/p/3"))
    for n in range(1, 4):
        site.page(f"/p/{n}", "<p>product</p>")
    stats, _ = await crawl(site, settings, Recorder())  # 4 workers, 4 per site: only the delay spaces them
    starts = sorted(at for path, at in site.hits if path != "/robots.txt")
    assert stats.pages_fetched == 4 and len(starts) == 4
    # Measured at the server, where arrivals can bunch up on a loaded machine: each gap keeps most of the delay and
    # the whole span all of it (without the delay, four requests arrive within a few milliseconds).
    assert all(later - earlier >= 0.25 for earlier, later in zip(starts, starts[1:]))
    assert starts[-1] - starts[0] >= 3 * 0.3 - 0.01


async def test_a_crawl_delay_over_the_limit_leaves_the_site_alone(site: LocalSite, settings: Settings) -> None:
    site.page("/robots.txt", "User-agent: *\nCrawl-delay: 100000\n", content_type="text/plain")
    site.page("/shop", links("/p/1"))
    started = time.monotonic()
    stats, bus = await crawl(site, settings.model_copy(update={"max_crawl_delay": 60.0}), Recorder())
    assert time.monotonic() - started < 10  # not 100,000 s for the second page
    assert [path for path, _ in site.hits] == ["/robots.txt"]  # no page requested
    assert stats.pages_fetched == 0 and stats.counts["robots_blocked"] == 1 == stats.counts["crawl_delay_refused"]
    assert failed_events(bus) == []


async def test_retry_after_is_honoured(site: LocalSite, settings: Settings) -> None:
    site.sequence("/shop", lambda h: respond(h, 429, "slow down", {"Retry-After": "1"}),
                  lambda h: respond(h, 200, links()))
    stats, bus = await crawl(site, settings, Recorder())
    first, second = site.times("/shop")
    assert second - first >= 1.0
    assert stats.retries == 1 and stats.pages_fetched == 1 and failed_events(bus) == []


async def test_transient_503_is_retried_then_succeeds(site: LocalSite, settings: Settings) -> None:
    site.page("/shop", links("/p/1"))
    site.sequence("/p/1", lambda h: respond(h, 503, "busy"), lambda h: respond(h, 200, "<p>ok</p>"))
    stats, bus = await crawl(site, settings, Recorder())
    assert site.count("/p/1") == 2 and stats.retries == 1 and stats.pages_fetched == 2 and stats.pages_failed == 0
    assert failed_events(bus) == []


async def test_retries_stop_at_max_retries_and_permanent_errors_are_not_retried(
    site: LocalSite, settings: Settings
) -> None:
    site.page("/shop", links("/p/down", "/p/gone"))
    site.page("/p/down", "still busy", status=503)
    recorder = Recorder()
    stats, bus = await crawl(site, settings, recorder)
    assert site.count("/p/down") == 3 and site.count("/p/gone") == 1  # 1 try + max_retries=2; a 404 once
    assert stats.retries == 2 and stats.pages_failed == 2 and stats.by_status == {200: 1, 503: 1, 404: 1}
    failures = {request.url.rsplit("/", 1)[1]: error for request, error in recorder.failures}
    assert isinstance(failures["down"], HttpStatusTransientError) and isinstance(failures["gone"], PermanentFetchError)
    events = {event.url.rsplit("/", 1)[1]: event for event in failed_events(bus)}
    assert (events["down"].transient, events["down"].attempt, events["down"].status) == (True, 2, 503)
    assert (events["gone"].transient, events["gone"].status, events["gone"].error) == (False, 404, "HTTP 404")


async def test_retry_after_beyond_the_cap_fails_without_waiting(site: LocalSite, settings: Settings) -> None:
    site.page("/shop", "later", status=429, headers={"Retry-After": "3600"})
    recorder = Recorder()
    stats, bus = await crawl(site, settings, recorder)
    assert site.count("/shop") == 1 and stats.retries == 0 and stats.pages_failed == 1
    assert len(recorder.failures) == 1 and len(failed_events(bus)) == 1


async def test_a_redirecting_seed_moves_the_scope(site: LocalSite, settings: Settings) -> None:
    build_shop(site)
    site.redirect("/start", site.url("/shop"), 301)  # the seed below uses "localhost": another site key
    stats = await crawl_with(settings, [f"http://localhost:{site.port}/start"], Recorder().on_outcome)
    assert stats.pages_fetched == 14 and site.count("/p/9") == 1


async def test_a_sitemap_seed_queues_its_pages() -> None:
    """A sitemap.xml seed reaches every product page it lists, without any listing page."""
    from sightsearch.demo import DemoShop, running_demo_site

    pages: list[str] = []

    async def on_outcome(outcome: PageOutcome) -> None:
        if outcome.page is not None:
            pages.append(outcome.page.url)

    truth = DemoShop(products=60).truth()
    with running_demo_site(products=60) as base:
        settings = Settings(backoff_base=0.05, max_retry_after=2)
        await crawl_with(settings, [base + "/sitemap.xml"], on_outcome, max_pages=500)
    fetched = {url.removeprefix(base) for url in pages}
    assert {p["path"] for p in truth["products"]} <= fetched


async def test_a_gzipped_sitemap_index_and_its_gzipped_children_are_followed(site: LocalSite,
                                                                               settings: Settings) -> None:
    """sitemap.xml.gz served as a gzip file (not a content-encoding) lists a child sitemap.xml.gz whose pages are
    fetched, as large shops publish them."""
    import gzip

    site.page("/robots.txt", "", content_type="text/plain")
    index = (f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>'
             f'{site.url("/sitemap-products.xml.gz")}</loc></sitemap></sitemapindex>')
    urlset = ('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
              + "".join(f"<url><loc>{site.url(f'/p/{n}')}</loc></url>" for n in range(5)) + "</urlset>")
    site.page("/sitemap.xml.gz", gzip.compress(index.encode()), content_type="application/x-gzip")
    site.page("/sitemap-products.xml.gz", gzip.compress(urlset.encode()), content_type="application/octet-stream")
    for n in range(5):
        site.page(f"/p/{n}", f"<html><body><h1>Product {n}</h1></body></html>")
    recorder = Recorder()
    await crawl_with(settings, [site.url("/sitemap.xml.gz")], recorder.on_outcome)
    assert all(site.count(f"/p/{n}") == 1 for n in range(5))


async def test_fetches_in_flight_stay_within_concurrency_while_more_pages_are_in_progress(
        site: LocalSite, settings: Settings) -> None:
    # Slow pages: every request is in flight long enough for the crawler's extra workers to pile up behind it.
    in_flight, peak = [0], [0]

    def slow(handler):  # type: ignore[no-untyped-def]
        with site.lock:
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
        time.sleep(0.05)
        with site.lock:
            in_flight[0] -= 1
        respond(handler, 200, links(*(f"/p/{n}" for n in range(30))))

    site.page("/robots.txt", "", content_type="text/plain")
    site.routes["/shop"] = slow
    for n in range(30):
        site.routes[f"/p/{n}"] = slow
    settings = settings.model_copy(update={"concurrency": 3, "per_domain_concurrency": 8})
    recorder = Recorder()
    stats = await crawl_with(settings, [site.url("/shop")], recorder.on_outcome)
    assert stats.pages_fetched == 31 and peak[0] == 3  # busy up to the cap, never past it
