"""POST /api/compare: the comparison JSON with its GeoJSON layers, bounded work, problems named by field."""

from __future__ import annotations

from fastapi.testclient import TestClient

ZONES = [
    {"id": 1, "name": "Nanpeng", "terminal": "nanpeng"},
    {"id": 6, "name": "Vientiane", "terminal": "vientiane"},
]
DEMAND = [{"origin": 1, "destination": 6, "cargo": "general", "teu": 2}]
QUERY = {"patches": ["2026"], "zones": ZONES, "demand": DEMAND, "ready": "2026-03-02T00:00", "window_days": 1}


def test_compare_answers_the_change_and_a_difference_layer(client: TestClient) -> None:
    answer = client.post("/api/compare", json=QUERY)
    assert answer.status_code == 200, answer.text
    doc = answer.json()
    assert doc["base"]["name"] == "chongqing" and doc["work_pair_days"] == 2
    (s,) = doc["scenarios"]
    assert s["name"] == "chongqing+2026" and s["mode_split"]["rail"]["share_change"] > 0
    (layer,) = doc["geojson"]
    assert layer["type"] == "FeatureCollection"
    assert any(f["properties"]["service"] == "china-laos-tuanjiecun" for f in layer["features"])
    assert all(len(f["geometry"]["coordinates"]) >= 2 for f in layer["features"])


def test_bad_patches_zones_and_demand_are_named(client: TestClient) -> None:
    answer = client.post("/api/compare", json={**QUERY, "patches": ["atlantis"]})
    assert answer.status_code == 422 and answer.json()["code"] == "invalid_request"
    assert answer.json()["errors"][0]["field"] == "patches"
    answer = client.post("/api/compare", json={**QUERY, "demand": [{**DEMAND[0], "destination": 9}]})
    assert answer.status_code == 422 and "demand" in answer.text and "destination" in answer.text
    answer = client.post(
        "/api/compare", json={**QUERY, "zones": [{"id": 1, "name": "X", "terminal": "atlantis"}]}
    )
    assert answer.status_code == 422 and "atlantis" in answer.text
    answer = client.post("/api/compare", json={**QUERY, "window_days": 30})
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "window_days"


def test_more_work_than_allowed_is_refused_before_any_search(client: TestClient) -> None:
    # the demo's 15 pairs on 5 scenarios over 7 days: 525 pair-days
    query = {"patches": ["2026", "east-ring-closed", "longzhouwan-tunnel-closed", "2026+carbon-price-100"]}
    answer = client.post("/api/compare", json={**query, "window_days": 7})
    assert answer.status_code == 422 and answer.json()["code"] == "limit_exceeded"
    assert "525 pair-days" in answer.json()["detail"]
