"""The second peer in bench/crawl.py: Crawlee-py's ParselCrawler over the same shop, same politeness, same concurrency.

Run as ``python bench/_crawlee_spider.py URL MAX_PAGES CONCURRENCY``; prints ``{"pages": N, "seconds": S}``.
Like the Scrapy spider it fetches, follows every same-host link (``enqueue_links``) and reads three CSS fields
(h1, JSON-LD presence, price) into an item; storage stays in memory, robots.txt is obeyed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import time


async def crawl(start: str, max_pages: int, concurrency: int) -> int:
    from crawlee import ConcurrencySettings
    from crawlee.crawlers import ParselCrawler, ParselCrawlingContext
    from crawlee.storage_clients import MemoryStorageClient

    crawler = ParselCrawler(
        max_requests_per_crawl=max_pages, respect_robots_txt_file=True, configure_logging=False,
        storage_client=MemoryStorageClient(), max_request_retries=4,
        concurrency_settings=ConcurrencySettings(min_concurrency=concurrency, desired_concurrency=concurrency,
                                                 max_concurrency=concurrency),
    )
    pages = 0

    @crawler.router.default_handler
    async def parse(context: ParselCrawlingContext) -> None:
        nonlocal pages
        pages += 1
        page = context.selector
        await context.push_data({
            "url": context.request.url, "title": page.css("h1::text").get(),
            "jsonld": bool(page.css('script[type="application/ld+json"]::text').get()),
            "price": page.css('[itemprop="price"]::attr(content), .price::text').get(),
        })
        await context.enqueue_links(strategy="same-hostname")

    await crawler.run([start])
    return pages


def main() -> None:
    start, max_pages, concurrency = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    logging.basicConfig(level=logging.ERROR)
    started = time.perf_counter()
    pages = asyncio.run(crawl(start, max_pages, concurrency))
    print(json.dumps({"pages": pages, "seconds": time.perf_counter() - started}))


if __name__ == "__main__":
    main()
