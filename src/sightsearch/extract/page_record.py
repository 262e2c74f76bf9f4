"""From a fetched page to the ETL's record: extraction plus the record's provenance."""

from __future__ import annotations

from datetime import UTC, datetime

from sightsearch.extract.extractor import extract_product
from sightsearch.extract.spec import SiteSpec
from sightsearch.records import ProductRecord

INFERRED = "inferred:"
"""The ``sources`` prefix of a guessed value (stock assumed from a price, currency from the page's country)."""


def page_record(html: str | bytes, url: str, run_id: str, *, spec: SiteSpec | None = None,
                keep_inferred: bool = True) -> ProductRecord | None:
    """The product record of a page, or None when the page holds no product (a listing, a help page).

    With ``keep_inferred`` False, values that were guessed rather than read from the page are left empty.
    """
    product = extract_product(html, url, spec=spec)
    if not product.is_product():
        return None
    data = product.model_dump()
    if not keep_inferred:
        for name, source in product.sources.items():
            if source.startswith(INFERRED):
                data[name] = [] if name == "images" else None
        data["sources"] = {k: v for k, v in product.sources.items() if not v.startswith(INFERRED)}
    return ProductRecord(**data, run_id=run_id, fetched_at=datetime.now(UTC))
