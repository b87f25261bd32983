"""The ledger over HTTP: departures, bookings without overbooking, events, reports; writes need a token."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from intermodal import ledger as lg
from intermodal.io import load_scenario
from intermodal.services.api import Settings, create_app


@pytest.fixture
def ledger_client(settings: Settings, tmp_path: Path, token: str) -> Iterator[tuple[TestClient, dict]]:
    url = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    with lg.open_ledger(url) as db:
        service = load_scenario("chongqing").service("shuttle-middle")
        lg.upsert_lines(db, [lg.line_from_service(service, zone="Asia/Shanghai")])
    with TestClient(create_app(dataclasses.replace(settings, ledger_url=url))) as c:
        yield c, {"Authorization": f"Bearer {token}"}


def test_book_without_overbooking(ledger_client: tuple[TestClient, dict]) -> None:
    client, auth = ledger_client
    assert [line["id"] for line in client.get("/api/ledger/lines").json()] == ["shuttle-middle"]
    new = {"line": "shuttle-middle", "departs": "2020-04-03T09:00+08:00", "capacity_teu": 2}
    assert client.post("/api/ledger/departures", json=new).status_code == 401
    created = client.post("/api/ledger/departures", json=new, headers=auth)
    assert created.status_code == 201, created.text
    ref = created.json()["ref"]
    booking = {"idempotency_key": "k1", "departures": [ref], "shipper": "A", "teu": 2, "tonnes": 17.2}
    first = client.post("/api/ledger/bookings", json=booking, headers=auth)
    assert first.status_code == 201, first.text
    replay = client.post("/api/ledger/bookings", json=booking, headers=auth)
    assert replay.status_code == 200 and replay.json()["id"] == first.json()["id"]
    full = client.post("/api/ledger/bookings", json={**booking, "idempotency_key": "k2"}, headers=auth)
    assert full.status_code == 409 and full.headers["content-type"].startswith("application/problem+json")
    departure = client.get(f"/api/ledger/departures/{ref}").json()
    assert departure["booked_teu"] == 2 and departure["free_teu"] == 0
    cancel = client.post(f"/api/ledger/bookings/{first.json()['id']}/cancel", headers=auth)
    assert cancel.json()["released"] is True
    assert client.get(f"/api/ledger/departures/{ref}").json()["free_teu"] == 2
    assert len(client.get("/api/ledger/bookings").json()) == 1


def test_events_and_report(ledger_client: tuple[TestClient, dict]) -> None:
    client, auth = ledger_client
    event = {
        "kind": "gate-in",
        "at": "2020-04-03T07:00+08:00",
        "place": "nanpeng",
        "equipment_ref": "ABCU1234560",
    }
    assert client.post("/api/ledger/events", json=event, headers=auth).status_code == 201
    [seen] = client.get("/api/ledger/events", params={"equipment_ref": "ABCU1234560"}).json()
    assert seen["eventTypeCode"] == "GTIN"
    report = client.get("/api/ledger/reports/throughput", params={"period": "2020Q1", "by": "line"})
    assert report.status_code == 200 and report.json()["period"] == "2020Q1"
    bad = client.get("/api/ledger/reports/throughput", params={"period": "spring"})
    assert bad.status_code == 422 and bad.json()["field"] == "period"


def test_unknown_ids_are_404(ledger_client: tuple[TestClient, dict]) -> None:
    client, _ = ledger_client
    assert client.get("/api/ledger/departures/999").status_code == 404
    assert client.get("/api/ledger/bookings/nope").json()["status"] == 404


@pytest.mark.parametrize(
    ("currency", "says"),
    [("cny", "pattern"), ("EURO", "pattern"), ("12A", "pattern"), ("EUR", "no booking in the ledger")],
)
def test_a_report_in_an_unknown_currency_is_422_naming_the_field(
    ledger_client: tuple[TestClient, dict], currency: str, says: str
) -> None:
    client, _ = ledger_client
    answer = client.get("/api/ledger/reports/throughput", params={"period": "2020Q1", "currency": currency})
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    body = answer.json()
    assert body["field"] == "currency" and says in body["errors"][0]["message"]
    assert body["errors"][0]["found"] == currency
    ok = client.get("/api/ledger/reports/throughput", params={"period": "2020Q1", "currency": "CNY"})
    assert ok.status_code == 200 and ok.json()["currency"] == "CNY"


def test_a_report_in_a_currency_the_bookings_use_is_200(ledger_client: tuple[TestClient, dict]) -> None:
    client, auth = ledger_client
    new = {"line": "shuttle-middle", "departs": "2020-01-03T09:00+08:00", "capacity_teu": 2}
    ref = client.post("/api/ledger/departures", json=new, headers=auth).json()["ref"]
    booking = {"idempotency_key": "u1", "departures": [ref], "shipper": "A", "teu": 1, "tonnes": 5}
    made = client.post("/api/ledger/bookings", json={**booking, "value": 10, "currency": "USD"}, headers=auth)
    assert made.status_code == 201, made.text
    answer = client.get("/api/ledger/reports/throughput", params={"period": "2020Q1", "currency": "USD"})
    assert answer.status_code == 200 and answer.json()["currency"] == "USD"


def test_a_misconfigured_ledger_is_503_not_the_clients_fault(settings: Settings, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder" / "ledger.sqlite3"
    with TestClient(create_app(dataclasses.replace(settings, ledger_url=str(missing)))) as client:
        answer = client.get("/api/ledger/lines")
    assert answer.status_code == 503 and answer.json()["type"] == "/problems/ledger-unavailable"
    assert str(tmp_path) not in answer.text  # the server's paths stay in its log
    assert not missing.parent.exists()
