"""Batches that could not be loaded because the database stayed down: parked on disk, loaded first next time.

This is a safety net, not a queue: a file per batch under ``<data_dir>/pending-loads/``, written atomically,
removed only after the batch is committed.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

PENDING_DIR = "pending-loads"


def park_batch(data_dir: Path, run_id: str, start: str, records: list[dict[str, Any]]) -> Path:
    """Write ``records`` (to be run from stage ``start``) to a new pending file; returns its path."""
    folder = Path(data_dir) / PENDING_DIR
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{run_id}-{uuid.uuid4().hex[:8]}.json"
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps({"run_id": run_id, "start": start, "records": records}, default=str))
    os.replace(temporary, path)  # atomic: a crash never leaves half a batch that looks complete
    return path


def pending_batches(data_dir: Path) -> Iterator[tuple[Path, str, list[dict[str, Any]]]]:
    """``(path, start stage, records)`` for every parked batch, oldest first."""
    folder = Path(data_dir) / PENDING_DIR
    if not folder.is_dir():
        return
    for path in sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime):
        data = json.loads(path.read_text())
        yield path, data["start"], data["records"]
