"""What a hostile client or a hostile web page sends, and the clean refusal each one gets."""

from __future__ import annotations

from sqlalchemy import Engine

from sightsearch.api import create_app
from tests.api.conftest import api_settings, client_for
from tests.api.test_auth import add_dead_letter

JSON = {"Content-Type": "application/json"}


async def test_every_answer_tells_browsers_not_to_sniff_or_frame_it(sqlite_engine: Engine) -> None:
    failure = add_dead_letter(sqlite_engine)
    async with client_for(create_app(api_settings(), engine=sqlite_engine)) as api:
        answers = {
            "listing": await api.get("/api/v1/products"),
            "detail": await api.get(f"/api/v1/failures/{failure}"),
            "validation error": await api.get("/api/v1/products/abc"),
            "unknown path": await api.get("/no/such/path"),
            "missing key": await api.post(f"/api/v1/failures/{failure}/dismiss"),
            "refused by the guard": await api.post(f"/api/v1/failures/{failure}/dismiss",
                                                   headers={"Origin": "http://evil.example"}),
            "too large": await api.post("/api/v1/sql", content=b"x" * 2_000_000, headers=JSON),
            "prometheus": await api.get("/metrics"),
            "docs": await api.get("/docs"),
        }
        etag = answers["listing"].headers["etag"]
        answers["not modified"] = await api.get("/api/v1/products", headers={"If-None-Match": etag})
        answers["kept answer"] = await api.get("/api/v1/products")
    for name, response in answers.items():
        assert response.headers.get("x-content-type-options") == "nosniff", name
        assert response.headers.get("x-frame-options") == "DENY", name
        assert response.headers.get("referrer-policy") == "no-referrer", name
    for name in ("listing", "validation error", "missing key", "too large", "prometheus"):
        assert "default-src 'none'" in answers[name].headers["content-security-policy"], name
    for name in ("detail", "missing key", "prometheus"):
        assert answers[name].headers["cache-control"] == "no-store", name
    assert answers["listing"].headers["cache-control"] == "no-cache", "a route's own cache rule stands"
    assert answers["not modified"].status_code == 304 and answers["too large"].status_code == 413
    assert "content-security-policy" not in answers["docs"].headers, "Swagger UI loads its scripts from a CDN"


async def test_no_answer_redirects_to_the_host_the_client_named(sqlite_engine: Engine) -> None:
    # Trailing-slash redirects were built from the Host header; the OAuth redirect page served an API without OAuth.
    async with client_for(create_app(api_settings(), engine=sqlite_engine)) as api:
        for path in ("/api/v1/products/", "/api/v1/runs/", "/assets", "/api/v1/failures/summary/",
                     "/docs/oauth2-redirect"):
            response = await api.get(path, headers={"Host": "evil.example"})
            assert "location" not in response.headers, (path, response.headers["location"])
            assert response.status_code == 404 and response.json()["error"]["code"] == "not_found", path
            assert "/docs" in response.json()["error"]["message"], "the 404 says where the paths are"


async def test_a_rebound_name_cannot_read_from_a_browser_on_loopback(sqlite_engine: Engine) -> None:
    failure = add_dead_letter(sqlite_engine)
    async with client_for(create_app(api_settings(), engine=sqlite_engine)) as api:
        # evil.example now resolves to 127.0.0.1: its page fetches the API same-origin, with no Origin header.
        for marks in ({"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "cors"}, {"Sec-Fetch-Dest": "empty"},
                      {"Referer": "http://evil.example:8000/"}, {"Origin": "http://evil.example:8000"}):
            for path in (f"/api/v1/failures/{failure}", "/api/v1/products", "/metrics", "/"):
                response = await api.get(path, headers={"Host": "evil.example:8000"} | marks)
                assert (response.status_code, response.json()["error"]["code"]) == (400, "host_not_allowed"), \
                    (path, marks)
        browser = {"Host": "127.0.0.1:8000", "Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "cors"}
        assert (await api.get(f"/api/v1/failures/{failure}", headers=browser)).status_code == 200
        script = await api.get(f"/api/v1/failures/{failure}", headers={"Host": "proxy.internal"})
        assert script.status_code == 200, "scripts on loopback keep working whatever Host they send"
    async with client_for(create_app(api_settings(api_host="127.0.0.5"), engine=sqlite_engine)) as api:
        bound = await api.get("/api/v1/products", headers={"Host": "127.0.0.5:8000", "Sec-Fetch-Site": "none"})
        assert bound.status_code == 200, "a browser may name the loopback address the API is bound to"


async def test_a_host_with_a_malformed_port_is_not_taken_for_a_loopback_name(sqlite_engine: Engine) -> None:
    failure = add_dead_letter(sqlite_engine)
    async with client_for(create_app(api_settings(api_auth_enabled=False), engine=sqlite_engine)) as api:
        for host in ("localhost:evil.example", "[::1]evil.example", "[::1]:x", "127.0.0.1:80:80",
                     "localhost:8\u00b2"):  # a superscript two: str.isdigit() says yes
            response = await api.post(f"/api/v1/failures/{failure}/dismiss", headers={
                "Host": host.encode("latin-1"), "Origin": f"http://{host}".encode("latin-1")} | JSON)
            assert (response.status_code, response.json()["error"]["code"]) == (400, "host_not_allowed"), host
        for host in ("localhost:8000", "[::1]:8000", "127.0.0.1", "LOCALHOST"):
            response = await api.get("/api/v1/products", headers={"Host": host, "Sec-Fetch-Site": "same-origin"})
            assert response.status_code == 200, host


async def test_a_refused_cors_preflight_answers_in_the_error_shape(sqlite_engine: Engine) -> None:
    settings = api_settings(api_cors_origins=["https://console.example"])
    async with client_for(create_app(settings, engine=sqlite_engine)) as api:
        preflights = [("https://evil.example", "POST", "X-API-Key"), ("https://console.example", "DELETE", ""),
                      ("https://console.example", "POST", "X-Evil")]
        for origin, method, headers in preflights:
            response = await api.options("/api/v1/runs", headers={
                "Origin": origin, "Access-Control-Request-Method": method, "Access-Control-Request-Headers": headers})
            assert response.status_code == 400, (origin, method, headers)
            assert response.json()["error"]["code"] == "cors_not_allowed", (origin, method, headers)
            assert response.headers.get("access-control-allow-origin") is None
        allowed = await api.options("/api/v1/runs", headers={
            "Origin": "https://console.example", "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "X-API-Key, Content-Type"})
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == "https://console.example"


async def test_a_write_a_browser_marks_cross_site_is_refused_without_origin(sqlite_engine: Engine) -> None:
    failure = add_dead_letter(sqlite_engine)
    dismiss = f"/api/v1/failures/{failure}/dismiss"
    async with client_for(create_app(api_settings(api_auth_enabled=False), engine=sqlite_engine)) as api:
        for site in ("cross-site", "same-site"):
            response = await api.post(dismiss, headers={"Sec-Fetch-Site": site} | JSON)
            assert (response.status_code, response.json()["error"]["code"]) == (403, "cross_site_request"), site
        assert (await api.post(dismiss, headers={"Sec-Fetch-Site": "same-origin"} | JSON)).status_code == 200


async def test_two_host_headers_are_refused(sqlite_engine: Engine) -> None:
    async with client_for(create_app(api_settings(), engine=sqlite_engine)) as api:
        request = api.build_request("GET", "/api/v1/products",
                                    headers=[(b"host", b"localhost"), (b"host", b"evil.example")])
        assert request.headers.get_list("host") == ["localhost", "evil.example"]
        response = await api.send(request)
        assert (response.status_code, response.json()["error"]["code"]) == (400, "host_not_allowed")


async def test_a_row_id_has_one_spelling(sqlite_engine: Engine) -> None:
    failure = add_dead_letter(sqlite_engine)
    async with client_for(create_app(api_settings(), engine=sqlite_engine)) as api:
        assert (await api.get(f"/api/v1/failures/{failure}")).status_code == 200
        for spelling in (f"+{failure}", f"%20{failure}", f"{failure}%20", f"{failure}.0", f"0_{failure}", "١"):
            response = await api.get(f"/api/v1/failures/{spelling}")
            assert (response.status_code, response.json()["error"]["code"]) == (422, "validation_error"), spelling
            assert response.json()["error"]["details"][0]["loc"] == ["path", "failure_id"]
        for too_big in ("9223372036854775808", "9" * 5000):
            assert (await api.get(f"/api/v1/products/{too_big}")).status_code == 422


async def test_head_answers_as_get_without_a_body(sqlite_engine: Engine) -> None:
    failure = add_dead_letter(sqlite_engine)
    async with client_for(create_app(api_settings(), engine=sqlite_engine)) as api:
        for path in ("/api/v1/products", f"/api/v1/failures/{failure}", "/metrics", "/health"):
            got, head = await api.get(path), await api.head(path)
            assert (head.status_code, head.content) == (200, b""), path
            assert head.headers["content-type"] == got.headers["content-type"], path
            assert head.headers.get("etag") == got.headers.get("etag"), path
        etag = (await api.get("/api/v1/products")).headers["etag"]
        assert (await api.head("/api/v1/products", headers={"If-None-Match": etag})).status_code == 304
        assert (await api.head("/api/v1/products/abc")).status_code == 422
        assert (await api.head("/api/v1/sql")).status_code == 405, "HEAD stands for GET, not for POST"


async def test_a_validation_error_names_types_not_python_classes(sqlite_engine: Engine) -> None:
    async with client_for(create_app(api_settings(), engine=sqlite_engine)) as api:
        response = await api.post("/api/v1/images/search", files={"file": (None, b"not a file")})
    assert (response.status_code, response.json()["error"]["code"]) == (422, "validation_error")
    message = response.json()["error"]["details"][0]["msg"]
    assert "<class" not in message and "str" in message, message


async def test_a_caller_without_a_key_gets_401_before_its_body_is_read(sqlite_engine: Engine) -> None:
    async with client_for(create_app(api_settings(), engine=sqlite_engine)) as api:
        for body in (b"{not json", b'{"seeds": "x"}', b"[" * 5000):
            for key in ({}, {"X-API-Key": "ss_not-a-key"}):
                response = await api.post("/api/v1/runs", content=body, headers=JSON | key)
                assert response.status_code == 401, (body[:20], key, response.text)
    async with client_for(create_app(api_settings(api_read_requires_key=True), engine=sqlite_engine)) as api:
        for path in ("/api/v1/sql", "/api/v1/ask"):
            response = await api.post(path, content=b"{not json", headers=JSON)
            assert (response.status_code, response.json()["error"]["code"]) == (401, "missing_api_key"), path
        upload = await api.post("/api/v1/images/search", files={"file": ("a.png", b"not a picture", "image/png")})
        assert (upload.status_code, upload.json()["error"]["code"]) == (401, "missing_api_key")
