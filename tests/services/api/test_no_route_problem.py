"""The no-route problem carries its reasons as sentences and as data."""

from __future__ import annotations

from fastapi.testclient import TestClient

from .conftest import README_QUERY


def test_no_route_problem_has_reason_details(client: TestClient) -> None:
    late = {**README_QUERY, "due": "2020-04-04T08:00+08:00"}
    response = client.post("/api/routes", json=late)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["type"] == "/problems/no-route"
    assert len(body["reason_details"]) == len(body["reasons"]) == 1
    detail = body["reason_details"][0]
    assert detail["code"] == "late" and detail["destination"] == "bangkok"
    assert detail["due"].startswith("2020-04-04T08:00")
