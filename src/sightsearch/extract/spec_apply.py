"""Apply a :class:`~sightsearch.extract.spec.SiteSpec` to a parsed page."""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from sightsearch.extract.availability import normalize_availability
from sightsearch.extract.currency import currency_code, find_currency
from sightsearch.extract.document import Document, clean_text, element_text
from sightsearch.extract.price import parse_price
from sightsearch.extract.spec import Selector, SiteSpec


def select_values(doc: Document, selector: Selector) -> list[str]:
    """The texts (or attribute values) a selector picks, after its regex (group 1 when it has one)."""
    values = []
    for node in doc.xpath(selector.as_xpath()):
        if isinstance(node, etree._Element):
            raw = node.get(selector.attr) if selector.attr else element_text(node)
        else:
            raw = str(node)  # an XPath that selects text or an attribute
        if raw is None:
            continue
        raw = clean_text(raw)
        if selector.regex:
            match = re.search(selector.regex, raw)
            if not match:
                continue
            raw = match.group(1) if match.groups() else match.group(0)
        if raw:
            values.append(raw)
    return values


def _convert(field: str, values: list[str], doc: Document) -> Any:
    if field == "images":
        return list(dict.fromkeys(doc.absolute(value) for value in values))
    value = values[0]
    if field in {"price", "old_price"}:
        return parse_price(value, locale_hint=doc.lang, country_hint=doc.country)[0]
    if field == "currency":
        return currency_code(value, country=doc.country) or find_currency(value, country=doc.country)
    if field == "availability":
        return normalize_availability(value)
    return value


def apply_spec(spec: SiteSpec, doc: Document) -> dict[str, Any]:
    """The fields a spec selects on the page; a price text also gives the currency when it shows one."""
    fields: dict[str, Any] = {}
    for field, selector in spec.fields.items():
        values = select_values(doc, selector)
        if values:
            fields[field] = _convert(field, values, doc)
            if field == "price" and "currency" not in spec.fields:
                fields["currency"] = parse_price(values[0], country_hint=doc.country)[1]
    return {key: value for key, value in fields.items() if value not in (None, "", [])}
