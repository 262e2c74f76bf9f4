"""JSON-LD: nested @graph, arrays, offer shapes, references, images, brands, and broken JSON."""

from __future__ import annotations

import json
from decimal import Decimal

from sightsearch.extract import extract_product
from sightsearch.extract.jsonld import parse_json_lenient
from .snippets import URL, page


def _ld(data: object | str) -> str:
    text = data if isinstance(data, str) else json.dumps(data)
    return page(f'<script type="application/ld+json">{text}</script><h1>Blue Kettle</h1>')


def test_graph_with_references() -> None:
    data = {"@context": "https://schema.org", "@graph": [
        {"@type": "WebPage", "@id": "#page"},
        {"@type": "Product", "name": "Blue Kettle", "sku": "K-1", "brand": {"@id": "#brand"},
         "offers": {"@id": "#offer"}},
        {"@type": "Brand", "@id": "#brand", "name": "Kettlr"},
        {"@type": "Offer", "@id": "#offer", "price": "19.90", "priceCurrency": "EUR",
         "availability": "https://schema.org/InStock"},
    ]}
    product = extract_product(_ld(data), URL)
    assert (product.title, product.sku, product.brand) == ("Blue Kettle", "K-1", "Kettlr")
    assert (product.price, product.currency, product.availability) == (Decimal("19.90"), "EUR", "InStock")
    assert product.sources["price"] == "jsonld"


def test_list_of_offers_takes_first_priced() -> None:
    data = [{"@type": "Product", "name": "Kettle", "offers": [
        {"@type": "Offer", "priceCurrency": "USD"},
        {"@type": "Offer", "price": 25, "priceCurrency": "USD", "availability": "OutOfStock"},
    ]}]
    product = extract_product(_ld(data), URL)
    assert (product.price, product.availability) == (Decimal("25"), "OutOfStock")


def test_aggregate_offer_low_price() -> None:
    data = {"@type": "Product", "name": "Kettle",
            "offers": {"@type": "AggregateOffer", "lowPrice": "352.00", "highPrice": "376.45", "priceCurrency": "BYN"}}
    product = extract_product(_ld(data), URL)
    assert (product.price, product.currency) == (Decimal("352.00"), "BYN")


def test_price_specification() -> None:
    data = {"@type": "Product", "name": "Kettle", "offers": {"@type": "Offer", "priceSpecification": [
        {"@type": "UnitPriceSpecification", "price": 9.5, "priceCurrency": "GBP"}]}}
    product = extract_product(_ld(data), URL)
    assert (product.price, product.currency) == (Decimal("9.5"), "GBP")


def test_image_objects_and_relative_urls() -> None:
    data = {"@type": "Product", "name": "Kettle", "image": [
        {"@type": "ImageObject", "contentUrl": "/img/a.jpg"},
        {"@type": "ImageObject", "url": "https://cdn.example/b.jpg"},
        "/img/a.jpg"]}
    product = extract_product(_ld(data), URL)
    assert product.images == ["https://shop.example.com/img/a.jpg", "https://cdn.example/b.jpg"]


def test_brand_as_text_list_and_object() -> None:
    assert extract_product(_ld({"@type": "Product", "name": "K", "brand": "Acme"}), URL).brand == "Acme"
    brand_list = {"@type": "Product", "name": "K", "brand": [{"@type": "Brand", "name": "Acme"}]}
    assert extract_product(_ld(brand_list), URL).brand == "Acme"


def test_main_product_beats_related_products() -> None:
    data = [{"@type": "Product", "name": "Other thing", "sku": "X"},
            {"@type": "Product", "name": "Blue Kettle", "sku": "K-1", "url": URL,
             "offers": {"@type": "Offer", "price": "10", "priceCurrency": "EUR"}}]
    assert extract_product(_ld(data), URL).sku == "K-1"


def test_variants_make_product_available_and_variant_sku_is_not_the_sku() -> None:
    variants = [{"@type": "Product", "name": "Dress", "sku": f"123-{size}",
                 "offers": {"@type": "Offer", "price": "99", "priceCurrency": "NZD",
                            "availability": "http://schema.org/" + ("OutOfStock" if size == "S" else "InStock")}}
                for size in ("S", "M")]
    product = extract_product(_ld(variants), URL)
    assert product.availability == "InStock"
    assert product.sku is None and product.attributes["variant_sku"] == "123-S"


def test_broken_json_is_repaired() -> None:
    broken = """{
      "@context": "https://schema.org", // a comment
      "@type": "Product",
      "name": "Blue
Kettle",
      "offers": {"@type": "Offer", "price": "5.00", "priceCurrency": "EUR",},
    }"""
    product = extract_product(_ld(broken), URL)
    assert product.title == "Blue Kettle"
    assert product.price == Decimal("5.00")


def test_lenient_parser_shapes() -> None:
    assert parse_json_lenient("<!-- {\"a\": 1} -->") == {"a": 1}
    assert parse_json_lenient("{'a': 1, b: [1,2,],}") == {"a": 1, "b": [1, 2]}
    assert parse_json_lenient('{"a": 1}{"b": 2}') == [{"a": 1}, {"b": 2}]
    assert parse_json_lenient("not json at all") is None
    assert parse_json_lenient("") is None


def test_zero_price_is_a_template_default() -> None:
    data = {"@type": "Product", "name": "K", "offers": {"@type": "Offer", "price": "0.00", "priceCurrency": "EUR"}}
    assert extract_product(_ld(data), URL).price is None
