"""``sightsearch serve`` (the data API) and ``sightsearch apikey create|list|revoke``."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy import Engine

from sightsearch.cli import app, console
from sightsearch.config import get_settings
from sightsearch.errors import ConfigurationError
from sightsearch.heap import settle_heap
from sightsearch.storage.db import get_engine, session_scope, upgrade_schema


def server_options() -> dict[str, str]:
    """How uvicorn runs the API: the C HTTP parser and libuv event loop (both pinned in the ``api`` extra)."""
    return {"http": "httptools", "loop": "uvloop"}


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (default SIGHTSEARCH_API_HOST, 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default SIGHTSEARCH_API_PORT, 8000).")] = None,
    migrate: Annotated[bool, typer.Option(help="Apply database migrations before serving.")] = True,
    access_log: Annotated[bool, typer.Option(help="Log every request.")] = False,
) -> None:
    """Serve the data API (OpenAPI at /docs). Refuses a non-loopback address while API keys are disabled."""
    import uvicorn

    from sightsearch.api import create_app
    from sightsearch.api.bind import check_bind

    settings = get_settings()
    host, port = host or settings.api_host, port or settings.api_port
    check_bind(host, settings.api_auth_enabled, settings.api_allowed_hosts)
    if host != settings.api_host:  # the Host check follows the address actually bound
        settings = settings.model_copy(update={"api_host": host})
    engine = get_engine(settings.database_url)
    if migrate:
        upgrade_schema(engine)
    console.print(f"SightSearch API on http://{host}:{port}  (docs: /docs)")
    api = create_app(settings, engine=engine)
    settle_heap()
    uvicorn.run(api, host=host, port=port, access_log=access_log,
                server_header=False, log_level="warning", proxy_headers=False, **server_options())


apikey = typer.Typer(help="Manage API keys (sent as X-API-Key; stored hashed, shown once).", no_args_is_help=True)
app.add_typer(apikey, name="apikey")


def _engine() -> Engine:
    engine = get_engine(get_settings().database_url)
    upgrade_schema(engine)
    return engine


@apikey.command("create")
def apikey_create(name: Annotated[str, typer.Option("--name", help="Who or what uses the key.")]) -> None:
    """Create a key and print it once: it is stored only as a hash."""
    from sightsearch.api.keys import create_api_key

    if not name.strip() or len(name) > 128:
        raise ConfigurationError("--name must be 1 to 128 characters")
    with session_scope(_engine()) as session:
        row, clear = create_api_key(session, name.strip())
        key_id = row.id
    console.print(f"API key {key_id} ({name}) created. Store it now; it cannot be shown again:")
    typer.echo(clear)


@apikey.command("list")
def apikey_list() -> None:
    """List keys: id, name, prefix, creation and revocation times (never the keys)."""
    from sightsearch.api.keys import list_api_keys

    with session_scope(_engine()) as session:
        for key in list_api_keys(session):
            revoked = f"revoked {key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "active"
            typer.echo(f"{key.id}\t{key.name}\t{key.prefix}...\t{key.created_at:%Y-%m-%d %H:%M}\t{revoked}")


@apikey.command("revoke")
def apikey_revoke(key: Annotated[str, typer.Argument(help="The key's id or prefix.")]) -> None:
    """Revoke a key: requests with it are refused from now on."""
    from sightsearch.api.keys import revoke_api_key

    with session_scope(_engine()) as session:
        try:
            row = revoke_api_key(session, key)
        except LookupError as err:
            raise ConfigurationError(str(err)) from err
        console.print(f"API key {row.id} ({row.name}) revoked")
