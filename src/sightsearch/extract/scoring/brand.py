"""Brand candidates: structured brands, labelled fields, "Visit the X store" links and brand elements, cleaned.

A brand value is cleaned before it is scored: label text ("Brand:", "Marke:", "Marque :") is cut off, a site-name
suffix ("Acme | Shop") is removed, and values that are no brand at all (a date, a URL, the product title, a
sentence) are rejected. A marketplace's own name or a placeholder ("Generic", "No brand") loses 0.65: kept only
when something else on the page agrees. Hand-set scores: structured sources their prior, a labelled field 0.75,
a "Visit the X store" link 0.70, a manufacturer label 0.50, a brand-classed element near the title 0.45.
"""

from __future__ import annotations

import re
from typing import Any

from sightsearch.extract.document import Document
from sightsearch.extract.heuristics.identity import brand_element, store_brand
from sightsearch.extract.heuristics.page import Page
from sightsearch.extract.merge import usable
from sightsearch.extract.opengraph import meta_tags
from sightsearch.extract.scoring.candidates import Candidate, prior

_LABEL_PREFIX = re.compile(
    r"^(?:brand(?: name)?|marke|marque|marca|merk|m[äa]rke|varum[äa]rke|marka|бренд|марка|manufacturer|hersteller|"
    r"fabricant|fabricante|produttore|producent|by|von|par|di|de|from)\s*[:：]\s*|^(?:by|von|par|door)\s+",
    re.IGNORECASE,
)
_SUFFIX_SPLIT = re.compile(r"\s+[|–—·:]\s+|\s+-\s+")
_DATE = re.compile(r"\b\d{1,4}[./-]\d{1,2}[./-]\d{2,4}\b|\b(19|20)\d{2}-\d{2}\b|^\d{1,2}\.? ?[^\W\d]+\.? (19|20)\d{2}$|"
                   r"^[^\W\d]+\.? \d{1,2},? (19|20)\d{2}$")
_MARKETPLACES = frozenset(
    "amazon ebay etsy aliexpress alibaba walmart allegro mercadolibre mercado libre rakuten cdiscount flipkart jumia "
    "wish bol.com ozon wildberries trendyol shopee lazada tokopedia kaufland otto zalando fnac".split()
)
_PLACEHOLDERS = frozenset({"generic", "unbranded", "no brand", "nobrand", "sans marque", "ohne marke", "sin marca",
                           "senza marca", "geen merk", "bez marki", "does not apply", "unknown", "other", "n/a",
                           "na", "none", "brand", "marke", "marque", "marca"})
_PENALTY = 0.65


def site_names(doc: Document) -> set[str]:
    """The names the site calls itself by: ``og:site_name``, ``application-name`` and the host's own label."""
    tags = meta_tags(doc)
    names = {tags[key].casefold() for key in ("og:site_name", "application-name") if tags.get(key)}
    labels = [label for label in doc.host.lower().split(".") if label not in {"www", "shop", "store", "m"}]
    if len(labels) >= 2:
        names.add(labels[-3] if len(labels) >= 3 and len(labels[-2]) <= 3 else labels[-2])  # shop.co.uk -> shop
    return {key for key in map(site_key, names) if key}


def site_key(name: str) -> str:
    """A name compared without case, spaces or punctuation: "Shop Example", "shop-example", "ShopExample.com"."""
    return re.sub(r"\W|_", "", name.casefold()).removesuffix("com")


def _is_site(part: str, sites: set[str]) -> bool:
    key = site_key(part)
    return bool(key) and any(key == site or (len(site) >= 4 and key.startswith(site)) for site in sites)


def clean_brand(value: str, sites: set[str], title: str | None) -> tuple[str | None, tuple[str, ...]]:
    """The brand in a raw value and what was done to it; ``None`` when the value is no brand."""
    reasons: list[str] = []
    text = " ".join(str(value).split())
    stripped = _LABEL_PREFIX.sub("", text)
    if stripped != text:
        text, reasons = stripped, ["label text removed"]
    parts = _SUFFIX_SPLIT.split(text)
    if len(parts) > 1 and any(_is_site(part, sites) for part in parts[1:]):
        text, reasons = parts[0], [*reasons, "site-name suffix removed"]
    text = text.strip(" :-|,;")
    if not text or len(text) > 50 or len(text.split()) > 6 or "://" in text or _DATE.search(text):
        return None, ()
    if not any(char.isalpha() for char in text) or (title and text.casefold() == title.casefold()):
        return None, ()
    return text, tuple(reasons)


def _scored(value: str, source: str, score: float, sites: set[str], title: str | None) -> Candidate | None:
    brand, reasons = clean_brand(value, sites, title)
    if brand is None:
        return None
    candidate = Candidate("brand", brand, source, score, reasons)
    key = brand.casefold()
    if key in _MARKETPLACES:
        return candidate.adjusted(-_PENALTY, "a marketplace's name")
    if key in _PLACEHOLDERS:
        return candidate.adjusted(-_PENALTY, "a placeholder")
    return candidate


def brand_candidates(doc: Document, page: Page | None, labels: dict[str, str],
                     found: list[tuple[str, dict[str, Any]]], title: str | None) -> list[Candidate]:
    """Every brand candidate of the page, cleaned; values that are no brand are left out."""
    sites = site_names(doc)
    raw = [(fields["brand"], source, prior(source)) for source, fields in found if usable("brand", fields.get("brand"))]
    if page is not None:
        if "brand" in labels:
            raw.append((labels["brand"], "heuristic:label", 0.75))
        if store := store_brand(page):
            raw.append((store, "heuristic:brand", 0.7))
        if "maker" in labels:
            raw.append((labels["maker"], "heuristic:label", 0.5))
        if element := brand_element(page):
            raw.append((element, "heuristic:brand", 0.45))
    scored = (_scored(str(value), source, score, sites, title) for value, source, score in raw)
    return [candidate for candidate in scored if candidate is not None]
