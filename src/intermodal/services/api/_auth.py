"""Tokens on requests: writes always need one; reads only when the ``reads`` setting is ``token``."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from intermodal.services.api._settings import Settings
from intermodal.services.api.problems import problem_response
from intermodal.services.api.tokens import verify_token

__all__ = ["Unauthorized", "on_unauthorized", "require_read", "require_write"]

_bearer = HTTPBearer(auto_error=False, description="A token from `intermodal token create`.")


class Unauthorized(Exception):
    """The request needs a valid token and has none."""


def _check(request: Request, credentials: HTTPAuthorizationCredentials | None) -> None:
    settings: Settings = request.app.state.settings
    if credentials is None or not verify_token(settings.tokens_file, credentials.credentials):
        raise Unauthorized


def require_write(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> None:
    """Writes always need a token."""
    _check(request, credentials)


async def require_read(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> None:
    """Reads need a token only when the ``reads`` setting is ``token``.

    Async, so that an open read does not hop to a worker thread and back, as FastAPI would run a plain
    function. A token, when reads need one, is still checked in a worker thread: reading the tokens file
    blocks."""
    if request.app.state.settings.reads != "open":
        await run_in_threadpool(_check, request, credentials)


async def on_unauthorized(request: Request, exc: Exception) -> JSONResponse:
    return problem_response(
        request,
        401,
        kind="unauthorized",
        detail="a valid token is needed: Authorization: Bearer <token> "
        "(make one with `intermodal token create`)",
        headers={"WWW-Authenticate": "Bearer"},
    )
