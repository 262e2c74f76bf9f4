"""``AutoRenderFetcher``: HTTP first, the browser only where it is needed, and a per-site memory of that choice.

Modes (``--render``): ``never`` is HTTP only; ``always`` renders every page; ``auto`` fetches over HTTP and renders
when a site spec says ``render: always``, when the page is an app shell, or, while a site is still being judged,
when a product page's extraction finds no product (the rendered page decides whether it has one). After
``render_evidence_pages`` HTML pages of a site, a site where most pages needed the browser is rendered directly;
any other site stays on HTTP (app shells found later are still rendered: the shell test is cheap).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from typing_extensions import override

from sightsearch.crawl.base import CrawlRequest, FetchedPage, Fetcher
from sightsearch.crawl.browser.app_shell import page_is_app_shell
from sightsearch.crawl.browser.fetcher import spec_for
from sightsearch.crawl.browser.install import INSTALL_HINT, BrowserNotInstalledError
from sightsearch.crawl.browser.render import NotHtmlError
from sightsearch.crawl.urls import site_of
from sightsearch.errors import ConfigurationError, PermanentFetchError, SightSearchError

if TYPE_CHECKING:  # specs are only read here; extraction is not loaded for them
    from sightsearch.extract.spec import SiteSpec

log = logging.getLogger(__name__)

RENDER_MODES = ("never", "auto", "always")
PageCheck = Callable[[FetchedPage], bool]
_HTTP_ONLY_KINDS = frozenset({"robots", "sitemap"})


class RenderUnavailableError(PermanentFetchError):
    """The page needs JavaScript but no browser is installed: dead-lettered with the install command."""


class RenderDeferred(SightSearchError):
    """Raised instead of rendering when rendering happens elsewhere (``defer_rendering=True``).

    In distributed mode the fetch task catches it and sends ``url`` to the browser queue, whose workers run a
    ``BrowserFetcher`` at their own small concurrency; the embedded run never sets the flag.
    """

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url} needs rendering ({reason})")
        self.url, self.reason = url, reason


@dataclass
class SiteEvidence:
    """What auto mode learned about one site: HTML pages seen, and how many of them needed the browser."""

    pages: int = 0
    needed: int = 0


class RenderMemory:
    """The per-site decision: ``browser``, ``http``, or None while fewer than ``evidence_pages`` were seen."""

    def __init__(self, evidence_pages: int) -> None:
        self.evidence_pages = evidence_pages
        self.sites: dict[str, SiteEvidence] = {}

    def record(self, site: str, *, needed: bool) -> None:
        """Count one HTML page of ``site``; evidence stops counting once the site is decided."""
        evidence = self.sites.setdefault(site, SiteEvidence())
        if evidence.pages < self.evidence_pages:
            evidence.pages += 1
            evidence.needed += needed

    def decision(self, site: str) -> str | None:
        """``browser`` when most of the first pages needed it, ``http`` otherwise, None while undecided."""
        evidence = self.sites.get(site)
        if evidence is None or evidence.pages < self.evidence_pages:
            return None
        return "browser" if evidence.needed * 2 > evidence.pages else "http"


class AutoRenderFetcher(Fetcher):
    """Chooses, page by page, between ``http`` and ``browser`` (which it owns and closes) for ``mode``.

    ``has_product`` (the caller's extraction, e.g. ``extract_product(...).is_product()``) enables the "no product
    without JavaScript" test; ``needs_render`` defaults to the app-shell test. ``browser`` may be None (no browser
    wanted or available): pages that need one then fail permanently with the install command. With
    ``defer_rendering`` they raise ``RenderDeferred`` instead, for a browser worker elsewhere.
    """

    def __init__(self, http: Fetcher, browser: Fetcher | None, mode: str = "auto", *, specs: Sequence[SiteSpec] = (),
                 needs_render: PageCheck = page_is_app_shell, has_product: PageCheck | None = None,
                 evidence_pages: int = 3, defer_rendering: bool = False) -> None:
        if mode not in RENDER_MODES:
            raise ConfigurationError(f"render mode {mode!r}: choose one of {', '.join(RENDER_MODES)}")
        self.http, self.browser, self.mode = http, browser, mode
        self._specs = list(specs)
        self._needs_render, self._has_product = needs_render, has_product
        self.memory = RenderMemory(evidence_pages)
        self.defer_rendering = defer_rendering
        self._browser_missing: str | None = None

    @override
    async def fetch(self, request: CrawlRequest) -> FetchedPage:
        """The page over HTTP, or rendered when this page or its site needs JavaScript."""
        mode = self._mode_for(request.url)
        if request.kind in _HTTP_ONLY_KINDS or mode == "never":
            return await self.http.fetch(request)
        site = site_of(request.url)
        if mode == "always" or self.memory.decision(site) == "browser":
            return await self._render_or_http(request)
        page = await self.http.fetch(request)
        if page.content_type not in ("", "text/html", "application/xhtml+xml") or not page.text:
            return page
        if self._needs_render(page):
            self.memory.record(site, needed=True)
            return await self._render(request, "app shell")
        if self.memory.decision(site) is None and request.kind == "product" and self._has_product is not None:
            if not await asyncio.to_thread(self._has_product, page):
                rendered = await self._render(request, "no product without JavaScript")
                needed = await asyncio.to_thread(self._has_product, rendered)
                self.memory.record(site, needed=needed)
                return rendered if needed else page
        self.memory.record(site, needed=False)
        return page

    def _mode_for(self, url: str) -> str:
        """A site spec's explicit ``render`` wins over the run's mode (its default ``never`` does not count)."""
        spec = spec_for(self._specs, url)
        if spec is not None and "render" in spec.model_fields_set:
            return spec.render
        return self.mode

    async def _render_or_http(self, request: CrawlRequest) -> FetchedPage:
        """Render; what turns out not to be HTML (a feed, an image) comes over HTTP instead."""
        try:
            return await self._render(request, "always" if self.mode == "always" else "site needs JavaScript")
        except NotHtmlError:
            return await self.http.fetch(request)

    async def _render(self, request: CrawlRequest, reason: str) -> FetchedPage:
        if self.defer_rendering:
            raise RenderDeferred(request.url, reason)
        if self.browser is None or self._browser_missing is not None:
            raise self._unavailable(request, self._browser_missing or "rendering is off")
        log.debug("rendering %s: %s", request.url, reason)
        try:
            return await self.browser.fetch(request)
        except BrowserNotInstalledError as err:
            if self.mode == "always":
                raise  # a run that must render everything cannot do anything useful: stop it with the hint
            self._browser_missing = str(err)
            log.warning("%s; pages that need JavaScript are dead-lettered", err)
            raise self._unavailable(request, str(err)) from err

    def _unavailable(self, request: CrawlRequest, detail: str) -> RenderUnavailableError:
        return RenderUnavailableError(
            f"page needs JavaScript rendering but no browser is installed: {INSTALL_HINT} ({detail}): {request.url}"
        )

    @override
    async def aclose(self) -> None:
        try:
            await self.http.aclose()
        finally:
            if self.browser is not None:
                await self.browser.aclose()
