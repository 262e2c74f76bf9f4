"""Link discovery: the same-site links of a page, canonicalized and classified as listing, product or unknown.

Works on the page's text, or on a tree already parsed for extraction (an lxml element or an
``extract.document.Document``), so a page fetched by the crawler is parsed once for both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import SplitResult, urljoin, urlsplit

from cssselect import GenericTranslator, SelectorError
from lxml import etree

from sightsearch.crawl.base import CrawlRequest
from sightsearch.crawl.urls import canonicalize_url, site_of, split_with_site
from sightsearch.extract.document import Document, parse_html
from sightsearch.extract.urls import join_url, link_base

# Files that are never HTML pages: fetching them would waste the page budget.
_ASSET_SUFFIX = re.compile(
    r"\.(jpe?g|png|gif|webp|avif|svg|ico|bmp|tiff?|css|js|mjs|map|json|xml|txt|pdf|zip|gz|tgz|rar|7z|tar"
    r"|mp3|mp4|m4v|mov|avi|webm|wav|ogg|woff2?|ttf|eot|otf|exe|dmg|apk|docx?|xlsx?|pptx?|csv)$",
    re.IGNORECASE,
)
_PRODUCT_PATH = re.compile(
    r"(/p/|/products?(/|-|$)|/dp/|/item/|/gp/product/|-p-\d+|[-_/]\d{3,}\.html?$|/sku/)", re.IGNORECASE
)
_PAGINATION_QUERY = re.compile(r"(^|&)(page|p|pg|start|offset)=\d+", re.IGNORECASE)
_PAGINATION_PATH = re.compile(r"/page/\d+/?$", re.IGNORECASE)
_LISTING_PATH = re.compile(r"/(c|category|categories|collections?|catalog|shop|department)(/|$)", re.IGNORECASE)
_PAGER_CLASS = re.compile(r"pagination|pager|paging", re.IGNORECASE)
_HTTP = frozenset({"http", "https"})  # canonical URLs have a lower-case scheme

PageSource = str | Document | etree._Element
"""The page's HTML text, or its tree already parsed (``Document`` or an lxml element)."""


@dataclass(frozen=True, slots=True)
class LinkSelectors:
    """CSS selectors from a site spec. When a list is given it alone decides that kind; the heuristics step back."""

    product: list[str] = field(default_factory=list)
    pagination: list[str] = field(default_factory=list)


@lru_cache(maxsize=256)
def _compiled(selector: str) -> etree.XPath:
    """A site-spec CSS selector as compiled XPath (a spec's few selectors are used on every page)."""
    try:
        return etree.XPath(GenericTranslator().css_to_xpath(selector))
    except (SelectorError, etree.XPathSyntaxError) as err:
        raise ValueError(f"invalid link selector {selector!r}: {err}") from err


class _Matcher:
    """Which anchors of one page the selectors of one kind select (evaluated once per page, not per anchor)."""

    def __init__(self, root: etree._Element, selectors: list[str]) -> None:
        self.given = bool(selectors)
        # The set holds the elements themselves: lxml hands out the same proxy for a node while one is alive.
        self._hits = {node for selector in selectors for node in _compiled(selector)(root)}

    def __call__(self, node: etree._Element) -> bool:
        return node in self._hits


def _root_of(source: PageSource) -> etree._Element | None:
    if isinstance(source, Document):
        return source.tree
    if isinstance(source, str):
        root = parse_html(source)
        if root is not None:  # as a Document's tree has them removed: the same links from text or from a Document
            etree.strip_elements(root, "noscript", "template", with_tail=False)
        return root
    return source


def _base_url(root: etree._Element, page_url: str) -> str:
    href = next((base.get("href", "").strip() for base in root.iter("base") if base.get("href")), "")
    return urljoin(page_url, href) if href else page_url


def _is_skipped(node: etree._Element, parts: SplitResult) -> bool:
    return not _fetchable(parts) or _not_followed(node, parts)


def _fetchable(parts: SplitResult) -> bool:
    return parts.scheme in _HTTP and bool(parts.hostname)


def _not_followed(node: etree._Element, parts: SplitResult) -> bool:
    rel = (node.get("rel") or "").lower().split()
    return "nofollow" in rel or bool(_ASSET_SUFFIX.search(parts.path))


@lru_cache(maxsize=4096)  # a site's templates reuse their class names on every page
def _pager_class(classes: str) -> bool:
    return _PAGER_CLASS.search(classes) is not None


def _in_pager(node: etree._Element) -> bool:
    parent, hops = node.getparent(), 0
    while parent is not None and hops < 4:  # pagers wrap links in a few levels (nav > ul > li > a), not more
        label = (parent.get("aria-label") or "").lower()
        if _pager_class(parent.get("class") or "") or label == "pagination":
            return True
        parent, hops = parent.getparent(), hops + 1
    return False


def _in_product_item(node: etree._Element) -> bool:
    return any("Product" in (ancestor.get("itemtype") or "") for ancestor in node.iterancestors())


def _heuristic_product(node: etree._Element, parts: SplitResult) -> bool:
    if node.get("itemprop") == "url" and _in_product_item(node):
        return True
    return bool(_PRODUCT_PATH.search(parts.path))


def _heuristic_listing(node: etree._Element, parts: SplitResult) -> bool:
    rel = (node.get("rel") or "").lower().split()
    return (
        "next" in rel or "prev" in rel or _in_pager(node) or bool(_PAGINATION_QUERY.search(parts.query))
        or bool(_PAGINATION_PATH.search(parts.path)) or bool(_LISTING_PATH.search(parts.path))
    )


def _classify(node: etree._Element, parts: SplitResult, product: _Matcher, pagination: _Matcher) -> str:
    """``product``, ``listing`` or ``unknown`` for the anchor ``node`` pointing at the URL split in ``parts``."""
    if product.given:
        if product(node):
            return "product"
    elif _heuristic_product(node, parts):
        return "product"
    if pagination.given:
        return "listing" if pagination(node) else "unknown"
    return "listing" if _heuristic_listing(node, parts) else "unknown"


def classify_link(node: etree._Element, url: str, selectors: LinkSelectors | None = None) -> str:
    """``product``, ``listing`` or ``unknown`` for one anchor (of an lxml tree) pointing at ``url``."""
    root, selectors = node.getroottree().getroot(), selectors or LinkSelectors()
    return _classify(node, urlsplit(url), _Matcher(root, selectors.product), _Matcher(root, selectors.pagination))


def discover_links(
    source: PageSource,
    page_url: str,
    *,
    product_link_selectors: list[str] | None = None,
    pagination_selectors: list[str] | None = None,
) -> list[CrawlRequest]:
    """Same-site links of the page as requests (url canonical, kind set, referer = ``page_url``), in page order,
    each URL once. Skips non-HTTP schemes, asset files and ``rel=nofollow``. ``source`` is the HTML text or its
    parsed tree, which is only read. Links only inside ``<noscript>`` or ``<template>`` are not followed: a
    ``Document`` drops those elements, and the text form does the same, so both give the same links."""
    root = _root_of(source)
    if root is None:
        return []
    product = _Matcher(root, product_link_selectors or [])
    pagination = _Matcher(root, pagination_selectors or [])
    base, site = _base_url(root, page_url), site_of(page_url)
    joiner, resolved = link_base(base), {}  # a page repeats its hrefs ("#", menus): each one resolved once
    found: dict[str, CrawlRequest] = {}
    for node in root.iter("a"):  # a tree walk in C: faster than an XPath query here
        href = node.get("href")
        if href is None:
            continue
        url = resolved.get(href)
        if url is None:
            url = resolved[href] = canonicalize_url(join_url(joiner, href.strip()))
        if url in found:
            continue
        parts, link_site = split_with_site(url)  # once per link, for every check below
        if link_site is None:
            if _is_skipped(node, parts) or site_of(url) != site:
                continue
        elif link_site != site or _not_followed(node, parts):  # a simple URL: http(s) with a host, its site known
            continue
        found[url] = CrawlRequest(url=url, kind=_classify(node, parts, product, pagination), referer=page_url)
    return list(found.values())
