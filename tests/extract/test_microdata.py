"""Microdata (nested offers, brand items), loose itemprops, RDFa Lite and OpenGraph meta tags."""

from __future__ import annotations

from decimal import Decimal

from sightsearch.extract import extract_product
from .snippets import URL, page

MICRODATA = """
<div itemscope itemtype="http://schema.org/Product">
  <h1 itemprop="name">Blue Kettle</h1>
  <meta itemprop="sku" content="BK-7">
  <meta itemprop="brand" itemscope itemtype="http://schema.org/Brand" content="Kettlr">
  <img itemprop="image" src="/k.jpg">
  <div itemprop="offers" itemscope itemtype="http://schema.org/Offer">
    <span itemprop="price" content="1299.00">1.299,00 €</span>
    <meta itemprop="priceCurrency" content="EUR">
    <link itemprop="availability" href="http://schema.org/InStock">
  </div>
  <div itemscope itemtype="http://schema.org/Product">
    <span itemprop="name">Related</span><span itemprop="sku">REL-1</span>
  </div>
</div>
"""


def test_microdata_nested_offer_and_brand_item() -> None:
    product = extract_product(page(MICRODATA), URL)
    assert (product.title, product.sku, product.brand) == ("Blue Kettle", "BK-7", "Kettlr")
    assert (product.price, product.currency, product.availability) == (Decimal("1299.00"), "EUR", "InStock")
    assert product.images == ["https://shop.example.com/k.jpg"]
    assert product.sources["price"] == "microdata"


def test_itemprops_outside_any_item() -> None:
    body = ('<h1 itemprop="name">Kettle</h1><span itemprop="price">24.50</span>'
            '<meta itemprop="priceCurrency" content="GBP">')
    product = extract_product(page(body), URL)
    assert (product.price, product.currency) == (Decimal("24.50"), "GBP")
    assert product.sources["price"] == "itemprop"


def test_rdfa_lite() -> None:
    body = """<div vocab="http://schema.org/" typeof="Product"><h1 property="name">Kettle</h1>
      <span property="sku">R-9</span>
      <div property="offers" typeof="Offer"><span property="price">7.5</span>
      <span property="priceCurrency">USD</span></div></div>"""
    product = extract_product(page(body), URL)
    assert (product.sku, product.price, product.currency) == ("R-9", Decimal("7.5"), "USD")
    assert product.sources["sku"] == "rdfa"


def test_opengraph_product_tags() -> None:
    head = """<meta property="og:title" content="Blue Kettle">
      <meta property="product:price:amount" content="15.00"><meta property="product:price:currency" content="CAD">
      <meta property="product:availability" content="out of stock"><meta property="product:brand" content="Acme">
      <meta property="og:image" content="/og.jpg">"""
    product = extract_product(page("<p>x</p>", head=head), URL)
    assert (product.price, product.currency, product.availability) == (Decimal("15.00"), "CAD", "OutOfStock")
    assert product.brand == "Acme" and product.images == ["https://shop.example.com/og.jpg"]
    assert product.sources["price"] == "opengraph"


def test_jsonld_outranks_microdata_and_opengraph() -> None:
    head = '<meta property="product:price:amount" content="1.00">'
    hidden = MICRODATA.replace("1.299,00 €", "")  # neither price is shown: the source's prior decides
    body = ('<script type="application/ld+json">{"@type":"Product","name":"K","offers":{"price":"3.00",'
            '"priceCurrency":"EUR"}}</script>' + hidden)
    product = extract_product(page(body, head=head), URL)
    assert product.price == Decimal("3.00") and product.sources["price"] == "jsonld"
    assert product.sku == "BK-7" and product.sources["sku"] == "microdata"  # gaps are filled by the next source


def test_the_price_the_page_shows_beats_a_disagreeing_higher_source() -> None:
    body = ('<script type="application/ld+json">{"@type":"Product","name":"K","offers":{"price":"3.00",'
            '"priceCurrency":"EUR"}}</script>' + MICRODATA)
    product = extract_product(page(body), URL)
    assert product.price == Decimal("1299.00") and product.sources["price"] == "microdata"
    assert "shown on the page" in product.evidence["price"] and "beat 3.00 from jsonld" in product.evidence["price"]
