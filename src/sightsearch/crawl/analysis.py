"""The CPU part of a page, run apart from the event loop: parse once, discover links, extract the record.

``analyse_page`` is a plain function of picklable values, so the embedded mode runs it in parser processes
(``crawl.parsing``: the second core parses while the first one fetches and loads) and a Celery worker, already one process per slot, runs
it inline. The result is the same either way.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from sightsearch.crawl.base import CrawlRequest, FetchedPage
from sightsearch.crawl.links import LinkSelectors, discover_links
from sightsearch.crawl.sitemap import is_sitemap_index, parse_sitemap
from sightsearch.crawl.urls import canonicalize_url
from sightsearch.extract.document import Document, load_document
from sightsearch.extract.page_record import page_record
from sightsearch.extract.spec import SiteSpec
from sightsearch.records import ProductRecord

log = logging.getLogger(__name__)

_HTML_TYPES = frozenset({"", "text/html", "application/xhtml+xml"})
_XML_TYPES = frozenset({"application/xml", "text/xml"})
# A gzipped sitemap comes as a file of one of these types; it is read as a sitemap when its path says so.
_GZIP_TYPES = frozenset({"application/x-gzip", "application/gzip", "application/octet-stream", "binary/octet-stream"})


@dataclass
class PageAnalysis:
    """What a fetched page holds: links to queue, its product record, dead letters and counters."""

    links: list[CrawlRequest] = field(default_factory=list)
    record: ProductRecord | None = None
    dead_letters: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)

    def __reduce__(self) -> tuple[Any, ...]:
        # Back from the parser process as plain tuples: pickling a slots dataclass per link runs Python code for
        # each one, and a listing page has dozens.
        links = [(link.url, link.depth, link.kind, link.attempt, link.referer, link.not_before) for link in self.links]
        return _rebuilt_analysis, (links, self.record, self.dead_letters, self.counts)


def _rebuilt_analysis(links: list[tuple[Any, ...]], record: ProductRecord | None,
                      dead_letters: list[tuple[str, str, dict[str, Any]]], counts: Counter[str]) -> PageAnalysis:
    return PageAnalysis([CrawlRequest(*link) for link in links], record, dead_letters, counts)


def analyse_page(page: FetchedPage, request: CrawlRequest, run_id: str, spec: SiteSpec | None,
                 selectors: LinkSelectors, keep_inferred: bool) -> PageAnalysis:
    """Links and record of ``page``; a bug in either loses this page's data (dead-lettered with the reason), never
    the crawl."""
    analysis = PageAnalysis()
    try:
        html = "html" in page.content_type or page.content_type == ""
        doc = load_document(page.body or page.text, page.url) if html and page.text else None  # parsed once
        analysis.links = _links(page, request, selectors, doc)
        _extract(page, request, run_id, spec, keep_inferred, analysis, doc)
    except Exception as err:  # noqa: BLE001 - reported as the page's dead letter
        log.exception("analysing %s failed", page.url)
        failed = failed_analysis(page, err)
        failed.links = analysis.links  # links found before the failure are still followed
        return failed
    return analysis


def failed_analysis(page: FetchedPage, err: BaseException) -> PageAnalysis:
    """The analysis of a page whose parsing or extraction broke: no links, no record, a dead letter saying why."""
    return PageAnalysis(dead_letters=[("extract", f"{type(err).__name__}: {err}", {"url": page.url})],
                        counts=Counter(handler_errors=1))


def _links(page: FetchedPage, request: CrawlRequest, selectors: LinkSelectors,
           doc: Document | None) -> list[CrawlRequest]:
    if page.content_type in _HTML_TYPES and page.text:
        links = discover_links(doc if doc is not None else page.text, page.url,
                               product_link_selectors=selectors.product, pagination_selectors=selectors.pagination)
    elif page.content_type in _XML_TYPES or request.kind == "sitemap" or (
            page.content_type in _GZIP_TYPES and urlsplit(page.url).path.lower().endswith(".xml.gz")):
        # A sitemap seed (or a child of a sitemap index) queues its URLs; an index queues its child sitemaps.
        kind = "sitemap" if is_sitemap_index(page.body) else "unknown"
        links = [CrawlRequest(url=canonicalize_url(url), kind=kind, referer=page.url)
                 for url in parse_sitemap(page.body, page.url)]
    else:
        return []
    for link in links:
        link.depth = request.depth + 1
    return links


def _extract(page: FetchedPage, request: CrawlRequest, run_id: str, spec: SiteSpec | None, keep_inferred: bool,
             analysis: PageAnalysis, doc: Document | None) -> None:
    if "html" not in page.content_type and "xml" not in page.content_type:
        return
    source = doc if doc is not None else page.body or page.text
    record = page_record(source, page.url, run_id, spec=spec, keep_inferred=keep_inferred)
    if record is not None:
        analysis.record = record
        analysis.counts["products_found"] += 1
        analysis.counts.update({f"extract_errors_{source}": 1 for source in record.errors})
    elif request.kind == "product":
        analysis.dead_letters.append(("extract", "no product data found on a product page", {"url": page.url}))
        analysis.counts["rejected_extract"] += 1
