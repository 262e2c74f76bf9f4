"""A batch analyser for the parser-process tests: a page whose URL says ``poison`` kills its parser process, the
way a page that blows the memory limit gets its parser killed."""

from __future__ import annotations

import os

from sightsearch.crawl.parsing import analyse_pages


def analyse_or_die(batch: list) -> list:  # type: ignore[type-arg]
    if any("poison" in arguments[0].url for arguments in batch):
        os._exit(9)
    return analyse_pages(batch)
