"""The demo shop's JavaScript-only products: in the truth apart from the others, listed, served as app shells with
their data behind two JSON endpoints (the price after a delay). Rendering them is tested in tests/browser."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import httpx
import pytest

from sightsearch.demo import DemoServer, DemoShop
from sightsearch.demo.js_pages import APP_SCRIPT, JS_CATEGORY, price_delay_ms
from sightsearch.extract import extract_product


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    server = DemoServer().start()
    with httpx.Client(base_url=server.base_url, timeout=5) as http:
        yield http
    server.stop()


def test_truth_lists_twelve_js_only_products_apart_from_the_others() -> None:
    truth = DemoShop().truth()
    js_only = truth["js_only"]
    assert len(js_only) == 12 and {p["format"] for p in js_only} == {"js"}
    assert {p["category"] for p in js_only} == {JS_CATEGORY} and not any(p["broken"] for p in js_only)
    assert Counter(p["format"] for p in truth["products"]) == {"jsonld": 100, "microdata": 100, "html": 100}
    assert not {p["key"] for p in js_only} & {p["key"] for p in truth["products"]}
    assert DemoShop(epoch=1).truth()["js_only"] == js_only  # prices stay put: epochs change HTTP products only
    assert DemoShop(products=12).truth()["js_only"] == [] and len(DemoShop(js_products=3).truth()["js_only"]) == 3


def test_price_delays_are_deterministic_between_300_and_800_ms() -> None:
    delays = [price_delay_ms(product) for product in DemoShop().js_products]
    assert all(300 <= delay <= 800 for delay in delays) and len(set(delays)) > 6


def test_js_products_are_listed_and_in_the_sitemap(client: httpx.Client) -> None:
    truth_paths = {p["path"] for p in DemoShop().truth()["js_only"]}
    assert f'href="/c/{JS_CATEGORY}"' in client.get("/").text
    listing = client.get(f"/c/{JS_CATEGORY}").text
    assert all(f'href="{path}"' in listing for path in truth_paths)
    assert all(path in client.get("/sitemap.xml").text for path in truth_paths)


def test_over_http_a_js_page_is_an_empty_shell_and_its_data_comes_from_the_api(client: httpx.Client) -> None:
    product = DemoShop().truth()["js_only"][0]
    response = client.get(product["path"])
    assert response.status_code == 200 and 'id="root"' in response.text and APP_SCRIPT in response.text
    assert not extract_product(response.content, str(response.url)).is_product()
    pid = int(product["path"].rsplit("-", 1)[1])
    details = client.get(f"/api/products/{pid}.json").json()
    price = client.get(f"/api/products/{pid}/price.json")
    assert price.headers["content-type"].startswith("application/json")
    expected = (product["title"], product["sku"], product["price"])
    assert (details["title"], details["sku"], price.json()["price"]) == expected
    assert client.get(APP_SCRIPT).headers["content-type"].startswith("text/javascript")
