"""Sitemaps: the URLs of a ``urlset`` or the child sitemaps of a ``sitemapindex``, parsed without entity tricks."""

from __future__ import annotations

from urllib.parse import urljoin

from lxml import etree

from sightsearch.crawl.urls import is_http_url

# The sitemaps protocol caps a file at 50 MB and 50,000 URLs; anything bigger is not a sitemap we trust.
MAX_SITEMAP_BYTES = 50 * 1024 * 1024
MAX_SITEMAP_URLS = 50_000


def _parser() -> etree.XMLParser:
    # No entity expansion, no DTD, no network: a hostile sitemap cannot be a billion-laughs bomb or an SSRF.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=True)


def parse_sitemap(xml_text: str | bytes, base_url: str) -> list[str]:
    """The ``<loc>`` URLs of a sitemap (page URLs of a urlset, or sitemap URLs of a sitemapindex), resolved against
    ``base_url``, http(s) only, at most ``MAX_SITEMAP_URLS``. Oversized or unparseable input gives ``[]``."""
    data = xml_text.encode("utf-8") if isinstance(xml_text, str) else xml_text
    if len(data) > MAX_SITEMAP_BYTES:
        return []
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError:
        return []
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
    data = xml_text.encode("utf-8") if isinstance(xml_text, str) else xml_text
    try:
        root = etree.fromstring(data[:MAX_SITEMAP_BYTES], parser=_parser())
    except etree.XMLSyntaxError:
        return False
    return root is not None and etree.QName(root).localname == "sitemapindex"
