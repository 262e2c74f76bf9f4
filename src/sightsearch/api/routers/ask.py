"""``/api/v1/sql`` and ``/api/v1/ask``: read the store through the guard; refusals are 422 with the reason.

Each caller (its API key, or its address when reads need no key) gets ``ask_rate_limit`` requests a minute here,
shared by both endpoints: a question may cost a model call and every query costs the database.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections import deque
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from sightsearch.api.deps import KeyBeforeBody, ReadAccessDep, StateDep
from sightsearch.api.errors import ERROR_RESPONSES, ApiError
from sightsearch.api.routers import API_PREFIX

router = APIRouter(route_class=KeyBeforeBody, prefix=API_PREFIX, tags=["ask"], responses=ERROR_RESPONSES)
WINDOW_SECONDS = 60.0
_SERVICE_LOCK = threading.Lock()


class SqlRequest(BaseModel):
    sql: str = Field(min_length=1, max_length=20_000, description="One SELECT over the product tables.")


class AskRequest(BaseModel):
    question: str = Field(min_length=1, max_length=1_000, description="A question about the product data.")


class SqlResponse(BaseModel):
    columns: list[str]
    rows: list[list[Any]]
    truncated: bool


class AskResponse(BaseModel):
    question: str
    sql: str | None = Field(description="The query that ran; null when the question was not answered.")
    columns: list[str]
    rows: list[list[Any]]
    answer: str
    engine: str = Field(description="offline, or llm:<model>.")


class RateLimiter:
    """At most ``limit`` calls per caller in any ``WINDOW_SECONDS`` (a sliding window of call times)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._calls: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, caller: str) -> float | None:
        """None when the call may go ahead, else the seconds until it may."""
        now = time.monotonic()
        with self._lock:
            calls = self._calls.setdefault(caller, deque())
            while calls and now - calls[0] >= WINDOW_SECONDS:
                calls.popleft()
            if len(calls) >= self.limit:
                return WINDOW_SECONDS - (now - calls[0])
            calls.append(now)
            return None


def _service(request: Request, state: StateDep) -> Any:
    """The app's query service (one read-only executor per app), created on first use (sqlglot loads then)."""
    from sightsearch.agent import QueryService

    app_state = request.app.state
    with _SERVICE_LOCK:
        if getattr(app_state, "query_service", None) is None:
            service = QueryService(state.engine, state.settings)
            app_state.query_service, app_state.ask_limiter = service, RateLimiter(state.settings.ask_rate_limit)
            weakref.finalize(request.app, service.close)  # the reader role's pool goes with the app
    return app_state.query_service


ServiceDep = Annotated[Any, Depends(_service)]


def _check_rate(request: Request, key: Any) -> None:
    caller = f"key:{key.id}" if key is not None else f"addr:{request.client.host if request.client else '?'}"
    wait = request.app.state.ask_limiter.allow(caller)
    if wait is not None:
        raise ApiError(429, "too_many_requests", "too many queries; try again later",
                       headers={"Retry-After": str(max(1, round(wait)))})


def _answer_or_422(call: Any) -> Any:
    """Run ``call``; a refusal, a failed or a timed-out query becomes a 422 with the reason, a model away 503."""
    from sightsearch.agent import QueryFailed, QueryRefused, QueryTimedOut
    from sightsearch.errors import ConfigurationError, TransientError

    try:
        return call()
    except QueryRefused as err:
        raise ApiError(422, "query_refused", err.reason, {"reason": err.reason}) from None
    except QueryFailed as err:
        code = "query_timeout" if isinstance(err, QueryTimedOut) else "query_failed"
        raise ApiError(422, code, str(err)) from None
    except ConfigurationError as err:  # e.g. no password for the read-only role: the operator must act
        raise ApiError(503, "not_configured", str(err)) from None
    except TransientError as err:  # the chat model is away: the client may retry
        raise ApiError(503, "model_unavailable", str(err), headers={"Retry-After": "30"}) from None


@router.post("/sql", response_model=SqlResponse)
def run_sql(body: SqlRequest, request: Request, key: ReadAccessDep, service: ServiceDep) -> SqlResponse:
    """Run one read-only query through the guard and the read-only executor."""
    _check_rate(request, key)
    answer = _answer_or_422(lambda: service.run_sql(body.sql))
    return SqlResponse(**answer.as_json())


@router.post("/ask", response_model=AskResponse)
def ask(body: AskRequest, request: Request, key: ReadAccessDep, service: ServiceDep) -> AskResponse:
    """Question -> SQL -> guard -> rows -> a short answer (offline parser unless a model is configured)."""
    _check_rate(request, key)
    answer = _answer_or_422(lambda: service.ask(body.question))
    return AskResponse(**answer.as_json())
