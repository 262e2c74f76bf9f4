"""``parse_question``: plain English about the catalogue -> an ``Intent``, or ``CannotAnswer`` (never a guess)."""

from __future__ import annotations

import re

from sightsearch.agent.offline.filters import take_conditions
from sightsearch.agent.offline.intent import CannotAnswer, Condition, Intent
from sightsearch.agent.offline.text import WORD_NUMBER, QuestionText, word_number
from sightsearch.agent.offline.vocabulary import Vocabulary

SUGGEST_MODEL = "set SIGHTSEARCH_LLM_MODEL (e.g. openai:gpt-4o-mini, or a local server) for free-form questions"
_WRITES = (r"delete|drop|truncate|insert|update|modify|alter|erase|wipe|grant|revoke|remove|rename|overwrite|"
           r"set the|change the|api.?keys?|passwords?|secrets?|tokens?|credentials?|hash(?:es)?|alembic|"
           r"ignore (?:all |the |your )?(?:previous |prior )?instructions")
_DIMENSIONS = {"brand": "brand", "brands": "brand", "category": "category", "categories": "category",
               "site": "site", "sites": "site", "shop": "site", "shops": "site", "domain": "site", "domains": "site",
               "currency": "currency", "currencies": "currency", "availability": "availability",
               "stock status": "availability", "stage": "stage", "stages": "stage", "reason": "reason",
               "reasons": "reason", "status": "status", "statuses": "status", "format": "format",
               "formats": "format", "mode": "mode", "modes": "mode"}
_DIMENSION_WORDS = "|".join(sorted(_DIMENSIONS, key=len, reverse=True))
_TARGETS = {"price": "price", "prices": "price", "cost": "price", "width": "width", "height": "height",
            "size": "bytes", "file size": "bytes", "bytes": "bytes", "duration": "seconds", "seconds": "seconds",
            "time": "seconds"}
_TARGET_WORDS = "|".join(sorted(_TARGETS, key=len, reverse=True))
_MEASURES = (("avg", r"average|mean|avg|typical"), ("min", r"minimum|min|lowest|smallest"),
             ("max", r"maximum|max|highest|largest|biggest"), ("sum", r"sum of|sum|combined|total"))


def parse_question(question: str, vocabulary: Vocabulary) -> Intent:
    """The intent of ``question``; raises ``CannotAnswer`` for writes, secrets or any word it did not understand."""
    q = QuestionText(question)
    if re.search(rf"\b(?:{_WRITES})\b", re.sub(r"'[^']*'|\"[^\"]*\"", " ", q.text)):  # quoted words are data
        raise CannotAnswer("I only read the product data: I do not change, delete or reveal anything else")
    intent = Intent()
    _take_change(q, intent)  # before the conditions: "went out of stock" is a change, not a stock filter
    take_conditions(q, vocabulary, intent)
    _take_subject(q, intent)
    _take_shape(q, intent)
    leftover = q.leftover()
    if leftover:
        raise CannotAnswer(f"I cannot answer that offline without guessing (not understood: {' '.join(leftover)}); "
                           + SUGGEST_MODEL)
    _settle_subject(intent)
    return intent


def _take_change(q: QuestionText, intent: Intent) -> None:
    changes = (("drop", (r"price (?:drops?|cuts?|decreases?|reductions?)|got cheaper|became cheaper|"
                         r"dropped (?:in |their |its )?price|went down in price|prices? (?:went|go|gone) down")),
               ("rise", (r"price (?:increases?|rises?|hikes?)|got (?:more expensive|pricier)|"
                         r"went up in price|prices? (?:went|go|gone) up|increased (?:in |their |its )?price")),
               ("price", (r"price changes?|changed (?:in |their |its )?prices?|prices? (?:changed|changes)|"
                          r"changes? (?:in|of) price|price history|repriced")),
               ("out_of_stock", r"(?:went|go|gone|going|ran|became|become) (?:out[- ]of[- ]stock|unavailable)"),
               ("in_stock", r"(?:came |come |are |is )?back in stock|restocked"),
               ("stock", r"(?:stock|availability) changes?|changed (?:their |its )?(?:stock|availability)"))
    for change, pattern in changes:
        if q.take(pattern):
            intent.subject, intent.change = "changes", change
            return


def _take_subject(q: QuestionText, intent: Intent) -> None:
    subjects = (("images", (r"(?:failed|broken|missing) (?:images?|pictures?|photos?)|images? (?:that )?failed|"
                            r"image (?:download )?(?:failures|errors)"), Condition("error", "not_null")),
                ("failures", (r"failures?|failed (?:records?|pages?|products?)|dead.?letters?|rejects?|"
                              r"rejected(?: records?| pages?| products?)?|errors?|problems?"), None),
                ("images", r"images?|pictures?|photos?", None), ("runs", r"(?:crawl )?runs?|crawls?", None),
                ("products", r"products?|items?|goods|offers?|listings?|things", None))
    for subject, pattern, condition in subjects:
        if q.take(pattern):
            if intent.subject == "products":
                intent.subject = subject
            if condition is not None:
                intent.conditions.append(condition)
            break


def _take_shape(q: QuestionText, intent: Intent) -> None:
    """Measure, grouping, order and limit."""
    _take_group(q, intent)
    if match := q.take(rf"(?:how many|number of|count of|count) (?:different |distinct )?({_DIMENSION_WORDS})"):
        intent.measure, intent.target = "count_distinct", _DIMENSIONS[match.group(1)]
    elif q.take(r"how many|total number of|number of|count of|count|how much"):
        intent.measure = "count"
    if intent.measure == "list" and (match := q.take(r"(which|what|list(?: all)?(?: the)?|distinct|show) "
                                                     rf"({_DIMENSION_WORDS})")):
        intent.measure, intent.target = "distinct", _DIMENSIONS[match.group(2)]
    _take_price_rank(q, intent)
    for measure, words in _MEASURES:
        if match := q.take(rf"(?:the )?(?:{words}) ({_TARGET_WORDS})"):
            intent.measure, intent.target = measure, _TARGETS[match.group(1)]
            break
    if intent.measure == "list" and (match := q.take(rf"({_DIMENSION_WORDS})")):
        intent.measure, intent.target = "distinct", _DIMENSIONS[match.group(1)]  # "what are the failure reasons"
    if q.take(r"how long(?: (?:did|does|do|has|have))?") and q.take(r"take|took|lasted|taken"):
        intent.subject, intent.target = "runs", "seconds"
    _take_order(q, intent)
    if intent.measure == "distinct" and intent.order and intent.group_by is None:
        intent.measure, intent.target = "list", None  # "the status of the latest run": that run's row
    q.take(r"in (?:bytes|seconds|pixels)")  # a unit the column already has
    if intent.measure == "list" and intent.order:
        q.take(_TARGET_WORDS)  # "the duration of the latest run": the listed row shows it
    if intent.measure in ("avg", "min", "max", "sum") and intent.target is None:
        raise CannotAnswer(f"{intent.measure} of what? name a column such as price; " + SUGGEST_MODEL)


def _take_group(q: QuestionText, intent: Intent) -> None:
    match = q.take(rf"(?:broken down by|grouped by|group by|split by|by|per|for each|for every|each|in each) "
                   rf"({_DIMENSION_WORDS})")
    if match:
        intent.group_by = _DIMENSIONS[match.group(1)]
        return
    # "which brand has the most products": a group, ordered, top one
    match = q.take(rf"(?:which|what) ({_DIMENSION_WORDS}) (?:has|have|had|is|shows?) (?:the )?"
                   r"(most|fewest|least|highest|lowest|largest|smallest)")
    if match:
        intent.group_by = _DIMENSIONS[match.group(1)]
        descending = match.group(2) in ("most", "highest", "largest")
        intent.order, intent.limit = ("value", descending), 1
        if match.group(2) in ("most", "fewest", "least") and not q.has(_TARGET_WORDS):
            intent.measure = "count"
        else:
            intent.measure = "max" if descending else "min"
            if q.take(r"average|mean|avg"):
                intent.measure = "avg"
            if target := q.take(_TARGET_WORDS):
                intent.target = _TARGETS[target.group(0)]


def _take_price_rank(q: QuestionText, intent: Intent) -> None:
    """"which item has the lowest price": the item, not the price."""
    if match := q.take(r"(?:has|have|with) the (lowest|highest|smallest|largest|biggest) (?:price|cost)"):
        intent.order, intent.limit = ("price", match.group(1) not in ("lowest", "smallest")), 1


def _take_order(q: QuestionText, intent: Intent) -> None:
    top = q.take(rf"(?:the )?(top|first|bottom) ({WORD_NUMBER})")
    limit = word_number(top.group(2)) if top else None
    # The count before or after the word: "the 5 cheapest", "the cheapest 5" (a number not read as a price).
    after = r"(?: (\d+|two|three|four|five|six|seven|eight|nine|ten|twenty))?"
    expensive = q.take(rf"(?:the )?(?:({WORD_NUMBER}) )?(most expensive|priciest|dearest|highest.priced){after}")
    cheap = q.take(rf"(?:the )?(?:({WORD_NUMBER}) )?(cheapest|least expensive|lowest.priced|most affordable){after}")
    newest = q.take(rf"(?:the )?(?:({WORD_NUMBER}) )?(latest|newest|most recent|last|slowest|longest|fastest){after}")
    chosen = expensive or cheap or newest
    if chosen:
        counted = chosen.group(1) or chosen.group(3)
        limit = limit or (word_number(counted) if counted else None)
        if chosen is newest:
            word = chosen.group(2)
            column = "seconds" if word in ("slowest", "longest", "fastest") else "time"
            intent.order = (column, word != "fastest")
        else:
            intent.order = ("price", chosen is expensive)
        if limit is None:  # "the cheapest product" is one, "the cheapest products" a short list
            limit = 10 if re.search(r"\b(?:products|items|runs|failures|images|goods)\b", q.raw) else 1
    elif top:
        if not intent.group_by:
            raise CannotAnswer("top by what? say most expensive, cheapest or latest; " + SUGGEST_MODEL)
        intent.order = ("value", top.group(1) != "bottom")
    if limit is not None:
        intent.limit = limit


def _settle_subject(intent: Intent) -> None:
    """A condition only one subject has decides the subject ("jpeg" means images, "validate" failures)."""
    if intent.subject != "images" and any(c.column == "format" for c in intent.conditions):
        intent.subject = "images"
    if intent.subject == "products" and any(c.column == "stage" for c in intent.conditions):
        intent.subject = "failures"


__all__ = ["SUGGEST_MODEL", "parse_question"]
