"""ETags, 304s and the kept answers of the listing and detail: never staler than the store, never past the key check."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from sightsearch.api import create_app
from sightsearch.api.cache import Answer, CachedAnswers
from sightsearch.api.keys import revoke_api_key
from sightsearch.etl.pipeline import EtlPipeline
from sightsearch.events.bus import MemoryBus
from sightsearch.storage.db import session_scope
from sightsearch.storage.models import Product
from tests.api.conftest import api_settings, client_for, new_key

LISTING = "/api/v1/products"


def raw(n: int, **overrides: Any) -> dict[str, Any]:
    return {"url": f"http://shop.test/p/{n}", "title": f"Garden hose {n} m", "price": f"{10 + n}.00",
            "currency": "EUR", "sku": f"H-{n}", "availability": "InStock"} | overrides


async def load(engine: Engine, batch: list[dict[str, Any]]) -> None:
    """The real pipeline, load stage included (a commit from connections other than the API's)."""
    await EtlPipeline(engine, MemoryBus(), "run-1").process(batch)


def product_id(engine: Engine, sku: str) -> int:
    with session_scope(engine) as session:
        return session.scalars(select(Product.id).where(Product.sku == sku)).one()


async def test_a_kept_listing_and_detail_change_after_a_load(engine: Engine) -> None:
    await load(engine, [raw(n) for n in range(3)])
    detail = f"{LISTING}/{product_id(engine, 'H-1')}"
    async with client_for(create_app(api_settings(), engine=engine)) as api:
        first_listing, first_detail = (await api.get(LISTING)).json(), (await api.get(detail)).json()
        assert (await api.get(LISTING)).json() == first_listing  # kept, and the same document
        assert first_detail["title"] == "Garden hose 1 m"

        await load(engine, [raw(1, title="Garden hose 1 m, green", price="42.50")])
        listing = (await api.get(LISTING)).json()
        assert listing != first_listing
        assert [item["title"] for item in listing["items"]][1] == "Garden hose 1 m, green"
        now = (await api.get(detail)).json()
        assert (now["title"], now["price"]) == ("Garden hose 1 m, green", "42.50")
        assert [point["price"] for point in now["price_history"]] == ["11.00", "42.50"]


async def test_etag_and_if_none_match(engine: Engine) -> None:
    await load(engine, [raw(n) for n in range(3)])
    async with client_for(create_app(api_settings(), engine=engine)) as api:
        first = await api.get(LISTING, params={"limit": 2})
        etag = first.headers["etag"]
        assert etag.startswith('"') and first.headers["cache-control"] == "no-cache"
        again = await api.get(LISTING, params={"limit": 2}, headers={"If-None-Match": f'"other", W/{etag}'})
        assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", etag)
        other_page = await api.get(LISTING, params={"limit": 1}, headers={"If-None-Match": etag})
        assert other_page.status_code == 200 and other_page.headers["etag"] != etag

        await load(engine, [raw(0, price="1.00")])
        changed = await api.get(LISTING, params={"limit": 2}, headers={"If-None-Match": etag})
        assert changed.status_code == 200 and changed.headers["etag"] != etag


async def test_query_order_does_not_matter_but_values_do(engine: Engine) -> None:
    await load(engine, [raw(n) for n in range(4)])
    async with client_for(create_app(api_settings(), engine=engine)) as api:
        one = await api.get(f"{LISTING}?limit=2&sort=-price")
        two = await api.get(f"{LISTING}?sort=-price&limit=2")
        assert one.content == two.content
        assert (await api.get(f"{LISTING}?sort=price&limit=2")).content != one.content
        repeated = (await api.get(f"{LISTING}?limit=2&sort=-price&limit=3")).json()
        assert len(repeated["items"]) == 3  # the last value of a repeated parameter, as the route reads it


async def test_a_kept_answer_is_never_given_past_the_key_check(engine: Engine) -> None:
    await load(engine, [raw(n) for n in range(2)])
    key = new_key(engine)
    app = create_app(api_settings(api_read_requires_key=True), engine=engine)
    async with client_for(app) as api:
        keyed = await api.get(LISTING, headers={"X-API-Key": key})
        assert keyed.status_code == 200 and keyed.headers["cache-control"] == "private, no-cache"
        assert (await api.get(LISTING, headers={"X-API-Key": key})).content == keyed.content
        for headers in ({}, {"X-API-Key": "ss_not-a-key"}, {"If-None-Match": keyed.headers["etag"]}):
            refused = await api.get(LISTING, headers=headers)
            assert refused.status_code == 401, headers
            assert "etag" not in refused.headers

        with session_scope(engine) as session:
            revoke_api_key(session, key[:11])
        assert (await api.get(LISTING, headers={"X-API-Key": key})).status_code == 401


async def test_hits_are_counted_under_the_route_template(engine: Engine) -> None:
    await load(engine, [raw(0)])
    detail = f"{LISTING}/{product_id(engine, 'H-0')}"
    async with client_for(create_app(api_settings(), engine=engine)) as api:
        for _ in range(3):
            assert (await api.get(detail)).status_code == 200
        metrics = (await api.get("/metrics")).text
    line = 'sightsearch_api_requests_total{method="GET",route="/api/v1/products/{product_id}",status="200"} 3.0'
    assert line in metrics
    assert 'sightsearch_api_kept_answers_total{result="hit"} 2.0' in metrics
    assert 'sightsearch_api_kept_answers_total{result="miss"} 1.0' in metrics


async def test_nothing_kept_still_means_etags(engine: Engine) -> None:
    await load(engine, [raw(0)])
    async with client_for(create_app(api_settings(api_response_cache_mb=0), engine=engine)) as api:
        first = await api.get(LISTING)
        assert (await api.get(LISTING, headers={"If-None-Match": first.headers["etag"]})).status_code == 304
        assert (await api.get(f"{LISTING}/999999")).status_code == 404


def answer(body: bytes) -> Answer:
    return Answer([], body, b'"x"', None, 1)


def test_kept_answers_are_bounded_and_least_recently_used_go_first() -> None:
    answers = CachedAnswers(max_bytes=3 * (1000 + 600))
    for name in "abc":
        answers.put((name,), answer(b"x" * 1000))
    assert answers.get(("a",), 1) is not None  # now the most recent
    answers.put(("d",), answer(b"x" * 1000))
    assert answers.get(("b",), 1) is None and answers.get(("a",), 1) is not None
    assert answers.get(("a",), 2) is None  # another generation
    answers.put(("huge",), answer(b"x" * 10_000))
    assert answers.get(("huge",), 1) is None and answers.size <= answers.max_bytes


async def test_an_unreadable_generation_means_nothing_kept_is_served(sqlite_engine: Engine) -> None:
    await load(sqlite_engine, [raw(0)])
    app = create_app(api_settings(), engine=sqlite_engine)
    async with client_for(app) as api:
        before = await api.get(LISTING)
        generation = app.state.api.store_generation()
        generation._sqlite.close()  # its next read fails (sqlite3.ProgrammingError), as a broken file would
        await load(sqlite_engine, [raw(0, title="Garden hose 0 m, red")])
        after = await api.get(LISTING)
        assert after.status_code == 200 and after.json() != before.json()
        assert (await api.get(LISTING)).json() == after.json()  # a new connection, kept answers again
        assert generation._sqlite is not None
