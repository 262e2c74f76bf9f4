"""The tables questions may read, and their description for a model: names, columns and types, never rows."""

from __future__ import annotations

from sightsearch.storage.models import Base
from sightsearch.storage.query_role import QUERY_TABLES

ALLOWED_TABLES: tuple[str, ...] = QUERY_TABLES
"""Everything a query may read (the read-only role's grants); api_keys, events, alembic_version, catalogs stay out."""

STORED_COLUMNS: frozenset[str] = frozenset(column.name for name in ALLOWED_TABLES
                                           for column in Base.metadata.tables[name].columns)
"""The column names of the allowlisted tables."""

# What each table holds, for the model's table list; written here, never taken from stored text.
TABLE_NOTES = {
    "products": "one row per product of a site, its latest known state (price, currency, availability, brand, ...)",
    "price_history": "price and availability states of a product over [valid_from, valid_to); valid_to NULL = current",
    "images": "downloaded product images: size, format, bytes, hashes, near-duplicate group_key, error",
    "dead_letters": "records or pages a pipeline stage rejected: stage, reason, site, url, status (open/resolved/...)",
    "crawl_runs": "crawl runs: status, mode, counts (JSON), started_at, finished_at, seconds",
    "metric_samples": "time series values in one-minute buckets: name, bucket, labels (JSON), value",
}


def list_tables() -> list[dict[str, str]]:
    """The allowlisted tables with one line about each."""
    return [{"table": name, "holds": TABLE_NOTES[name]} for name in ALLOWED_TABLES]


def describe_table(name: str) -> dict[str, object]:
    """Columns and types of one allowlisted table, from the models (no query, so no stored text can leak in).

    Raises ``LookupError`` for any other name.
    """
    if name not in ALLOWED_TABLES:
        raise LookupError(f"unknown table {name!r}; tables: {', '.join(ALLOWED_TABLES)}")
    table = Base.metadata.tables[name]
    columns = [{"name": column.name, "type": str(column.type.compile()).lower(), "nullable": bool(column.nullable)}
               for column in table.columns]
    foreign = [f"{fk.parent.name} -> {fk.column.table.name}.{fk.column.name}" for fk in table.foreign_keys]
    return {"table": name, "holds": TABLE_NOTES[name], "columns": columns, "foreign_keys": foreign}


__all__ = ["ALLOWED_TABLES", "STORED_COLUMNS", "describe_table", "list_tables"]
