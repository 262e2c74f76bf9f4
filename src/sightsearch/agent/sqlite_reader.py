"""SQLite read-only executor: ``mode=ro``, an allowlisting authorizer and a progress handler as the time limit."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from urllib.parse import quote

from typing_extensions import override

from sightsearch.agent.executor import QueryFailed, QueryResult, QueryTimedOut, ReadOnlyExecutor, as_subquery
from sightsearch.agent.guard import QueryRefused
from sightsearch.agent.tables import ALLOWED_TABLES

# Plain, side-effect-free SQLite functions (LIKE and GLOB operators call "like" and "glob").
SQLITE_FUNCTIONS = frozenset({
    "count", "sum", "avg", "min", "max", "total", "group_concat", "string_agg", "round", "abs", "lower", "upper",
    "length", "substr", "substring", "trim", "ltrim", "rtrim", "coalesce", "ifnull", "nullif", "instr", "replace",
    "printf", "format", "strftime", "date", "time", "datetime", "julianday", "unixepoch", "iif", "like", "glob",
    "row_number", "rank", "dense_rank", "lag", "lead", "first_value", "last_value", "ntile", "percent_rank",
    "cume_dist", "sign", "floor", "ceil", "ceiling", "sqrt", "ln", "log", "log10", "pow", "power", "exp", "mod",
    "char_length", "concat", "concat_ws", "json_extract", "typeof",
})
_REFUSAL_SIGNS = ("not authorized", "prohibited", "one statement", "readonly", "read-only", "syntax error")
_READS = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_RECURSIVE}
_PROGRESS_EVERY = 2_000  # virtual-machine steps between two looks at the clock


def _authorize(action: int, arg1: str | None, arg2: str | None, _db: str | None, _trigger: str | None) -> int:
    """Allow a SELECT, reads of allowlisted tables and allowlisted functions; deny everything else."""
    if action in _READS:
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_READ and (arg1 or "").lower() in ALLOWED_TABLES:
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() in SQLITE_FUNCTIONS:
        return sqlite3.SQLITE_OK
    return sqlite3.SQLITE_DENY


class SqliteReader(ReadOnlyExecutor):
    """One read-only connection per query to the SQLite file at ``path``."""

    dialect = "sqlite"

    def __init__(self, path: str, *, timeout: float) -> None:
        if not path or path == ":memory:":
            raise QueryFailed("an in-memory SQLite store cannot be opened read-only by another connection")
        self.path, self.timeout = Path(path).expanduser().resolve(), timeout

    def _connect(self) -> sqlite3.Connection:
        uri = f"file:{quote(str(self.path))}?mode=ro"
        connection = sqlite3.connect(uri, uri=True, timeout=self.timeout, isolation_level=None,
                                     check_same_thread=False)
        if hasattr(connection, "enable_load_extension"):
            connection.enable_load_extension(False)
        connection.set_authorizer(_authorize)
        return connection

    @override
    def run(self, sql: str, *, max_rows: int) -> QueryResult:
        try:
            connection = self._connect()
        except sqlite3.Error as err:
            raise QueryFailed(f"the store could not be opened read-only: {err}") from None
        deadline = time.monotonic() + self.timeout
        connection.set_progress_handler(lambda: int(time.monotonic() > deadline), _PROGRESS_EVERY)
        try:
            cursor = connection.execute(as_subquery(sql, max_rows + 1))
            rows = cursor.fetchmany(max_rows + 1)
            columns = [d[0] for d in cursor.description or ()]
        except sqlite3.Error as err:
            raise _translate(err, time.monotonic() > deadline, self.timeout) from None
        except sqlite3.Warning as err:  # "You can only execute one statement at a time."
            raise QueryRefused(f"the database refused it: {err}") from None
        finally:
            connection.close()
        return QueryResult(columns, [list(row) for row in rows[:max_rows]], truncated=len(rows) > max_rows)


def _translate(err: sqlite3.Error, late: bool, timeout: float) -> Exception:
    message = str(err)
    if late or "interrupted" in message:
        return QueryTimedOut(f"the query ran past the time limit ({timeout:g} s) and was stopped")
    # A syntax error is a refusal too: the SQL was wrapped as a subquery, so only one SELECT parses.
    if any(sign in message for sign in _REFUSAL_SIGNS):
        return QueryRefused(f"the database refused it: {message}")
    return QueryFailed(f"the database could not run the query: {message}")


__all__ = ["SQLITE_FUNCTIONS", "SqliteReader"]
