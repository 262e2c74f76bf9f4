"""JSON bodies built straight from database rows: the bytes the response models produce, at a fraction of the cost.

FastAPI would validate each row into the response model and then serialize it: for a page of 50 products that is
most of the request. The routes that serve many rows build plain dicts here instead (prices as money strings,
times in UTC, exactly as the models' serializers write them) and encode them with orjson. The response models stay
on the routes for the OpenAPI schema, and tests compare these bytes with the models' own output.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import orjson
from fastapi import Response
from pydantic import BaseModel

from sightsearch.api.schemas import money

__all__ = ["JSON_OPTIONS", "RowEncoder", "json_fragment", "json_response"]

# Naive datetimes come from SQLite and are UTC; both kinds are written with a Z, as pydantic writes UTC times.
JSON_OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_NAIVE_UTC


def _utc(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is None or value.utcoffset() == timedelta(0):
        return value
    return value.astimezone(UTC)


class RowEncoder:
    """Turns rows whose columns are ``fields`` (in that order) into JSON-ready dicts, as the response model would.

    Money fields become money strings and datetimes move to UTC; ``fragments`` (JSON columns read as text) go out
    as ``orjson.Fragment``, neither decoded nor encoded again; every other value goes as it is. Works by position
    on a plain tuple of the row: a SQLAlchemy row's attribute access costs ~0.4 us a column.
    """

    def __init__(self, fields: Iterable[str], fragments: Iterable[str] = ()) -> None:
        self.fields = tuple(fields)
        fragments = frozenset(fragments)
        self._money = [at for at, name in enumerate(self.fields) if name in MONEY_FIELDS]
        self._times = [at for at, name in enumerate(self.fields) if name in TIME_FIELDS]
        self._fragments = [at for at, name in enumerate(self.fields) if name in fragments]

    def __call__(self, row: Any) -> dict[str, Any]:
        values = list(row)
        if len(values) != len(self.fields):
            raise ValueError(f"a row of {len(values)} columns for {len(self.fields)} fields")
        for at in self._money:
            if values[at] is not None:
                values[at] = _money(values[at])
        for at in self._times:
            values[at] = _utc(values[at])
        for at in self._fragments:
            values[at] = json_fragment(values[at])
        return dict(zip(self.fields, values))


# Prices repeat across a page and across pages; formatting one costs ~0.8 us. Equal Decimals give equal strings.
_money = lru_cache(maxsize=8192)(money)


def json_fragment(text: str | None) -> orjson.Fragment | None:
    """A JSON column read as text, for inclusion as it is (the store only holds JSON it wrote itself)."""
    return None if text is None else orjson.Fragment(text)


MONEY_FIELDS = frozenset({"price", "old_price"})
TIME_FIELDS = frozenset({"updated_at", "first_seen", "last_seen", "fetched_at", "valid_from", "valid_to",
                         "created_at", "last_seen_at", "resolved_at", "started_at", "finished_at"})


def json_response(body: Any, model: type[BaseModel]) -> Response:
    """``body`` encoded with orjson; values orjson refuses (an integer past 64 bits in stored attributes) go
    through ``model`` instead, so an odd row costs time, never a 500."""
    try:
        content = orjson.dumps(body, option=JSON_OPTIONS)
    except orjson.JSONEncodeError:
        content = model.model_validate(body).model_dump_json().encode()
    return Response(content=content, media_type="application/json")
