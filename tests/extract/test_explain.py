"""``sightsearch extract --explain``: every candidate of the scored fields with its score, and the verdict."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from typer.testing import CliRunner

from sightsearch.cli import _register_commands, app
from sightsearch.extract.explain import explain_page

from .snippets import URL, page

_register_commands()
BODY = ('<script type="application/ld+json">{"@type": "Product", "name": "Blue Kettle", "brand": "Marke: Kettlr", '
        '"offers": {"price": "59.99", "priceCurrency": "EUR"}}</script><h1>Blue Kettle</h1>'
        '<p><del class="price">59,99 €</del> <b class="price">44,99 €</b></p><button>In den Warenkorb</button>')


def test_explain_lists_candidates_best_first() -> None:
    explained = {field: (rows, verdict) for field, rows, verdict in explain_page(page(BODY, lang="de"), URL)}
    rows, verdict = explained["price"]
    assert verdict.startswith("44.99 (confidence")
    assert [row[:2] for row in rows] == [("44.99", "heuristic:price"), ("59.99", "jsonld")]
    assert "struck through" in rows[1][3]
    assert explained["brand"][1].startswith("Kettlr") and "label text removed" in explained["brand"][0][0][3]


def test_explain_command_prints_tables(tmp_path: Path) -> None:
    path = tmp_path / "p.html"
    path.write_text(page(BODY, lang="de"), encoding="utf-8")
    result = CliRunner().invoke(app, ["extract", str(path), "--url", URL, "--explain"])
    assert result.exit_code == 0, result.output
    assert "price: 44.99" in result.output and "heuristic:price" in result.output


def test_extract_refuses_a_gzip_bomb_with_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "bomb.html.gz"
    path.write_bytes(gzip.compress(b" " * 8_000_000))
    result = CliRunner().invoke(app, ["extract", str(path)])
    assert result.exit_code == 0
    assert "page size cap" in json.loads(result.output)["error"]
