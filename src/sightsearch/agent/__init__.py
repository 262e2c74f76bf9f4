"""Ask the product database: a SQL guard, read-only executors that hold at the database, an offline question parser
and an optional LLM agent. Nothing heavy is imported until used (LangChain only when a model is configured)."""

from sightsearch.agent.executor import QueryFailed, QueryResult, QueryTimedOut, ReadOnlyExecutor, open_executor
from sightsearch.agent.guard import GuardedQuery, QueryRefused, guard_query
from sightsearch.agent.service import Answer, QueryService, SqlAnswer
from sightsearch.agent.tables import ALLOWED_TABLES, describe_table, list_tables

__all__ = ["ALLOWED_TABLES", "Answer", "GuardedQuery", "QueryFailed", "QueryRefused", "QueryResult", "QueryService",
           "QueryTimedOut", "ReadOnlyExecutor", "SqlAnswer", "describe_table", "guard_query", "list_tables",
           "open_executor"]
