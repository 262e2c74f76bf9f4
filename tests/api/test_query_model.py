"""``QueryModel`` reads and documents the listing's query exactly as FastAPI's own declared parameters did.

The reference is a FastAPI route declaring the same 11 parameters one by one (the listing's signature before it
moved to ``QueryModel``): the same OpenAPI entries, the same values, the same 422 locations, for each query below.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

import httpx
import pytest
from fastapi import Depends, FastAPI, Query

from sightsearch.api.product_query import ProductSort
from sightsearch.api.query_model import QueryModel, add_components
from sightsearch.api.routers.products import LISTING_QUERY, ListingQuery

PriceQuery = Annotated[Decimal | None, Query(ge=0, le=10**15, description="Inclusive price bound.")]


def reference_app() -> FastAPI:
    app = FastAPI()

    @app.get("/declared")
    async def declared(
        site: Annotated[str | None, Query(max_length=255, description="Exact site (host[:port]).")] = None,
        category: Annotated[str | None, Query(min_length=1, max_length=255)] = None,
        brand: Annotated[str | None, Query(min_length=1, max_length=255, description="Brand, case-insensitive.")] = None,
        min_price: PriceQuery = None,
        max_price: PriceQuery = None,
        availability: Annotated[str | None, Query(max_length=32, description="e.g. InStock, OutOfStock.")] = None,
        q: Annotated[str | None, Query(max_length=200, description="Text in title, brand or SKU; any case.")] = None,
        updated_since: Annotated[datetime | None,
                                 Query(description="Only products changed at or after this time.")] = None,
        sort: ProductSort = ProductSort.ID,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        cursor: Annotated[str | None, Query(max_length=2048, description="next_cursor of the previous page.")] = None,
    ) -> dict[str, Any]:
        return ListingQuery.model_construct(**{name: value for name, value in locals().items()}).model_dump(mode="json")

    @app.get("/model", openapi_extra={"parameters": LISTING_QUERY.parameters})
    async def model(query: Annotated[ListingQuery, Depends(LISTING_QUERY)]) -> dict[str, Any]:
        return query.model_dump(mode="json")

    app.openapi = lambda: app.openapi_schema or add_components(FastAPI.openapi(app))  # type: ignore[method-assign]
    return app


def test_documented_as_declared_parameters() -> None:
    schema = reference_app().openapi()
    declared, model = (schema["paths"][path]["get"]["parameters"] for path in ("/declared", "/model"))
    assert model == declared
    assert schema["components"]["schemas"]["ProductSort"]["enum"] == [sort.value for sort in ProductSort]


QUERIES = ["", "limit=7", "limit=0", "limit=201", "limit=abc", "limit=", "limit=5&limit=9", "sort=-price",
           "sort=colour", "min_price=12.50", "min_price=-1", "min_price=1e16", "min_price=abc", "max_price=0",
           "brand=", "brand=Acme", "category=", "site=", "site=" + "x" * 256, "q=" + "k" * 201, "q=%25_",
           "updated_since=2026-01-01T00:00:00%2B02:00", "updated_since=yesterday", "updated_since=2026-01-01",
           "cursor=abc", "colour=red", "limit=3&sort=title&brand=b&min_price=1&max_price=2&q=z&availability=InStock",
           "availability=" + "a" * 33, "limit=5.0", "limit=%20%205", "sort=ID", "limit=1&limit=x"]


def _outcome(response: httpx.Response) -> tuple[int, Any]:
    body = response.json()
    if response.status_code != 200:  # FastAPI's default 422 body; the input and message come from pydantic either way
        return response.status_code, sorted((tuple(e["loc"]), e["type"]) for e in body["detail"])
    return 200, body


@pytest.mark.parametrize("query", QUERIES)
async def test_same_values_and_errors_as_declared_parameters(query: str) -> None:
    transport = httpx.ASGITransport(app=reference_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        declared = _outcome(await client.get(f"/declared?{query}"))
        model = _outcome(await client.get(f"/model?{query}"))
    assert model == declared


def test_a_model_without_references_adds_no_component() -> None:
    from pydantic import BaseModel

    class Plain(BaseModel):
        page: int = 1

    assert QueryModel(Plain).parameters == [{"name": "page", "in": "query", "required": False,
                                             "schema": {"default": 1, "title": "Page", "type": "integer"}}]
