"""Site pages rendered once from a ``DemoShop``: home, category listings, products, robots.txt and the sitemap."""

from __future__ import annotations

from html import escape

from sightsearch.demo.catalog import DemoProduct
from sightsearch.demo.js_pages import render_app_shell
from sightsearch.demo.product_page import display_price, layout, render_product
from sightsearch.demo.shop import DISALLOWED, PAGE_SIZE, DemoShop
from sightsearch.demo.traps import TRAP_LINKS


def render_site(shop: DemoShop) -> dict[str, str]:
    """Every HTML page of the shop keyed by request target (path plus ``?page=N`` for listings)."""
    pages = {"/": _home(shop), "/traps": _traps_index()}
    for path in DISALLOWED:
        pages[path] = layout("Wholesale prices", "<h1>Wholesale prices</h1><p>Robots must not see this.</p>")
    for category in shop.categories:
        pages.update(_category_pages(shop, category))
    by_id = {product.id: product for product in shop.products}
    for product in shop.products:
        pages[product.path] = render_product(product, [by_id[pid] for pid in product.related])
    for product in shop.js_products:
        pages[product.path] = render_app_shell(product)
    return pages


def robots_txt(shop: DemoShop, base_url: str) -> str:
    """robots.txt with the Disallow, the sitemap and, only when configured, a Crawl-delay."""
    lines = ["User-agent: *", "Disallow: /private/"]
    if shop.crawl_delay is not None:
        lines.append(f"Crawl-delay: {shop.crawl_delay:g}")
    lines += ["", f"Sitemap: {base_url}/sitemap.xml", ""]
    return "\n".join(lines)


def sitemap_xml(shop: DemoShop, base_url: str) -> str:
    """A sitemap of the category and product pages, absolute on ``base_url``."""
    products = shop.products + shop.js_products
    paths = [f"/c/{category}" for category in shop.categories] + [product.path for product in products]
    entries = "".join(f"<url><loc>{escape(base_url + path)}</loc></url>\n" for path in paths)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{entries}</urlset>\n'
    )


def _home(shop: DemoShop) -> str:
    links = "".join(f'<li><a href="/c/{category}">{category.title()}</a></li>' for category in shop.categories)
    # The disallowed link is bait: only a crawler that ignores robots.txt follows it.
    body = (
        f'<h1>Welcome to the Demo Shop</h1><nav class="categories"><ul>{links}</ul></nav>'
        f'<p>{len(shop.products) + len(shop.js_products)} products in {len(shop.categories)} categories.</p>'
        f'<p class="staff"><a href="{DISALLOWED[0]}">Wholesale prices (staff only)</a></p>'
    )
    return layout("Demo Shop", body)


def _category_pages(shop: DemoShop, category: str) -> dict[str, str]:
    """All listing pages of one category; page 1 answers both with and without ``?page=1``."""
    products = shop.category_products(category)
    page_count = max(1, -(-len(products) // PAGE_SIZE))
    pages = {}
    for page in range(1, page_count + 1):
        chunk = products[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        pages[f"/c/{category}?page={page}"] = _listing(category, chunk, page, page_count)
    pages[f"/c/{category}"] = pages[f"/c/{category}?page=1"]
    return pages


def _listing(category: str, products: list[DemoProduct], page: int, page_count: int) -> str:
    base = f"/c/{category}?page="
    head = "".join(
        f'<link rel="{rel}" href="{base}{target}">'
        for rel, target in (("prev", page - 1), ("next", page + 1))
        if 1 <= target <= page_count
    )
    cards = "".join(
        f'<li class="product-card"><a class="product-link" href="{product.path}">{escape(product.title) or "Item"}'
        f'</a> <span class="price">{display_price(product.price, product.currency)}</span></li>'
        for product in products
    )
    numbers = "".join(
        f'<a href="{base}{n}"{" aria-current=page" if n == page else ""}>{n}</a> ' for n in range(1, page_count + 1)
    )
    prev_link = f'<a rel="prev" href="{base}{page - 1}">Previous</a> ' if page > 1 else ""
    next_link = f'<a rel="next" href="{base}{page + 1}">Next</a>' if page < page_count else ""
    body = (
        f'<h1>{category.title()}</h1><ul class="products">{cards}</ul>'
        f'<nav class="pagination">{prev_link}{numbers}{next_link}</nav>'
    )
    return layout(f"{category.title()} - page {page}", body, head)


def _traps_index() -> str:
    links = "".join(f'<li><a href="{path}">{escape(path)}</a></li>' for path in TRAP_LINKS)
    return layout("Crawler traps", f"<h1>Crawler traps</h1><ul>{links}</ul>")
