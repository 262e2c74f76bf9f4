"""The extractor as a whole: every field says where it came from, and a failing source costs only its own fields."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sightsearch.extract import extract_product, extractor

from .snippets import URL, page

BODY = """<script type="application/ld+json">{"@type":"Product","name":"Blue Kettle",
  "offers":{"@type":"Offer","price":"19.99","priceCurrency":"EUR"}}</script>
  <h1>Blue Kettle</h1><p>SKU: BK-1</p><p class="stock">In stock</p>"""


def test_sources_name_every_field() -> None:
    product = extract_product(page(BODY), URL)
    assert product.sources == {"title": "jsonld", "price": "jsonld", "currency": "jsonld", "sku": "heuristic:label",
                               "availability": "heuristic:stock-text"}
    assert product.to_output()["price"] == "19.99"


def test_bytes_and_str_give_the_same_product() -> None:
    assert extract_product(page(BODY).encode("utf-8"), URL) == extract_product(page(BODY), URL)


def test_a_failing_source_does_not_cost_the_others(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(_doc: object) -> dict:
        raise RuntimeError("surprising shape")

    sources = tuple((name, broken if name == "jsonld" else fn) for name, fn in extractor._STRUCTURED_SOURCES)
    monkeypatch.setattr(extractor, "_STRUCTURED_SOURCES", sources)
    product = extract_product(page(BODY), URL)
    assert product.price is None or product.sources["price"] != "jsonld"
    assert product.sku == "BK-1"


def test_malformed_html_still_yields_structured_data() -> None:
    html = ('<html><body><div><p><script type="application/ld+json">{"@type":"Product","name":"K","sku":"Z"}'
            "</script><table><tr><td>")
    product = extract_product(html, URL)
    assert (product.title, product.sku) == ("K", "Z")


def test_price_outside_the_product_is_not_taken_for_a_page_without_one() -> None:
    product = extract_product(page('<nav><span class="price">$1.00</span></nav><h1>About us</h1>'), URL)
    assert product.price is None and product.availability is None
    assert not product.is_product() or product.price is None


def test_decimal_output() -> None:
    product = extract_product(page(BODY), URL)
    assert isinstance(product.price, Decimal)
