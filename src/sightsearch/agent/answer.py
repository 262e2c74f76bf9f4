"""A short plain-language answer from a result: the value when there is one, else a count and the first rows."""

from __future__ import annotations

from sightsearch.agent.executor import QueryResult, json_value

_SHOWN = 5


def _cell(value: object) -> str:
    shown = json_value(value)
    if isinstance(shown, float):
        return f"{shown:,.2f}".rstrip("0").rstrip(".") if abs(shown) >= 0.01 else f"{shown:g}"
    return "none" if shown is None else str(shown)


def summarize(result: QueryResult) -> str:
    """One sentence for one value, else "N rows" and up to five of them, marked when the rows were truncated."""
    if not result.rows:
        return "No rows match."
    if len(result.rows) == 1 and len(result.columns) == 1:
        return f"{result.columns[0]}: {_cell(result.rows[0][0])}"
    noun = "row" if len(result.rows) == 1 else "rows"
    count = f"{len(result.rows)}+ {noun} (truncated)" if result.truncated else f"{len(result.rows)} {noun}"
    shown = "; ".join(", ".join(_cell(v) for v in row) for row in result.rows[:_SHOWN])
    more = " ..." if len(result.rows) > _SHOWN else ""
    return f"{count}: {shown}{more}"


__all__ = ["summarize"]
