"""What a question asks, as data: the subject, a measure, groups, conditions, a time window, an order and a limit."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sightsearch.errors import SightSearchError

SUBJECTS = ("products", "changes", "history", "failures", "images", "runs")
MEASURES = ("list", "count", "avg", "min", "max", "sum", "distinct", "count_distinct", "percent")


class CannotAnswer(SightSearchError):
    """The offline parser does not understand the question well enough to answer it without guessing."""


@dataclass(frozen=True)
class Condition:
    """``column op value`` on a logical column (mapped to a real one per subject by the builder)."""

    column: str
    op: str  # "=", "!=", "<", "<=", ">", ">=", "between", "like", "null", "not_null", ">column" (value: a column),
    # "same_text" (equal, any case), "title_in" (value: lower-case titles)
    value: Any = None
    value2: Any = None


@dataclass
class Intent:
    """The parsed question. ``change`` qualifies the ``changes`` subject: price, drop, rise, out_of_stock,
    in_stock or stock. ``order`` is (column or "value" for the measure, descending). ``also`` holds further
    aggregates of the same target ("the lowest and highest price"). ``time_column`` is the time a window bounds
    when the question names one ("updated in the last week"). ``share`` holds the conditions a ``percent``
    measure counts among the rows the other conditions select."""

    subject: str = "products"
    change: str | None = None
    measure: str = "list"
    also: list[str] = field(default_factory=list)
    target: str | None = None
    group_by: str | None = None
    conditions: list[Condition] = field(default_factory=list)
    share: list[Condition] = field(default_factory=list)
    since: tuple[int, str] | None = None
    time_column: str | None = None
    order: tuple[str, bool] | None = None
    limit: int | None = None
    having: tuple[str, int] | None = None

    def describe(self) -> str:
        """A short, plain reading of the intent, shown with the answer."""
        measures = " and ".join([self.measure, *self.also])
        parts = [measures if self.target is None else f"{measures} {self.target}", self.change or self.subject]
        parts += [f"{c.column} {c.op} {c.value}" + (f" and {c.value2}" if c.value2 is not None else "")
                  for c in self.conditions]
        if self.group_by:
            parts.append(f"by {self.group_by}")
        if self.since:
            parts.append(f"in the last {self.since[0]} {self.since[1]}")
        return ", ".join(str(p) for p in parts)


__all__ = ["MEASURES", "SUBJECTS", "CannotAnswer", "Condition", "Intent"]
