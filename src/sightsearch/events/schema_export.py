"""Versioned JSON Schemas of the events, exported from the pydantic models (the models are the source of truth).

One file per event and schema version, ``<type>.v<version>.json`` (e.g. ``page.fetched.v1.json``). The files under
``sightsearch/events/schemas/`` are committed so consumers in other languages can read them; a test keeps them equal
to the models, and ``sightsearch events schemas --output DIR`` writes them anew after a model change.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sightsearch.events.catalog import Event
from sightsearch.events.topics import event_models

SCHEMA_DIR = Path(__file__).parent / "schemas"
_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def schema_file_name(model: type[Event]) -> str:
    """``<type>.v<schema_version>.json``."""
    fields = model.model_fields
    return f"{fields['type'].default}.v{fields['schema_version'].default}.json"


def event_schema(model: type[Event]) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one event model, with its type and version in ``$id``."""
    schema = model.model_json_schema(mode="serialization")
    return {"$schema": _DIALECT, "$id": f"sightsearch/events/{schema_file_name(model)}", **schema}


def render_schemas() -> dict[str, str]:
    """Every event's schema as the text of its file, by file name (stable: sorted keys, two-space indent)."""
    return {schema_file_name(m): json.dumps(event_schema(m), indent=2, sort_keys=True) + "\n"
            for m in event_models().values()}


def export_schemas(output: Path) -> list[Path]:
    """Write every schema file into ``output``; returns the paths written."""
    output.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in render_schemas().items():
        path = output / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
