"""The demo shop over HTTP on loopback: pages, robots, transient failures, pagination, keep-alive, refusal."""

from __future__ import annotations

import http.client
import json
import re
from urllib.parse import urlsplit

import httpx
import pytest

from sightsearch.demo import DemoServer, DemoShop, check_loopback, running_demo_site
from sightsearch.errors import ConfigurationError


def test_robots_disallows_private_and_has_no_crawl_delay_by_default(server: DemoServer, client: httpx.Client) -> None:
    robots = client.get("/robots.txt").text
    assert "User-agent: *" in robots and "Disallow: /private/" in robots
    assert f"Sitemap: {server.base_url}/sitemap.xml" in robots
    assert "Crawl-delay" not in robots


def test_robots_has_crawl_delay_when_configured() -> None:
    with running_demo_site(crawl_delay=2.5) as base_url:
        assert "Crawl-delay: 2.5" in httpx.get(f"{base_url}/robots.txt").text


def test_home_baits_disallowed_page_and_hides_traps(client: httpx.Client) -> None:
    home = client.get("/").text
    assert '/private/wholesale-prices"' in home and "/trap" not in home
    assert client.get("/traps").status_code == 200


def test_sitemap_lists_every_product_with_the_request_port(server: DemoServer, client: httpx.Client) -> None:
    locs = re.findall(r"<loc>([^<]+)</loc>", client.get("/sitemap.xml").text)
    assert {urlsplit(loc).netloc for loc in locs} == {urlsplit(server.base_url).netloc}
    assert {urlsplit(loc).path for loc in locs} >= {p["path"] for p in server.shop.truth()["products"]}


def test_transient_503_then_200(server: DemoServer, client: httpx.Client) -> None:
    path = server.shop.truth()["transient"]["503"][0]
    assert client.get(path).status_code == 503
    assert client.get(path).status_code == 200
    assert server.hits(path) == 2


def test_transient_429_with_retry_after_then_200(server: DemoServer, client: httpx.Client) -> None:
    path = server.shop.truth()["transient"]["429"][0]
    first = client.get(path)
    assert (first.status_code, first.headers["Retry-After"]) == (429, "1")
    assert client.get(path).status_code == 200


def test_pagination_reaches_every_product_of_a_category(server: DemoServer, client: httpx.Client) -> None:
    found, url, pages = set(), "/c/kitchen", 0
    while url:
        html = client.get(url).text
        found |= set(re.findall(r'class="product-link" href="([^"]+)"', html))
        next_link = re.search(r'<a rel="next" href="([^"]+)"', html)
        url, pages = next_link.group(1) if next_link else "", pages + 1
    expected = {p["path"] for p in server.shop.truth()["products"] if p["category"] == "kitchen"}
    assert found == expected and pages == 3
    assert client.get("/c/kitchen?page=99").status_code == 404


def test_product_pages_carry_data_in_their_format(server: DemoServer, client: httpx.Client) -> None:
    products = [p for p in server.shop.truth()["products"] if not p["broken"] and p["currency"] == "USD"]
    sample = {p["format"]: p for p in products if p["path"] not in sum(server.shop.transient.values(), [])}
    jsonld = client.get(sample["jsonld"]["path"]).text
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', jsonld).group(1))
    assert sample["jsonld"]["price"] in json.dumps(data)
    microdata = client.get(sample["microdata"]["path"]).text
    assert f'itemprop="price" content="{sample["microdata"]["price"]}"' in microdata
    plain = client.get(sample["html"]["path"]).text
    assert "application/ld+json" not in plain and "itemprop" not in plain
    assert f'<span class="price">${float(sample["html"]["price"]):,.2f}</span>' in plain
    assert f"SKU: {sample['html']['sku']}" in plain and "Add to cart" in plain


def test_keep_alive_serves_many_requests_on_one_connection(server: DemoServer) -> None:
    conn = http.client.HTTPConnection(urlsplit(server.base_url).netloc, timeout=5)
    sockets = set()
    for path in ["/", "/robots.txt", "/c/audio", "/c/audio?page=2", "/sitemap.xml"]:
        conn.request("GET", path)
        response = conn.getresponse()
        assert response.status == 200 and int(response.headers["Content-Length"]) == len(response.read())
        assert not response.will_close
        sockets.add(id(conn.sock))
    conn.close()
    assert len(sockets) == 1


def test_head_sends_headers_only(client: httpx.Client) -> None:
    response = client.head("/")
    assert response.status_code == 200 and response.content == b""
    assert int(response.headers["Content-Length"]) == len(client.get("/").content)


def test_stop_closes_the_port() -> None:
    with running_demo_site() as base_url:
        assert httpx.get(base_url).status_code == 200
    with pytest.raises(httpx.ConnectError):
        httpx.get(base_url, timeout=1)


@pytest.mark.parametrize("host", ["0.0.0.0", "10.1.2.3", "::", "example.com"])
def test_refuses_non_loopback_bind(host: str) -> None:
    with pytest.raises(ConfigurationError, match="loopback"):
        DemoServer(host=host)


def test_loopback_and_explicit_public_binds_are_allowed() -> None:
    for host in ("127.0.0.1", "127.0.0.2", "::1", "localhost"):
        check_loopback(host, allow_public=False)
    check_loopback("0.0.0.0", allow_public=True)


def test_shop_options_reach_the_server() -> None:
    server = DemoServer(products=60, seed=3, epoch=1)
    assert server.shop.truth() == DemoShop(products=60, seed=3, epoch=1).truth()
