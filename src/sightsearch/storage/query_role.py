"""The PostgreSQL login role that ``sightsearch sql`` / ``ask`` run as: SELECT on the allowlisted tables, nothing else.

Created (or brought back in line) by ``sightsearch db upgrade`` when a password is configured. It owns nothing,
may not create anything in the schema, starts every transaction read-only and has its own statement timeout, so
the limits hold even for SQL that never went through the guard.
"""

from __future__ import annotations

import logging

from sqlalchemy import Engine, text

log = logging.getLogger(__name__)

QUERY_TABLES = ("products", "price_history", "images", "dead_letters", "crawl_runs", "metric_samples")


def ensure_query_role(engine: Engine, role: str, password: str | None, *, timeout_seconds: float = 30.0) -> bool:
    """Create or update ``role`` on a PostgreSQL store; returns False (and does nothing) on SQLite or without a
    password. Privileges are reset each time, so a table added to or dropped from the allowlist follows."""
    if engine.dialect.name != "postgresql" or not password:
        return False
    preparer = engine.dialect.identifier_preparer
    name = preparer.quote(role)
    with engine.begin() as connection:
        exists = connection.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role})
        verb = "ALTER" if exists else "CREATE"
        secret = connection.scalar(text("SELECT quote_literal(:p)"), {"p": password})
        connection.execute(text(f"{verb} ROLE {name} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT "
                                f"NOREPLICATION NOBYPASSRLS PASSWORD {secret}"))
        connection.execute(text(f"ALTER ROLE {name} SET default_transaction_read_only = on"))
        connection.execute(text(f"ALTER ROLE {name} SET statement_timeout = '{int(timeout_seconds * 1000)}ms'"))
        database = preparer.quote(connection.scalar(text("SELECT current_database()")))
        connection.execute(text(f"GRANT CONNECT ON DATABASE {database} TO {name}"))
        connection.execute(text(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {name}"))
        connection.execute(text(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {name}"))
        connection.execute(text(f"REVOKE CREATE ON SCHEMA public FROM {name}"))
        connection.execute(text(f"GRANT USAGE ON SCHEMA public TO {name}"))
        tables = ", ".join(preparer.quote(table) for table in QUERY_TABLES)
        connection.execute(text(f"GRANT SELECT ON {tables} TO {name}"))
    log.info("read-only query role %s ready", role)
    return True


__all__ = ["QUERY_TABLES", "ensure_query_role"]
