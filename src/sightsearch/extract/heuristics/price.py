"""The main product's visible prices: every priced element outside related-product lists, with its evidence.

Struck-through prices (``<s>``, ``<del>``, "old"/"was" classes) are old prices, never the price. Prices split
across elements (``<span>1.299</span><sup>,00</sup>``) are read as one. Each candidate keeps its element and text,
so the scorer can read the wording around it (``extract.heuristics.price_wording``).
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from lxml import etree

from sightsearch.extract.currency import find_currency
from sightsearch.extract.document import element_text
from sightsearch.extract.heuristics.page import Page, in_repeated_card, is_off_product, marker
from sightsearch.extract.price import parse_price

_OLD_MARKER = re.compile(r"old|was|strike|crossed|before|previous|rrp|uvp|msrp|list-?price|compare|original|"
                         r"price-?normal|normal-?price|regular-?price|reference|retail|instead|save|saving|"
                         r"discount|unit|per-?|installment|cuota|finance|monthly", re.IGNORECASE)
_STRUCK_TAGS = {"s", "del", "strike"}
_MAX_PRICE_TEXT = 40


_UNIT_PRICE = re.compile(r"^\(|/\s*\d*\s*[^\W\d]{1,6}\.?\s*\)?$|\bper\b", re.IGNORECASE)
# A number followed by its cents in a separate element: "1.299" + ",00", or "19" + "99" in a <sup>.
_CENTS_PART = re.compile(r"^[.,]\d{1,2}\b|^\d{2}$")
_NUMBER_END = re.compile(r"\d[.,]?$")
_TEXTS_INSIDE = etree.XPath(".//text()[normalize-space()]")  # smart strings: each knows its parent element


class PriceCandidate(NamedTuple):
    """One visible price: its amount, currency, how far it is from the title and whether it is an old price."""

    amount: Decimal
    currency: str | None
    distance: float
    old: bool
    named: bool  # the element's id says "price": ids are unique, templates give one to the page's own price
    element: etree._Element | None = None
    text: str = ""  # the price as shown, for reading the wording around it (extract.heuristics.price_wording)


@lru_cache(maxsize=4096)  # a site's templates reuse their class names on every page
def _old_marker(label: str) -> bool:
    return _OLD_MARKER.search(label) is not None


def _is_old(element: etree._Element) -> bool:
    for level, node in enumerate([element, *element.iterancestors()]):
        if level > 3:
            break
        if node.tag in _STRUCK_TAGS or _old_marker(marker(node)):
            return True
        if "line-through" in (node.get("style") or ""):
            return True
    return False


def price_text(element: etree._Element) -> str:
    """The element's text with a price split across children joined back (``1.299`` ``,00`` -> ``1.299,00``)."""
    parts = [" ".join(part.split()) for part in element.itertext()]
    parts = [part for part in parts if part]
    if len(parts) < 2:
        return parts[0] if parts else ""
    joined = parts[0]
    for part in parts[1:]:
        if _NUMBER_END.search(joined) and _CENTS_PART.match(part):
            if part[0].isdigit():  # "19" + <sup>99</sup>: the decimal mark is implied by the superscript
                part = ("," if "." in joined.rsplit(" ", 1)[-1] else ".") + part
            joined = joined.rstrip(".,") + part if joined[-1] in ".," else joined + part
        else:
            joined += " " + part
    return joined


def _candidate(page: Page, element: etree._Element, text: str | None = None) -> PriceCandidate | None:
    text = price_text(element) if text is None else text
    if not text or len(text) > _MAX_PRICE_TEXT or not any(c.isdigit() for c in text) or _UNIT_PRICE.search(text):
        return None  # unit prices ("(4,36 € / 100 ml)") are not the product's price
    country, lang = page.doc.country, page.doc.lang
    currency = find_currency(text, country=country, lang=lang)
    if currency is None:
        parent = element.getparent()
        parent_text = element_text(parent) if parent is not None else ""
        currency = find_currency(parent_text, country=country, lang=lang) if len(parent_text) <= 60 else None
    if currency is None:
        return None  # a bare number in a "price" box is too often a quantity, a rating or a code
    amount, _ = parse_price(text, country_hint=country)
    if amount is None or amount <= 0:
        return None
    named = "price" in (element.get("id") or "").lower()
    return PriceCandidate(amount, currency, page.distance(element), _is_old(element), named, element, text)


def _element_candidates(page: Page, element: etree._Element) -> list[PriceCandidate | None]:
    """One candidate per priced text when a price box holds several ("<s>49 890</s> 44 890"), else the box."""
    if len(element) == 0:  # no child element: one text at most, so the box speaks for itself
        return [_candidate(page, element)]
    parts = [(node.getparent(), " ".join(node.split())) for node in _TEXTS_INSIDE(element)]
    priced = [(owner, text) for owner, text in parts if any(c.isdigit() for c in text) and find_currency(text)]
    if len(priced) >= 2:
        return [_candidate(page, owner, text) for owner, text in priced]
    return [_candidate(page, element)]


def price_candidates(page: Page) -> list[PriceCandidate]:
    """Visible prices outside related-product areas, nearest to the product title first."""
    found = []
    marked = page.marked("price")
    containers = {ancestor for element in marked for ancestor in element.iterancestors()}
    cards: dict = {}
    for element in marked:
        # The innermost priced element speaks for itself; its price-classed ancestors repeat it.
        if element in containers:
            continue
        if is_off_product(element) or in_repeated_card(element, page.anchor, cards):
            continue
        found.extend(c for c in _element_candidates(page, element) if c is not None)
    return sorted(found, key=lambda c: c.distance)


def _rank(candidate: PriceCandidate, current: list[PriceCandidate]) -> float:
    """Lower is better: near the title, named by an id, and repeated (a buy box shows its price several times)."""
    repeats = sum(1 for other in current if other.amount == candidate.amount)
    return candidate.distance * (0.3 if candidate.named else 1.0) / (1 + 0.5 * (repeats - 1))


def visible_price(page: Page) -> dict[str, object]:
    """Price, currency and old price read from the visible page (``{}`` when no price is shown)."""
    candidates = price_candidates(page)
    current = [c for c in candidates if not c.old]
    if page.anchor is None:
        # Without a title element "nearest" means nothing: only a price the template names by id is trusted.
        current = [c for c in current if c.named]
    if not current:
        return {}
    best = min(current, key=lambda c: _rank(c, current))
    fields: dict[str, object] = {"price": best.amount, "currency": best.currency}
    older = [c for c in candidates if c.old and c.amount > best.amount and c.distance <= best.distance + 40]
    if older:
        fields["old_price"] = older[0].amount
    return fields
