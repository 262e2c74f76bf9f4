"""Matchers for the conditions of a question: prices, stock, currency, stored names, title words, time windows."""

from __future__ import annotations

import re
from decimal import Decimal

from sightsearch.agent.offline.intent import Condition, Intent
from sightsearch.agent.offline.text import NUMBER, WORD_NUMBER, QuestionText, word_number
from sightsearch.agent.offline.vocabulary import Vocabulary

_CURRENCY_WORDS = r"usd|eur|gbp|dollars?|euros?|pounds?|\$|€|£"
_CURRENCY = {"usd": "USD", "dollar": "USD", "dollars": "USD", "$": "USD", "eur": "EUR", "euro": "EUR",
             "euros": "EUR", "€": "EUR", "gbp": "GBP", "pound": "GBP", "pounds": "GBP", "£": "GBP"}
_BELOW = r"under|below|less than|cheaper than|lower than|at most|up to|no more than|not more than|<=|<"
_ABOVE = r"over|above|more than|greater than|higher than|pricier than|more expensive than|at least|no less than|>=|>"
_INCLUSIVE = {"at most", "up to", "no more than", "not more than", "<=", "at least", "no less than", ">="}
_MONEY = rf"([$€£])?\s*({NUMBER})\s*({_CURRENCY_WORDS})?"
_UNITS = {"hour": "hours", "day": "days", "week": "days", "month": "days"}
_UNIT_DAYS = {"hour": 1, "day": 1, "week": 7, "month": 30}
# Measured columns a question may bound, and the units it may give them in.
_MEASURED = {"width": "width", "height": "height", "file size": "bytes", "size": "bytes", "bytes": "bytes",
             "duration": "seconds", "run time": "seconds", "runtime": "seconds"}
_SCALE = {"px": 1, "pixels": 1, "bytes": 1, "kb": 1024, "mb": 1024 * 1024, "seconds": 1, "s": 1, "minutes": 60}


def take_conditions(q: QuestionText, vocabulary: Vocabulary, intent: Intent) -> None:
    """Consume every condition the question states and add it to ``intent``."""
    _take_quoted_words(q, intent)
    _take_named(q, "site", vocabulary.sites, intent)
    _take_window(q, intent)
    _take_measures(q, intent)  # before prices: "a width above 300" is no price
    _take_prices(q, intent)
    _take_availability(q, intent)
    _take_currency(q, intent)
    if match := q.take(r"(open|unresolved|resolved|dismissed)"):
        _add(intent, Condition("status", "=", "open" if match.group(1) == "unresolved" else match.group(1)))
    for column, values in (("brand", vocabulary.brands), ("category", vocabulary.categories),
                           ("stage", vocabulary.stages), ("format", vocabulary.formats)):
        _take_named(q, column, values, intent)
    _take_title_word(q, intent)


def _add(intent: Intent, condition: Condition) -> None:
    if condition not in intent.conditions:
        intent.conditions.append(condition)


def _take_quoted_words(q: QuestionText, intent: Intent) -> None:
    while match := q.take(r"(?:with |containing |contains |mentioning |named |called |titled )?(?:the word )?"
                          r"(?:'([^']{1,60})'|\"([^\"]{1,60})\")(?: in (?:the|their|its) (?:title|name)s?)?"):
        _add(intent, Condition("title", "like", (match.group(1) or match.group(2)).strip().lower()))


def _take_title_word(q: QuestionText, intent: Intent) -> None:
    patterns = (r"([a-z0-9-]{2,30}) in (?:the|their|its) (?:title|name)s?",
                r"(?:containing|contains|mentioning|named|called|titled|with the word) ([a-z0-9-]{2,30})")
    for pattern in patterns:
        while match := q.take(pattern):
            _add(intent, Condition("title", "like", match.group(1)))


def _take_named(q: QuestionText, column: str, values: tuple[str, ...], intent: Intent) -> None:
    """Stored values named in the question, longest first; "smart home" also names "smart-home", "kitchens" names
    "kitchen". The condition holds the stored value, never the question's spelling."""
    for value in values:
        spellings = {re.escape(value.lower()), re.escape(value.lower().replace("-", " "))}
        if column == "category":
            spellings |= {spelling + "s" for spelling in spellings}
        names = "|".join(sorted(spellings, key=len, reverse=True))
        if q.take(rf"(?:the )?(?:{names})(?: {column}s?)?"):  # "the validate stage", "the Hooli brand"
            _add(intent, Condition(column, "=", value))


def _take_window(q: QuestionText, intent: Intent) -> None:
    match = q.take(rf"(?:in |during |over |within )?(?:the )?(?:last|past|previous) ({WORD_NUMBER} )?"
                   r"(hour|day|week|month)s?")
    if match:
        amount, unit = word_number((match.group(1) or "1").strip()), match.group(2)
    elif match := q.take(r"(?:so far )?this (week|month)|today|in the last 24 hours|since yesterday"):
        unit = match.group(1) or "day"
        amount = 1
    else:
        return
    intent.since = (amount * _UNIT_DAYS[unit], _UNITS[unit])


def _money(value: str, currency: str | None, intent: Intent) -> Decimal:
    if currency:
        _add(intent, Condition("currency", "=", _CURRENCY[currency]))
    return Decimal(value)


def _take_prices(q: QuestionText, intent: Intent) -> None:
    lead = r"(?:(?:that )?(?:cost|costs|costing|priced|selling|sold|with (?:a )?price|price) )?(?:of |at )?"
    if match := q.take(rf"{lead}between {_MONEY} (?:and|to|-) {_MONEY}"):
        low = _money(match.group(2), match.group(1) or match.group(3), intent)
        high = _money(match.group(5), match.group(4) or match.group(6), intent)
        _add(intent, Condition("price", "between", min(low, high), max(low, high)))
    for words, strict, inclusive in ((_BELOW, "<", "<="), (_ABOVE, ">", ">=")):
        while match := q.take(rf"{lead}({words}) {_MONEY}(?! (?:products|items|failures|images|runs))"):
            op = inclusive if match.group(1) in _INCLUSIVE else strict
            _add(intent, Condition("price", op, _money(match.group(3), match.group(2) or match.group(4), intent)))


def _take_measures(q: QuestionText, intent: Intent) -> None:
    """A bound on a measured column: "a width above 300", "file size under 2 MB", "a duration over 10 seconds"."""
    words = "|".join(sorted(_MEASURED, key=len, reverse=True))
    pattern = (rf"(?:(?:with|having|has|have|of|whose) )?(?:an? |the |their |its )?({words}) (?:is |are |of )?"
               rf"({_BELOW}|{_ABOVE}) ({NUMBER}) ?({'|'.join(_SCALE)})?")
    while match := q.take(pattern):
        column, words_used, unit = _MEASURED[match.group(1)], match.group(2), match.group(4)
        inclusive = words_used in _INCLUSIVE
        op = ("<=" if inclusive else "<") if re.fullmatch(_BELOW, words_used) else (">=" if inclusive else ">")
        _add(intent, Condition(column, op, Decimal(match.group(3)) * _SCALE.get(unit or "", 1)))


def _take_availability(q: QuestionText, intent: Intent) -> None:
    if q.take(r"(?:are |is )?(?:currently )?(?:out[- ]of[- ]stock|sold[- ]out|unavailable|not in stock|"
              r"not available)"):
        _add(intent, Condition("availability", "=", "OutOfStock"))
    if q.take(r"(?:are |is )?(?:currently )?(?:in stock|available to buy|in-stock)"):
        _add(intent, Condition("availability", "=", "InStock"))


def _take_currency(q: QuestionText, intent: Intent) -> None:
    while match := q.take(rf"(?:priced |sold |listed )?(?:in )?({_CURRENCY_WORDS})"):
        _add(intent, Condition("currency", "=", _CURRENCY[match.group(1)]))


__all__ = ["take_conditions"]
