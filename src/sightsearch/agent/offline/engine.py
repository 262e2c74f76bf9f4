"""``answer_offline``: question -> intent -> SQL -> guard -> rows -> a short answer, with no model involved."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sightsearch.agent.answer import summarize
from sightsearch.agent.offline.build import build_sql
from sightsearch.agent.offline.intent import CannotAnswer
from sightsearch.agent.offline.parse import parse_question

if TYPE_CHECKING:
    from sightsearch.agent.service import Answer, QueryService

ENGINE_NAME = "offline"


def sql_for_question(service: QueryService, question: str) -> str:
    """The SQL the offline parser writes for ``question``; raises ``CannotAnswer`` when it does not understand."""
    intent = parse_question(question, service.vocabulary())
    return build_sql(intent, service.dialect)


def answer_offline(service: QueryService, question: str) -> Answer:
    """Answer ``question`` offline. A question it cannot parse gets an answer that says so, with no SQL run."""
    from sightsearch.agent.service import Answer

    try:
        sql = sql_for_question(service, question)
    except CannotAnswer as err:
        return Answer(question=question, sql=None, columns=[], rows=[], answer=str(err), engine=ENGINE_NAME)
    ran = service.run_sql(sql)
    return Answer(question=question, sql=ran.sql, columns=ran.result.columns, rows=ran.result.rows,
                  answer=summarize(ran.result), engine=ENGINE_NAME, truncated=ran.result.truncated)


__all__ = ["ENGINE_NAME", "answer_offline", "sql_for_question"]
