"""Execution accuracy on a JSONL file of questions with gold SQL, compared as defog's sql-eval does: each gold
column's set of values must equal the set of values of a distinct column of the predicted result.

One line per question: ``{"id", "question", "gold_sql"}``, plus ``gold_sql_sqlite`` / ``gold_sql_postgresql`` where
the dialects differ (date arithmetic). Both queries run through the guard and the read-only executor. A question the
store cannot answer (units sold, ratings) is ``{"id", "question", "answerable": false}``: a plain refusal is the
right answer to it, and any SQL a wrong one.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sightsearch.agent.executor import QueryFailed, QueryResult
from sightsearch.agent.guard import QueryRefused, guard_query

if TYPE_CHECKING:
    from sightsearch.agent.service import QueryService

EVAL_ROWS = 10_000


@dataclass
class CaseResult:
    id: str
    question: str
    correct: bool
    detail: str = ""


@dataclass
class EvalReport:
    engine: str
    dialect: str
    cases: list[CaseResult] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.cases)

    @property
    def correct(self) -> int:
        return sum(case.correct for case in self.cases)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.cases else 0.0

    @property
    def failures(self) -> list[CaseResult]:
        return [case for case in self.cases if not case.correct]

    def as_json(self) -> dict[str, Any]:
        return {"engine": self.engine, "dialect": self.dialect, "total": self.total, "correct": self.correct,
                "accuracy": round(self.accuracy, 4),
                "failures": [{"id": c.id, "question": c.question, "detail": c.detail} for c in self.failures]}


def _normal(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, Decimal | int | float):
        return round(float(value), 2)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat(sep=" ")[:19] if isinstance(value, dt.datetime) else value.isoformat()
    text = str(value).strip()
    return text[:19] if len(text) >= 19 and text[4] == "-" and text[10] in " T" else text


def _column_sets(result: QueryResult) -> list[frozenset[Any]]:
    return [frozenset(_normal(row[i]) for row in result.rows) for i in range(len(result.columns))]


def results_match(gold: QueryResult, predicted: QueryResult) -> bool:
    """Every gold column's value set equals that of a distinct predicted column (extra columns are fine)."""
    available = _column_sets(predicted)
    for wanted in _column_sets(gold):
        if wanted not in available:
            return False
        available.remove(wanted)
    return True


def _run(service: QueryService, sql: str) -> QueryResult:
    guarded = guard_query(sql, dialect=service.dialect, max_rows=EVAL_ROWS)
    return service.executor.run(guarded.sql, max_rows=EVAL_ROWS)


def _predict(service: QueryService, question: str) -> str | None:
    if service.uses_model:
        return service.ask(question).sql
    from sightsearch.agent.offline import CannotAnswer, sql_for_question

    try:
        return sql_for_question(service, question)
    except CannotAnswer:
        return None


def evaluate_case(service: QueryService, case: dict[str, Any]) -> CaseResult:
    """Run one question's predicted and gold SQL and compare their results."""
    result = CaseResult(str(case.get("id", "")), case["question"], False)
    if case.get("answerable", True) is False:
        predicted_sql = _predict(service, case["question"])
        result.correct = predicted_sql is None
        result.detail = "" if result.correct else f"answered what the store cannot tell: {predicted_sql}"
        return result
    gold_sql = case.get(f"gold_sql_{service.dialect}") or case["gold_sql"]
    gold = _run(service, gold_sql)  # a broken gold query is the file's fault: let it raise
    predicted_sql = _predict(service, case["question"])
    if predicted_sql is None:
        result.detail = "no answer"
        return result
    try:
        predicted = _run(service, predicted_sql)
    except (QueryRefused, QueryFailed) as err:
        result.detail = f"query failed: {err}"
        return result
    result.correct = results_match(gold, predicted)
    result.detail = "" if result.correct else f"different result: {predicted_sql}"
    return result


def evaluate_file(service: QueryService, path: Path) -> EvalReport:
    """Score every question of ``path`` on ``service``'s store."""
    engine = f"llm:{service.settings.llm_model or 'given model'}" if service.uses_model else "offline"
    report = EvalReport(engine=engine, dialect=service.dialect)
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            report.cases.append(evaluate_case(service, json.loads(line)))
    return report


__all__ = ["CaseResult", "EvalReport", "evaluate_case", "evaluate_file", "results_match"]
