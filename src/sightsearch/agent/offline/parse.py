"""``parse_question``: plain English about the catalogue -> an ``Intent``, or ``CannotAnswer`` (never a guess)."""

from __future__ import annotations

import re

from sightsearch.agent.offline.filters import take_conditions
from sightsearch.agent.offline.intent import CannotAnswer, Condition, Intent
from sightsearch.agent.offline.text import FILLER, WORD_NUMBER, QuestionText, word_number
from sightsearch.agent.offline.vocabulary import Vocabulary

SUGGEST_MODEL = "set SIGHTSEARCH_LLM_MODEL (e.g. openai:gpt-4o-mini, or a local server) for free-form questions"
_WRITES = (r"delete|(?<!price )drop(?! in prices?)|truncate|insert|update|modify|alter|erase|wipe|grant|revoke|remove|rename|overwrite|"
           r"set the|change the|api.?keys?|passwords?|secrets?|tokens?|credentials?|hash(?:es)?|alembic|"
           r"ignore (?:all |the |your )?(?:previous |prior )?instructions")
_DIMENSIONS = {"brand": "brand", "brands": "brand", "category": "category", "categories": "category",
               "site": "site", "sites": "site", "shop": "site", "shops": "site", "domain": "site", "domains": "site",
               "currency": "currency", "currencies": "currency", "availability": "availability",
               "stock status": "availability", "stage": "stage", "stages": "stage", "reason": "reason",
               "reasons": "reason", "status": "status", "statuses": "status", "format": "format",
               "formats": "format", "mode": "mode", "modes": "mode"}
_DIMENSION_WORDS = "|".join(sorted(_DIMENSIONS, key=len, reverse=True))
_TARGETS = {"price": "price", "prices": "price", "cost": "price", "value": "price", "worth": "price", "width": "width",
            "height": "height", "size": "bytes", "file size": "bytes", "bytes": "bytes", "duration": "seconds", "seconds": "seconds",
            "time": "seconds"}
_TARGET_WORDS = "|".join(sorted(_TARGETS, key=len, reverse=True))
_MEASURES = (("avg", r"average|mean|avg|typical"), ("min", r"minimum|min|lowest|smallest"),
             ("max", r"maximum|max|highest|largest|biggest"), ("sum", r"sum of|sum|combined|total"))
_MEASURE_WORDS = "|".join(words for _, words in _MEASURES)
# What a group is ranked by: "by number of products", "by product count", "by average price", "with the most items".
# The subject's noun is usually gone by then ("products" is read first), so it is optional here.
_RANK = (r"(?:(?:the )?(?:number|count)(?: of(?: (?:products?|items?|goods|offers?|listings?|images?|failures?|runs?|"
         r"entries))?)?|(?:product |item )?count|(?:most )?(?:products|items)|"
         rf"(?:(?:{_MEASURE_WORDS}) )?(?:{_TARGET_WORDS}))")
# The time a window bounds, when the question names one ("updated in the last week", "added today").
_TIME_VERBS = {"updated": "updated", "modified": "updated", "added": "time", "new": "time", "first seen": "time",
               "created": "time", "recorded": "time", "started": "time", "logged": "time",
               "discovered": "time", "last seen": "seen", "seen": "seen"}


def parse_question(question: str, vocabulary: Vocabulary) -> Intent:
    """The intent of ``question``; raises ``CannotAnswer`` for writes, secrets or any word it did not understand."""
    q = QuestionText(question)
    if re.search(rf"\b(?:{_WRITES})\b", re.sub(r"'[^']*'|\"[^\"]*\"", " ", q.text)):  # quoted words are data
        raise CannotAnswer("I only read the product data: I do not change, delete or reveal anything else")
    if re.search(r"\bsold\b(?! (?:out|by|in|for|at|on|from|through|as|under|over))|\b(?:sales|units|revenue)\b",
                 q.raw):
        raise CannotAnswer("the store records prices and stock, not sales; " + SUGGEST_MODEL)
    if re.search(r"\d\s*%", q.raw):  # "discounted by more than 20%": a relative amount the builder does not write
        raise CannotAnswer("I cannot read a percentage as a bound offline; " + SUGGEST_MODEL)
    intent = Intent()
    _take_group_bound(q, intent)  # "brands with more than 3 kitchen products": a count per brand, not a price
    _take_share(q, vocabulary, intent)  # "what percentage of X are Y": Y is read on its own
    _take_change(q, intent)  # before the conditions: "went out of stock" is a change, not a stock filter
    take_conditions(q, vocabulary, intent)
    if intent.since and (match := q.take(r"(?:were |was |that were |which were |got |have been |has been )?"
                                         rf"({'|'.join(sorted(_TIME_VERBS, key=len, reverse=True))})")):
        intent.time_column = _TIME_VERBS[match.group(1)]
    if intent.change and any(c.column == "price" for c in intent.conditions) and re.search(
            r"\b(?:drops?|rises?|increases?|decreases?|cuts?|changes?|reductions?|hikes?) (?:of|by|over|above|below|"
            r"under|more than|less than|at least|at most|greater than|bigger than)\b", q.raw):
        raise CannotAnswer("the size of a price change is not a bound I write offline; " + SUGGEST_MODEL)
    if intent.subject == "products" and not intent.change and re.search(
            r"\b(?:ever|all[- ]time|historic(?:al|ally)?)\b|\bprices? (?:have been |were |ever )?recorded", q.raw):
        intent.subject = "history"  # "the highest price ever recorded": every recorded price, not today's
    if (intent.since and intent.time_column is None and not intent.change
            and re.search(r"\b(?:today|this week|this month)\b", q.raw) and re.search(r"\b(?:are|is)\b", q.raw)
            and not re.search(r"\b(?:were|was|went|became|got|had|did)\b", q.raw)):
        intent.since = None  # "how many products are in stock today": now, not products first seen today
    if intent.since and intent.time_column is None and intent.subject == "products" and any(
            c.column in ("availability", "price") for c in intent.conditions):
        # "how many products were out of stock last week": a state at a past time, not products first seen then
        raise CannotAnswer("a past state needs the price history as of that time; " + SUGGEST_MODEL)
    _take_subject(q, intent)
    _take_shape(q, intent)
    _take_title_phrase(q, vocabulary, intent)
    if re.match(r"\s*(?:is|are|was|were|does|do|did|has|have)\b", q.raw) and intent.measure == "list" and any(
            c.op == "title_in" for c in intent.conditions):
        # "Is the X in stock?" asks for X's stock, not for X only if it is in stock: the row answers yes or no
        intent.conditions = [c for c in intent.conditions if c.column == "title"]
    if intent.subject == "history" and intent.measure == "count" and re.search(r"\b(?:products|items)\b", q.raw):
        intent.measure, intent.target = "count_distinct", "product"  # "how many products were ever out of stock"
    if intent.measure in ("distinct", "count_distinct") and (any(c.op == "!=" for c in intent.conditions) or re.search(
            r"\b(?:only|exclusively|none|nothing)\b|\b(?:have|has|had|with|sell|sells) (?:all|every|no)\b|"
            r"\ball (?:of )?(?:their|its)\b|\bevery (?:product|item|one)\b", q.raw)):
        # "which brands are not in the kitchen category" asks about brands, not about rows: a query of groups
        raise CannotAnswer("that asks about whole groups (none, only, all of them); " + SUGGEST_MODEL)
    leftover = q.leftover()
    if leftover:
        raise CannotAnswer(f"I cannot answer that offline without guessing (not understood: {' '.join(leftover)}); "
                           + SUGGEST_MODEL)
    _settle_subject(intent)
    return intent


_SHARE_VERB = re.compile(r" (?:are|is|were|was|have|has|had|that|which|cost|costs|costing|priced|sold|come|comes) ")
_SHARE_NOUN = re.compile(r" (?:products?|items?|goods|offers?|listings?|images?|pictures?|photos?|(?:crawl )?runs?|"
                         r"crawls?|failures?|dead letters?)(?= )")


def _title_form(word: str, words: frozenset[str]) -> str | None:
    """``word`` as it is spelled in titles: itself, or its singular ("tents", "boxes")."""
    for form in (word, word[:-1] if word.endswith("s") else "", word[:-2] if word.endswith("es") else ""):
        if len(form) > 1 and form in words:
            return form
    return None


# Words that ask for a ranking or a measure the store does not keep; a title may contain them ("Best Kettle"), but a
# question using them asks something else ("the best selling product"), so they never name a product.
_NOT_NAMES = frozenset("""best worst top popular popularity trending selling seller sellers bestseller bestsellers
rated rating ratings review reviews good great bad nice new newest old oldest recent cheap expensive big bigger small
smaller large high low median margin profit profits units sold sales revenue visitors customers orders buyers
similar like same different other others set""".split())


_BEFORE_VERBS = frozenset("we i you they do does did can could would should will to not".split())
# A name matching more titles than this is looked up as a substring of the title instead of a list of titles.
_MAX_TITLES_LISTED = 100


def _take_title_phrase(q: QuestionText, vocabulary: Vocabulary, intent: Intent) -> None:
    """Words nothing else read, when every one of them is a word of product titles and each run of them occurs in a
    title ("the price of the Pro Steel Light Strip", "how many saucepans"): products whose title contains the run.
    One word that is no title word leaves the question refused, as before."""
    leftover = q.leftover()
    if not leftover or not vocabulary.title_words:
        return
    if any(word in _NOT_NAMES or _title_form(word, vocabulary.title_words) is None for word in leftover):
        return
    runs: list[list[str]] = [[]]
    joins: list[set[str]] = [set()]  # the words between a run and the next
    previous = ""
    for word in re.findall(r"[\w'.:-]+", q.text):
        word = word.strip(".'")
        form = None if word in FILLER else _title_form(word, vocabulary.title_words)
        if form is None:
            if runs[-1]:
                runs.append([])
                joins.append(set())
            joins[-1].add(word)
        else:
            if not runs[-1] and previous in _BEFORE_VERBS:
                return  # "how many brands do we monitor": a verb, not a product
            runs[-1].append(form)
        previous = word
    phrases = [" ".join(run) for run in runs if run]
    spaced = list(zip(vocabulary.titles, vocabulary.spaced_titles, strict=True))
    matching = [[title for title, words in spaced if f" {phrase} " in words] for phrase in phrases]
    if not all(matching):
        return  # each run must be whole words of some title ("car" is no part of "carbon")
    for phrase in phrases:
        q.take(r"\s*".join(rf"{re.escape(word)}\w*" for word in phrase.split()))
    # Runs joined by "and"/"or" ("kettles and saucepans", "the X and the Y") are alternatives, others all hold.
    groups: list[list[int]] = [[0]]
    for index in range(1, len(phrases)):
        between = joins[index]  # the words between run index - 1 and run index
        if between and between <= {"and", "or", "the", "a", "an"} and between & {"and", "or"}:
            groups[-1].append(index)
        else:
            groups.append([index])
    for group in groups:
        titles = sorted({title for index in group for title in matching[index]})
        if len(titles) <= _MAX_TITLES_LISTED:
            intent.conditions.append(Condition("title", "title_in", tuple(titles)))
        elif len(group) == 1:
            intent.conditions.append(Condition("title", "like", phrases[group[0]]))
        else:
            raise CannotAnswer(f"{' or '.join(phrases)} match too many products to list; ask about one at a time")


def _take_share(q: QuestionText, vocabulary: Vocabulary, intent: Intent) -> None:
    """"What percentage of Hooli products are out of stock": the percentage of the rows the rest of the question
    selects (Hooli products) that also meet what follows the verb (out of stock), or the noun ("percentage of runs
    failed"). Only "percent(age)": "share" or "proportion" could be asked as a fraction, and a wrong scale is a
    wrong answer."""
    share = re.search(r" (?:what(?:'s| is| are)? |the )?(?:percentage|percent|pct|%) (?:of )?", q.text)
    if share is None:
        return
    split = _SHARE_VERB.search(q.text, share.end() - 1)
    if split and split.group(0).strip() in ("that", "which"):
        # "of products that cost over 100 are in stock": the clause belongs to the base; the counted part starts at
        # the main verb, the last one (a verb right after "that" is the clause's own)
        mains = [m for m in re.finditer(r" (?:are|is|were|was|have|has|had) ", q.text) if m.start() > split.end()]
        if not mains:
            raise CannotAnswer("a percentage of which rows, meeting what? " + SUGGEST_MODEL)
        split = mains[-1]
    noun = _SHARE_NOUN.search(q.text, share.end() - 1)
    if split is None and noun is None:
        raise CannotAnswer("a percentage of what, meeting what? e.g. 'what percentage of products are in stock'; "
                           + SUGGEST_MODEL)
    # The counted part keeps the noun when there is no verb: "runs failed" is a run status.
    counted_from, rest_to = (split.start(), split.start()) if split else (noun.start(), noun.end())  # type: ignore
    part = QuestionText(q.text[counted_from:])
    grouping = part.take(rf"(?:broken down by|grouped by|by|per|for each|for every|in each) (?:{_DIMENSION_WORDS})")
    take_conditions(part, vocabulary, counted := Intent())
    part.take(_SHARE_NOUN.pattern.strip())
    named = {c.column for c in counted.conditions if c.column in ("brand", "category", "site", "stage", "format")}
    if named and {c.column for c in counted.conditions} - named:
        # "percentage of products out of stock in the Kitchen category": of Kitchen products, or of all products?
        raise CannotAnswer("I cannot tell offline which rows are the base of that percentage; name them before the "
                           "verb ('what percentage of Kitchen products are out of stock')")
    if part.leftover() or not counted.conditions or counted.since:
        raise CannotAnswer("I cannot tell offline which rows the percentage counts "
                           f"(not understood: {' '.join(part.leftover()) or 'no condition'}); " + SUGGEST_MODEL)
    q.text = (q.text[: share.start()] + " " + q.text[share.end(): rest_to] + " "
              + (grouping.group(0) + " " if grouping else ""))
    intent.measure, intent.share = "percent", counted.conditions
    if counted.subject != "products":
        intent.subject = counted.subject


def _take_change(q: QuestionText, intent: Intent) -> None:
    changes = (("drop", (r"price (?:drops?|cuts?|decreases?|reductions?)|got cheaper|became cheaper|"
                         r"dropped (?:in |their |its )?price|went down in price|prices? (?:went|go|gone) down")),
               ("rise", (r"price (?:increases?|rises?|hikes?)|got (?:more expensive|pricier)|"
                         r"went up in price|prices? (?:went|go|gone) up|increased (?:in |their |its )?price")),
               ("price", (r"price changes?|changed (?:in |their |its )?prices?|prices? (?:changed|changes)|"
                          r"changes? (?:in|of) price|repriced")),
               ("out_of_stock", r"(?:went|go|gone|going|ran|became|become) (?:from in[- ]stock to )?"
                                r"(?:out[- ]of[- ]stock|unavailable)|(?:(?<=products )|(?<=items )|(?<=that )|"
                                r"(?<=which ))sold out"),
               ("in_stock", r"(?:came |come |are |is )?back in stock|restocked|"
                            r"(?:went|go|gone|came|come) from out[- ]of[- ]stock to in[- ]stock"),
               ("stock", r"(?:stock|availability) changes?|changed (?:their |its )?(?:stock|availability)"))
    if q.take(r"(?:the )?(?:price history|history of (?:the |its |their )?prices?|prices? over time|past prices|"
              r"price observations?|historical prices)"):
        intent.subject = "history"  # every recorded price, changed or not
        return
    for change, pattern in changes:
        if q.take(pattern):
            intent.subject, intent.change = "changes", change
            return


def _take_subject(q: QuestionText, intent: Intent) -> None:
    subjects = (("images", (r"(?:failed|broken|missing) (?:images?|pictures?|photos?)|images? (?:that )?failed"
                            r"(?: to (?:download|load))?|images? (?:with|having) (?:an? )?(?:errors?|failures?)|"
                            r"image (?:download )?(?:failures|errors)"), Condition("error", "not_null")),
                ("failures", (r"failures?|failed (?:records?|pages?|products?)|dead.?letters?|rejects?|"
                              r"(?:pages?|records?|products?|items?) (?:that )?(?:fail(?:ed|s)?|got rejected)|"
                              r"rejected(?: records?| pages?| products?)?|errors?|problems?"), None),
                ("images", r"images?|pictures?|photos?", None), ("runs", r"(?:crawl )?runs?|crawls?", None),
                ("products", r"products?|items?|goods|offers?|listings?|things", None))
    owners = r"(?:products?|items?|goods|offers?|listings?)"
    for subject, pattern, condition in subjects:
        if subject != "products" and (
                q.has(rf"{owners} (?:that |which )?(?:with|without|missing|lacking|having|have|has|had) "
                      rf"(?:no |an? |any )?(?:{pattern})")
                or q.has(rf"{owners} (?:are |is |were |that are |which are )(?:missing|lacking|without) (?:any )?"
                         rf"(?:{pattern}|images?|pictures?|photos?)")):
            # "products with an image": the noun is a condition on another subject, which this parser cannot join
            raise CannotAnswer(f"I cannot tell offline whether you ask about {subject} or what has them; "
                               + SUGGEST_MODEL)
        if q.take(pattern):
            if intent.subject == "products":
                intent.subject = subject
            if condition is not None:
                intent.conditions.append(condition)
            break


def _take_shape(q: QuestionText, intent: Intent) -> None:
    """Measure, grouping, order and limit."""
    q.take(r"(?:who|which company|what company) (?:makes|made|manufactures|produces)|(?:makes|made|manufactures) it")
    if q.take(r"why(?: (?:did|do|does|were|was|are|is|have|has))?"):  # "why did pages fail validation": the reasons
        intent.subject, intent.measure, intent.target = "failures", "distinct", "reason"
    if match := q.take(rf"(?:the )?({_TARGET_WORDS}) range|range of (?:the )?({_TARGET_WORDS})"):
        intent.measure, intent.also, intent.target = "min", ["max"], _TARGETS[match.group(1) or match.group(2)]
    _take_group(q, intent)
    if intent.measure == "percent":  # "the percentage of the total number of products": the base, said again
        q.take(r"(?:the )?(?:total )?(?:number|count) of")
        if q.has(rf"(?:{_MEASURE_WORDS}) (?:{_TARGET_WORDS})|value|worth"):
            raise CannotAnswer("a percentage of a sum or an average is not one I write offline; " + SUGGEST_MODEL)
    elif match := q.take(rf"(?:how many|number of|count of|count) (?:different |distinct )?({_DIMENSION_WORDS})"):
        intent.measure, intent.target = "count_distinct", _DIMENSIONS[match.group(1)]
    elif q.take(r"(?:how many|number of|count of|count) (?:different|distinct|unique) prices?"):
        intent.measure, intent.target = "count_distinct", "price"
    elif q.has(r"how much") and (q.has(r"costs?|priced|worth|price") or q.has(r"how much (?:is|are|was|were)")):
        # "how much does the X cost", "how much is the X": its price (a change's size is no price)
        if intent.subject in ("changes",) or intent.change:
            raise CannotAnswer("the size of price changes is not a sum I write offline; " + SUGGEST_MODEL)
        q.take(r"how much(?: (?:does|do|is|are|did|would))?")
        if q.take(r"together|combined|altogether|in total|in all"):
            intent.measure, intent.target = "sum", "price"
    elif q.take(r"how many|total number of|number of|count of|count|how much"):
        intent.measure = "count"
    if intent.measure == "list" and (match := q.take(r"(which|what|list(?: all)?(?: the)?|distinct|show) "
                                                     rf"({_DIMENSION_WORDS})")):
        intent.measure, intent.target = "distinct", _DIMENSIONS[match.group(2)]
    _take_price_rank(q, intent)
    several = rf"(?:{_MEASURE_WORDS})(?: (?:the )?(?:{_MEASURE_WORDS}))*(?: and| &| or) (?:the )?(?:{_MEASURE_WORDS})"
    if match := q.take(rf"(?:the )?({several}) "
                       rf"(?:of )?(?:the )?({_TARGET_WORDS})"):  # "the lowest and highest price"; an "and" is
        # needed: "the lowest average price" is one ranking, not two measures
        measures = [_measure_of(word) for word in re.findall(rf"\b(?:{_MEASURE_WORDS})\b", match.group(1))]
        measures = list(dict.fromkeys(measures))
        intent.measure, intent.also, intent.target = measures[0], measures[1:], _TARGETS[match.group(2)]
    for measure, words in _MEASURES if intent.measure != "percent" and (intent.measure == "list" or not intent.also) \
            else ():
        if match := q.take(rf"(?:the )?(?:{words}) (?:(?:of )?all (?:the )?)?({_TARGET_WORDS})"):
            intent.measure, intent.target = measure, _TARGETS[match.group(1)]
            break
    q.take(rf"(?:with|whose|where|having) (?:the |a |an )?(?:{_DIMENSION_WORDS})(?: is| of| =)?")  # its value was read
    if intent.measure == "list" and (match := q.take(rf"({_DIMENSION_WORDS})")):
        intent.measure, intent.target = "distinct", _DIMENSIONS[match.group(1)]  # "what are the failure reasons"
    if q.take(r"how long(?: (?:did|does|do|has|have))?") and q.take(r"take|took|lasted|taken"):
        intent.subject, intent.target = "runs", "seconds"
    _take_order(q, intent)
    if intent.measure == "list" and intent.group_by and not intent.order and not re.search(
            r"\b(?:list|show|display|sort|sorted|order|ordered|arrange)\b", q.raw):
        intent.measure = "count"  # "products per category", "failures by stage": how many in each
    if intent.measure == "list" and intent.order and intent.group_by:
        # "the cheapest product per brand" is one row per brand: a query this parser does not build
        raise CannotAnswer("the first of each group needs a window query; " + SUGGEST_MODEL)
    if intent.measure == "distinct" and intent.order and re.search(
            rf"\b(?:which|what) (?:{_DIMENSION_WORDS}) (?:has|have|had|is|are)\b", q.raw):
        # "which category has the cheapest products": a ranking of groups by their rows, not one this parser builds
        raise CannotAnswer("that ranks groups by their cheapest or latest rows; " + SUGGEST_MODEL)
    if intent.measure == "distinct" and intent.order and intent.group_by is None:
        intent.measure, intent.target = "list", None  # "the status of the latest run": that run's row
    q.take(r"in (?:bytes|seconds|pixels)")  # a unit the column already has
    if intent.measure == "list" and intent.order:
        q.take(_TARGET_WORDS)  # "the duration of the latest run": the listed row shows it
    if intent.measure in ("avg", "min", "max", "sum") and intent.target is None:
        raise CannotAnswer(f"{intent.measure} of what? name a column such as price; " + SUGGEST_MODEL)


_BOUNDS = {"more than": ">", "over": ">", "fewer than": "<", "less than": "<", "under": "<", "at least": ">=",
           "at most": "<=", "or more": ">=", "or fewer": "<=", "or less": "<="}


def _take_group_bound(q: QuestionText, intent: Intent) -> None:
    """"which brands have more than 15 products", "categories with 20 or more out-of-stock items": the groups whose
    count passes a bound. Read before the conditions, so that the number is no price and what follows it ("out of
    stock", "kitchen", "kettles") still selects the rows counted."""
    match = q.take(rf"(?:which |what |the |list (?:the )?)?({_DIMENSION_WORDS}) (?:that |which )?(?:have|has|had|with|"
                   r"having|sell|sells|carry|carries|offer|offers) (?:(more than|over|fewer than|less than|under|"
                   rf"at least|at most) ({WORD_NUMBER})|({WORD_NUMBER}) (or more|or fewer|or less))(?! ?[$€£]| dollars?"
                   r"| euros?| pounds?| usd| eur| gbp)")
    if match:
        if re.search(r"\bhow many\b", q.raw) or q.has(r"and (?:sell|sells|are|is|have|has|an?|also)"):
            # "how many brands have more than 15 products" counts groups; "... and sell kettles" is a second test
            # of the group: both need a query over the groups
            raise CannotAnswer("that counts or tests whole groups; " + SUGGEST_MODEL)
        intent.group_by, intent.measure = _DIMENSIONS[match.group(1)], "count"
        intent.having = (_BOUNDS[match.group(2) or match.group(5)], word_number(match.group(3) or match.group(4)))


def _measure_of(word: str) -> str:
    return next(measure for measure, words in _MEASURES if re.fullmatch(words, word))


def _take_group(q: QuestionText, intent: Intent) -> None:
    # "the top 3 brands by number of products", "the 5 categories with the highest average price"
    match = q.take(rf"(?:the )?(?:(top|bottom) )?({WORD_NUMBER}) ({_DIMENSION_WORDS}) (?:ranked )?"
                   rf"(?:by|with the (most|fewest|highest|lowest|largest|smallest)) (?:the )?({_RANK})")
    if match:
        intent.group_by, intent.limit = _DIMENSIONS[match.group(3)], word_number(match.group(2))
        intent.order = ("value", match.group(1) != "bottom" and match.group(4) not in ("fewest", "lowest", "smallest"))
        ranked = match.group(5)
        if target := re.search(rf"\b({_TARGET_WORDS})$", ranked):
            measure = re.match(rf"(?:the )?({_MEASURE_WORDS})\b", ranked)
            if measure is None and match.group(4) is None:
                raise CannotAnswer(f"rank by which {target.group(1)}: average, lowest or highest? " + SUGGEST_MODEL)
            intent.measure = _measure_of(measure.group(1)) if measure else ("max" if intent.order[1] else "min")
            intent.target = _TARGETS[target.group(1)]
        else:
            intent.measure = "count"
        return
    match = q.take(rf"(?:broken down by|grouped by|group by|split by|by|per|for each|for every|each|in each) "
                   rf"({_DIMENSION_WORDS}|stores?)")
    if match:
        intent.group_by = _DIMENSIONS.get(match.group(1), "site")  # "per store": per shop
        return
    # "the most common brand", "which category is the least common": the group with the most or fewest rows
    match = (q.take(rf"(?:which|what|the) (?:is |are )?(?:the )?(most|least) (?:common|frequent|usual) "
                    rf"({_DIMENSION_WORDS})")
             or q.take(rf"(?:which|what) ({_DIMENSION_WORDS}) (?:is|are) (?:the )?(most|least) (?:common|frequent)"))
    if match:
        most, dimension = sorted(match.groups(), key=lambda group: group not in ("most", "least"))
        intent.group_by, intent.measure = _DIMENSIONS[dimension], "count"
        # "the most common reason" is one; "the most common reasons" all of them, most common first
        plural = dimension.endswith("s") and dimension not in ("status", "stock status")
        intent.order, intent.limit = ("value", most == "most"), None if plural else 1
        return
    # "which brand has the most products": a group, ordered, top one ("which 3 brands": the top three)
    match = q.take(rf"(?:which|what|the) (?:({WORD_NUMBER}) )?({_DIMENSION_WORDS}) (?:has|have|had|is|are|shows?|show|"
                   r"with) (?:the )?(most|fewest|least|highest|lowest|largest|smallest)")
    if match:
        intent.group_by = _DIMENSIONS[match.group(2)]
        descending = match.group(3) in ("most", "highest", "largest")
        intent.order, intent.limit = ("value", descending), word_number(match.group(1)) if match.group(1) else 1
        if match.group(3) in ("most", "fewest", "least") and not q.has(_TARGET_WORDS):
            intent.measure = "count"
        else:
            intent.measure = "max" if descending else "min"
            if q.take(r"average|mean|avg"):
                intent.measure = "avg"
            elif q.take(r"total|sum of|combined"):  # "the highest total price": the group's sum
                intent.measure = "sum"
            if target := q.take(_TARGET_WORDS):
                intent.target = _TARGETS[target.group(0)]


def _take_price_rank(q: QuestionText, intent: Intent) -> None:
    """"which item has the lowest price", "the images with the largest width": the rows, not the value."""
    columns = {"price": "price", "prices": "price", "cost": "price", "width": "width", "height": "height",
               "file size": "bytes", "size": "bytes", "duration": "seconds"}
    if match := q.take(r"(?:has|have|with) the (lowest|highest|smallest|largest|biggest|longest|shortest) "
                       r"(prices?|cost|width|height|file size|size|duration)"):
        plural = match.group(2) == "prices" or bool(re.search(r"\b(?:products|items|images|runs)\b", q.raw))
        descending = match.group(1) not in ("lowest", "smallest", "shortest")
        intent.order, intent.limit = (columns[match.group(2)], descending), 10 if plural else 1


def _take_order(q: QuestionText, intent: Intent) -> None:
    # "from cheapest to most expensive": the whole list, in that order
    cheap = r"cheapest|lowest(?: price)?|least expensive|low"
    dear = r"most expensive|highest(?: price)?|priciest|dearest|high"
    sorting = r"sorted|sort|ordered|order|ranked|rank|arranged|listed"
    if span := q.take(rf"(?:(?:{sorting}) )?(?:by price )?(?:from |in order from )?(?:the )?"
                      rf"(?:({cheap}) to (?:the )?(?:{dear})|({dear}) to (?:the )?(?:{cheap}))"):
        intent.order = ("price", span.group(2) is not None)
        return
    # "sorted by price", "ordered by price, highest first": the whole list in that order
    if sort := q.take(rf"(?:{sorting}) by (?:the |their |its )?(price|cost)(?: (ascending|asc|"
                      r"descending|desc|(?:from )?(?:lowest|low|cheapest) to (?:highest|high)|(?:from )?(?:highest|high|"
                      r"most expensive) to (?:lowest|low|cheapest)|(?:highest|most expensive) first|(?:lowest|cheapest) "
                      r"first))?"):
        intent.order = ("price", bool(sort.group(2)) and sort.group(2).startswith(("desc", "from high", "high",
                                                                                    "most", "from most")))
    top = q.take(rf"(?:the )?(top|first|bottom) ({WORD_NUMBER})")
    limit = word_number(top.group(2)) if top else None
    # The count before or after the word: "the 5 cheapest", "the cheapest 5" (a number not read as a price).
    after = r"(?: (\d+|two|three|four|five|six|seven|eight|nine|ten|twenty))?"
    expensive = q.take(rf"(?:the )?(?:({WORD_NUMBER}) )?(most expensive|priciest|dearest|highest.priced){after}")
    cheap = q.take(rf"(?:the )?(?:({WORD_NUMBER}) )?(cheapest|least expensive|lowest.priced|most affordable){after}")
    newest = q.take(rf"(?:the )?(?:({WORD_NUMBER}) )?(latest|newest|most recent|last|slowest|longest|fastest){after}")
    if expensive and cheap:
        raise CannotAnswer("the cheapest and the most expensive are two questions; ask them one at a time")
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
            limit = 10 if _plural_after(q.raw, chosen.group(2)) else 1
    elif top:
        if not intent.group_by:
            raise CannotAnswer("top by what? say most expensive, cheapest or latest; " + SUGGEST_MODEL)
        intent.order = ("value", top.group(1) != "bottom")
    if limit is not None:
        intent.limit = limit


def _plural_after(raw: str, words: str) -> bool:
    """Whether the noun after ``words`` (a superlative) is plural: "the cheapest kettles", "the latest changes"; "the
    most expensive of all products" names one."""
    following = re.search(rf"{re.escape(words)}((?: [\w'-]+){{0,3}})", raw)
    for word in (following.group(1).split() if following else []):
        if word in ("of", "one", "is", "was", "in", "for", "from", "by"):
            return False
        if word in FILLER and word not in ("products", "items", "goods", "things", "listings", "entries"):
            continue
        return word.endswith("s") and not word.endswith(("ss", "us", "is"))
    return bool(re.search(r"\b(?:products|items|runs|failures|images|goods)\b", raw))


def _settle_subject(intent: Intent) -> None:
    """A condition only one subject has decides the subject ("jpeg" means images, "validate" failures)."""
    if intent.subject != "images" and any(c.column == "format" for c in intent.conditions):
        intent.subject = "images"
    if intent.subject == "products" and any(c.column == "stage" for c in intent.conditions):
        intent.subject = "failures"


__all__ = ["SUGGEST_MODEL", "parse_question"]
