"""Merge the fields every source found into one product, by a fixed precedence, keeping where each came from."""

from __future__ import annotations

import re
from functools import lru_cache
from decimal import Decimal
from typing import Any

from sightsearch.records import ExtractedProduct
from sightsearch.vocabulary import plausible_old_price

_SCALAR_FIELDS = ("title", "price", "old_price", "currency", "sku", "gtin", "mpn", "brand", "availability",
                  "description", "category")


# Unrendered template variables ("$metabrand", "{{ product.sku }}") leak into markup when a template breaks.
_PLACEHOLDER = re.compile(r"^\$[A-Za-z_]\w*$|\{\{|\}\}|\$\{|<%|%>|^\[\[.*\]\]$|^(null|undefined|none|n/a)$",
                          re.IGNORECASE)


@lru_cache(maxsize=4096)  # the same title or brand comes from several sources of a page
def _is_placeholder(value: str) -> bool:
    return _PLACEHOLDER.search(value.strip()) is not None


def usable(field: str, value: Any) -> bool:
    """False for empty values, unrendered template variables and zero prices (a template default)."""
    if value in (None, "", [], {}):
        return False
    if isinstance(value, str) and _is_placeholder(value):
        return False
    # A zero price in structured data is a template default, not a free product. A negative one is kept: it is
    # what the page states, and validation rejects it with the reason instead of a heuristic replacing it.
    return not (field in {"price", "old_price"} and isinstance(value, Decimal) and value == 0)


def merge_fields(found: list[tuple[str, dict[str, Any]]], url: str) -> ExtractedProduct:
    """Build the product from ``(source, fields)`` pairs given in precedence order; the first usable value wins."""
    values, sources = merge_values(found)
    return ExtractedProduct(url=url, sources=sources, **values)


def merge_values(found: list[tuple[str, dict[str, Any]]]) -> tuple[dict[str, Any], dict[str, str]]:
    """The merged field values and their sources, from ``(source, fields)`` pairs in precedence order.

    The currency follows the price: it is taken from the source that gave the price when that source has one.
    A ``variant_sku`` (a sku that differs between a product's variants) is kept in ``attributes``, not as the sku.
    """
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for source, fields in found:
        for field in _SCALAR_FIELDS:
            if field in fields and field not in values and usable(field, fields[field]):
                if field == "currency" and "price" in values and sources["price"] != source:
                    continue  # wait for the price's own source, handled below
                values[field], sources[field] = fields[field], source
        if "images" not in values and fields.get("images"):
            values["images"], sources["images"] = list(fields["images"]), source
        for key, value in (fields.get("attributes") or {}).items():
            values.setdefault("attributes", {}).setdefault(key, value)
    _fill_currency(found, values, sources)
    _keep_variant_sku(found, values)
    if "old_price" in values and not plausible_old_price(values["old_price"], values.get("price")):
        del values["old_price"], sources["old_price"]
    return values, sources


def _fill_currency(found: list[tuple[str, dict[str, Any]]], values: dict[str, Any], sources: dict[str, str]) -> None:
    if "currency" in values:
        return
    for source, fields in found:
        if fields.get("currency"):
            values["currency"], sources["currency"] = fields["currency"], source
            return


def _keep_variant_sku(found: list[tuple[str, dict[str, Any]]], values: dict[str, Any]) -> None:
    # A sku that differs between a product's variants names one size or colour, not the product: kept as evidence
    # in the attributes rather than guessed as the product's sku.
    for _, fields in found:
        if fields.get("variant_sku"):
            values.setdefault("attributes", {}).setdefault("variant_sku", fields["variant_sku"])
            return
