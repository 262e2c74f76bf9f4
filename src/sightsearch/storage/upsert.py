"""Dialect-aware ``INSERT ... ON CONFLICT`` for SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

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
