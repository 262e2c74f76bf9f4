"""Availability candidates: structured offers, labelled fields, stock texts, buy buttons and "notify me" forms.

Hand-set scores: structured sources start from their prior less 0.10 (templates often hard-code InStock); an
"Availability:" field 0.70, a stock message 0.45-0.65 by its distance to the title, an unmarked "sold out"
text right by the title 0.45, a button saying "sold out"
0.60, an enabled add-to-cart button 0.55, a disabled one 0.50, a "notify me when available" form 0.55. Candidates
are grouped by what a buyer can do (in stock or not), so several weak signals can outvote one template value.
A product that is priced and about which nothing else is said is ``inferred:priced`` (0.30).
"""

from __future__ import annotations

from typing import Any

from sightsearch.extract.heuristics.availability import buy_box, labelled_stock, sold_out_label, stock_message
from sightsearch.extract.heuristics.page import Page
from sightsearch.extract.merge import usable
from sightsearch.extract.scoring.candidates import Candidate, prior
from sightsearch.vocabulary import stock_class

_STRUCTURED_DISCOUNT = 0.1


def stock_key(value: str) -> str:
    """Group availability values by what a buyer can do: ``InStock`` / ``OutOfStock``, others as themselves."""
    return stock_class(value) or value


def _visible(page: Page, labels: dict[str, str], structured: bool) -> list[Candidate]:
    found = []
    if "availability" in labels and (state := labelled_stock(labels["availability"])):
        reason = f"labelled {labels['availability']!r}"
        found.append(Candidate("availability", state, "heuristic:label", 0.7, (reason,)))
    if message := stock_message(page):
        state, distance = message
        score = 0.65 - min(distance, 200) / 1000
        reason = f"{distance:.0f} texts from the title"
        found.append(Candidate("availability", state, "heuristic:stock-text", score, (reason,)))
    # An unmarked label is read only when no marked stock message spoke: the same family, one piece of evidence.
    if not message and (label := sold_out_label(page)):
        state, distance = label
        found.append(Candidate("availability", state, "heuristic:stock-text", 0.45,
                               (f"unmarked text {distance:.0f} texts after the title",)))
    # Every link label is read only when structured data says nothing: the full scan costs ~2-5 ms a page.
    box = buy_box(page, links=not structured)
    if box.button_state:
        score = 0.55 if box.button_state == "InStock" else 0.6
        found.append(Candidate("availability", box.button_state, "heuristic:buy-button", score, ("button label",)))
    if box.disabled_only:
        found.append(Candidate("availability", "OutOfStock", "heuristic:buy-button", 0.5, ("add-to-cart disabled",)))
    if box.notify_me:
        found.append(Candidate("availability", "OutOfStock", "heuristic:notify-me", 0.55, ("notify-me offer",)))
    return found


def availability_candidates(page: Page | None, labels: dict[str, str], found: list[tuple[str, dict[str, Any]]],
                            priced: bool) -> list[Candidate]:
    """Every availability candidate of the page; ``inferred:priced`` only when nothing else speaks."""
    candidates = [Candidate("availability", fields["availability"], source, prior(source) - _STRUCTURED_DISCOUNT)
                  for source, fields in found if usable("availability", fields.get("availability"))]
    if page is not None:
        candidates += _visible(page, labels, structured=bool(candidates))
    if not candidates and priced:
        candidates.append(Candidate("availability", "InStock", "inferred:priced", 0.3, ("priced, nothing said",)))
    return candidates
