"""The browser package's pure parts: the app-shell test, the per-site memory, the status log, proxy switches."""

from __future__ import annotations

import json
import time

import pytest

from sightsearch.crawl.browser import RenderMemory, is_app_shell
from sightsearch.crawl.browser.session import proxy_flags
from sightsearch.crawl.browser.status import document_response
from sightsearch.demo import DemoShop
from sightsearch.demo.pages import render_site
from sightsearch.errors import ConfigurationError


def test_only_the_demo_shops_javascript_pages_are_app_shells() -> None:
    shop = DemoShop()
    shells = {target for target, html in render_site(shop).items() if is_app_shell(html)}
    assert shells == {product.path for product in shop.js_products}


@pytest.mark.parametrize(
    ("html", "shell"),
    [
        ('<html><body><div id="__next"></div><script src="/a.js"></script></body></html>', True),
        ("<html><body><noscript>Please enable JavaScript.</noscript><div class=x>Loading…</div>"
         '<script src="/app.js"></script></body></html>', True),
        ("<html><body>" + '<script src="/s.js"></script>' * 4 + "<main></main></body></html>", True),
        ('<html><body><div id="root"></div></body></html>', False),  # no script will ever fill it
        ('<html><body><div id="app"><h1>Kettle</h1><p>' + "A fine kettle. " * 30 + '</p></div>'
         '<script src="/a.js"></script></body></html>', False),  # server-rendered, then hydrated
        ("", False),
    ],
)
def test_app_shell_signals(html: str, shell: bool) -> None:
    assert is_app_shell(html) is shell


def test_a_site_is_decided_after_the_evidence_pages() -> None:
    memory = RenderMemory(evidence_pages=3)
    memory.record("a", needed=True)
    memory.record("a", needed=True)
    assert memory.decision("a") is None
    memory.record("a", needed=False)
    memory.record("b", needed=True)
    for _ in range(3):
        memory.record("c", needed=False)
    memory.record("c", needed=True)  # after the decision, evidence no longer moves it
    assert (memory.decision("a"), memory.decision("b"), memory.decision("c")) == ("browser", None, "http")


def _entry(method: str, **params: object) -> dict[str, str]:
    return {"message": json.dumps({"message": {"method": method, "params": params}})}


def test_the_status_comes_from_the_navigations_final_response() -> None:
    log = [
        _entry("Network.requestWillBeSent", requestId="1", type="Document", request={"url": "http://s/a"}),
        _entry("Network.requestWillBeSent", requestId="1", type="Document", request={"url": "http://s/b"},
               redirectResponse={"status": 302}),
        _entry("Network.responseReceived", requestId="9", type="Script",
               response={"url": "http://s/x.js", "status": 500}),
        _entry("Network.responseReceived", requestId="1", type="Document",
               response={"url": "http://s/b", "status": 404, "mimeType": "text/html", "headers": {"Retry-After": "3"}}),
    ]
    response = document_response(log)
    assert response is not None
    assert (response.url, response.status, response.mime_type, response.redirects) == ("http://s/b", 404, "text/html",
                                                                                        ["http://s/b"])
    assert response.headers == {"retry-after": "3"}
    assert document_response([{"message": "not json"}]) is None


def test_proxy_switches_route_loopback_through_the_proxy_and_refuse_credentials() -> None:
    assert proxy_flags(None) == []
    assert proxy_flags("10.0.0.1:3128") == ["--proxy-server=http://10.0.0.1:3128", "--proxy-bypass-list=<-loopback>"]
    with pytest.raises(ConfigurationError, match="credentials"):
        proxy_flags("http://user:secret@10.0.0.1:3128")


def test_a_tag_with_a_hundred_thousand_attributes_is_judged_quickly() -> None:
    # lexbor checks each attribute against the tag's others: 40,000 took 2.8 s before tags were cut to 256.
    attributes = " ".join(f"a{n}=1" for n in range(100_000))
    shell = f'<html><body><div id="root" {attributes}></div><script src="/app.js"></script></body></html>'
    started = time.monotonic()
    assert is_app_shell(shell)
    assert time.monotonic() - started < 5
