"""JavaScript-only product pages: an app shell that fetches the product, then (after a delay) its price.

Over plain HTTP these pages hold no product at all: a ``<div id="root">``, a ``<noscript>`` and a script. In a
browser the script fetches ``/api/products/<id>.json``, renders title, SKU, brand, stock and images, then after a
per-product delay of 300-800 ms fetches ``/api/products/<id>/price.json`` and only then injects the JSON-LD with the
offer, so a renderer that does not wait for the page to settle sees a product without a price.
"""

from __future__ import annotations

import json
from typing import Any

from sightsearch.demo.catalog import DemoProduct
from sightsearch.demo.product_page import display_price

JS_CATEGORY = "smart-home"
APP_SCRIPT = "/static/shop-app.js"
_JSON = "application/json; charset=utf-8"
_JS = "text/javascript; charset=utf-8"


def price_delay_ms(product: DemoProduct) -> int:
    """The deterministic wait before the page asks for the price: 300-800 ms."""
    return 300 + (product.id * 137) % 501


def render_app_shell(product: DemoProduct) -> str:
    """The page as served: no title, no price, nothing a parser can extract."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Demo Shop</title>'
        f'<link rel="canonical" href="{product.path}"></head>\n<body>'
        "<noscript>You need to enable JavaScript to run this app.</noscript>"
        f'<div id="root" data-product="{product.id}" data-price-delay="{price_delay_ms(product)}"></div>'
        f'<script src="{APP_SCRIPT}"></script></body></html>\n'
    )


def js_resources(products: list[DemoProduct]) -> dict[str, tuple[bytes, str]]:
    """The script and both JSON endpoints of every JavaScript-only product, keyed by path."""
    resources = {APP_SCRIPT: (_APP.encode(), _JS)}
    for product in products:
        resources[f"/api/products/{product.id}.json"] = (json.dumps(_details(product)).encode(), _JSON)
        resources[f"/api/products/{product.id}/price.json"] = (json.dumps(_price(product)).encode(), _JSON)
    return resources


def _details(product: DemoProduct) -> dict[str, Any]:
    return {"id": product.id, "title": product.title, "sku": product.sku, "brand": product.brand,
            "availability": product.availability, "category": product.category,
            "description": product.description, "images": list(product.images), "url": product.path}


def _price(product: DemoProduct) -> dict[str, Any]:
    return {"price": None if product.price is None else str(product.price), "currency": product.currency,
            "display": display_price(product.price, product.currency)}


# Plain ES2017, no framework: what matters is that the content only exists after two fetches and a timer.
_APP = r"""
(function () {
  var root = document.getElementById("root");
  var id = root.dataset.product, delay = Number(root.dataset.priceDelay);
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) node.textContent = text;
    return node;
  }
  fetch("/api/products/" + id + ".json").then(function (r) { return r.json(); }).then(function (p) {
    document.title = p.title + " | Demo Shop";
    var article = el("article", {"class": "product"});
    article.appendChild(el("h1", {"class": "product-title"}, p.title));
    p.images.forEach(function (src) { article.appendChild(el("img", {src: src, alt: p.title, width: "320"})); });
    var price = el("p", {"class": "price-box"}, "Loading price\u2026");
    article.appendChild(price);
    article.appendChild(el("p", {"class": "stock"}, p.availability === "InStock" ? "In stock" : "Out of stock"));
    article.appendChild(el("p", {"class": "sku"}, "SKU: " + p.sku));
    article.appendChild(el("p", {"class": "brand"}, "Brand: " + p.brand));
    article.appendChild(el("p", {"class": "description"}, p.description));
    var home = el("a", {href: "/c/" + p.category}, "Back to " + p.category);
    root.appendChild(home);
    root.appendChild(article);
    setTimeout(function () {
      fetch("/api/products/" + id + "/price.json").then(function (r) { return r.json(); }).then(function (o) {
        price.textContent = "";
        price.appendChild(el("span", {"class": "price", "data-price-ready": "1"}, o.display));
        var offer = {"@type": "Offer", priceCurrency: o.currency, availability: "https://schema.org/" + p.availability,
                     url: p.url};
        if (o.price !== null) offer.price = o.price;
        var ld = {"@context": "https://schema.org", "@type": "Product", name: p.title, sku: p.sku,
                  brand: {"@type": "Brand", name: p.brand}, description: p.description, image: p.images, offers: offer};
        document.head.appendChild(el("script", {type: "application/ld+json"}, JSON.stringify(ld)));
      });
    }, delay);
  });
})();
"""
