"""Site specs: loading, validation errors that name the field, URL matching, and values overriding extraction."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from sightsearch.errors import ConfigurationError
from sightsearch.extract import extract_product, load_spec, parse_spec

from .snippets import URL, page

SPEC_YAML = """
name: example shop
match: "*.example.com"
render: auto
wait_for: ".product"
fields:
  title: {css: "h1.name"}
  price: {css: ".our-price"}
  sku: {xpath: "//p[@class='code']", regex: "Code: (\\\\w+)"}
  images: {css: ".gallery img", attr: src, multiple: true}
  availability: {css: ".stock"}
product_links: {css: "a.product-link", attr: href}
pagination: {xpath: "//a[@rel='next']/@href"}
"""

BODY = """<h1>Auto title</h1><h1 class="name">Spec title</h1><span class="our-price">CHF 1'299.–</span>
  <span class="price">CHF 5.00</span><p class="code">Code: ZX81</p><p class="stock">Ausverkauft</p>
  <div class="gallery"><img src="/a.jpg"><img src="b.jpg"></div>"""


@pytest.fixture
def spec_file(tmp_path: Path) -> Path:
    path = tmp_path / "shop.yaml"
    path.write_text(SPEC_YAML)
    return path


def test_load_and_apply(spec_file: Path) -> None:
    spec = load_spec(spec_file)
    assert (spec.render, spec.wait_for, spec.product_links.attr) == ("auto", ".product", "href")
    product = extract_product(page(BODY), URL, spec=spec)
    assert (product.title, product.price, product.currency) == ("Spec title", Decimal("1299"), "CHF")
    assert (product.sku, product.availability) == ("ZX81", "OutOfStock")
    assert product.images == ["https://shop.example.com/a.jpg", "https://shop.example.com/p/b.jpg"]
    assert {product.sources[f] for f in ("title", "price", "sku", "images")} == {"spec"}


def test_spec_beats_structured_data(spec_file: Path) -> None:
    body = '<script type="application/ld+json">{"@type":"Product","name":"LD","sku":"LD-1"}</script>' + BODY
    product = extract_product(page(body), URL, spec=load_spec(spec_file))
    assert product.sku == "ZX81" and product.sources["sku"] == "spec"


def test_match_host_glob_and_regex() -> None:
    glob = parse_spec({"name": "a", "match": "*.example.com"})
    assert glob.matches("https://shop.example.com/x") and glob.matches("https://example.com/")
    assert not glob.matches("https://example.org/")
    regex = parse_spec({"name": "b", "match": r"^https://shop\.example\.com/p/"})
    assert regex.matches(URL) and not regex.matches("https://shop.example.com/cart")


@pytest.mark.parametrize(
    ("data", "named"),
    [
        ({"name": "x", "match": "a", "fields": {"colour": {"css": "b"}}}, "colour"),
        ({"name": "x", "match": "a", "fields": {"price": {"css": "b", "xpath": "//b"}}}, "fields.price"),
        ({"name": "x", "match": "a", "fields": {"price": {}}}, "fields.price"),
        ({"name": "x", "match": "a", "fields": {"sku": {"css": "p", "regex": "("}}}, "fields.sku"),
        ({"name": "x", "match": "a", "fields": {"sku": {"xpath": "//p["}}}, "fields.sku"),
        ({"name": "x", "match": "a", "fields": {"sku": {"css": "p", "atr": "x"}}}, "fields.sku.atr"),
        ({"name": "x", "match": "a", "render": "sometimes"}, "render"),
        ({"match": "a"}, "name"),
        ({"name": "x", "match": "^(unclosed"}, "match"),
    ],
)
def test_invalid_specs_name_the_field(data: dict, named: str) -> None:
    with pytest.raises(ConfigurationError, match=named.replace(".", r"\.")):
        parse_spec(data)


def test_unreadable_or_non_mapping_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="cannot read"):
        load_spec(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("- just\n- a list\n")
    with pytest.raises(ConfigurationError, match="mapping"):
        load_spec(bad)
