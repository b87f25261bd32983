"""RFC 9457 problem details: every 4xx (and the rare 5xx) is ``application/problem+json``.

Each body has ``type``, ``title``, ``status``, ``detail`` and ``instance``, plus ``field`` (the first request
field at fault) and ``errors`` (every problem, each with its field, message, found and expected value), so a
client can mark every bad field of a form in one pass.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from intermodal.exceptions import InputError, LimitError, NoRouteError
from intermodal.exceptions import Problem as LibraryProblem

__all__ = [
    "PROBLEM_MEDIA_TYPE",
    "FieldError",
    "ProblemDetail",
    "install_problem_handlers",
    "problem_response",
]

PROBLEM_MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("intermodal.api")


class FieldError(BaseModel):
    """One thing wrong with a request."""

    field: str | None = Field(None, description="The request field at fault (body, query or path).")
    message: str
    found: str | None = None
    expected: str | None = None


class ProblemDetail(BaseModel):
    """An RFC 9457 problem details object."""

    type: str = Field("about:blank", description="A URI reference that names the kind of problem.")
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    field: str | None = Field(None, description="The first request field at fault.")
    errors: list[FieldError] = Field(default_factory=list)
    reasons: list[str] = Field(default_factory=list, description="Why no route was found (no-route only).")


def problem_response(
    request: Request,
    status: int,
    *,
    kind: str | None = None,
    detail: str | None = None,
    errors: list[FieldError] | None = None,
    reasons: list[str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """A problem+json response; ``kind`` gives the type ``/problems/<kind>`` (else ``about:blank``)."""
    errors = errors or []
    body = ProblemDetail(
        type=f"/problems/{kind}" if kind else "about:blank",
        title=HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        instance=request.url.path,
        field=next((e.field for e in errors if e.field), None),
        errors=errors,
        reasons=reasons or [],
    )
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=dict(headers) if headers else None,
    )


def field_errors(problems: list[LibraryProblem]) -> list[FieldError]:
    """The library's problems as API field errors."""
    return [
        FieldError(
            field=p.field,
            message=f"{p.file}:{p.row}: {p.message}" if p.file and p.row is not None else p.message,
            found=p.found,
            expected=p.expected,
        )
        for p in problems
    ]


def _validation_errors(exc: RequestValidationError) -> list[FieldError]:
    out = []
    for err in exc.errors():
        # ("body", "teu") -> "teu"; the part of the request is implied by the endpoint
        loc = [str(x) for x in err.get("loc", ()) if x not in ("body", "query", "path", "header")]
        found = err.get("input")
        text = None if found is None or isinstance(found, dict) else str(found)[:200]
        out.append(
            FieldError(field=".".join(loc) or None, message=str(err.get("msg", "invalid")), found=text)
        )
    return out


async def _on_input_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, InputError)
    errors = field_errors(exc.problems)
    return problem_response(
        request, 422, kind="bad-input", detail=errors[0].message if errors else None, errors=errors
    )


async def _on_no_route(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, NoRouteError)
    response = problem_response(
        request, 422, kind="no-route", detail="; ".join(exc.reasons), reasons=exc.reasons
    )
    # the reasons as data too ({code, ...params}), so that a client words them in its user's language
    body = json.loads(bytes(response.body))
    body["reason_details"] = exc.details
    return JSONResponse(body, status_code=422, media_type=PROBLEM_MEDIA_TYPE)


async def _on_limit(request: Request, exc: Exception) -> JSONResponse:
    return problem_response(request, 422, kind="query-too-large", detail=str(exc))


async def _on_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = _validation_errors(exc)
    first = errors[0] if errors else None
    detail = (
        f"{first.field}: {first.message}" if first and first.field else (first.message if first else None)
    )
    return problem_response(request, 422, kind="bad-input", detail=detail, errors=errors)


async def _on_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else None
    errors = None
    if exc.status_code == 400 and detail == "There was an error parsing the body":
        detail = "the body is not JSON in UTF-8"
        errors = [FieldError(field="body", message=detail, expected="a JSON object")]
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        # Starlette lists the methods of the first route that matched the path; a path served by two
        # routes (GET and PUT /api/scenarios/{name}) must list both
        headers["Allow"] = ", ".join(sorted(_allowed_methods(request)))
    return problem_response(request, exc.status_code, detail=detail, errors=errors, headers=headers)


def _allowed_methods(request: Request) -> set[str]:
    from starlette.routing import Match

    scope = {**request.scope, "method": "\0"}
    allowed: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches(scope)
        if match is not Match.NONE:
            allowed |= set(getattr(route, "methods", None) or ())
    return allowed


async def _on_anything(request: Request, exc: Exception) -> JSONResponse:
    # A bug, not bad input: log it with its traceback, and tell the client nothing about the internals.
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(request, 500, kind="internal", detail="an internal error; it has been logged")


def install_problem_handlers(app: FastAPI) -> None:
    """Answer every error with problem+json."""
    app.add_exception_handler(InputError, _on_input_error)
    app.add_exception_handler(NoRouteError, _on_no_route)
    app.add_exception_handler(LimitError, _on_limit)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_exception_handler(Exception, _on_anything)


def problem_openapi(schema: dict[str, Any]) -> dict[str, Any]:
    """Describe every 4xx and 5xx response of ``schema`` as problem+json (FastAPI documents 422 otherwise)."""
    ref = {"$ref": "#/components/schemas/ProblemDetail"}
    for path in schema.get("paths", {}).values():
        for op in path.values():
            responses = op.setdefault("responses", {})
            if "requestBody" in op:
                # a body that is not UTF-8 JSON never reaches validation
                responses.setdefault("400", {"description": "The body could not be parsed."})
            for code, response in responses.items():
                if code[0] in "45":
                    response["content"] = {PROBLEM_MEDIA_TYPE: {"schema": ref}}
                    if code == "422":
                        response["description"] = "Bad input: every field at fault, in errors."
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    return schema
