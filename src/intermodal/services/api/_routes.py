"""Which routes serve a request's path, asked before (or without) routing it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import params
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from starlette.applications import Starlette
from starlette.routing import Match, Mount
from starlette.types import Scope

__all__ = ["JsonRoutes", "allowed_methods", "takes_json"]


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


class JsonRoutes:
    """:func:`takes_json` for one app, remembered by method and path.

    Every request asks it before routing, and matching a path against every route took about as much of
    the server's time as the rest of a small request's handling. The answer depends on the method and the
    path alone (no route here matches on the host), and the routes do not change once the app serves, so
    it is kept; any path may be asked, so at most ``size`` of them are.
    """

    def __init__(self, app: Starlette, size: int = 4096) -> None:
        self.app, self.size = app, size
        self._known: dict[tuple[Any, ...], bool] = {}

    def __call__(self, scope: Scope) -> bool:
        key = (scope["method"], scope["path"], scope.get("root_path", ""), scope.get("app_root_path"))
        known = self._known.get(key)
        if known is None:
            known = takes_json(self.app, scope)
            if len(self._known) >= self.size:
                self._known.clear()
            self._known[key] = known
        return known
