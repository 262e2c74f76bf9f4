"""Rendering one URL in a session: navigate, check the status, wait for the content, read the DOM."""

from __future__ import annotations

import codecs
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sightsearch.crawl.base import FetchedPage
from sightsearch.crawl.browser.session import BrowserCrashedError, BrowserSession
from sightsearch.crawl.browser.status import DocumentResponse, document_response
from sightsearch.crawl.browser.waits import wait_for_selector, wait_until_settled
from sightsearch.crawl.http import HttpStatusPermanentError, HttpStatusTransientError, parse_retry_after
from sightsearch.crawl.urls import canonicalize_url
from sightsearch.errors import FetchError, PermanentFetchError, TransientFetchError

log = logging.getLogger(__name__)

_HTML_TYPES = frozenset({"", "text/html", "application/xhtml+xml"})


class NotHtmlError(PermanentFetchError):
    """The URL is not an HTML page (an image, a feed, a sitemap): a browser has nothing to render there."""


def render_page(session: BrowserSession, url: str, wait_for: str | None) -> FetchedPage:
    """Load ``url`` in ``session`` and return the DOM once its content is there.

    Raises ``BrowserCrashedError`` when the session died, ``TransientFetchError`` on timeouts, network errors,
    429 and 5xx, ``PermanentFetchError`` on other 4xx, non-HTML and oversized pages.
    """
    settings = session.settings
    started = time.perf_counter()
    with _driver_errors(session, url):
        response, html, final_url = _load(session, url, wait_for)
    body = codecs.BOM_UTF8 + html.encode("utf-8")  # the BOM wins over a stale <meta charset> in the DOM
    if len(body) > settings.max_page_bytes:
        raise PermanentFetchError(f"rendered page larger than {settings.max_page_bytes} bytes: {url}")
    headers = dict(response.headers) if response else {}
    headers["content-type"] = "text/html; charset=utf-8"  # what the body now is, whatever the server sent
    return FetchedPage(
        url=final_url, requested_url=url, status=response.status if response else 200, headers=headers, body=body,
        text=html, encoding="utf-8", elapsed=time.perf_counter() - started,
        redirects=[canonicalize_url(hop) for hop in response.redirects] if response else [], rendered=True,
    )


def _load(session: BrowserSession, url: str, wait_for: str | None) -> tuple[DocumentResponse | None, str, str]:
    driver = session.driver
    driver.get_log("performance")  # drop what the previous page left, so this navigation's events come first
    driver.get(url)
    response = document_response(driver.get_log("performance"))
    _check(response, url, session.settings.max_page_bytes)
    _wait(session, url, wait_for)
    return response, driver.page_source, driver.current_url


@contextmanager
def _driver_errors(session: BrowserSession, url: str) -> Iterator[None]:
    """Translate WebDriver failures into the fetch errors the crawler acts on (retry, dead letter, new session)."""
    from selenium.common.exceptions import TimeoutException, WebDriverException
    from urllib3.exceptions import HTTPError as DriverConnectionError

    try:
        yield
    except FetchError:
        raise
    except TimeoutException as err:
        raise TransientFetchError(f"timeout after {session.settings.request_timeout:g}s rendering {url}") from err
    except WebDriverException as err:
        message = _first_line((err.msg or str(err)), err)
        if "net::ERR_" in message:  # the browser is fine; the site was not reachable
            raise TransientFetchError(f"connection error rendering {url}: {message}") from err
        if _alive(session.driver):  # a script error or a page that navigated away mid-wait: the session is fine
            raise TransientFetchError(f"browser error rendering {url}: {message}") from err
        raise BrowserCrashedError(f"browser session lost rendering {url}: {message}") from err
    except (OSError, DriverConnectionError) as err:  # the driver process itself is gone
        raise BrowserCrashedError(f"browser driver lost rendering {url}: {_first_line(str(err), err)}") from err


def _check(response: DocumentResponse | None, url: str, max_bytes: int) -> None:
    """Fail like the HTTP fetcher does on an error status, a non-HTML type or a declared oversize body."""
    if response is None:
        return
    status = response.status
    if status == 429 or status >= 500:
        raise HttpStatusTransientError(status, retry_after=parse_retry_after(response.headers.get("retry-after")))
    if status >= 400:
        raise HttpStatusPermanentError(status)
    if response.mime_type.lower() not in _HTML_TYPES:
        raise NotHtmlError(f"not an HTML page ({response.mime_type}): {url}")
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise PermanentFetchError(f"page larger than {max_bytes} bytes (Content-Length {declared}): {url}")


def _wait(session: BrowserSession, url: str, wait_for: str | None) -> None:
    settings = session.settings
    if wait_for:
        if not wait_for_selector(session.driver, wait_for, settings.browser_wait_timeout):
            waited = settings.browser_wait_timeout
            raise TransientFetchError(f"wait_for {wait_for!r} matched nothing after {waited:g}s: {url}")
    elif not wait_until_settled(session.driver, settings.browser_wait_timeout, settings.browser_quiet_window):
        # A page that never goes quiet (polling, live chat) is still rendered: keep what is there by now.
        log.debug("%s did not settle within %gs; using the DOM as it is", url, settings.browser_wait_timeout)


def _alive(driver: object) -> bool:
    """True when the session still answers (a crashed browser or a dead driver does not)."""
    try:
        driver.execute_script("return 1;")  # type: ignore[attr-defined]
    except Exception:
        return False
    return True


def _first_line(message: str, err: Exception) -> str:
    return message.strip().splitlines()[0] if message.strip() else type(err).__name__
