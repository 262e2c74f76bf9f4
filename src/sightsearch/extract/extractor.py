"""The zero-configuration product extractor: every source on one parsed page, merged and scored.

Identity fields (title, sku, gtin, mpn, images...) are merged by source precedence; price, availability and brand
are decided by candidate scoring (:mod:`sightsearch.extract.scoring`), with a confidence per field.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from sightsearch.extract.category import breadcrumb_category
from sightsearch.extract.document import Document, load_document
from sightsearch.extract.heuristics import Page, extract_heuristics, labelled_values
from sightsearch.extract.jsonld import extract_jsonld
from sightsearch.extract.merge import merge_values
from sightsearch.extract.microdata import extract_loose_itemprops, extract_microdata, extract_rdfa
from sightsearch.extract.opengraph import extract_opengraph
from sightsearch.extract.scoring import THRESHOLDS, Decision, apply_decisions, score_fields
from sightsearch.extract.spec import SiteSpec
from sightsearch.extract.spec_apply import apply_spec
from sightsearch.extract.state import extract_state
from sightsearch.records import ExtractedProduct

logger = logging.getLogger(__name__)
T = TypeVar("T")
INFERRED = "inferred:"

_STRUCTURED_SOURCES: tuple[tuple[str, Callable[[Document], dict[str, Any]]], ...] = (
    ("jsonld", extract_jsonld),
    ("microdata", extract_microdata),
    ("rdfa", extract_rdfa),
    ("itemprop", extract_loose_itemprops),
    ("opengraph", extract_opengraph),
    ("state", extract_state),
)


class SourceRunner:
    """Runs each source of one page, so one broken source (an odd tree, a surprising JSON shape) costs only its
    own fields: the error is logged with the source's name (traceback at debug) and kept in ``errors``."""

    def __init__(self, url: str) -> None:
        self.url, self.errors = url, {}

    def __call__(self, name: str, default: T, source: Callable[..., T], *args: Any) -> T:
        try:
            return source(*args)
        except Exception as error:  # noqa: BLE001 - extraction promises never to raise on page content
            self.errors[name] = f"{type(error).__name__}: {error}"[:300]
            logger.warning("extraction source %s failed on %s: %s", name, self.url, self.errors[name])
            logger.debug("extraction source %s traceback", name, exc_info=True)
            return default


def structured_fields(doc: Document, spec: SiteSpec | None, run: SourceRunner) -> list[tuple[str, dict[str, Any]]]:
    """``(source, fields)`` of the spec (when given) and of every structured source, in precedence order."""
    found: list[tuple[str, dict[str, Any]]] = []
    if spec is not None:
        found.append(("spec", run("spec", {}, apply_spec, spec, doc)))
    for name, source in _STRUCTURED_SOURCES:
        fields = run(name, {}, source, doc)
        found.append((fields.pop("_source", name), fields))
    return found


def extract_product(page: str | bytes | Document, url: str | None = None, *, spec: SiteSpec | None = None,
                    keep_inferred: bool = True, min_confidence: float | None = None) -> ExtractedProduct:
    """Extract one product from a page; never raises on malformed HTML, broken JSON or odd encodings.

    ``page`` may be text, bytes (the charset is read from the BOM or ``<meta>``, then guessed) or a ``Document``
    already parsed by :func:`~sightsearch.extract.document.load_document` (shared with link discovery). ``spec``
    values, when given, override what was found automatically. Each field's origin is in ``sources``; guessed
    values have an ``inferred:`` source and are dropped when ``keep_inferred`` is false. ``min_confidence``
    overrides the scored fields' thresholds. Sources that raised are named in ``errors``.
    """
    doc = page if isinstance(page, Document) else load_document(page, url or "")
    fields = product_fields(doc, url or doc.url, spec, keep_inferred, min_confidence, products_only=False)
    return ExtractedProduct(**fields)  # type: ignore[arg-type]


def product_fields(doc: Document, url: str, spec: SiteSpec | None, keep_inferred: bool,
                   min_confidence: float | None, *, products_only: bool) -> dict[str, Any] | None:
    """The keyword arguments of the page's :class:`ExtractedProduct` (``url``, values, ``sources``, ``confidence``,
    ``evidence``, ``errors``), so a caller builds the model it wants once.

    With ``products_only``, ``None`` as soon as the price decision shows the page cannot be a product (a listing):
    availability, brand and category are then never scored. Pages that may be products get the same fields as
    without it.
    """
    run = SourceRunner(url)
    found = structured_fields(doc, spec, run)
    visible = Page(doc) if doc.tree is not None else None
    labels = run("heuristic:label", {}, labelled_values, visible) if visible is not None else {}
    values, sources = merge_values(found)
    structured = ExtractedProduct(url=url, **values)
    heuristics = run("heuristics", [], extract_heuristics, visible, labels, structured) if visible is not None else []
    position = 1 if spec is not None else 0  # a person's spec still outranks every automatic rule
    overrides = [(h.source, h.fields) for h in heuristics if h.override]
    fills = [(h.source, h.fields) for h in heuristics if not h.override]
    values, sources = merge_values(found[:position] + overrides + found[position:] + fills)
    may_be_product = _product_test(url, values, sources, min_confidence) if products_only else None
    decisions = run("scoring", {}, score_fields, doc, visible, labels, found, values.get("title"), may_be_product)
    if may_be_product is not None and list(decisions) == ["price"]:
        return None  # scoring stopped after the price: this page holds no product
    confidence, evidence = apply_decisions(values, sources, decisions, doc, min_confidence)
    if "category" not in values and (crumbs := run("breadcrumb", None, breadcrumb_category, doc)):
        values["category"], sources["category"] = crumbs
    if not keep_inferred:
        _drop_inferred(values, sources, confidence)
    return {"url": url, "sources": sources, "confidence": confidence, "evidence": evidence, "errors": run.errors,
            **values}


def _product_test(url: str, values: dict[str, Any], sources: dict[str, str],
                  min_confidence: float | None) -> Callable[[Decision], bool]:
    """Whether the product could still be a product once ``price`` is decided: scoring changes no other field
    :meth:`ExtractedProduct.is_product` reads, and dropping inferred values can only make it less of one."""
    threshold = THRESHOLDS["price"] if min_confidence is None else min_confidence

    def may_be_product(price: Decision) -> bool:
        emitted = price.winner is not None and price.confidence >= threshold
        try:  # the fields is_product reads, validated (2 us; model_construct takes 100)
            shape = ExtractedProduct(url=url, title=values.get("title"), sku=values.get("sku"),
                                     gtin=values.get("gtin"), sources=sources,
                                     price=price.winner.value if emitted else None)  # type: ignore[union-attr]
        except ValueError:
            return True  # odd values: let the full extraction and its validation have their say
        return shape.is_product()
    return may_be_product


def _drop_inferred(values: dict[str, Any], sources: dict[str, str], confidence: dict[str, float]) -> None:
    for name in [name for name, source in sources.items() if source.startswith(INFERRED)]:
        values.pop(name, None), sources.pop(name), confidence.pop(name, None)
