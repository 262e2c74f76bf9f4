"""Cross-site writes, form bodies and foreign Host names are refused, even with API keys off on loopback."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import Engine

from sightsearch.api import create_app
from sightsearch.api.bind import check_bind
from sightsearch.errors import ConfigurationError
from sightsearch.storage.db import session_scope
from sightsearch.storage.models import DeadLetter
from tests.api.conftest import api_settings, client_for
from tests.api.test_auth import add_dead_letter

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def status_of(engine: Engine, failure_id: int) -> str:
    with session_scope(engine) as session:
        failure = session.get(DeadLetter, failure_id)
        assert failure is not None
        return failure.status


async def test_a_cross_site_form_post_cannot_dismiss_a_failure_with_auth_off(sqlite_engine: Engine) -> None:
    failure = add_dead_letter(sqlite_engine)
    dismiss = f"/api/v1/failures/{failure}/dismiss"
    async with client_for(create_app(api_settings(api_auth_enabled=False), engine=sqlite_engine)) as api:
        # What a hostile page's <form method=post action=http://127.0.0.1:8000/...> makes the browser send:
        attacks = [({"Origin": "http://evil.example"} | FORM, 403, "cross_site_request"),
                   ({"Origin": "null"} | FORM, 403, "cross_site_request"),
                   ({"Referer": "http://evil.example/page"} | FORM, 403, "cross_site_request"),
                   ({"Origin": "http://evil.example", "Content-Type": "application/json"}, 403, "cross_site_request"),
                   (FORM, 415, "unsupported_media_type"),
                   ({"Content-Type": "text/plain"}, 415, "unsupported_media_type"),
                   ({"Origin": "http://localhost"} | FORM, 415, "unsupported_media_type")]
        for headers, status, code in attacks:
            response = await api.post(dismiss, headers=headers, content=b"x=1")
            assert (response.status_code, response.json()["error"]["code"]) == (status, code), headers
        assert status_of(sqlite_engine, failure) == "open", "nothing changed"
        same_origin = await api.post(dismiss, headers={"Origin": "http://localhost",
                                                       "Content-Type": "application/json"})
        assert same_origin.status_code == 200, same_origin.text
    assert status_of(sqlite_engine, failure) == "dismissed"


async def test_scripts_without_origin_and_allowed_cors_origins_still_write(sqlite_engine: Engine) -> None:
    first, second = add_dead_letter(sqlite_engine), add_dead_letter(sqlite_engine)
    settings = api_settings(api_auth_enabled=False, api_cors_origins=["https://console.example"])
    async with client_for(create_app(settings, engine=sqlite_engine)) as api:
        assert (await api.post(f"/api/v1/failures/{first}/dismiss")).status_code == 200, "curl: no Origin, no body"
        allowed = await api.post(f"/api/v1/failures/{second}/dismiss", headers={
            "Origin": "https://console.example", "Content-Type": "application/json"})
        assert allowed.status_code == 200, allowed.text


async def test_uploads_take_multipart_only_where_a_route_expects_one(sqlite_engine: Engine) -> None:
    picture = io.BytesIO()
    Image.new("RGB", (64, 64), "red").save(picture, "PNG")
    async with client_for(create_app(api_settings(api_auth_enabled=False), engine=sqlite_engine)) as api:
        upload = await api.post("/api/v1/images/search", files={"file": ("a.png", picture.getvalue(), "image/png")})
        assert upload.status_code == 200, upload.text
        cross_site = await api.post("/api/v1/images/search", headers={"Origin": "http://evil.example"},
                                    files={"file": ("a.png", picture.getvalue(), "image/png")})
        assert cross_site.status_code == 403
        multipart_run = await api.post("/api/v1/runs", files={"seeds": ("s", b"http://example.com/", "text/plain")})
        assert (multipart_run.status_code, multipart_run.json()["error"]["code"]) == (415, "unsupported_media_type")


async def test_a_rebound_name_cannot_write_from_a_browser_on_loopback(sqlite_engine: Engine) -> None:
    failure = add_dead_letter(sqlite_engine)
    dismiss = f"/api/v1/failures/{failure}/dismiss"
    async with client_for(create_app(api_settings(api_auth_enabled=False), engine=sqlite_engine)) as api:
        # evil.example now resolves to 127.0.0.1: to the browser, its page and the API are one origin.
        rebound = {"Host": "evil.example:8000", "Origin": "http://evil.example:8000",
                   "Content-Type": "application/json"}
        refused = await api.post(dismiss, headers=rebound)
        assert (refused.status_code, refused.json()["error"]["code"]) == (400, "host_not_allowed")
        assert status_of(sqlite_engine, failure) == "open"
        for host in ("localhost:8000", "127.0.0.1", "[::1]:8000"):
            assert (await api.get("/api/v1/products", headers={"Host": host})).status_code == 200, host
        local = {"Host": "127.0.0.1:8000", "Origin": "http://127.0.0.1:8000", "Content-Type": "application/json"}
        assert (await api.post(dismiss, headers=local)).status_code == 200


async def test_with_allowed_hosts_set_the_api_answers_only_to_them(sqlite_engine: Engine) -> None:
    named = api_settings(api_host="0.0.0.0", api_allowed_hosts=["api.example.com"])
    async with client_for(create_app(named, engine=sqlite_engine)) as api:
        assert (await api.get("/api/v1/products", headers={"Host": "API.example.com:8443"})).status_code == 200
        foreign = await api.get("/api/v1/products", headers={"Host": "rebound.evil.example"})
        assert (foreign.status_code, foreign.json()["error"]["code"]) == (400, "host_not_allowed")
        assert (await api.get("/api/v1/products", headers={"Host": "localhost"})).status_code == 400


def test_serving_beyond_loopback_needs_allowed_host_names() -> None:
    with pytest.raises(ConfigurationError, match="SIGHTSEARCH_API_ALLOWED_HOSTS"):
        check_bind("0.0.0.0", auth_enabled=True, allowed_hosts=[])
    check_bind("0.0.0.0", auth_enabled=True, allowed_hosts=["api.example.com"])
    check_bind("127.0.0.1", auth_enabled=False, allowed_hosts=[])
