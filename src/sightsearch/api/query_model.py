"""Query parameters read in one pass by a pydantic model, and documented as FastAPI documents its own.

FastAPI resolves every declared query parameter on every request with several introspection calls of its own
(is it a sequence, a model, which alias). For the product listing's 11 parameters that was ~100 us a request,
about a sixth of a computed page (bench/PROFILE.md, fifth round). A ``QueryModel`` is one dependency that validates
the whole query string with one pydantic model instead:

- the same rules: each field's constraints, the last value of a repeated key, unknown keys ignored;
- the same errors: a ``RequestValidationError`` whose locations start with ``"query"``, so the 422 body is the one
  FastAPI's own parameters give;
- the same documentation: ``parameters`` is the OpenAPI list FastAPI would have written for those fields (pass it
  as the route's ``openapi_extra``), and ``add_components`` adds the schemas they refer to (an enum's).
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

__all__ = ["QueryModel", "add_components"]

M = TypeVar("M", bound=BaseModel)
_REF = "#/components/schemas/{model}"
_COMPONENTS: dict[str, Any] = {}


class QueryModel(Generic[M]):
    """A FastAPI dependency (``Depends(QueryModel(Model))``) that returns the request's query as a ``Model``."""

    def __init__(self, model: type[M]) -> None:
        self.model = model
        schema = model.model_json_schema(ref_template=_REF)
        _COMPONENTS.update(schema.get("$defs", {}))
        self.parameters = [_parameter(name, field) for name, field in schema["properties"].items()]

    async def __call__(self, request: Request) -> M:
        try:
            return self.model.model_validate(dict(request.query_params))
        except ValidationError as err:
            raise RequestValidationError([{**error, "loc": ("query", *error["loc"])}
                                          for error in err.errors(include_url=False)]) from None


def _parameter(name: str, field: dict[str, Any]) -> dict[str, Any]:
    """FastAPI's OpenAPI entry for an optional query parameter of this JSON schema (no ``default`` when None)."""
    schema = {key: value for key, value in field.items() if not (key == "default" and value is None)}
    if "$ref" in schema:  # FastAPI writes a referenced type's field without its title and description
        schema = {key: value for key, value in schema.items() if key in ("$ref", "default")}
    parameter = {"name": name, "in": "query", "required": False, "schema": schema}
    if "description" in schema:
        parameter["description"] = schema["description"]
    return parameter


def add_components(openapi: dict[str, Any]) -> dict[str, Any]:
    """``openapi`` with the schemas the query models refer to (FastAPI adds only those of its own parameters)."""
    schemas = openapi.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in _COMPONENTS.items():
        schemas.setdefault(name, schema)
    return openapi
