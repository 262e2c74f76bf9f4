"""JSON bodies built straight from database rows: the bytes the response models produce, at a fraction of the cost.

FastAPI would validate each row into the response model and then serialize it: for a page of 50 products that is
most of the request. The routes that serve many rows build plain dicts here instead (prices as money strings,
times in UTC, exactly as the models' serializers write them) and encode them with orjson. The response models stay
on the routes for the OpenAPI schema, and tests compare these documents with the models' own output: byte for byte,
except the JSON columns a route passes on as stored (``fragments``), which keep the store's spacing and escapes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

import orjson
from fastapi import Response
from pydantic import BaseModel

from sightsearch.api.schemas import money
from sightsearch.storage.models import PriceType

__all__ = ["JSON_OPTIONS", "json_fragment", "json_response", "row_encoder"]

# Naive datetimes come from SQLite and are UTC; both kinds are written with a Z, as pydantic writes UTC times.
JSON_OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_NAIVE_UTC


def _utc(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is None or value.utcoffset() == timedelta(0):
        return value
    return value.astimezone(UTC)


def row_encoder(fields: Iterable[str], fragments: Iterable[str] = ()) -> Callable[[Any], dict[str, Any]]:
    """A function that turns rows whose columns are ``fields`` (in that order) into JSON-ready dicts, as the response
    model would.

    Money fields become money strings and datetimes move to UTC; ``fragments`` (JSON columns read as text) go out
    as ``orjson.Fragment``, neither decoded nor encoded again; every other value goes as it is. Works by position
    on the row (a SQLAlchemy row's attribute access costs ~0.4 us a column); a row of another length raises
    ``ValueError``.

    Money and times may also come as stored, read without SQLAlchemy's conversion: SQLite keeps a price as a float
    (or an integer) and a time as text (``2026-01-01 00:00:01.000000``). They are written exactly as the converted
    values would be.

    The function is generated for its layout, as ``dataclasses`` generates ``__init__``: it unpacks the row and
    returns a dict display of the converted values. That is half the cost of converting in loops and zipping
    (~0.5 against ~1 us a row of 13 columns; a page has 50).
    """
    fields, fragments = tuple(fields), frozenset(fragments)
    names = [f"v{at}" for at in range(len(fields))]
    values = ", ".join(f"{field!r}: {_converted(field, name, fragments)}" for field, name in zip(fields, names))
    source = f"def encode(row):\n    {', '.join(names)}, = row\n    return {{{values}}}\n"
    namespace = dict(_CONVERTERS)
    exec(compile(source, f"<row_encoder {', '.join(fields)}>", "exec"), namespace)  # our own text, from field names
    encode: Callable[[Any], dict[str, Any]] = namespace["encode"]
    return encode


def _converted(field: str, name: str, fragments: frozenset[str]) -> str:
    """The expression that converts the value ``name`` of column ``field`` (for ``row_encoder``'s function)."""
    if field in MONEY_FIELDS:
        return f"None if {name} is None else _money({name}) if type({name}) is Decimal else _stored_money({name})"
    if field in TIME_FIELDS:
        return f"_stored_time({name}) if type({name}) is str else _utc({name})"
    if field in fragments:
        return f"json_fragment({name})"
    return name


# Prices repeat across a page and across pages; formatting one costs ~0.8 us. Equal Decimals give equal strings.
_money = lru_cache(maxsize=8192)(money)
# The scale of every money column (``storage.models.PriceType``): SQLAlchemy reads a stored float as this many decimals.
_STORED_SCALE = PriceType.scale


@lru_cache(maxsize=8192)
def _stored_money(value: float | int | str) -> str:
    """A price as SQLite stores it, written as its Decimal would be (SQLAlchemy's reading: ``"%.4f" % value``)."""
    return money(Decimal(value) if isinstance(value, str) else Decimal(f"{value:.{_STORED_SCALE}f}"))


def _stored_time(text: str) -> str | datetime | None:
    """A time as SQLAlchemy stores it in SQLite (UTC, microseconds), as orjson writes the datetime: ``...T..Z``,
    the microseconds only when not zero. Any other text is parsed (it must then be an ISO 8601 time)."""
    if len(text) == 26 and text[10] == " " and text[19] == "." and text.isascii():
        return f"{text[:10]}T{text[11:19]}Z" if text.endswith("000000") else f"{text[:10]}T{text[11:]}Z"
    return _utc(datetime.fromisoformat(text))


def json_fragment(text: str | None) -> orjson.Fragment | None:
    """A JSON column read as text, for inclusion as it is (the store only holds JSON it wrote itself)."""
    return None if text is None else orjson.Fragment(text)


# What the generated encoders call.
_CONVERTERS: dict[str, Any] = {"_money": _money, "_stored_money": _stored_money, "_stored_time": _stored_time,
                               "_utc": _utc, "Decimal": Decimal, "json_fragment": json_fragment}


MONEY_FIELDS = frozenset({"price", "old_price"})
TIME_FIELDS = frozenset({"updated_at", "first_seen", "last_seen", "fetched_at", "valid_from", "valid_to",
                         "created_at", "last_seen_at", "resolved_at", "started_at", "finished_at"})


def json_response(body: Any, model: type[BaseModel]) -> Response:
    """``body`` encoded with orjson; values orjson refuses (an integer past 64 bits) go through ``model`` instead,
    so an odd row costs time, never a 500. JSON columns passed on as stored are not looked into, so they never
    refuse (the model could not read them back: a body with fragments must not need this)."""
    try:
        content = orjson.dumps(body, option=JSON_OPTIONS)
    except orjson.JSONEncodeError:
        content = model.model_validate(body).model_dump_json().encode()
    return Response(content=content, media_type="application/json")
