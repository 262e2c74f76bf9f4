"""Brand and product codes that structured data missed: labelled fields, "Visit the X store", brand elements, URL."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from sightsearch.extract.document import element_text
from sightsearch.extract.heuristics.page import Page, is_off_product

_VISIT_STORE = re.compile(
    r"^(?:visit the|visiter la boutique|besuchen sie den|visita lo store di|visita la tienda de|bezoek de)\s+"
    r"(?P<brand>.+?)(?:[- ]store|[- ]shop|-boutique)?$",
    re.IGNORECASE,
)
_BRAND_NOISE = re.compile(r"^(brand|marke|marca|marque|logo|more|see|shop|all|learn|view|from|visit|follow|about)\b|"
                          r"[:|@]|https?:|\d{5,}", re.IGNORECASE)
_URL_ID = re.compile(r"(?:^|[-_/])(\d{6,14})(?:\.html?|\.htm|\.aspx|\.php|/)?$", re.IGNORECASE)


def store_brand(page: Page) -> str | None:
    """The brand named by a "Visit the X Store" link, as marketplaces write it in many languages."""
    for text in page.texts:
        if len(text) <= 60 and (match := _VISIT_STORE.match(text)):
            return match.group("brand").strip()
    return None


def brand_element(page: Page) -> str | None:
    """The short text of the first brand-classed element near the product title."""
    candidates = []
    for element in page.marked("brand"):
        text = element_text(element)
        if not text or len(text) > 40 or len(text.split()) > 5 or _BRAND_NOISE.search(text):
            continue
        if is_off_product(element):
            continue
        candidates.append((page.distance(element), text))
    if not candidates:
        return None
    distance, text = min(candidates)
    return text if distance <= 100 else None


def url_product_id(url: str) -> str | None:
    """A long numeric product id ending the URL path (``.../name-1234567.html``), which shops use as the sku."""
    try:
        path = unquote(urlsplit(url).path).rstrip("/")
    except ValueError:
        return None
    last = path.rsplit("/", 1)[-1]
    match = _URL_ID.search(last)
    return match.group(1) if match else None


def heading_title(page: Page) -> str | None:
    """The product name as the page's main heading shows it."""
    return element_text(page.anchor) if page.anchor is not None else None
