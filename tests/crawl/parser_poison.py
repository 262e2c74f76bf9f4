"""Batch analysers for the parser-process tests (top-level, so a parser process can unpickle them): a page whose URL
says ``poison`` kills its parser process, the way a page that blows the memory limit gets its parser killed; a slow
parser lets fetched pages pile up."""

from __future__ import annotations

import os
import time

from sightsearch.crawl.parsing import analyse_pages


def analyse_or_die(batch: list) -> list:  # type: ignore[type-arg]
    if any("poison" in arguments[0].url for arguments in batch):
        os._exit(9)
    return analyse_pages(batch)


def analyse_slowly(batch: list) -> list:  # type: ignore[type-arg]
    """A parser that takes its time, so that fetched pages pile up waiting for it."""
    time.sleep(0.2)
    return analyse_pages(batch)
