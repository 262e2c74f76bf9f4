"""The demo shop: a deterministic, generated shop served on loopback, target of the demo, the tests and the benchmarks.

``DemoShop`` is the catalogue (pure data); ``DemoServer`` / ``running_demo_site`` / ``serve_demo`` serve it over
HTTP/1.1 with keep-alive, every page precomputed in memory and images drawn once on first request.

Site map: ``/`` (categories, plus a bait link into ``/private/``), ``/c/<category>?page=N`` (24 cards a page,
``rel=prev/next`` and numbered links), ``/p/<slug>-<id>`` (JSON-LD, microdata or plain HTML by ``id % 3``;
the ``smart-home`` category's 12 products, ids 301-312, are JavaScript-only app shells that fetch
``/api/products/<id>.json``, then after 300-800 ms ``/api/products/<id>/price.json``, with ``/static/shop-app.js``),
``/img/<name>.jpg``, ``/robots.txt`` (``Disallow: /private/``, ``Crawl-delay`` only when set, ``Sitemap``),
``/sitemap.xml`` (absolute URLs from the request's Host header), and ``/traps`` (not linked from home) listing the
crawler traps: redirect loop and chain, endless and big bodies, Latin-1 and header-less cp1252 pages, malformed
HTML, ``/img/bomb.png``, ``/img/not-an-image.jpg``, ``/slow?ms=N`` and ``/status/<code>``.

Ground truth (``DemoShop.truth()``, ``write_truth(path)``), JSON, paths only so it holds on any port::

    {
      "base_url_independent": true, "seed": 7, "epoch": 0,
      "products": [{"key": "demo-0001", "path": "/p/<slug>-1", "title": "...", "price": "12.50" | null,
                    "currency": "USD" | "EUR", "sku": "KIT-00001", "brand": "...",
                    "availability": "InStock" | "OutOfStock", "category": "kitchen", "images": ["/img/..."],
                    "format": "jsonld" | "microdata" | "html",
                    "broken": null | "missing price" | "negative price" | "garbage title" | "empty title"}],
      "near_duplicate_groups": [["/img/a.jpg", "/img/b.jpg"]],   # same picture, other size and/or JPEG quality
      "transient": {"503": ["/p/..."], "429": ["/p/..."]},      # first request fails, later ones answer 200
      "disallowed": ["/private/wholesale-prices"],
      "image_failures": [{"path": "/p/...", "image": "/img/bomb.png", "reason": "decompression bomb"}],
      "changed_since_epoch_0": [{"key": "demo-0009", "path": "/p/...",
                                 "fields": {"price": {"from": "888.88", "to": "711.10"}}}],
      "trap_products": [{"path": "/trap/latin1", "title": "...", "price": "49.90", "currency": "EUR",
                         "encoding": "iso-8859-1"}],
      "js_only": [{...same keys as "products", "format": "js", "category": "smart-home"}]  # only a browser sees them
    }

Transient failures are per server instance: a fresh ``DemoServer`` fails those pages' first request again.
"""

from sightsearch.demo.server import DemoServer, check_loopback, running_demo_site, serve_demo
from sightsearch.demo.shop import DemoShop

__all__ = ["DemoServer", "DemoShop", "check_loopback", "running_demo_site", "serve_demo"]
