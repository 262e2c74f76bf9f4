"""Sitemaps: the URLs of a ``urlset`` or the child sitemaps of a ``sitemapindex``, parsed without entity tricks;
gzipped sitemaps (``sitemap.xml.gz``, as large shops publish them) are inflated within the same size cap."""

from __future__ import annotations

import zlib
from urllib.parse import urljoin

from lxml import etree

from sightsearch.crawl.urls import is_http_url

# The sitemaps protocol caps a file at 50 MB and 50,000 URLs; anything bigger is not a sitemap we trust.
MAX_SITEMAP_BYTES = 50 * 1024 * 1024
MAX_SITEMAP_URLS = 50_000


def _parser() -> etree.XMLParser:
    # No entity expansion, no DTD, no network: a hostile sitemap cannot be a billion-laughs bomb or an SSRF.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=True)


GZIP_MAGIC = b"\x1f\x8b"


def sitemap_bytes(xml_text: str | bytes) -> bytes | None:
    """The XML of a sitemap, inflated when gzipped; None when it is (or inflates to) more than ``MAX_SITEMAP_BYTES``
    or is a broken gzip stream. A gzip bomb stops at the cap: never more than the cap plus one chunk is inflated."""
    data = xml_text.encode("utf-8") if isinstance(xml_text, str) else xml_text
    if data[:2] == GZIP_MAGIC:
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            data = inflater.decompress(data, MAX_SITEMAP_BYTES + 1)
        except zlib.error:
            return None
        if inflater.unconsumed_tail:
            return None
    return data if len(data) <= MAX_SITEMAP_BYTES else None


def _root(xml_text: str | bytes) -> etree._Element | None:
    data = sitemap_bytes(xml_text)
    if data is None:
        return None
    try:
        return etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError:
        return None


def parse_sitemap(xml_text: str | bytes, base_url: str) -> list[str]:
    """The ``<loc>`` URLs of a sitemap (page URLs of a urlset, or sitemap URLs of a sitemapindex), resolved against
    ``base_url``, http(s) only, at most ``MAX_SITEMAP_URLS``. Oversized, unparseable or broken gzip input gives
    ``[]``."""
    root = _root(xml_text)
    if root is None:
        return []
    urls: list[str] = []
    for element in root.iter("{*}loc"):
        loc = (element.text or "").strip()
        url = urljoin(base_url, loc) if loc else ""
        if is_http_url(url):
            urls.append(url)
            if len(urls) >= MAX_SITEMAP_URLS:
                break
    return urls


def is_sitemap_index(xml_text: str | bytes) -> bool:
    """True when the document is a ``<sitemapindex>`` (its locs are sitemaps, not pages)."""
    root = _root(xml_text)
    return root is not None and etree.QName(root).localname == "sitemapindex"
