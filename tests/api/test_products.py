"""Product listing (filters, sorts, cursor walks) and product detail on the crawled demo shop, both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select

from sightsearch.api import create_app
from sightsearch.api.product_query import ProductSort, sort_spec
from sightsearch.storage.db import session_scope
from sightsearch.storage.models import PriceObservation, Product
from tests.api.conftest import api_settings, client_for


async def walk(api: httpx.AsyncClient, limit: int = 37, **params: Any) -> list[dict[str, Any]]:
    """Every item of the listing, page by page through the cursors."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {**params, "limit": limit} | ({"cursor": cursor} if cursor else {})
        page = await api.get("/api/v1/products", params=query)
        assert page.status_code == 200, page.text
        body = page.json()
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return items
        assert len(body["items"]) == limit


def db_order(engine: Engine, sort: ProductSort) -> list[int]:
    """Product ids in the order the database itself gives for ``sort``."""
    with session_scope(engine) as session:
        return list(session.scalars(select(Product.id).order_by(*sort_spec(sort).order_by())))


@pytest.mark.parametrize("sort", list(ProductSort))
async def test_every_sort_walks_all_products_once_in_order(api: httpx.AsyncClient, crawled: Engine,
                                                           sort: ProductSort) -> None:
    items = await walk(api, sort=sort.value)
    ids = [item["id"] for item in items]
    assert len(ids) == len(set(ids)), "a product appeared on two pages"
    assert ids == db_order(crawled, sort)
    if sort in (ProductSort.PRICE, ProductSort.PRICE_DESC):
        prices = [Decimal(item["price"]) for item in items if item["price"] is not None]
        assert prices == sorted(prices, reverse=sort is ProductSort.PRICE_DESC)
        assert all(item["price"] is None for item in items[len(prices):]), "products without a price come last"


def insert_products(engine: Engine) -> None:
    """40 products with many equal prices, titles and update times, some without a price."""
    stamp = datetime(2026, 1, 1, tzinfo=UTC)
    with session_scope(engine) as session:
        session.add_all(Product(
            site="tie.example", product_key=f"k{n}", url=f"http://tie.example/{n}", title=f"Item {n % 4}",
            brand=["Acme", "Globex"][n % 2], sku=f"SKU-{n:03d}", category=["kitchen", "audio"][n % 2],
            price=None if n % 9 == 0 else Decimal(["5.00", "12.50", "99.99"][n % 3]), currency="USD",
            availability="InStock" if n % 5 else "OutOfStock", content_hash=str(n),
            updated_at=stamp + timedelta(days=n % 3)) for n in range(40))


@pytest.mark.parametrize("limit", [1, 6])
async def test_cursor_is_stable_under_ties(engine: Engine, limit: int) -> None:
    insert_products(engine)
    async with client_for(create_app(api_settings(), engine=engine)) as api:
        for sort in ProductSort:
            ids = [item["id"] for item in await walk(api, limit=limit, sort=sort.value)]
            assert ids == db_order(engine, sort) and len(ids) == 40, sort
        kitchen = await walk(api, limit=limit, sort="-price", category="kitchen", availability="instock")
    prices = [i["price"] for i in kitchen]
    assert prices == sorted(prices, key=lambda price: (price is None, -Decimal(price or 0)))
    assert {i["sku"] for i in kitchen} == {f"SKU-{n:03d}" for n in range(0, 40, 2) if n % 5}


async def test_filters_match_the_truth(api: httpx.AsyncClient, truth: dict[str, Any], demo_site: str) -> None:
    site = demo_site.removeprefix("http://")
    everything = await walk(api, limit=200, site=site)
    loaded = {item["sku"]: item for item in everything}
    findable = [p for p in truth["products"] if p["format"] != "html" and not p["broken"]]
    assert {p["sku"] for p in findable} <= set(loaded), "every JSON-LD and microdata product is listed"
    one = findable[0]
    searched = await walk(api, q=one["sku"].lower())
    assert one["sku"] in {item["sku"] for item in searched}
    by_title = await walk(api, q=one["title"].split()[-1].upper())
    assert one["sku"] in {item["sku"] for item in by_title}, "text search ignores case"
    brand = await walk(api, brand=one["brand"].upper())
    assert brand and {item["brand"].lower() for item in brand} == {one["brand"].lower()}
    kitchen = await walk(api, availability="InStock", min_price="10", max_price="100")
    assert kitchen and all(i["availability"] == "InStock" and Decimal("10") <= Decimal(i["price"]) <= Decimal("100")
                           for i in kitchen)
    expected = {p["sku"] for p in everything if p["availability"] == "InStock"
                and p["price"] is not None and Decimal("10") <= Decimal(p["price"]) <= Decimal("100")}
    assert {i["sku"] for i in kitchen} == expected
    assert await walk(api, q="%") == [], "LIKE wildcards in the search text are literal"
    assert await walk(api, site="elsewhere.example") == []


async def test_updated_since(api: httpx.AsyncClient) -> None:
    items = await walk(api, limit=200, sort="updated_at")
    middle = items[len(items) // 2]["updated_at"]
    newer = await walk(api, limit=200, updated_since=middle)
    assert newer and all(item["updated_at"] >= middle for item in newer)
    assert len(newer) < len(items)


async def test_product_detail_has_images_price_history_and_near_duplicates(
        api: httpx.AsyncClient, truth: dict[str, Any]) -> None:
    grouped = {path for group in truth["near_duplicate_groups"] for path in group}
    listed = await walk(api, limit=200)
    member = next(item for item in listed if any(url.endswith(tuple(grouped)) for url in item["images"]))
    detail = (await api.get(f"/api/v1/products/{member['id']}")).json()
    assert detail["price_history"] and detail["price_history"][-1]["valid_to"] is None
    assert detail["price_history"][-1]["price"] == detail["price"]
    assert {image["url"] for image in detail["image_records"]} <= set(detail["images"])
    assert all(image["phash"] for image in detail["image_records"] if not image["error"])
    group = next(g for g in truth["near_duplicate_groups"] if member["images"][0].endswith(g[0]) or
                 any(member["images"][0].endswith(path) for path in g))
    others = [path for path in group if not member["images"][0].endswith(path)]
    found = {image for near in detail["near_duplicates"] for image in near["product"]["images"]}
    assert any(url.endswith(path) for url in found for path in others), "its group's other pictures are near-duplicates"
    distances = [near["distance"] for near in detail["near_duplicates"]]
    assert distances == sorted(distances)


async def test_bad_requests_get_the_error_shape(api: httpx.AsyncClient) -> None:
    cases = [("/api/v1/products/999999999", 404, "not_found"),
             ("/api/v1/products?cursor=bm90LWpzb24", 400, "invalid_cursor"),
             ("/api/v1/products?sort=price&cursor=" + "eyJzIjoiaWQiLCJ2IjoxLCJpIjoxfQ", 400, "invalid_cursor"),
             ("/api/v1/products?min_price=5&max_price=1", 422, "validation_error"),
             ("/api/v1/products?limit=0", 422, "validation_error"),
             ("/api/v1/products?sort=colour", 422, "validation_error")]
    for url, status, code in cases:
        response = await api.get(url)
        assert (response.status_code, response.json()["error"]["code"]) == (status, code), url
        assert set(response.json()["error"]) == {"code", "message", "details"}


async def test_price_history_is_oldest_first(engine: Engine) -> None:
    insert_products(engine)
    start = datetime(2026, 2, 1, tzinfo=UTC)
    with session_scope(engine) as session:
        product = session.scalars(select(Product).order_by(Product.id)).first()
        assert product is not None
        for n, price in enumerate(("30.00", "25.00", "27.50")):
            session.add(PriceObservation(product_id=product.id, price=Decimal(price), currency="USD",
                                         availability="InStock", valid_from=start + timedelta(days=n),
                                         valid_to=start + timedelta(days=n + 1) if n < 2 else None))
        product_id = product.id
    async with client_for(create_app(api_settings(), engine=engine)) as api:
        detail = (await api.get(f"/api/v1/products/{product_id}")).json()
    assert [point["price"] for point in detail["price_history"]] == ["30.00", "25.00", "27.50"]
    assert detail["price_history"][-1]["valid_to"] is None and detail["near_duplicates"] == []
