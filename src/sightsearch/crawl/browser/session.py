"""One isolated browser session: a ChromeDriver, a headless Chromium and a fresh profile folder of its own."""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
from typing import Any
from urllib.parse import urlsplit

from sightsearch.config import Settings
from sightsearch.crawl.browser.install import check_browser_installed, import_selenium
from sightsearch.crawl.browser.memory import kill_tree, private_memory_bytes, process_tree
from sightsearch.crawl.browser.waits import ACTIVITY_SCRIPT
from sightsearch.errors import ConfigurationError, TransientFetchError

log = logging.getLogger(__name__)

# As root Chromium needs --no-sandbox; without the background-networking switches a machine without internet access
# hangs on component updates, safe-browsing and DNS lookups Chromium makes on its own.
CHROMIUM_FLAGS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
    "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-extensions", "--disable-default-apps",
    "--mute-audio", "--window-size=1280,1024",
)


class BrowserCrashedError(TransientFetchError):
    """The session died (browser killed or crashed, driver gone); it is replaced and the page retried."""


def proxy_flags(proxy: str | None) -> list[str]:
    """Chromium switches for ``proxy``; loopback goes through it too, since Chromium bypasses it by default."""
    if not proxy:
        return []
    parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    if parts.username or parts.password:
        raise ConfigurationError(
            f"browser proxy {parts.hostname}:{parts.port}: Chromium takes no proxy credentials on its command line; "
            "use a proxy that authorizes this host by IP for the browser sessions"
        )
    return [f"--proxy-server={parts.scheme}://{parts.hostname}:{parts.port}", "--proxy-bypass-list=<-loopback>"]


class BrowserSession:
    """A started browser; blocking calls, so the fetcher runs them in a thread. ``close`` removes the profile."""

    def __init__(self, settings: Settings, proxy: str | None = None) -> None:
        self.settings, self.proxy = settings, proxy
        self.pages = 0
        self.driver: Any = None
        self._profile = tempfile.mkdtemp(prefix="sightsearch-chromium-")
        try:
            self._launch()
        except BaseException:
            self.close()
            raise

    def _launch(self) -> None:
        binary, driver_path = check_browser_installed(self.settings)
        webdriver = import_selenium()
        from selenium.common.exceptions import WebDriverException
        from selenium.webdriver.chrome.service import Service

        options = webdriver.ChromeOptions()
        options.binary_location = str(binary)
        for flag in [*CHROMIUM_FLAGS, *proxy_flags(self.proxy), f"--user-data-dir={self._profile}",
                     f"--user-agent={self.settings.user_agent}"]:
            options.add_argument(flag)
        if not self.settings.browser_load_images:
            options.add_argument("--blink-settings=imagesEnabled=false")
        options.set_capability("goog:loggingPrefs", {"performance": "ALL"})  # status codes: see status.py
        options.add_experimental_option("perfLoggingPrefs", {"enableNetwork": True, "enablePage": False})
        service = Service(executable_path=str(driver_path), log_output=subprocess.DEVNULL)
        try:
            driver = webdriver.Chrome(service=service, options=options)
        except WebDriverException as err:
            reason = (err.msg or type(err).__name__).strip().splitlines()[0]
            raise BrowserCrashedError(f"Chromium did not start ({binary}): {reason}") from err
        self.driver, self._driver_pid = driver, driver.service.process.pid  # from here on, close() quits it
        driver.set_page_load_timeout(self.settings.request_timeout)
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": ACTIVITY_SCRIPT})

    def pids(self) -> list[int]:
        """The driver's and the browser's processes, alive now."""
        return process_tree(self._driver_pid) if self.driver is not None else []

    def memory_bytes(self) -> int:
        """Private resident memory of this session's driver and browser processes (see memory.py)."""
        return private_memory_bytes(self.pids())

    def close(self) -> None:
        """Quit the browser (killing what survives a crash) and delete the profile folder. Safe to call twice."""
        driver, self.driver = self.driver, None
        if driver is not None:
            leftovers = process_tree(self._driver_pid)
            try:
                driver.quit()
            except Exception as err:  # a crashed browser cannot quit cleanly; its processes are killed below
                log.debug("quit of a browser session failed: %s", err)
            kill_tree(leftovers)  # gone already after a clean quit: then this is a no-op
        shutil.rmtree(self._profile, ignore_errors=True)

