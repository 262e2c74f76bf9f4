"""Product data a shop keeps in its own scripts and attributes: framework state and analytics objects.

Read as one structured source, ``state:<kind>``: Next.js ``__NEXT_DATA__``, Nuxt ``__NUXT__``, Redux-style
``window.__INITIAL_STATE__``, ``dataLayer`` pushes and ``gtag`` events (Google Analytics product objects), JSON
in ``<script type="application/json">`` and in ``data-*`` attributes. JavaScript object literals are read with
chompjs (C). These blobs describe many products (recommendations, recently viewed), so a product object only
counts when its name matches the page's title.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import chompjs

from sightsearch.extract.availability import normalize_availability
from sightsearch.extract.currency import currency_code
from sightsearch.extract.document import Document
from sightsearch.extract.price import structured_price
from sightsearch.extract.schema import text_of

_NAME_KEYS = ("name", "title", "productName", "product_name", "item_name", "displayName")
_PRICE_KEYS = ("price", "salePrice", "sale_price", "currentPrice", "current_price", "finalPrice", "final_price",
               "sellingPrice", "selling_price", "specialPrice", "special_price", "offerPrice", "priceValue")
_PRICE_VALUE_KEYS = ("value", "amount", "current", "final")
_BRAND_KEYS = ("brand", "item_brand", "brandName", "brand_name", "manufacturer", "vendor")  # vendor: Shopify
_SKU_KEYS = ("sku", "SKU", "productSku", "product_sku", "item_sku")
_CURRENCY_KEYS = ("currency", "priceCurrency", "currencyCode", "currency_code")
_STOCK_KEYS = ("availability", "stockStatus", "stock_status", "inStock", "in_stock", "isInStock", "is_in_stock",
               "available")
_MAX_NODES = 20_000  # per blob: a state tree can be huge, the product is near the top when it is there at all
_MAX_DEPTH = 14
_MAX_VARIANTS = 100
_MIN_NAME_MATCH = 0.6
_WORD = re.compile(r"\w+")


def _blobs(doc: Document) -> Iterator[tuple[str, Any]]:
    for kind, text in doc.state_texts:
        try:
            values = list(chompjs.parse_js_objects(text)) if kind != "next" else [chompjs.parse_js_object(text)]
        except ValueError:
            continue
        for value in values:
            yield kind, value
    for value in doc.json_attributes:
        try:
            yield "data-attribute", chompjs.parse_js_object(value)
        except ValueError:
            continue


def _product_nodes(value: Any) -> Iterator[tuple[dict[str, Any], str | None]]:
    """Objects with a name and a price, each with the nearest currency stated on it or an enclosing object."""
    stack: list[tuple[Any, str | None, int]] = [(value, None, 0)]
    seen = 0
    while stack and seen < _MAX_NODES:
        item, currency, depth = stack.pop()
        seen += 1
        if isinstance(item, dict):
            currency = next((str(item[k]) for k in _CURRENCY_KEYS if isinstance(item.get(k), str)), currency)
            if any(k in item for k in _NAME_KEYS) and any(k in item for k in _PRICE_KEYS):
                yield item, currency
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth < _MAX_DEPTH:
            stack.extend((child, currency, depth + 1) for child in reversed(list(children))
                         if isinstance(child, (dict, list)))


def _name_match(name: str | None, title_words: set[str]) -> float:
    words = {word for word in _WORD.findall((name or "").casefold()) if len(word) > 1}
    return len(words & title_words) / len(words) if words and title_words else 0.0


def _price(node: dict[str, Any]) -> Any:
    for key in _PRICE_KEYS:
        value = node.get(key)
        if isinstance(value, dict):
            value = next((value[k] for k in _PRICE_VALUE_KEYS if k in value), None)
        if (amount := structured_price(value)) is not None:
            return amount
    return None


def _stock(node: dict[str, Any]) -> str | None:
    for key in _STOCK_KEYS:
        value = node.get(key)
        if isinstance(value, bool):
            return "InStock" if value else "OutOfStock"
        if isinstance(value, str) and (state := normalize_availability(value)):
            return state
    return None


def _sku(node: dict[str, Any]) -> str | None:
    """The product's sku, or the one sku its variants share (a Shopify product keeps it on its variants only)."""
    if sku := next((text_of(node[k]) for k in _SKU_KEYS if text_of(node.get(k))), None):
        return sku
    variants = node.get("variants")
    if not isinstance(variants, list) or not variants:
        return None
    skus = {text_of(v.get("sku")) if isinstance(v, dict) else None for v in variants[:_MAX_VARIANTS]}
    return skus.pop() if len(skus) == 1 else None


def _fields(node: dict[str, Any], currency: str | None) -> dict[str, Any]:
    brand = next((node[k] for k in _BRAND_KEYS if node.get(k)), None)
    fields = {"price": _price(node), "currency": currency_code(currency) if currency else None,
              "brand": text_of(brand), "sku": _sku(node),
              "availability": _stock(node)}
    return {key: value for key, value in fields.items() if value is not None}


def extract_state(doc: Document) -> dict[str, Any]:
    """Fields of the product object in the page's framework state whose name matches the title (``{}`` when
    none does); ``_source`` names where it was found (``state:next``, ``state:datalayer``...)."""
    if not doc.state_texts and not doc.json_attributes:
        return {}
    title_words = {word for word in _WORD.findall((doc.title or "").casefold()) if len(word) > 1}
    best: tuple[float, str, dict[str, Any], str | None] | None = None
    for kind, blob in _blobs(doc):
        for node, currency in _product_nodes(blob):
            match = _name_match(next((text_of(node[k]) for k in _NAME_KEYS if text_of(node.get(k))), None),
                                title_words)
            if match >= _MIN_NAME_MATCH and (best is None or match > best[0]):
                best = (match, kind, node, currency)
    if best is None:
        return {}
    fields = _fields(best[2], best[3])
    return {**fields, "_source": f"state:{best[1]}"} if fields.get("price") is not None else {}
