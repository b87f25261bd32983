"""POST /api/plans: a book of orders as JSON or an upload, planned, and booked all at once with a token."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from fastapi.testclient import TestClient

from intermodal import ledger as lg
from intermodal.services.api import Settings, create_app
from intermodal.services.api.plans import MAX_PLAN_ORDERS

ORDERS = [
    {
        "id": f"o{i}",
        "from": "nanpeng",
        "to": to,
        "teu": teu,
        "ready": "2020-04-03T08:00+08:00",
        "due": "2020-04-08T08:00+08:00",
        "penalty_not_carried": 100_000,
    }
    for i, (to, teu) in enumerate((("hanoi", 1), ("hanoi", 1), ("bangkok", 2)))
]


@pytest.fixture
def plans_client(settings: Settings, tmp_path: Path, token: str) -> Iterator[tuple[TestClient, dict]]:
    url = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    lg.open_ledger(url).dispose()
    with TestClient(create_app(dataclasses.replace(settings, ledger_url=url))) as c:
        yield c, {"Authorization": f"Bearer {token}"}


def test_a_json_book_is_planned_and_an_upload_gives_the_same_plan(plans_client) -> None:  # type: ignore[no-untyped-def]
    client, _ = plans_client
    answer = client.post("/api/plans", json={"orders": ORDERS, "carbon_price": 50})
    assert answer.status_code == 200, answer.text
    doc = answer.json()
    assert [o["order"] for o in doc["orders"]] == ["o0", "o1", "o2"] and doc["carbon_price"] == 50
    assert doc["status"] == "optimal" and doc["objective"] <= doc["baseline_objective"] + 1e-6
    assert all(d["load_teu"] <= d["room_teu"] + 1e-9 for d in doc["departures"])
    assert doc["totals"]["carried"] == 3 and doc["first_come"]["objective"] == doc["baseline_objective"]
    # column generation's rounds, columns and proof are in the plan JSON
    assert doc["column_generation"]["iterations"] >= 1 and doc["column_generation"]["converged"]
    frame = pl.DataFrame(ORDERS)
    upload = io.BytesIO()
    frame.write_parquet(upload)
    as_parquet = client.post(
        "/api/plans?carbon_price=50",
        content=upload.getvalue(),
        headers={"Content-Type": "application/vnd.apache.parquet"},
    )
    assert as_parquet.status_code == 200, as_parquet.text
    assert as_parquet.json()["objective"] == doc["objective"]
    as_csv = client.post(
        "/api/plans?carbon_price=50", content=frame.write_csv(), headers={"Content-Type": "text/csv"}
    )
    assert as_csv.status_code == 200 and as_csv.json()["objective"] == doc["objective"]


def test_booking_a_plan_takes_a_token_and_books_it_once(plans_client) -> None:  # type: ignore[no-untyped-def]
    client, auth = plans_client
    body = {"orders": ORDERS, "book": True, "customs": "bonded"}
    assert client.post("/api/plans", json=body).json()["code"] == "unauthorized"
    missing = client.post("/api/plans", json={**body, "customs": None}, headers=auth)
    assert missing.status_code == 422 and missing.json()["field"] == "customs"
    booked = client.post("/api/plans", json=body, headers=auth)
    assert booked.status_code == 200, booked.text
    assert booked.json()["booked"] == 3
    again = client.post("/api/plans", json=body, headers=auth).json()
    assert again["booked"] == 0 and again["already_booked"] == ["o0", "o1", "o2"]
    # the next plan sees the room those bookings took on the departures they ride
    later = client.post("/api/plans", json={"orders": [{**ORDERS[0], "id": "late"}]}).json()
    before = {d["departure"]: d for d in booked.json()["departures"]}
    seen = [d for d in later["departures"] if d["departure"] in before and before[d["departure"]]["load_teu"]]
    assert seen
    for d in seen:
        was = before[d["departure"]]
        assert d["room_teu"] == pytest.approx(was["room_teu"] - was["load_teu"])


def test_bad_plans_answer_problems_with_codes(plans_client) -> None:  # type: ignore[no-untyped-def]
    client, _ = plans_client
    bad = client.post("/api/plans", json={"orders": [{**ORDERS[0], "teu": -1}, ORDERS[1]]})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_request"
    assert any(e["row"] == 1 and e["field"] == "teu" for e in bad.json()["errors"])
    assert client.post("/api/plans", json={"orders": ORDERS, "gap": 2}).json()["code"] == "invalid_request"
    assert client.post("/api/plans", json={"orders": ORDERS, "extra": 1}).json()["code"] == "invalid_request"
    assert client.post("/api/plans", json=[1]).json()["code"] == "invalid_request"
    many = [{**ORDERS[0], "id": f"x{i}"} for i in range(MAX_PLAN_ORDERS + 1)]
    assert client.post("/api/plans", json={"orders": many}).json()["code"] == "limit_exceeded"
    text = client.post("/api/plans", content=b"hello", headers={"Content-Type": "text/plain"})
    assert text.status_code == 415 and text.json()["code"] == "unsupported_media_type"
    broken = client.post(
        "/api/plans", content=b"not parquet", headers={"Content-Type": "application/x-parquet"}
    )
    assert broken.status_code == 422 and "Traceback" not in broken.text


def test_a_plan_past_its_work_limit_answers_503(plans_client, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    client, _ = plans_client
    monkeypatch.setattr("intermodal.services.api.plans.PLAN_SECONDS", 0.0)
    answer = client.post("/api/plans", json={"orders": ORDERS})
    assert answer.status_code == 503 and answer.json()["code"] == "search_timeout"
    assert answer.headers["retry-after"]
