"""The store's generation: a value that changes whenever anyone commits a change, read cheaply on every request.

The response cache keeps an answer only as long as the generation it was computed under is the current one.

- SQLite: ``PRAGMA data_version`` on a connection of its own that never writes. SQLite changes the value whenever
  another connection (of this process or any other: a crawl, ``sightsearch load``) commits; reading it costs a few
  microseconds, so it is read on the event loop.
- PostgreSQL: ``pg_current_snapshot()``, as text. Two equal snapshots mean the same set of committed transactions in
  the whole cluster: a commit either moves ``xmax`` (a new transaction id was assigned since) or removes its id from
  the in-progress list. Read-only transactions get no id, so reads never invalidate. It costs a round trip, so it
  runs in the database threads.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

__all__ = ["StoreGeneration", "store_generation"]

_SNAPSHOT = text("SELECT pg_current_snapshot()::text")
log = logging.getLogger(__name__)


class StoreGeneration:
    """``await current()`` is the store's generation now; ``close()`` releases the connection it holds."""

    def __init__(self, engine: Engine, run_db: Callable[..., Awaitable[Any]]) -> None:
        self.engine, self._run_db = engine, run_db
        self._sqlite: sqlite3.Connection | None = None

    async def current(self) -> object:
        """A value equal to the previous one only if nothing was committed in between; a value equal to no other
        when the store cannot say (then nothing kept is served, and the request finds the problem itself)."""
        try:
            if self.engine.dialect.name == "sqlite":
                return self._data_version()
            return await self._run_db(self._snapshot)
        except (sqlite3.Error, SQLAlchemyError) as err:
            log.warning("store generation unknown, answers not kept for this request: %s", err)
            self.close()  # a fresh connection next time
            return object()

    def _data_version(self) -> int:
        if self._sqlite is None:
            # Its own connection: data_version only moves for commits made by *other* connections.
            self._sqlite = sqlite3.connect(self.engine.url.database or "", check_same_thread=False,
                                           isolation_level=None)
        row = self._sqlite.execute("PRAGMA data_version").fetchone()
        return int(row[0])

    def _snapshot(self) -> str:
        with self.engine.connect() as connection:
            return str(connection.execute(_SNAPSHOT).scalar_one())

    def close(self) -> None:
        """Close the SQLite connection, if one was opened."""
        if self._sqlite is not None:
            self._sqlite.close()
            self._sqlite = None


def shared_file(engine: Engine) -> bool:
    """Whether other connections to ``engine``'s SQLite URL reach the same database: a plain file path (not an
    in-memory database, not a ``file:`` URI that may name one)."""
    database = engine.url.database
    return bool(database) and database != ":memory:" and not database.startswith("file:")


def store_generation(engine: Engine, run_db: Callable[..., Awaitable[Any]]) -> StoreGeneration | None:
    """The generation reader of ``engine``'s store, or None when there is none to trust (an in-memory SQLite
    database is private to each connection, so another connection cannot watch it)."""
    if engine.dialect.name == "sqlite" and not shared_file(engine):
        return None
    if engine.dialect.name not in ("sqlite", "postgresql"):
        return None
    return StoreGeneration(engine, run_db)
