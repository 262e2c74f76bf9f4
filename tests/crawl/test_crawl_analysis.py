"""Pages parsed in the process pool: the same outcome as inline, a parser process that dies (killed for memory,
say) costs its page, not the crawl, and fetched pages waiting for the parsers stay under a byte budget."""

from __future__ import annotations

import asyncio
import os
import pickle
import signal
import time
from concurrent.futures import Future

from crawl_site import LocalSite
from parser_poison import analyse_or_die, analyse_slowly
from sightsearch.config import Settings
from sightsearch.crawl import CrawlRequest, FetchedPage, HttpFetcher
from sightsearch.crawl.analysis import analyse_page
from sightsearch.crawl.links import LinkSelectors
from sightsearch.crawl.page import PageHandler
from sightsearch.crawl import parsing
from sightsearch.crawl.parsing import BatchedPoolParser, parse_pool
from sightsearch.crawl.politeness import LocalPoliteness
from sightsearch.events.bus import MemoryBus

PRODUCT = ("<html><head><title>Tea kettle</title></head><body><h1>Tea kettle</h1><p class='price'>$24.90</p>"
           "<a href='/p/2'>next</a><button>Add to cart</button></body></html>")


async def test_the_pool_gives_what_inline_parsing_gives_and_survives_a_dead_parser(site: LocalSite,
                                                                                    settings: Settings) -> None:
    site.page("/p/1", PRODUCT)
    parser = BatchedPoolParser(1)
    async with HttpFetcher(settings) as fetcher:
        handler = PageHandler(settings, "run-1", fetcher, LocalPoliteness(settings), MemoryBus(), parser=parser)
        pooled = await handler.handle(CrawlRequest(url=site.url("/p/1"), kind="product"))
        assert pooled.page is not None
        inline = analyse_page(pooled.page, pooled.request, "run-1", None, LinkSelectors(), True)
        assert [link.url for link in pooled.links] == [link.url for link in inline.links] == [site.url("/p/2")]
        assert pooled.record is not None and inline.record is not None
        assert (pooled.record.title, pooled.record.price) == (inline.record.title, inline.record.price)

        pool = parse_pool(1)
        assert pool is not None
        for pid in list(pool._processes):  # noqa: SLF001 - the OOM killer's view of the pool
            os.kill(pid, signal.SIGKILL)
        # The killing was not the page's doing: it is parsed again by a fresh parser, nothing is lost.
        again = await handler.handle(CrawlRequest(url=site.url("/p/1"), kind="product"))
        assert again.record is not None and again.record.title == "Tea kettle"
        assert again.counts["handler_errors"] == 0 and parse_pool(1) is not pool


async def test_a_page_that_kills_its_parser_costs_only_itself(site: LocalSite, settings: Settings) -> None:
    for path in ("/p/1", "/p/poison", "/p/3"):
        site.page(path, PRODUCT)
    parser = BatchedPoolParser(1, analyse=analyse_or_die)
    async with HttpFetcher(settings) as fetcher:
        handler = PageHandler(settings, "run-1", fetcher, LocalPoliteness(settings), MemoryBus(), parser=parser)
        outcomes = await asyncio.gather(*(handler.handle(CrawlRequest(url=site.url(path), kind="product"))
                                          for path in ("/p/1", "/p/poison", "/p/3")))
    good, poison, other = outcomes
    assert good.record is not None and other.record is not None  # they shared a batch with the poison page
    assert poison.record is None and poison.counts["handler_errors"] == 1
    assert poison.dead_letters[0][0] == "extract" and "BrokenProcessPool" in poison.dead_letters[0][1]


def test_an_analysis_crosses_the_process_boundary_unchanged() -> None:
    listing = ("<html><body><h1>Lamps</h1>" + "".join(f"<a href='/p/{i}'>Lamp {i}</a>" for i in range(5))
               + "<a href='/c/lamps?page=2' rel='next'>next</a></body></html>")
    for body, kind in ((PRODUCT, "product"), (listing, "listing")):
        page = FetchedPage(url="http://shop.test/x", requested_url="http://shop.test/x", status=200,
                           headers={"content-type": "text/html"}, body=body.encode(), text=body, encoding="utf-8",
                           elapsed=0.0)
        analysis = analyse_page(page, CrawlRequest(url=page.url, kind=kind, depth=2), "run-1", None, LinkSelectors(),
                                True)
        assert analysis.links and analysis.links[0].depth == 3
        assert pickle.loads(pickle.dumps(analysis)) == analysis


async def test_pages_are_parsed_inline_while_the_parsers_boot(monkeypatch, site: LocalSite,  # type: ignore[no-untyped-def]
                                                                settings: Settings) -> None:
    site.page("/p/1", PRODUCT)
    booting: Future[None] = Future()  # warm_up's call, not back yet
    monkeypatch.setattr(parsing, "_warming", [booting])
    inline_calls: list[str] = []

    def recording(page, *rest):  # type: ignore[no-untyped-def]
        inline_calls.append(page.url)
        return analyse_page(page, *rest)

    monkeypatch.setattr(parsing, "analyse_page", recording)
    async with HttpFetcher(settings) as fetcher:
        handler = PageHandler(settings, "run-1", fetcher, LocalPoliteness(settings), MemoryBus(),
                              parser=BatchedPoolParser(1))
        first = await handler.handle(CrawlRequest(url=site.url("/p/1"), kind="product"))
        booting.set_result(None)  # the parsers are up: the next page goes to them
        second = await handler.handle(CrawlRequest(url=site.url("/p/1"), kind="product"))
    assert inline_calls == [site.url("/p/1")]
    assert first.record is not None and second.record is not None and first.record.title == second.record.title


class _BacklogWatch:
    """A fetcher that notes, at each fetch's start, when it started and how many bytes were waiting for the parser."""

    def __init__(self, fetcher: HttpFetcher, parser: BatchedPoolParser) -> None:
        self.fetcher, self.parser = fetcher, parser
        self.backlogs: list[int] = []
        self.starts: list[float] = []

    async def fetch(self, request: CrawlRequest) -> FetchedPage:
        self.backlogs.append(self.parser._backlog)  # noqa: SLF001 - what the budget bounds
        self.starts.append(time.monotonic())
        return await self.fetcher.fetch(request)


async def _crawl_slowly(site: LocalSite, settings: Settings, backlog_bytes: int, pages: int = 8) -> tuple[_BacklogWatch, list]:  # type: ignore[type-arg]
    paths = [f"/p/{i}" for i in range(pages)]
    for path in paths:
        site.page(path, PRODUCT)
    parser = BatchedPoolParser(1, analyse=analyse_slowly, backlog_bytes=backlog_bytes)
    await BatchedPoolParser(1)(*_page_arguments())  # the pool is up: every page below goes to it
    async with HttpFetcher(settings) as fetcher:
        watch = _BacklogWatch(fetcher, parser)
        handler = PageHandler(settings, "run-1", watch, LocalPoliteness(settings), MemoryBus(),  # type: ignore[arg-type]
                              parser=parser)
        outcomes = await asyncio.gather(*(handler.handle(CrawlRequest(url=site.url(path), kind="product"))
                                          for path in paths))
    return watch, outcomes


def _page_arguments() -> tuple:  # type: ignore[type-arg]
    page = FetchedPage(url="http://shop.test/p/0", requested_url="http://shop.test/p/0", status=200,
                       headers={"content-type": "text/html"}, body=PRODUCT.encode(), text=PRODUCT, encoding="utf-8",
                       elapsed=0.0)
    return page, CrawlRequest(url=page.url, kind="product"), "run-1", None, LinkSelectors(), True


async def test_no_fetch_starts_while_the_pages_waiting_for_the_parser_fill_the_budget(site: LocalSite,
                                                                                      settings: Settings) -> None:
    page_bytes = 2 * len(PRODUCT)  # the body and the text of one page
    budget = 2 * page_bytes + 1  # two pages may wait or be on their way; a third fetch waits for the parser
    watch, outcomes = await _crawl_slowly(site, settings, budget)
    assert max(watch.backlogs) < budget
    assert all(outcome.record is not None and outcome.record.title == "Tea kettle" for outcome in outcomes)
    # The same crawl with room for everything: the fetches run ahead of the slow parser, past that budget.
    watch, outcomes = await _crawl_slowly(site, settings, 1 << 30)
    assert max(watch.backlogs) >= budget
    assert all(outcome.record is not None for outcome in outcomes)


async def test_a_fetch_that_waited_for_the_parser_still_keeps_the_sites_gap(site: LocalSite,
                                                                           settings: Settings) -> None:
    delay = 0.1
    polite = settings.model_copy(update={"per_domain_delay": delay})
    watch, outcomes = await _crawl_slowly(site, polite, 4 * 2 * len(PRODUCT) + 1, pages=12)
    gaps = [later - earlier for earlier, later in zip(watch.starts, watch.starts[1:])]
    assert min(gaps) >= delay * 0.8  # a waiting fetch held no turn of the site: none go out together after it
    assert all(outcome.record is not None for outcome in outcomes)
