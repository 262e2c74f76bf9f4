"""Turn a schema.org Product (from JSON-LD or microdata, both as plain dicts) into extracted fields."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from sightsearch.extract.availability import normalize_availability
from sightsearch.extract.currency import currency_code
from sightsearch.extract.document import Document, clean_text
from sightsearch.extract.price import structured_price
from sightsearch.vocabulary import stock_class

PRODUCT_TYPES = frozenset({"Product", "ProductGroup", "ProductModel", "IndividualProduct", "SomeProducts",
                           "Vehicle", "Car", "Book"})
_GTIN_KEYS = ("gtin13", "gtin", "gtin14", "gtin12", "gtin8", "isbn", "ean")
_ATTRIBUTE_KEYS = ("color", "size", "material", "model")
Resolver = Callable[[str], dict[str, Any] | None]


def type_names(node: dict[str, Any]) -> set[str]:
    """The short type names of a node (``http://schema.org/Product`` -> ``Product``)."""
    raw = node.get("@type") or node.get("type") or []
    values = raw if isinstance(raw, list) else [raw]
    return {str(value).rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1] for value in values}


def first(value: Any) -> Any:
    """The first item of a list value, or the value itself."""
    while isinstance(value, list):
        value = value[0] if value else None
    return value


def text_of(value: Any) -> str | None:
    """A clean text for a value that may be a string, a number, a list, or an object with a ``name``."""
    value = first(value)
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value") or value.get("value")
        value = first(value)
    if value is None or isinstance(value, (dict, bool)):
        return None
    text = clean_text(value)
    if "&" in text and ";" in text:
        text = html.unescape(text)  # templates often HTML-escape values before putting them into JSON
    return text or None


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


def _resolved(value: Any, resolve: Resolver) -> Any:
    if isinstance(value, dict) and set(value) == {"@id"} and isinstance(value["@id"], str):
        return resolve(value["@id"]) or value
    return value


def iter_offers(product: dict[str, Any], resolve: Resolver) -> list[dict[str, Any]]:
    """The product's offers, aggregate offers first, then the offers nested inside them."""
    offers = []
    for offer in _as_list(product.get("offers")):
        offer = _resolved(offer, resolve)
        if isinstance(offer, dict):
            offers.append(offer)
            offers.extend(o for o in _as_list(offer.get("offers")) if isinstance(o, dict))
    return offers


def _offer_price(offer: dict[str, Any]) -> tuple[Any, Any]:
    """Price and currency of one offer, looking into ``priceSpecification`` and aggregate ``lowPrice``."""
    price, currency = first(offer.get("price")), first(offer.get("priceCurrency"))
    for spec in _as_list(offer.get("priceSpecification")):
        if price is None and isinstance(spec, dict):
            price, currency = first(spec.get("price")), currency or first(spec.get("priceCurrency"))
    if price is None:
        price = first(offer.get("lowPrice"))
    return price, currency


def offer_fields(product: dict[str, Any], resolve: Resolver) -> dict[str, Any]:
    """Price and currency of the product's first priced offer; availability of the first purchasable offer (a
    product with one sold-out size is still in stock), else of the first offer that states one.

    ``price_is_one_of_many`` is set when that price is an aggregate's ``lowPrice`` or the offers disagree on the
    price (variants): then the default variant's price is the one the page shows, and the scorer trusts it less.
    """
    fields: dict[str, Any] = {}
    amounts = set()
    for offer in iter_offers(product, resolve):
        price, currency = _offer_price(offer)
        amount = structured_price(price)
        if amount is not None:
            amounts.add(amount)
        if stock_class(fields.get("availability")) != "InStock" and offer.get("availability"):
            availability = normalize_availability(text_of(offer.get("availability")) or "")
            if availability and ("availability" not in fields or stock_class(availability) == "InStock"):
                fields["availability"] = availability
        if amount is not None and "price" not in fields:
            fields["price"] = amount
            if first(offer.get("price")) is None and first(offer.get("lowPrice")) is not None:
                fields["price_is_one_of_many"] = True  # the cheapest variant, not necessarily the default one
            if code := currency_code(text_of(currency)):
                fields["currency"] = code
    if len(amounts) > 1:
        fields["price_is_one_of_many"] = True
    return fields


def _category(value: Any) -> str | None:
    text = text_of(value)
    return text if text and any(char.isalpha() for char in text) else None  # a bare number is a category id


def _images(value: Any, doc: Document) -> list[str]:
    urls = []
    for item in _as_list(value):
        if isinstance(item, dict):
            item = first(item.get("contentUrl") or item.get("url") or item.get("@id"))
        if isinstance(item, str) and item.strip() and not item.startswith("data:"):
            urls.append(doc.absolute(item.strip()))
    return list(dict.fromkeys(urls))


def product_fields(product: dict[str, Any], doc: Document, resolve: Resolver = lambda _: None) -> dict[str, Any]:
    """Every field this extractor knows, read from one schema.org Product node."""
    fields: dict[str, Any] = {
        "title": text_of(product.get("name")),
        "sku": text_of(product.get("sku")) or text_of(product.get("productID")),
        "mpn": text_of(product.get("mpn")),
        "gtin": next((text_of(product[k]) for k in _GTIN_KEYS if text_of(product.get(k))), None),
        "brand": text_of(_resolved(first(product.get("brand")), resolve)),
        "description": text_of(product.get("description")),
        "category": _category(product.get("category")),
        "images": _images(product.get("image"), doc),
    }
    fields.update(offer_fields(product, resolve))
    attributes = {key: text_of(product[key]) for key in _ATTRIBUTE_KEYS if text_of(product.get(key))}
    if attributes:
        fields["attributes"] = attributes
    return {key: value for key, value in fields.items() if value not in (None, "", [], {})}


def _score(product: dict[str, Any], doc: Document) -> float:
    """How likely a Product node is the page's main product rather than a related one."""
    score = 3.0 if product.get("offers") else 0.0
    url = text_of(product.get("url")) or ""
    if url and urlsplit(doc.absolute(url)).path == urlsplit(doc.url).path:
        score += 2
    name = text_of(product.get("name"))
    if name and doc.title and name.casefold() in doc.title.casefold():
        score += 1
    return score + min(len(product), 30) / 100


def choose_main_product(products: list[dict[str, Any]], doc: Document) -> dict[str, Any] | None:
    """The Product node that describes the page itself; the first one wins ties (outer before nested)."""
    if not products:
        return None
    ranked = max(enumerate(products), key=lambda pair: (_score(pair[1], doc), -pair[0]))
    return ranked[1]


def merge_variants(main: dict[str, Any], fields: dict[str, Any], products: list[dict[str, Any]],
                   doc: Document, resolve: Resolver) -> dict[str, Any]:
    """Adjust the main product's fields when the page lists its variants (sizes, colours) as sibling products.

    The product is available when any variant is, and a sku that differs between variants names a variant, not
    the product, so it is only kept as ``variant_sku`` (evidence, not the product's sku).
    """
    name = text_of(main.get("name"))
    siblings = [p for p in products if p is not main and name and text_of(p.get("name")) == name]
    if not siblings:
        return fields
    states = {offer_fields(p, resolve).get("availability") for p in siblings}
    if fields.get("availability") != "InStock" and "InStock" in states:
        fields["availability"] = "InStock"
    skus = {text_of(p.get("sku")) for p in siblings} - {None}
    if fields.get("sku") and skus - {fields["sku"]}:
        fields["variant_sku"] = fields.pop("sku")
    return fields
