"""Which routes serve a request's path, asked before (or without) routing it."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import params
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from starlette.applications import Starlette
from starlette.routing import Match, Mount
from starlette.types import Scope

__all__ = ["allowed_methods", "takes_json"]


def _matching(app: Starlette, scope: Scope) -> Iterator[tuple[Match, RouteContext]]:
    # inside a mount, root_path has grown by the mount's path; the app's routes match against the app's own
    scope = {**scope, "root_path": scope.get("app_root_path", scope.get("root_path", ""))}
    # iter_route_contexts flattens included routers, whose routes carry the router's prefix only there
    for context in iter_route_contexts(app.router.routes):
        match, _ = context.matches(scope)
        if match is not Match.NONE:
            yield match, context


def allowed_methods(app: Starlette, scope: Scope) -> set[str]:
    """Every method some route serves at the path of ``scope``."""
    allowed: set[str] = set()
    for _, context in _matching(app, {**scope, "method": "\0"}):
        if isinstance(context.original_route, Mount):
            allowed |= {"GET", "HEAD"}  # the only mount serves the web app's static files
        allowed |= set(context.methods or ())
    return allowed


def takes_json(app: Starlette, scope: Scope) -> bool:
    """Whether the route that will serve ``scope`` reads a JSON body."""
    for match, context in _matching(app, scope):
        if match is Match.FULL:
            route = context.original_route
            body = route.body_field if isinstance(route, APIRoute) else None
            return body is not None and not isinstance(body.field_info, params.Form)
    return False
