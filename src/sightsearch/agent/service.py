"""``QueryService``: the one entry point the CLI, the API and the model's tools share: SQL through the guard and
the read-only executor, questions through the offline parser or the model."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from sightsearch.agent.executor import QueryResult, ReadOnlyExecutor, json_value, open_executor
from sightsearch.agent.guard import guard_query
from sightsearch.config import Settings


@dataclass
class SqlAnswer:
    """A guarded query and its rows: ``sql`` is what ran."""

    sql: str
    result: QueryResult

    def as_json(self) -> dict[str, Any]:
        return self.result.as_json()


@dataclass
class Answer:
    """A question answered: the SQL that ran, its rows, a short answer, and which engine wrote the SQL."""

    question: str
    sql: str | None
    columns: list[str]
    rows: list[list[Any]]
    answer: str
    engine: str
    truncated: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"question": self.question, "sql": self.sql, "columns": self.columns,
                "rows": [[json_value(v) for v in row] for row in self.rows], "answer": self.answer,
                "engine": self.engine}


class QueryService:
    """Owns the read-only executor of one store (created on first use) and the offline vocabulary cache."""

    VOCABULARY_TTL = 60.0
    VOCABULARY_ROWS = 20_000  # distinct values read per column (product titles are the long list)

    def __init__(self, engine: Engine, settings: Settings, *, chat_model: Any = None) -> None:
        self.engine, self.settings, self.chat_model = engine, settings, chat_model
        self.dialect = engine.dialect.name
        self._executor: ReadOnlyExecutor | None = None
        self._lock = threading.Lock()
        self._vocabulary: tuple[float, Any] | None = None

    @property
    def executor(self) -> ReadOnlyExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = open_executor(self.engine, self.settings)
            return self._executor

    def run_sql(self, sql: str, *, max_rows: int | None = None) -> SqlAnswer:
        """Guard ``sql`` and run it read-only; raises ``QueryRefused`` (nothing ran) or ``QueryFailed``."""
        rows = min(max_rows or self.settings.query_max_rows, self.settings.query_max_rows)
        guarded = guard_query(sql, dialect=self.dialect, max_rows=rows)
        return SqlAnswer(guarded.sql, self.executor.run(guarded.sql, max_rows=rows))

    def _vocabulary_sql(self, sql: str) -> SqlAnswer:
        """``run_sql`` for the vocabulary's fixed queries, with a row cap of their own instead of the answers'."""
        guarded = guard_query(sql, dialect=self.dialect, max_rows=self.VOCABULARY_ROWS)
        return SqlAnswer(guarded.sql, self.executor.run(guarded.sql, max_rows=self.VOCABULARY_ROWS))

    def vocabulary(self) -> Any:
        """The store's brands, categories, sites, ... for the offline parser, re-read at most once a minute."""
        from sightsearch.agent.offline import load_vocabulary

        now = time.monotonic()
        cached = self._vocabulary
        if cached is None or now - cached[0] > self.VOCABULARY_TTL:
            cached = (now, load_vocabulary(self._vocabulary_sql))
            self._vocabulary = cached
        return cached[1]

    @property
    def uses_model(self) -> bool:
        """Whether questions go to a chat model (given, or named by ``llm_model``) rather than offline."""
        return self.chat_model is not None or bool(self.settings.llm_model)

    def ask(self, question: str) -> Answer:
        """Answer ``question`` with the chat model, or offline when none is configured."""
        if self.uses_model:
            from sightsearch.agent.llm import ask_model

            return ask_model(self, question, model=self.chat_model)
        from sightsearch.agent.offline import answer_offline

        return answer_offline(self, question)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.close()


__all__ = ["Answer", "QueryService", "SqlAnswer"]
