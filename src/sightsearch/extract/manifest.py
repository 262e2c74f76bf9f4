"""Read a manifest of saved pages (JSONL ``{"id", "path", "url"}``) and extract every page in it."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple


class ManifestEntry(NamedTuple):
    """One saved page: its id, its file (resolved against the manifest's folder) and its original URL."""

    id: str
    path: Path
    url: str


def iter_manifest(path: str | Path) -> Iterator[ManifestEntry]:
    """Yield the entries of a JSONL manifest; blank lines are skipped, a malformed line raises ``ValueError``."""
    manifest = Path(path)
    folder = manifest.resolve().parent
    with manifest.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                yield ManifestEntry(str(record["id"]), folder / record["path"], str(record.get("url") or ""))
            except (ValueError, KeyError, TypeError) as error:
                raise ValueError(f"{manifest}:{number}: not a manifest line ({error})") from error


def read_html_file(path: str | Path) -> bytes:
    """The raw bytes of a saved page; ``.gz`` files (or gzip content under any name) are decompressed."""
    data = Path(path).read_bytes()
    if data[:2] == b"\x1f\x8b":
        return gzip.decompress(data)
    return data


def extract_manifest(path: str | Path) -> Iterator[dict[str, Any]]:
    """Extract every page of a manifest: ``{"id", **product}`` per page, or ``{"id", "url", "error"}``.

    A page that cannot be read is reported and the run goes on.
    """
    from sightsearch.extract.extractor import extract_product  # the extractor imports lxml; keep this module light

    for entry in iter_manifest(path):
        try:
            html = read_html_file(entry.path)
        except (OSError, EOFError, gzip.BadGzipFile) as error:
            yield {"id": entry.id, "url": entry.url, "error": f"{type(error).__name__}: {error}"}
            continue
        yield {"id": entry.id, **extract_product(html, entry.url).to_output()}
