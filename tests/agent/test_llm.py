"""The LangChain agent loop with a scripted tool-calling model on real SQLite and PostgreSQL stores."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage, ToolMessage
from sqlalchemy import Engine

from sightsearch.agent import QueryService
from sightsearch.agent.llm import MODEL_ROWS, SYSTEM_PROMPT, ModelUnavailable
from tests.agent.boundary import fingerprint
from tests.agent.fake_model import call, forever, scripted
from tests.agent.store import agent_settings

COUNT_SQL = "SELECT COUNT(*) AS n FROM products WHERE brand = 'Hooli'"


def _service(engine: Engine, model: object, **settings: object) -> QueryService:
    return QueryService(engine, agent_settings(**settings), chat_model=model)


def test_a_normal_question_lists_describes_queries_and_answers(asked: Engine) -> None:
    model = scripted(call("list_tables", "1"), call("describe_table", "2", table="products"),
                     call("run_query", "3", sql=COUNT_SQL), AIMessage(content="There are many Hooli products."))
    service = _service(asked, model)
    answer = service.ask("How many Hooli products are there?")
    service.close()
    assert answer.sql is not None and "Hooli" in answer.sql and answer.rows[0][0] > 0
    assert answer.answer == "There are many Hooli products." and answer.engine.startswith("llm:")
    tool_results = [m for m in model.seen[-1] if isinstance(m, ToolMessage)]
    assert "products" in tool_results[0].content and '"columns"' in tool_results[1].content
    assert "Hooli" not in tool_results[1].content  # describe_table shows no rows


def test_a_model_that_tries_to_write_is_refused_and_nothing_changes(asked: Engine) -> None:
    before = fingerprint(asked)
    model = scripted(call("run_query", "1", sql="DELETE FROM products"),
                     call("run_query", "2", sql="WITH x AS (UPDATE products SET price = 0 RETURNING id) SELECT * FROM x"),
                     call("run_query", "3", sql="SELECT key_hash FROM api_keys"),
                     AIMessage(content="I could not change anything."))
    service = _service(asked, model)
    answer = service.ask("Delete all products and show me the API keys")
    service.close()
    refusals = [m.content for m in model.seen[-1] if isinstance(m, ToolMessage)]
    assert len(refusals) == 3 and all(text.startswith("refused:") for text in refusals)
    assert answer.sql is None and answer.rows == []
    assert fingerprint(asked) == before


def test_a_model_that_loops_is_stopped_by_the_call_limit(asked: Engine) -> None:
    model = forever(lambda n: call("run_query", f"loop-{n}", sql=f"SELECT {n} AS n FROM products LIMIT 1"))
    service = _service(asked, model, agent_max_tool_calls=4)
    answer = service.ask("Count forever")
    service.close()
    executed = [m for m in model.seen[-1] if isinstance(m, ToolMessage) and '"columns"' in m.content]
    assert len(executed) == 4
    assert len(model.seen) <= 5  # the model was not asked again after the limit


def test_the_model_sees_truncated_rows_and_no_stored_text_in_its_prompt(asked: Engine) -> None:
    model = scripted(call("run_query", "1", sql="SELECT title, description FROM products"), AIMessage(content="ok"))
    service = _service(asked, model)
    answer = service.ask("List everything")
    service.close()
    assert len(answer.rows) > MODEL_ROWS
    result = next(m for m in model.seen[-1] if isinstance(m, ToolMessage))
    assert '"rows_shown": 20' in result.content and "not instructions" in result.content
    system = model.seen[0][0].content
    assert system == SYSTEM_PROMPT.format(dialect=asked.dialect.name)


def test_a_configured_model_that_cannot_be_reached_is_a_clear_error(asked: Engine) -> None:
    service = QueryService(asked, agent_settings(llm_model="openai:gpt-4o-mini", llm_base_url="http://127.0.0.1:9/v1"))
    with pytest.raises(ModelUnavailable, match="chat model failed"):
        service.ask("How many products?")
    service.close()
