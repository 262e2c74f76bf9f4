"""From a page to the ETL's record: extraction plus the record's provenance."""

from __future__ import annotations

from datetime import UTC, datetime

from sightsearch.extract.document import Document
from sightsearch.extract.extractor import extract_product
from sightsearch.extract.spec import SiteSpec
from sightsearch.records import ProductRecord


def page_record(page: str | bytes | Document, url: str, run_id: str, *, spec: SiteSpec | None = None,
                keep_inferred: bool = True) -> ProductRecord | None:
    """The product record of a page (text, bytes or an already parsed ``Document``), or None when the page holds
    no product (a listing, a help page). With ``keep_inferred`` False, guessed values are left empty."""
    product = extract_product(page, url, spec=spec, keep_inferred=keep_inferred)
    if not product.is_product():
        return None
    return ProductRecord(**product.model_dump(), run_id=run_id, fetched_at=datetime.now(UTC))
