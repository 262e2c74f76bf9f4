"""Product pages in three formats: JSON-LD, microdata and plain HTML, each with OpenGraph and related products.

Breadcrumbs name the category on most pages: a BreadcrumbList in the JSON-LD ``graph`` variant, in microdata on
microdata pages, and a breadcrumb nav on plain HTML pages (the truth file's ``category``)."""

from __future__ import annotations

import json
from decimal import Decimal
from html import escape
from typing import Any

from sightsearch.demo.catalog import DemoProduct

_SCHEMA = "https://schema.org/"


def display_price(price: Decimal | None, currency: str) -> str:
    """The price as a shopper reads it: ``$1,299.00`` for USD, ``1.299,00 €`` for EUR."""
    if price is None:
        return "Price on request"
    us = f"{price:,.2f}"
    if currency == "EUR":
        return us.replace(",", "_").replace(".", ",").replace("_", ".") + " €"
    return f"${us}".replace("$-", "-$")


def layout(title: str, body: str, head: str = "") -> str:
    """The shared page skeleton (UTF-8)."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title>{head}</head>\n<body><header><a href=\"/\">SightSearch Demo Shop</a>"
        f"</header>\n<main>{body}</main>\n<footer>&copy; Demo Shop</footer></body></html>\n"
    )


def render_product(product: DemoProduct, related: list[DemoProduct]) -> str:
    """The full product page; which structured data it carries depends on ``product.format``."""
    head = _open_graph(product) + f'<link rel="canonical" href="{product.path}">'
    if product.format == "jsonld":
        head += f'<script type="application/ld+json">{json.dumps(_jsonld(product))}</script>'
        body = _plain_body(product)
    elif product.format == "microdata":
        body = _microdata_body(product)
    else:
        body = _plain_body(product)
    return layout(product.title or "Product", body + _related_block(related), head)


def _open_graph(product: DemoProduct) -> str:
    tags = {"og:type": "product", "og:title": product.title, "og:image": product.images[0], "og:url": product.path}
    return "".join(f'<meta property="{name}" content="{escape(value)}">' for name, value in tags.items())


def _offer(product: DemoProduct, seller: str = "Demo Shop") -> dict[str, Any]:
    offer: dict[str, Any] = {
        "@type": "Offer",
        "priceCurrency": product.currency,
        "availability": _SCHEMA + product.availability,
        "url": product.path,
        "seller": {"@type": "Organization", "name": seller},
    }
    if product.price is not None:
        offer["price"] = str(product.price)
    return offer


def _jsonld(product: DemoProduct) -> dict[str, Any]:
    """Product + Offer; the ``graph`` variant adds a BreadcrumbList, ``offers-list`` two offers at one price."""
    data: dict[str, Any] = {
        "@type": "Product",
        "name": product.title,
        "sku": product.sku,
        "brand": {"@type": "Brand", "name": product.brand},
        "description": product.description,
        "image": list(product.images),
        "color": product.colour,
        "weight": {"@type": "QuantitativeValue", "value": str(product.weight_kg), "unitCode": "KGM"},
        "offers": _offer(product),
    }
    if product.jsonld_variant == "offers-list":
        data["offers"] = [_offer(product), _offer(product, seller="Demo Shop Outlet")]
    if product.jsonld_variant != "graph":
        return {"@context": "https://schema.org", **data}
    crumbs = [("Home", "/"), (product.category.title(), f"/c/{product.category}"), (product.title, product.path)]
    breadcrumb = {
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": i, "name": name, "item": url} for i, (name, url) in enumerate(crumbs, 1)
        ],
    }
    return {"@context": "https://schema.org", "@graph": [breadcrumb, data]}


def _gallery(product: DemoProduct) -> str:
    return "".join(f'<img src="{url}" alt="{escape(product.title)}" width="320">' for url in product.images)


def _plain_body(product: DemoProduct) -> str:
    """Plain HTML: h1 title, a ``price`` span, SKU/Brand labels, stock text and an Add to cart button."""
    stock = "In stock" if product.availability == "InStock" else "Out of stock"
    price = display_price(product.price, product.currency)
    return (
        f'<article class="product"><nav class="breadcrumb"><a href="/">Home</a> / '
        f'<a href="/c/{product.category}">{product.category.title()}</a></nav>'
        f"<h1>{escape(product.title)}</h1><div class=\"gallery\">{_gallery(product)}</div>"
        f'<p class="price-box"><span class="price">{price}</span></p>'
        f'<p class="stock">{stock}</p><ul class="facts"><li>SKU: {product.sku}</li><li>Brand: {product.brand}</li>'
        f"<li>Colour: {product.colour}</li><li>Weight: {product.weight_kg} kg</li></ul>"
        f'<div class="description"><p>{escape(product.description)}</p></div>'
        '<form method="post" action="/cart"><button type="submit">Add to cart</button></form></article>'
    )


def _microdata_breadcrumb(product: DemoProduct) -> str:
    """A BreadcrumbList in microdata (Home > Category), outside the Product item."""
    crumbs = [("Home", "/"), (product.category.title(), f"/c/{product.category}")]
    items = "".join(
        f'<li itemprop="itemListElement" itemscope itemtype="{_SCHEMA}ListItem"><a itemprop="item" href="{url}">'
        f'<span itemprop="name">{name}</span></a><meta itemprop="position" content="{i}"></li>'
        for i, (name, url) in enumerate(crumbs, 1)
    )
    return f'<ol class="crumbs" itemscope itemtype="{_SCHEMA}BreadcrumbList">{items}</ol>'


def _microdata_body(product: DemoProduct) -> str:
    """Microdata: a BreadcrumbList, then an itemscope Product with a nested Offer (the price in ``content``)."""
    stock = "In stock" if product.availability == "InStock" else "Out of stock"
    price_meta = "" if product.price is None else f'<meta itemprop="price" content="{product.price}">'
    images = "".join(f'<img itemprop="image" src="{url}" alt="" width="320">' for url in product.images)
    return (
        _microdata_breadcrumb(product) + f'<article class="product" itemscope itemtype="{_SCHEMA}Product">'
        f'<h1 itemprop="name">{escape(product.title)}</h1><div class="gallery">{images}</div>'
        f'<div itemprop="offers" itemscope itemtype="{_SCHEMA}Offer">{price_meta}'
        f'<meta itemprop="priceCurrency" content="{product.currency}">'
        f'<link itemprop="availability" href="{_SCHEMA}{product.availability}">'
        f'<span class="price">{display_price(product.price, product.currency)}</span> <span>{stock}</span></div>'
        f'<p>SKU: <span itemprop="sku">{product.sku}</span></p>'
        f'<p>Brand: <span itemprop="brand" itemscope itemtype="{_SCHEMA}Brand">'
        f'<span itemprop="name">{product.brand}</span></span></p>'
        f'<p>Colour: <span itemprop="color">{product.colour}</span></p><p>Weight: {product.weight_kg} kg</p>'
        f'<div itemprop="description">{escape(product.description)}</div>'
        '<form method="post" action="/cart"><button type="submit">Add to cart</button></form></article>'
    )


def _related_block(related: list[DemoProduct]) -> str:
    cards = "".join(
        f'<li class="related-item"><a href="{other.path}">{escape(other.title)}</a> '
        f'<span class="price">{display_price(other.price, other.currency)}</span></li>'
        for other in related
    )
    return f'<aside class="related"><h2>Related products</h2><ul>{cards}</ul></aside>'
