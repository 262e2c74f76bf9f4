"""Read product fields from OpenGraph and product ``<meta>`` tags (``og:price:amount``, ``product:availability``)."""

from __future__ import annotations

from typing import Any

from sightsearch.extract.availability import normalize_availability
from sightsearch.extract.currency import currency_code
from sightsearch.extract.document import Document, clean_text
from sightsearch.extract.price import structured_price

_PRICE_KEYS = ("product:sale_price:amount", "og:price:amount", "product:price:amount", "product:price", "og:price",
               "twitter:data1:price", "price")
_CURRENCY_KEYS = ("product:sale_price:currency", "og:price:currency", "product:price:currency", "pricecurrency",
                  "currency")
_OLD_PRICE_KEYS = ("product:original_price:amount", "og:original_price:amount")
_AVAILABILITY_KEYS = ("product:availability", "og:availability", "availability")
_SKU_KEYS = ("product:retailer_item_id", "product:sku", "og:sku", "sku")
_TEXT_KEYS = {"brand": ("product:brand", "og:brand", "brand"), "gtin": ("product:gtin", "product:ean", "og:upc"),
              "mpn": ("product:mpn",), "category": ("product:category",), "title": ("og:title",),
              "description": ("og:description",)}


def meta_tags(doc: Document) -> dict[str, str]:
    """The page's ``<meta property|name=... content=...>`` pairs, keys lowercased, first occurrence wins (read
    once per document)."""
    if "meta" in doc.parsed:
        return doc.parsed["meta"]  # type: ignore[return-value]
    found: dict[str, str] = doc.parsed.setdefault("meta", {})  # type: ignore[assignment]
    for meta in doc.xpath("//meta[@content]"):
        key = (meta.get("property") or meta.get("name") or "").strip().lower()
        value = clean_text(meta.get("content"))
        if key and value:
            found.setdefault(key, value)
    return found


def _first(tags: dict[str, str], keys: tuple[str, ...]) -> str | None:
    return next((tags[key] for key in keys if tags.get(key)), None)


def extract_opengraph(doc: Document) -> dict[str, Any]:
    """Product fields from OpenGraph / product meta tags; a price only counts with a product-looking page."""
    tags = meta_tags(doc)
    fields: dict[str, Any] = {key: _first(tags, keys) for key, keys in _TEXT_KEYS.items()}
    fields["sku"] = _first(tags, _SKU_KEYS)
    if price := structured_price(_first(tags, _PRICE_KEYS)):
        fields["price"] = price
        fields["currency"] = currency_code(_first(tags, _CURRENCY_KEYS))
    fields["old_price"] = structured_price(_first(tags, _OLD_PRICE_KEYS))
    fields["availability"] = normalize_availability(_first(tags, _AVAILABILITY_KEYS))
    if image := tags.get("og:image") or tags.get("og:image:url") or tags.get("og:image:secure_url"):
        fields["images"] = [doc.absolute(image)]
    return {key: value for key, value in fields.items() if value not in (None, "", [])}
