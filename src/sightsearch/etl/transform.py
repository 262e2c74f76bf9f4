"""Stage 2, transform: map fields to the product schema and give them their types.

Prices become canonical decimals, currencies upper-case codes, availability a schema.org name, image URLs
absolute and unique; every record gets its ``site`` and ``product_key`` (sku, else gtin, else canonical URL).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from urllib.parse import urljoin, urlsplit

from sightsearch.crawl.urls import site_of
from sightsearch.etl.contract import Record, StageContext, StageResult, run_per_record
from sightsearch.vocabulary import availability_name



def canonical_price(number: Decimal | None, field: str) -> Decimal | None:
    """A price in canonical form (no exponent, at least cents: ``24.9`` -> ``24.90``), so equal prices hash equally;
    ValueError naming the field when it is not a finite number."""
    if number is None:
        return None
    if not number.is_finite():
        raise ValueError(f"{field} {number!r} is not a finite number")
    normal = number.normalize()
    if normal.as_tuple().exponent > -2:  # type: ignore[operator]  # whole or one decimal: show cents
        normal = normal.quantize(Decimal("0.01"))
    return normal


def product_key(record: Record) -> str:
    """The stable identity of a product within its site: sku, else gtin, else the URL's path and query."""
    for name in ("sku", "gtin"):
        if value := getattr(record, name):
            return f"{name}:{value}"
    parts = urlsplit(record.url)
    return f"url:{parts.path}" + (f"?{parts.query}" if parts.query else "")


def _images(record: Record) -> list[str]:
    seen: dict[str, None] = {}
    for raw in record.images:
        if raw.startswith(("https://", "http://")):  # already absolute (most are): urljoin would return it as is
            seen.setdefault(raw, None)
            continue
        url = urljoin(record.url, raw)
        if urlsplit(url).scheme in {"http", "https"}:
            seen.setdefault(url, None)
    return list(seen)


def _transform_record(record: Record, result: StageResult) -> Record:
    return record.model_copy(update={
        "price": canonical_price(record.price, "price"),
        "old_price": canonical_price(record.old_price, "old_price"),
        "currency": (record.currency or "").strip().upper() or None,
        "availability": availability_name(record.availability),
        "site": record.site or site_of(record.url),
        "product_key": product_key(record),
        "images": _images(record),
        "attributes": {str(k): str(v) for k, v in record.attributes.items() if v is not None},
    })


def transform(batch: Sequence[Record], ctx: StageContext) -> StageResult:
    """Type every record: canonical prices, currency codes, schema.org availability, site and product key."""
    return run_per_record("transform", batch, _transform_record)
