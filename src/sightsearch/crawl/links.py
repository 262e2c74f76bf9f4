"""Link discovery: the same-site links of a page, canonicalized and classified as listing, product or unknown."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from sightsearch.crawl.base import CrawlRequest
from sightsearch.crawl.urls import canonicalize_url, is_http_url, same_site

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


@dataclass(frozen=True, slots=True)
class LinkSelectors:
    """CSS selectors from a site spec. When a list is given it alone decides that kind; the heuristics step back."""

    product: list[str] = field(default_factory=list)
    pagination: list[str] = field(default_factory=list)


def _base_url(tree: LexborHTMLParser, page_url: str) -> str:
    base = tree.css_first("base[href]")
    href = (base.attributes.get("href") or "").strip() if base is not None else ""
    return urljoin(page_url, href) if href else page_url


def _is_skipped(node: LexborNode, url: str) -> bool:
    rel = (node.attributes.get("rel") or "").lower().split()
    return "nofollow" in rel or not is_http_url(url) or bool(_ASSET_SUFFIX.search(urlsplit(url).path))


def _in_pager(node: LexborNode) -> bool:
    parent, hops = node.parent, 0
    while parent is not None and hops < 4:  # pagers wrap links in a few levels (nav > ul > li > a), not more
        label = (parent.attributes.get("aria-label") or "").lower()
        if _PAGER_CLASS.search(parent.attributes.get("class") or "") or label == "pagination":
            return True
        parent, hops = parent.parent, hops + 1
    return False


def _matches(node: LexborNode, selectors: list[str]) -> bool:
    return any(node.css_matches(selector) for selector in selectors)


def _heuristic_product(node: LexborNode, url: str) -> bool:
    if node.attributes.get("itemprop") == "url" and node.css_matches("[itemtype*='Product'] a"):
        return True
    return bool(_PRODUCT_PATH.search(urlsplit(url).path))


def _heuristic_listing(node: LexborNode, url: str) -> bool:
    rel = (node.attributes.get("rel") or "").lower().split()
    parts = urlsplit(url)
    return (
        "next" in rel or "prev" in rel or _in_pager(node) or bool(_PAGINATION_QUERY.search(parts.query))
        or bool(_PAGINATION_PATH.search(parts.path)) or bool(_LISTING_PATH.search(parts.path))
    )


def classify_link(node: LexborNode, url: str, selectors: LinkSelectors) -> str:
    """``product``, ``listing`` or ``unknown`` for the anchor ``node`` pointing at ``url``."""
    if selectors.product:
        if _matches(node, selectors.product):
            return "product"
    elif _heuristic_product(node, url):
        return "product"
    if selectors.pagination:
        return "listing" if _matches(node, selectors.pagination) else "unknown"
    return "listing" if _heuristic_listing(node, url) else "unknown"


def discover_links(
    html: str,
    page_url: str,
    *,
    product_link_selectors: list[str] | None = None,
    pagination_selectors: list[str] | None = None,
) -> list[CrawlRequest]:
    """Same-site links of ``html`` as requests (url canonical, kind set, referer = ``page_url``), in page order,
    each URL once. Skips non-HTTP schemes, asset files and ``rel=nofollow``."""
    selectors = LinkSelectors(product=product_link_selectors or [], pagination=pagination_selectors or [])
    tree = LexborHTMLParser(html)
    base = _base_url(tree, page_url)
    found: dict[str, CrawlRequest] = {}
    for node in tree.css("a[href]"):
        url = canonicalize_url(urljoin(base, (node.attributes.get("href") or "").strip()))
        if url in found or _is_skipped(node, url) or not same_site(url, page_url):
            continue
        found[url] = CrawlRequest(url=url, kind=classify_link(node, url, selectors), referer=page_url)
    return list(found.values())
