"""The ``sightsearch`` command. Thin: it parses, calls the library and prints."""

from __future__ import annotations

import logging
import sys

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.text import Text

from sightsearch.errors import SightSearchError

app = typer.Typer(no_args_is_help=True, add_completion=False, rich_markup_mode="rich",
                  help="SightSearch: turn websites into a clean, queryable product database.")
console = Console(stderr=True)


@app.callback()
def _setup(verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress details.")) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(message)s",
                        handlers=[RichHandler(console=console, show_path=False)])


def _register_commands() -> None:
    """Import every module of this package: each registers its commands on ``app`` (imports stay lazy inside)."""
    import importlib
    import pkgutil

    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")


def main() -> None:
    """Entry point: run the app; a known error prints one clear line and exits 1."""
    from pydantic import ValidationError

    from sightsearch.heap import tune_collector
    from sightsearch.redact import redact_text

    tune_collector()
    _register_commands()
    try:
        app()
    except (SightSearchError, ValidationError) as err:
        # Settings errors hide their inputs; URL credentials in any message are masked too.
        console.print(Text("error: ", style="red") + Text(redact_text(str(err))), highlight=False)
        sys.exit(1)
