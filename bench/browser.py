"""Rendered pages per second and the browser processes' memory over 500 rendered pages of the demo shop.

``BrowserFetcher`` renders product pages (every ``--js-every``-th one a JavaScript-only page with its delayed price)
with ``--sessions`` sessions, each recycled after ``--recycle-every`` pages. It prints the browsers' private memory
at each recycle and every 50 pages, the peak (sampled every 0.2 s), and whether memory stays flat after the first
recycle: the largest recycled session and the largest live total afterwards, against the first recycle's level.
The peer, measured in the same run, is the HTTP fetcher on the same URLs (what rendering costs).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).parent))
from _demo import demo_shop  # noqa: E402

from sightsearch.config import Settings  # noqa: E402
from sightsearch.crawl import CrawlRequest, FetchedPage, Fetcher, HttpFetcher  # noqa: E402
from sightsearch.crawl.browser import BrowserFetcher, Recycled  # noqa: E402
from sightsearch.demo import DemoShop  # noqa: E402
from sightsearch.extract import extract_product  # noqa: E402

MB = 1024 * 1024
FLAT_TOLERANCE = 0.15  # growth above the first recycle's level that still counts as flat (page-to-page noise)


def page_urls(base_url: str, count: int, js_every: int) -> list[str]:
    shop = DemoShop()
    plain, js = [p.path for p in shop.products], [p.path for p in shop.js_products]
    paths = [js[n // js_every % len(js)] if n % js_every == 0 else plain[n % len(plain)] for n in range(count)]
    return [base_url + path for path in paths]


async def fetch_all(fetcher: Fetcher, urls: list[str], workers: int,
                    on_page: Callable[[FetchedPage], None] | None = None) -> float:
    queue = list(reversed(urls))
    started = time.perf_counter()

    async def work() -> None:
        while queue:
            url = queue.pop()
            page = await fetcher.fetch(CrawlRequest(url=url, kind="product"))
            if on_page is not None:
                on_page(page)

    await asyncio.gather(*(work() for _ in range(workers)))
    return time.perf_counter() - started


class MemoryLog:
    """Peak sampling, the per-recycle levels, and the 50-page checkpoints of the live total."""

    def __init__(self) -> None:
        self.fetcher: BrowserFetcher | None = None
        self.peak, self.pages, self.js_pages, self.js_without_price = 0, 0, 0, 0
        self.js_paths = {product.path for product in DemoShop().js_products}
        self.recycles: list[Recycled] = []
        self.window_peak = 0  # sampled peak since the last checkpoint: both sessions may be between lives at one
        self.checkpoints: list[tuple[int, int, int]] = []  # (pages, window peak bytes, recycles so far)

    def on_recycle(self, event: Recycled) -> None:
        self.recycles.append(event)
        print(f"  recycle #{len(self.recycles):<3} after {event.pages:>3} pages ({event.reason}): "
              f"session {event.memory_bytes / MB:7.1f} MB")

    def on_page(self, page: FetchedPage) -> None:
        self.pages += 1
        if urlsplit(page.url).path in self.js_paths:
            self.js_pages += 1
            self.js_without_price += extract_product(page.body, page.url).price is None
        if self.pages % 50 == 0 and self.fetcher is not None:
            live = self.fetcher.memory_bytes()
            peak, self.window_peak = max(self.window_peak, live), 0
            self.checkpoints.append((self.pages, peak, len(self.recycles)))
            print(f"  {self.pages:>4} pages: live browsers {live / MB:7.1f} MB, "
                  f"peak of the last 50 pages {peak / MB:7.1f} MB")

    async def sample(self) -> None:
        while self.fetcher is not None:
            now = await asyncio.to_thread(self.fetcher.memory_bytes)
            self.peak, self.window_peak = max(self.peak, now), max(self.window_peak, now)
            await asyncio.sleep(0.2)


def report_flatness(log: MemoryLog) -> bool:
    if not log.recycles:
        print("no recycle happened: raise --pages or lower --recycle-every")
        return False
    first = log.recycles[0].memory_bytes
    later = [r.memory_bytes for r in log.recycles[1:] if r.reason != "crashed"]
    after = [peak for _, peak, recycles in log.checkpoints if recycles >= 1 and peak > 0]
    largest = max(later, default=first)
    session_growth = largest / first - 1
    print(f"first recycle: session {first / MB:.1f} MB; largest later recycled session {largest / MB:.1f} MB "
          f"(growth {session_growth:+.1%})")
    live_growth = 0.0
    if after:
        live_growth = max(after) / after[0] - 1
        print(f"50-page peaks of all sessions after the first recycle: first {after[0] / MB:.1f} MB, "
              f"largest {max(after) / MB:.1f} MB (growth {live_growth:+.1%})")
    flat = session_growth <= FLAT_TOLERANCE and live_growth <= FLAT_TOLERANCE
    print(f"memory flat after the first recycle (growth <= {FLAT_TOLERANCE:.0%}): {'YES' if flat else 'NO'}")
    return flat


async def run(args: argparse.Namespace, base_url: str) -> bool:
    settings = Settings(_env_file=None, browser_sessions=args.sessions, browser_pages_per_session=args.recycle_every)
    urls = page_urls(base_url, args.pages, args.js_every)
    async with HttpFetcher(settings) as http:
        http_seconds = await fetch_all(http, urls, args.sessions)
    log = MemoryLog()
    async with BrowserFetcher(settings, on_recycle=log.on_recycle) as fetcher:
        log.fetcher = fetcher
        sampler = asyncio.create_task(log.sample())
        seconds = await fetch_all(fetcher, urls, args.sessions, log.on_page)
        sampler.cancel()
        started = fetcher.sessions_started
    rate, http_rate = args.pages / seconds, args.pages / http_seconds
    print(f"rendered {args.pages} pages in {seconds:.1f}s: {rate:.2f} pages/s with {args.sessions} sessions "
          f"({started} started)")
    print(f"peer: HTTP on the same URLs {http_rate:.1f} pages/s; ratio rendered/http {rate / http_rate:.3f}")
    print(f"JavaScript-only pages rendered without their delayed price: {log.js_without_price} of {log.js_pages}")
    print(f"peak browser memory (private, all sessions): {log.peak / MB:.1f} MB")
    return report_flatness(log)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--sessions", type=int, default=2)
    parser.add_argument("--recycle-every", type=int, default=50)
    parser.add_argument("--js-every", type=int, default=5, help="every Nth page is a JavaScript-only product")
    args = parser.parse_args()
    with demo_shop("--no-transient") as base_url:
        flat = asyncio.run(run(args, base_url))
    sys.exit(0 if flat else 1)


if __name__ == "__main__":
    main()
