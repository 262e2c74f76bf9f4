"""``sightsearch sql`` and ``sightsearch ask``: read the store through the guard, in SQL or in plain language."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer

from sightsearch.cli import app, console

T = TypeVar("T")

AsJson = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of a table.")]
REFUSED_EXIT = 2


def _service() -> Any:
    from sightsearch.agent import QueryService
    from sightsearch.config import get_settings
    from sightsearch.storage.db import get_engine, upgrade_schema

    settings = get_settings()
    engine = get_engine(settings.database_url)
    upgrade_schema(engine)
    return QueryService(engine, settings)


def _print_rows(columns: list[str], rows: list[list[Any]], truncated: bool) -> None:
    from rich.table import Table

    from sightsearch.agent.executor import json_value

    table = Table(caption=f"{len(rows)} rows" + (" (truncated)" if truncated else ""))
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*("" if cell is None else str(json_value(cell)) for cell in row))
    console.print(table)


def _refuse(reason: str) -> NoReturn:
    typer.echo(f"refused: {reason}", err=True)
    raise typer.Exit(REFUSED_EXIT)


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


def _answer(call: Callable[[], T]) -> T:
    """The answer of ``call``; a refusal exits with status 2 and the reason, a database error with status 1."""
    from sightsearch.agent import QueryFailed, QueryRefused

    try:
        return call()
    except QueryRefused as err:
        _refuse(err.reason)
    except QueryFailed as err:
        _fail(str(err))


@app.command()
def sql(query: Annotated[str, typer.Argument(help="One SELECT over the product tables.")], as_json: AsJson = False) -> None:
    """Run one read-only query through the guard. A refused query prints the reason and exits with status 2."""
    service = _service()
    try:
        answer = _answer(lambda: service.run_sql(query))
    finally:
        service.close()
    if as_json:
        typer.echo(json.dumps(answer.as_json(), ensure_ascii=False))
    else:
        _print_rows(answer.result.columns, answer.result.rows, answer.result.truncated)


@app.command()
def ask(
    question: Annotated[str | None, typer.Argument(help="A question about the product data.")] = None,
    as_json: AsJson = False,
    show_sql: Annotated[bool, typer.Option("--show-sql", help="Print the SQL that ran.")] = False,
    eval_file: Annotated[Path | None, typer.Option("--eval", help="Score a JSONL file of questions with gold SQL: "
                                                                  "prints execution accuracy.")] = None,
) -> None:
    """Ask in plain language: question -> SQL -> guard -> rows -> a short answer (offline parser unless
    SIGHTSEARCH_LLM_MODEL names a model)."""
    service = _service()
    try:
        if eval_file is not None:
            _run_eval(service, eval_file, as_json)
            return
        if not question:
            raise typer.BadParameter("give a question, or --eval FILE")
        answer = _answer(lambda: service.ask(question))
    finally:
        service.close()
    if as_json:
        typer.echo(json.dumps(answer.as_json(), ensure_ascii=False))
        return
    if show_sql and answer.sql:
        console.print(f"[dim]{answer.sql}[/dim]")
    if answer.rows and len(answer.rows) > 1:
        _print_rows(answer.columns, answer.rows, answer.truncated)
    typer.echo(answer.answer)


def _run_eval(service: Any, path: Path, as_json: bool) -> None:
    from sightsearch.agent.evaluation import evaluate_file

    report = evaluate_file(service, path)
    if as_json:
        typer.echo(json.dumps(report.as_json(), ensure_ascii=False))
        return
    for case in report.failures:
        console.print(f"[yellow]miss[/yellow] {case.id}: {case.question} -> {case.detail}")
    typer.echo(f"execution accuracy: {report.correct}/{report.total} = {report.accuracy:.1%} "
               f"(engine {report.engine}, {report.dialect})")
