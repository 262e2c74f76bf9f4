"""Matchers for the conditions of a question: prices, stock, currency, stored names, title words, time windows."""

from __future__ import annotations

import re
from decimal import Decimal

from sightsearch.agent.offline.intent import CannotAnswer, Condition, Intent
from sightsearch.agent.offline.text import NUMBER, WORD_NUMBER, QuestionText, word_number
from sightsearch.agent.offline.vocabulary import Vocabulary

_CURRENCY_WORDS = r"usd|eur|gbp|dollars?|bucks?|euros?|pounds?|\$|€|£"
_CURRENCY = {"usd": "USD", "dollar": "USD", "dollars": "USD", "buck": "USD", "bucks": "USD", "$": "USD",
             "eur": "EUR", "euro": "EUR",
             "euros": "EUR", "€": "EUR", "gbp": "GBP", "pound": "GBP", "pounds": "GBP", "£": "GBP"}
_BELOW = r"under|below|less than|cheaper than|lower than|at most|up to|no more than|not more than|<=|<"
_ABOVE = r"over|above|more than|greater than|higher than|pricier than|more expensive than|at least|no less than|>=|>"
_INCLUSIVE = {"at most", "up to", "no more than", "not more than", "<=", "at least", "no less than", ">="}
_MONEY = rf"([$€£])?\s*({NUMBER})\s*({_CURRENCY_WORDS})?"
# Nouns a number counts rather than prices: "over 50 in-stock products", "more than 3 brands".
_COUNTED = r"(?:products?|items?|goods|offers?|listings?|failures?|images?|runs?|brands?|categories|sites?|shops?)\b"
_UNITS = {"hour": "hours", "day": "days", "week": "days", "month": "days"}
_UNIT_DAYS = {"hour": 1, "day": 1, "week": 7, "month": 30}
# Measured columns a question may bound, and the units it may give them in.
_MEASURED = {"width": "width", "height": "height", "file size": "bytes", "size": "bytes", "bytes": "bytes",
             "duration": "seconds", "run time": "seconds", "runtime": "seconds"}
_SCALE = {"px": 1, "pixels": 1, "bytes": 1, "kb": 1024, "mb": 1024 * 1024, "seconds": 1, "s": 1, "minutes": 60}
# Image formats as the image stage stores them (Pillow's names), whether or not the store holds one yet: "how many
# PNG images" has the answer 0, not "I do not understand". Other spellings of the same format.
KNOWN_FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF", "AVIF", "ICO")
_FORMAT_SPELLINGS = {"JPEG": ("jpg",), "TIFF": ("tif",)}
# Run statuses (``crawl_runs.status``) and the words for them.
_RUN_STATUS = {"finished": "finished", "completed": "finished", "complete": "finished", "succeeded": "finished",
               "successful": "finished", "done": "finished", "failed": "failed", "unsuccessful": "failed",
               "running": "running", "ongoing": "running", "in progress": "running", "active": "running",
               "still running": "running", "unfinished": "running"}
# Columns a product may lack, and the words for them ("products without a brand", "with no SKU", "have a GTIN").
_OPTIONAL = {"brand": "brand", "category": "category", "sku": "sku", "gtin": "gtin", "ean": "gtin", "upc": "gtin",
             "mpn": "mpn", "price": "price", "currency": "currency", "description": "description",
             "old price": "old_price", "original price": "old_price", "previous price": "old_price",
             "was price": "old_price", "list price": "old_price"}
_NEGATIONS = (r"(?:not|aren't|isn't|are not|is not|weren't|were not) (?:made |sold |produced |manufactured )?"
              r"(?:from |by |of |in )?|excluding |except (?:for )?|other than |apart from |besides |but not |"
              r"outside (?:of )?")
_PLURALS = {"category": "categories", "status": "statuses"}
# The pipeline's stages as people name them ("pages that failed validation").
_STAGE_NOUNS = {"fetch": ("fetching",), "extract": ("extraction", "extracting"), "cleanse": ("cleansing", "cleaning"),
                "transform": ("transformation", "transforming"), "validate": ("validation", "validating"),
                "enrich": ("enrichment", "enriching"), "load": ("loading",)}


def take_conditions(q: QuestionText, vocabulary: Vocabulary, intent: Intent) -> None:
    """Consume every condition the question states and add it to ``intent``."""
    _take_versus(q, vocabulary, intent)
    _check_alternatives(q, vocabulary)
    # "SKU GAR-00006": a code with a digit, compared without regard to case (the question is read in lower case)
    while match := q.take(r"(?:the )?(?:sku|item number|article number|product code)(?: number| no\.?| #)? "
                          r"([a-z0-9][\w./-]*\d[\w./-]*)"):
        _add(intent, Condition("sku", "same_text", match.group(1)))
    _take_quoted_words(q, intent)
    _take_named(q, "site", vocabulary.sites, intent)
    _take_window(q, intent)
    _take_measures(q, intent)  # before prices: "a width above 300" is no price
    _take_comparatives(q, intent)
    _take_prices(q, intent)
    _take_availability(q, intent)
    _take_currency(q, intent)
    _take_run_status(q, intent)
    if match := q.take(r"(open|unresolved|resolved|dismissed)"):
        _add(intent, Condition("status", "=", "open" if match.group(1) == "unresolved" else match.group(1)))
    formats = tuple(sorted({*vocabulary.formats, *KNOWN_FORMATS}, key=len, reverse=True))
    for column, values in (("brand", vocabulary.brands), ("category", vocabulary.categories),
                           ("stage", vocabulary.stages), ("format", formats)):
        _take_named(q, column, values, intent)
    _take_discount(q, intent)
    _take_missing(q, intent)
    _take_title_word(q, intent)


def _take_versus(q: QuestionText, vocabulary: Vocabulary, intent: Intent) -> None:
    """"in-stock vs out-of-stock products", "Acme versus Globex": one group per side (the values themselves are read
    as alternatives by the other matchers)."""
    match = re.search(r" ([\w$€£.-]+) (?:vs\.?|versus|compared (?:to|with)) (?:the )?([\w$€£.-]+) ", q.text)
    if match is None:
        return
    before, after = match.group(1), match.group(2)
    sides = {"in-stock", "stock", "available"}, {"out-of-stock", "unavailable"}
    columns = [("availability", {*sides[0], *sides[1]}), ("brand", {v.lower() for v in vocabulary.brands}),
               ("category", {v.lower() for v in vocabulary.categories}), ("currency", set(_CURRENCY)),
               ("site", {v.lower() for v in vocabulary.sites})]
    for column, values in columns:
        if before in values and after in values:
            if re.search(r"\b(?:per|by|for each|in each|each)\b", q.raw):
                raise CannotAnswer("two groupings at once (a comparison and a 'per') is not one I write offline")
            intent.group_by = column
            q.text = q.text.replace(match.group(0), f" {before} or {after} ", 1)
            return
    raise CannotAnswer(f"'{before} vs {after}': compare two values of one column, e.g. 'Acme vs Globex'")


_OR_SKIP = frozenset("the a an from by in of made".split())
_COLUMN_NOUNS = frozenset("brand brands category categories site sites shop shops format formats stage stages "
                          "currency currencies status runs run crawls products items".split())


def _check_alternatives(q: QuestionText, vocabulary: Vocabulary) -> None:
    """Conditions are ANDed; an "or" is read only between two values of one column ("Acme or Globex", "euros or
    dollars", "failed or running runs") or in "20 or more". "Out of stock or over 500" is refused, never answered
    as "and"."""
    words = re.findall(r"[\w'$€£.-]+", q.text)
    kinds = [({value.lower() for value in values} | {value.lower() + "s" for value in values})
             for values in (vocabulary.brands, vocabulary.categories, vocabulary.stages,
                            (*vocabulary.formats, *KNOWN_FORMATS, "jpg", "tif"))]
    kinds += [set(_CURRENCY), set(_RUN_STATUS), {"open", "unresolved", "resolved", "dismissed"},
              {"in-stock", "stock", "available", "out-of-stock", "unavailable"}]
    for at, word in enumerate(words):
        if word != "or":
            continue
        before = next((w for w in reversed(words[:at]) if w not in _COLUMN_NOUNS and w not in _OR_SKIP), "")
        after = next((w for w in words[at + 1:] if w not in _OR_SKIP), "")
        following = [w for w in words[at + 1:] if w not in _OR_SKIP]
        beyond = following[1] if len(following) > 1 else ""  # the word after ``after``
        if (after in ("more", "less", "above", "below", "over", "under", "up", "higher", "lower", "cheaper")
                and (re.fullmatch(NUMBER, before.strip("$€£")) or before in _CURRENCY)
                and beyond != "than" and not re.fullmatch(NUMBER, beyond.strip("$€£"))):
            continue  # "20 dollars or more"; not "under 10 or over 1000", "less than 20 or more than 1000"
        if not any(before in kind and after in kind for kind in kinds):
            raise CannotAnswer(f"I read conditions as all holding at once, and cannot tell offline what "
                               f"'{before} or {after}' allows; ask one question per alternative, or "
                               "set SIGHTSEARCH_LLM_MODEL for free-form questions")


def _add(intent: Intent, condition: Condition) -> None:
    if condition not in intent.conditions:
        intent.conditions.append(condition)


def _take_quoted_words(q: QuestionText, intent: Intent) -> None:
    while match := q.take(r"(?:with |containing |contains |contain |mentioning |named |called |titled )?(?:the word )?"
                          r"(?:'([^']{1,60})'|\"([^\"]{1,60})\")(?: in (?:the|their|its) (?:title|name)s?)?"):
        _add(intent, Condition("title", "like", (match.group(1) or match.group(2)).strip().lower()))


def _take_title_word(q: QuestionText, intent: Intent) -> None:
    patterns = (r"([a-z0-9-]{2,30}) in (?:the|their|its) (?:title|name)s?",
                r"(?:containing|contains|contain|mentioning|named|called|titled|with the word) ([a-z0-9-]{2,30})")
    for pattern in patterns:
        while match := q.take(pattern):
            _add(intent, Condition("title", "like", match.group(1)))


def _take_named(q: QuestionText, column: str, values: tuple[str, ...], intent: Intent) -> None:
    """Stored values named in the question, longest first; "smart home" also names "smart-home", "kitchens" names
    "kitchen", "png" and "pngs" name "PNG". "not from Acme", "excluding Acme" and "non-Acme" exclude the value. The
    condition holds the stored value, never the question's spelling."""
    column_words = f"{column}s?|{_PLURALS.get(column, column)}"
    for value in values:
        spellings = {value.lower(), value.lower().replace("-", " "), *_FORMAT_SPELLINGS.get(value, ()),
                     *(_STAGE_NOUNS.get(value.lower(), ()) if column == "stage" else ())}
        if column in ("category", "format"):  # "kitchens" names "Kitchen", "toy" names "Toys"
            spellings |= {spelling + "s" for spelling in spellings}
            spellings |= {spelling[:-1] for spelling in spellings if spelling.endswith("s") and len(spelling) > 3}
        names = "|".join(re.escape(spelling) for spelling in sorted(spellings, key=len, reverse=True))
        # "the validate stage", "the Hooli brand", "Kitchen and Garden categories"
        while match := q.take(rf"({_NEGATIONS}|non-)?(?:the )?(?:{names})(?: (?:{column_words}))?"):
            _add(intent, Condition(column, "!=" if match.group(1) else "=", value))


def _take_run_status(q: QuestionText, intent: Intent) -> None:
    """"failed runs", "runs that finished", "crawls still running": the runs subject with a status; "embedded" or
    "distributed" (mode) runs."""
    if match := q.take(r"(?:in |on |with )?(?:the )?(embedded|distributed)(?: mode)?"):
        intent.subject = "runs"
        _add(intent, Condition("mode", "=", match.group(1)))
    statuses = "|".join(sorted(_RUN_STATUS, key=len, reverse=True))
    runs = r"(?:crawl )?(?:runs?|crawls?)"
    match = q.take(rf"({statuses}) {runs}") or q.take(
        rf"{runs} (?:that |which )?(?:have |has |had |were |was |are |is |did )?({statuses})")
    if match:
        intent.subject = "runs"
        _add(intent, Condition("status", "=", _RUN_STATUS[match.group(1)]))


def _take_discount(q: QuestionText, intent: Intent) -> None:
    """"on sale", "discounted", "marked down": a product whose earlier (strike-through) price is above its price."""
    if q.take(r"(?:are |is |currently )?(?:on sale|on special|on promotion|discounted|reduced|marked down|"
              r"with (?:a |any )?(?:discount|reduction|markdown)|(?:have|has) (?:a |any )?(?:discount|markdown))"):
        _add(intent, Condition("old_price", ">column", "price"))


def _take_missing(q: QuestionText, intent: Intent) -> None:
    """"without a brand", "no SKU", "missing a category", "brand is unknown", "unbranded": the column is empty;
    "with a GTIN", "that have an old price": it is not."""
    words = "|".join(re.escape(word) for word in sorted(_OPTIONAL, key=len, reverse=True))
    absent = (rf"(?:without|with no|(?:has|have|having) no|no|missing|lacking|lack|lacks|unknown|"
              rf"(?:don't|doesn't|do not|does not|didn't) (?:have|carry|show|list)) "
              rf"(?:an? |any |the )?({words})",
              rf"(?:whose |where (?:the )?|with (?:an? )?)?({words}) (?:is |are )?(?:missing|empty|unknown|blank|null|"
              r"not set|not known)")
    for pattern in absent:
        while match := q.take(pattern):
            _add(intent, Condition(_OPTIONAL[match.group(1)], "null"))
    if q.take(r"unbranded"):
        _add(intent, Condition("brand", "null"))
    if q.take(r"uncategori[sz]ed"):
        _add(intent, Condition("category", "null"))
    while match := q.take(rf"(?:with|that (?:have|has)|which (?:have|has)|having|(?:has|have)) (?:an? |any )?({words})"
                          rf"(?! (?:{_BELOW}|{_ABOVE}|between|of))"):
        _add(intent, Condition(_OPTIONAL[match.group(1)], "not_null"))


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
    # "a list price above 100", "was price over 50": the earlier (strike-through) price
    old = r"(?:with |having |whose )?(?:an? |the )?(?:list|was|original|previous|old|regular|rrp|msrp) price (?:is )?"
    for words, strict, inclusive in ((_BELOW, "<", "<="), (_ABOVE, ">", ">=")):
        while match := q.take(rf"{old}({words}) {_MONEY}"):
            op = inclusive if match.group(1) in _INCLUSIVE else strict
            _add(intent, Condition("old_price", op, _money(match.group(3), match.group(2) or match.group(4), intent)))
    lead = r"(?:(?:that )?(?:cost|costs|costing|priced|selling|sold|with (?:a )?price|price) )?(?:of |at )?"
    if match := q.take(rf"{lead}between {_MONEY} (?:and|to|-) {_MONEY}"):
        low = _money(match.group(2), match.group(1) or match.group(3), intent)
        high = _money(match.group(5), match.group(4) or match.group(6), intent)
        _add(intent, Condition("price", "between", min(low, high), max(low, high)))
    for words, strict, inclusive in ((_BELOW, "<", "<="), (_ABOVE, ">", ">=")):
        while match := q.take(rf"{lead}({words}) {_MONEY}(?!(?: [\w-]+){{0,3}} {_COUNTED})"):
            op = inclusive if match.group(1) in _INCLUSIVE else strict
            _add(intent, Condition("price", op, _money(match.group(3), match.group(2) or match.group(4), intent)))
    # "20 dollars or more", "cost 20 or less": an inclusive bound written after the amount
    while match := q.take(rf"{lead}{_MONEY} (?:or|and) (more|less|above|below|over|under|up|higher|lower|cheaper)"
                          r"(?: expensive)?"):
        op = "<=" if match.group(4) in ("less", "below", "under", "lower", "cheaper") else ">="
        _add(intent, Condition("price", op, _money(match.group(2), match.group(1) or match.group(3), intent)))
    # "that cost exactly 20 dollars", "priced at 15": a price named with a verb of price is an equality.
    exact = (r"(?:that |which )?(?:costs?|costing|priced(?: at)?|selling (?:for|at)|sold (?:for|at)|"
             r"(?:with |at )?(?:a )?price of|(?:whose |where the )?price is) (?:exactly |precisely |just )?")
    while match := q.take(rf"{exact}{_MONEY}(?! (?:products|items|failures|images|runs))"):
        _add(intent, Condition("price", "=", _money(match.group(2), match.group(1) or match.group(3), intent)))


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


_COMPARATIVES = {"wider": ("width", ">"), "narrower": ("width", "<"), "taller": ("height", ">"),
                 "longer": ("seconds", ">"), "quicker": ("seconds", "<"), "faster": ("seconds", "<"),
                 "larger": ("bytes", ">"), "bigger": ("bytes", ">"), "heavier": ("bytes", ">"),
                 "smaller": ("bytes", "<"), "lighter": ("bytes", "<")}
_SIZE_UNITS = ("bytes", "kb", "mb")


def _take_comparatives(q: QuestionText, intent: Intent) -> None:
    """"wider than 500 pixels", "took longer than 60 seconds", "larger than 1 MB". "Larger" and "smaller" are read
    as file size only with a unit of bytes: "larger than 500" could be pixels."""
    words = "|".join(_COMPARATIVES)
    pattern = (rf"(?:are |is |were |was |took |take |lasted |last |ran )?({words}) than ({NUMBER}) ?"
               rf"({'|'.join(_SCALE)})?")
    while match := q.take(pattern):
        column, op = _COMPARATIVES[match.group(1)]
        unit = match.group(3)
        if column == "bytes" and unit not in _SIZE_UNITS:
            raise CannotAnswer(f"{match.group(1)} than {match.group(2)} what? say e.g. '2 MB' for a file size or "
                               "'a width above 500' for pixels")
        _add(intent, Condition(column, op, Decimal(match.group(2)) * _SCALE.get(unit or "", 1)))


def _take_availability(q: QuestionText, intent: Intent) -> None:
    if q.take(r"(?:are |is )?(?:currently )?(?:out[- ]of[- ]stock|sold[- ]out|unavailable|not in stock|"
              r"not available)"):
        _add(intent, Condition("availability", "=", "OutOfStock"))
    if q.take(r"(?:are |is )?(?:currently )?(?:in stock|available to buy|in-stock)"):
        _add(intent, Condition("availability", "=", "InStock"))
    # "products that are available" are in stock; "which brands are available" lists brands
    if not q.has(r"(?:which|what|list|show)(?: the| all)? (?:brands|categories|sites|shops|currencies|formats|stages) "
                 r"(?:are|is) (?:currently |still )?available") \
            and q.take(r"(?:are |is )(?:currently |still )?available(?! (?:in|from|for|at|on))|"
                       r"available(?= [a-z])(?! (?:in|from|for|at|on|to) )"):
        _add(intent, Condition("availability", "=", "InStock"))


def _take_currency(q: QuestionText, intent: Intent) -> None:
    while match := q.take(rf"(?:priced |sold |listed )?(?:in )?({_CURRENCY_WORDS})"):
        _add(intent, Condition("currency", "=", _CURRENCY[match.group(1)]))


__all__ = ["take_conditions"]
