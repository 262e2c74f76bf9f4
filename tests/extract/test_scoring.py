"""Candidate scoring on small synthetic pages: one test per error class of issue 17, in several languages."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from sightsearch.extract import extract_product
from sightsearch.extract.document import load_document

from .snippets import URL, page


def _ld(data: dict) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


@pytest.mark.parametrize(
    ("body", "lang", "price"),
    [  # the price a buyer pays now, not the unit price, instalment, price without VAT, deposit or bid
        ('<h1>Blue Kettle</h1><p>Grundpreis: <span class="price">2,50 €</span></p>'
         '<p><span class="price">12,50 €</span></p>', "de", "12.50"),
        ('<h1>Blue Kettle</h1><p class="price">Dès 24,90 € par mois</p><p class="price">299,00 €</p>', "fr", "299.00"),
        ('<h1>Blue Kettle</h1><div><span>Price excl. VAT</span><span class="price">£80.00</span></div>'
         '<div><span>Price</span><span class="price">£96.00</span></div>', "en", "96.00"),
        ('<h1>Blue Kettle</h1><p>Fianza <span class="price">50,00 €</span></p><p class="price">19,00 €</p>',
         "es", "19.00"),
        ('<h1>Blue Kettle</h1><p>Prezzo al kg <span class="price">€ 3,20</span></p>'
         '<p class="price">€ 8,00</p>', "it", "8.00"),
    ],
)
def test_non_buyer_prices_lose_to_the_price_a_buyer_pays(body: str, lang: str, price: str) -> None:
    product = extract_product(page(body, lang=lang), URL)
    assert product.price == Decimal(price)
    assert product.sources["price"] == "heuristic:price"


def test_sale_price_beats_list_price_in_structured_data() -> None:
    data = {"@type": "Product", "name": "Blue Kettle", "offers": {"price": "59.99", "priceCurrency": "GBP"}}
    body = _ld(data) + '<h1>Blue Kettle</h1><p><s class="price">£59.99</s> <b class="price">£44.99</b></p>'
    product = extract_product(page(body), URL)
    assert (product.price, product.old_price) == (Decimal("44.99"), Decimal("59.99"))
    assert "struck through" in product.evidence["price"]


@pytest.mark.parametrize(
    ("markup", "price"),
    [
        ('<div class="price"><span>1.299</span><sup>,00</sup> €</div>', "1299.00"),
        ('<div class="price">$<span>19</span><sup>99</sup></div>', "19.99"),
        ('<div class="price"><span>23.450</span> Kč</div>', "23450"),
    ],
)
def test_prices_split_across_elements_and_dot_grouped_thousands(markup: str, price: str) -> None:
    product = extract_product(page(f"<h1>Blue Kettle</h1>{markup}", lang="cs"), URL)
    assert product.price == Decimal(price)


def test_structured_price_with_dot_thousands_is_read_as_the_page_shows_it() -> None:
    data = {"@type": "Product", "name": "Blue Kettle", "offers": {"price": "2.449", "priceCurrency": "HUF"}}
    product = extract_product(page(_ld(data) + '<h1>Blue Kettle</h1><p class="price">2.449 Ft</p>', lang="hu"), URL)
    assert product.price == Decimal("2449") and "dot groups thousands" in product.evidence["price"]
    data["offers"] = {"price": "23.450", "priceCurrency": "CLP"}  # no minor units: never 23 pesos 45
    assert extract_product(page(_ld(data), lang="es"), URL).price == Decimal("23450")


@pytest.mark.parametrize(
    "script",
    [
        '<script id="__NEXT_DATA__" type="application/json">{"props": {"pageProps": {"product": '
        '{"name": "Blue Kettle", "price": {"value": 39.9}, "brand": "Kettlr", "currency": "EUR"}}}}</script>',
        "<script>window.__INITIAL_STATE__ = {product: {title: 'Blue Kettle', finalPrice: '39.90', "
        "brand: {name: 'Kettlr'}, currency: 'EUR'}, related: [{title: 'Red Pan', price: 5}]};</script>",
        "<script>dataLayer.push({ecommerce: {currencyCode: 'EUR', detail: {products: [{name: 'Blue Kettle', "
        "price: '39.90', brand: 'Kettlr'}]}}});</script>",
    ],
)
def test_price_from_framework_state(script: str) -> None:
    product = extract_product(page("<p>Nothing visible</p>", head=script), URL)
    assert (product.price, product.currency, product.brand) == (Decimal("39.9"), "EUR", "Kettlr")
    assert product.sources["price"].startswith("state:")


def test_state_about_another_product_is_ignored() -> None:
    script = "<script>dataLayer.push({ecommerce: {items: [{item_name: 'Garden Rake', price: 5}]}});</script>"
    assert extract_product(page("<p>x</p>", head=script), URL).price is None


def test_json_in_a_data_attribute() -> None:
    body = '<div data-product="{&quot;name&quot;: &quot;Blue Kettle&quot;, &quot;price&quot;: 24.5}"></div>'
    product = extract_product(page(body), URL)
    assert product.price == Decimal("24.5") and product.sources["price"] == "state:data-attribute"


def test_product_with_variants_is_in_stock_when_any_offer_is() -> None:
    offers = [{"sku": "K-S", "price": "10", "availability": "https://schema.org/OutOfStock"},
              {"sku": "K-M", "price": "10", "availability": "https://schema.org/InStock"}]
    data = {"@type": "Product", "name": "Blue Kettle", "offers": offers}
    assert extract_product(page(_ld(data)), URL).availability == "InStock"


@pytest.mark.parametrize(
    ("body", "lang"),
    [
        ('<h1>Blue Kettle</h1><p class="stock">Ausverkauft</p><a class="btn">Benachrichtigen Sie mich</a>', "de"),
        ('<h1>Blue Kettle</h1><p class="stock">Épuisé</p><button class="btn">M\'avertir</button>', "fr"),
        ('<h1>Blue Kettle</h1><p class="availability">Agotado</p><button disabled>Añadir al carrito</button>', "es"),
        ('<h1>Blue Kettle</h1><p class="stock">Esaurito</p><button class="btn">Avvisami</button>', "it"),
        ('<h1>Blue Kettle</h1><p class="stock">Produkt wycofany</p><button>Powiadom mnie</button>', "pl"),
    ],
)
def test_sold_out_signals_outvote_a_template_in_stock(body: str, lang: str) -> None:
    data = {"@type": "Product", "name": "Blue Kettle", "offers": {"price": "10", "priceCurrency": "EUR",
                                                                  "availability": "InStock"}}
    product = extract_product(page(_ld(data) + body, lang=lang), URL)
    assert product.availability in {"OutOfStock", "Discontinued", "SoldOut"}, product.evidence


@pytest.mark.parametrize(
    ("raw", "brand"),
    [("Brand: Kettlr", "Kettlr"), ("Marke: Kettlr", "Kettlr"), ("Marque : Kettlr", "Kettlr"),
     ("Kettlr | Shop Example", "Kettlr"), ("by Kettlr", "Kettlr")],
)
def test_brand_label_text_and_site_name_are_removed(raw: str, brand: str) -> None:
    head = '<meta property="og:site_name" content="Shop Example">'
    data = {"@type": "Product", "name": "Blue Kettle", "brand": raw}
    product = extract_product(page(_ld(data), head=head), URL)
    assert product.brand == brand


@pytest.mark.parametrize("raw", ["2021-03-04", "12.05.2020", "https://kettlr.example", "Blue Kettle"])
def test_values_that_are_no_brand_are_rejected(raw: str) -> None:
    data = {"@type": "Product", "name": "Blue Kettle", "brand": raw}
    assert extract_product(page(_ld(data)), URL).brand is None


def test_a_marketplace_name_alone_is_not_a_brand() -> None:
    data = {"@type": "Product", "name": "Blue Kettle", "brand": "Amazon"}
    product = extract_product(page(_ld(data)), URL, min_confidence=None)
    assert product.brand is None and "marketplace" in product.evidence["brand"]


def test_below_the_threshold_nothing_is_emitted() -> None:
    # No title element: a visible price nobody names is too weak to be the product's price.
    product = extract_product("<html><body><span class='price'>$5.00</span></body></html>", URL)
    assert product.price is None


@pytest.mark.parametrize(
    ("body", "category", "source"),
    [
        (_ld({"@type": "BreadcrumbList", "itemListElement": [
            {"@type": "ListItem", "position": 2, "name": "Kettles", "item": "https://shop.example.com/c/kettles"},
            {"@type": "ListItem", "position": 1, "name": "Home", "item": "https://shop.example.com/"},
            {"@type": "ListItem", "position": 3, "name": "Blue Kettle", "item": URL}]}),
         "Kettles", "breadcrumb:jsonld"),
        ('<ol itemscope itemtype="https://schema.org/BreadcrumbList"><li itemprop="itemListElement" itemscope '
         'itemtype="https://schema.org/ListItem"><a itemprop="item" href="/"><span itemprop="name">Startseite</span>'
         '</a></li><li itemprop="itemListElement" itemscope itemtype="https://schema.org/ListItem"><a itemprop="item"'
         ' href="/c/kueche"><span itemprop="name">Küche</span></a></li></ol>', "Küche", "breadcrumb:microdata"),
        ('<nav aria-label="Breadcrumb"><a href="/">Accueil</a> › <a href="/c/bouilloires">Bouilloires</a></nav>',
         "Bouilloires", "breadcrumb:nav"),
    ],
)
def test_category_from_breadcrumbs(body: str, category: str, source: str) -> None:
    product = extract_product(page("<h1>Blue Kettle</h1>" + body), URL)
    assert (product.category, product.sources["category"]) == (category, source)


def test_inferred_values_are_marked_and_can_be_dropped() -> None:
    html = page(_ld({"@type": "Product", "name": "Blue Kettle", "offers": {"price": "12.00"}}), lang="de")
    product = extract_product(html, "https://shop.example.at/p/1")
    assert (product.availability, product.sources["availability"]) == ("InStock", "inferred:priced")
    assert (product.currency, product.sources["currency"]) == ("EUR", "inferred:country")
    strict = extract_product(html, "https://shop.example.at/p/1", keep_inferred=False)
    assert strict.availability is None and strict.currency is None
    assert not any(source.startswith("inferred:") for source in strict.sources.values())
    assert strict.price == product.price == Decimal("12.00")


def test_a_sku_guessed_from_the_url_is_inferred() -> None:
    html = page("<h1>Blue Kettle</h1>")
    product = extract_product(html, "https://shop.example.com/kettles/blue-kettle-1234567.html")
    assert (product.sku, product.sources["sku"]) == ("1234567", "inferred:url")
    assert extract_product(html, "https://shop.example.com/kettles/blue-kettle-1234567.html",
                           keep_inferred=False).sku is None


def test_a_parsed_document_is_accepted() -> None:
    doc = load_document(page('<h1>Blue Kettle</h1><span class="price">$12.00</span>').encode(), URL)
    product = extract_product(doc)
    assert (product.url, product.price) == (URL, Decimal("12.00"))
    assert 0 < product.confidence["price"] <= 1


def test_a_state_price_in_cents_is_read_as_the_page_shows_it() -> None:
    script = "<script>var meta = {product: {name: 'Blue Kettle', price: 6995}}; dataLayer.push(meta);</script>"
    body = '<h1>Blue Kettle</h1><span class="price">$69.95</span>'
    product = extract_product(page(body, head=script), URL)
    assert product.price == Decimal("69.95") and "state:datalayer" in product.evidence["price"]


def test_without_h1_the_title_text_anchors_the_product() -> None:
    html = ('<html><head><title>Blue Kettle 2L - Shop Example</title></head><body><div class="related">'
            '<span class="price">€ 3,00</span></div><div class="name">Blue Kettle 2L</div>'
            '<span class="price">€ 39,90</span></body></html>')
    product = extract_product(html, URL)
    assert product.price == Decimal("39.90") and product.sources["price"] == "heuristic:price"


@pytest.mark.parametrize(
    ("label", "lang"),
    [("Sold out", "en"), ("Nicht mehr lieferbar", "de"), ("Épuisé", "fr"), ("Agotado", "es"), ("Uitverkocht", "nl")],
)
def test_an_unmarked_sold_out_label_after_the_title(label: str, lang: str) -> None:
    body = f'<h1>Blue Kettle</h1><span class="price">€ 9,00</span><p><b>{label}</b></p>'
    product = extract_product(page(body, lang=lang), URL)
    assert product.availability in {"OutOfStock", "SoldOut", "Discontinued"}
    assert product.sources["availability"] == "heuristic:stock-text"


def test_an_unavailable_image_says_nothing_about_stock() -> None:
    body = '<div><span>Bild nicht verfügbar</span></div><h1>Blue Kettle</h1><p><span>Video nicht verfügbar</span></p>'
    product = extract_product(page(body + '<span class="price">9,00 €</span>', lang="de"), URL)
    assert product.availability == "InStock" and product.sources["availability"] == "inferred:priced"


def test_the_default_variant_price_beats_the_lowest_price_of_a_range() -> None:
    offers = {"@type": "AggregateOffer", "lowPrice": "19.00", "highPrice": "49.00", "priceCurrency": "EUR"}
    body = _ld({"@type": "Product", "name": "Blue Kettle", "offers": offers})
    body += '<h1>Blue Kettle</h1><p class="price">€ 29,00</p>'
    product = extract_product(page(body, lang="de"), URL)
    assert product.price == Decimal("29.00") and "one of several offer prices" in product.evidence["price"]


def test_the_default_variant_price_the_page_shows_beats_the_first_offer() -> None:
    offers = [{"price": "19.00", "priceCurrency": "EUR", "sku": "K-S"},
              {"price": "29.00", "priceCurrency": "EUR", "sku": "K-M"}]
    body = _ld({"@type": "Product", "name": "Blue Kettle", "offers": offers})
    body += ('<h1>Blue Kettle</h1><select><option>S</option><option selected>M</option></select>'
             '<p class="price">€ 29,00</p>')
    product = extract_product(page(body, lang="de"), URL)
    assert product.price == Decimal("29.00") and product.sources["price"] == "heuristic:price"


def test_the_current_bid_is_not_the_price_the_estimate_or_buy_now_is() -> None:
    body = ('<h1>Blue Kettle</h1><div><span>Current bid:</span> <span class="price">US $12.00</span></div>'
            '<div><span>Buy It Now:</span> <span class="price">US $45.00</span></div>')
    assert extract_product(page(body), URL).price == Decimal("45.00")


@pytest.mark.parametrize("raw", ["Kettlr - shop-example.com", "Kettlr | ShopExample", "Kettlr — Shop Example"])
def test_a_site_name_suffix_is_recognised_in_any_spelling(raw: str) -> None:
    data = {"@type": "Product", "name": "Blue Kettle", "brand": raw}
    product = extract_product(page(_ld(data)), "https://www.shop-example.com/p/1")
    assert product.brand == "Kettlr" and "site-name suffix removed" in product.evidence["brand"]
