"""Finding the browser: Debian's chromium and chromium-driver, never a download at run time.

Selenium Manager would fetch a browser and a driver from the internet when none is given; every path here is
explicit, so a missing package fails at first use with the command that installs it.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import ModuleType

from sightsearch.config import Settings
from sightsearch.errors import ConfigurationError

INSTALL_HINT = "apt-get install chromium chromium-driver"
SELENIUM_HINT = 'pip install "sightsearch[browser]" (selenium)'


class BrowserNotInstalledError(ConfigurationError):
    """Chromium, its driver or Selenium is missing; the message names what to install."""


def check_browser_installed(settings: Settings) -> tuple[Path, Path]:
    """Chromium's and ChromeDriver's paths; raises ``BrowserNotInstalledError`` naming the Debian packages."""
    missing = [
        f"{what} at {path}"
        for what, path in (("Chromium", settings.browser_binary), ("ChromeDriver", settings.browser_driver))
        if not (path.is_file() and os.access(path, os.X_OK))
    ]
    if missing:
        raise BrowserNotInstalledError(
            f"no browser for rendering JavaScript: missing {' and '.join(missing)}; install it with `{INSTALL_HINT}` "
            "(or set SIGHTSEARCH_BROWSER_BINARY / SIGHTSEARCH_BROWSER_DRIVER)"
        )
    import_selenium()
    return settings.browser_binary, settings.browser_driver


def import_selenium() -> ModuleType:
    """The ``selenium.webdriver`` module, imported on first use so the HTTP-only pipeline never loads it."""
    try:
        from selenium import webdriver
    except ImportError as err:
        raise BrowserNotInstalledError(f"Selenium is not installed: {SELENIUM_HINT}") from err
    return webdriver
