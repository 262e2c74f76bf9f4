"""Crawling: frontier, fetchers, politeness (robots.txt, per-site throttle), link discovery and the crawler.

Names are imported on first use, so a process that needs one part (a parser process: links and extraction) does not
load the rest (the HTTP client, the database layer, the event bus) at start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sightsearch.lazy import lazy_attributes

_HOMES = {
    "CrawlRequest": "base", "CrawlStats": "stats", "Crawler": "crawler", "DomainThrottle": "throttle",
    "FetchText": "robots", "FetchedPage": "base", "Fetcher": "base", "Frontier": "base", "HttpFetcher": "http",
    "HttpStatusPermanentError": "http", "HttpStatusTransientError": "http", "LinkSelectors": "links",
    "MemoryFrontier": "frontier", "OnOutcome": "crawler", "OnProgress": "crawler", "RobotsPolicy": "robots",
    "backoff_delay": "throttle", "canonicalize_url": "urls", "classify_link": "links", "decode_body": "decode",
    "discover_links": "links", "is_http_url": "urls", "is_sitemap_index": "sitemap", "parse_retry_after": "http",
    "parse_sitemap": "sitemap", "robots_text_fetcher": "robots", "robots_url": "urls", "same_site": "urls",
    "site_of": "urls", "url_fingerprint": "urls",
}

__all__ = [
    "CrawlRequest", "CrawlStats", "Crawler", "DomainThrottle", "FetchText", "FetchedPage", "Fetcher", "Frontier",
    "HttpFetcher", "HttpStatusPermanentError", "HttpStatusTransientError", "LinkSelectors", "MemoryFrontier",
    "OnOutcome", "OnProgress", "RobotsPolicy", "backoff_delay", "canonicalize_url", "classify_link", "decode_body",
    "discover_links", "is_http_url", "is_sitemap_index", "parse_retry_after", "parse_sitemap", "robots_text_fetcher",
    "robots_url", "same_site", "site_of", "url_fingerprint",
]  # the names of _HOMES, spelled out for linters and readers

if TYPE_CHECKING:
    from sightsearch.crawl.base import CrawlRequest, FetchedPage, Fetcher, Frontier
    from sightsearch.crawl.crawler import Crawler, OnOutcome, OnProgress
    from sightsearch.crawl.decode import decode_body
    from sightsearch.crawl.frontier import MemoryFrontier
    from sightsearch.crawl.http import HttpFetcher, HttpStatusPermanentError, HttpStatusTransientError, parse_retry_after
    from sightsearch.crawl.links import LinkSelectors, classify_link, discover_links
    from sightsearch.crawl.robots import FetchText, RobotsPolicy, robots_text_fetcher
    from sightsearch.crawl.sitemap import is_sitemap_index, parse_sitemap
    from sightsearch.crawl.stats import CrawlStats
    from sightsearch.crawl.throttle import DomainThrottle, backoff_delay
    from sightsearch.crawl.urls import canonicalize_url, is_http_url, robots_url, same_site, site_of, url_fingerprint


__getattr__ = lazy_attributes(__name__, _HOMES)
