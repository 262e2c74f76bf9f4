"""Read a manifest of saved pages (JSONL ``{"id", "path", "url"}``) and extract every page in it."""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

DEFAULT_MAX_PAGE_BYTES = 5_000_000  # the default of Settings.max_page_bytes: the crawler refuses larger pages too
_CHUNK = 64 * 1024


class PageTooLarge(ValueError):
    """A saved page (after decompression) is larger than the page size cap."""


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


def read_html_file(path: str | Path, max_bytes: int = DEFAULT_MAX_PAGE_BYTES) -> bytes:
    """The raw bytes of a saved page; ``.gz`` files (or gzip content under any name) are decompressed.

    Decompression is streamed and stops past ``max_bytes``: a gzip bomb raises :class:`PageTooLarge` after
    reading at most ``max_bytes`` plus one chunk, never the whole expansion.
    """
    path = Path(path)
    with path.open("rb") as raw:
        compressed = raw.read(2) == b"\x1f\x8b"
    opener = gzip.open if compressed else open
    with opener(path, "rb") as stream:
        data = _read_capped(stream, max_bytes)
    if data is None:
        kind = "decompressed page" if compressed else "page"
        raise PageTooLarge(f"{path}: {kind} is larger than the page size cap ({max_bytes} bytes); refused")
    return data


def _read_capped(stream: Any, max_bytes: int) -> bytes | None:
    chunks, total = [], 0
    while chunk := stream.read(_CHUNK):
        total += len(chunk)
        if total > max_bytes:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def extract_manifest(path: str | Path, max_bytes: int = DEFAULT_MAX_PAGE_BYTES) -> Iterator[dict[str, Any]]:
    """Extract every page of a manifest: ``{"id", **product}`` per page, or ``{"id", "url", "error"}``.

    A page that cannot be read, or that decompresses past ``max_bytes``, is reported and the run goes on.
    """
    from sightsearch.extract.extractor import extract_product  # the extractor imports lxml; keep this module light

    for entry in iter_manifest(path):
        try:
            html = read_html_file(entry.path, max_bytes)
        except (OSError, EOFError, zlib.error, PageTooLarge) as error:
            yield {"id": entry.id, "url": entry.url, "error": f"{type(error).__name__}: {error}"}
            continue
        yield {"id": entry.id, **extract_product(html, entry.url).to_output()}
