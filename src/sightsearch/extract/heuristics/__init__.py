"""Heuristics for what structured data misses, read from the visible page.

Each rule returns fields under its own source name (``heuristic:label``, ``heuristic:price``...). Most rules only
fill gaps; two may override structured data, because the visible page is what a buyer is shown:

- a structured sku the page never shows (an internal or variant id) yields to a labelled visible product code;
- a structured price that the page shows struck through yields to the current price shown next to it.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from sightsearch.extract.currency import country_currency
from sightsearch.extract.document import Document
from sightsearch.extract.heuristics.availability import buy_button, labelled_stock, stock_message
from sightsearch.extract.heuristics.identity import brand_element, heading_title, store_brand, url_product_id
from sightsearch.extract.heuristics.images import main_image
from sightsearch.extract.heuristics.labels import labelled_values
from sightsearch.extract.heuristics.page import Page
from sightsearch.extract.heuristics.price import price_candidates, visible_price
from sightsearch.records import ExtractedProduct

__all__ = ["HeuristicFields", "extract_heuristics"]

_BESIDE = 6  # visible texts between a struck-through price and the sale price printed next to it


class HeuristicFields(NamedTuple):
    """Fields one rule found; ``override`` ones rank above structured data, the others only fill gaps."""

    source: str
    fields: dict[str, Any]
    override: bool = False


def _identity(page: Page, labels: dict[str, str], structured: ExtractedProduct) -> list[HeuristicFields]:
    found = [HeuristicFields("heuristic:label", {k: labels[k] for k in ("sku", "mpn", "gtin", "brand") if k in labels})]
    if structured.sku and labels.get("sku") and structured.sku not in page.joined_text:
        found.insert(0, HeuristicFields("heuristic:label", {"sku": labels["sku"]}, override=True))
    if not structured.brand and "brand" not in labels:
        brand = store_brand(page) or labels.get("maker") or brand_element(page)
        found.append(HeuristicFields("heuristic:brand", {"brand": brand}))
    if not structured.sku and "sku" not in labels:
        found.append(HeuristicFields("heuristic:url", {"sku": url_product_id(page.doc.url)}))
    return found


def _price(page: Page, structured: ExtractedProduct) -> list[HeuristicFields]:
    if structured.price is None:
        return [HeuristicFields("heuristic:price", visible_price(page))]
    candidates = price_candidates(page)
    shown_old = [c for c in candidates if c.old and c.amount == structured.price]
    shown_current = any(not c.old and c.amount == structured.price for c in candidates)
    if shown_old and not shown_current:
        current = visible_price(page)
        beside = [c for c in candidates if not c.old and c.amount == current.get("price")
                  and abs(c.distance - shown_old[0].distance) <= _BESIDE]
        if beside and current["price"] < structured.price:
            current["old_price"] = structured.price
            return [HeuristicFields("heuristic:price", current, override=True)]
    return []


def _availability(page: Page, labels: dict[str, str], priced: bool) -> HeuristicFields:
    if "availability" in labels and (state := labelled_stock(labels["availability"])):
        return HeuristicFields("heuristic:label", {"availability": state})
    if state := stock_message(page):
        return HeuristicFields("heuristic:stock-text", {"availability": state})
    if state := buy_button(page):
        return HeuristicFields("heuristic:buy-button", {"availability": state})
    # A product page that shows a price and says nothing about stock is, in practice, selling the product.
    return HeuristicFields("heuristic:priced", {"availability": "InStock" if priced else None})


def extract_heuristics(doc: Document, structured: ExtractedProduct) -> list[HeuristicFields]:
    """Fields read from the visible page, given what structured data already found."""
    if doc.tree is None:
        return []
    page = Page(doc)
    labels = labelled_values(page)
    found = _identity(page, labels, structured)
    found.extend(_price(page, structured))
    priced = structured.price is not None or any(f.fields.get("price") for f in found)
    if not structured.availability:
        found.append(_availability(page, labels, priced))
    if not structured.images:
        found.append(HeuristicFields("heuristic:image", {"images": main_image(page)}))
    title = structured.title or heading_title(page) or doc.title
    currency = structured.currency or country_currency(doc.country)
    found.append(HeuristicFields("heuristic:page", {"title": title, "currency": currency if priced else None}))
    return found
