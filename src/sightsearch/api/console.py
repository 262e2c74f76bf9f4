"""The web console (``console/``, built by Vite into ``api/console_dist``) served at ``/`` next to the API.

The console's client-side sections (``/dashboard``, ``/products/42``, ...) answer with ``index.html`` so that a
reload or a shared deep link opens the app; hashed assets are cached for a year; every console response carries a
strict Content-Security-Policy (scripts and data only from this origin; product pictures from any http(s) shop).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Response
from fastapi.responses import FileResponse
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from sightsearch.api.errors import error_response

CONSOLE_DIR = Path(__file__).parent / "console_dist"
# The top-level paths of the console's router (console/src/routes.tsx); a test keeps the two lists equal.
CLIENT_SECTIONS = ("dashboard", "products", "search", "runs", "failures", "ask")
# Top-level files of the build (Vite copies console/public/ there).
PUBLIC_FILES = ("favicon.svg",)

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob: http: https:",  # product pictures live on the crawled shops
    "connect-src 'self'",
    "font-src 'self'",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "object-src 'none'",
))
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


class ConsoleAssets(StaticFiles):
    """Vite's hashed assets: immutable, with the console's security headers."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers.update(SECURITY_HEADERS)
        if response.status_code == 200:
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response


def mount_console(app: FastAPI, directory: Path | None = None) -> None:
    """Serve the console built in ``directory`` (default ``CONSOLE_DIR``) at ``/``; when it is not built, ``/`` says
    how to build it."""
    directory = directory or CONSOLE_DIR
    index = directory / "index.html"
    if not index.is_file():
        app.add_api_route("/", _not_built, methods=["GET", "HEAD"], include_in_schema=False)
        return

    async def app_shell() -> Response:
        # no-cache: a new build's index (and so its new asset names) is picked up on the next load
        return FileResponse(index, media_type="text/html", headers={**SECURITY_HEADERS, "Cache-Control": "no-cache"})

    app.mount("/assets", ConsoleAssets(directory=directory / "assets", check_dir=False), name="console-assets")
    app.add_api_route("/", app_shell, methods=["GET", "HEAD"], include_in_schema=False)
    for section in CLIENT_SECTIONS:
        app.add_api_route(f"/{section}", app_shell, methods=["GET", "HEAD"], include_in_schema=False)
        app.add_api_route(f"/{section}/{{rest:path}}", app_shell, methods=["GET", "HEAD"], include_in_schema=False)
    for name in PUBLIC_FILES:
        if (directory / name).is_file():
            app.add_api_route(f"/{name}", _public_file(directory / name), methods=["GET", "HEAD"],
                              include_in_schema=False)


def _public_file(path: Path):  # noqa: ANN202 (a route handler)
    async def public_file() -> Response:
        return FileResponse(path, headers={**SECURITY_HEADERS, "Cache-Control": "public, max-age=86400"})

    return public_file


async def _not_built() -> Response:
    return error_response(404, "console_not_built", "the web console is not built: run `make install` with Node 20 "
                          "present (or `npm ci && npm run build` in console/); the API is under /api/v1, docs at /docs")
