"""Stage 2, transform: map fields to the product schema and give them their types.

Prices become canonical decimal strings, currencies upper-case codes, availability a schema.org name, image URLs
absolute and unique; every record gets its ``site`` and ``product_key`` (sku, else gtin, else canonical URL).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from urllib.parse import urljoin, urlsplit

from sightsearch.crawl.urls import site_of
from sightsearch.etl.contract import Record, StageContext, StageResult, run_per_record
from sightsearch.vocabulary import availability_name



def to_decimal(value: object, field: str) -> Decimal | None:
    """``value`` as a Decimal, None when empty; ValueError naming the field when it is not a number."""
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"{field} {value!r} is not a number") from None
    if not number.is_finite():
        raise ValueError(f"{field} {value!r} is not a finite number")
    return number


def decimal_text(number: Decimal | None) -> str | None:
    """A canonical decimal string: no exponent, no trailing zeros beyond cents."""
    if number is None:
        return None
    normal = number.normalize()
    if normal.as_tuple().exponent > -2:  # type: ignore[operator]  # whole or one decimal: show cents
        normal = normal.quantize(Decimal("0.01"))
    return format(normal, "f")


def product_key(record: Record) -> str:
    """The stable identity of a product within its site."""
    for name in ("sku", "gtin"):
        if record.get(name):
            return f"{name}:{record[name]}"
    parts = urlsplit(record["url"])
    return f"url:{parts.path}" + (f"?{parts.query}" if parts.query else "")


def _images(record: Record) -> list[str]:
    seen: dict[str, None] = {}
    for raw in record.get("images") or []:
        url = urljoin(record["url"], raw)
        if urlsplit(url).scheme in {"http", "https"}:
            seen.setdefault(url, None)
    return list(seen)


def _transform_record(record: Record, result: StageResult) -> Record:
    out = dict(record)
    out["price"] = decimal_text(to_decimal(record.get("price"), "price"))
    out["old_price"] = decimal_text(to_decimal(record.get("old_price"), "old_price"))
    out["currency"] = (record.get("currency") or "").strip().upper() or None
    out["availability"] = availability_name(record.get("availability"))
    out["site"] = record.get("site") or site_of(record["url"])
    out["product_key"] = product_key(record)
    out["images"] = _images(record)
    out["attributes"] = {str(k): str(v) for k, v in (record.get("attributes") or {}).items() if v is not None}
    return out


def transform(batch: Sequence[Record], ctx: StageContext) -> StageResult:
    """Type every record. Rejects records whose price is not a number."""
    return run_per_record("transform", batch, _transform_record)
