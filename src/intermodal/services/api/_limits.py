"""A request-size limit as plain ASGI middleware: it refuses large bodies before they are read into memory."""

from __future__ import annotations

from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from intermodal.services.api.problems import FieldError, problem

__all__ = ["BodySizeLimit"]


class _TooLarge(Exception):
    # not an HTTPException: FastAPI's handlers must not answer it, so that it reaches the middleware below,
    # and a streamed body gets the same answer as a declared one
    pass


class BodySizeLimit:
    """Answer 413 problem+json to a body over ``limit_for(method, path)`` bytes, declared or streamed."""

    def __init__(self, app: ASGIApp, *, limit_for: Callable[[str, str], int]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["method"], scope["path"])
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            try:
                too_large = int(declared) > limit
            except ValueError:
                too_large = False  # h11 rejects a malformed Content-Length before we see it
            if too_large:
                await _refuse(scope, receive, send, limit)
                return
        seen = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if started:
                raise
            await _refuse(scope, receive, send, limit)


async def _refuse(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    # no "Connection: close": the server reads and drops the rest of the body and keeps the connection, where
    # a close with unread data would reset it, often before the client has read this answer
    error = FieldError(field="body", message="too large", expected=f"at most {limit} bytes")
    answer = problem(
        413,
        instance=scope["path"],
        code="body_too_large",
        kind="too-large",
        detail=f"the request body is over {limit} bytes",
        errors=[error],
    )
    await answer(scope, receive, send)
