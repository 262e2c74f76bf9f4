"""Candidate scoring for the fields a page often states several times, differently: price, availability, brand.

Instead of taking the first value by source precedence, every source's value and every visible one becomes a
candidate with evidence and a score (:mod:`.candidates`); the best one wins when its confidence reaches the
field's threshold. ``score_fields`` returns the decisions; ``apply_decisions`` writes them into a product with
their confidence and evidence.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sightsearch.extract.currency import country_currency
from sightsearch.extract.document import Document
from sightsearch.extract.heuristics.page import Page
from sightsearch.extract.scoring.availability import availability_candidates, stock_key
from sightsearch.extract.scoring.brand import brand_candidates
from sightsearch.extract.scoring.candidates import THRESHOLDS, Candidate, Decision, decide
from sightsearch.extract.scoring.price import old_price_for, price_candidates_of, shown_prices
from sightsearch.vocabulary import plausible_old_price

__all__ = ["THRESHOLDS", "Candidate", "Decision", "apply_decisions", "score_fields"]

SCORED_FIELDS = ("price", "availability", "brand")


def score_fields(doc: Document, page: Page | None, labels: dict[str, str], found: list[tuple[str, dict[str, Any]]],
                 title: str | None, go_on: Callable[[Decision], bool] | None = None) -> dict[str, Decision]:
    """The decision for each scored field, from the structured sources' ``found`` fields and the visible page.

    ``go_on``, when given, is asked after the price decision whether the other fields are still wanted; when it
    says no, only the price decision is returned."""
    visible = shown_prices(page)
    price = decide("price", price_candidates_of(page, found, visible))
    if price.winner is not None:
        old = old_price_for(price.winner, visible)
        price.winner.extras["old_price"] = old if plausible_old_price(old, price.winner.value) else None
    if go_on is not None and not go_on(price):
        return {"price": price}
    priced = price.emitted is not None
    availability = decide("availability", availability_candidates(page, labels, found, priced), key=stock_key)
    brand = decide("brand", brand_candidates(doc, page, labels, found, title), key=_brand_key)
    return {"price": price, "availability": availability, "brand": brand}


def _brand_key(value: str) -> str:
    return " ".join(value.casefold().split())


def apply_decisions(values: dict[str, Any], sources: dict[str, str], decisions: dict[str, Decision],
                    doc: Document, min_confidence: float | None = None) -> tuple[dict[str, float], dict[str, str]]:
    """Replace the scored fields in ``values``/``sources`` with the decisions; returns confidence and evidence.

    ``min_confidence`` overrides every field's threshold (``bench/extraction.py`` passes 0 to see every winner).
    Without decisions (scoring failed, which ``errors`` reports) the merged values are left as they are.
    """
    confidence, evidence = {}, {}
    for name, decision in decisions.items():
        threshold = THRESHOLDS[name] if min_confidence is None else min_confidence
        winner = decision.winner if decision.confidence >= threshold else None
        if decision.winner is not None:
            evidence[name] = decision.evidence if winner else f"withheld below {threshold}: {decision.evidence}"
        if name == "price":
            _set_price(values, sources, winner, doc)
        elif winner is None:
            values.pop(name, None), sources.pop(name, None)
        else:
            values[name], sources[name] = winner.value, winner.source
        if winner is not None:
            confidence[name] = decision.confidence
    return confidence, evidence


def _set_price(values: dict[str, Any], sources: dict[str, str], winner: Candidate | None, doc: Document) -> None:
    """The price, its currency (the winner's, else the page's structured one, else ``inferred:country``) and the
    old price (the winner's own, else one shown struck through beside it)."""
    for name in ("price", "old_price"):
        values.pop(name, None), sources.pop(name, None)
    if winner is None:
        values.pop("currency", None), sources.pop("currency", None)
        return
    values["price"], sources["price"] = winner.value, winner.source
    if winner.extras.get("currency"):
        values["currency"], sources["currency"] = winner.extras["currency"], winner.source
    elif not values.get("currency") and (guess := country_currency(doc.country)):
        values["currency"], sources["currency"] = guess, "inferred:country"
    if winner.extras.get("old_price") is not None:
        values["old_price"], sources["old_price"] = winner.extras["old_price"], winner.source
