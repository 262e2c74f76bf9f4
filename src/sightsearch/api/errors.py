"""One error shape for every failure, ``{"error": {"code", "message", "details"}}``; no stack trace leaves."""

from __future__ import annotations

import logging
import re
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from sightsearch.redact import redact_text

log = logging.getLogger(__name__)
# How some validators name a type ("received: <class 'str'>"): the client needs the name, not Python's repr.
_PYTHON_CLASS = re.compile(r"<class '(?:[\w.]+\.)?(\w+)'>")

_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
          406: "not_acceptable", 409: "conflict", 413: "payload_too_large", 415: "unsupported_media_type",
          422: "validation_error", 429: "too_many_requests", 503: "unavailable"}


class ErrorBody(BaseModel):
    """What went wrong: a stable machine code, a sentence for humans, and optional structured details."""

    code: str
    message: str
    details: Any = None


class ErrorResponse(BaseModel):
    """The body of every 4xx and 5xx response."""

    error: ErrorBody


class ApiError(Exception):
    """Raise from a route to answer ``status`` with the error shape."""

    def __init__(self, status: int, code: str, message: str, details: Any = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details, self.headers = status, code, message, details, headers


def error_response(status: int, code: str, message: str, details: Any = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    """A JSON response in the error shape; credentials in URLs the message or the details quote are masked."""
    body = {"error": {"code": code, "message": redact_text(message), "details": _redacted(jsonable_encoder(details))}}
    return JSONResponse(body, status_code=status, headers=headers)


def _redacted(value: Any) -> Any:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, list):
        return [_redacted(item) for item in value]
    if isinstance(value, dict):
        return {key: _redacted(item) for key, item in value.items()}
    return value


def internal_error_response(exc: BaseException, request_path: str) -> JSONResponse:
    """Log ``exc`` with its traceback under a fresh id and answer 500 with only that id."""
    incident = uuid.uuid4().hex[:12]
    log.error("unhandled error %s on %s", incident, request_path, exc_info=exc)
    return error_response(500, "internal_error", "internal server error; the server log has the details",
                          {"incident": incident})


async def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.code, exc.message, exc.details, exc.headers)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    message = exc.detail if isinstance(exc.detail, str) else _CODES.get(exc.status_code, "error")
    if exc.status_code == 404 and message == "Not Found":  # the router's: no route has this path
        message = "no such endpoint; the API's paths are listed at /docs (none ends with a slash)"
    elif exc.status_code == 405 and message == "Method Not Allowed":
        message = f"this path does not take {request.method}; the Allow header says what it takes"
    headers = dict(exc.headers) if exc.headers else None
    return error_response(exc.status_code, _CODES.get(exc.status_code, "error"), message, headers=headers)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # Echoing the rejected input back is how reflected-content bugs start; location, message and type suffice.
    problems = [{"loc": list(e.get("loc", ())), "msg": _PYTHON_CLASS.sub(r"\1", str(e.get("msg", ""))),
                 "type": str(e.get("type", ""))} for e in exc.errors()]
    return error_response(422, "validation_error", "the request is not valid", problems)


def install_error_handlers(app: FastAPI) -> None:
    """Route every expected error through the one shape (unexpected ones: ``middleware.CatchErrors``)."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse, "description": description}
    for status, description in ((400, "Bad request"), (401, "Missing, unknown or revoked API key"),
                                (404, "Not found"), (409, "Conflict with the current state"),
                                (413, "Request body too large"), (422, "Invalid request"), (429, "Too many requests"),
                                (500, "Internal error"))
}
