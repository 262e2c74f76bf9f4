"""From a page to the ETL's record: extraction plus the record's provenance."""

from __future__ import annotations

from datetime import UTC, datetime

from sightsearch.extract.document import Document, load_document
from sightsearch.extract.extractor import product_fields
from sightsearch.extract.spec import SiteSpec
from sightsearch.records import ProductRecord


def page_record(page: str | bytes | Document, url: str, run_id: str, *, spec: SiteSpec | None = None,
                keep_inferred: bool = True) -> ProductRecord | None:
    """The product record of a page (text, bytes or an already parsed ``Document``), or None when the page holds
    no product (a listing, a help page). With ``keep_inferred`` False, guessed values are left empty.

    The same record as ``extract_product`` gives, built once as a ``ProductRecord``; a page whose price decision
    already rules out a product is left before availability, brand and category are scored."""
    doc = page if isinstance(page, Document) else load_document(page, url)
    fields = product_fields(doc, url, spec, keep_inferred, None, products_only=True)
    if fields is None:
        return None
    record = ProductRecord(**fields, run_id=run_id, fetched_at=datetime.now(UTC))
    return record if record.is_product() else None
