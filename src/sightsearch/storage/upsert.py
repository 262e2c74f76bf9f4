"""Dialect-aware bulk upsert for SQLite and PostgreSQL.

``upsert_rows`` writes many rows keyed by a unique constraint, updating a conflicting row only when a guard
column differs, and returns the key -> id of the rows it actually wrote. On PostgreSQL the rows travel by COPY
into a temporary staging table and one ``INSERT ... SELECT ... ON CONFLICT`` (the fastest path short of COPY
itself); on SQLite, one cached ``INSERT ... ON CONFLICT ... RETURNING`` executed for many rows.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, text
from sqlalchemy.orm import Session


def insert_for(session: Session, table: Any) -> Any:
    """An ``insert(table)`` that has ``on_conflict_do_update`` / ``on_conflict_do_nothing`` for the session's dialect."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - create_db_engine refuses other dialects
        raise NotImplementedError(dialect)
    return insert(table)


def in_list(session: Session, column: Any, values: Sequence[int]) -> Any:
    """``column IN values`` for many integer values: one array parameter on PostgreSQL (``= ANY``), where a list of
    1,000 bound parameters is planned and matched far more slowly; a plain IN list elsewhere."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy import BigInteger, any_, bindparam
        from sqlalchemy.dialects.postgresql import ARRAY

        return column == any_(bindparam(None, list(values), type_=ARRAY(BigInteger)))
    return column.in_(list(values))


def upsert_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]], *, keys: Sequence[str],
                keep: Sequence[str], guard: str) -> dict[tuple[Any, ...], int]:
    """Insert ``rows`` or update them on a ``keys`` conflict (all columns but ``keys`` and ``keep``), only where
    ``guard`` differs; returns ``{key values: id}`` for the rows written (inserted or updated)."""
    if not rows:
        return {}
    columns = list(rows[0])
    if session.get_bind().dialect.name == "postgresql":
        return _upsert_by_copy(session, table, rows, columns, keys, keep, guard)
    statement = insert_for(session, table)
    statement = statement.on_conflict_do_update(
        index_elements=list(keys),
        set_={c: statement.excluded[c] for c in columns if c not in keys and c not in keep},
        where=table.c[guard] != statement.excluded[guard],
    ).returning(table.c.id, *(table.c[k] for k in keys))
    result = session.connection().execute(statement, list(rows))
    return {tuple(row[1:]): row[0] for row in result}


def insert_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Plain bulk insert: COPY on PostgreSQL (psycopg's executemany would send the rows one by one), else
    an executemany of one cached statement."""
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        session.connection().execute(table.insert(), list(rows))
        return
    columns = list(rows[0])
    _copy(session, table.name, columns, rows)


def _copy(session: Session, table_name: str, columns: list[str], rows: Sequence[dict[str, Any]]) -> None:
    # COPY's text format built here in one string: psycopg's per-value write_row adaptation costs ~10x more.
    payload = "".join("\t".join(_copy_text(row[c]) for c in columns) + "\n" for row in rows)
    cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f"COPY {table_name} ({', '.join(columns)}) FROM STDIN") as copy:
        copy.write(payload)


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: Any) -> str:
    """One value in COPY text format: ``\\N`` for NULL, backslash escapes for the separators."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False).translate(_COPY_ESCAPES)
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value)  # numbers, Decimal, datetime (isoformat with offset): PostgreSQL reads them as they print


def _upsert_by_copy(session: Session, table: Table, rows: Sequence[dict[str, Any]], columns: list[str],
                    keys: Sequence[str], keep: Sequence[str], guard: str) -> dict[tuple[Any, ...], int]:
    staging = f"staging_{table.name}"
    connection = session.connection()
    # A temporary table lives as long as the pooled connection; its rows only until the transaction ends.
    connection.execute(text(f"CREATE TEMP TABLE IF NOT EXISTS {staging} "
                            f"(LIKE {table.name} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"))
    connection.execute(text(f"TRUNCATE {staging}"))
    _copy(session, staging, columns, rows)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c not in keys and c not in keep)
    listed = ", ".join(columns)
    result = connection.execute(text(
        f"INSERT INTO {table.name} ({listed}) SELECT {listed} FROM {staging} "
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates} "
        f"WHERE {table.name}.{guard} IS DISTINCT FROM EXCLUDED.{guard} "
        f"RETURNING id, {', '.join(keys)}"
    ))
    return {tuple(row[1:]): row[0] for row in result}
