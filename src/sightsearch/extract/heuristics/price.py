"""The main product's visible prices: every priced element outside related-product lists, with its evidence.

Struck-through prices (``<s>``, ``<del>``, "old"/"was" classes, a "Was:" label) are old prices, never the price.
When no price-classed element shows a current price, a bare amount just after the title is read instead. Prices split
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

# Class words of old, unit and instalment prices. A word must start a class token, a camelCase part or follow
# "price" ("price--old", "oldPrice", "priceold"): inside a word they are other words ("price-wrapper" holds
# "per", "a-text-bold" and "price--sold-out" hold "old"), which would make a template's current price an old one.
_OLD_MARKER = re.compile(
    r"(?:(?<![A-Za-z0-9])|(?<=[a-z])(?=[A-Z]))(?i:price[-_]*)?"
    r"(?i:old|was|strike|crossed|before|previous|rrp|uvp|msrp|list-?price|compare|original|price-?normal|"
    r"normal-?price|regular-?price|reference|retail|instead|save|saving|discount|unit|installment|cuota|finance|"
    r"monthly|non-?sale|per(?:[-_\s]|$|unit|kg|month))"
)
_STRUCK_TAGS = {"s", "del", "strike"}
# Words that make the amount after them a former or reference price, in the price's text ("Was $249.99") or as
# the label just before it ("Was:", "UVP").
_OLD_WORDS = (r"was|rrp|msrp|uvp|statt|regular price|reg\.|list price|list|orig\.|original price|compare at|"
              r"avant|au lieu de|prix barré|antes|prima|van|voorheen|zamiast|cena regularna|通常価格|定価|参考価格")
_OLD_WORDING = re.compile(rf"^(?:{_OLD_WORDS})(?![^\W\d_])", re.IGNORECASE)
_OLD_LABEL = re.compile(rf"^(?:{_OLD_WORDS})\s*[:：]?$", re.IGNORECASE)
_MAX_PRICE_TEXT = 40


_UNIT_PRICE = re.compile(r"^\(|/\s*\d*\s*[^\W\d]{1,6}\.?\s*\)?$|\bper\b", re.IGNORECASE)
# A number followed by its cents in a separate element: "1.299" + ",00", or "19" + "99" in a <sup>.
_CENTS_PART = re.compile(r"^[.,]\d{1,2}\b|^\d{2}$")
_NUMBER_END = re.compile(r"\d[.,]?$")
_TEXTS_INSIDE = etree.XPath(".//text()[normalize-space()]")  # smart strings: each knows its parent element
_NUMBER_RUN = re.compile(r"\d(?:[\d.,'\u00a0\u202f ]*\d)?")
_DIGIT = re.compile(r"\d")
_CURRENCY_REACH = 4
_UNMARKED_AFTER, _MAX_BARE_PRICE = 30, 24  # visible texts after the title read for an unclassed bare price
_NOT_CURRENCY = re.compile(r"[\d\s.,'’:\-–*]+")  # what is left of a bare price is its currency sign or code  # characters on each side of a number where its currency sign or code is written


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
        if node.tag in _STRUCK_TAGS or _old_marker(marker(node)) or "line-through" in (node.get("style") or ""):
            return True
    return False


def struck_through(element: etree._Element) -> bool:
    """True when the price is drawn struck through (``<s>``, ``<del>``, an inline line-through), not merely
    classed as an old price."""
    for level, node in enumerate([element, *element.iterancestors()]):
        if level > 3:
            break
        if node.tag in _STRUCK_TAGS or "line-through" in (node.get("style") or ""):
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


def _priced_part(text: str) -> str:
    """The number of a price text that its currency is written beside, with that currency: a count or a quantity
    may come first ("8 options from 98,65 €", "2 for $5.00"), and a price parser reads the first number."""
    numbers = list(_NUMBER_RUN.finditer(text))
    if len(numbers) < 2:
        return text
    for index, number in enumerate(numbers):
        start = max(number.start() - _CURRENCY_REACH, numbers[index - 1].end() if index else 0)
        stop = min(number.end() + _CURRENCY_REACH, numbers[index + 1].start() if index + 1 < len(numbers) else len(text))
        if find_currency(text[start:stop]):
            return text[start:stop]
    return text


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
    amount, _ = parse_price(_priced_part(text), country_hint=country)
    if amount is None or amount <= 0:
        return None
    named = "price" in (element.get("id") or "").lower()
    old = _is_old(element) or _says_old(page, element, text)
    return PriceCandidate(amount, currency, page.distance(element), old, named, element, text)


def _says_old(page: Page, element: etree._Element, text: str) -> bool:
    """True when words make the price a former one: its own text starts with them, or the visible text just
    before it is such a label ("Was:" beside "$50.00")."""
    if _OLD_WORDING.match(text):
        return True
    index = page.position(element)
    return 0 < index <= len(page.texts) and _OLD_LABEL.match(page.texts[index - 1]) is not None


def _element_candidates(page: Page, element: etree._Element) -> list[PriceCandidate | None]:
    """One candidate per priced text when a price box holds several ("<s>49 890</s> 44 890"), else the box."""
    if len(element) == 0:  # no child element: one text at most, so the box speaks for itself
        return [_candidate(page, element)]
    parts = [(node.getparent(), " ".join(node.split())) for node in _TEXTS_INSIDE(element)]
    priced = [(owner, text) for owner, text in parts if any(c.isdigit() for c in text) and find_currency(text)]
    if len(priced) >= 2:
        return [_candidate(page, owner, text) for owner, text in priced]
    return [_candidate(page, element)]


def _showing_amount(element: etree._Element) -> etree._Element | None:
    """The element that shows the amount of a price-classed element, or None when it shows no number.

    A currency sign in its own price-classed element (``<span class="Price-currencySymbol">£</span>30.00``) is
    followed by the amount as its tail, which the parent shows; the sign alone must not stand for the price, nor
    hide the element holding the amount as a mere container of it."""
    if _DIGIT.search("".join(element.itertext())):
        return element
    if element.tail and _DIGIT.search(element.tail):
        return element.getparent()
    return None


def price_candidates(page: Page) -> list[PriceCandidate]:
    """Visible prices outside related-product areas, nearest to the product title first."""
    found = []
    marked = list(dict.fromkeys(e for e in map(_showing_amount, page.marked("price")) if e is not None))
    containers = {ancestor for element in marked for ancestor in element.iterancestors()}
    cards: dict = {}
    for element in marked:
        # The innermost priced element speaks for itself; its price-classed ancestors repeat it.
        if element in containers:
            continue
        if is_off_product(element) or in_repeated_card(element, page.anchor, cards):
            continue
        found.extend(c for c in _element_candidates(page, element) if c is not None)
    if not any(not c.old for c in found):
        found += _unmarked_candidates(page, cards)
    return sorted(found, key=lambda c: c.distance)


def _unmarked_candidates(page: Page, cards: dict) -> list[PriceCandidate]:
    """Prices in no price-classed element, read only when no classed element shows a current price: a text just
    after the title that is nothing but an amount and its currency (``<h2>$110.00</h2>``, as template-less shops
    and some platforms' default themes print it)."""
    if page.anchor is None:
        return []
    at, found = page.position(page.anchor), []
    for index in range(at + 1, min(len(page.texts), at + _UNMARKED_AFTER)):
        text = page.texts[index]
        if len(text) > _MAX_BARE_PRICE or not _DIGIT.search(text) or len(_NOT_CURRENCY.sub("", text)) > 4:
            continue
        if find_currency(text, country=page.doc.country, lang=page.doc.lang) is None:
            continue  # a bare number (a count, a rating) is no price: settled before the costlier checks below
        element = page.text_nodes[index].getparent()
        if is_off_product(element) or in_repeated_card(element, page.anchor, cards):
            continue
        if (candidate := _candidate(page, element, text)) is not None:
            found.append(candidate)
    return found


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
