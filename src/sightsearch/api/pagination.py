"""Opaque cursors and keyset pagination: stable under ties (the row id breaks them) and under inserts.

A cursor is base64url JSON ``{"s": sort, "v": last sort value, "i": last id}``. NULL sort values (products without
a price) come last in both directions on SQLite and PostgreSQL alike, which order NULLs differently by default.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, case, or_

from sightsearch.api.errors import ApiError

ValueKind = Literal["decimal", "datetime", "str", "int"]
# The largest price a cursor may carry and its finest scale: beyond them PostgreSQL's NUMERIC would overflow.
MAX_DECIMAL = Decimal(10) ** 15
MAX_SCALE = 20
MAX_TEXT_ID = 32  # run ids


@dataclass(frozen=True)
class SortSpec:
    """A sort order: its public name, the column, the direction and how its values go into a cursor."""

    name: str
    column: Any
    id_column: Any
    descending: bool
    kind: ValueKind
    nullable: bool = False
    id_kind: Literal["int", "str"] = "int"

    def order_by(self) -> list[ColumnElement[Any]]:
        """ORDER BY clauses: NULLs last, then the value, then the id, all in this spec's direction."""
        keys = [self.column.desc() if self.descending else self.column.asc(),
                self.id_column.desc() if self.descending else self.id_column.asc()]
        if self.column is self.id_column:
            keys = keys[1:]
        return [case((self.column.is_(None), 1), else_=0).asc(), *keys] if self.nullable else keys

    def after(self, value: Any, last_id: Any) -> ColumnElement[bool]:
        """WHERE clause selecting the rows strictly after ``(value, last_id)`` in this order."""
        if value is None:
            return and_(self.column.is_(None), self._later_id(last_id))
        clause = self._after_value(value, last_id)
        return or_(clause, self.column.is_(None)) if self.nullable else clause

    def segments(self, after: tuple[Any, Any] | None, value: Any = None,
                 last_id: Any = None) -> list[tuple[list[ColumnElement[bool]], list[ColumnElement[Any]]]]:
        """This order as (WHERE clauses, ORDER BY) parts to read one after the other, from the position ``after``
        (None: from the start), compared through the expressions ``value`` and ``last_id``.

        A nullable column is read in two parts, its values then its NULLs, each in an order an index on the
        column gives: one ORDER BY with NULLs last, as ``order_by()`` writes it, makes SQLite sort the whole table.
        """
        keys = self.order_by()[1:] if self.nullable else self.order_by()
        if not self.nullable:
            return [([self.after(value, last_id)] if after is not None else [], keys)]
        id_keys = [self.id_column.desc() if self.descending else self.id_column.asc()]
        if after is not None and after[0] is None:  # already among the NULLs
            return [([self.column.is_(None), self._later_id(last_id)], id_keys)]
        nulls = ([self.column.is_(None)], id_keys)
        values = [self.column.is_not(None)] + ([self._after_value(value, last_id)] if after is not None else [])
        return [(values, keys), nulls]

    def _later_id(self, last_id: Any) -> ColumnElement[bool]:
        return self.id_column < last_id if self.descending else self.id_column > last_id

    def _after_value(self, value: Any, last_id: Any) -> ColumnElement[bool]:
        # Written so an index on the column can seek to the position: SQLite reads ``col > v OR (col = v AND
        # id > last)`` from the start of the index, ``col >= v AND (col > v OR id > last)`` from v.
        if self.column is self.id_column:
            return self._later_id(last_id)
        from_value = self.column <= value if self.descending else self.column >= value
        later = self.column < value if self.descending else self.column > value
        return and_(from_value, or_(later, self._later_id(last_id)))


def encode_cursor(spec: SortSpec, value: Any, last_id: Any) -> str:
    """The opaque cursor pointing after a row with sort ``value`` and id ``last_id``."""
    if isinstance(value, datetime):
        value = value.isoformat()
    elif isinstance(value, Decimal) or (spec.kind == "decimal" and isinstance(value, float | int)):
        value = str(value)  # a float as stored (SQLite) by its shortest exact text: a cursor must not round
    raw = json.dumps({"s": spec.name, "v": value, "i": last_id}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(spec: SortSpec, cursor: str) -> tuple[Any, Any]:
    """``(value, last_id)`` from a cursor made for ``spec``; a 400 error for anything else.

    A cursor comes back from the client, so it is checked like any input: the type of each value, and a range the
    database can compare without failing (64-bit ids, prices within ``MAX_DECIMAL``, datetimes with a UTC form,
    text PostgreSQL accepts).
    """
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(data, dict) or data.get("s") != spec.name:
            raise ValueError("cursor of another sort order")
        return _decode_value(spec, data.get("v")), _decode_id(spec, data.get("i"))
    except (ValueError, TypeError, OverflowError, RecursionError, binascii.Error, InvalidOperation,
            UnicodeError) as err:  # RecursionError: JSON nested deeper than the parser goes
        raise ApiError(400, "invalid_cursor", "the cursor is not valid for this listing; start again without one",
                       {"sort": spec.name}) from err


def _decode_value(spec: SortSpec, value: Any) -> Any:
    if value is None:
        if not spec.nullable:
            raise ValueError("null value")
        return None
    if spec.kind == "int":
        return _int64(value)
    if not isinstance(value, str):
        raise TypeError("sort values travel as text")
    if spec.kind == "decimal":
        return _decimal(value)
    if spec.kind == "datetime":
        moment = datetime.fromisoformat(value)
        # Stored times are UTC; SQLite compares their text, so the bound must be UTC too (naive means UTC).
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return _text(value)


def _decimal(value: str) -> Decimal:
    if len(value) > 40:
        raise ValueError("too many digits")
    decimal = Decimal(value)
    if not decimal.is_finite() or abs(decimal) > MAX_DECIMAL or decimal.as_tuple().exponent < -MAX_SCALE:  # type: ignore[operator]
        raise ValueError("decimal out of range")
    return decimal


def _int64(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not -(2**63) <= value < 2**63:
        raise ValueError("not a 64-bit integer")
    return value


def _text(value: str, max_length: int | None = None) -> str:
    value.encode("utf-8")  # a lone surrogate cannot be sent to the database (UnicodeEncodeError)
    if "\x00" in value or (max_length is not None and len(value) > max_length):
        raise ValueError("text the store cannot hold")
    return value


def _decode_id(spec: SortSpec, value: Any) -> Any:
    if spec.id_kind == "str":
        if not isinstance(value, str):
            raise TypeError("bad id")
        return _text(value, max_length=MAX_TEXT_ID)
    return _int64(value)


def page_of(rows: list[Any], limit: int, spec: SortSpec, value_of: Any) -> tuple[list[Any], str | None]:
    """Split ``limit + 1`` fetched rows into the page and the next cursor (None on the last page)."""
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    return rows[:limit], encode_cursor(spec, value_of(last), last.id)
