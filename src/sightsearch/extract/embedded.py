"""Product data a page embeds for its own scripts: JSON-LD blocks, framework state and analytics scripts, and JSON in
``data-*`` attributes. Harvested once per page by ``extract.document.load_document`` before invisible elements go."""

from __future__ import annotations

import html
import re

from lxml import etree

# data-product='{"price": ...}' or data-item="{&quot;price&quot;: ...}": product JSON a template put in an attribute.
# JSON in an attribute is either entity-encoded in double quotes ("{&quot;) or raw in single quotes ('{"): both
# are rare strings, found with str.find at memchr speed; the attribute must be a data-* one.
_JSON_STARTS = ('"{&quot;', "'{\"")
_DATA_NAME = re.compile(r"\sdata-[\w-]+\s*=\s*$")
_MAX_JSON_ATTRIBUTES, _MAX_JSON_ATTRIBUTE, _MAX_LOOKS = 20, 20_000, 300


def json_attributes(text: str) -> list[str]:
    """Up to 20 ``data-*`` attribute values that hold a JSON object mentioning a price, entities decoded."""
    found: list[str] = []
    for start_mark in _JSON_STARTS:
        quote, at, looks = start_mark[0], text.find(start_mark), 0
        while at >= 0 and len(found) < _MAX_JSON_ATTRIBUTES and looks < _MAX_LOOKS:
            looks += 1
            end = text.find(quote, at + 1, at + _MAX_JSON_ATTRIBUTE)
            value = text[at + 1 : end] if end > 0 else ""
            if _mentions_price(value) and _DATA_NAME.search(text, max(0, at - 60), at):
                found.append(html.unescape(value))
            at = text.find(start_mark, at + 1)
    return found


# Script contents that hold a shop's own product data (framework state, analytics): see extract.state.
_STATE_MARKERS = (("__NEXT_DATA__", "next"), ("__NUXT__", "nuxt"), ("__INITIAL_STATE__", "initial-state"),
                  ("__PRELOADED_STATE__", "initial-state"), ("__APOLLO_STATE__", "initial-state"),
                  ("dataLayer", "datalayer"), ("gtag(", "datalayer"))
_MAX_STATE_TEXT = 2_000_000


def _mentions_price(text: str) -> bool:
    # Plain substring tests run in C at memchr speed; a case-insensitive regex is several times slower.
    return "price" in text or "Price" in text or "PRICE" in text


def _state_kind(script: etree._Element, text: str) -> str | None:
    if script.get("id") == "__NEXT_DATA__":
        return "next"
    if len(text) > _MAX_STATE_TEXT or not _mentions_price(text):
        return None
    if "json" in (script.get("type") or "").lower():
        return "json-script"
    return next((kind for marker, kind in _STATE_MARKERS if marker in text), None)


def take_scripts(tree: etree._Element | None) -> tuple[list[str], list[tuple[str, str]]]:
    """Keep the JSON-LD blocks' and the framework state's text, then drop every invisible element (its tail
    text stays)."""
    if tree is None:
        return [], []
    jsonld, state = [], []
    for script in tree.iter("script"):
        if "ld+json" in (script.get("type") or "").lower():
            jsonld.append(script.text or "")
        elif (text := script.text) and (kind := _state_kind(script, text)):
            state.append((kind, text))
    etree.strip_elements(tree, "script", "style", "noscript", "template", with_tail=False)
    return jsonld, state
