"""The SQL-level guard: one read-only SELECT over the allowlisted tables, re-written with a capped row limit.

What runs is the query as the guard re-wrote it from the parsed tree, never the text it was given, so comments,
odd quoting and anything the parser dropped cannot reach the database. The database level (``executor``) holds
on its own if this check were bypassed.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.scope import traverse_scope

from sightsearch.agent.allowlist import ALLOWED_FUNCTION_NAMES, ALLOWED_FUNCTIONS, ALLOWED_NODES, ALLOWED_TYPES
from sightsearch.agent.tables import ALLOWED_TABLES
from sightsearch.errors import SightSearchError

DIALECTS = {"sqlite": "sqlite", "postgresql": "postgres"}
# A table may carry the default schema of its store as prefix, nothing else.
_DEFAULT_SCHEMA = {"sqlite": "main", "postgresql": "public"}
MAX_SQL_CHARS = 20_000


class QueryRefused(SightSearchError):
    """The query is not a plain read of the allowlisted tables; ``reason`` says what was refused. Nothing ran."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class GuardedQuery:
    """A query that passed the guard: ``sql`` is what runs, with at most ``row_cap`` rows."""

    sql: str
    row_cap: int


def guard_query(sql: str, *, dialect: str, max_rows: int) -> GuardedQuery:
    """Check ``sql`` for the store's ``dialect`` (``sqlite`` or ``postgresql``) and return the query to run.

    Raises ``QueryRefused`` for anything but one SELECT (or WITH / UNION of SELECTs) over the allowlisted tables
    using allowlisted functions. The row limit is injected, or lowered to ``max_rows + 1`` so that the executor
    can tell a truncated answer from a complete one.
    """
    tree = _parse_one(sql, dialect)
    _check_nodes(tree)
    _check_tables(tree, dialect)
    row_cap = max_rows + 1
    _cap_limit(tree, row_cap)
    return GuardedQuery(sql=tree.sql(dialect=DIALECTS[dialect], comments=False), row_cap=row_cap)


def _parse_one(sql: str, dialect: str) -> exp.Expression:
    if dialect not in DIALECTS:
        raise QueryRefused(f"unsupported store dialect {dialect!r}")
    if not sql.strip():
        raise QueryRefused("empty query")
    if len(sql) > MAX_SQL_CHARS or "\x00" in sql:
        raise QueryRefused(f"query longer than {MAX_SQL_CHARS} characters or with a NUL byte")
    try:
        statements = [s for s in sqlglot.parse(sql, dialect=DIALECTS[dialect]) if s is not None]
    except SqlglotError as err:
        raise QueryRefused(f"the query could not be parsed: {str(err).splitlines()[0][:200]}") from None
    if len(statements) != 1:
        raise QueryRefused(f"exactly one statement is allowed, got {len(statements)}")
    tree = statements[0]
    if not isinstance(tree, exp.Select | exp.Union | exp.Except | exp.Intersect):
        raise QueryRefused(f"only SELECT queries are allowed, not {_node_name(tree)}")
    return tree


def _node_name(node: exp.Expression) -> str:
    if isinstance(node, exp.Command):
        return str(node.this).upper()
    return node.key.upper()


def _check_nodes(tree: exp.Expression) -> None:
    """Every node must be an allowed construct; every function and type must be on its allowlist."""
    for node in tree.walk():
        kind = type(node)
        if isinstance(node, exp.Anonymous):
            name = node.name.lower()
            if name not in ALLOWED_FUNCTION_NAMES:
                raise QueryRefused(f"function {name}() is not allowed")
        elif isinstance(node, exp.Func) and kind not in ALLOWED_NODES:
            if kind not in ALLOWED_FUNCTIONS:
                raise QueryRefused(f"function {node.sql_name().lower()}() is not allowed")
        elif kind not in ALLOWED_NODES:
            raise QueryRefused(f"{_describe(node)} is not allowed")
        if isinstance(node, exp.DataType) and node.this not in ALLOWED_TYPES:
            raise QueryRefused(f"type {node.sql()} is not allowed")
        if isinstance(node, exp.With) and node.args.get("recursive"):
            raise QueryRefused("recursive CTEs are not allowed (their size has no bound)")


def _describe(node: exp.Expression) -> str:
    names = {exp.Into: "SELECT ... INTO", exp.Lock: "a locking clause (FOR UPDATE/SHARE)",
             exp.Dot: "a schema-qualified name", exp.Placeholder: "a parameter placeholder"}
    if isinstance(node, exp.Insert | exp.Update | exp.Delete | exp.Merge):
        return f"a data-modifying {node.key.upper()}"
    return names.get(type(node), f"{node.key.upper()}")


def _check_tables(tree: exp.Expression, dialect: str) -> None:
    """Every table read, in every scope, must be a CTE of that scope or an allowlisted table."""
    for scope in traverse_scope(tree):
        for table in scope.tables:
            if table.name in scope.cte_sources:
                continue
            _check_table(table, dialect)
    # traverse_scope skips tables in places it does not model; walk the whole tree as well.
    cte_names = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    for table in tree.find_all(exp.Table):
        if table.name not in cte_names:
            _check_table(table, dialect)


def _check_table(table: exp.Table, dialect: str) -> None:
    if not isinstance(table.this, exp.Identifier):
        raise QueryRefused(f"{_describe(table.this)} in FROM is not allowed")
    schema, catalog = table.db, table.catalog
    if catalog or (schema and schema.lower() != _DEFAULT_SCHEMA[dialect]):
        raise QueryRefused(f"table {table.sql()} is not allowed: only {', '.join(ALLOWED_TABLES)}")
    if table.name.lower() not in ALLOWED_TABLES:
        raise QueryRefused(f"table {table.name} is not allowed: only {', '.join(ALLOWED_TABLES)}")


def _cap_limit(tree: exp.Expression, row_cap: int) -> None:
    limit = tree.args.get("limit")
    if isinstance(limit, exp.Limit) and isinstance(limit.expression, exp.Literal) and limit.expression.is_int:
        if int(limit.expression.name) <= row_cap:
            return
    tree.set("limit", exp.Limit(expression=exp.Literal.number(row_cap)))


__all__ = ["DIALECTS", "GuardedQuery", "QueryRefused", "guard_query"]
