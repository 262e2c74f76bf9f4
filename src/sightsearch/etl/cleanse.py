"""Stage 1, cleanse: strip markup, entities, control characters and stray whitespace from text fields."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from w3lib.html import remove_tags, replace_entities

from sightsearch.etl.contract import Record, StageContext, StageResult, run_per_record

TEXT_FIELDS = ("title", "brand", "sku", "gtin", "mpn", "category", "description", "currency", "availability")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\u200e\u200f\ufeff]")
_SPACES = re.compile(r"\s+")


def clean_text(value: Any, *, multiline: bool = False) -> str | None:
    """Plain, NFC-normalized text with single spaces; None for empty. Idempotent."""
    if value is None:
        return None
    text = str(value)
    if "<" in text:
        text = remove_tags(text)
    if "&" in text:
        text = replace_entities(text)
    text = _CONTROL.sub("", unicodedata.normalize("NFC", text))
    if multiline:
        text = "\n".join(_SPACES.sub(" ", line).strip() for line in text.splitlines())
        text = re.sub(r"\n{2,}", "\n", text).strip()
    else:
        text = _SPACES.sub(" ", text).strip()
    return text or None


def _cleanse_record(record: Record, result: StageResult) -> Record | None:
    changes: dict[str, Any] = {name: clean_text(getattr(record, name), multiline=name == "description")
                               for name in TEXT_FIELDS}
    changes["attributes"] = {
        clean_text(k) or "": clean_text(v) for k, v in record.attributes.items() if clean_text(k)
    }
    changes["images"] = [u.strip() for u in record.images if isinstance(u, str) and u.strip()]
    out = record.model_copy(update=changes)
    if not (out.title or out.price is not None or out.sku or out.gtin):
        result.reject(record, "empty record: no title, price, sku or gtin")
        return None
    return out


def cleanse(batch: Sequence[Record], ctx: StageContext) -> StageResult:
    """Clean every text field of every record. Rejects records with no content at all."""
    return run_per_record("cleanse", batch, _cleanse_record)
