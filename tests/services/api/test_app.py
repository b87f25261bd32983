"""The API as a client meets it: the route JSON, the network views, problem+json for every bad input."""

from __future__ import annotations

import dataclasses
import io
import json
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from intermodal.io import scenario_path
from intermodal.services.api import Settings, create_app
from intermodal.services.api import _views as views
from intermodal.services.api.problems import CODES

from .conftest import README_QUERY

PROBLEM = "application/problem+json"


def _is_problem(response, status: int, field: str | None = None) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status and body["title"] and body["instance"]
    assert CODES[body["code"]] == status, body
    if field is not None:
        assert body["field"] == field, body
        assert any(e["field"] == field for e in body["errors"])
    return body


def test_routes_gives_the_route_json_of_the_cli(client: TestClient) -> None:
    doc = client.post("/api/routes", json=README_QUERY).json()
    assert doc["scenario"] == "chongqing" and doc["query"]["cargo"] == "reefer"
    assert len(doc["options"]) >= 2
    for option in doc["options"]:
        legs, hubs, total = option["legs"], option["hubs"], option["total"]
        # the invariant of docs/json-output.md: totals are the sum of the elements
        assert total["cost"] == pytest.approx(sum(x["cost"] for x in legs + hubs), rel=1e-6)
        assert total["co2e_kg_wtw"] == pytest.approx(sum(x["co2e_kg_wtw"] for x in legs + hubs), rel=1e-3)
        assert all(leg["geometry"]["type"] == "LineString" for leg in legs)


def test_objective_and_limit_are_applied(client: TestClient) -> None:
    doc = client.post("/api/routes", json={**README_QUERY, "objective": "cheapest", "limit": 2}).json()
    costs = [o["total"]["cost"] for o in doc["options"]]
    assert len(costs) == 2 and costs == sorted(costs)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"from": "atlantis"}, "from"),
        ({"to": "nowhere-at-all"}, "to"),
        ({"teu": -2}, "teu"),
        ({"cargo": "plutonium"}, "cargo"),
        ({"ready": "next tuesday"}, "ready"),
        ({"objective": "prettiest"}, "objective"),
        ({"limit": 0}, "limit"),
        ({"scenario": "atlantis"}, "scenario"),
        ({"scenario": "../../etc"}, "scenario"),
        ({"colour": "red"}, "colour"),
        ({"due": "2021-04-03T08:00+08:00"}, "due"),
    ],
)
def test_bad_input_is_a_problem_naming_its_field(client: TestClient, change: dict, field: str) -> None:
    _is_problem(client.post("/api/routes", json={**README_QUERY, **change}), 422, field)


def test_a_missing_field_and_malformed_json_are_problems(client: TestClient) -> None:
    _is_problem(client.post("/api/routes", json={"from": "nanpeng"}), 422, "to")
    bad = client.post("/api/routes", content=b"{not json", headers={"content-type": "application/json"})
    body = _is_problem(bad, 400, "body")
    assert body["code"] == "malformed_json" and "line 1, column 2" in body["detail"]


@pytest.mark.parametrize(
    ("body", "where"),
    [
        (b'{"from": "nanpeng",\n "to": }', "line 2, column 8"),
        (b'{"from": "nanpeng", "teu": NaN}', "NaN is not JSON"),
        (b"[" * 60_000, "nested too deeply"),
        ('{"from": "café"}'.encode("latin-1"), "byte 13 is not UTF-8"),
        ('{"from": "南彭"}'.encode("utf-16"), "byte 0 is not UTF-8"),
    ],
)
def test_a_body_that_is_not_json_in_utf8_is_400_naming_where(
    client: TestClient, body: bytes, where: str
) -> None:
    answer = client.post("/api/routes", content=body, headers={"content-type": "application/json"})
    problem = _is_problem(answer, 400, "body")
    assert problem["code"] == "malformed_json" and where in problem["detail"], problem


@pytest.mark.parametrize("headers", [{"content-type": "text/plain"}, {"content-type": "application/xml"}, {}])
def test_a_json_endpoint_refuses_other_media_types_with_415(client: TestClient, headers: dict) -> None:
    body = b'{"from": "secret-looking-body", "to": "bangkok"}'
    answer = client.post("/api/routes", content=body, headers=headers)
    problem = _is_problem(answer, 415, "content-type")
    assert problem["code"] == "unsupported_media_type" and "secret-looking-body" not in answer.text
    form = client.post("/api/routes", data={"from": "secret-looking-body"})
    assert _is_problem(form, 415)["errors"][0]["found"] == "application/x-www-form-urlencoded"
    assert "secret-looking-body" not in form.text
    # the check follows the route, wherever it was included: the ledger's JSON endpoints too
    _is_problem(client.post("/api/ledger/bookings", content=body, headers=headers), 415)


def test_json_with_a_charset_or_a_byte_order_mark_is_accepted(client: TestClient) -> None:
    body = json.dumps(README_QUERY).encode()
    for content, media in (
        (body, "application/json; charset=utf-8"),
        (b"\xef\xbb\xbf" + body, "application/json"),
    ):
        answer = client.post("/api/routes", content=content, headers={"content-type": media})
        assert answer.status_code == 200, answer.text


def test_no_route_is_a_problem_with_reasons(client: TestClient) -> None:
    late = {**README_QUERY, "due": "2020-04-04T08:00+08:00"}
    body = _is_problem(client.post("/api/routes", json=late), 422)
    assert body["type"] == "/problems/no-route" and body["reasons"]


def test_request_size_is_limited(client: TestClient, settings: Settings) -> None:
    big = b'{"from": "' + b"x" * settings.max_request_bytes + b'"}'
    _is_problem(client.post("/api/routes", content=big, headers={"content-type": "application/json"}), 413)


def test_a_streamed_body_too_large_gets_the_same_413(
    client: TestClient, settings: Settings, token: str
) -> None:
    big = b'{"from": "' + b"x" * 5_000_000 + b'"}'
    json_headers = {"content-type": "application/json"}
    declared = client.post("/api/routes", content=big, headers=json_headers)
    chunked = client.post("/api/routes", content=iter([big[:1_000_000]] * 5), headers=json_headers)
    assert "content-length" not in chunked.request.headers
    assert _is_problem(declared, 413, "body") == _is_problem(chunked, 413, "body")
    assert declared.json()["code"] == "body_too_large"
    # an upload, which the endpoint reads itself, streamed over its own limit
    small = dataclasses.replace(settings, max_upload_bytes=1000)
    with TestClient(create_app(small)) as c:
        auth = {"Authorization": f"Bearer {token}", "content-type": "application/zip"}
        upload = c.put("/api/scenarios/mine", content=iter([b"x" * 800] * 2), headers=auth)
    assert _is_problem(upload, 413, "body") == {
        **declared.json(),
        "instance": "/api/scenarios/mine",
        "detail": "the request body is over 1000 bytes",
        "errors": [{"field": "body", "message": "too large", "expected": "at most 1000 bytes"}],
    }


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("DELETE", "/api/routes", "POST"),
        ("GET", "/api/routes", "POST"),
        ("DELETE", "/api/scenarios/chongqing", "GET, PUT"),
        ("PUT", "/api/ledger/bookings", "GET, POST"),
        ("POST", "/api/health", "GET"),
        ("POST", "/app/index.html", "GET, HEAD"),
    ],
)
def test_405_lists_the_allowed_methods(client: TestClient, method: str, path: str, allow: str) -> None:
    answer = client.request(method, path)
    assert _is_problem(answer, 405)["code"] == "method_not_allowed"
    assert answer.headers["allow"] == allow


def test_an_upload_that_is_no_bundle_names_each_missing_file(client: TestClient, token: str) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:  # a GTFS feed, where a bundle is expected
        zf.writestr("stops.txt", "stop_id,stop_name,stop_lat,stop_lon\n")
    auth = {"Authorization": f"Bearer {token}", "content-type": "application/zip"}
    body = _is_problem(client.put("/api/scenarios/feed", content=buf.getvalue(), headers=auth), 422)
    messages = [e["message"] for e in body["errors"]]
    assert len(set(messages)) == len(messages) >= 4, messages
    assert {"manifest.toml", "terminals.csv", "links.csv"} <= {e["file"] for e in body["errors"]}
    assert body["detail"] == "manifest.toml: file is missing"


def test_a_bug_is_one_logged_500_that_tells_nothing(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(views, "terminal_views", broken)
    answer = client.get("/api/scenarios/chongqing/terminals")
    body = _is_problem(answer, 500)
    assert body["code"] == "internal_error" and "secret" not in answer.text
    assert answer.headers["x-content-type-options"] == "nosniff"
    [record] = [r for r in caplog.records if r.name == "intermodal.api"]
    assert record.exc_info and "secret internals" in str(record.exc_info[1])
    assert client.get("/api/scenarios/chongqing/links").status_code == 200


def test_input_that_utf8_cannot_carry_is_echoed_safely(client: TestClient) -> None:
    # "\ud800" is valid JSON, but a lone surrogate: the problem that echoes it must still be sent
    body = b'{"from": "\\ud800", "to": "bangkok"}'
    answer = client.post("/api/routes", content=body, headers={"content-type": "application/json"})
    assert _is_problem(answer, 422, "from")["code"] == "invalid_request"


def test_query_budget_answers_503(settings: Settings) -> None:
    tight = dataclasses.replace(settings, query_seconds=1e-6)
    with TestClient(create_app(tight)) as c:
        response = c.post("/api/routes", json=README_QUERY)
    body = _is_problem(response, 503)
    assert body["type"] == "/problems/query-budget" and response.headers["retry-after"]


def test_label_cap_answers_422(settings: Settings) -> None:
    tight = dataclasses.replace(settings, max_labels=20)
    with TestClient(create_app(tight)) as c:
        body = _is_problem(c.post("/api/routes", json=README_QUERY), 422)
    assert body["type"] == "/problems/query-too-large" and "labels" in body["detail"]


def test_range_and_carbon_price(client: TestClient) -> None:
    doc = client.post("/api/routes", json={**README_QUERY, "range_days": 3, "carbon_price": 300}).json()
    totals = [o["total"] for o in doc["options"]]
    assert totals and all(t["ready_by"] and t["carbon_cost"] > 0 for t in totals)
    _is_problem(client.post("/api/routes", json={**README_QUERY, "range_days": 0}), 422, "range_days")


def test_network_views(client: TestClient) -> None:
    [info] = [s for s in client.get("/api/scenarios").json() if s["name"] == "chongqing"]
    terminals = client.get("/api/scenarios/chongqing/terminals").json()
    assert info["terminals"] == len(terminals) and not info["uploaded"]
    by_id = {t["id"]: t for t in terminals}
    assert by_id["nanpeng"]["name_zh"] and by_id["mohan"]["crossing"]
    links = client.get("/api/scenarios/chongqing/links").json()
    assert all(k["from"] in by_id and k["to"] in by_id for k in links)
    services = client.get("/api/scenarios/chongqing/services").json()
    shuttle_lines = {s["line"] for s in services if s["line"].startswith("shuttle-")}
    assert len(shuttle_lines) == 6  # the seed's six highway shuttle lines
    crossings = client.get("/api/scenarios/chongqing/crossings").json()
    assert {c["terminal"] for c in crossings} == {t["id"] for t in terminals if t["crossing"]}


@pytest.mark.parametrize("layer", ["terminals", "links", "lines", "crossings"])
def test_overlays_are_geojson(client: TestClient, layer: str) -> None:
    doc = client.get(f"/api/scenarios/chongqing/geojson/{layer}").json()
    assert doc["type"] == "FeatureCollection" and doc["features"]
    for feature in doc["features"]:
        coords = feature["geometry"]["coordinates"]
        points = [coords] if feature["geometry"]["type"] == "Point" else coords
        assert all(-180 <= lon <= 180 and -90 <= lat <= 90 for lon, lat in points)


def test_unknown_things_are_404_problems(client: TestClient) -> None:
    _is_problem(client.get("/api/scenarios/atlantis/terminals"), 404, "name")
    _is_problem(client.get("/api/nothing-here"), 404)
    _is_problem(client.get("/api/scenarios/chongqing/geojson/rivers"), 422, "layer")


def test_openapi_documents_problems(client: TestClient) -> None:
    schema = client.get("/api/openapi.json").json()
    responses = schema["paths"]["/api/routes"]["post"]["responses"]
    assert "application/problem+json" in responses["422"]["content"]
    assert {"400", "413", "415"} <= set(responses)
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    code = schema["components"]["schemas"]["ProblemDetail"]["properties"]["code"]
    assert code["enum"] == list(CODES)


def test_web_app_is_served(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "<html" in page.text.lower()
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert client.get("/app/vendor/leaflet/leaflet.js").status_code == 200


def _zipped_bundle() -> bytes:
    folder = scenario_path("chongqing")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for path in sorted(Path(folder).iterdir()):
            zf.write(path, path.name)
    return buf.getvalue()


def test_upload_needs_a_token_and_a_valid_bundle(client: TestClient, token: str) -> None:
    data = _zipped_bundle()
    _is_problem(client.put("/api/scenarios/mine", content=data), 401)
    wrong = {"Authorization": "Bearer imt_wrong"}
    _is_problem(client.put("/api/scenarios/mine", content=data, headers=wrong), 401)
    auth = {"Authorization": f"Bearer {token}", "content-type": "application/zip"}
    _is_problem(client.put("/api/scenarios/mine", content=b"not a zip", headers=auth), 422, "body")
    _is_problem(client.put("/api/scenarios/chongqing", content=data, headers=auth), 422, "name")
    assert client.put("/api/scenarios/mine", content=data, headers=auth).status_code == 201
    assert client.put("/api/scenarios/mine", content=data, headers=auth).status_code == 200
    assert "mine" in [s["name"] for s in client.get("/api/scenarios").json()]
    doc = client.post("/api/routes", json={**README_QUERY, "scenario": "mine"}).json()
    assert doc["options"]


def test_closed_reads_need_a_token(settings: Settings, token: str) -> None:
    closed = dataclasses.replace(settings, reads="token")
    with TestClient(create_app(closed)) as c:
        _is_problem(c.get("/api/scenarios"), 401)
        ok = c.get("/api/scenarios", headers={"Authorization": f"Bearer {token}"})
        assert ok.status_code == 200
        assert c.get("/api/health").status_code == 200


def test_cors_origins_setting(settings: Settings) -> None:
    allowed = dataclasses.replace(settings, cors_origins=("https://hub.example",))
    with TestClient(create_app(allowed)) as c:
        yes = c.get("/api/health", headers={"Origin": "https://hub.example"})
        no = c.get("/api/health", headers={"Origin": "https://evil.example"})
        asking = {"Origin": "https://hub.example", "Access-Control-Request-Method": "POST"}
        assert c.options("/api/routes", headers=asking).status_code == 200
        refused = c.options("/api/routes", headers={**asking, "Origin": "https://evil.example"})
    assert _is_problem(refused, 403)["code"] == "forbidden" and "origin" in refused.json()["detail"]
    assert yes.headers["access-control-allow-origin"] == "https://hub.example"
    assert "access-control-allow-origin" not in no.headers


def test_fold_margins_and_all(client: TestClient) -> None:
    every = client.post("/api/routes", json={**README_QUERY, "all": True}).json()
    assert every["query"]["fold"] is None and every["folded_options"] == 0
    doc = client.post("/api/routes", json={**README_QUERY, "fold_co2e_pct": 1.2}).json()
    assert doc["query"]["fold"] == {"hours": 2.0, "cost_pct": 2.0, "co2e_pct": 1.2}
    assert doc["folded_options"] == 1 and doc["pareto_options"] == len(every["options"])
    assert len(doc["options"]) == len(every["options"]) - 1 and any("folded" in n for n in doc["notes"])
    _is_problem(client.post("/api/routes", json={**README_QUERY, "fold_hours": -1}), 422, "fold_hours")
    _is_problem(client.post("/api/routes", json={**README_QUERY, "all": True, "fold_hours": 2}), 422, "all")


HOSTILE_SCENARIOS = [
    "chongqing+",
    "+2026",
    "chongqing++2026",
    "CHONGQING+2026",
    "chongqing+nope",
    "chongqing+2026+2026",  # its terminals are already there the second time
    "chongqing+" + "+".join(["carbon-price-100"] * 9),  # more patches than a name may carry
    "chongqing+" + "x" * 5_000,
    "chongqing+2026\u0000",
    "chongqing+../../etc/passwd",
    "atlantis+2026",
]


@pytest.mark.parametrize("scenario", HOSTILE_SCENARIOS, ids=range(len(HOSTILE_SCENARIOS)))
def test_hostile_scenario_and_patch_names_are_a_problem_naming_the_scenario(
    client: TestClient, scenario: str
) -> None:
    _is_problem(client.post("/api/routes", json={**README_QUERY, "scenario": scenario}), 422, "scenario")
    from urllib.parse import quote

    listed = client.get("/api/scenarios/" + quote(scenario, safe="+") + "/terminals")
    assert 400 <= listed.status_code < 500 and CODES[listed.json()["code"]] == listed.status_code


def test_a_scenario_with_patches_it_ships_is_named_scenario_plus_patch(client: TestClient) -> None:
    body = {**README_QUERY, "to": "VNSGN", "scenario": "chongqing+2026", "ready": "2026-03-02T08:00+08:00"}
    answer = client.post("/api/routes", json=body)
    assert answer.status_code == 200, answer.text
    assert answer.json()["scenario"] == "chongqing+2026"
    terminals = client.get("/api/scenarios/chongqing+2026/terminals").json()
    assert any(t["id"] == "phnom-penh" for t in terminals)
    _is_problem(client.post("/api/routes", json={**body, "scenario": "chongqing+nope"}), 422, "scenario")
