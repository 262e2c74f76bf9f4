"""Bounded work on hostile input: broken JSON-LD repair, gzip bombs in saved pages; source errors counted."""

from __future__ import annotations

import gzip
import json
import logging
import time
from decimal import Decimal
from pathlib import Path

import pytest

from sightsearch.extract import extract_manifest, extract_product, read_html_file
from sightsearch.extract import extractor
from sightsearch.extract.jsonld import parse_json_lenient
from sightsearch.extract.manifest import PageTooLarge

from .snippets import URL, page


def _broken_jsonld(size: int) -> str:
    pairs = ", ".join(f"k{i}: 'v{i}'" for i in range(size // 12))  # unquoted keys, single quotes: not JSON
    return "{" + pairs + ", @@broken"


@pytest.mark.parametrize("size", [100_000, 5_000_000])
def test_broken_jsonld_costs_little(size: int) -> None:
    text = _broken_jsonld(size)
    assert len(text) >= size * 0.9
    start = time.process_time()
    extract_product(page(f'<script type="application/ld+json">{text}</script><h1>K</h1>'), URL)
    # json5 on 100 KB took ~6 s before the bound; the bound keeps it to the cost of parsing the page.
    assert time.process_time() - start < 3.0


def test_small_broken_blocks_are_still_repaired() -> None:
    assert parse_json_lenient("{'@type': 'Product', name: 'K', // note\n offers: {price: 3,},}") == {
        "@type": "Product", "name": "K", "offers": {"price": 3}}


def test_gzip_bomb_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.html.gz"
    with gzip.open(bomb, "wb", compresslevel=9) as out:  # ~60 MB of zeros in ~60 KB
        chunk = b"\0" * 1_000_000
        for _ in range(60):
            out.write(chunk)
    assert bomb.stat().st_size < 200_000
    with pytest.raises(PageTooLarge, match="larger than the page size cap"):
        read_html_file(bomb, max_bytes=5_000_000)
    (tmp_path / "m.jsonl").write_text(json.dumps({"id": "b", "path": "bomb.html.gz", "url": URL}) + "\n")
    [row] = list(extract_manifest(tmp_path / "m.jsonl"))
    assert row["id"] == "b" and "page size cap" in row["error"]


def test_a_failing_source_is_logged_and_counted(monkeypatch: pytest.MonkeyPatch,
                                                caplog: pytest.LogCaptureFixture) -> None:
    def broken(doc: object) -> dict:
        raise RuntimeError("boom")

    sources = tuple((name, broken if name == "microdata" else reader) for name, reader in extractor._STRUCTURED_SOURCES)
    monkeypatch.setattr(extractor, "_STRUCTURED_SOURCES", sources)
    data = {"@type": "Product", "name": "K", "offers": {"price": "3.00", "priceCurrency": "EUR"}}
    html = page(f'<script type="application/ld+json">{json.dumps(data)}</script>')
    with caplog.at_level(logging.DEBUG, logger="sightsearch.extract.extractor"):
        product = extract_product(html, URL)
    assert product.errors == {"microdata": "RuntimeError: boom"}
    assert product.price is not None  # the other sources still count
    assert any("microdata" in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)
    assert any(r.exc_info and r.levelno == logging.DEBUG for r in caplog.records)


def test_when_scoring_fails_the_merged_values_stay(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object) -> dict:
        raise ValueError("scoring bug")

    monkeypatch.setattr(extractor, "score_fields", broken)
    data = {"@type": "Product", "name": "K", "brand": "Kettlr", "offers": {"price": "3.00", "priceCurrency": "EUR"}}
    product = extract_product(page(f'<script type="application/ld+json">{json.dumps(data)}</script>'), URL)
    assert (product.price, product.brand) == (Decimal("3.00"), "Kettlr")
    assert product.errors == {"scoring": "ValueError: scoring bug"}
