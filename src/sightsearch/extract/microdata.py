"""Read schema.org products from microdata (``itemscope`` / ``itemprop``) and RDFa (``typeof`` / ``property``).

Both are read straight from the shared lxml tree into the same dict shape as JSON-LD nodes, so one function
(:func:`~sightsearch.extract.schema.product_fields`) turns any of them into fields. ``itemprop`` attributes that
sit outside any item (common on templated shops) are collected as a flat, lower-precedence source.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from sightsearch.extract.document import Document, clean_text, element_text
from sightsearch.extract.schema import PRODUCT_TYPES, choose_main_product, product_fields, type_names

_URL_ATTRIBUTES = {"a": "href", "link": "href", "area": "href", "img": "src", "audio": "src", "video": "src",
                   "source": "src", "embed": "src", "iframe": "src", "track": "src", "object": "data"}
_VALUE_ATTRIBUTES = {"meta": "content", "data": "value", "meter": "value", "time": "datetime"}
_MAX_ITEM_DEPTH = 6
_TEXT_PROPERTIES = frozenset({"brand", "manufacturer", "name", "sku", "mpn", "category", "color", "model"})


def property_value(element: etree._Element) -> str:
    """The value of a microdata / RDFa property element, following the HTML rules (content, href, src...)."""
    tag = element.tag if isinstance(element.tag, str) else ""
    for attribute in ("content", _VALUE_ATTRIBUTES.get(tag), _URL_ATTRIBUTES.get(tag)):
        if attribute and element.get(attribute) is not None:
            return clean_text(element.get(attribute))
    return element_text(element)


def _key(name: str) -> str:
    return name.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]


def _add(item: dict[str, Any], names: str, value: Any) -> None:
    for name in names.split():
        item.setdefault(_key(name), []).append(value)


def _text_or_value(element: etree._Element, names: str) -> str:
    """A property's value, except that a link naming a text property (``<a itemprop="brand" href="/brand/acme">
    Acme</a>``) gives its text: by the HTML rules its value is the address, which is never what the shop meant."""
    if element.tag == "a" and element.get("content") is None and any(_key(n) in _TEXT_PROPERTIES for n in names.split()):
        return element_text(element) or property_value(element)
    return property_value(element)


def _read_item(scope: etree._Element, scope_attr: str, prop_attr: str, depth: int = 0) -> dict[str, Any]:
    """One item as a dict of property -> list of values; nested items become nested dicts."""
    item: dict[str, Any] = {"@type": (scope.get("itemtype") or scope.get("typeof") or "").split()}
    stack = list(reversed(scope))
    while stack:
        child = stack.pop()
        if not isinstance(child.tag, str):
            continue
        names = child.get(prop_attr)
        nested = child.get(scope_attr) is not None
        if names and nested and depth < _MAX_ITEM_DEPTH:
            inner = _read_item(child, scope_attr, prop_attr, depth + 1)
            # <meta itemprop="brand" itemscope itemtype=".../Brand" content="Acme">: an empty item with a value.
            has_properties = len(inner) > 1
            content = child.get("content")
            _add(item, names, inner if has_properties or content is None else clean_text(content))
        elif names:
            _add(item, names, _text_or_value(child, names))
        if not nested:
            stack.extend(reversed(child))
    return item


def _main_item(doc: Document, scope_attr: str, prop_attr: str) -> dict[str, Any]:
    products = []
    for scope in doc.item_elements:
        if scope.get(scope_attr) is None:
            continue
        item_type = scope.get("itemtype") or scope.get("typeof") or ""
        if type_names({"@type": item_type.split()}) & PRODUCT_TYPES:
            products.append(_read_item(scope, scope_attr, prop_attr))
    main = choose_main_product(products, doc)
    return product_fields(main, doc) if main else {}


def extract_microdata(doc: Document) -> dict[str, Any]:
    """Product fields from the page's schema.org microdata (``{}`` when there is no Product item)."""
    return _main_item(doc, "itemscope", "itemprop")


def extract_rdfa(doc: Document) -> dict[str, Any]:
    """Product fields from RDFa Lite markup (``typeof="Product"`` with ``property`` attributes)."""
    return _main_item(doc, "typeof", "property")


def _in_item(element: etree._Element) -> bool:
    return element.get("itemscope") is not None or any(a.get("itemscope") is not None for a in element.iterancestors())


def extract_loose_itemprops(doc: Document) -> dict[str, Any]:
    """Product fields from ``itemprop`` attributes that belong to no item, read as one flat product."""
    item: dict[str, Any] = {"@type": ["Product"]}
    offer: dict[str, Any] = {"@type": ["Offer"]}
    for element in doc.item_elements:
        if element.get("itemprop") is None or _in_item(element):
            continue
        for name in element.get("itemprop", "").split():
            target = offer if name in {"price", "priceCurrency", "availability", "lowPrice"} else item
            target.setdefault(name, []).append(property_value(element))
    if len(item) + len(offer) == 2:
        return {}
    item["offers"] = [offer]
    return product_fields(item, doc)
