"""RFC 9457 problem details: every error the API answers is ``application/problem+json``.

Each body has ``type``, ``title``, ``status``, ``detail``, ``instance`` and ``code``, one of :data:`CODES`:
a stable machine-readable name that clients (the web app translates them) can rely on. ``field`` is the first
request field at fault and ``errors`` lists every problem, each with its field, message, found and expected
value (and, where it helps, its file, row and own code), so that a client can mark every bad field at once.
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
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from intermodal.exceptions import InputError, LimitError, NoRouteError, RepeatedProblems, summarize_problems
from intermodal.exceptions import Problem as LibraryProblem
from intermodal.services.api._routes import allowed_methods

__all__ = [
    "CODES",
    "PROBLEM_MEDIA_TYPE",
    "FieldError",
    "InternalErrors",
    "ProblemDetail",
    "ProblemResponse",
    "install_problem_handlers",
    "problem",
    "problem_response",
]

PROBLEM_MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("intermodal.api")


#: Every ``code`` a problem can carry, with its HTTP status; docs/api.md says when each is answered, and a
#: test holds the two together.
CODES: dict[str, int] = {
    "malformed_json": 400,
    "unauthorized": 401,
    "forbidden": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "capacity_exceeded": 409,
    "reefer_plugs_exceeded": 409,
    "quote_expired": 409,
    "quote_closed": 409,
    "not_rebookable": 409,
    "not_exportable": 409,
    "disrupted": 409,
    "body_too_large": 413,
    "unsupported_media_type": 415,
    "invalid_request": 422,
    "no_route": 422,
    "dcsa_invalid": 422,
    "limit_exceeded": 422,
    "internal_error": 500,
    "search_timeout": 503,
    "service_unavailable": 503,
}

# A caller names the kind of problem (its type URI /problems/<kind>), of which each has one code; where it
# names neither a code nor a kind (FastAPI's and Starlette's own errors), the status decides.
_CODE_OF_KIND = {
    "bad-input": "invalid_request",
    "no-such-scenario": "not_found",
    "not-found": "not_found",
    "unauthorized": "unauthorized",
    "capacity": "capacity_exceeded",
    "reefer-plugs": "reefer_plugs_exceeded",
    "quote-expired": "quote_expired",
    "quote-closed": "quote_closed",
    "not-rebookable": "not_rebookable",
    "not-exportable": "not_exportable",
    "disrupted": "disrupted",
    "dcsa-invalid": "dcsa_invalid",
    "too-large": "body_too_large",
    "query-too-large": "limit_exceeded",
    "query-budget": "search_timeout",
    "no-route": "no_route",
    "ledger-unavailable": "service_unavailable",
    "server-busy": "service_unavailable",
    "internal": "internal_error",
}
_CODE_OF_STATUS = {
    400: "malformed_json",  # FastAPI's only 400: a body it could not parse
    401: "unauthorized",
    404: "not_found",
    405: "method_not_allowed",
    409: "capacity_exceeded",
    413: "body_too_large",
    415: "unsupported_media_type",
    500: "internal_error",
    503: "service_unavailable",
}


class FieldError(BaseModel):
    """One thing wrong with a request."""

    field: str | None = Field(default=None, description="The request field at fault (body, query or path).")
    message: str
    code: str | None = Field(
        default=None,
        description="What kind of fault, for a validation error: pydantic's error type (`missing`, ...).",
    )
    file: str | None = Field(default=None, description="In an uploaded bundle: the file at fault.")
    row: int | None = Field(
        default=None, description="In an uploaded bundle: the line of the file (the header is 1)."
    )
    found: str | None = None
    expected: str | None = None


class ProblemDetail(BaseModel):
    """An RFC 9457 problem details object."""

    type: str = Field("about:blank", description="A URI reference that names the kind of problem.")
    title: str
    status: int
    code: str = Field(
        description="A stable machine-readable name of the problem (docs/api.md says when each is answered).",
        json_schema_extra={"enum": list(CODES)},
    )
    detail: str | None = None
    instance: str | None = None
    field: str | None = Field(default=None, description="The first request field at fault.")
    errors: list[FieldError] = Field(default_factory=list)
    reasons: list[str] = Field(default_factory=list, description="Why no route was found (no-route only).")
    reason_details: list[dict[str, Any]] | None = Field(
        default=None,
        description="The no-route reasons as data, each {code, ...its parameters}, for a client to word them "
        "in its user's language (no-route only).",
    )


class ProblemResponse(JSONResponse):
    """A problem+json response; it renders strings that UTF-8 cannot carry (a lone surrogate) as escapes."""

    media_type = PROBLEM_MEDIA_TYPE

    def render(self, content: Any) -> bytes:
        try:
            return super().render(content)
        except UnicodeEncodeError:
            # "\ud800" is valid JSON text but no UTF-8: echoing a client's bad input must not fail the answer
            return json.dumps(content, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def problem(
    status: int,
    *,
    instance: str,
    code: str | None = None,
    kind: str | None = None,
    detail: str | None = None,
    errors: list[FieldError] | None = None,
    reasons: list[str] | None = None,
    reason_details: list[dict[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> ProblemResponse:
    """A problem+json response; also an ASGI app, so that middleware can answer with it.

    Parameters
    ----------
    status
        The HTTP status.
    instance
        The request's path.
    code
        One of :data:`CODES`; by default the one of ``kind``, else of ``status``.
    kind
        Gives the type URI ``/problems/<kind>`` (else ``about:blank``).

    Raises
    ------
    ValueError
        ``code`` is not one of :data:`CODES`.
    """
    code = code or _CODE_OF_KIND.get(kind or "") or _CODE_OF_STATUS.get(status)
    if code is None:
        code = "internal_error" if status >= 500 else "invalid_request"
    if code not in CODES:
        raise ValueError(f"problem code {code!r} is not one of CODES (and docs/api.md)")
    errors = errors or []
    body = ProblemDetail(
        type=f"/problems/{kind}" if kind else "about:blank",
        title=HTTPStatus(status).phrase,
        status=status,
        code=code,
        detail=detail,
        instance=instance,
        field=next((e.field for e in errors if e.field), None),
        errors=errors,
        reasons=reasons or [],
        reason_details=reason_details,
    )
    return ProblemResponse(
        body.model_dump(exclude_none=True), status_code=status, headers=dict(headers) if headers else None
    )


def problem_response(
    request: Request,
    status: int,
    *,
    code: str | None = None,
    kind: str | None = None,
    detail: str | None = None,
    errors: list[FieldError] | None = None,
    reasons: list[str] | None = None,
    reason_details: list[dict[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> ProblemResponse:
    """:func:`problem` for ``request``."""
    return problem(
        status,
        instance=request.url.path,
        code=code,
        kind=kind,
        detail=detail,
        errors=errors,
        reasons=reasons,
        reason_details=reason_details,
        headers=headers,
    )


def field_errors(problems: list[LibraryProblem]) -> list[FieldError]:
    """The library's problems as API field errors; a message starts with its file and row, if it has them.

    Problems of one kind repeated many times (one bad column in 4,000 rows) come as the first few and one
    entry with ``code`` ``repeated`` that counts the rest, as the CLI prints them.
    """
    out = []
    for p in summarize_problems(problems):
        if isinstance(p, RepeatedProblems):
            out.append(
                FieldError(field=p.field, message=str(p), file=p.file, row=p.first_row, code="repeated")
            )
            continue
        where = p.file + (f":{p.row}" if p.row is not None else "") if p.file else ""
        out.append(
            FieldError(
                field=p.field,
                message=f"{where}: {p.message}" if where else p.message,
                file=p.file,
                row=p.row,
                found=p.found,
                expected=p.expected,
            )
        )
    return out


def _validation_errors(exc: RequestValidationError) -> list[FieldError]:
    out = []
    for err in exc.errors():
        # ("body", "teu") -> "teu"; the part of the request is implied by the endpoint
        loc = [str(x) for x in err.get("loc", ()) if x not in ("body", "query", "path", "header")]
        found = err.get("input")
        # a scalar is worth echoing; a whole object or body is not
        text = str(found)[:200] if isinstance(found, str | int | float | bool) else None
        out.append(
            FieldError(
                field=".".join(loc) or None,
                message=str(err.get("msg", "invalid")),
                code=err.get("type"),
                found=text,
            )
        )
    return out


async def _on_input_error(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, InputError)
    errors = field_errors(exc.problems)
    return problem_response(
        request, 422, kind="bad-input", detail=errors[0].message if errors else None, errors=errors
    )


async def _on_no_route(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, NoRouteError)
    return problem_response(
        request,
        422,
        kind="no-route",
        detail="; ".join(exc.reasons),
        reasons=exc.reasons,
        reason_details=exc.details,
    )


async def _on_limit(request: Request, exc: Exception) -> ProblemResponse:
    return problem_response(request, 422, kind="query-too-large", detail=str(exc))


async def _on_validation(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, RequestValidationError)
    errors = _validation_errors(exc)
    first = errors[0] if errors else None
    detail = (
        f"{first.field}: {first.message}" if first and first.field else (first.message if first else None)
    )
    return problem_response(request, 422, kind="bad-input", detail=detail, errors=errors)


async def _on_http(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else None
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        # FastAPI lists the methods of the first route that matched the path (none, for an included router);
        # a path served by two routes (GET and PUT /api/scenarios/{name}) must list both
        headers["Allow"] = ", ".join(sorted(allowed_methods(request.app, request.scope)))
    return problem_response(request, exc.status_code, detail=detail, headers=headers)


class InternalErrors:
    """Answer an unexpected exception with one problem+json 500, logged with its traceback.

    Starlette's own handler re-raises after answering, and the server then closes the connection: every 500
    dropped the client's keep-alive connection. Here the exception ends with the answer.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            if started:
                # half an answer is out: only closing the connection can end it, so the server must see this
                raise
            log.exception("unhandled error on %s %s", scope["method"], scope["path"])
            answer = problem(
                500, instance=scope["path"], kind="internal", detail="an internal error; it has been logged"
            )
            await answer(scope, receive, send)


def install_problem_handlers(app: FastAPI) -> None:
    """Answer every error the routes raise with problem+json; :class:`InternalErrors` answers the rest."""
    app.add_exception_handler(InputError, _on_input_error)
    app.add_exception_handler(NoRouteError, _on_no_route)
    app.add_exception_handler(LimitError, _on_limit)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(StarletteHTTPException, _on_http)


def problem_openapi(schema: dict[str, Any]) -> dict[str, Any]:
    """Describe every 4xx and 5xx response of ``schema`` as problem+json (FastAPI documents 422 otherwise)."""
    ref = {"$ref": "#/components/schemas/ProblemDetail"}
    for path in schema.get("paths", {}).values():
        for op in path.values():
            responses = op.setdefault("responses", {})
            if "application/json" in op.get("requestBody", {}).get("content", {}):
                # a body that is not UTF-8 JSON never reaches validation
                responses.setdefault("400", {"description": "The body is not JSON in UTF-8."})
                responses.setdefault("415", {"description": "The body is not application/json."})
            for code, response in responses.items():
                if code[0] in "45":
                    response["content"] = {PROBLEM_MEDIA_TYPE: {"schema": ref}}
                    if code == "422":
                        response["description"] = "Bad input: every field at fault, in errors."
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    return schema
