"""Availability from the visible page: a stock message near the product, or a usable buy button."""

from __future__ import annotations

import re

from sightsearch.extract.availability import stock_phrase
from lxml import etree

from sightsearch.extract.document import clean_text, element_text
from sightsearch.extract.heuristics.page import Page, is_off_product

_BUTTON_TAGS = frozenset({"button", "a"})
_QUANTITY_LEFT = re.compile(r"^\d+\s*(gab|pcs|pc|st|stk|szt|ks|шт|un|pz|x)?\.?$", re.IGNORECASE)
_MAX_STOCK_TEXT = 120


def labelled_stock(value: str) -> str | None:
    """Read the value of an "Availability:" field: a stock phrase or a positive quantity (``4 pcs``)."""
    if _QUANTITY_LEFT.match(value.strip()):
        return "InStock" if any(c != "0" for c in value if c.isdigit()) else "OutOfStock"
    return stock_phrase(value)


def stock_message(page: Page) -> str | None:
    """The availability stated by the first stock/availability element near the product."""
    candidates = []
    for element in page.marked("stock"):
        text = element_text(element)
        if not text or len(text) > _MAX_STOCK_TEXT or is_off_product(element):
            continue
        state = stock_phrase(text)
        if state is not None:
            candidates.append((page.distance(element), state))
    return min(candidates)[1] if candidates else None


def _button(element: etree._Element | None) -> etree._Element | None:
    """The button or link a label sits in (the label's element or one of its two closest ancestors)."""
    for _ in range(3):
        if element is None or element.tag in _BUTTON_TAGS:
            return element
        element = element.getparent()
    return None


def _is_disabled(element: etree._Element) -> bool:
    return element.get("disabled") is not None or "disabled" in (element.get("class") or "").lower()


def buy_button(page: Page) -> str | None:
    """``InStock`` when an enabled add-to-cart button sits near the product, ``OutOfStock`` when it says so."""
    start, stop = page.window
    labels = [(page.texts[i], _button(page.text_nodes[i].getparent())) for i in range(start, stop)
              if len(page.texts[i]) <= 40]
    labels += [(clean_text(i.get("value") or ""), i) for i in page.doc.xpath("//body//input[@type='submit']")]
    for label, button in labels:
        if button is None or not label or len(label) > 40:
            continue
        state = stock_phrase(label)  # before is_off_product: most links say nothing about stock
        if state is None or is_off_product(button) or (state == "InStock" and _is_disabled(button)):
            continue
        if state in {"InStock", "OutOfStock", "SoldOut", "PreOrder"}:
            return state
    return None
