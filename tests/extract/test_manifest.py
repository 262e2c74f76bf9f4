"""Manifests of saved pages: reading .html and .html.gz, extracting each page, reporting unreadable ones."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from sightsearch.extract import extract_manifest, iter_manifest, read_html_file

LD = ('<script type="application/ld+json">{"@type":"Product","name":"K","sku":"S1",'
      '"offers":{"price":"9.99","priceCurrency":"USD"}}</script>')


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "a.html").write_text(f"<html><body>{LD}</body></html>")
    (pages / "b.html.gz").write_bytes(gzip.compress(f"<html><body>{LD}</body></html>".encode()))
    lines = [{"id": "a", "path": "pages/a.html", "url": "https://s.example/a"},
             {"id": "b", "path": "pages/b.html.gz", "url": "https://s.example/b"},
             {"id": "c", "path": "pages/missing.html", "url": "https://s.example/c"}]
    path = tmp_path / "manifest.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n\n")
    return path


def test_iter_manifest_resolves_paths_against_its_folder(manifest: Path) -> None:
    entries = list(iter_manifest(manifest))
    assert [e.id for e in entries] == ["a", "b", "c"]
    assert entries[1].path == manifest.parent / "pages/b.html.gz"


def test_read_html_file_handles_gzip(manifest: Path) -> None:
    assert read_html_file(manifest.parent / "pages/b.html.gz").startswith(b"<html>")
    assert read_html_file(manifest.parent / "pages/a.html").startswith(b"<html>")


def test_extract_manifest_reports_unreadable_pages_and_goes_on(manifest: Path) -> None:
    rows = list(extract_manifest(manifest))
    assert [(r["id"], r.get("sku"), r.get("price")) for r in rows[:2]] == [("a", "S1", "9.99"), ("b", "S1", "9.99")]
    assert rows[2]["id"] == "c" and rows[2]["url"] == "https://s.example/c" and "error" in rows[2]


def test_malformed_manifest_line_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "m.jsonl"
    path.write_text('{"id": "a", "path": "x.html"}\nnot json\n')
    with pytest.raises(ValueError, match=r"m\.jsonl:2"):
        list(iter_manifest(path))
