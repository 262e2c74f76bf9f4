"""Export the product table to JSON Lines, CSV, Parquet or Excel."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from sightsearch.errors import ConfigurationError
from sightsearch.storage.db import session_scope
from sightsearch.storage.models import Product

FORMATS = ("jsonl", "csv", "parquet", "xlsx")
# A spreadsheet runs a cell that starts with one of these as a formula (`=HYPERLINK(...)` from a crawled title);
# OWASP's rule: prefix such cells with a single quote in every format a spreadsheet opens.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
COLUMNS = ("site", "product_key", "url", "title", "brand", "sku", "gtin", "mpn", "category", "price", "old_price",
           "currency", "availability", "images", "attributes", "first_seen", "last_seen", "updated_at")


def product_rows(engine: Engine, *, site: str | None = None) -> Iterator[dict[str, Any]]:
    """Every product as a flat dict, in id order, streamed in chunks."""
    with session_scope(engine) as session:
        query = select(Product).order_by(Product.id).execution_options(yield_per=1000)
        if site:
            query = query.where(Product.site == site)
        for product in session.scalars(query):
            yield {name: getattr(product, name) for name in COLUMNS}


def _flat(row: dict[str, Any]) -> dict[str, Any]:
    """Scalar cells for tabular formats: prices as strings, lists and dicts as JSON, times as ISO text."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, Decimal):
            value = format(value, "f")
        elif isinstance(value, (list, dict)):
            value = json.dumps(value, ensure_ascii=False)
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        out[key] = value
    return out


def neutralise_formula(value: Any) -> Any:
    """``value`` with a leading ``'`` when it is text a spreadsheet would run as a formula; other values unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _spreadsheet_safe(row: dict[str, Any]) -> dict[str, Any]:
    return {key: neutralise_formula(value) for key, value in row.items()}


def export_products(engine: Engine, fmt: str, output: Path, *, site: str | None = None) -> int:
    """Write the products to ``output`` in ``fmt``; returns the number of rows written."""
    if fmt not in FORMATS:
        raise ConfigurationError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    rows = (_flat(row) for row in product_rows(engine, site=site))
    writer = {"jsonl": _write_jsonl, "csv": _write_csv, "parquet": _write_parquet, "xlsx": _write_xlsx}[fmt]
    return writer(rows, output)


def _write_jsonl(rows: Iterator[dict[str, Any]], output: Path) -> int:
    count = 0
    with output.open("w", encoding="utf-8") as handle:
        for row in rows:
            row["images"], row["attributes"] = json.loads(row["images"]), json.loads(row["attributes"])
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    return count


def _write_csv(rows: Iterator[dict[str, Any]], output: Path) -> int:
    count = 0
    with output.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow(_spreadsheet_safe(row))
            count += 1
    return count


def _require(module: str) -> Any:
    try:
        return __import__(module)
    except ImportError:
        raise ConfigurationError(f"this format needs {module}: pip install 'sightsearch[export]'") from None


def _write_parquet(rows: Iterator[dict[str, Any]], output: Path) -> int:
    _require("pyarrow")
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pylist(list(rows), schema=pa.schema([(name, pa.string()) for name in COLUMNS]))
    pq.write_table(table, output)
    return table.num_rows


def _write_xlsx(rows: Iterator[dict[str, Any]], output: Path) -> int:
    openpyxl = _require("openpyxl")
    from openpyxl.cell import WriteOnlyCell

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("products")
    sheet.append(list(COLUMNS))
    count = 0
    for row in _spreadsheet_rows(rows):
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value)
            if value is not None:
                cell.data_type = "s"  # text, whatever it looks like: openpyxl would store "=..." as a formula
            cells.append(cell)
        sheet.append(cells)
        count += 1
    workbook.save(output)
    return count


def _spreadsheet_rows(rows: Iterator[dict[str, Any]]) -> Iterator[list[Any]]:
    for row in rows:
        safe = _spreadsheet_safe(row)
        yield [safe[name] if safe[name] is None else str(safe[name]) for name in COLUMNS]
