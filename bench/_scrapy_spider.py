"""The peer in bench/crawl.py: a plain Scrapy spider over the same shop, same politeness, same concurrency.

Run as ``python bench/_scrapy_spider.py URL MAX_PAGES CONCURRENCY``; prints ``{"pages": N, "seconds": S}``.
It follows every same-site link and yields the product's JSON-LD / microdata / h1 + price, which is less work than
SightSearch's full extraction + ETL + load, so the ratio is conservative for SightSearch.
"""

from __future__ import annotations

import json
import sys
import time
from urllib.parse import urlsplit

import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.linkextractors import LinkExtractor


class ShopSpider(scrapy.Spider):
    name = "shop"
    pages = 0

    def __init__(self, start: str, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.start_urls = [start]
        self.allowed_domains = [urlsplit(start).hostname or ""]
        self.links = LinkExtractor()

    def parse(self, response: scrapy.http.Response):  # type: ignore[no-untyped-def]
        ShopSpider.pages += 1
        if not isinstance(response, scrapy.http.TextResponse):
            return
        ld = response.css('script[type="application/ld+json"]::text').get()
        yield {"url": response.url, "title": response.css("h1::text").get(), "jsonld": bool(ld),
               "price": response.css('[itemprop="price"]::attr(content), .price::text').get()}
        for link in self.links.extract_links(response):
            yield response.follow(link.url, callback=self.parse)


def main() -> None:
    start, max_pages, concurrency = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    process = CrawlerProcess(settings={
        "LOG_LEVEL": "ERROR", "ROBOTSTXT_OBEY": True, "CONCURRENT_REQUESTS": concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency, "CLOSESPIDER_PAGECOUNT": max_pages, "TELNETCONSOLE_ENABLED": False,
        "RETRY_TIMES": 4, "RETRY_HTTP_CODES": [429, 500, 502, 503, 504], "USER_AGENT": "bench-scrapy",
        "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
    })
    started = time.perf_counter()
    process.crawl(ShopSpider, start=start)
    process.start()
    print(json.dumps({"pages": ShopSpider.pages, "seconds": time.perf_counter() - started}))


if __name__ == "__main__":
    main()
