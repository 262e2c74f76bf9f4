"""Labelled fields: "SKU: 1234", "Art.-Nr. 1234", a table row "Brand | Acme", in many languages.

A label is a short visible text; its value is the rest of that text or the next visible text.
"""

from __future__ import annotations

import re
from functools import lru_cache

from sightsearch.extract.heuristics.page import Page, is_off_product

# Order matters: the first alternative that matches wins, so longer and more specific labels come first.
_LABELS: tuple[tuple[str, str], ...] = (
    ("mpn", r"item model number|model number|model name/number|modellnummer|num[ée]ro (du )?mod[èe]le( de l'article)?|"
            r"numero (di )?modello( articolo)?|n[úu]mero de modelo|manufacturer part number|mfr part number|"
            r"part number|mpn|herstellernummer|herstellerartikelnummer|r[ée]f[ée]rence fabricant|"
            r"referencia del fabricante|型番|model|modell|mod[èe]le|modelo|modello"),
    ("gtin", r"ean-?13|ean-?code|ean|gtin-?1[234]|gtin|upc|isbn-?13|isbn|barcode|c[óo]digo de barras|kod ean"),
    # Three strengths of product-code labels: the explicit ones, the usual ones, and vague ones ("Ref", "Code").
    ("sku_explicit", r"sku|asin|ugs"),  # UGS: the French SKU
    ("sku", r"item no\.?|item #|item number|item id|item code|ebay item number|num[ée]ro de l'objet( ebay)?|"
            r"codice articolo|cod\. articolo|codice prodotto|anzeigennummer|anzeigen-id|produkta kods|preces kods|"
            r"k[óo]d produktu|k[óo]d tovaru|product code|product number|product id|product no\.?|prod\. code|"
            r"web code|nr ref\.?|numer referencyjny|kod produktu|kod towaru|код товара|артикул|ad #|ad id|"
            r"ad number|post id|listing id|listing number|artikelnummer|artikel-nr\.?|art\.-nr\.?|art\. ?nr\.?|"
            r"artikelnr\.?|bestellnummer|produktnummer|numero articolo|artikelcode|varenummer|tuotenumero|cikksz[áa]m|"
            r"品番|商品番号|商品コード"),
    ("sku_weak", r"anzeige|style (code|number|no\.?|#)|ref\. no\.?|referencia|riferimento|referentie|ref\.?|r[ée]f\.?|"
                 r"r[ée]f[ée]rence|reference|код|cod|"
                 r"c[óo]digo( de producto)?|c[óo]d\.|catalogue number|cat\. ?no\.?"),
    ("brand", r"brand|marca|marke|marque|merk|m[äa]rke|varum[äa]rke|marka|z[īi]mols|v[ýy]robca|v[ýy]robce|"
              r"make/manufacturer|бренд|марка|gy[áa]rt[óo]|producent|proizvo[dđ]a[čc]|ブランド"),
    ("maker", r"manufacturer|hersteller|fabricant|fabbricante|fabricante|производитель|メーカー|make"),
    ("availability", r"availability|verf[üu]gbarkeit|disponibilit[ée]|disponibilidad|disponibilit[àa]|"
                     r"beschikbaarheid|dost[ęe]pno[śs][ćc]|pieejam[īi]ba|dostupnos[ťt]|dostupnost|наличие|"
                     r"lagerstatus|lagerbestand|stock|stato|estado|status"),
)
_LABEL = re.compile(
    "^(?:" + "|".join(f"(?P<{name}>{pattern})" for name, pattern in _LABELS) + ")"
    r"(?:(?P<colon>[ \t]*[:：#][ \t]*)|[ \t]+|$)(?P<rest>[^\n]*)$",
    re.IGNORECASE | re.MULTILINE,
)
_SEPARATOR_ONLY = re.compile(r"^[\s:：#\-–|]*$")
_CODE = re.compile(r"^[\w][\w./\-]{1,39}$")
_CAPITALS_CODE = re.compile(r"^[A-Z][A-Z_.\-]{2,19}$")
_NO_CODE = frozenset({"NONE", "NULL", "TBA", "TBD", "UNKNOWN", "DEFAULT"})
_MAX_LABEL_TEXT = 80
_CODE_FIELDS = frozenset({"sku_explicit", "sku", "sku_weak", "mpn", "gtin"})


def _valid(field: str, value: str) -> bool:
    if not value or len(value) > 60 or ":" in value:
        return False
    if field in {"sku_explicit", "sku", "sku_weak", "mpn"}:
        if not any(c.isdigit() for c in value):
            # A code of capitals alone ("OTL", "BC-PREM") only after a clear product-code label, never a word.
            return field != "sku_weak" and bool(_CAPITALS_CODE.match(value)) and value not in _NO_CODE
        return bool(_CODE.match(value.replace(" ", "-"))) and len(value.split()) <= 4
    if field == "gtin":
        digits = value.replace(" ", "").replace("-", "")
        return digits.isdigit() and len(digits) in (8, 10, 12, 13, 14)
    if field in {"brand", "maker"}:
        return 1 <= len(value.split()) <= 6 and len(value) <= 50
    return True


def _value_after(page: Page, index: int, rest: str) -> str:
    if rest and not _SEPARATOR_ONLY.match(rest):
        return rest.strip(" :：#-")
    for following in page.texts[index + 1 : index + 3]:
        if not _SEPARATOR_ONLY.match(following):
            return following.strip(" :：#")
    return ""


@lru_cache(maxsize=8192)  # a site's labels ("SKU:", "Brand:") and most of its other short texts repeat on every page
def _label_of(text: str) -> tuple[str, str, bool] | None:
    """``(field, rest, has a colon)`` when the text starts with a label, else None."""
    match = _LABEL.match(text)
    if match is None:
        return None
    field = next(name for name, _ in _LABELS if match.group(name))
    return field, match.group("rest") or "", bool(match.group("colon"))


def labelled_values(page: Page) -> dict[str, str]:
    """The first valid value per labelled field (``sku``, ``mpn``, ``gtin``, ``brand``, ``maker``, ``availability``).

    For ``sku`` an explicit label ("SKU", "ASIN") beats a usual one ("Item number"), which beats a vague one ("Ref").
    """
    found: dict[str, str] = {}
    for index, text in enumerate(page.texts):
        label = _label_of(text) if len(text) <= _MAX_LABEL_TEXT else None
        if label is None:
            continue
        field, rest, colon = label
        # "Label value" without a colon is only trusted for a single code ("SKU 1234"), never for words.
        if field in found or (rest and not colon and (field not in _CODE_FIELDS or " " in rest)):
            continue
        value = _value_after(page, index, rest)
        if _valid(field, value) and not is_off_product(page.text_nodes[index].getparent()):
            found[field] = value
    sku = found.pop("sku_explicit", None) or found.pop("sku", None) or found.pop("sku_weak", None)
    found.pop("sku", None), found.pop("sku_weak", None)
    if sku:
        found["sku"] = sku
    return found
