"""PostgreSQL read-only executor: the read-only login role, a READ ONLY transaction, a time limit, one statement."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import URL
from typing_extensions import override

from sightsearch.agent.executor import QueryFailed, QueryResult, QueryTimedOut, ReadOnlyExecutor, as_subquery
from sightsearch.agent.guard import QueryRefused
from sightsearch.errors import ConfigurationError

# SQLSTATEs that mean "the database refused": privilege, read-only transaction, feature not allowed, syntax.
# 42601 (syntax error) too: the SQL was wrapped as a subquery, so anything but one SELECT is a syntax error.
_REFUSED_STATES = {"42501", "25006", "0A000", "42601", "55000"}


class PostgresReader(ReadOnlyExecutor):
    """Queries as ``role`` on the store at ``url``; the pool of that role is created on first use."""

    dialect = "postgresql"

    def __init__(self, url: URL, *, role: str, password: str | None, timeout: float) -> None:
        if not password:
            raise ConfigurationError("querying a PostgreSQL store needs SIGHTSEARCH_QUERY_ROLE_PASSWORD (then run "
                                     "`sightsearch db upgrade` to create the read-only role)")
        self.url = url.set(username=role, password=password)
        self.timeout_ms = max(1, int(timeout * 1000))
        self._engine: Engine | None = None
        self._lock = threading.Lock()

    def _pool(self) -> Engine:
        with self._lock:
            if self._engine is None:
                self._engine = create_engine(self.url, pool_size=2, max_overflow=4, pool_pre_ping=True,
                                             connect_args={"connect_timeout": 10})
            return self._engine

    @override
    def run(self, sql: str, *, max_rows: int) -> QueryResult:
        try:
            raw = self._pool().raw_connection()
        except Exception as err:  # noqa: BLE001 - any connection failure reads the same to the caller
            raise QueryFailed(f"cannot connect as the read-only role: {str(err).splitlines()[0]}") from None
        try:
            return self._run_on(raw.driver_connection, sql, max_rows)
        finally:
            raw.close()

    def _run_on(self, connection: Any, sql: str, max_rows: int) -> QueryResult:
        import psycopg

        connection.rollback()
        connection.autocommit, connection.read_only = False, True  # the next transaction is BEGIN READ ONLY
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('statement_timeout', %s, true), "
                               "set_config('search_path', 'public', true)", (str(self.timeout_ms),))
                # prepare=True: the extended protocol, which refuses more than one statement per call.
                cursor.execute(as_subquery(sql, max_rows + 1), prepare=True)
                rows = cursor.fetchmany(max_rows + 1)
                columns = [column.name for column in cursor.description or ()]
        except psycopg.Error as err:
            raise _translate(err, self.timeout_ms) from None
        finally:
            connection.rollback()
        return QueryResult(columns, [list(row) for row in rows[:max_rows]], truncated=len(rows) > max_rows)

    @override
    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


def _translate(err: Exception, timeout_ms: int) -> Exception:
    state = getattr(err, "sqlstate", None) or ""
    message = (str(err).splitlines() or ["error"])[0]
    if state == "57014":
        return QueryTimedOut(f"the query ran past the time limit ({timeout_ms / 1000:g} s) and was stopped")
    if state in _REFUSED_STATES or state.startswith("42P18") or "multiple commands" in message:
        return QueryRefused(f"the database refused it: {message}")
    return QueryFailed(f"the database could not run the query: {message}")


__all__ = ["PostgresReader"]
