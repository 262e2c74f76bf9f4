"""The demo shop's breadcrumbs (BreadcrumbList JSON-LD on graph pages, microdata on microdata pages, a breadcrumb
nav on plain HTML pages) give the category its truth file names."""

from __future__ import annotations

from sightsearch.demo import DemoShop
from sightsearch.demo.pages import render_site
from sightsearch.extract import extract_product


def test_category_from_demo_breadcrumbs_matches_the_truth() -> None:
    shop = DemoShop(products=60)
    pages = render_site(shop)
    truth = {item["path"]: item["category"] for item in shop.truth()["products"]}
    with_crumbs = [p for p in shop.products if p.format != "jsonld" or p.jsonld_variant == "graph"]
    assert len(with_crumbs) >= 10
    for product in with_crumbs:
        extracted = extract_product(pages[product.path], "http://127.0.0.1:8765" + product.path)
        assert (extracted.category or "").casefold() == truth[product.path], product.path
        assert extracted.sources["category"] in {"breadcrumb:jsonld", "breadcrumb:microdata", "breadcrumb:nav"}
