"""A scripted tool-calling chat model, the pattern LangChain's own agent tests use: a fake chat model that replays
a list of AI messages (tool calls included) and whose ``bind_tools`` returns itself."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage


class ScriptedToolModel(GenericFakeChatModel):
    """Replays ``messages`` in order; records every prompt it was sent in ``seen``."""

    seen: list[Any] = []

    def bind_tools(self, tools: Sequence[Any], **_kwargs: Any) -> ScriptedToolModel:
        return self

    def _generate(self, messages: list[Any], *args: Any, **kwargs: Any) -> Any:
        self.seen.append(list(messages))
        return super()._generate(messages, *args, **kwargs)


def call(tool: str, call_id: str, **args: Any) -> AIMessage:
    """An AI message that calls ``tool`` with ``args``."""
    return AIMessage(content="", tool_calls=[{"name": tool, "args": args, "id": call_id, "type": "tool_call"}])


def scripted(*messages: AIMessage) -> ScriptedToolModel:
    return ScriptedToolModel(messages=iter(messages), seen=[])


def forever(make: Callable[[int], AIMessage]) -> ScriptedToolModel:
    """A model that never stops calling tools."""
    endless: Iterator[AIMessage] = (make(n) for n in itertools.count())
    return ScriptedToolModel(messages=endless, seen=[])
