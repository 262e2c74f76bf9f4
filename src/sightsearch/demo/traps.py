"""Fixed trap pages for crawler tests: odd encodings, malformed HTML, and the index that links every trap.

The dynamic traps (redirects, endless and big bodies, slow answers, any status) live in the server's router,
because they depend on the request; these pages are constant bytes with a fixed ``Content-Type``.
"""

from __future__ import annotations

from typing import Any

TRAP_LINKS = (
    "/trap/redirect-loop",
    "/trap/redirect-chain?n=5",
    "/trap/huge",
    "/trap/big?mb=2",
    "/trap/latin1",
    "/trap/cp1252-noheader",
    "/trap/malformed",
    "/img/bomb.png",
    "/img/not-an-image.jpg",
    "/slow?ms=200",
    "/status/500",
)

# Latin-1 has neither the euro sign nor the en dash, hence "EUR" and "-" on that page.
# What an extractor should find on the fixed trap product pages (part of the truth).
TRAP_PRODUCTS: list[dict[str, Any]] = [
    {"path": "/trap/latin1", "title": "Crème brûlée Kocher - Größe M", "price": "49.90", "currency": "EUR",
     "encoding": "iso-8859-1"},
    {"path": "/trap/cp1252-noheader", "title": "Café “Deluxe” Espresso Maker – Größe L", "price": "129.00",
     "currency": "EUR", "encoding": "cp1252"},
    {"path": "/trap/malformed", "title": "Broken Markup Lamp", "price": "19.99", "currency": "USD",
     "encoding": "utf-8"},
]

_LATIN1_PAGE = """<!DOCTYPE html>
<html lang="de"><head><meta charset="iso-8859-1"><title>Crème brûlée Kocher - Größe M</title></head>
<body><h1>Crème brûlée Kocher - Größe M</h1>
<p class="price"><span class="price">49,90 EUR</span></p><p>SKU: TRAP-LATIN1</p><p>Brand: Küchenmeister</p>
<p>In stock</p><p>Für Crème brûlée, Soufflé und Gâteau.</p><button>In den Warenkorb</button></body></html>
"""

_CP1252_PAGE = """<!DOCTYPE html>
<html><head><title>Café “Deluxe” Espresso Maker – Größe L</title></head>
<body><h1>Café “Deluxe” Espresso Maker – Größe L</h1>
<p><span class="price">129,00 €</span></p><p>SKU: TRAP-CP1252</p><p>Brand: Barista…</p>
<p>In stock</p><p>Smart quotes “like these” and a dash – only exist in cp1252, not in Latin-1.</p>
<button>Add to cart</button></body></html>
"""

# Unclosed tags, a stray </div>, and JSON-LD cut off mid-object: extractors must not crash on it.
_MALFORMED_PAGE = """<!DOCTYPE html>
<html><head><title>Broken Markup Lamp
<script type="application/ld+json">{"@context": "https://schema.org", "@type": "Product", "name": "Broken Markup Lamp",
"offers": {"@type": "Offer", "price": "19.99", "priceCurrency": "US
</script></head>
<body><div class="product"><h1>Broken Markup Lamp</h2><p><span class="price">$19.99</span>
<p>SKU: TRAP-MALFORMED<p>Brand: Acme</div></div><table><tr><td>In stock
<img src="/img/not-an-image.jpg"
<button>Add to cart
"""

NOT_AN_IMAGE = b"<!DOCTYPE html><html><body><h1>This is not an image</h1></body></html>\n"


def trap_pages() -> dict[str, tuple[bytes, str]]:
    """The fixed trap pages: path to (body bytes, Content-Type header value)."""
    return {
        "/trap/latin1": (_LATIN1_PAGE.encode("iso-8859-1"), "text/html; charset=iso-8859-1"),
        "/trap/cp1252-noheader": (_CP1252_PAGE.encode("cp1252"), "text/html"),
        "/trap/malformed": (_MALFORMED_PAGE.encode("utf-8"), "text/html; charset=utf-8"),
        "/img/not-an-image.jpg": (NOT_AN_IMAGE, "image/jpeg"),
    }
