"""Rendering JavaScript pages in headless Chromium (Selenium WebDriver on Debian's chromium + chromium-driver).

``BrowserFetcher`` renders every page it is given; ``AutoRenderFetcher`` puts HTTP first and the browser only where
a page or a site needs it (``--render never|auto|always``). Importing this package loads neither Selenium nor a
browser: both start on the first page that needs them, and a missing one fails with the command that installs it.
"""

from sightsearch.crawl.browser.app_shell import is_app_shell, page_is_app_shell
from sightsearch.crawl.browser.auto import (
    RENDER_MODES,
    AutoRenderFetcher,
    RenderDeferred,
    RenderMemory,
    RenderUnavailableError,
)
from sightsearch.crawl.browser.fetcher import BrowserFetcher
from sightsearch.crawl.browser.install import INSTALL_HINT, BrowserNotInstalledError, check_browser_installed
from sightsearch.crawl.browser.pool import ProxySource, Recycled, proxy_cycle
from sightsearch.crawl.browser.render import NotHtmlError
from sightsearch.crawl.browser.session import BrowserCrashedError

__all__ = [
    "INSTALL_HINT",
    "RENDER_MODES",
    "AutoRenderFetcher",
    "BrowserCrashedError",
    "BrowserFetcher",
    "BrowserNotInstalledError",
    "NotHtmlError",
    "ProxySource",
    "Recycled",
    "RenderDeferred",
    "RenderMemory",
    "RenderUnavailableError",
    "check_browser_installed",
    "is_app_shell",
    "page_is_app_shell",
    "proxy_cycle",
]
