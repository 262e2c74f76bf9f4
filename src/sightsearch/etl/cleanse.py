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
    if not isinstance(record, dict) or not record.get("url"):
        result.reject(record if isinstance(record, dict) else {"value": repr(record)}, "record has no url")
        return None
    out = dict(record)
    for name in TEXT_FIELDS:
        if name in out:
            out[name] = clean_text(out[name], multiline=name == "description")
    if isinstance(out.get("price"), str):
        out["price"] = clean_text(out["price"])
    out["attributes"] = {
        clean_text(k) or "": clean_text(v) for k, v in (out.get("attributes") or {}).items() if clean_text(k)
    }
    out["images"] = [u.strip() for u in out.get("images") or [] if isinstance(u, str) and u.strip()]
    if not any(out.get(k) for k in ("title", "price", "sku", "gtin")):
        result.reject(record, "empty record: no title, price, sku or gtin")
        return None
    return out


def cleanse(batch: Sequence[Record], ctx: StageContext) -> StageResult:
    """Clean every text field of every record. Rejects records with no url or no content at all."""
    return run_per_record("cleanse", batch, _cleanse_record)
