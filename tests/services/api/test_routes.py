"""Which routes serve a path, asked before routing: remembered per method and path, and bounded."""

from __future__ import annotations

from typing import Any

from intermodal.services.api import Settings, create_app
from intermodal.services.api._routes import JsonRoutes, takes_json


def _scope(method: str, path: str) -> dict[str, Any]:
    return {"type": "http", "method": method, "path": path, "root_path": "", "headers": []}


def test_json_routes_answer_as_takes_json_and_keep_at_most_their_size(settings: Settings) -> None:
    app = create_app(settings)
    asked = [
        ("POST", "/api/routes"),
        ("POST", "/api/plans"),
        ("GET", "/api/routes"),
        ("GET", "/api/health"),
        ("GET", "/api/scenarios/chongqing/terminals"),
        ("POST", "/api/nowhere"),
        ("GET", "/app/index.html"),
    ]
    routes = JsonRoutes(app, size=3)
    for _ in range(2):  # asked again, from what it kept or after it forgot
        for method, path in asked:
            assert routes(_scope(method, path)) == takes_json(app, _scope(method, path)), (method, path)
            assert len(routes._known) <= 3
    assert routes(_scope("POST", "/api/routes")) and not routes(_scope("GET", "/api/health"))
