"""Heuristics on the visible page: labelled codes, the main price, old prices, stock text, buttons, brand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sightsearch.extract import extract_product
from sightsearch.extract.heuristics.identity import url_product_id

from .snippets import URL, page

RELATED = """<div class="related-products"><h2>You may also like</h2>
  <div class="product-card"><span class="price">€ 5,00</span><button>Add to cart</button></div></div>"""


def test_main_price_is_the_one_near_the_title_not_in_related_products() -> None:
    body = f"""{RELATED}<main><h1>Blue Kettle</h1><div class="product-price"><span class="price">€ 39,90</span></div>
      </main><div class="price">€ 1,00</div>"""
    product = extract_product(page(body, lang="de"), URL)
    assert (product.price, product.currency) == (Decimal("39.90"), "EUR")
    assert product.sources["price"] == "heuristic:price"


def test_struck_through_price_is_the_old_price() -> None:
    body = """<h1>Blue Kettle</h1><div class="price-box"><del class="price">£59.99</del>
      <span class="price">£49.99</span></div>"""
    product = extract_product(page(body), URL)
    assert (product.price, product.old_price, product.currency) == (Decimal("49.99"), Decimal("59.99"), "GBP")


def test_old_and_new_price_in_one_box() -> None:
    body = '<h1>Phone</h1><div class="item-price"><s>49 890 тг.</s><br><span>44 890 тг.</span></div>'
    product = extract_product(page(body, lang="ru"), URL)
    assert (product.price, product.old_price, product.currency) == (Decimal("44890"), Decimal("49890"), "KZT")


def test_unit_price_is_not_the_price() -> None:
    body = '<h1>Cream</h1><span class="price">(4,36 € / 100 ml)</span><span class="price">8,71 €</span>'
    assert extract_product(page(body, lang="de"), URL).price == Decimal("8.71")


def test_bare_number_in_price_box_is_ignored() -> None:
    assert extract_product(page('<h1>Kettle</h1><span class="price">4</span>'), URL).price is None


def test_visible_sale_price_corrects_structured_regular_price() -> None:
    body = """<div itemscope itemtype="http://schema.org/Product"><h1 itemprop="name">Bag</h1>
      <div itemprop="offers" itemscope itemtype="http://schema.org/Offer"><meta itemprop="price" content="219.99">
      <meta itemprop="priceCurrency" content="EUR"></div>
      <div class="price-block"><span class="old-price">EUR219.99</span>
      <span class="current-price">EUR110.00</span></div></div>"""
    product = extract_product(page(body), URL)
    assert (product.price, product.old_price) == (Decimal("110.00"), Decimal("219.99"))
    assert product.sources["price"] == "heuristic:price"


@pytest.mark.parametrize(
    ("snippet", "field", "value"),
    [
        ("<table><tr><th>ASIN</th><td>B07FW264WL</td></tr></table>", "sku", "B07FW264WL"),
        ("<p>Art.-Nr.: 4711-A</p>", "sku", "4711-A"),
        ("<span>Codice articolo:</span> <b>66868</b>", "sku", "66868"),
        ("<p>Produkta kods 545642356</p>", "sku", "545642356"),
        ("<dl><dt>Item model number</dt><dd>A157S546</dd></dl>", "mpn", "A157S546"),
        ("<dl><dt>EAN</dt><dd>5018479061991</dd></dl>", "gtin", "5018479061991"),
        ("<p>Marke: Oceana</p>", "brand", "Oceana"),
        ("<a>Visit the Gothamite Store</a>", "brand", "Gothamite"),
        ("<span>make/manufacturer:</span> <b>Indesit</b>", "brand", "Indesit"),
    ],
)
def test_labelled_fields(snippet: str, field: str, value: str) -> None:
    product = extract_product(page(f"<h1>Blue Kettle</h1>{snippet}"), URL)
    assert getattr(product, field) == value
    assert product.sources[field].startswith("heuristic:")


def test_explicit_sku_label_beats_vague_reference() -> None:
    body = "<h1>K</h1><table><tr><td>Référence</td><td>QB737</td></tr><tr><td>ASIN</td><td>B08LNDXM65</td></tr></table>"
    assert extract_product(page(body), URL).sku == "B08LNDXM65"


def test_label_words_inside_sentences_are_not_labels() -> None:
    body = "<h1>K</h1><p>Make sure everyone is in shot with this stick</p><p>Brand new and boxed</p>"
    assert extract_product(page(body), URL).brand is None


def test_hidden_structured_sku_yields_to_visible_labelled_code() -> None:
    body = ('<script type="application/ld+json">{"@type":"Product","name":"K","sku":"10134622"}</script>'
            "<h1>K</h1><p>Product code: 141677</p>")
    assert extract_product(page(body), URL).sku == "141677"


def test_shown_structured_sku_is_kept() -> None:
    body = ('<script type="application/ld+json">{"@type":"Product","name":"K","sku":"ABC-1"}</script>'
            "<h1>K</h1><p>SKU: ABC-1</p><p>Ref: 999</p>")
    assert extract_product(page(body), URL).sku == "ABC-1"


def test_sku_from_url_id() -> None:
    assert url_product_id("https://shop.example/cat/kettle-1609583.html") == "1609583"
    assert url_product_id("https://shop.example/itm/302474151804") == "302474151804"
    assert url_product_id("https://shop.example/kettle-p11002710.html") is None
    assert url_product_id("https://shop.example/kettle-12.html") is None


@pytest.mark.parametrize(
    ("body", "expected", "source"),
    [
        ('<h1>K</h1><div id="availability"><span>Currently unavailable.</span></div><button>Add to cart</button>',
         "OutOfStock", "heuristic:stock-text"),
        ('<h1>K</h1><p class="stock in-stock">Auf Lager</p>', "InStock", "heuristic:stock-text"),
        ("<h1>K</h1><p>Availability: 4 pcs</p>", "InStock", "heuristic:label"),
        ("<h1>K</h1><button type=submit>Ajouter au panier</button>", "InStock", "heuristic:buy-button"),
        ("<h1>K</h1><button disabled>Add to cart</button>", "OutOfStock", "heuristic:buy-button"),
        ('<h1>K</h1><span class="price">$5.00</span>', "InStock", "inferred:priced"),
    ],
)
def test_availability_from_the_page(body: str, expected: str | None, source: str | None) -> None:
    product = extract_product(page(body), URL)
    assert product.availability == expected
    assert product.sources.get("availability") == source


def test_stock_text_in_related_products_is_ignored() -> None:
    body = '<h1>K</h1><div class="related"><span class="stock">Out of stock</span></div>'
    assert extract_product(page(body), URL).availability is None


def test_structured_availability_wins_over_page_text() -> None:
    body = ('<script type="application/ld+json">{"@type":"Product","name":"K","offers":{"price":"2",'
            '"priceCurrency":"EUR","availability":"http://schema.org/OutOfStock"}}</script>'
            "<h1>K</h1><button>Add to cart</button>")
    assert extract_product(page(body), URL).availability == "OutOfStock"


def test_brand_element_and_template_placeholders() -> None:
    assert extract_product(page('<h1>Kettle</h1><a class="product-brand">Kettlr</a>'), URL).brand == "Kettlr"
    head = '<meta property="product:brand" content="$metabrand">'
    assert extract_product(page("<h1>Kettle</h1>", head=head), URL).brand is None


def test_title_falls_back_to_the_heading() -> None:
    product = extract_product(page('<h1>Blue Kettle 2L</h1><span class="price">12,50</span><span>€</span>'),
                              "https://shop.example.de/k")
    assert product.title == "Blue Kettle 2L" and product.sources["title"] == "heuristic:page"


def test_main_image_prefers_the_real_address_of_a_lazy_image() -> None:
    body = """<h1>K</h1><div class="related"><img class="main-image" src="/other.jpg"></div>
      <div id="main-image-container"><img src="data:image/gif;base64,R0l" data-src="/big/k.jpg"></div>"""
    product = extract_product(page(body), URL)
    assert product.images == ["https://shop.example.com/big/k.jpg"]
    assert product.sources["images"] == "heuristic:image"


def test_html_escaped_structured_text_is_unescaped() -> None:
    body = ('<script type="application/ld+json">{"@type":"Product","name":"11&quot; iPad","category":"12345"}'
            "</script>")
    product = extract_product(page(body), URL)
    assert product.title == '11" iPad' and product.category is None


def _cards(n: int) -> str:
    return "".join(f'<div class="card"><a href="/p/{i}">Lamp {i}</a><span class="price">${10 + i}.00</span></div>'
                   for i in range(n))


def test_a_listing_page_has_no_product_price() -> None:
    html = f"<html><body><h1>Lamps</h1><div class='grid'>{_cards(8)}</div></body></html>"
    product = extract_product(html, "https://shop.test/c/lamps")
    assert product.price is None
    assert not product.is_product()


def test_a_product_page_above_a_strip_of_priced_cards_keeps_its_price() -> None:
    html = (f"<html><body><h1>Desk lamp</h1><p class='price'>$49.00</p><button>Add to cart</button>"
            f"<section><h2>You may also like</h2>{_cards(6)}</section></body></html>")
    assert extract_product(html, "https://shop.test/p/desk-lamp").price == Decimal("49.00")


def test_look_alike_page_sections_are_not_cards() -> None:
    sections = "".join(f'<div class="widget"><a href="/help/{i}">Help topic {i}</a></div>' for i in range(8))
    html = (f"<html><body><div class='widget'><h1>Desk lamp</h1></div>"
            f"<div class='widget'><a href='/offers'>Offers</a><span class='price'>$49.00</span></div>{sections}"
            f"</body></html>")
    assert extract_product(html, "https://shop.test/p/desk-lamp").price == Decimal("49.00")
