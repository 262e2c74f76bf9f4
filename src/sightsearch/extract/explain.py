"""The candidates behind a page's scored fields, for ``sightsearch extract --explain``."""

from __future__ import annotations

from sightsearch.extract.document import load_document
from sightsearch.extract.extractor import SourceRunner, structured_fields
from sightsearch.extract.heuristics import Page, labelled_values
from sightsearch.extract.merge import merge_values
from sightsearch.extract.scoring import score_fields


def explain_page(html: str | bytes, url: str) -> list[tuple[str, list[tuple[str, str, str, str]], str]]:
    """For price, availability and brand: ``(field, [(value, source, score, evidence)...], verdict)``, the
    candidates best first, and the verdict (the winner and its confidence, or why nothing was emitted)."""
    doc = load_document(html, url)
    run = SourceRunner(url)
    found = structured_fields(doc, None, run)
    visible = Page(doc) if doc.tree is not None else None
    labels = labelled_values(visible) if visible is not None else {}
    values, _ = merge_values(found)
    explained = []
    for field, decision in score_fields(doc, visible, labels, found, values.get("title")).items():
        ranked = sorted(decision.candidates, key=lambda c: c.score, reverse=True)
        rows = [(str(c.value), c.source, f"{c.score:.2f}", ", ".join(c.reasons)) for c in ranked]
        emitted = decision.emitted
        verdict = (f"{emitted.value} (confidence {decision.confidence:.2f})" if emitted is not None
                   else f"nothing emitted (best confidence {decision.confidence:.2f})")
        explained.append((field, rows, verdict))
    return explained
