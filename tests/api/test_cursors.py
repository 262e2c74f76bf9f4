"""Tampered cursors get a 400 ``invalid_cursor`` on every cursor-paginated listing and both backends, never a 500."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

PRODUCT_SORTS = ("id", "price", "-price", "updated_at", "-updated_at", "title", "-title")
LISTINGS = [("/api/v1/products", sort) for sort in PRODUCT_SORTS] + [("/api/v1/images", "id"),
                                                                      ("/api/v1/runs", "-started_at")]
HUGE = 10**30


def cursor(data: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


TEXT = ["9" * 400, "1e999999", "-1e-999999", "NaN", "Infinity", "9999-12-31T23:59:59-14:00",
        "0001-01-01T00:00:00+14:00", "a" * 1000]
NOT_TEXT = [HUGE, -HUGE, 1.5, True, [], {}, "x\x00y", "\ud800"]
BAD_IDS = [HUGE, -HUGE, 2**63, "1", 1.5, None, "x\x00y", "\ud800", "r" * 33]


def tampered(sort: str) -> list[str]:
    """Cursors of ``sort`` that no listing hands out: values out of range or of the wrong type, broken shapes."""
    text_sort = sort.lstrip("-") == "title"
    values = NOT_TEXT + ([] if text_sort else TEXT)
    return ([cursor({"s": sort, "v": value, "i": 1}) for value in values]
            + [cursor({"s": sort, "v": "10.00", "i": last_id}) for last_id in BAD_IDS]
            + [cursor([sort]), cursor(HUGE), "%%%", "A" * 2047, cursor({"s": sort}),
               base64.urlsafe_b64encode(b"[" * 1500).decode()])  # nested past json's recursion limit


@pytest.mark.parametrize(("path", "sort"), LISTINGS)
async def test_a_tampered_cursor_is_a_400(api: httpx.AsyncClient, path: str, sort: str) -> None:
    extra = {"sort": sort} if path.endswith("products") else {}
    for bad in tampered(sort):
        response = await api.get(path, params={"cursor": bad} | extra)
        assert response.status_code == 400, (sort, bad, response.text)
        assert response.json()["error"]["code"] == "invalid_cursor"


async def test_any_text_is_a_valid_title_cursor(api: httpx.AsyncClient) -> None:
    for value in TEXT:
        response = await api.get("/api/v1/products", params={"sort": "title", "cursor": cursor(
            {"s": "title", "v": value, "i": 1})})
        assert response.status_code == 200, (value, response.text)


JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
                           lambda children: st.lists(children, max_size=3)
                           | st.dictionaries(st.text(max_size=3), children, max_size=3), max_leaves=5)


@pytest.mark.parametrize("sort", ["id", "price", "-updated_at", "title"])
async def test_fuzzed_cursors_never_cause_a_server_error(api: httpx.AsyncClient, sort: str) -> None:
    @settings(max_examples=60, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(value=JSON_VALUES, last_id=JSON_VALUES)
    def check(value: Any, last_id: Any) -> None:
        tampered_cursor = cursor({"s": sort, "v": value, "i": last_id})
        if len(tampered_cursor) > 2048:
            return
        seen.append(tampered_cursor)

    seen: list[str] = []
    check()
    for tampered_cursor in seen:
        response = await api.get("/api/v1/products", params={"sort": sort, "cursor": tampered_cursor})
        assert response.status_code in (200, 400), (tampered_cursor, response.text)
