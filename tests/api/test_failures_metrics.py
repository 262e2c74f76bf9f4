"""Dead letters through the API (list, summary, detail, replay, dismiss) and the dashboard's time series."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from sightsearch.api import create_app
from sightsearch.storage.db import session_scope
from sightsearch.storage.models import DeadLetter, MetricSample
from tests.api.conftest import api_settings, client_for, new_key


async def test_failures_list_detail_replay_dismiss(engine: Engine) -> None:
    record = {"url": "http://shop.example/p/1", "site": "shop.example", "title": "Kettle", "price": None}
    with session_scope(engine) as session:
        session.add_all([DeadLetter(stage="validate", reason="missing price", url=f"http://shop.example/p/{n}",
                                    site="shop.example", payload=record | {"url": f"http://shop.example/p/{n}"})
                         for n in range(3)] +
                        [DeadLetter(stage="fetch", reason="404", url="http://shop.example/gone", payload={})])
    key = new_key(engine)
    async with client_for(create_app(api_settings(), engine=engine)) as api:
        first = (await api.get("/api/v1/failures", params={"limit": 2})).json()
        second = (await api.get("/api/v1/failures", params={"limit": 2, "cursor": first["next_cursor"]})).json()
        ids = [item["id"] for item in first["items"] + second["items"]]
        assert len(ids) == 4 == len(set(ids)) and second["next_cursor"] is None
        validate = (await api.get("/api/v1/failures", params={"stage": "validate"})).json()["items"]
        assert len(validate) == 3
        summary = (await api.get("/api/v1/failures/summary")).json()
        assert summary[0] == {"stage": "validate", "reason": "missing price", "count": 3}
        detail = (await api.get(f"/api/v1/failures/{ids[0]}")).json()
        assert detail["payload"]["title"] == "Kettle"
        replayed = await api.post(f"/api/v1/failures/{ids[0]}/replay", headers={"X-API-Key": key})
        assert replayed.status_code == 200, replayed.text
        assert replayed.json()["status"] == "open" and "still fails" in replayed.json()["message"]
        dismissed = await api.post(f"/api/v1/failures/{ids[1]}/dismiss", headers={"X-API-Key": key})
        assert dismissed.json()["status"] == "dismissed"
        open_now = (await api.get("/api/v1/failures")).json()["items"]
        assert ids[1] not in {item["id"] for item in open_now}
        every = (await api.get("/api/v1/failures", params={"status": "any"})).json()["items"]
        assert ids[1] in {item["id"] for item in every}
        missing = await api.post("/api/v1/failures/999999/replay", headers={"X-API-Key": key})
        assert missing.status_code == 404


async def test_time_series_and_summary(engine: Engine) -> None:
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    with session_scope(engine) as session:
        for minute in range(5):
            for site in ("a.example", "b.example"):
                session.add(MetricSample(name="pages_fetched", bucket=now - timedelta(minutes=minute),
                                         labels={"site": site}, labels_key=f'{{"site":"{site}"}}', value=minute + 1))
    async with client_for(create_app(api_settings(), engine=engine)) as api:
        assert (await api.get("/api/v1/metrics/names")).json() == ["pages_fetched"]
        body = (await api.get("/api/v1/metrics/series", params={"name": "pages_fetched"})).json()
        assert [series["labels"] for series in body["series"]] == [{"site": "a.example"}, {"site": "b.example"}]
        assert [point["v"] for point in body["series"][0]["points"]] == [5, 4, 3, 2, 1]
        since = (now - timedelta(minutes=2)).isoformat()
        params = {"name": "pages_fetched", "label": "site=b.example", "since": since}
        one = (await api.get("/api/v1/metrics/series", params=params)).json()
        assert len(one["series"]) == 1 and [p["v"] for p in one["series"][0]["points"]] == [3, 2, 1]
        bad = await api.get("/api/v1/metrics/series", params={"name": "x", "since": now.isoformat(),
                                                               "until": (now - timedelta(days=1)).isoformat()})
        assert bad.status_code == 422
        summary = (await api.get("/api/v1/metrics/summary")).json()
        assert summary["products"] == 0 and summary["open_dead_letters_by_stage"] == {}
