"""FastAPI dependencies as ``Annotated`` aliases: the app state, settings, a database session, API-key checks; and
``KeyBeforeBody``, the route class of every router, which checks a key before a body is read."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator
from typing import Annotated, Any

from fastapi import Depends, Path, Request, Response, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security import APIKeyHeader
from pydantic import BeforeValidator
from sqlalchemy.orm import Session

from sightsearch.api.errors import ApiError
from sightsearch.api.keys import find_active_key
from sightsearch.api.state import ApiState
from sightsearch.config import Settings
from sightsearch.storage.db import session_scope
from sightsearch.storage.models import ApiKey

API_KEY_HEADER = "X-API-Key"
_api_key_header = APIKeyHeader(name=API_KEY_HEADER, auto_error=False,
                               description="An API key from `sightsearch apikey create --name NAME`.")


# The cheap dependencies are ``async def``: a plain ``def`` one would cost a thread-pool hop on every request.
async def get_state(request: Request) -> ApiState:
    """The state of the app serving this request."""
    state: ApiState = request.app.state.api
    return state


StateDep = Annotated[ApiState, Depends(get_state)]


async def get_settings(state: StateDep) -> Settings:
    """The settings the app was created with."""
    return state.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_session(state: StateDep) -> Iterator[Session]:
    """A session for one request: committed when the route returns, rolled back when it raises."""
    with session_scope(state.engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def _find_key(state: ApiState, clear: str) -> ApiKey | None:
    with session_scope(state.engine) as session:
        return find_active_key(session, clear)


async def _check_key(state: ApiState, clear: str | None) -> ApiKey | None:
    if not clear:
        raise ApiError(401, "missing_api_key", f"this endpoint needs an API key in the {API_KEY_HEADER} header",
                       headers={"WWW-Authenticate": API_KEY_HEADER})
    key = await run_in_threadpool(_find_key, state, clear)
    if key is None:
        raise ApiError(401, "invalid_api_key", "the API key is unknown or revoked",
                       headers={"WWW-Authenticate": API_KEY_HEADER})
    return key


async def require_api_key(state: StateDep, clear: Annotated[str | None, Security(_api_key_header)]) -> ApiKey | None:
    """The caller's key, required for writes; None when authentication is disabled (loopback only)."""
    if not state.settings.api_auth_enabled:
        return None
    return await _check_key(state, clear)


async def require_read_access(state: StateDep,
                              clear: Annotated[str | None, Security(_api_key_header)]) -> ApiKey | None:
    """Reads are open unless ``api_read_requires_key``; then they need a key like writes."""
    if not (state.settings.api_auth_enabled and state.settings.api_read_requires_key):
        return None
    return await _check_key(state, clear)


class KeyBeforeBody(APIRoute):
    """A route that checks the caller's key before it reads the request body.

    FastAPI reads and parses a body before it solves any dependency: without this, a client with no key would have
    its upload parsed, and be told what is wrong with its JSON (422) instead of getting the 401.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        checks = [call for call in _calls(self.dependant) if call in (require_api_key, require_read_access)]
        if not (checks and self.dependant.body_params):
            return handler

        async def checked(request: Request) -> Response:
            for check in checks:
                await check(request.app.state.api, request.headers.get(API_KEY_HEADER))
            return await handler(request)

        return checked


def _calls(dependant: Dependant) -> Iterator[Any]:
    for sub in dependant.dependencies:
        yield sub.call
        yield from _calls(sub)


ApiKeyDep = Annotated[ApiKey | None, Depends(require_api_key)]
ReadAccessDep = Annotated[ApiKey | None, Depends(require_read_access)]
READ_ACCESS = [Depends(require_read_access)]


def _digits_only(value: object) -> object:
    # int() would also read " 1", "+1", "1_0" and "1.0": one row, many URLs (and caches keyed by path).
    if isinstance(value, str) and not (value.isascii() and value.isdigit()):
        raise ValueError("must be a whole number written in digits only")
    return value


# Ids beyond BIGINT would make PostgreSQL raise instead of answering "not found".
IdPath = Annotated[int, Path(ge=1, le=2**63 - 1, description="Row id."), BeforeValidator(_digits_only)]
