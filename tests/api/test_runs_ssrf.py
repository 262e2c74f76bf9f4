"""Run submission: SSRF refusals (schemes, private, loopback, metadata, names resolving to them), the allow-list,
202 with the id, the run crawling in the background with live counts, and the cap on concurrent runs."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from sightsearch.api import UnsafeUrlError, check_public_url, create_app
from tests.api.conftest import api_settings, client_for, new_key

REFUSED = [
    ("file:///etc/passwd", "scheme"),
    ("gopher://example.com/", "scheme"),
    ("http://127.0.0.1:8000/", "private_address"),
    ("http://10.0.0.1/", "private_address"),
    ("http://169.254.169.254/latest/meta-data/", "private_address"),
    ("http://[fd00:ec2::254]/", "private_address"),
    ("http://[::ffff:127.0.0.1]/", "private_address"),
    ("http://[2002:7f00:1::]/", "private_address"),  # 6to4: carries 127.0.0.1
    ("http://[2002:a00:5::1]/", "private_address"),  # 6to4: carries 10.0.0.5
    ("http://[64:ff9b::a9fe:a9fe]/", "private_address"),  # NAT64: carries 169.254.169.254
    ("http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/", "private_address"),  # Teredo
    ("http://localhost\x00.example.com/", "malformed"),  # getaddrinfo stops at the NUL
    ("http://example.com/\r\nX-Injected: 1", "malformed"),
    ("http://example.com:0/", "malformed"),
    ("http://localhost:8765/", "not_public"),
    ("http://2130706433/", "not_public"),  # 127.0.0.1 written as one number
    ("http://metadata.google.internal/computeMetadata/v1/", "metadata_host"),
    ("http://user:secret@example.com/", "credentials"),
    ("http:///no-host", "malformed"),
]


@pytest.mark.parametrize(("url", "reason"), REFUSED)
def test_unsafe_urls_are_refused(url: str, reason: str) -> None:
    with pytest.raises(UnsafeUrlError) as refused:
        check_public_url(url)
    assert refused.value.reason == reason


def test_allow_list_and_resolution() -> None:
    assert check_public_url("http://127.0.0.1:8765/", allow=["127.0.0.1"])
    assert check_public_url("http://10.1.2.3/", allow=["10.0.0.0/8"])
    assert check_public_url("http://shop.internal/", allow=["shop.internal"], resolve=lambda _: ["10.0.0.5"])
    assert check_public_url("https://shop.example/", resolve=lambda _: ["93.184.216.34", "2606:2800:220:1::1"])
    assert check_public_url("https://shop.example/", resolve=lambda _: ["2002:5db8:d822::1"])  # 6to4 of a public IPv4
    with pytest.raises(UnsafeUrlError, match="not allowed|not public|cannot"):
        check_public_url("https://shop.example/", resolve=lambda _: ["2002:7f00:1::"])  # a name whose AAAA is 6to4
    with pytest.raises(UnsafeUrlError) as private:
        check_public_url("https://shop.example/", resolve=lambda _: ["93.184.216.34", "10.0.0.7"])
    assert private.value.reason == "not_public" and "10.0.0.7" not in str(private.value)  # no DNS oracle
    with pytest.raises(UnsafeUrlError, match=r"169\.254\.169\.254"):
        check_public_url("http://169.254.169.254/", allow=["127.0.0.1"])

    def unresolvable(host: str) -> list[str]:
        raise OSError("Name or service not known")

    with pytest.raises(UnsafeUrlError) as refused:
        check_public_url("https://nowhere.example/", resolve=unresolvable)
    # The same answer as for a name that resolves to a private address: refusals do not map internal names.
    assert (refused.value.reason, str(refused.value)) == (private.value.reason, str(private.value).replace(
        "shop.example", "nowhere.example"))


async def test_api_refuses_unsafe_seeds_with_a_clear_422(sqlite_engine: Engine) -> None:
    key = new_key(sqlite_engine)
    async with client_for(create_app(api_settings(), engine=sqlite_engine)) as api:
        for url, reason in REFUSED:
            response = await api.post("/api/v1/runs", json={"seeds": [url]}, headers={"X-API-Key": key})
            assert response.status_code == 422, (url, response.text)
            error = response.json()["error"]
            assert error["code"] == "seed_url_refused" and error["details"][0]["reason"] == reason
            if reason == "credentials":  # quoted masked: an error body never carries a secret
                assert "***@example.com" in error["message"] and "secret" not in response.text
            else:
                assert url.split("//")[-1][:8] in error["message"] or reason == "malformed"
        too_many = await api.post("/api/v1/runs", json={"seeds": ["https://example.com/"], "max_pages": 10**9},
                                  headers={"X-API-Key": key})
        assert too_many.status_code == 422


async def wait_finished(api: httpx.AsyncClient, run_id: str, seconds: float = 60) -> dict[str, Any]:
    for _ in range(int(seconds * 10)):
        response = await api.get(f"/api/v1/runs/{run_id}")
        if response.status_code == 200 and response.json()["status"] != "running":
            return response.json()
        await asyncio.sleep(0.1)
    raise AssertionError(f"run {run_id} did not finish")


async def test_allowed_seed_runs_in_the_background(engine: Engine, demo_site: str) -> None:
    key = new_key(engine)
    settings = api_settings(ssrf_allow=["127.0.0.1"], api_max_active_runs=1, download_images=False)
    async with client_for(create_app(settings, engine=engine)) as api:
        accepted = await api.post("/api/v1/runs", json={"seeds": [demo_site + "/"], "max_pages": 12},
                                  headers={"X-API-Key": key})
        assert accepted.status_code == 202, accepted.text
        run_id = accepted.json()["id"]
        assert accepted.headers["location"] == f"/api/v1/runs/{run_id}"
        busy = await api.post("/api/v1/runs", json={"seeds": [demo_site + "/"]}, headers={"X-API-Key": key})
        assert (busy.status_code, busy.json()["error"]["code"]) == (429, "too_many_runs")
        run = await wait_finished(api, run_id)
        assert run["status"] == "finished" and run["counts"]["pages_fetched"] == 12
        assert run["events"].get("page.fetched") == 12
        listed = (await api.get("/api/v1/runs")).json()["items"]
        assert [item["id"] for item in listed] == [run_id]
        products = (await api.get("/api/v1/products", params={"limit": 200})).json()["items"]
        assert products and all(item["site"] == demo_site.removeprefix("http://") for item in products)
