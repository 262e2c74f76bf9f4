"""Crawling: frontier, fetchers, politeness (robots.txt, per-site throttle), link discovery and the crawler."""

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

__all__ = [
    "CrawlRequest",
    "CrawlStats",
    "Crawler",
    "DomainThrottle",
    "FetchText",
    "FetchedPage",
    "Fetcher",
    "Frontier",
    "HttpFetcher",
    "HttpStatusPermanentError",
    "HttpStatusTransientError",
    "LinkSelectors",
    "MemoryFrontier",
    "OnOutcome",
    "OnProgress",
    "RobotsPolicy",
    "backoff_delay",
    "canonicalize_url",
    "classify_link",
    "decode_body",
    "discover_links",
    "is_http_url",
    "is_sitemap_index",
    "parse_retry_after",
    "parse_sitemap",
    "robots_text_fetcher",
    "robots_url",
    "same_site",
    "site_of",
    "url_fingerprint",
]
