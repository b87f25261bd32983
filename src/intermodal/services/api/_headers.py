"""Security headers for every response, a content security policy for the web app's pages, and CORS."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from intermodal.services.api.problems import problem

__all__ = ["CrossOrigin", "SecurityHeaders"]

# The app loads nothing from elsewhere except the optional OpenStreetMap tiles; inline style attributes are
# allowed because Leaflet and the app position elements with them, inline scripts are not.
WEB_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: https://*.tile.openstreetmap.org; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


class SecurityHeaders:
    """Add ``nosniff`` and a referrer policy everywhere, and the policy above to ``/app/`` pages."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        web = scope["path"].startswith("/app")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"x-content-type-options", b"nosniff"))
                headers.append((b"referrer-policy", b"same-origin"))
                if web:
                    headers.append((b"content-security-policy", WEB_POLICY.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class CrossOrigin(CORSMiddleware):
    """Starlette's CORS, except that a refused preflight is a 403 problem, as every error of the API is."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = Headers(scope=scope) if scope["type"] == "http" else Headers()
        preflight = scope.get("method") == "OPTIONS" and "access-control-request-method" in headers
        if not preflight or "origin" not in headers:
            await super().__call__(scope, receive, send)
            return
        response = self.preflight_response(request_headers=headers)
        if response.status_code >= 400:
            # Starlette answers 400 in plain text; the origin, method or headers are not allowed here
            kept = {k: v for k, v in response.headers.items() if k not in ("content-type", "content-length")}
            response = problem(
                403,
                instance=scope["path"],
                code="forbidden",
                detail=f"a cross-origin request refused: {bytes(response.body).decode()}",
                headers=kept,
            )
        await response(scope, receive, send)
