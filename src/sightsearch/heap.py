"""How the cyclic garbage collector runs in the ``sightsearch`` processes.

A crawl allocates a lot of short-lived containers (parsed pages, records, ORM rows, events), and the collector's
defaults (a young-generation pass every 700 allocations, an oldest-generation pass that walks every object of the
~800 imported modules) cost a 5,000-page crawl about 0.3 s of its event loop's CPU (``gc.callbacks``, measured). Two
changes, made only in a process the ``sightsearch`` command started (a library must not retune its host: the
commands run in-process under tests or in another application change nothing there):

- a larger young generation, so most containers die by reference counting before a pass looks at them;
- after start-up, the imported modules, the settings and the schema are frozen out of the collector's reach, so the
  passes during the work only walk what the work allocated (``crawl``, ``serve``, and ``worker`` before Celery forks
  its pool, whose processes then share those pages instead of copying them when a collection touches them).
"""

from __future__ import annotations

import gc

THRESHOLDS = (7000, 10, 10)
"""Allocations before a young pass (CPython's default 700), then young passes per middle pass, middle per old."""

_owned = False  # True once the command's entry point has claimed this process's collector


def tune_collector() -> None:
    """Collect less often: a command's process allocates and drops containers in bulk. Called by the entry point
    (``sightsearch.cli.main``), which thereby owns the process."""
    global _owned
    _owned = True
    gc.set_threshold(*THRESHOLDS)


def settle_heap() -> None:
    """Freeze what start-up built (modules, settings, engines): long-lived, and never garbage while the command runs.
    A command calls it after its imports and before its long work; the frozen objects are freed at exit. Nothing
    happens in a process the entry point does not own (a frozen host would never collect the cycles it had).
    No full collection runs first: it would cost the command ~60 ms, to free the ~1,000 objects of start-up's own
    garbage cycles (measured), which stay until exit instead."""
    if _owned and not gc.get_freeze_count():
        gc.freeze()
