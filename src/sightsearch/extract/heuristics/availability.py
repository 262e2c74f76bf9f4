"""Availability from the visible page: a stock message near the product, a usable or disabled buy button, or a
"notify me when available" form, in many languages."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from lxml import etree

from sightsearch.extract.availability import STOCK_WORDS, stock_phrase

from sightsearch.extract.document import clean_text, element_text
from sightsearch.extract.heuristics.page import Page, is_off_product

_BUTTON_TAGS = frozenset({"button", "a"})
_QUANTITY_LEFT = re.compile(r"^\d+\s*(gab|pcs|pc|st|stk|szt|ks|шт|un|pz|x)?\.?$", re.IGNORECASE)
_MAX_STOCK_TEXT = 120
_MAX_LABEL = 40  # "Sold out", "Nicht mehr lieferbar": labels are short; sentences are not read
# "Notify me when available" in many languages: a form a shop shows instead of the buy button.
_NOTIFY_ME = re.compile(
    r"notify me|email me when|alert me when|tell me when|let me know when|benachrichtig|informieren sie mich|"
    r"m'avertir|me pr[ée]venir|avertissez-moi|m'alerter|alerte (de )?disponibilit|av[íi]same|notif[íi]came|"
    r"avvisami|avvertimi|informami|houd me op de hoogte|mail mij|powiadom mnie|powiadom o dost|avise-me|"
    r"me avise|сообщить о (поступлении|наличии)|уведомить|upozorni|hl[íi]dat dostupnost|meddela mig|"
    r"giv mig besked|gi meg beskjed|ilmoita (minulle|kun)",
    re.IGNORECASE,
)
# Links styled as buttons: what a shop puts where "Add to cart" or "Notify me" goes.
_BUTTON_CLASS_WORDS = ("btn", "button", "cart", "basket", "buy", "notify")
_BUY_BOX_BEFORE, _BUY_BOX_AFTER = 40, 160  # visible texts around the title read for buttons alone
_BUTTON_WORDS = re.compile(rf"{_NOTIFY_ME.pattern}|(?<!\w)(?:{STOCK_WORDS})", re.IGNORECASE)


def labelled_stock(value: str) -> str | None:
    """Read the value of an "Availability:" field: a stock phrase or a positive quantity (``4 pcs``)."""
    if _QUANTITY_LEFT.match(value.strip()):
        return "InStock" if any(c != "0" for c in value if c.isdigit()) else "OutOfStock"
    return stock_phrase(value)


def stock_message(page: Page) -> tuple[str, float] | None:
    """The availability stated by the stock/availability element nearest the product, and its distance."""
    candidates = []
    for element in page.marked("stock"):
        text = element_text(element)
        if not text or len(text) > _MAX_STOCK_TEXT or is_off_product(element):
            continue
        state = stock_phrase(text)
        if state is not None:
            candidates.append((page.distance(element), state))
    if not candidates:
        return None
    distance, state = min(candidates)
    return state, distance


_NEGATIVE_STATES = frozenset({"OutOfStock", "SoldOut", "Discontinued"})
_LABEL_AFTER = 40  # visible texts after the title read for an unmarked sold-out label
# "Image not available", "Video nicht verfügbar": something else than the product is unavailable.
_MEDIA_WORDS = re.compile(r"image|bild|photo|foto|picture|video|imagen|immagine|obraz|zdj[eę]ci|изображ|фото",
                          re.IGNORECASE)


def sold_out_label(page: Page) -> tuple[str, float] | None:
    """An unmarked short text just after the title that says the product cannot be bought ("Sold out", "Épuisé",
    "Nicht mehr lieferbar"), and its distance; positive texts are not read here (too many say "available"), nor
    texts before the title (gallery placeholders say "image not available")."""
    if page.anchor is None:
        return None
    at = page.position(page.anchor)
    for index in range(at + 1, min(len(page.texts), at + _LABEL_AFTER)):
        text = page.texts[index]
        if len(text) > _MAX_LABEL or (state := stock_phrase(text)) not in _NEGATIVE_STATES or _MEDIA_WORDS.search(text):
            continue
        if not is_off_product(page.text_nodes[index].getparent()):
            return state, float(abs(index - at))  # type: ignore[return-value]
    return None


def _button(element: etree._Element | None) -> etree._Element | None:
    """The button or link a label sits in (the label's element or one of its two closest ancestors)."""
    for _ in range(3):
        if element is None or element.tag in _BUTTON_TAGS:
            return element
        element = element.getparent()
    return None


def _is_disabled(element: etree._Element) -> bool:
    return element.get("disabled") is not None or "disabled" in (element.get("class") or "").lower()


class BuyBox(NamedTuple):
    """What the buttons near the product say: the state a usable button states, whether the only add-to-cart
    buttons are disabled, and whether a "notify me" offer is shown."""

    button_state: str | None
    disabled_only: bool
    notify_me: bool


def _button_like(element: etree._Element) -> bool:
    if element.tag == "button" or element.get("role") == "button":
        return True
    classes = (element.get("class") or "").lower()
    return any(word in classes for word in _BUTTON_CLASS_WORDS)


@lru_cache(maxsize=4096)  # a site's buttons and links say the same things on every page
def _button_reading(label: str) -> tuple[bool, str | None] | None:
    """``(is a "notify me" offer, the stock phrase)`` of a button label; None when it speaks of neither."""
    if not label or not _BUTTON_WORDS.search(label):
        return None  # one search rules out most links: they say nothing about stock
    if _NOTIFY_ME.search(label):
        return True, None
    return False, stock_phrase(label) if len(label) <= 40 else None


def buy_box(page: Page, *, links: bool = True) -> BuyBox:
    """Read the buttons near the product once. With ``links`` every link label is read too (the full scan, about
    200 labels a page); without, only buttons and button-like links (a few), which is enough to see a disabled
    add-to-cart or a "notify me" offer contradicting the structured data."""
    start, stop = page.window
    if not links and page.anchor is not None:  # the buy box sits close to the title
        at = page.position(page.anchor)
        start, stop = max(start, at - _BUY_BOX_BEFORE), min(stop, at + _BUY_BOX_AFTER)
    labels = [(page.texts[i], _button(page.text_nodes[i].getparent())) for i in range(start, stop)
              if len(page.texts[i]) <= 60]
    if not links:
        labels = [(label, button) for label, button in labels if button is not None and _button_like(button)]
    inputs = page.doc.tree.iter("input") if page.doc.tree is not None else ()  # iter(tag) runs in C: faster
    labels += [(clean_text(i.get("value") or ""), i) for i in inputs if (i.get("type") or "").lower() == "submit"]
    state, disabled, enabled, notify = None, False, False, False
    for label, button in labels:
        reading = _button_reading(label) if button is not None else None
        if reading is None:
            continue
        says_notify, phrase = reading
        if says_notify:
            notify = notify or not is_off_product(button)
            continue
        if phrase is None or is_off_product(button):
            continue
        if phrase == "InStock" and _is_disabled(button):
            disabled = True
            continue
        enabled = enabled or phrase == "InStock"
        if state is None and phrase in {"InStock", "OutOfStock", "SoldOut", "PreOrder"}:
            state = phrase
    return BuyBox(state, disabled and not enabled, notify)


def buy_button(page: Page) -> str | None:
    """``InStock`` when an enabled add-to-cart button sits near the product, ``OutOfStock`` when it says so."""
    return buy_box(page).button_state
