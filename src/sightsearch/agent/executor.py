"""The database-level boundary: a read-only executor per store, which holds on its own if the guard were bypassed.

SQLite: a ``mode=ro`` connection, an authorizer that allows reads of the allowlisted tables and plain functions
only, and a progress handler that stops a query at the time limit. PostgreSQL: a login role with SELECT on the
allowlisted tables only, one statement per call (extended protocol), a READ ONLY transaction, a
``statement_timeout`` and a fixed ``search_path``, always rolled back.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine

from sightsearch.agent.guard import QueryRefused
from sightsearch.config import Settings
from sightsearch.errors import SightSearchError


class QueryFailed(SightSearchError):
    """The database could not answer the query (unknown column, bad value, ...). Nothing was changed."""


class QueryTimedOut(QueryFailed):
    """The database stopped the query at the time limit."""


@dataclass
class QueryResult:
    """Columns and rows of one query; ``truncated`` when the store had more rows than were returned."""

    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    truncated: bool = False

    def as_json(self) -> dict[str, Any]:
        """``{"columns", "rows", "truncated"}`` with JSON-ready values (numbers, ISO times, strings)."""
        return {"columns": self.columns, "rows": [[json_value(v) for v in row] for row in self.rows],
                "truncated": self.truncated}


def as_subquery(sql: str, row_cap: int) -> str:
    """``sql`` as the FROM of an outer SELECT with a LIMIT: the database itself then accepts only one SELECT (a
    PRAGMA, SET, COPY, DO, a second statement or a data-modifying WITH is a syntax error there) and returns at
    most ``row_cap`` rows. The newlines keep a trailing ``--`` comment from swallowing the closing parenthesis."""
    return f"SELECT * FROM (\n{sql}\n) AS guarded_query LIMIT {int(row_cap)}"


def json_value(value: Any) -> Any:
    """A JSON-ready form of one cell: Decimal as a number, times in ISO 8601, bytes as a length marker."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and abs(value) < 2**53 else float(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return f"<{len(bytes(value))} bytes>"
    return value


class ReadOnlyExecutor(ABC):
    """Runs one query read-only within a time limit and returns at most ``max_rows`` rows."""

    dialect: str

    @abstractmethod
    def run(self, sql: str, *, max_rows: int) -> QueryResult:
        """Run ``sql``; raises ``QueryRefused`` when the database refuses it, ``QueryTimedOut`` past the limit,
        ``QueryFailed`` for any other database error."""

    def close(self) -> None:
        """Release connections (the default holds none)."""


def open_executor(engine: Engine, settings: Settings) -> ReadOnlyExecutor:
    """The read-only executor for the store behind ``engine``, with the time limit from ``settings``."""
    dialect = engine.dialect.name
    if dialect == "sqlite":
        from sightsearch.agent.sqlite_reader import SqliteReader

        return SqliteReader(engine.url.database or "", timeout=settings.query_timeout)
    if dialect == "postgresql":
        from sightsearch.agent.postgres_reader import PostgresReader

        return PostgresReader(engine.url, role=settings.query_role, password=settings.query_role_password,
                              timeout=settings.query_timeout)
    raise QueryRefused(f"unsupported store dialect {dialect!r}")


__all__ = ["QueryFailed", "QueryResult", "QueryTimedOut", "ReadOnlyExecutor", "as_subquery", "json_value", "open_executor"]
