"""The SQL-level guard: one read-only SELECT over the allowlisted tables, re-written with a capped row limit.

What runs is the query as the guard re-wrote it from the parsed tree, never the text it was given, so comments,
odd quoting and anything the parser dropped cannot reach the database. The database level (``executor``) holds
on its own if this check were bypassed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.normalize_identifiers import normalize_identifiers
from sqlglot.optimizer.scope import Scope, traverse_scope

from sightsearch.agent.allowlist import ALLOWED_FUNCTION_NAMES, ALLOWED_FUNCTIONS, ALLOWED_NODES, ALLOWED_TYPES
from sightsearch.agent.tables import ALLOWED_TABLES, STORED_COLUMNS
from sightsearch.errors import SightSearchError
from sightsearch.storage.models import Base

DIALECTS = {"sqlite": "sqlite", "postgresql": "postgres"}
# A table may carry the default schema of its store as prefix, nothing else.
_DEFAULT_SCHEMA = {"sqlite": "main", "postgresql": "public"}
MAX_SQL_CHARS = 20_000
MAX_PATTERN_CHARS = 200  # what LIKE, instr and replace may look for
# SQL words PostgreSQL reads as functions where sqlglot sees a column.
_VALUE_KEYWORDS = frozenset({"user", "current_user", "session_user", "current_role", "system_user",
                             "current_catalog", "current_schema"})


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
    try:
        tree = _parse_one(sql, dialect)
        _check_nodes(tree)
        # Names are compared as the store compares them (SQLite ignores case even in quotes, PostgreSQL folds
        # unquoted names only): on a normalized copy, read in scopes once. What runs is the original.
        named = normalize_identifiers(tree.copy(), dialect=DIALECTS[dialect])
        scopes = traverse_scope(named)
        _check_tables(named, scopes, dialect)
        _check_columns(named, scopes, dialect)
        _check_text_searches(named, scopes)
        row_cap = max_rows + 1
        _cap_limit(tree, row_cap)
        return GuardedQuery(sql=tree.sql(dialect=DIALECTS[dialect], comments=False), row_cap=row_cap)
    except QueryRefused:
        raise
    except Exception as err:  # noqa: BLE001 - fail closed: whatever the checker did not expect is refused
        raise QueryRefused(f"the query could not be checked ({type(err).__name__})") from None


def _parse_one(sql: str, dialect: str) -> exp.Expression:
    if dialect not in DIALECTS:
        raise QueryRefused(f"unsupported store dialect {dialect!r}")
    if not sql.strip():
        raise QueryRefused("empty query")
    if len(sql) > MAX_SQL_CHARS or "\x00" in sql:
        raise QueryRefused(f"query longer than {MAX_SQL_CHARS} characters or with a NUL byte")
    # sqlglot logs a warning when it falls back to an opaque Command; that is a refusal here, not news.
    logging.getLogger("sqlglot").setLevel(logging.ERROR)
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
        if isinstance(node, exp.Select) and not node.expressions:
            raise QueryRefused("a SELECT without columns is not a query")
        if isinstance(node, exp.With) and node.args.get("recursive"):
            raise QueryRefused("recursive CTEs are not allowed (their size has no bound)")


def _describe(node: exp.Expression) -> str:
    names = {exp.Into: "SELECT ... INTO", exp.Lock: "a locking clause (FOR UPDATE/SHARE)",
             exp.Dot: "a schema-qualified name", exp.Placeholder: "a parameter placeholder"}
    if isinstance(node, exp.Insert | exp.Update | exp.Delete | exp.Merge):
        return f"a data-modifying {node.key.upper()}"
    return names.get(type(node), f"{node.key.upper()}")


def _check_tables(tree: exp.Expression, scopes: list[Scope], dialect: str) -> None:
    """Every table read must be an allowlisted table, or a CTE the store resolves the name to.

    A name is a CTE only when it is unqualified (``main.x`` and ``public.x`` always mean the stored table) and a
    CTE of that name is visible in the scope that reads it. A CTE may not read its own name or a later CTE's:
    SQLite takes that as recursion even without ``RECURSIVE``."""
    _check_cte_references(tree)
    seen: set[int] = set()
    for scope in scopes:
        for table in scope.tables:
            seen.add(id(table))
            if not _qualified(table) and table.name in scope.cte_sources:
                continue
            _check_table(table, dialect)
    # traverse_scope skips tables in places it does not model: those must be allowlisted tables, never CTEs.
    for table in tree.find_all(exp.Table):
        if id(table) not in seen:
            _check_table(table, dialect)


def _check_cte_references(tree: exp.Expression) -> None:
    for with_ in tree.find_all(exp.With):
        names = [cte.alias for cte in with_.expressions]
        if not all(names):
            raise QueryRefused("a CTE without a plain name is not allowed")
        for index, cte in enumerate(with_.expressions):
            for table in cte.this.find_all(exp.Table):
                if not _qualified(table) and table.name in names[index:]:
                    raise QueryRefused(f"CTE {names[index]} reads itself or a later CTE: recursive CTEs are not "
                                       "allowed (their size has no bound)")


def _qualified(table: exp.Table) -> bool:
    return bool(table.args.get("db") or table.args.get("catalog"))


def _check_table(table: exp.Table, dialect: str) -> None:
    if not isinstance(table.this, exp.Identifier):
        raise QueryRefused(f"{_describe(table.this)} in FROM is not allowed")
    schema, catalog = table.db, table.catalog
    if catalog or (schema and schema.lower() != _DEFAULT_SCHEMA[dialect]):
        raise QueryRefused(f"table {table.sql()} is not allowed: only {', '.join(ALLOWED_TABLES)}")
    if table.name.lower() not in ALLOWED_TABLES:
        raise QueryRefused(f"table {table.name} is not allowed: only {', '.join(ALLOWED_TABLES)}")


def _check_columns(tree: exp.Expression, scopes: list[Scope], dialect: str) -> None:
    """On PostgreSQL ``rel.f`` calls the function ``f`` on the row when ``rel`` has no column ``f``
    (``p.row_to_json``), and bare ``user`` or ``current_role`` are functions too: a qualified column must be a
    column of the relation it names, and those words must be quoted to be read as columns. (SQLite has neither
    form: an unknown column is an error there.)"""
    if dialect != "postgresql":
        return
    seen: set[int] = set()
    for scope in scopes:
        for column in scope.columns:
            seen.add(id(column))
            _check_column(column, _source_columns(scope, column.table) if column.table else None)
    for column in tree.find_all(exp.Column):  # where traverse_scope does not look: no relation is known
        if id(column) not in seen:
            _check_column(column, None)


def _check_column(column: exp.Column, known: frozenset[str] | None) -> None:
    if isinstance(column.this, exp.Star):
        return
    if not isinstance(column.this, exp.Identifier):
        raise QueryRefused(f"{_describe(column.this)} is not a column")
    if not column.table:
        if not column.this.quoted and column.name in _VALUE_KEYWORDS:
            raise QueryRefused(f"{column.name} is not allowed (quote it to read a column of that name)")
    elif known is None or column.name not in known:
        raise QueryRefused(f"{column.sql()} is not a column of {column.table}")


def _source_columns(scope: Scope, relation: str) -> frozenset[str] | None:
    """The column names of the relation a qualifier names, seen from ``scope`` (or an enclosing one); None when
    it names nothing known."""
    while scope is not None:
        source = scope.sources.get(relation)
        if isinstance(source, exp.Table):
            table = Base.metadata.tables.get(source.name)
            return frozenset(table.columns.keys()) if table is not None and source.name in ALLOWED_TABLES else None
        if isinstance(source, Scope):
            alias = source.expression.parent.args.get("alias") if source.expression.parent else None
            if isinstance(alias, exp.TableAlias) and alias.columns:
                return frozenset(column.name for column in alias.columns)
            outputs = _output_names(source.expression)
            return outputs | STORED_COLUMNS if "*" in outputs else outputs
        scope = scope.parent
    return None


def _output_names(query: exp.Expression) -> frozenset[str]:
    """The column names of a query's result as PostgreSQL gives them: an unnamed call is named after its function
    (``max(price)`` is ``max``, ``count(*)`` is ``count``); ``*`` stands for a star."""
    names = set()
    for output in _outputs(query):
        if isinstance(output, exp.Star) or (isinstance(output, exp.Column) and isinstance(output.this, exp.Star)):
            names.add("*")
        elif isinstance(output, exp.Alias | exp.Column):
            names.add(output.alias_or_name)
        elif isinstance(output, exp.Func):
            names.add(output.name.lower() if isinstance(output, exp.Anonymous) else output.sql_name().lower())
    return frozenset(names)


def _outputs(query: exp.Expression) -> list[exp.Expression]:
    while isinstance(query, exp.Union | exp.Except | exp.Intersect):
        query = query.this  # a set operation's columns are named by its first query
    return list(query.expressions) if isinstance(query, exp.Select) else []


_TEXT_SEARCHES = {exp.Like: "LIKE", exp.ILike: "ILIKE", exp.StrPosition: "instr/strpos/position",
                  exp.Replace: "replace", exp.Trim: "trim"}
_BUILT = (exp.Subquery, exp.Select, exp.AggFunc, exp.Window)  # what makes a value as long as a query wants


def _check_text_searches(tree: exp.Expression, scopes: list[Scope]) -> None:
    """LIKE, ILIKE, instr/strpos/position, replace and trim look for a literal of at most ``MAX_PATTERN_CHARS`` in
    a value that no subquery, aggregate or window built, directly or through a derived table's or a CTE's column.
    A single search runs inside one step of the database, where no time limit reaches it, and costs the value's
    length times the pattern's: a pattern or a value built by a query (``group_concat`` over a join) made one
    search run for minutes."""
    seen: set[int] = set()
    for scope in scopes:
        for node in scope.find_all(*_TEXT_SEARCHES):
            seen.add(id(node))
            _check_text_search(node, scope)
    for node in tree.find_all(*_TEXT_SEARCHES):  # where traverse_scope does not look: no column can be followed
        if id(node) not in seen:
            _check_text_search(node, None)


def _check_text_search(node: exp.Expression, scope: Scope | None) -> None:
    name, value = _TEXT_SEARCHES[type(node)], node.this
    pattern = node.args.get("substr") if isinstance(node, exp.StrPosition) else node.expression
    if isinstance(node, exp.Trim) and pattern is None:
        return  # trim() of whitespace: nothing to look for
    text = _literal_text(pattern)
    if text is None or len(text) > MAX_PATTERN_CHARS:
        raise QueryRefused(f"{name} needs a literal text of at most {MAX_PATTERN_CHARS} characters to look for")
    built = value is None or value.find(*_BUILT) is not None
    if built or (value.find(exp.Column) is not None and (scope is None or _built_column(scope, value))):
        raise QueryRefused(f"{name} cannot search a value a subquery, an aggregate or a window built")


def _built_column(scope: Scope, value: exp.Expression, depth: int = 0) -> bool:
    """True when a column of ``value`` may come from a derived table's or a CTE's output that a subquery, an
    aggregate or a window built (followed through stars and nested derived tables)."""
    for column in value.find_all(exp.Column):
        sources = [scope.sources.get(column.table)] if column.table else list(scope.sources.values())
        for source in sources:
            if not isinstance(source, Scope):
                continue
            if depth > 8:
                return True  # deeper than any question needs: refused rather than followed
            for output in _outputs(source.expression):
                named = output.alias_or_name if isinstance(output, exp.Alias | exp.Column) else ""
                star = isinstance(output, exp.Star) or (isinstance(output, exp.Column)
                                                        and isinstance(output.this, exp.Star))
                if star and _built_column(source, exp.column(column.name), depth + 1):
                    return True
                if (named == column.name or not named) and (output.find(*_BUILT) is not None
                                                             or _built_column(source, output, depth + 1)):
                    return True
    return False


def _literal_text(node: exp.Expression | None) -> str | None:
    """The text of a string literal, or of literals joined with ``||`` or lowered/uppered; None for anything else."""
    if isinstance(node, exp.Literal) and node.is_string:
        return node.name
    if isinstance(node, exp.Lower | exp.Upper | exp.Paren):
        return _literal_text(node.this)
    if isinstance(node, exp.DPipe | exp.Concat):
        parts = [_literal_text(part) for part in (node.expressions if isinstance(node, exp.Concat)
                                                  else (node.this, node.expression))]
        return None if any(part is None for part in parts) else "".join(parts)  # type: ignore[arg-type]
    return None


def _cap_limit(tree: exp.Expression, row_cap: int) -> None:
    limit = tree.args.get("limit")
    literal = limit.expression if isinstance(limit, exp.Limit) else None
    if isinstance(literal, exp.Literal) and literal.is_int and int(literal.name) <= row_cap:
        return
    tree.set("limit", exp.Limit(expression=exp.Literal.number(row_cap)))


__all__ = ["DIALECTS", "GuardedQuery", "QueryRefused", "guard_query"]
