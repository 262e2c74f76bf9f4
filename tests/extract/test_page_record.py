"""The crawl's record of a page: the same record ``extract_product`` gives, built once, and none for a page that
holds no product, whether the extraction stopped early (a listing) or ran to the end."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from sightsearch.extract import extract_product
from sightsearch.extract.document import load_document
from sightsearch.extract.heuristics import Page, labelled_values
from sightsearch.extract.heuristics.labels import _LABEL, _LABELS, _label_of
from sightsearch.extract.page_record import page_record
from sightsearch.records import ProductRecord

from .snippets import URL, page

LD = {"@type": "Product", "name": "Blue Kettle", "sku": "BK-1", "brand": "Kettlr",
      "offers": {"price": "39.90", "priceCurrency": "EUR", "availability": "https://schema.org/InStock"}}
CARDS = "".join(f'<li class="card"><a href="/p/{i}">Lamp {i}</a> <span class="price">${10 + i}.00</span></li>'
                for i in range(8))
PAGES = {
    "json-ld": page(f'<script type="application/ld+json">{json.dumps(LD)}</script><h1>Blue Kettle</h1>'
                    "<p class='price'>€ 39,90</p><button>Add to cart</button>"),
    "visible only": page("<h1>Blue Kettle</h1><p class='price'>$24.90</p><p>SKU: BK-2</p><button>Sold out</button>"),
    "guessed sku": page("<h1>Blue Kettle</h1><p>A kettle, nothing more.</p>"),
    "listing": "<html><body><h1>Lamps</h1><ul>" + CARDS + "</ul></body></html>",
    "help page": "<html><head><title>Help</title></head><body><h1>Shipping</h1><p>We ship.</p></body></html>",
    "empty": "",
}


def _record_the_long_way(html: str, url: str, keep_inferred: bool) -> ProductRecord | None:
    """What ``page_record`` gave before it built its record once: the product, then a record copied from it."""
    product = extract_product(html, url, keep_inferred=keep_inferred)
    if not product.is_product():
        return None
    return ProductRecord(**product.model_dump(), run_id="run-1", fetched_at=None)


@pytest.mark.parametrize("keep_inferred", [True, False])
@pytest.mark.parametrize("name", list(PAGES))
def test_the_record_is_the_one_extract_product_gives(name: str, keep_inferred: bool) -> None:
    url = URL + "-12345678" if name == "guessed sku" else URL
    record = page_record(PAGES[name], url, "run-1", keep_inferred=keep_inferred)
    expected = _record_the_long_way(PAGES[name], url, keep_inferred)
    if expected is None:
        assert record is None
    else:
        assert record is not None
        assert record.model_dump(exclude={"fetched_at"}) == expected.model_dump(exclude={"fetched_at"})


def test_a_listing_stops_after_its_price_and_a_product_page_does_not() -> None:
    listing = page_record(load_document(PAGES["listing"], URL), URL, "run-1")
    product = page_record(load_document(PAGES["json-ld"], URL), URL, "run-1")
    assert listing is None
    assert product is not None and (product.price, product.availability, product.brand) == (
        Decimal("39.90"), "InStock", "Kettlr")
    assert set(product.confidence) == {"price", "availability", "brand"}


def test_visible_texts_are_cleaned_like_each_text_on_its_own() -> None:
    odd = "\u00a0Blue\u200b  Kettle\t\n", "\x1cSKU:\u2028", "BK-1\u202a", "  ", "Price\u3000€ 4"
    doc = load_document(page("".join(f"<p>{text}</p>" for text in odd)), URL)
    texts = Page(doc).texts
    assert texts == ["Blue Kettle", "SKU:", "BK-1", "Price € 4"]


def _labels_in_one_pass(visible: Page) -> list[tuple[int, str]]:
    """Which texts hold which label, read the way labelled_values read them before: one regex over all lines."""
    lines, found, start = "\n".join(visible.texts), [], 0
    starts = [start := start + len(text) + 1 for text in visible.texts]
    for match in _LABEL.finditer(lines):
        index = sum(1 for at in starts if at <= match.start())
        found.append((index, next(name for name, _ in _LABELS if match.group(name))))
    return found


def test_labels_read_text_by_text_are_the_ones_one_pass_finds() -> None:
    body = ("<h1>Blue Kettle</h1><p>SKU: BK-1</p><p>Brand</p><p>Kettlr</p><p>Art.-Nr. 778899</p>"
            f"<p>{'Long description ' * 8}</p><p>EAN 4006381333931</p><p>Model number: KX-9</p><p>Availability:</p>"
            "<p>In stock</p><p>ref</p>")
    visible = Page(load_document(page(body), URL))
    assert labelled_values(visible) == {"sku": "BK-1", "brand": "Kettlr", "gtin": "4006381333931", "mpn": "KX-9",
                                        "availability": "In stock"}
    per_text = [(index, label[0]) for index, text in enumerate(visible.texts) if (label := _label_of(text))]
    assert per_text == _labels_in_one_pass(visible)
