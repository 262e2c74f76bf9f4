"""The zero-configuration product extractor: every source on one parsed page, merged by precedence."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sightsearch.extract.document import Document, load_document
from sightsearch.extract.heuristics import extract_heuristics
from sightsearch.extract.jsonld import extract_jsonld
from sightsearch.extract.merge import merge_fields
from sightsearch.extract.microdata import extract_loose_itemprops, extract_microdata, extract_rdfa
from sightsearch.extract.opengraph import extract_opengraph
from sightsearch.extract.spec import SiteSpec
from sightsearch.extract.spec_apply import apply_spec
from sightsearch.records import ExtractedProduct

_STRUCTURED_SOURCES: tuple[tuple[str, Callable[[Document], dict[str, Any]]], ...] = (
    ("jsonld", extract_jsonld),
    ("microdata", extract_microdata),
    ("rdfa", extract_rdfa),
    ("itemprop", extract_loose_itemprops),
    ("opengraph", extract_opengraph),
)


def _run(source: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
    # One broken source (an odd tree, a surprising JSON shape) must not cost the fields the others found.
    try:
        return source(*args)
    except Exception:  # noqa: BLE001 - extraction promises never to raise on page content
        return {}


def extract_product(html: str | bytes, url: str, *, spec: SiteSpec | None = None) -> ExtractedProduct:
    """Extract one product from a page; never raises on malformed HTML, broken JSON or odd encodings.

    ``html`` may be bytes (the charset is read from the BOM or ``<meta>``, then guessed). ``spec`` values, when
    given, override what was found automatically. Each field's origin is recorded in ``sources``.
    """
    doc = load_document(html, url)
    found: list[tuple[str, dict[str, Any]]] = []
    if spec is not None:
        found.append(("spec", _run(apply_spec, spec, doc)))
    found.extend((name, _run(source, doc)) for name, source in _STRUCTURED_SOURCES)
    structured = merge_fields(found, url)
    try:
        heuristics = extract_heuristics(doc, structured)
    except Exception:  # noqa: BLE001 - same promise as above
        heuristics = []
    overrides = [(h.source, h.fields) for h in heuristics if h.override]
    fills = [(h.source, h.fields) for h in heuristics if not h.override]
    position = 1 if spec is not None else 0  # a person's spec still outranks every automatic rule
    return merge_fields(found[:position] + overrides + found[position:] + fills, url)
