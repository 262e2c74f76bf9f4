"""The crawl and images packages import their names on first use: every exported name resolves, and a parser
process (which imports ``crawl.parsing``) does not load the HTTP client, the database layer or the event bus."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest


@pytest.mark.parametrize("package", ["sightsearch.crawl", "sightsearch.images"])
def test_every_exported_name_resolves(package: str) -> None:
    module = importlib.import_module(package)
    assert sorted(module.__all__) == sorted(module._HOMES)  # noqa: SLF001 - the table behind __getattr__
    for name in module.__all__:
        assert getattr(module, name) is not None
    with pytest.raises(AttributeError):
        module.no_such_name  # noqa: B018


def test_a_parser_process_loads_only_what_parsing_needs() -> None:
    code = ("import sys, sightsearch.crawl.parsing; "
            "print(' '.join(m for m in ('aiohttp', 'sqlalchemy', 'sightsearch.events', 'sightsearch.config') "
            "if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.split()
    assert loaded == []
