"""Commands that read and manage the store: ``runs``, ``products``, ``failures``, ``export``, ``db``."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from sqlalchemy import Engine, func, select

from sightsearch.cli import app, console
from sightsearch.config import get_settings
from sightsearch.storage.db import get_engine, session_scope, upgrade_schema
from sightsearch.storage.models import CrawlRun, DeadLetter, Product

Json = Annotated[bool, typer.Option("--json", help="Print JSON lines instead of a table.")]
Limit = Annotated[int, typer.Option(help="Rows to show.")]


def _engine() -> Engine:
    engine = get_engine(get_settings().database_url)
    upgrade_schema(engine)
    return engine


def _table(title: str, columns: list[str], rows: list[list[Any]]) -> None:
    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*("" if cell is None else str(cell) for cell in row))
    console.print(table)


@app.command()
def runs(limit: Limit = 20, as_json: Json = False) -> None:
    """List crawl runs, newest first, with their counts."""
    with session_scope(_engine()) as session:
        items = session.scalars(select(CrawlRun).order_by(CrawlRun.started_at.desc()).limit(limit)).all()
        if as_json:
            for run in items:
                typer.echo(json.dumps({"id": run.id, "status": run.status, "seeds": run.seeds, "counts": run.counts,
                                       "started_at": run.started_at.isoformat(), "seconds": run.seconds}))
            return
        _table("crawl runs", ["id", "status", "started", "seconds", "pages", "loaded", "rejected"],
               [[r.id, r.status, r.started_at.strftime("%Y-%m-%d %H:%M:%S"), r.seconds, r.counts.get("pages_fetched"),
                 r.counts.get("loaded"), r.counts.get("rejected")] for r in items])


@app.command()
def products(
    site: Annotated[str | None, typer.Option(help="Only this site (host[:port]).")] = None,
    limit: Limit = 20, as_json: Json = False,
) -> None:
    """List products in the store."""
    with session_scope(_engine()) as session:
        query = select(Product).order_by(Product.id)
        if site:
            query = query.where(Product.site == site)
        total = session.scalar(select(func.count()).select_from(query.subquery()))
        items = session.scalars(query.limit(limit)).all()
        if as_json:
            for p in items:
                typer.echo(json.dumps({"site": p.site, "key": p.product_key, "title": p.title, "price": str(p.price),
                                       "currency": p.currency, "availability": p.availability, "url": p.url}))
            return
        _table(f"products ({len(items)} of {total})", ["site", "key", "title", "price", "availability"],
               [[p.site, p.product_key, p.title[:60], f"{p.price} {p.currency}", p.availability] for p in items])


failures = typer.Typer(help="Review dead letters: what a stage rejected and why.", invoke_without_command=True)
app.add_typer(failures, name="failures")


def _dead_letter_json(item: DeadLetter, *, payload: bool = False) -> dict[str, Any]:
    data = {"id": item.id, "stage": item.stage, "reason": item.reason, "url": item.url, "site": item.site,
            "status": item.status, "occurrences": item.occurrences, "run_id": item.run_id,
            "created_at": item.created_at.isoformat()}
    return {**data, "payload": item.payload} if payload else data


@failures.callback()
def failures_list(
    ctx: typer.Context,
    stage: Annotated[str | None, typer.Option(help="Only this stage.")] = None,
    status: Annotated[str, typer.Option(help="open, resolved, dismissed or all.")] = "open",
    limit: Limit = 100, as_json: Json = False,
) -> None:
    """List dead letters (the default when no subcommand is given)."""
    if ctx.invoked_subcommand:
        return
    from sightsearch.storage.deadletters import list_dead_letters

    with session_scope(_engine()) as session:
        items = list_dead_letters(session, status=None if status == "all" else status, stage=stage, limit=limit)
        if as_json:
            for item in items:
                typer.echo(json.dumps(_dead_letter_json(item)))
            return
        _table(f"dead letters ({status})", ["id", "stage", "reason", "url", "seen"],
               [[i.id, i.stage, i.reason[:80], i.url, i.occurrences] for i in items])


@failures.command("show")
def failures_show(dead_letter_id: int) -> None:
    """Print one dead letter with its full payload."""
    with session_scope(_engine()) as session:
        item = session.get(DeadLetter, dead_letter_id)
        if item is None:
            raise typer.BadParameter(f"no dead letter with id {dead_letter_id}")
        typer.echo(json.dumps(_dead_letter_json(item, payload=True), indent=2, ensure_ascii=False))


@failures.command("dismiss")
def failures_dismiss(dead_letter_id: int) -> None:
    """Mark a dead letter dismissed. It stays in the table as the trace."""
    from sightsearch.replay import dismiss_dead_letter

    try:
        dismiss_dead_letter(_engine(), dead_letter_id)
    except LookupError as err:
        raise typer.BadParameter(str(err)) from None
    console.print(f"dead letter {dead_letter_id} dismissed")


@failures.command("replay")
def failures_replay(dead_letter_id: int) -> None:
    """Re-run a rejected record from the stage that rejected it; mark it resolved when it loads."""
    from sightsearch.replay import replay_dead_letter

    result = asyncio.run(replay_dead_letter(_engine(), dead_letter_id))
    console.print(result)


@app.command()
def export(
    fmt: Annotated[str, typer.Option("--format", help="jsonl, csv, parquet or xlsx.")] = "jsonl",
    output: Annotated[Path, typer.Option(help="File to write.")] = Path("products.jsonl"),
    site: Annotated[str | None, typer.Option(help="Only this site.")] = None,
) -> None:
    """Export the products table to a file."""
    from sightsearch.export import export_products

    count = export_products(_engine(), fmt, output, site=site)
    console.print(f"{count} products written to {output}")


db = typer.Typer(help="Database schema management (Alembic).", no_args_is_help=True)
app.add_typer(db, name="db")


@db.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Apply migrations up to REVISION (default: head)."""
    from sightsearch.storage.db import current_revision
    from sightsearch.storage.query_role import ensure_query_role

    settings = get_settings()
    engine = get_engine(settings.database_url)
    upgrade_schema(engine, revision)
    console.print(f"database at revision {current_revision(engine)}")
    if ensure_query_role(engine, settings.query_role, settings.query_role_password):
        console.print(f"read-only query role {settings.query_role} ready")


@db.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument(help="Target revision, or 'base'.")]) -> None:
    """Revert migrations down to REVISION."""
    from sightsearch.storage.db import current_revision, downgrade_schema

    engine = get_engine(get_settings().database_url)
    downgrade_schema(engine, revision)
    console.print(f"database at revision {current_revision(engine)}")
