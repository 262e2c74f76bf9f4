"""Markup of the common shop platforms and page styles that no benchmark page showed: one rule per test, each a
cause of misses found on hand-written pages in the platforms' 2021-era markup (WooCommerce, Magento, BigCommerce,
OpenCart, Shopify, PrestaShop, Shopware)."""

from __future__ import annotations

import json
from decimal import Decimal

from sightsearch.extract import extract_product

from .snippets import URL, page


def _woo_amount(amount: str, symbol: str = "&pound;") -> str:
    return (f'<span class="woocommerce-Price-amount amount"><bdi><span class="woocommerce-Price-currencySymbol">'
            f"{symbol}</span>{amount}</bdi></span>")


def test_currency_sign_in_its_own_price_element_does_not_hide_the_amount() -> None:
    """WooCommerce: the sign is a price-classed element and the amount is its tail text."""
    body = f'<h1>Claw Hammer</h1><p class="price"><del>{_woo_amount("30.00")}</del> <ins>{_woo_amount("24.50")}</ins></p>'
    product = extract_product(page(body), URL)
    assert (product.price, product.old_price, product.currency) == (Decimal("24.50"), Decimal("30.00"), "GBP")


def test_old_price_words_inside_class_words_do_not_make_an_old_price() -> None:
    """"price-wrapper" holds "per" and "sold-out" holds "old": neither makes the price a unit or old price."""
    body = """<h1>Strive Pack</h1><div class="price-box price--sold-out"><span class="price-wrapper">
      <span class="price">$32.00</span></span></div>"""
    assert extract_product(page(body), URL).price == Decimal("32.00")


def test_old_price_class_words_still_count_at_a_token_start() -> None:
    body = """<h1>Strive Pack</h1><span class="oldPrice">$45.00</span><span class="price--old">$44.00</span>
      <span class="price">$32.00</span>"""
    product = extract_product(page(body), URL)
    assert (product.price, product.old_price) == (Decimal("32.00"), Decimal("45.00"))


def test_lone_price_classed_regular_is_the_price() -> None:
    """Magento 1 "regular-price" and Magento 2 "normal-price" hold the only price when nothing is on sale."""
    body = ('<h1>Linen Blazer</h1><div class="price-box"><span class="regular-price" id="product-price-411">'
            '<span class="price">$455.00</span></span></div>')
    assert extract_product(page(body), URL).price == Decimal("455.00")


def test_lone_struck_through_price_is_still_not_the_price() -> None:
    body = '<h1>Linen Blazer</h1><div class="price-box"><del class="price">$455.00</del></div>'
    assert extract_product(page(body), URL).price is None


def test_was_label_makes_the_price_beside_it_old() -> None:
    """BigCommerce prints "Was:" before the non-sale price; other shops put "Was" in the price text."""
    body = """<h1>Orbit Terrarium</h1><div class="price-section">Was: <span class="price price--non">$109.00</span></div>
      <div class="price-section"><span class="price price--withoutTax">$89.00</span></div>"""
    assert extract_product(page(body), URL).price == Decimal("89.00")
    body = '<h1>Desk Chair</h1><span class="price">Was $249.99</span><span class="price">Now $179.99</span>'
    product = extract_product(page(body), URL)
    assert (product.price, product.old_price) == (Decimal("179.99"), Decimal("249.99"))


def test_count_before_a_price_is_not_the_amount() -> None:
    body = '<h1>Kettle</h1><span class="price">2 for $5.00</span>'
    assert extract_product(page(body), URL).price == Decimal("5.00")


def test_other_offers_price_loses_to_the_buy_box_price() -> None:
    body = """<h1>Blue Kettle</h1><span class="a-color-price">99,12 €</span><p>a</p><p>b</p><p>c</p>
      <span id="size_price" class="price">8 Optionen von 98,65 €</span>"""
    assert extract_product(page(body, lang="de"), URL).price == Decimal("99.12")


def test_unclassed_bare_price_after_the_title() -> None:
    """OpenCart's default theme: the price is an <h2> with no class, the old one an inline line-through."""
    body = """<h1>Apple Cinema 30"</h1><ul><li>Brand: <a href="/m/8">Apple</a></li><li>Product Code: Product 15</li></ul>
      <ul><li><span style="text-decoration: line-through;">$122.00</span></li><li><h2>$110.00</h2></li>
      <li>Ex Tax: $90.00</li></ul><button id="button-cart" class="btn">Add to Cart</button>"""
    product = extract_product(page(body), URL)
    assert (product.price, product.old_price, product.sku) == (Decimal("110.00"), Decimal("122.00"), "Product 15")


def test_unclassed_prices_in_a_grid_of_cards_are_not_read() -> None:
    cards = "".join(f'<div class="card"><a href="/p/{n}">Item {n}</a><b>${n}.00</b></div>' for n in range(10, 14))
    assert extract_product(page(f"<h1>Kettles</h1><div>{cards}</div>"), URL).price is None


def test_localized_price_class() -> None:
    body = '<h1>Holzeisenbahn</h1><div class="preis"><strong>39,90 €</strong><small>inkl. MwSt.</small></div>'
    assert extract_product(page(body, lang="de"), URL).price == Decimal("39.90")


def test_sku_labels_of_more_platforms_and_languages() -> None:
    cases = {"UGS : SC-500": "SC-500", "Produktnummer: SW10044": "SW10044", "Referencia: CF-6": "CF-6",
             "COD: CV-6": "CV-6", "品番：MG-0012": "MG-0012", "Style #: ML574EGG": "ML574EGG"}
    for label, sku in cases.items():
        body = f"<h1>Blue Kettle</h1><p>{label}</p>"
        assert extract_product(page(body), URL).sku == sku, label


def test_capitals_code_after_an_explicit_label_but_never_a_word() -> None:
    body = "<h1>Terrarium</h1><dl><dt>SKU:</dt><dd>OTL</dd></dl>"
    assert extract_product(page(body), URL).sku == "OTL"
    for value in ("None", "Blue", "N/A"):
        assert extract_product(page(f"<h1>Terrarium</h1><p>SKU: {value}</p>"), URL).sku is None, value
    assert extract_product(page("<h1>Terrarium</h1><p>Ref: OTL</p>"), URL).sku is None  # a vague label


def test_shopify_product_json_vendor_variant_sku_and_available() -> None:
    product_json = {"title": "Blue Kettle", "vendor": "Fog Linen", "price": 4500, "available": False,
                    "variants": [{"title": "Default Title", "sku": "FL-APR-01", "price": 4500, "available": False}]}
    head = f'<script type="application/json" id="ProductJson-product-template">{json.dumps(product_json)}</script>'
    product = extract_product(page('<h1>Blue Kettle</h1><span class="price-item">$45.00</span>', head=head), URL)
    assert (product.price, product.sku, product.brand) == (Decimal("45.00"), "FL-APR-01", "Fog Linen")
    assert product.availability == "OutOfStock"


def test_variants_with_different_skus_give_no_product_sku() -> None:
    product_json = {"title": "Blue Kettle", "price": 4500, "variants": [{"sku": "K-S", "price": 4500},
                                                                         {"sku": "K-L", "price": 4900}]}
    head = f'<script type="application/json" id="ProductJson">{json.dumps(product_json)}</script>'
    product = extract_product(page('<h1>Blue Kettle</h1><span class="price">$45.00</span>', head=head), URL)
    assert product.sku is None


def test_microdata_brand_on_a_link_is_its_text() -> None:
    body = """<div itemscope itemtype="http://schema.org/Product"><h1 itemprop="name">USB-C Hub</h1>
      by <a href="/brand/anker" itemprop="brand">Anker</a>
      <div itemprop="offers" itemscope itemtype="http://schema.org/Offer"><meta itemprop="price" content="34.99">
      <meta itemprop="priceCurrency" content="USD"><a itemprop="url" href="/p/hub">link</a></div></div>"""
    product = extract_product(page(body), URL)
    assert product.brand == "Anker"


def test_vendor_and_manufacturer_classed_elements_name_the_brand() -> None:
    body = '<p class="product-single__vendor">Fog Linen</p><h1>Blue Kettle</h1><span class="price">$45.00</span>'
    assert extract_product(page(body), URL).brand == "Fog Linen"
    body = ('<div class="product-detail-manufacturer"><a href="https://hario.example">Hario</a></div>'
            '<h1>Blue Kettle</h1><span class="price">45,00 €</span>')
    assert extract_product(page(body, lang="de"), URL).brand == "Hario"
