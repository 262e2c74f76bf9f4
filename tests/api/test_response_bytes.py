"""The listing and the detail write their JSON straight from rows: the documents are the ones the response models
would write from the same rows (money strings, UTC times, field order), on both backends."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import Engine, select

from sightsearch.api import create_app
from sightsearch.api.encode import JSON_OPTIONS, row_encoder
from sightsearch.api.schemas import ImageOut, Page, PricePoint, ProductDetail, ProductSummary
from sightsearch.storage.db import session_scope
from sightsearch.storage.models import ImageRecord, PriceObservation, Product
from tests.api.conftest import api_settings, client_for


def model_json(model: Any, value: Any) -> Any:
    return json.loads(model.model_validate(value).model_dump_json())


async def test_listing_is_what_the_response_model_writes(api: httpx.AsyncClient, crawled: Engine) -> None:
    response = await api.get("/api/v1/products", params={"limit": 200, "sort": "-price"})
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    ids = [item["id"] for item in body["items"]]
    with session_scope(crawled) as session:
        rows = {p.id: p for p in session.scalars(select(Product).where(Product.id.in_(ids)))}
        expected = model_json(Page[ProductSummary], {"items": [rows[i] for i in ids],
                                                     "next_cursor": body["next_cursor"]})
    assert body == expected
    assert list(body["items"][0]) == list(ProductSummary.model_fields), "field order too"


async def test_detail_is_what_the_response_model_writes(api: httpx.AsyncClient, crawled: Engine) -> None:
    with session_scope(crawled) as session:
        product = next(p for p in session.scalars(select(Product).order_by(Product.id)) if p.images)
        session.add(PriceObservation(product_id=product.id, price=product.price, currency=product.currency,
                                     availability="InStock", run_id="bytes"))
    body = (await api.get(f"/api/v1/products/{product.id}")).json()
    with session_scope(crawled) as session:
        product = session.get(Product, product.id)
        images = session.scalars(select(ImageRecord).where(ImageRecord.url.in_(product.images)))
        prices = session.scalars(select(PriceObservation).where(PriceObservation.product_id == product.id)
                                 .order_by(PriceObservation.valid_from, PriceObservation.id))
        detail = ProductDetail.model_validate(product)
        detail.image_records = [ImageOut.model_validate(image) for image in images]
        detail.price_history = [PricePoint.model_validate(point) for point in prices]
        detail.near_duplicates = ProductDetail.model_validate(body).near_duplicates  # checked in test_products
        expected = json.loads(detail.model_dump_json())
        session.execute(PriceObservation.__table__.delete().where(PriceObservation.run_id == "bytes"))
    assert body["image_records"] and body["price_history"]
    assert body == expected
    assert list(body) == list(ProductDetail.model_fields)


async def test_stored_prices_and_times_are_written_as_their_values(engine: Engine) -> None:
    """The listing reads price and update time as stored (on SQLite a float and a text) and must still write what
    the model writes from the converted values: two-decimal money, four when stored, UTC times with a Z, the
    microseconds only when set. Byte for byte, and the cursors of those sorts walk every product once."""
    prices = ["0.1", "12.5", "0.1234", "10", "999999999.9999", "0", None, "1234567.89", "0.05", "7.0100", "0.12345",
              "99999999999999.9999", "99999999999999.9998"]
    start = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)
    with session_scope(engine) as session:
        session.add_all(Product(
            site="edge.example", product_key=f"e{n}", url=f"http://edge.example/{n}", title=f"Edge {n} \u00e9\u2028\"",
            price=None if price is None else Decimal(price), currency="EUR", content_hash=str(n),
            updated_at=start + timedelta(seconds=n, microseconds=[0, 123456, 500000, 1][n % 4]))
            for n, price in enumerate(prices))
    async with client_for(create_app(api_settings(), engine=engine)) as api:
        for sort in ("price", "-price", "updated_at", "-updated_at"):
            response = await api.get("/api/v1/products", params={"sort": sort, "limit": 3})
            first = response.json()
            with session_scope(engine) as session:
                rows = {p.id: p for p in session.scalars(select(Product))}
                expected = Page[ProductSummary].model_validate(
                    {"items": [rows[item["id"]] for item in first["items"]], "next_cursor": first["next_cursor"]})
            assert response.content == expected.model_dump_json().encode(), sort
            for limit in (1, 2, 3):  # a page boundary after every product
                seen: list[int] = []
                cursor = None
                for _ in range(len(prices) + 1):  # a cursor that stands still would loop forever
                    query = {"sort": sort, "limit": limit} | ({"cursor": cursor} if cursor else {})
                    page = (await api.get("/api/v1/products", params=query)).json()
                    seen += [item["id"] for item in page["items"]]
                    cursor = page["next_cursor"]
                    if not cursor:
                        break
                assert sorted(seen) == sorted(rows) and len(seen) == len(prices), (sort, limit)


def test_row_encoder_writes_stored_and_converted_values_alike() -> None:
    """The generated encoder: a converted row (Decimal, datetime: PostgreSQL, or SQLAlchemy's types) and the same row
    as SQLite stores it (float, text) give the same JSON; NULLs stay null; a row of another length is refused."""
    encode = row_encoder(["id", "price", "updated_at", "images", "title"], fragments=["images"])
    converted = (7, Decimal("12.5000"), datetime(2026, 1, 2, 3, 4, 5, 6000, tzinfo=UTC), '["a"]', "T\u00e9")
    stored = (7, 12.5, "2026-01-02 03:04:05.006000", '["a"]', "T\u00e9")
    expected = b'{"id":7,"price":"12.50","updated_at":"2026-01-02T03:04:05.006000Z","images":["a"],"title":"T\xc3\xa9"}'
    assert orjson.dumps(encode(converted), option=JSON_OPTIONS) == expected
    assert orjson.dumps(encode(stored), option=JSON_OPTIONS) == expected
    assert encode((1, None, "2026-01-02 03:04:05.000000", None, None)) == {
        "id": 1, "price": None, "updated_at": "2026-01-02T03:04:05Z", "images": None, "title": None}
    with pytest.raises(ValueError):
        encode((1, 2))
