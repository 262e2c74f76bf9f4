"""HttpFetcher against a real local server: each error class and message, size caps, redirects, decoding."""

from __future__ import annotations

import socket
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler

import pytest

from crawl_site import LocalSite, respond
from sightsearch.config import Settings
from sightsearch.crawl import CrawlRequest, FetchedPage, HttpFetcher, HttpStatusPermanentError, HttpStatusTransientError
from sightsearch.crawl import parse_retry_after
from sightsearch.errors import PermanentFetchError, TransientFetchError


async def fetch(settings: Settings, url: str) -> FetchedPage:
    async with HttpFetcher(settings) as fetcher:
        return await fetcher.fetch(CrawlRequest(url=url))


def endless_chunks(handler: BaseHTTPRequestHandler, pause: float = 0.0) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.send_header("Transfer-Encoding", "chunked")
    handler.end_headers()
    chunk = b"<p>" + b"x" * 4000 + b"</p>"
    for _ in range(100_000):  # ~400 MB if nobody stops reading: the fetcher must hang up long before
        handler.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        if pause:
            time.sleep(pause)


async def test_client_is_lazy_reused_and_closed(site: LocalSite, settings: Settings) -> None:
    site.page("/a", "<p>a</p>")
    fetcher = HttpFetcher(settings)
    assert fetcher._session is None  # nothing opened at construction
    first = await fetcher.fetch(CrawlRequest(url=site.url("/a")))
    session = fetcher._session
    await fetcher.fetch(CrawlRequest(url=site.url("/a")))
    assert session is not None and fetcher._session is session
    await fetcher.aclose()
    await fetcher.aclose()
    assert fetcher._session is None
    assert first.status == 200 and first.text == "<p>a</p>" and first.encoding == "utf-8" and first.elapsed > 0


async def test_404_is_permanent_with_status(site: LocalSite, settings: Settings) -> None:
    with pytest.raises(HttpStatusPermanentError, match="HTTP 404") as info:
        await fetch(settings, site.url("/missing"))
    assert info.value.status == 404 and isinstance(info.value, PermanentFetchError)


@pytest.mark.parametrize(("status", "header", "expected"), [(503, None, None), (429, "3", 3.0), (500, "soon", None)])
async def test_429_and_5xx_are_transient_with_retry_after(
    site: LocalSite, settings: Settings, status: int, header: str | None, expected: float | None
) -> None:
    site.page("/busy", "busy", status=status, headers={"Retry-After": header} if header else {})
    with pytest.raises(HttpStatusTransientError, match=f"HTTP {status}") as info:
        await fetch(settings, site.url("/busy"))
    assert info.value.status == status and info.value.retry_after == expected
    assert isinstance(info.value, TransientFetchError)


def test_retry_after_http_date() -> None:
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True), now=now) == 30.0
    assert parse_retry_after(format_datetime(now - timedelta(seconds=30), usegmt=True), now=now) == 0.0
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("") is None and parse_retry_after("tomorrow-ish") is None


async def test_redirects_are_followed_and_recorded(site: LocalSite, settings: Settings) -> None:
    site.redirect("/old", "/middle", 301)
    site.redirect("/middle", site.url("/new"), 307)
    site.page("/new", "<p>new</p>")
    page = await fetch(settings, site.url("/old"))
    assert page.url == site.url("/new") and page.requested_url == site.url("/old")
    assert page.redirects == [site.url("/middle"), site.url("/new")]


async def test_redirect_loop_is_permanent_and_named(site: LocalSite, settings: Settings) -> None:
    site.redirect("/loop-a", "/loop-b")
    site.redirect("/loop-b", "/loop-a")
    with pytest.raises(PermanentFetchError, match=r"redirect loop: .*/loop-a -> .*/loop-b -> .*/loop-a"):
        await fetch(settings, site.url("/loop-a"))
    assert site.count("/loop-a") == 1 and site.count("/loop-b") == 1


async def test_redirect_chain_longer_than_limit(site: LocalSite, settings: Settings) -> None:
    for hop in range(6):
        site.redirect(f"/hop{hop}", f"/hop{hop + 1}")
    site.page("/hop6", "end")
    with pytest.raises(PermanentFetchError, match="more than 3 redirects"):
        await fetch(settings, site.url("/hop0"))
    assert site.count("/hop4") == 0  # gave up after the limit, did not walk the whole chain


async def test_declared_content_length_over_cap_fails_up_front(site: LocalSite, settings: Settings) -> None:
    site.page("/big", b"x" * 60_000)
    with pytest.raises(PermanentFetchError, match=r"page larger than 50000 bytes \(Content-Length 60000\)"):
        await fetch(settings, site.url("/big"))


async def test_endless_chunked_body_is_cut_off(site: LocalSite, settings: Settings) -> None:
    site.routes["/endless"] = endless_chunks
    started = time.monotonic()
    with pytest.raises(PermanentFetchError, match="page larger than 50000 bytes"):
        await fetch(settings, site.url("/endless"))
    assert time.monotonic() - started < 1.5


async def test_trickling_body_hits_the_whole_request_timeout(site: LocalSite, settings: Settings) -> None:
    site.routes["/trickle"] = lambda h: endless_chunks(h, pause=0.05)  # each chunk is quick; the whole never ends
    fast = settings.model_copy(update={"request_timeout": 0.4, "max_page_bytes": 10_000_000})
    started = time.monotonic()
    with pytest.raises(TransientFetchError, match="timeout after 0.4s"):
        await fetch(fast, site.url("/trickle"))
    assert time.monotonic() - started < 1.5


async def test_slow_endpoint_times_out_as_transient(site: LocalSite, settings: Settings) -> None:
    site.routes["/slow"] = lambda h: (time.sleep(1.5), respond(h, 200, "late"))
    fast = settings.model_copy(update={"request_timeout": 0.3})
    started = time.monotonic()
    with pytest.raises(TransientFetchError, match="timeout after 0.3s"):
        await fetch(fast, site.url("/slow"))
    assert time.monotonic() - started < 1.0


@pytest.mark.parametrize("encoding", ["br", "gzip", "deflate", "zstd"])
async def test_an_undecodable_body_is_permanent(site: LocalSite, settings: Settings, encoding: str) -> None:
    # Retrying would fetch the same bytes: the page is reported at once, with the reason.
    site.page("/packed", b"\x8b\x00 not compressed at all", headers={"Content-Encoding": encoding})
    with pytest.raises(PermanentFetchError, match="undecodable body"):
        await fetch(settings, site.url("/packed"))


async def test_connection_refused_and_reset_are_transient(site: LocalSite, settings: Settings) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    with pytest.raises(TransientFetchError, match="connection error"):
        await fetch(settings, f"http://127.0.0.1:{closed_port}/")
    site.routes["/reset"] = lambda h: h.connection.shutdown(socket.SHUT_RDWR)
    with pytest.raises(TransientFetchError, match="connection error"):
        await fetch(settings, site.url("/reset"))


async def test_latin1_page_with_meta_charset(site: LocalSite, settings: Settings) -> None:
    html = '<html><head><meta charset="iso-8859-1"></head><body>Café crème à 3 €uros? ÿ</body></html>'
    site.page("/latin1", html.replace("€", "E").encode("latin-1"), content_type="text/html")
    page = await fetch(settings, site.url("/latin1"))
    assert "Café crème à 3 Euros? ÿ" in page.text and page.encoding == "cp1252"


async def test_cp1252_page_without_declared_charset_is_detected(site: LocalSite, settings: Settings) -> None:
    sentence = "<p>“Smart” quotes cost 12,50 € — the café’s crème brûlée is très bon.</p>"
    text = f"<html><body>{sentence * 5}</body></html>"
    site.page("/cp1252", text.encode("cp1252"), content_type="text/html")
    page = await fetch(settings, site.url("/cp1252"))
    assert "“Smart” quotes cost 12,50 € — the café’s crème brûlée" in page.text
    assert "\ufffd" not in page.text


async def test_header_charset_wins_and_bad_bytes_never_crash(site: LocalSite, settings: Settings) -> None:
    body = '<meta charset="iso-8859-1"><p>naïve</p>'.encode() + b"\xff\xfe broken"
    site.page("/mixed", body, content_type="text/html; charset=utf-8")
    page = await fetch(settings, site.url("/mixed"))
    assert page.encoding == "utf-8" and "naïve" in page.text and "\ufffd" in page.text


async def test_bom_decides_when_nothing_is_declared(site: LocalSite, settings: Settings) -> None:
    site.page("/bom", "\ufeff<p>Grüße</p>".encode("utf-16"), content_type="text/html")
    page = await fetch(settings, site.url("/bom"))
    assert page.encoding == "utf-16" and "<p>Grüße</p>" in page.text


async def test_images_are_bytes_without_text(site: LocalSite, settings: Settings) -> None:
    site.page("/img.jpg", b"\xff\xd8\xff\xe0fakejpeg", content_type="image/jpeg")
    page = await fetch(settings, site.url("/img.jpg"))
    assert page.body == b"\xff\xd8\xff\xe0fakejpeg" and page.text == "" and page.content_type == "image/jpeg"


async def test_malformed_html_is_fetched_as_is(site: LocalSite, settings: Settings) -> None:
    site.page("/broken", "<html><body><div><a href='/p/1'>one<a href=/p/2>two</div></span><p>unclosed")
    page = await fetch(settings, site.url("/broken"))
    assert page.status == 200 and "unclosed" in page.text
