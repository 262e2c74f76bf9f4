"""Image metadata and search by image: an uploaded demo picture finds the products of its near-duplicates first."""

from __future__ import annotations

import io
from typing import Any

import httpx
import pytest
from PIL import Image

from sightsearch.api import create_app
from tests.api.conftest import api_settings, client_for


def upload(data: bytes, name: str = "query.jpg") -> dict[str, Any]:
    return {"file": (name, data, "image/jpeg")}


@pytest.mark.parametrize("group_no", [0, 1])
async def test_search_by_image_finds_the_other_pictures_of_its_group_first(
        api: httpx.AsyncClient, truth: dict[str, Any], demo_site: str, group_no: int) -> None:
    group = truth["near_duplicate_groups"][group_no]
    picture = httpx.get(demo_site + group[0]).content
    response = await api.post("/api/v1/images/search", files=upload(picture))
    assert response.status_code == 200, response.text
    body = response.json()
    matches = body["matches"]
    leaders = matches[: len(group)]
    found = {path for match in leaders for path in group if match["image_url"].endswith(path)}
    assert found == set(group), "the query picture and every near-duplicate of it rank first"
    assert next(m for m in leaders if m["image_url"].endswith(group[0]))["distance"] == 0, "the picture itself"
    assert all(match["distance"] <= body["max_distance"] for match in matches)
    assert [m["distance"] for m in matches] == sorted(m["distance"] for m in matches)


async def test_search_distance_and_limit(api: httpx.AsyncClient, truth: dict[str, Any], demo_site: str) -> None:
    picture = httpx.get(demo_site + truth["near_duplicate_groups"][0][0]).content
    exact = (await api.post("/api/v1/images/search", params={"max_distance": 0}, files=upload(picture))).json()
    assert exact["matches"] and all(m["distance"] == 0 for m in exact["matches"])
    one = (await api.post("/api/v1/images/search", params={"limit": 1}, files=upload(picture))).json()
    assert len(one["matches"]) == 1


async def test_uploads_that_are_not_images_or_too_big_are_refused(api: httpx.AsyncClient, crawled: Any) -> None:
    html = await api.post("/api/v1/images/search", files=upload(b"<html><body>hi</body></html>"))
    assert (html.status_code, html.json()["error"]["code"]) == (422, "invalid_image")
    assert "HTML" in html.json()["error"]["message"]
    bomb = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(bomb, "PNG")  # 400 Mpx, a few KB compressed
    refused = await api.post("/api/v1/images/search", files=upload(bomb.getvalue(), "bomb.png"))
    assert (refused.status_code, refused.json()["error"]["code"]) == (422, "invalid_image")
    assert "bomb" in refused.json()["error"]["message"]
    missing = await api.post("/api/v1/images/search")
    assert missing.status_code == 422
    small = create_app(api_settings(api_max_upload_bytes=4096), engine=crawled)
    async with client_for(small) as client:
        big = await client.post("/api/v1/images/search", files=upload(b"\xff" * 10_000))
    assert (big.status_code, big.json()["error"]["code"]) == (413, "payload_too_large")


async def test_image_metadata(api: httpx.AsyncClient, truth: dict[str, Any]) -> None:
    page = (await api.get("/api/v1/images", params={"limit": 200})).json()
    assert page["items"]
    grouped = [image for image in page["items"] if image["group_key"]]
    assert grouped, "near-duplicate groups are visible on the images"
    same = (await api.get("/api/v1/images", params={"group_key": grouped[0]["group_key"]})).json()["items"]
    assert len(same) >= 2
    detail = (await api.get(f"/api/v1/images/{grouped[0]['id']}")).json()
    assert detail["product_ids"] and detail["phash"] == grouped[0]["phash"]
    failed = (await api.get("/api/v1/images", params={"failed": True})).json()["items"]
    assert all(image["error"] for image in failed)
    assert (await api.get("/api/v1/images/987654321")).status_code == 404
