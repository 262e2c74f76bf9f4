"""The listing and the detail write their JSON straight from rows: the documents are the ones the response models
would write from the same rows (money strings, UTC times, field order), on both backends."""

from __future__ import annotations

import json
from typing import Any

import httpx
from sqlalchemy import Engine, select

from sightsearch.api.schemas import ImageOut, Page, PricePoint, ProductDetail, ProductSummary
from sightsearch.storage.db import session_scope
from sightsearch.storage.models import ImageRecord, PriceObservation, Product


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
