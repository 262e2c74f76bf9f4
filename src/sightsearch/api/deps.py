"""FastAPI dependencies as ``Annotated`` aliases: the app state, settings, a database session, API-key checks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Path, Request, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyHeader
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


ApiKeyDep = Annotated[ApiKey | None, Depends(require_api_key)]
ReadAccessDep = Annotated[ApiKey | None, Depends(require_read_access)]
READ_ACCESS = [Depends(require_read_access)]

# Ids beyond BIGINT would make PostgreSQL raise instead of answering "not found".
IdPath = Annotated[int, Path(ge=1, le=2**63 - 1, description="Row id.")]
