"""Disruptions and rebooking over HTTP: writes need a token, answers list the broken bookings, problems have
codes."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from intermodal import ledger as lg
from intermodal.io import load_scenario
from intermodal.ledger.schedule import schedule_departures
from intermodal.services.api import Settings, create_app
from intermodal.services.api.problems import CODES

AS_OF = "2020-04-06T08:00+08:00"
CLOSURE = {
    "kind": "crossing",
    "target": "youyiguan",
    "start": "2020-04-05T00:00+08:00",
    "end": "2020-04-20T00:00+08:00",
    "as_of": AS_OF,
}


@pytest.fixture
def client(settings: Settings, tmp_path: Path, token: str) -> Iterator[tuple[TestClient, dict[str, str]]]:
    url = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    bundle = load_scenario("chongqing")
    with lg.open_ledger(url) as db:
        schedule_departures(db, bundle, start=dt.date(2020, 4, 6), end=dt.date(2020, 4, 8))
        lg.book(
            db,
            idempotency_key="east-1",
            departures=["shuttle-east@2020-04-06T20:00+08:00"],
            shipper="Fruit Co",
            teu=2,
            tonnes="17.2",
            customs_status="bonded",
        )
    with TestClient(create_app(dataclasses.replace(settings, ledger_url=url))) as c:
        yield c, {"Authorization": f"Bearer {token}"}


def test_add_lists_the_broken_booking_and_rebook_moves_it_once(
    client: tuple[TestClient, dict[str, str]],
) -> None:
    c, auth = client
    assert c.post("/api/disruptions", json=CLOSURE).status_code == 401
    made = c.post("/api/disruptions", json=CLOSURE, headers=auth)
    assert made.status_code == 201, made.text
    [broken] = made.json()["broken"]
    assert broken["idempotency_key"] == "east-1" and broken["options"]
    again = c.get(f"/api/disruptions/{made.json()['disruption']['id']}", params={"as_of": AS_OF})
    assert again.json()["broken"] == made.json()["broken"]
    assert [d["target"] for d in c.get("/api/disruptions", params={"status": "open"}).json()] == ["youyiguan"]

    moved = c.post("/api/ledger/bookings/east-1/rebook", json={"option": 1, "as_of": AS_OF}, headers=auth)
    assert moved.status_code == 200, moved.text
    first = broken["options"][0]
    assert moved.json()["booking"]["departures"] == [g["departure"] for g in first["legs"] if g["service"]]
    repeat = c.post("/api/ledger/bookings/east-1/rebook", json={"option": 1, "as_of": AS_OF}, headers=auth)
    assert repeat.status_code == 409 and repeat.json()["code"] == "not_rebookable"

    cleared = c.post("/api/disruptions/1/clear", headers=auth)
    assert cleared.json()["changed"] is True
    assert c.post("/api/disruptions/1/clear", headers=auth).json()["changed"] is False


def test_problems_name_the_field(client: tuple[TestClient, dict[str, str]]) -> None:
    c, auth = client
    bad = c.post("/api/disruptions", json={**CLOSURE, "target": "atlantis"}, headers=auth)
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_request"
    assert bad.json()["errors"][0]["field"] == "target"
    empty = c.post("/api/disruptions", json={**CLOSURE, "end": CLOSURE["start"]}, headers=auth)
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "end"
    assert c.post("/api/disruptions", json={**CLOSURE, "kind": "bridge"}, headers=auth).status_code == 422
    assert c.get("/api/disruptions/99").status_code == 404
    assert c.post("/api/disruptions/99/clear", headers=auth).status_code == 404
    unknown = c.post("/api/ledger/bookings/nobody/rebook", json={"option": 1}, headers=auth)
    assert unknown.status_code == 404 and unknown.json()["code"] == "not_found"


HOSTILE_BODIES = [
    {**CLOSURE, "start": "9999-12-31T00:00+08:00", "end": "99999-01-01T00:00+08:00"},
    {**CLOSURE, "start": "1960-01-01T00:00+08:00"},
    {**CLOSURE, "end": "2099-01-01T00:00+08:00"},
    {**CLOSURE, "start": "nan", "end": "inf"},
    {**CLOSURE, "start": "2020-04-05T00:00+99:00"},
    {**CLOSURE, "as_of": "0001-01-01T00:00Z"},
    {**CLOSURE, "target": "x" * 10_000},
    {**CLOSURE, "target": ""},
    {**CLOSURE, "note": "x" * 10_000},
    {**CLOSURE, "scenario": "atlantis"},
    {**CLOSURE, "scenario": "chongqing+nope"},
    {**CLOSURE, "hours": 3},
    {**CLOSURE, "surprise": 1},
    {**CLOSURE, "kind": "delay", "target": "shuttle-east", "hours": 1e308},
    {**CLOSURE, "kind": "delay", "target": "shuttle-east", "hours": -1},
    {**CLOSURE, "kind": "delay", "target": "shuttle-east", "hours": 0},
    {**CLOSURE, "kind": "delay", "target": "shuttle-east"},
    {**CLOSURE, "kind": "departure", "target": "shuttle-east@9999-01-01T00:00+08:00"},
    {**CLOSURE, "kind": "departure", "target": "@"},
    {**CLOSURE, "kind": 7},
    {**CLOSURE, "target": 18446744073709551617},
    [],
    "closure",
    None,
]


@pytest.mark.parametrize("body", HOSTILE_BODIES, ids=range(len(HOSTILE_BODIES)))
def test_hostile_disruptions_answer_a_named_problem_and_record_nothing(
    client: tuple[TestClient, dict[str, str]], body: object
) -> None:
    c, auth = client
    answer = c.post("/api/disruptions", json=body, headers=auth)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    doc = answer.json()
    assert doc["code"] in CODES and CODES[doc["code"]] == 422
    # a body that is not an object is wrong as a whole; any other names the field at fault
    assert not isinstance(body, dict) or doc["errors"][0]["field"]
    assert c.get("/api/disruptions").json() == []


@pytest.mark.parametrize("body", [b"{", b"\xff\xfe", b'{"kind": "link", "target": "x", "hours": NaN}'])
def test_malformed_disruption_bodies_answer_400_or_422(
    client: tuple[TestClient, dict[str, str]], body: bytes
) -> None:
    c, auth = client
    answer = c.post("/api/disruptions", content=body, headers={**auth, "Content-Type": "application/json"})
    assert answer.status_code in (400, 422) and answer.json()["code"] in CODES
    assert c.get("/api/disruptions").json() == []


@pytest.mark.parametrize(
    "path",
    [
        "/api/disruptions/0",
        "/api/disruptions/-1",
        "/api/disruptions/18446744073709551617",
        "/api/disruptions/1e308",
        "/api/disruptions/nan",
        "/api/disruptions/1?as_of=99999-01-01",
        "/api/disruptions?status=closed",
        "/api/disruptions?limit=0",
        "/api/disruptions?limit=1001",
        "/api/disruptions?limit=-1",
        "/api/disruptions?limit=nan",
        "/api/disruptions?limit=18446744073709551617",
    ],
)
def test_hostile_disruption_reads_answer_4xx(client: tuple[TestClient, dict[str, str]], path: str) -> None:
    answer = client[0].get(path)
    assert 400 <= answer.status_code < 500, answer.text
    assert answer.json()["code"] in CODES


@pytest.mark.parametrize(
    ("key", "body"),
    [
        ("east-1", {"option": 0}),
        ("east-1", {"option": 18446744073709551617}),
        ("east-1", {"option": 1.5}),
        ("east-1", {"option": "1"}),
        ("east-1", {"option": 1, "as_of": "99999-01-01"}),
        ("east-1", {"option": 1, "scenario": "atlantis"}),
        ("east-1", {"option": 1, "extra": True}),
        ("18446744073709551617", {"option": 1}),
        ("x" * 5000, {"option": 1}),
        ("east-1", {"option": 1}),  # no disruption breaks it
    ],
)
def test_hostile_rebooks_answer_4xx_and_move_nothing(
    client: tuple[TestClient, dict[str, str]], key: str, body: dict[str, object]
) -> None:
    c, auth = client
    answer = c.post(f"/api/ledger/bookings/{key}/rebook", json=body, headers=auth)
    assert 400 <= answer.status_code < 500, answer.text
    assert answer.json()["code"] in CODES
    booking = c.get("/api/ledger/bookings/east-1").json()
    assert booking["departures"] == ["shuttle-east@2020-04-06T20:00+08:00"]


def test_the_list_takes_a_limit_oldest_first(client: tuple[TestClient, dict[str, str]]) -> None:
    c, auth = client
    targets = ["youyiguan", "mohan", "ruili"]
    for target in targets:
        made = c.post("/api/disruptions", json={**CLOSURE, "target": target}, headers=auth)
        assert made.status_code == 201, made.text
    assert [d["target"] for d in c.get("/api/disruptions").json()] == targets
    assert [d["target"] for d in c.get("/api/disruptions", params={"limit": 2}).json()] == targets[:2]
    c.post("/api/disruptions/1/clear", headers=auth)
    still = c.get("/api/disruptions", params={"status": "open", "limit": 1}).json()
    assert [d["target"] for d in still] == ["mohan"]


def test_a_booking_through_a_closed_crossing_answers_409_disrupted_until_cleared(
    client: tuple[TestClient, dict[str, str]],
) -> None:
    c, auth = client
    made = c.post("/api/disruptions", json=CLOSURE, headers=auth).json()["disruption"]
    body = {
        "idempotency_key": "east-2",
        "departures": ["shuttle-east@2020-04-07T20:00+08:00"],
        "shipper": "Fruit Co",
        "teu": 1,
        "tonnes": 8,
        "customs_status": "bonded",
    }
    refused = c.post("/api/ledger/bookings", json=body, headers=auth)
    assert refused.status_code == 409, refused.text
    doc = refused.json()
    assert doc["code"] == "disrupted" and doc["errors"][0]["field"] == "legs[0].departure"
    assert f"closed by disruption {made['id']}" in doc["detail"] and "youyiguan" in doc["detail"]
    assert c.get("/api/ledger/bookings/east-2").status_code == 404
    c.post(f"/api/disruptions/{made['id']}/clear", headers=auth)
    assert c.post("/api/ledger/bookings", json=body, headers=auth).status_code == 201
