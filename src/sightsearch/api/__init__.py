"""The data API: a FastAPI app over the product store, versioned under ``/api/v1``.

``create_app(settings)`` builds the app (no database connection until the first request); ``check_public_url``
is the SSRF guard for URLs that come from clients, usable outside the API too. Importing this package stays light:
FastAPI is only imported when ``create_app`` is first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sightsearch.crawl.ssrf import UnsafeUrlError, check_public_url, check_public_url_async

if TYPE_CHECKING:
    from sightsearch.api.app import create_app

__all__ = ["UnsafeUrlError", "check_public_url", "check_public_url_async", "create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from sightsearch.api.app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
