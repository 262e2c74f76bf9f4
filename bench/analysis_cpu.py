"""CPU per page of the crawl's parser process (``crawl.analysis.analyse_page``), per stage, and an output dump.

Usage:
  python bench/analysis_cpu.py [--pages FILE] [--rounds N]   time every page, print the stages
  python bench/analysis_cpu.py save FILE                      fetch the pages once and keep them (pickle)
  python bench/analysis_cpu.py dump --pages FILE OUT.json     every page's full result as canonical JSON
  python bench/analysis_cpu.py diff A.json B.json             count the pages whose results differ

Two sets of pages: a few hundred pages of the 5,000-product demo shop, fetched over loopback with the crawler's own
``HttpFetcher`` (product and listing pages in the crawl's proportion), and the 70 saved real product pages of the
extraction benchmark. Each round runs ``analyse_page`` over every page in order with the caches emptied first,
as a parser process meets them in a crawl; a page's figure is its median over the rounds (``time.process_time``:
CPU, so a busy shared machine does not skew it). The stage table comes from a separate, instrumented round set.

The equivalence check: ``dump`` the results with the base commit's code (``PYTHONPATH=<base>/src``) and with this
branch's, from the same saved pages, then ``diff``: every difference is a page whose output changed.
"""

from __future__ import annotations

import asyncio
import json
import pickle
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _analysis_stages import StageClock  # noqa: E402 - bench helper beside this file

from sightsearch.crawl import urls  # noqa: E402
from sightsearch.crawl.analysis import PageAnalysis, analyse_page  # noqa: E402
from sightsearch.crawl.base import CrawlRequest, FetchedPage  # noqa: E402
from sightsearch.crawl.decode import decode_body  # noqa: E402
from sightsearch.crawl.links import LinkSelectors  # noqa: E402
from sightsearch.extract import iter_manifest, read_html_file  # noqa: E402

MANIFEST = Path("/work/shared/benchmarks/product-pages/manifest.jsonl")
DEMO_PRODUCTS, PRODUCT_EVERY, LISTING_EVERY = 5000, 20, 5  # about 250 product and 45 listing pages
RUN_ID = "run-bench"
Corpus = dict[str, list[tuple[FetchedPage, CrawlRequest]]]


def _demo_paths(shop) -> list[tuple[str, str]]:  # noqa: ANN001 - a DemoShop
    from sightsearch.demo.pages import render_site

    paths = [path for path in render_site(shop) if path.startswith(("/p/", "/c/")) or path == "/"]
    products = [path for path in paths if path.startswith("/p/")][::PRODUCT_EVERY]
    listings = [path for path in paths if not path.startswith("/p/")][::LISTING_EVERY]
    return [(path, "listing") for path in listings] + [(path, "product") for path in products]


async def _fetch_demo() -> list[tuple[FetchedPage, CrawlRequest]]:
    from sightsearch.config import Settings
    from sightsearch.crawl import HttpFetcher
    from sightsearch.demo.server import DemoServer

    server = DemoServer("127.0.0.1", 0, products=DEMO_PRODUCTS, transient_failures=False).start()
    try:
        settings = Settings(_env_file=None, per_domain_delay=0.0)
        async with HttpFetcher(settings) as fetcher:
            pages = []
            for path, kind in _demo_paths(server.shop):
                request = CrawlRequest(url=server.base_url + path, kind=kind, depth=1)
                pages.append((await fetcher.fetch(request), request))
            return pages
    finally:
        server.stop()


def _saved_pages() -> list[tuple[FetchedPage, CrawlRequest]]:
    """The benchmark's saved pages as the crawler would have fetched them (a ``text/html`` response)."""
    pages = []
    for entry in iter_manifest(MANIFEST):
        body = read_html_file(entry.path)
        text, encoding = decode_body(body, "text/html")
        page = FetchedPage(url=entry.url, requested_url=entry.url, status=200, headers={"content-type": "text/html"},
                           body=body, text=text, encoding=encoding, elapsed=0.0)
        pages.append((page, CrawlRequest(url=entry.url, kind="product", depth=1)))
    return pages


def load_corpus(path: str | None) -> Corpus:
    if path and Path(path).exists():
        return pickle.loads(Path(path).read_bytes())  # noqa: S301 - a file this script wrote
    corpus = {"demo": asyncio.run(_fetch_demo()), "real": _saved_pages()}
    if path:
        Path(path).write_bytes(pickle.dumps(corpus))
    return corpus


def _clear_url_caches() -> None:
    """Forget what earlier rounds remembered (URL caches, every ``lru_cache`` of the package), so a round sees each
    page once, as a crawl does, and only what pages of one round share is reused."""
    for name in ("_canonical_cache", "_site_cache"):
        getattr(urls, name, {}).clear()
    for module in [module for name, module in sys.modules.items() if name.startswith("sightsearch.")]:
        for value in list(vars(module).values()):
            if callable(getattr(value, "cache_clear", None)):
                value.cache_clear()


def _analyse(page: FetchedPage, request: CrawlRequest) -> PageAnalysis:
    return analyse_page(page, request, RUN_ID, None, LinkSelectors(), True)


def time_pages(pages: list[tuple[FetchedPage, CrawlRequest]], rounds: int) -> list[float]:
    """Median CPU seconds of ``analyse_page`` per page over ``rounds`` passes (caches emptied each pass)."""
    timings: list[list[float]] = [[] for _ in pages]
    for _ in range(rounds):
        _clear_url_caches()
        for index, (page, request) in enumerate(pages):
            start = time.process_time()
            _analyse(page, request)
            timings[index].append(time.process_time() - start)
    return [statistics.median(page_timings) for page_timings in timings]


def scrapy_page_work() -> Callable[[FetchedPage], object] | None:
    """The peer: what ``bench/_scrapy_spider.py`` does with each page (a parsel-backed response, Scrapy's
    ``LinkExtractor``, three CSS fields), or None without Scrapy (the dev extra)."""
    try:
        from scrapy.http import HtmlResponse
        from scrapy.linkextractors import LinkExtractor
    except ImportError:
        return None
    extractor = LinkExtractor()

    def work(page: FetchedPage) -> object:
        response = HtmlResponse(page.url, body=page.body, encoding="utf-8")
        fields = (response.css('script[type="application/ld+json"]::text').get(), response.css("h1::text").get(),
                  response.css('[itemprop="price"]::attr(content), .price::text').get())
        return fields, extractor.extract_links(response)
    return work


def time_peer(pages: list[tuple[FetchedPage, CrawlRequest]], rounds: int,
              work: Callable[[FetchedPage], object]) -> list[float]:
    """Median CPU seconds of the peer's work per page over ``rounds`` passes."""
    timings: list[list[float]] = [[] for _ in pages]
    for _ in range(rounds):
        for index, (page, _) in enumerate(pages):
            start = time.process_time()
            work(page)
            timings[index].append(time.process_time() - start)
    return [statistics.median(page_timings) for page_timings in timings]


def stage_table(pages: list[tuple[FetchedPage, CrawlRequest]], rounds: int) -> dict[str, float]:
    """Mean CPU milliseconds per page of each stage (instrumented; the pickling of the result included)."""
    clock = StageClock()
    with clock.installed():
        for _ in range(rounds):
            _clear_url_caches()
            for page, request in pages:
                analysis = clock.timed("analyse_page (rest)", _analyse, page, request)
                data = clock.timed("pickle result", pickle.dumps, analysis, pickle.HIGHEST_PROTOCOL)
                clock.timed("unpickle result", pickle.loads, data)
    return {stage: seconds * 1000 / (rounds * len(pages)) for stage, seconds in clock.totals.items()}


def report(corpus: Corpus, rounds: int) -> None:
    for name, pages in corpus.items():
        per_page = time_pages(pages, rounds)
        print(f"{name}: {len(pages)} pages, cpu per page mean {statistics.mean(per_page) * 1e3:.3f} ms, "
              f"median {statistics.median(per_page) * 1e3:.3f} ms ({rounds} rounds)")
        if (work := scrapy_page_work()) is not None:
            peer = time_peer(pages, rounds, work)
            print(f"  peer (Scrapy's per-page work: response, LinkExtractor, 3 CSS fields): mean "
                  f"{statistics.mean(peer) * 1e3:.3f} ms; analyse_page / peer = "
                  f"{statistics.mean(per_page) / statistics.mean(peer):.2f}")
        for kind in sorted({request.kind for _, request in pages}):
            chosen = [(page, request) for page, request in pages if request.kind == kind]
            kind_times = [t for t, (_, request) in zip(per_page, pages, strict=True) if request.kind == kind]
            print(f"  {kind}: {len(chosen)} pages, mean {statistics.mean(kind_times) * 1e3:.3f} ms, "
                  f"median {statistics.median(kind_times) * 1e3:.3f} ms; stages (mean ms per page):")
            stages = stage_table(chosen, max(1, rounds // 2))
            for stage, ms in sorted(stages.items(), key=lambda item: -item[1]):
                print(f"    {stage:40} {ms:8.3f}")
            print(f"    {'total (instrumented)':40} {sum(stages.values()):8.3f}")


def canonical(analysis: PageAnalysis) -> dict:
    """Everything ``analyse_page`` returned, as JSON (the record's ``fetched_at`` is the clock, left out)."""
    record = analysis.record.model_dump(mode="json", exclude={"fetched_at"}) if analysis.record else None
    return {"links": [asdict(link) for link in analysis.links], "record": record,
            "dead_letters": [list(letter) for letter in analysis.dead_letters], "counts": dict(analysis.counts)}


def dump(corpus: Corpus, out: str) -> None:
    # As the parent process receives it: through pickle, as the process pool sends it back.
    results = {f"{name}:{page.url}": canonical(pickle.loads(pickle.dumps(_analyse(page, request))))  # noqa: S301
               for name, pages in corpus.items() for page, request in pages}
    Path(out).write_text(json.dumps(results, indent=1, default=str))  # key order kept: a reordered dict differs
    print(f"{len(results)} page results written to {out}")


def diff(first: str, second: str) -> int:
    a, b = json.loads(Path(first).read_text()), json.loads(Path(second).read_text())
    # Compared as text, so a dict whose keys come in another order (``sources``, ``attributes``) counts too.
    differing = sorted(key for key in a.keys() | b.keys() if json.dumps(a.get(key)) != json.dumps(b.get(key)))
    for key in differing[:20]:
        print("differs:", key)
    print(f"{len(differing)} of {len(a.keys() | b.keys())} pages differ")
    return 1 if differing else 0


def _option(argv: list[str], name: str, default: str | None) -> str | None:
    return argv[argv.index(name) + 1] if name in argv else default


def main(argv: list[str]) -> int:
    pages, rounds = _option(argv, "--pages", None), int(_option(argv, "--rounds", "7") or 7)
    positional = [arg for index, arg in enumerate(argv) if not arg.startswith("--")
                  and (index == 0 or argv[index - 1] not in {"--pages", "--rounds"})]
    command = positional[0] if positional else "time"
    if command == "save":
        load_corpus(positional[1])
    elif command == "dump":
        dump(load_corpus(pages), positional[1])
    elif command == "diff":
        return diff(positional[1], positional[2])
    else:
        report(load_corpus(pages), rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
