"""Heuristics for what structured data misses, read from the visible page.

Each rule returns fields under its own source name (``heuristic:label``, ``heuristic:image``...). Most rules only
fill gaps; one may override structured data, because the visible page is what a buyer is shown: a structured sku
the page never shows (an internal or variant id) yields to a labelled visible product code.

Price, availability and brand are not decided here: their visible candidates are scored against the structured
ones in :mod:`sightsearch.extract.scoring`.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from sightsearch.extract.heuristics.identity import heading_title, url_product_id
from sightsearch.extract.heuristics.images import main_image
from sightsearch.extract.heuristics.labels import labelled_values
from sightsearch.extract.heuristics.page import Page
from sightsearch.records import ExtractedProduct

__all__ = ["HeuristicFields", "Page", "extract_heuristics", "labelled_values"]


class HeuristicFields(NamedTuple):
    """Fields one rule found; ``override`` ones rank above structured data, the others only fill gaps."""

    source: str
    fields: dict[str, Any]
    override: bool = False


def _identity(page: Page, labels: dict[str, str], structured: ExtractedProduct) -> list[HeuristicFields]:
    found = [HeuristicFields("heuristic:label", {k: labels[k] for k in ("sku", "mpn", "gtin") if k in labels})]
    if structured.sku and labels.get("sku") and structured.sku not in page.joined_text:
        found.insert(0, HeuristicFields("heuristic:label", {"sku": labels["sku"]}, override=True))
    if not structured.sku and "sku" not in labels:
        # A long number ending the URL is usually the sku, but nothing on the page says so: a guess.
        found.append(HeuristicFields("inferred:url", {"sku": url_product_id(page.doc.url)}))
    return found


def extract_heuristics(page: Page, labels: dict[str, str], structured: ExtractedProduct) -> list[HeuristicFields]:
    """Identity, title and image fields read from the visible page, given what structured data already found."""
    found = _identity(page, labels, structured)
    if not structured.images:
        found.append(HeuristicFields("heuristic:image", {"images": main_image(page)}))
    if not structured.title:
        found.append(HeuristicFields("heuristic:page", {"title": heading_title(page) or page.doc.title}))
    return found
