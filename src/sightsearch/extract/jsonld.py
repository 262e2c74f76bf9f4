"""Read schema.org products from JSON-LD blocks, including the broken JSON that browsers happily ignore.

Blocks are parsed strictly first (any size), then, only under a size cap and a time budget, repaired (comments,
HTML comment wrappers, raw newlines inside strings, trailing commas), then read as a JavaScript object literal
(chompjs, C), and last, for small blocks only, with json5 (pure Python, slow: ~60 us per byte). A hostile page
with megabytes of broken JSON-LD therefore costs milliseconds, not minutes. Every node is flattened out of
``@graph`` and arrays, ``@id`` references are resolved, and the main product is chosen among all Product nodes.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import chompjs
import json5

from sightsearch.extract.document import Document
from sightsearch.extract.schema import PRODUCT_TYPES, choose_main_product, merge_variants, product_fields, type_names

_WRAPPERS = re.compile(r"^\s*(<!--|<!\[CDATA\[|//\s*<!\[CDATA\[)|(-->|\]\]>|//\s*\]\]>)\s*$")
_LINE_COMMENT = re.compile(r'("(?:[^"\\]|\\.)*")|//[^\n]*')
_TRAILING_COMMA = re.compile(r",\s*([}\]])")
REPAIR_MAX_BYTES = 512 * 1024  # a broken block larger than this is skipped, not repaired
JSON5_MAX_BYTES = 16 * 1024  # json5 is pure Python: only small blocks go that far
REPAIR_BUDGET_SECONDS = 0.25  # per block: a repair stage does not start past it


def _escape_controls_in_strings(text: str) -> str:
    """Escape raw newlines and tabs inside JSON strings, which JSON forbids and CMS templates emit."""
    out: list[str] = []
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
            elif char < " ":
                char = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(char, " ")
        elif char == '"':
            in_string = True
        out.append(char)
    return "".join(out)


def _repair(text: str) -> str:
    text = _WRAPPERS.sub("", text.strip())
    text = _LINE_COMMENT.sub(lambda m: m.group(1) or "", text)
    text = _escape_controls_in_strings(text)
    return _TRAILING_COMMA.sub(r"\1", text)


def parse_json_lenient(text: str, *, budget: float = REPAIR_BUDGET_SECONDS) -> Any:
    """Parse a JSON-LD block strictly, then repaired, then leniently; ``None`` when nothing works.

    Repair is bounded: blocks over ``REPAIR_MAX_BYTES`` are not repaired, json5 only reads blocks under
    ``JSON5_MAX_BYTES``, and no stage starts after ``budget`` seconds.
    """
    text = text.strip().lstrip("\ufeff")
    if not text:
        return None
    try:
        return json.loads(text, strict=False)
    except (ValueError, RecursionError):
        pass
    if len(text) > REPAIR_MAX_BYTES:
        return None
    deadline = time.perf_counter() + budget
    repaired = _repair(text)
    for loader in _lenient_loaders(len(repaired)):
        if time.perf_counter() > deadline:
            return None
        try:
            return loader(repaired)
        except (ValueError, RecursionError, TypeError, IndexError, MemoryError):
            continue
    # Several objects pasted into one block: read them one by one.
    return _concatenated_objects(repaired) if time.perf_counter() <= deadline else None


def _lenient_loaders(size: int) -> list[Callable[[str], Any]]:
    loaders: list[Callable[[str], Any]] = [lambda s: json.loads(s, strict=False), _parse_js_object]
    if size <= JSON5_MAX_BYTES:
        loaders.append(json5.loads)
    return loaders


def _parse_js_object(text: str) -> Any:
    """Every object literal in the text (chompjs, written in C): one value, or a list when several are pasted."""
    values = [value for value in chompjs.parse_js_objects(text) if isinstance(value, (dict, list)) and value]
    if not values:
        raise ValueError("no object literal")
    return values[0] if len(values) == 1 else values


def _concatenated_objects(text: str) -> list[Any] | None:
    decoder, found, index = json.JSONDecoder(strict=False), [], 0
    while index < len(text):
        start = text.find("{", index)
        if start < 0:
            break
        try:
            value, index = decoder.raw_decode(text, start)
        except ValueError:
            break
        found.append(value)
    return found or None


def iter_nodes(value: Any) -> Iterator[dict[str, Any]]:
    """Every JSON object in a parsed block, depth first, looking inside ``@graph``, arrays and nested values."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            yield item
            stack.extend(reversed([v for v in item.values() if isinstance(v, (dict, list))]))
        elif isinstance(item, list):
            stack.extend(reversed(item))


def jsonld_blocks(doc: Document) -> list[Any]:
    """The parsed JSON-LD blocks of a page, in document order, broken ones skipped (parsed once per document)."""
    if "jsonld" in doc.parsed:
        return doc.parsed["jsonld"]  # type: ignore[return-value]
    blocks = doc.parsed["jsonld"] = []
    for text in doc.jsonld_texts:
        parsed = parse_json_lenient(text)
        if parsed is not None:
            blocks.append(parsed)
    return blocks


def jsonld_nodes(doc: Document) -> list[dict[str, Any]]:
    """Every JSON object of the page's JSON-LD blocks, in :func:`iter_nodes` order (flattened once per document)."""
    if "jsonld_nodes" in doc.parsed:
        return doc.parsed["jsonld_nodes"]  # type: ignore[return-value]
    nodes = doc.parsed["jsonld_nodes"] = [node for block in jsonld_blocks(doc) for node in iter_nodes(block)]
    return nodes


def extract_jsonld(doc: Document) -> dict[str, Any]:
    """Product fields found in the page's JSON-LD (``{}`` when there is no product there)."""
    nodes = jsonld_nodes(doc)
    by_id = {node["@id"]: node for node in nodes if isinstance(node.get("@id"), str) and len(node) > 1}
    products = [node for node in nodes if type_names(node) & PRODUCT_TYPES]
    main = choose_main_product(products, doc)
    if main is None:
        return {}
    fields = product_fields(main, doc, resolve=by_id.get)
    return merge_variants(main, fields, products, doc, by_id.get)
