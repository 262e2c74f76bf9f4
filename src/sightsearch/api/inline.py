"""Reads of a SQLite store run on the event loop itself, within a time budget, instead of in a database thread.

A read in a database thread pays for the hop (a wake-up of the thread, a future, a wake-up of the loop). On SQLite
it also pays for a GIL convoy. ``sqlite3`` releases the GIL around every step, that is every row, and under load
the event loop holds the GIL most of the time. So the database thread queues for it again for each row.

Measured on the product listing (51 rows) and detail, with nothing kept in memory: CPU per request went from 1.02 to
0.72 ms and from 0.94 to 0.59 ms (bench/PROFILE.md, third round).

A read on the loop stalls every other request while it runs, so it must end quickly. Inline reads therefore run on
connections of their own that:

- stop the statement once it runs past the budget (SQLite's progress handler). The caller then runs the read again
  in a database thread, so a slow read (a text search that scans, a first look at a big table) costs the loop one
  budget;
- never wait for a lock (``busy_timeout`` 0): when the store is busy, the read moves to the thread, which waits there;
- are read-only (``PRAGMA query_only``): a write that strays here fails and is run in the thread instead.

What the budget does not cover: Python work between two statements (bounded here: the rows are fetched under it),
and SQLite's own housekeeping outside statements. The likeliest of those, recovering a WAL left by a crashed
process, happens on a connection's first read, so the first inline connection is opened in a database thread.
PostgreSQL reads always go to the threads: they wait on the network.
"""

from __future__ import annotations

import logging
import time
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import OperationalError

from sightsearch.api.generation import shared_file

log = logging.getLogger(__name__)

T = TypeVar("T")
_PROGRESS_EVERY = 1_000  # SQLite virtual-machine steps between two looks at the clock (a few microseconds of work)
_INLINE_ENGINES: weakref.WeakSet[Engine] = weakref.WeakSet()


def is_inline(engine: Engine) -> bool:
    """Whether a read function was handed an inline engine (it must not block: raise ``MoveToThread`` instead)."""
    return engine in _INLINE_ENGINES


class MoveToThread(Exception):  # noqa: N818 - a request to the caller, not an error
    """Raised by a read that needs something slow or blocking (a cache rebuild under a lock): run it in a thread."""


class InlineReads:
    """Runs read functions of an engine on the caller's thread, on budgeted, read-only, never-waiting connections."""

    def __init__(self, engine: Engine, budget: float) -> None:
        self.budget = budget
        self._deadline = 0.0  # set only while an inline read runs (reads on the loop run one at a time)
        self.engine = create_engine(engine.url, connect_args={"timeout": 0, "check_same_thread": False})
        event.listen(self.engine, "connect", self._prepare)
        _INLINE_ENGINES.add(self.engine)

    @staticmethod
    def supports(engine: Engine) -> bool:
        """Whether ``engine``'s store can be read inline: a SQLite file through pysqlite, which a second engine
        reaches too (the rule of ``api.generation``, which also watches the store from other connections)."""
        return engine.dialect.name == "sqlite" and engine.dialect.driver == "pysqlite" and shared_file(engine)

    def warm(self) -> None:
        """Open the first connection and read once (run it in a database thread: see the module's docstring)."""
        try:
            with self.engine.connect() as connection:
                connection.exec_driver_sql("SELECT count(*) FROM sqlite_master").all()
        except OperationalError as err:  # a busy store: the reads will say so themselves, in the threads
            log.debug("warming the inline connection: %s", err.orig)

    def _prepare(self, dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA query_only=ON")
        cursor.execute("PRAGMA busy_timeout=0")
        cursor.close()
        dbapi_connection.set_progress_handler(self._late, _PROGRESS_EVERY)

    def _late(self) -> int:
        """SQLite's progress handler: non-zero interrupts the statement."""
        return int(self._deadline != 0.0 and time.perf_counter() > self._deadline)

    def run(self, function: Callable[..., T], *args: Any) -> tuple[bool, T | None]:
        """``(True, function(self.engine, *args))``, or ``(False, None)`` when the read ran past the budget, met a
        lock, tried to write or asked to be moved: the caller then runs it in a database thread."""
        self._deadline = time.perf_counter() + self.budget
        try:
            return True, function(self.engine, *args)
        except MoveToThread:
            return False, None
        except OperationalError as err:  # interrupted, locked, read-only: the thread's run has the last word
            log.debug("inline read %s moved to a database thread: %s", getattr(function, "__name__", function),
                      err.orig)
            return False, None
        finally:
            self._deadline = 0.0

    def close(self) -> None:
        self.engine.dispose()
