"""Commands that produce data: ``crawl``, ``extract`` and ``demo-site``."""

from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from sightsearch.cli import app, console
from sightsearch.config import get_settings
from sightsearch.heap import settle_heap

Urls = Annotated[list[str], typer.Argument(help="Seed URLs (listing pages, home pages or sitemaps).")]


@app.command()
def crawl(
    urls: Urls,
    max_pages: Annotated[int | None, typer.Option(help="Stop after this many pages.")] = None,
    max_seconds: Annotated[float | None, typer.Option(help="Start no page after this many seconds; what was fetched is loaded.", min=0)] = None,
    spec: Annotated[Path | None, typer.Option(help="A YAML site spec with selectors.", exists=True, dir_okay=False)] = None,
    concurrency: Annotated[int | None, typer.Option(help="Fetches in flight.")] = None,
    no_images: Annotated[bool, typer.Option("--no-images", help="Skip image download and hashing.")] = False,
    render: Annotated[str | None, typer.Option(help="never | auto | always: render pages in headless Chromium.")] = None,
    sitemaps: Annotated[bool, typer.Option("--sitemaps", help="Also follow the sitemaps the seed sites' robots.txt lists.")] = False,
    distributed: Annotated[bool, typer.Option("--distributed", help="Run on the Celery workers (SIGHTSEARCH_BROKER_URL).")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON on stdout.")] = False,
) -> None:
    """Crawl from seed URLs and load every product found into the store."""
    from sightsearch.extract import load_spec

    updates: dict[str, object] = {"download_images": not no_images}
    if concurrency:
        updates["concurrency"] = concurrency
    if max_seconds is not None:
        updates["max_run_seconds"] = max_seconds
    if sitemaps:
        updates["follow_sitemaps"] = True
    if render:
        if render not in ("never", "auto", "always"):
            raise typer.BadParameter("choose never, auto or always", param_hint="--render")
        updates["render"] = render
    settings = get_settings().model_copy(update=updates)
    if settings.render == "always":
        from sightsearch.crawl.browser import check_browser_installed

        check_browser_installed(settings)  # fails before crawling, naming the Debian packages
    limit = max_pages or settings.max_pages
    site_spec = load_spec(spec) if spec else None
    if not distributed:  # the parser processes boot on another core while this one imports the crawler
        from sightsearch.crawl.parsing import warm_up

        threading.Thread(target=warm_up, args=(settings.parse_processes,), name="parser-warm-up", daemon=True).start()
    with _progress() as progress:
        task = progress.add_task("crawling", total=limit, loaded=0, rejected=0)

        def on_progress(counts: dict[str, int]) -> None:
            progress.update(task, completed=counts["pages"], loaded=counts["loaded"], rejected=counts["rejected"])

        if distributed:
            from sightsearch.workers import run_distributed

            settle_heap()
            summary = run_distributed(urls, settings, limit, on_progress, spec=site_spec)
        else:
            from sightsearch.runner import EmbeddedRun

            run = EmbeddedRun(settings, spec=site_spec, max_pages=limit, on_progress=on_progress)
            settle_heap()
            summary = asyncio.run(run.execute(urls))
        done = summary.counts["pages_fetched"] + summary.counts["pages_failed"]
        progress.update(task, total=done, completed=done, loaded=summary.counts["loaded"],
                        rejected=summary.counts["rejected"])
    if as_json:
        typer.echo(json.dumps({"run_id": summary.run_id, "status": summary.status, "error": summary.error,
                               "seconds": round(summary.seconds, 3), "counts": dict(summary.counts)}))
    else:
        _print_summary(summary)
    if summary.status == "failed":
        console.print(f"[red]run failed:[/red] {summary.error}")
        raise typer.Exit(1)


def _progress() -> Progress:
    return Progress(SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("loaded {task.fields[loaded]} · rejected {task.fields[rejected]}"),
                    TimeElapsedColumn(), console=console, transient=False)


def _print_summary(summary: object) -> None:
    counts = summary.counts  # type: ignore[attr-defined]
    table = Table(title=f"run {summary.run_id} {summary.status} in {summary.seconds:.1f}s")  # type: ignore[attr-defined]
    table.add_column("what")
    table.add_column("count", justify="right")
    rows = [
        ("pages fetched", "pages_fetched"), ("pages failed", "pages_failed"), ("retries", "retries"),
        ("blocked by robots.txt", "robots_blocked"), ("skipped at the time limit", "time_limit_skipped"),
        ("products found", "products_found"),
        ("inserted", "inserted"), ("updated", "updated"), ("unchanged", "unchanged"),
        ("price history rows", "price_changes"), ("rejected (dead letters)", "rejected"),
        ("image failures", "image_failures"), ("near-duplicate image groups", "image_groups"),
    ]
    for label, key in rows:
        if key != "time_limit_skipped" or counts.get(key):  # a run without a time limit has no such row
            table.add_row(label, str(counts.get(key, 0)))
    console.print(table)
    pages = counts.get("pages_fetched", 0)
    if summary.seconds:  # type: ignore[attr-defined]
        console.print(f"{pages / summary.seconds:.1f} pages/s")  # type: ignore[attr-defined]


@app.command()
def extract(
    files: Annotated[list[Path] | None, typer.Argument(help="HTML files (.html or .html.gz).")] = None,
    url: Annotated[str | None, typer.Option(help="The page's URL, to resolve links and guess the locale.")] = None,
    manifest: Annotated[Path | None, typer.Option(help='JSONL of {"id","path","url"} lines.', exists=True)] = None,
    explain: Annotated[bool, typer.Option("--explain", help="Print every price, availability and brand candidate with its score.")] = False,
) -> None:
    """Extract the product of each page and print one JSON object per line."""
    from sightsearch.extract import extract_manifest, extract_product, read_html_file
    from sightsearch.extract.manifest import PageTooLarge

    max_bytes = get_settings().max_page_bytes
    if manifest:
        for item in extract_manifest(manifest, max_bytes):
            typer.echo(json.dumps(item, ensure_ascii=False))
        return
    if not files:
        raise typer.BadParameter("give HTML files or --manifest FILE.jsonl")
    for path in files:
        page_url = url or path.resolve().as_uri()
        try:
            html = read_html_file(path, max_bytes)
        except (OSError, EOFError, PageTooLarge) as err:
            typer.echo(json.dumps({"id": str(path), "url": page_url, "error": str(err)}))
            continue
        if explain:
            _explain(html, page_url)
            continue
        typer.echo(json.dumps({"id": str(path), **extract_product(html, page_url).to_output()}, ensure_ascii=False))


def _explain(html: bytes, url: str) -> None:
    """Print the candidates of each scored field, best first, and which one won."""
    from sightsearch.extract.explain import explain_page

    for field, rows, verdict in explain_page(html, url):
        table = Table(title=f"{field}: {verdict}")
        for column in ("value", "source", "score", "evidence"):
            table.add_column(column)
        for row in rows:
            table.add_row(*row)
        console.print(table)


@app.command("demo-site")
def demo_site(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8000,
    epoch: Annotated[int, typer.Option(help="Price/stock epoch: each one changes some products.")] = 0,
    crawl_delay: Annotated[float | None, typer.Option(help="Add a robots.txt Crawl-delay (seconds).")] = None,
    products: Annotated[int, typer.Option(help="Number of products.")] = 300,
    truth: Annotated[Path | None, typer.Option(help="Write the ground truth JSON here.")] = None,
    no_transient: Annotated[bool, typer.Option("--no-transient", help="No first-hit 503/429 answers.")] = False,
) -> None:
    """Serve the generated demo shop on 127.0.0.1 until Ctrl-C."""
    from sightsearch.demo import DemoShop, serve_demo

    options = {"products": products, "epoch": epoch, "crawl_delay": crawl_delay, "transient_failures": not no_transient}
    if truth:
        DemoShop(**options).write_truth(truth)  # type: ignore[arg-type]
        console.print(f"ground truth written to {truth}")
    console.print(f"demo shop on http://127.0.0.1:{port}/ (Ctrl-C stops)")
    serve_demo(port=port, **options)  # type: ignore[arg-type]


@app.command()
def demo(
    port: Annotated[int, typer.Option(help="Port for the demo shop on 127.0.0.1 (keep it fixed: the site key includes it).")] = 8765,
    epoch: Annotated[int, typer.Option(help="Price/stock epoch of the shop.")] = 0,
    max_pages: Annotated[int, typer.Option(help="Page budget.")] = 2000,
) -> None:
    """Start the demo shop, crawl it into the store, and print what was loaded and rejected."""
    from sightsearch.demo import running_demo_site
    from sightsearch.runner import EmbeddedRun

    settings = get_settings()
    with running_demo_site(port=port, epoch=epoch) as base_url, _progress() as progress:
        task = progress.add_task(f"crawling {base_url}", total=max_pages, loaded=0, rejected=0)

        def on_progress(counts: dict[str, int]) -> None:
            progress.update(task, completed=counts["pages"], loaded=counts["loaded"], rejected=counts["rejected"])

        summary = asyncio.run(EmbeddedRun(settings, max_pages=max_pages, on_progress=on_progress).execute([base_url + "/"]))
        done = summary.counts["pages_fetched"] + summary.counts["pages_failed"]
        progress.update(task, total=done, completed=done, loaded=summary.counts["loaded"],
                        rejected=summary.counts["rejected"])
    _print_summary(summary)
    _print_rejects(summary.run_id)


def _print_rejects(run_id: str) -> None:
    from sightsearch.storage.db import get_engine, session_scope
    from sightsearch.storage.deadletters import count_by_reason

    with session_scope(get_engine(get_settings().database_url)) as session:
        rows = count_by_reason(session)
    if rows:
        table = Table(title="open dead letters by reason (sightsearch failures --json for details)")
        for column in ("stage", "reason", "count"):
            table.add_column(column)
        for stage, reason, count in rows:
            table.add_row(stage, reason[:90], str(count))
        console.print(table)
