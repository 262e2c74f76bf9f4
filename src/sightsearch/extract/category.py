"""The product's category from its breadcrumb trail: BreadcrumbList JSON-LD, microdata, or a breadcrumb nav.

The category is the deepest crumb that is not the product itself and not the home page; the whole trail is
not kept (a store's category tree is its own business), only the leaf a user would filter by.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from lxml import etree

from sightsearch.extract.document import Document, clean_text, element_text
from sightsearch.extract.jsonld import jsonld_nodes
from sightsearch.extract.schema import first, text_of, type_names

_HOME_WORDS = frozenset({"home", "homepage", "home page", "start", "startseite", "accueil", "inicio", "início",
                         "pagina iniziale", "главная", "strona główna", "domů", "úvod", "etusivu", "hem", "forside",
                         "forsiden", "hjem", "főoldal", "ana sayfa", "首页", "ホーム", "홈"})
_MAX_CRUMB = 60
_CRUMB_ITEMS = etree.XPath(".//*[@itemprop='itemListElement']")
_CRUMB_NAMES = etree.XPath(".//*[@itemprop='name']")
_CRUMB_LINKS = etree.XPath(".//*[@itemprop='item']/@href | self::*[@itemprop='item']/@href")
_NAV_LINKS = etree.XPath(".//a[@href]")


def _is_home(name: str, link: str | None, doc: Document) -> bool:
    if name.casefold() in _HOME_WORDS:
        return True
    return bool(link) and urlsplit(doc.absolute(link)).path in {"", "/"}


def _leaf(crumbs: list[tuple[str, str | None]], doc: Document) -> str | None:
    """The deepest crumb that is neither the home page, nor the product (its title or this page's address)."""
    title = (doc.title or "").casefold()
    page_path = urlsplit(doc.url).path
    for name, link in reversed(crumbs):
        if not name or len(name) > _MAX_CRUMB or _is_home(name, link, doc):
            continue
        if link and urlsplit(doc.absolute(link)).path == page_path:
            continue
        if title and name.casefold() == title or (len(name) > 12 and name.casefold() in title):
            continue
        return name
    return None


def _jsonld_crumbs(doc: Document) -> list[tuple[str, str | None]]:
    for node in jsonld_nodes(doc):
        if "BreadcrumbList" not in type_names(node):
            continue
        items = [item for item in (node.get("itemListElement") or []) if isinstance(item, dict)]
        items.sort(key=lambda item: _position(item.get("position")))
        return [_crumb(item) for item in items]
    return []


def _position(value: Any) -> float:
    try:
        return float(first(value))
    except (TypeError, ValueError):
        return 0.0


def _crumb(item: dict[str, Any]) -> tuple[str, str | None]:
    target = first(item.get("item"))
    name = text_of(item.get("name")) or (text_of(target) if isinstance(target, dict) else None) or ""
    link = target.get("@id") or target.get("url") if isinstance(target, dict) else target
    return name, link if isinstance(link, str) else None


def _microdata_crumbs(doc: Document) -> list[tuple[str, str | None]]:
    for scope in doc.item_elements:
        if not (scope.get("itemtype") or scope.get("typeof") or "").rstrip("/").endswith("BreadcrumbList"):
            continue
        crumbs = []
        for item in _CRUMB_ITEMS(scope):
            names, links = _CRUMB_NAMES(item), _CRUMB_LINKS(item)
            name = clean_text(names[0].get("content") or element_text(names[0])) if names else element_text(item)
            crumbs.append((name, links[0] if links else None))
        return crumbs
    return []


def _nav_crumbs(doc: Document) -> list[tuple[str, str | None]]:
    # The attribute axis is much faster in libxml2 than testing every element ("readcrumb": any capitalisation).
    trails = doc.xpath("//@class[contains(., 'readcrumb')]/..")
    trails = trails or doc.xpath("//@id[contains(., 'readcrumb')]/.. | //@aria-label[contains(., 'readcrumb')]/..")
    for trail in trails[:3]:
        links = [(element_text(a), a.get("href")) for a in _NAV_LINKS(trail)]
        if links:
            return links
    return []


def breadcrumb_category(doc: Document) -> tuple[str, str] | None:
    """``(category, source)`` from the page's breadcrumb trail, or ``None`` when it shows none."""
    for source, reader in (("breadcrumb:jsonld", _jsonld_crumbs), ("breadcrumb:microdata", _microdata_crumbs),
                           ("breadcrumb:nav", _nav_crumbs)):
        if (crumbs := reader(doc)) and (leaf := _leaf(crumbs, doc)):
            return leaf, source
    return None
