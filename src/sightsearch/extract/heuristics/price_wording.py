"""Words around a visible price that make it something other than what a buyer pays now for the product.

A product page often shows several amounts: the price per kilogram or per 100 ml, a monthly instalment, the
price without VAT, a deposit, the current bid of an auction. The wording next to the amount tells them apart, in
many languages; the scorer lowers such candidates rather than dropping them (a page may show nothing else).
"""

from __future__ import annotations

import re

from lxml import etree

from sightsearch.extract.document import element_text
from sightsearch.extract.heuristics.page import Page

_WORDINGS: tuple[tuple[str, str], ...] = (
    ("per-unit", r"per (kg|kilo|litre|liter|l|m|m2|m²|100 ?(g|ml)|unit|piece|item)|unit price|price per|/ ?(kg|l|m|"
                 r"m²|100 ?(g|ml)|st|stk|pc|pcs)\b|grundpreis|pro (kg|liter|l|100 ?(g|ml)|st[üu]ck)|prix au (kg|"
                 r"kilo|litre)|le kg|au kg|precio por|al kg|prezzo al|prijs per|cena za (kg|litr|szt|1)|"
                 r"за (кг|литр|шт)|jednotkov"),
    ("instalment", r"per month|a month|/ ?mo(nth)?\b|monthly|instal?ments?|pay in \d|\d+ ?x ?\d|\bx ?\d+ (months|"
                   r"mois|monate|meses|mesi|rat)|monatlich|monatsrate|mtl\.|mensualit|par mois|/ ?mois|cuotas?|"
                   r"al mes|/ ?mes\b|rate da|al mese|/ ?mese|raty|miesi[eę]cznie|в месяц|/ ?мес"),
    ("excl-vat", r"excl\.? ?(vat|tax|btw|mwst)|excluding (vat|tax)|ex\.? vat|before tax|\+ ?vat|plus vat|"
                 r"exkl\.? ?mwst|ohne mwst|zzgl\.? mwst|netto|\bht\b|hors taxes?|sin iva|iva esclusa|\+ ?iva|"
                 r"excl\.? btw|bez dph|bez vat|без ндс"),
    ("deposit", r"deposit|pfand|anzahlung|caution|acompte|fianza|dep[óo]sito|cauzione|kaucja|borg\b|залог"),
    # "3 new from $12.99", "8 Optionen von 98,65 €": the cheapest of other sellers' offers or of other variants.
    ("other-offers", r"\d+ (new|used|offers?|options?|sellers?|neu|gebraucht|angebote?|optionen|offres?|neufs?|"
                     r"occasions?|ofertas?|nuevos?|opciones|offerte|nuovi|opzioni|aanbiedingen|nieuw|ofert[ay]?|opcje) "
                     r"(from|von|ab|à partir de|dès|desde|da|a partire da|vanaf|od)\b"),
    ("bid", r"current bid|starting bid|opening bid|bids?\b|estimate|sch[äa]tzpreis|aktuelles gebot|gebot|"
            r"ench[èe]re|estimation|puja|oferta actual|offerta attuale|stima|licytacja"),
)
_GROUPS = "|".join(f"(?P<{name.replace('-', '_')}>{pattern})" for name, pattern in _WORDINGS)
_WORDING = re.compile(f"(?<!\\w)(?:{_GROUPS})", re.IGNORECASE)
_MAX_CONTEXT = 120
_SECTIONS = frozenset({"body", "html", "main", "article", "section", "form"})


def price_wording(page: Page, element: etree._Element, text: str) -> str | None:
    """The kind of non-buyer price the words at ``element`` name (``per-unit``, ``instalment``, ``excl-vat``,
    ``deposit``, ``other-offers``, ``bid``), or ``None`` for a plain price. Reads the price text, its parent's short text and the
    visible text just before it (a label such as "Monthly payment:")."""
    context = [text]
    parent = element.getparent()
    # The parent's text is the price's own line only when it is short and not the whole page section.
    if parent is not None and parent.tag not in _SECTIONS:
        parent_text = element_text(parent)
        if len(parent_text) <= _MAX_CONTEXT and parent_text.count(",") + parent_text.count(".") <= 4:
            context.append(parent_text)
    index = page.position(element)
    # The text just before is a label ("Monthly payment:"), unless it is another price with its own wording.
    if 0 < index <= len(page.texts) and not any(char.isdigit() for char in page.texts[index - 1]):
        context.append(page.texts[index - 1][:_MAX_CONTEXT])
    match = _WORDING.search(" | ".join(context))
    if match is None:
        return None
    return next(name for name, value in match.groupdict().items() if value).replace("_", "-")
