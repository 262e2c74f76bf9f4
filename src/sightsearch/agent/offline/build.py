"""``build_sql``: an ``Intent`` -> SQL for the store's dialect, built as a sqlglot tree from fixed column names and
literal values (never by pasting question text into SQL)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlglot
from sqlglot import exp

from sightsearch.agent.guard import DIALECTS
from sightsearch.agent.offline.intent import CannotAnswer, Condition, Intent

_PRODUCT_COLUMNS = {"title": "p.title", "brand": "p.brand", "category": "p.category", "site": "p.site",
                    "currency": "p.currency", "availability": "p.availability", "price": "p.price",
                    "old_price": "p.old_price", "sku": "p.sku", "gtin": "p.gtin", "mpn": "p.mpn",
                    "description": "p.description", "time": "p.first_seen", "updated": "p.updated_at",
                    "seen": "p.last_seen"}
_SUBJECTS: dict[str, dict[str, Any]] = {
    "products": {"from": "products AS p", "columns": _PRODUCT_COLUMNS,
                 "list": ["p.title", "p.brand", "p.price", "p.currency", "p.availability"]},
    "changes": {"from": "price_history AS cur JOIN price_history AS prev ON prev.product_id = cur.product_id "
                        "AND prev.valid_to = cur.valid_from JOIN products AS p ON p.id = cur.product_id",
                "columns": {**_PRODUCT_COLUMNS, "price": "cur.price", "currency": "cur.currency",
                            "availability": "cur.availability", "time": "cur.valid_from"},
                "list": ["p.title", "prev.price AS old_price", "cur.price AS new_price", "cur.currency",
                         "cur.valid_from AS changed_at"]},
    "history": {"from": "price_history AS h JOIN products AS p ON p.id = h.product_id",
                "columns": {**_PRODUCT_COLUMNS, "price": "h.price", "currency": "h.currency",
                            "availability": "h.availability", "time": "h.valid_from", "product": "h.product_id"},
                "list": ["p.title", "h.price", "h.currency", "h.availability", "h.valid_from", "h.valid_to"]},
    "failures": {"from": "dead_letters AS d",
                 "columns": {c: f"d.{c}" for c in ("stage", "reason", "site", "status", "url")} | {"time": "d.created_at"},
                 "list": ["d.id", "d.stage", "d.reason", "d.site", "d.url", "d.created_at"]},
    "images": {"from": "images AS i",
               "columns": {c: f"i.{c}" for c in ("format", "width", "height", "bytes", "error", "url")}
               | {"time": "i.fetched_at"},
               "list": ["i.url", "i.format", "i.width", "i.height", "i.bytes"]},
    "runs": {"from": "crawl_runs AS r",
             "columns": {c: f"r.{c}" for c in ("status", "mode", "seconds", "id")} | {"time": "r.started_at"},
             "list": ["r.id", "r.status", "r.mode", "r.started_at", "r.seconds"]},
}
_STOCK_LIST = ["p.title", "prev.availability AS was", "cur.availability AS now", "cur.valid_from AS changed_at"]
_CHANGE_WHERE = {"price": "prev.price <> cur.price", "drop": "cur.price < prev.price",
                 "rise": "cur.price > prev.price",
                 "out_of_stock": "prev.availability <> cur.availability AND cur.availability = 'OutOfStock'",
                 "in_stock": "prev.availability <> cur.availability AND cur.availability = 'InStock'",
                 "stock": "prev.availability <> cur.availability"}
_DEFAULT_TARGET = {"products": "price", "changes": "price", "history": "price", "images": "bytes", "runs": "seconds",
                   "failures": None}
_AGGREGATES = {"count": exp.Count, "avg": exp.Avg, "min": exp.Min, "max": exp.Max, "sum": exp.Sum}


def build_sql(intent: Intent, dialect: str) -> str:
    """The SELECT for ``intent`` in ``dialect`` (``sqlite`` or ``postgresql``)."""
    spec = _SUBJECTS[intent.subject]
    columns: dict[str, str] = spec["columns"]
    query = _base(spec["from"])
    for test in _conditions(intent, columns):
        query = query.where(test, copy=False)
    if intent.change:
        query = query.where(_CHANGE_WHERE[intent.change], copy=False)
    if intent.since:
        time = _column(columns, intent.time_column or "time", intent)
        query = query.where(exp.GTE(this=time, expression=_since(*intent.since, dialect)), copy=False)
    query = _shape(query, intent, spec)
    return query.sql(dialect=DIALECTS[dialect])


def _base(source: str) -> exp.Select:
    """``SELECT FROM <source>`` with no columns yet; ``source`` is one of the fixed FROM clauses above."""
    query = sqlglot.parse_one(f"SELECT 1 FROM {source}", read="postgres")
    assert isinstance(query, exp.Select)
    query.set("expressions", [])
    return query


def _column(columns: dict[str, str], name: str, intent: Intent) -> exp.Column:
    if name not in columns:
        raise CannotAnswer(f"{intent.subject} have no {name}")
    table, column = columns[name].split(".")
    return exp.column(column, table=table)


def _literal(value: Any) -> exp.Expression:
    if isinstance(value, Decimal | int | float):
        return exp.Literal.number(str(value))
    return exp.Literal.string(str(value))


def _conditions(intent: Intent, columns: dict[str, str], conditions: list[Condition] | None = None
                ) -> list[exp.Expression]:
    """The tests of ``conditions`` (by default the intent's), ANDed. Several values named for one column are
    alternatives: "Acme or Globex products" (and "Acme and Globex products") are products of either brand, never of
    both; "not Acme, not Globex" neither."""
    conditions = intent.conditions if conditions is None else conditions
    named: dict[tuple[str, str], list[Any]] = {}
    for c in conditions:
        if c.op in ("=", "!="):
            named.setdefault((c.column, c.op), []).append(c.value)
    if any((column, "!=") in named for column, op in named if op == "="):
        raise CannotAnswer("the question both names and excludes values of one column; say which to keep")
    tests: list[exp.Expression] = []
    for c in conditions:
        column = _column(columns, c.column, intent)
        if c.op not in ("=", "!="):
            tests.append(_condition(c, column, columns, intent))
        elif (values := named.pop((c.column, c.op), None)) is not None:  # the first of a column's names
            if len(values) == 1:
                tests.append(_condition(c, column, columns, intent))
            elif c.op == "=":
                tests.append(exp.In(this=column, expressions=[_literal(value) for value in values]))
            else:  # "neither Acme nor Globex": a product of no known brand is neither
                within = exp.In(this=column.copy(), expressions=[_literal(value) for value in values])
                tests.append(exp.paren(exp.or_(exp.Is(this=column, expression=exp.Null()), exp.Not(this=within))))
    return tests


def _condition(c: Condition, column: exp.Column, columns: dict[str, str], intent: Intent) -> exp.Expression:
    # "!=" is null-safe: "products not from Acme" include those of no known brand
    if c.op == "title_in":  # titles, lower case, that a name in the question matched as whole words
        return exp.In(this=exp.Lower(this=column), expressions=[exp.Literal.string(title) for title in c.value])
    if c.op == "same_text":
        return exp.EQ(this=exp.Lower(this=column), expression=exp.Literal.string(str(c.value).lower()))
    if c.op == ">column":
        return exp.GT(this=column, expression=_column(columns, c.value, intent))
    if c.op == "like":
        pattern = "%" + str(c.value).replace("%", "").replace("_", "") + "%"
        return exp.Like(this=exp.Lower(this=column), expression=exp.Literal.string(pattern))
    if c.op == "between":
        return exp.Between(this=column, low=_literal(c.value), high=_literal(c.value2))
    if c.op in ("null", "not_null"):
        test = exp.Is(this=column, expression=exp.Null())
        return test if c.op == "null" else exp.Not(this=test)
    operators = {"=": exp.EQ, "!=": exp.NullSafeNEQ, "<": exp.LT, "<=": exp.LTE, ">": exp.GT, ">=": exp.GTE}
    return operators[c.op](this=column, expression=_literal(c.value))


def _since(amount: int, unit: str, dialect: str) -> exp.Expression:
    if dialect == "sqlite":
        return exp.Anonymous(this="DATETIME", expressions=[exp.Literal.string("now"),
                                                           exp.Literal.string(f"-{int(amount)} {unit}")])
    return exp.Sub(this=exp.CurrentTimestamp(),
                   expression=exp.Interval(this=exp.Literal.string(f"{int(amount)} {unit}")))


def _shape(query: exp.Select, intent: Intent, spec: dict[str, Any]) -> exp.Select:
    columns: dict[str, str] = spec["columns"]
    value = _measure(intent, columns)
    group = _column(columns, intent.group_by, intent) if intent.group_by else None
    if group is not None and intent.order and intent.order[0] == "value":
        # "the least common category" is a category: products without one are no group to rank
        query = query.where(exp.Not(this=exp.Is(this=group.copy(), expression=exp.Null())), copy=False)
    if intent.measure == "list":
        listed = _STOCK_LIST if intent.change in ("out_of_stock", "in_stock", "stock") else spec["list"]
        query = query.select(*listed, dialect="postgres", copy=False)
        if group is not None:
            query = query.select(group.copy(), copy=False)
    elif intent.measure == "distinct":  # "which brands": the names there are, not a blank among them
        query = query.select(value, copy=False).distinct(copy=False).order_by(value.copy(), copy=False)
        query = query.where(exp.Not(this=exp.Is(this=value.copy(), expression=exp.Null())), copy=False)
    else:
        if group is not None:
            query = query.select(group, copy=False).group_by(group.copy(), copy=False)
        query = query.select(exp.alias_(value, "value"), copy=False)
        for measure in intent.also:  # "the lowest and highest price": one more aggregate of the same target
            extra = _measure(Intent(subject=intent.subject, measure=measure, target=intent.target), columns)
            query = query.select(exp.alias_(extra, f"{measure}_value"), copy=False)
        if intent.having:
            op = {">": exp.GT, "<": exp.LT, ">=": exp.GTE, "<=": exp.LTE}[intent.having[0]]
            query = query.having(op(this=exp.Count(this=exp.Star()), expression=exp.Literal.number(intent.having[1])),
                                 copy=False)
    return _order(query, intent, columns, group)


def _measure(intent: Intent, columns: dict[str, str]) -> exp.Expression:
    if intent.measure in ("list",):
        return exp.Star()
    if intent.measure in ("distinct", "count_distinct"):
        column = _column(columns, intent.target or "", intent)
        return column if intent.measure == "distinct" else exp.Count(this=exp.Distinct(expressions=[column]))
    if intent.measure == "count":
        return exp.Count(this=exp.Star())
    if intent.measure == "percent":  # 100 * (rows meeting the share's tests) / rows; no rows: NULL, not an error
        tests = _conditions(intent, columns, intent.share)
        hit = exp.Case().when(exp.and_(*tests), exp.Literal.number(1)).else_(exp.Literal.number(0))
        share = exp.Mul(this=exp.Literal.number("100.0"), expression=exp.Sum(this=hit))
        return exp.Div(this=share, expression=exp.Nullif(this=exp.Count(this=exp.Star()),
                                                          expression=exp.Literal.number(0)))
    target = intent.target or _DEFAULT_TARGET[intent.subject]
    if target is None:
        raise CannotAnswer(f"{intent.measure} of what? {intent.subject} have no price")
    # No ROUND here: the answer rounds for display, the rows keep the exact value.
    return _AGGREGATES[intent.measure](this=_column(columns, target, intent))


def _order(query: exp.Select, intent: Intent, columns: dict[str, str], group: exp.Column | None) -> exp.Select:
    if intent.order:
        name, descending = intent.order
        key: exp.Expression = exp.column("value") if name == "value" else _column(columns, name, intent)
        if name != "value" and intent.measure not in ("list",):
            raise CannotAnswer("an order by a column only applies to a list")
        query = query.order_by(exp.Ordered(this=key, desc=descending), copy=False)
    elif group is not None:
        query = query.order_by(group.copy(), copy=False)
    if intent.limit:
        query = query.limit(intent.limit, copy=False)
    return query


__all__ = ["build_sql"]
