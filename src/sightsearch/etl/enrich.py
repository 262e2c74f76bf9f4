"""Stage 4, enrich: derived fields, the content hash that makes loads skip unchanged rows, image facts."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

from sightsearch.etl.contract import Record, StageContext, StageResult, run_per_record

# The fields whose change makes a product "updated". Timestamps, run ids and sources are not content.
CONTENT_FIELDS = (
    "url", "title", "brand", "sku", "gtin", "mpn", "category", "description",
    "price", "old_price", "currency", "availability", "images", "attributes",
)


def content_hash(record: Record) -> str:
    """SHA-256 of the record's content fields in canonical JSON: equal content, equal hash."""
    content = {name: getattr(record, name) for name in CONTENT_FIELDS}
    blob = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def _discount_percent(record: Record) -> float | None:
    old, new = record.old_price, record.price
    if old is None or new is None:
        return None
    return float(round((old - new) / old * 100, 1)) if old > new > 0 else None


def _enrich_record(ctx: StageContext, record: Record, result: StageResult) -> Record:
    facts = [ctx.images[url] for url in record.images if url in ctx.images]
    failed = sum(1 for fact in facts if fact.error)
    if failed:
        result.count("image_failures", failed)
    out = record.model_copy(update={"discount_percent": _discount_percent(record), "seen_at": ctx.now,
                                    "image_facts": facts})
    return out.model_copy(update={"content_hash": content_hash(out)})


def enrich(batch: Sequence[Record], ctx: StageContext) -> StageResult:
    """Add derived fields and the content hash. Never rejects: a failed image does not lose its product."""
    return run_per_record("enrich", batch, lambda record, result: _enrich_record(ctx, record, result))
