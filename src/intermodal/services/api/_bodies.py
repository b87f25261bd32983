"""JSON request bodies, checked before FastAPI parses them: the media type, UTF-8, and the JSON syntax.

FastAPI hands a body of another media type to validation as bytes (a 422 that echoes the body) and answers
malformed JSON with a 422 located at a character offset. Here such a body gets the status that says what is
wrong: 415 for the media type, 400 for bytes that are not UTF-8 JSON, naming where.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from email.message import Message as MimeMessage

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from intermodal.services.api.problems import FieldError, problem

__all__ = ["JsonBodies"]

_EXPECTED_MEDIA = "application/json"
_EXPECTED_TEXT = "a JSON object in UTF-8"


class JsonBodies:
    """Answer 415 or 400 problem+json to a body that an endpoint reading JSON cannot read.

    Parameters
    ----------
    takes_json
        Whether the route that will serve a request reads a JSON body.
    """

    def __init__(self, app: ASGIApp, *, takes_json: Callable[[Scope], bool]) -> None:
        self.app = app
        self.takes_json = takes_json

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.takes_json(scope):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        media = headers.get("content-type")
        declares_body = headers.get("content-length", "0") != "0" or "transfer-encoding" in headers
        if (media is None and declares_body) or (media is not None and not _is_json(media)):
            # the body is not read: the server discards it, and it is never echoed
            answer = problem(
                415,
                instance=scope["path"],
                code="unsupported_media_type",
                detail=f"the body must be sent as Content-Type: {_EXPECTED_MEDIA}",
                errors=[
                    FieldError(
                        field="content-type",
                        message="unsupported media type",
                        found=(media or "none")[:100],
                        expected=_EXPECTED_MEDIA,
                    )
                ],
                headers={"Accept-Post": _EXPECTED_MEDIA} if scope["method"] == "POST" else None,
            )
            await answer(scope, receive, send)
            return
        chunks = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        fault = _json_fault(body)
        if fault is not None:
            error = FieldError(field="body", code="malformed_json", message=fault, expected=_EXPECTED_TEXT)
            answer = problem(
                400, instance=scope["path"], code="malformed_json", detail=f"body: {fault}", errors=[error]
            )
            await answer(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


def _is_json(media: str) -> bool:
    # the test FastAPI applies: application/json or application/*+json, parameters allowed
    parsed = MimeMessage()
    parsed["content-type"] = media
    subtype = parsed.get_content_subtype()
    return parsed.get_content_maintype() == "application" and (subtype == "json" or subtype.endswith("+json"))


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _json_fault(body: bytes) -> str | None:
    """What makes ``body`` not a JSON text in UTF-8, naming where; ``None`` when it is one (or empty)."""
    if not body:
        return None  # FastAPI answers a missing body with the fields it lacks
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as err:
        return f"byte {err.start} is not UTF-8 (found 0x{body[err.start]:02x}); JSON must be UTF-8"
    try:
        # a byte order mark is tolerated (RFC 8259 allows a parser to ignore it); other encodings are not
        json.loads(text.removeprefix("\ufeff"), parse_constant=_refuse_constant)
    except json.JSONDecodeError as err:
        return f"not valid JSON at line {err.lineno}, column {err.colno} (character {err.pos}): {err.msg}"
    except ValueError as err:
        return f"not valid JSON: {err}"
    except RecursionError:
        return "not valid JSON here: nested too deeply"
    return None
