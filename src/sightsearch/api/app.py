"""``create_app(settings)``: the FastAPI app, its middleware, error handlers and routers. Connects to nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import Engine

from sightsearch.netaddr import is_loopback_host
from sightsearch.api.conditional import ConditionalCache
from sightsearch.api.console import mount_console
from sightsearch.api.deps import API_KEY_HEADER
from sightsearch.api.errors import install_error_handlers
from sightsearch.api.guard import LOOPBACK_NAMES, JsonErrorCors, RequestGuard
from sightsearch.api.middleware import BodyLimit, CatchErrors, HeadAsGet, RecordRequests, SecurityHeaders
from sightsearch.api.query_model import add_components
from sightsearch.api.routers import API_PREFIX, ask, failures, images, metrics, ops, products, runs
from sightsearch.api.state import ApiState
from sightsearch.config import Settings

UPLOAD_PATHS = (f"{API_PREFIX}/images/search",)


def create_app(settings: Settings, *, engine: Engine | None = None) -> FastAPI:
    """The API for ``settings``. The engine (given, or made from ``settings.database_url``) is used from the first
    request on; run submissions crawl in this process unless ``settings.broker_url`` is set.
    """
    state = ApiState(settings, engine)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        await state.close()

    # No trailing-slash redirects: their Location is built from the client's Host header (and "//evil.example/"
    # would become a redirect to another site); the API's paths have one spelling, any other is a 404.
    app = FastAPI(title="SightSearch API", version="1", lifespan=lifespan, docs_url="/docs", redoc_url=None,
                  openapi_url="/openapi.json", redirect_slashes=False,
                  swagger_ui_oauth2_redirect_url=None,  # no OAuth here: one HTML page less to serve
                  description="Products, images and similarity search, crawl runs, failures and metrics. "
                              f"Writes need an API key in the `{API_KEY_HEADER}` header.")
    app.state.api = state
    app.openapi = lambda: app.openapi_schema or add_components(FastAPI.openapi(app))  # type: ignore[method-assign]
    install_error_handlers(app)
    for module in (products, images, runs, failures, metrics, ops, ask):
        app.include_router(module.router)
    mount_console(app)  # after the API: its routes are matched first
    _add_middleware(app, state)
    return app


def allowed_hosts(settings: Settings) -> list[str]:
    """The Host names the API answers to: the configured ones, else on a loopback bind the loopback names and the
    bound address (``--host 127.0.0.2`` is reached as that)."""
    if settings.api_allowed_hosts:
        return settings.api_allowed_hosts
    return [*LOOPBACK_NAMES, settings.api_host] if is_loopback_host(settings.api_host) else []


def _add_middleware(app: FastAPI, state: ApiState) -> None:
    """Outermost last: metrics see every answer, the size limit applies before any route reads a body."""
    settings = state.settings
    # Innermost: a kept answer still passes the Host and cross-site guard and is counted by the metrics.
    app.add_middleware(ConditionalCache, generation=state.store_generation,
                       max_bytes=settings.api_response_cache_mb * 2**20, on_new_generation=state.images.expire,
                       metrics=state.http_metrics,
                       key_required=settings.api_auth_enabled and settings.api_read_requires_key)
    app.add_middleware(CatchErrors)

    def limit_for(path: str) -> int:
        return settings.api_max_upload_bytes if path in UPLOAD_PATHS else settings.api_max_body_bytes

    app.add_middleware(BodyLimit, limit_for=limit_for)
    # Outside the body limit, so a refused cross-site request is never read.
    app.add_middleware(RequestGuard, allowed_hosts=allowed_hosts(settings), allowed_origins=settings.api_cors_origins,
                       upload_paths=UPLOAD_PATHS, every_request=bool(settings.api_allowed_hosts)
                       or not is_loopback_host(settings.api_host))
    if settings.api_cors_origins:
        app.add_middleware(JsonErrorCors, allow_origins=settings.api_cors_origins, allow_credentials=False,
                           allow_methods=["GET", "POST"], allow_headers=[API_KEY_HEADER, "Content-Type"])
    app.add_middleware(HeadAsGet)
    app.add_middleware(SecurityHeaders)  # on every answer, the refusals of the layers inside included
    app.add_middleware(RecordRequests, metrics=state.http_metrics)
