"""The offline question parser: common questions about the catalogue answered from a grammar, without a model."""

from sightsearch.agent.offline.build import build_sql
from sightsearch.agent.offline.engine import ENGINE_NAME, answer_offline, sql_for_question
from sightsearch.agent.offline.intent import CannotAnswer, Condition, Intent
from sightsearch.agent.offline.parse import parse_question
from sightsearch.agent.offline.vocabulary import Vocabulary, load_vocabulary

__all__ = ["ENGINE_NAME", "CannotAnswer", "Condition", "Intent", "Vocabulary", "answer_offline", "build_sql",
           "load_vocabulary", "parse_question", "sql_for_question"]
