"""Is this HTML an app shell? Pages whose content only exists after JavaScript runs, told apart without a browser.

A shell is a page with almost no readable text plus a sign that a script will build it: an empty mount point
(``#root``, ``#app``, ``#__next``...), a ``<noscript>`` asking to enable JavaScript, or a pile of scripts.
Cheap (one lexbor parse), so auto mode runs it on every HTML page fetched over HTTP.
"""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser

from sightsearch.crawl.base import FetchedPage
from sightsearch.extract.document import bound_attributes

MOUNT_POINTS = ("#root", "#app", "#__next", "#__nuxt", "#___gatsby", "#svelte", "app-root", "[data-reactroot]",
                "[ng-app]", "[data-server-rendered]")
MAX_SHELL_TEXT = 250  # characters of visible text; a real product or listing page has far more
MANY_SCRIPTS = 3


def visible_text_length(tree: LexborHTMLParser) -> int:
    """Characters of text a reader would see in the body (scripts, styles, templates and noscript excluded)."""
    body = tree.body
    if body is None:
        return 0
    for node in body.css("script, style, template, noscript"):
        node.decompose()
    return len(" ".join(body.text(separator=" ").split()))


def is_app_shell(html: str) -> bool:
    """True when ``html`` looks like a single-page-app shell that only a browser can fill."""
    if not html:
        return False
    tree = LexborHTMLParser(bound_attributes(html))  # lexbor, like libxml2, is quadratic in one tag's attributes
    scripts = len(tree.css("script[src], script:not([type]), script[type='module'], script[type='text/javascript']"))
    if scripts == 0:
        return False  # nothing will ever fill it
    noscript = " ".join(node.text() for node in tree.css("noscript")).lower()
    empty_mount = any(not node.text(strip=True) for selector in MOUNT_POINTS for node in tree.css(selector))
    signals = empty_mount or "javascript" in noscript or scripts >= MANY_SCRIPTS
    return signals and visible_text_length(tree) <= MAX_SHELL_TEXT


def page_is_app_shell(page: FetchedPage) -> bool:
    """``is_app_shell`` on a fetched page's text (False for what is not HTML, and for rendered pages)."""
    html = page.content_type in ("", "text/html", "application/xhtml+xml")
    return html and not page.rendered and is_app_shell(page.text)
