"""Price candidates: every structured price and every visible one, scored by what the page shows around them.

Hand-set scores. A structured price starts from its source's prior (JSON-LD 0.90 ... OpenGraph 0.75, framework
state 0.65) and gains 0.05 when the page shows it as a current price, or loses 0.5 when the page shows it struck
through beside a lower price (the sale price is what a buyer pays now); an aggregate offer's ``lowPrice``, or the
first of offers that disagree on the price, loses 0.35 (a variant's price, not necessarily the default one the
page shows). A visible price scores 0.20-0.65 by its
closeness to the title (an id naming it "price" and repeats count as closeness), and loses 0.3 when its wording
makes it a unit price, an instalment, a price without VAT, a deposit, other sellers' offers or a bid.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sightsearch.extract.heuristics.page import Page
from sightsearch.extract.heuristics.price import PriceCandidate, price_candidates, struck_through
from sightsearch.extract.heuristics.price_wording import price_wording
from sightsearch.extract.scoring.candidates import Candidate, prior
from sightsearch.vocabulary import THREE_DECIMAL_CURRENCIES, ZERO_DECIMAL_CURRENCIES

_BESIDE = 6  # visible texts between a struck-through price and the sale price printed next to it
_OLD_NEAR = 40  # visible texts within which a struck-through price is the winner's old price
_SHOWN_BONUS, _STRUCK_PENALTY, _WORDING_PENALTY, _RANGE_PENALTY = 0.05, 0.5, 0.3, 0.35
_THOUSAND = Decimal(1000)


def _usable(amount: Any) -> bool:
    return isinstance(amount, Decimal) and amount != 0


def _as_thousands(amount: Decimal, currency: str | None, shown: set[Decimal]) -> bool:
    """True when a structured ``2.449`` is two thousand four hundred and forty-nine: the currency has no minor
    units, or the page shows the amount a thousand times larger and never the amount itself."""
    exponent = amount.as_tuple().exponent
    if not isinstance(exponent, int) or exponent != -3 or amount >= _THOUSAND or currency in THREE_DECIMAL_CURRENCIES:
        return False
    return currency in ZERO_DECIMAL_CURRENCIES or (amount * _THOUSAND in shown and amount not in shown)


def _in_cents(amount: Decimal, source: str, elsewhere: set[Decimal]) -> bool:
    """True when a framework-state price counts cents (``6995`` for 69.95, as many shop platforms store it): a
    whole number whose hundredth another source or the page states."""
    return source.startswith("state:") and amount == amount.to_integral_value() and amount / 100 in elsewhere


def structured_candidates(found: list[tuple[str, dict[str, Any]]], visible: list[PriceCandidate]) -> list[Candidate]:
    """One candidate per structured source with a price, adjusted by what the visible page shows."""
    shown = {c.amount for c in visible if not c.old}
    elsewhere = shown | {f["price"] for s, f in found if _usable(f.get("price")) and not s.startswith("state:")}
    candidates = []
    for source, fields in found:
        amount = fields.get("price")
        if not _usable(amount):
            continue
        extras = {"currency": fields.get("currency"), "old_price": fields.get("old_price")}
        candidate = Candidate("price", amount, source, prior(source), extras=extras)
        if _in_cents(amount, source, elsewhere):
            candidate = Candidate("price", (amount / 100).quantize(Decimal("0.01")), source, candidate.score,
                                  ("counted in cents",), extras)
        elif _as_thousands(amount, fields.get("currency"), shown):
            amount = (amount * _THOUSAND).quantize(Decimal(1))
            candidate = Candidate("price", amount, source, candidate.score, ("dot groups thousands",), extras)
        if fields.get("price_is_one_of_many"):
            candidate = candidate.adjusted(-_RANGE_PENALTY, "one of several offer prices")
        candidates.append(_visible_evidence(candidate, visible))
    return candidates


def _visible_evidence(candidate: Candidate, visible: list[PriceCandidate]) -> Candidate:
    if any(not c.old and c.amount == candidate.value for c in visible):
        return candidate.adjusted(_SHOWN_BONUS, "shown on the page")
    for old in (c for c in visible if c.old and c.amount == candidate.value):
        if any(not c.old and c.amount < old.amount and abs(c.distance - old.distance) <= _BESIDE for c in visible):
            return candidate.adjusted(-_STRUCK_PENALTY, "shown struck through beside a lower price")
    return candidate


def _rank(candidate: PriceCandidate, current: list[PriceCandidate]) -> float:
    """Lower is better: near the title, named by an id, and repeated (a buy box shows its price several times)."""
    repeats = sum(1 for other in current if other.amount == candidate.amount)
    return candidate.distance * (0.3 if candidate.named else 1.0) / (1 + 0.5 * (repeats - 1))


def _lone_classed_old(visible: list[PriceCandidate]) -> list[PriceCandidate]:
    """The prices classed as old when the page shows no other price, all one amount and none struck through: the
    class words are then the template's name for the only price ("regular-price" and "normal-price" hold the
    current price of Magento templates when nothing is on sale)."""
    old = [c for c in visible if c.old]
    if len({c.amount for c in old}) != 1 or any(c.element is None or struck_through(c.element) for c in old):
        return []
    return old


def visible_candidates(page: Page, visible: list[PriceCandidate], structured: bool = False) -> list[Candidate]:
    """One candidate per distinct current amount shown on the page, at its best-placed occurrence."""
    current = [c for c in visible if not c.old] or _lone_classed_old(visible)
    if page.anchor is None:
        # Without a title element "nearest" means nothing: only a price the template names by id is trusted.
        current = [c for c in current if c.named]
    best: dict[Decimal, tuple[float, PriceCandidate]] = {}
    for shown in current:
        rank = _rank(shown, current)
        if shown.amount not in best or rank < best[shown.amount][0]:
            best[shown.amount] = (rank, shown)
    contested = len(best) > 1 or not structured
    candidates = []
    for rank, shown in best.values():
        closeness = 1 / (1 + rank / 30)
        reasons = [f"{shown.distance:.0f} texts from the title"] + (["id names it price"] if shown.named else [])
        candidate = Candidate("price", shown.amount, "heuristic:price", 0.2 + 0.45 * closeness, tuple(reasons),
                              extras={"currency": shown.currency, "shown": shown})
        # The wording is read only when it can matter: several amounts shown, or no structured price to agree
        # with (a regex over the price's surroundings costs ~0.1 ms per candidate).
        wording = price_wording(page, shown.element, shown.text) if contested and shown.element is not None else None
        if wording:
            candidate = candidate.adjusted(-_WORDING_PENALTY, f"{wording} wording")
        candidates.append(candidate)
    return candidates


def shown_prices(page: Page | None) -> list[PriceCandidate]:
    """The prices the visible page shows (current and struck through), outside related-product areas."""
    return price_candidates(page) if page is not None else []


def price_candidates_of(page: Page | None, found: list[tuple[str, dict[str, Any]]],
                        visible: list[PriceCandidate]) -> list[Candidate]:
    """Every price candidate of the page: structured sources first, then the visible prices."""
    candidates = structured_candidates(found, visible)
    if page is not None:
        candidates += visible_candidates(page, visible, structured=bool(candidates))
    return candidates


def old_price_for(winner: Candidate, visible: list[PriceCandidate]) -> Decimal | None:
    """The winner's old price: its own source's, else a struck-through price shown near it and above it."""
    if winner.extras.get("old_price") is not None:
        return winner.extras["old_price"]
    shown = winner.extras.get("shown") or next((c for c in visible if not c.old and c.amount == winner.value), None)
    if shown is None:
        return None
    older = [c for c in visible if c.old and c.amount > winner.value and c.distance <= shown.distance + _OLD_NEAR]
    return older[0].amount if older else None
