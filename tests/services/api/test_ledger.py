"""The ledger over HTTP: departures, bookings without overbooking, events, reports; writes need a token."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from intermodal import ledger as lg
from intermodal.io import load_scenario
from intermodal.ledger.schedule import schedule_departures
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
    booking = {
        "idempotency_key": "k1",
        "departures": [ref],
        "shipper": "A",
        "teu": 2,
        "tonnes": 17.2,
        "customs_status": "cleared",
    }
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
    booking = {
        "idempotency_key": "u1",
        "departures": [ref],
        "shipper": "A",
        "teu": 1,
        "tonnes": 5,
        "customs_status": "bonded",
    }
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


def _problem(answer: Any, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = answer.json()
    return body


@pytest.mark.parametrize("key", ["99999999999999999999999", str(2**63), "9" * 120])
def test_an_id_beyond_64_bits_is_404(ledger_client: tuple[TestClient, dict], key: str) -> None:
    client, auth = ledger_client
    body = _problem(client.get(f"/api/ledger/departures/{key}"), 404)
    assert "no id is that large" in body["detail"]
    _problem(client.get(f"/api/ledger/bookings/{key}"), 404)  # digits may be an idempotency key: unknown
    _problem(client.post(f"/api/ledger/bookings/{key}/cancel", headers=auth), 422)
    _problem(
        client.post(f"/api/ledger/departures/{key}/status", json={"status": "departed"}, headers=auth), 422
    )
    _problem(client.get("/api/ledger/bookings", params={"departure": key}), 422)


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (
            "/api/ledger/departures",
            {"line": "shuttle-middle", "departs": "1900-04-03T09:00+08:00"},
            "departs",
        ),
        ("/api/ledger/departures", {"line": "shuttle-middle", "departs": "9999-12-31T23:59"}, "departs"),
        ("/api/ledger/bookings", {"tonnes": 0}, "tonnes"),
        ("/api/ledger/bookings", {"equipment_ref": "NOTACONTAINER"}, "equipment_ref"),
        ("/api/ledger/bookings", {"departures": ["99999999999999999999999"]}, "legs[0].departure"),
        ("/api/ledger/events", {"place": "nowhere"}, "place"),
        ("/api/ledger/events", {"at": "0001-01-01T00:00+08:00"}, "at"),
        ("/api/ledger/events", {"equipment_ref": "CSQU3054384"}, "equipment_ref"),
    ],
)
def test_values_out_of_bounds_are_422_naming_the_field(
    ledger_client: tuple[TestClient, dict], path: str, body: dict[str, Any], field: str
) -> None:
    client, auth = ledger_client
    ref = client.post(
        "/api/ledger/departures",
        json={"line": "shuttle-middle", "departs": "2020-04-03T09:00+08:00"},
        headers=auth,
    ).json()["ref"]
    base = {
        "/api/ledger/departures": {},
        "/api/ledger/bookings": {
            "idempotency_key": "b",
            "departures": [ref],
            "shipper": "A",
            "teu": 1,
            "tonnes": 1,
            "customs_status": "bonded",
        },
        "/api/ledger/events": {
            "kind": "gate-in",
            "at": "2020-04-03T05:00+08:00",
            "place": "nanpeng",
            "departure": ref,
        },
    }[path]
    problem = _problem(client.post(path, json={**base, **body}, headers=auth), 422)
    assert field in {e.get("field") for e in problem["errors"]} or problem.get("field") == field
    assert client.get("/api/ledger/bookings").json() == []
    assert client.get("/api/ledger/events").json() == []


# Values at the edges of their types, as JSON: numbers beyond a double, a Decimal's precision and 64 bits,
# signed zero, NaN and infinities (which Python's JSON writes), dates at years 1 and 9999, long digit strings.
EDGES: list[Any] = [
    1e308,
    -0.0,
    float("nan"),
    float("-inf"),
    2**63,
    -(2**63) - 1,
    10**400,
    "9" * 5000,
    "1e-999999999",
    "0001-01-01T00:00+08:00",
    "9999-12-31T23:59:59-12:00",
    "0001",
    "",
    "\x00",
    None,
    [],
]


@pytest.mark.parametrize(
    ("path", "field"),
    [
        *[
            ("/api/ledger/departures", f)
            for f in ("line", "departs", "vehicle", "capacity_teu", "capacity_kg")
        ],
        *[
            ("/api/ledger/bookings", f)
            for f in (
                "idempotency_key",
                "departures",
                "shipper",
                "teu",
                "tonnes",
                "value",
                "currency",
                "equipment_ref",
            )
        ],
        *[
            ("/api/ledger/events", f)
            for f in ("at", "place", "zone", "equipment_ref", "booking", "departure")
        ],
    ],
)
def test_no_edge_value_in_a_write_is_a_500(
    ledger_client: tuple[TestClient, dict], path: str, field: str
) -> None:
    client, auth = ledger_client
    client.post(
        "/api/ledger/departures", json={"line": "shuttle-middle", "departs": "2020-04-03T09:00"}, headers=auth
    )
    base: dict[str, Any] = {
        "/api/ledger/departures": {"line": "shuttle-middle", "departs": "2020-04-04T09:00"},
        "/api/ledger/bookings": {
            "idempotency_key": "b",
            "departures": ["1"],
            "shipper": "A",
            "teu": 1,
            "tonnes": 1,
            "customs_status": "bonded",
        },
        "/api/ledger/events": {
            "kind": "gate-in",
            "at": "2020-04-03T05:00",
            "place": "nanpeng",
            "departure": "1",
        },
    }[path]
    for edge in EDGES:
        value = [edge] if field == "departures" else edge
        answer = client.post(
            path,
            content=json.dumps({**base, field: value}),
            headers={**auth, "content-type": "application/json"},
        )
        assert answer.status_code < 500, f"{field}={str(edge)[:30]!r}: {answer.text[:300]}"
        if answer.status_code >= 400:
            _problem(answer, answer.status_code)


@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("/api/ledger/departures", "start"),
        ("/api/ledger/departures", "limit"),
        ("/api/ledger/bookings", "departure"),
        ("/api/ledger/bookings", "limit"),
        ("/api/ledger/events", "booking"),
        ("/api/ledger/events", "departure"),
        ("/api/ledger/events", "equipment_ref"),
        ("/api/ledger/reports/throughput", "period"),
        ("/api/ledger/departures/{}", None),
        ("/api/ledger/bookings/{}", None),
    ],
)
def test_no_edge_value_in_a_read_is_a_500(
    ledger_client: tuple[TestClient, dict], path: str, param: str | None
) -> None:
    client, _ = ledger_client
    for edge in EDGES:
        text = json.dumps(edge) if not isinstance(edge, str) else edge
        if param is None:
            answer = client.get(path.format(quote(text, safe="") or "%20"))
        else:
            answer = client.get(
                path,
                params={
                    param: text,
                    **({"period": "2020Q1"} if "reports" in path and param != "period" else {}),
                },
            )
        assert answer.status_code < 500, f"{param}={text[:30]!r}: {answer.text[:300]}"
        if answer.status_code >= 400:
            _problem(answer, answer.status_code)


def test_a_booking_without_its_customs_status_is_422(ledger_client: tuple[TestClient, dict]) -> None:
    client, auth = ledger_client
    departure = {"line": "shuttle-middle", "departs": "2020-04-03T09:00+08:00"}
    ref = client.post("/api/ledger/departures", json=departure, headers=auth).json()["ref"]
    booking = {"idempotency_key": "c", "departures": [ref], "shipper": "A", "teu": 1, "tonnes": 1}
    problem = _problem(client.post("/api/ledger/bookings", json=booking, headers=auth), 422)
    assert problem["errors"][0]["field"] == "customs_status"
    assert client.get("/api/ledger/bookings").json() == []


def test_the_issue_reproduction_a_full_departure_is_not_offered_and_class_1_1_is_refused(
    ledger_client: tuple[TestClient, dict],
) -> None:
    client, auth = ledger_client
    query = {
        "from": "nanpeng",
        "to": "bangkok",
        "teu": 2,
        "cargo": "reefer",
        "ready": "2020-04-06T08:00+08:00",
    }
    window = {"from": "2020-04-06", "to": "2020-04-12"}
    made = client.post("/api/ledger/schedule", json=window, headers=auth).json()
    assert made["created"] > 100
    assert client.post("/api/ledger/schedule", json=window, headers=auth).json()["created"] == 0
    offered = client.post("/api/routes", json=query).json()["options"][0]["legs"][0]
    assert offered["free_teu"] == 2.0 and offered["free_reefer"] == 2.0  # a shuttle truck: 2 TEU of plugs
    booking = {
        "idempotency_key": "fill",
        "departures": [offered["departure"]],
        "shipper": "A",
        "teu": 2,
        "tonnes": 17.2,
        "cargo_class": "reefer",
        "customs_status": "bonded",
    }
    assert client.post("/api/ledger/bookings", json=booking, headers=auth).status_code == 201
    after = client.post("/api/routes", json=query).json()
    assert all(leg["departure"] != offered["departure"] for o in after["options"] for leg in o["legs"])
    assert any(offered["departure"] in n for n in after["notes"])
    filled = client.get(f"/api/ledger/departures/{offered['departure']}").json()
    assert (filled["booked_reefer_teu"], filled["free_reefer"]) == (2.0, 0.0)
    # the planner does not carry class 1.1 on the middle line, and neither does the ledger
    middle = next(
        d
        for d in client.get("/api/ledger/departures", params={"line": "shuttle-middle"}).json()
        if d["free_teu"]
    )
    dg = {
        **booking,
        "idempotency_key": "dg",
        "departures": [middle["ref"]],
        "cargo_class": "dg:1.1",
        "teu": 1,
    }
    refused = client.post("/api/ledger/bookings", json=dg, headers=auth)
    assert refused.status_code == 422 and "class 1.1" in refused.text
    assert refused.json()["code"] == "invalid_request"


def test_a_ledger_made_after_the_servers_start_gives_route_queries_its_room(
    settings: Settings, tmp_path: Path
) -> None:
    # a route query neither makes the ledger nor stops looking for it: once another process has made it,
    # the next query offers the room on its departures
    path = tmp_path / "ledger.sqlite3"
    query = {
        "from": "nanpeng",
        "to": "bangkok",
        "teu": 2,
        "cargo": "reefer",
        "ready": "2020-04-06T08:00+08:00",
    }
    with TestClient(create_app(dataclasses.replace(settings, ledger_url=f"sqlite:///{path}"))) as client:
        for _ in range(2):
            before = client.post("/api/routes", json=query)
            assert before.status_code == 200, before.text
            assert all(leg["free_teu"] is None for o in before.json()["options"] for leg in o["legs"])
        assert not path.exists()
        with lg.open_ledger(f"sqlite:///{path}") as db:
            schedule_departures(
                db, load_scenario("chongqing"), start=dt.date(2020, 4, 6), end=dt.date(2020, 4, 12)
            )
        after = client.post("/api/routes", json=query).json()
    assert after["options"][0]["legs"][0]["free_teu"] == 2.0


DCSA_EXAMPLES = Path(__file__).resolve().parents[2] / "data" / "dcsa" / "tnt-220-response.json"


def _middle_booking(client: TestClient, auth: dict) -> int:
    booking = {
        "idempotency_key": "K2",
        "departures": ["shuttle-middle@2020-04-03T09:00+08:00"],
        "shipper": "Fruit Co",
        "teu": 2,
        "tonnes": 17,
        "customs_status": "bonded",
        "equipment_ref": "DEMU3054382",
    }
    made = client.post("/api/ledger/bookings", json=booking, headers=auth)
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


def test_a_bookings_eta_moves_with_a_late_event(ledger_client: tuple[TestClient, dict]) -> None:
    client, auth = ledger_client
    booking = _middle_booking(client, auth)
    first = client.get(f"/api/ledger/bookings/{booking}/eta")
    assert first.status_code == 200, first.text
    assert first.json()["eta"] == "2020-04-07T09:00:00+07:00" and first.json()["stored_event"] is not None
    assert client.get(f"/api/ledger/bookings/{booking}/eta").json()["stored_event"] is None  # unchanged
    late = {"kind": "arrived", "at": "2020-04-04T22:00", "place": "mohan", "booking": "K2"}
    assert client.post("/api/ledger/events", json=late, headers=auth).status_code == 201
    moved = client.get("/api/ledger/bookings/K2/eta").json()
    assert moved["eta"] == "2020-04-07T12:00:00+07:00" and moved["delay_h"] == 3
    # the same answer at the path the tracking is also known by, outside the ledger's own
    assert client.get("/api/bookings/K2/eta").json() == {**moved, "stored_event": None}
    assert client.get("/api/bookings/nobody/eta").status_code == 404
    apart = client.get(f"/api/ledger/bookings/{booking}/events").json()
    assert [len(apart[c]) for c in ("PLN", "EST", "ACT")] == [10, 2, 1]
    assert client.get("/api/ledger/bookings/nobody/eta").status_code == 404
    dcsa = client.get(f"/api/ledger/bookings/{booking}/events", params={"format": "dcsa"}).json()
    assert {m["eventClassifierCode"] for m in dcsa} == {"PLN", "EST", "ACT"}
    est = client.get("/api/ledger/events", params={"format": "dcsa", "classifier": "EST"}).json()
    assert [m["transportCall"]["UNLocationCode"] for m in est] == ["THBKK", "THBKK"]


def test_dcsa_events_import_over_http(ledger_client: tuple[TestClient, dict]) -> None:
    client, auth = ledger_client
    examples = json.loads(DCSA_EXAMPLES.read_text(encoding="utf-8"))
    assert client.post("/api/ledger/events/dcsa", json=examples).status_code == 401
    added = client.post("/api/ledger/events/dcsa", json=examples, headers=auth)
    assert added.status_code == 201 and added.json() == {"added": 7, "known": 0}
    again = client.post("/api/ledger/events/dcsa", json=examples, headers=auth)
    assert again.status_code == 200 and again.json() == {"added": 0, "known": 7}
    bad = client.post(
        "/api/ledger/events/dcsa", json=[{**examples[0], "eventDateTime": "soon"}], headers=auth
    )
    assert bad.status_code == 422 and bad.json()["code"] == "dcsa_invalid"
    assert bad.json()["field"] == "[0].eventDateTime"
    exported = client.get("/api/ledger/events", params={"format": "dcsa"}).json()
    assert sorted(m["eventID"] for m in exported) == sorted(m["eventID"] for m in examples)


def test_an_event_the_standard_cannot_carry_is_a_409(ledger_client: tuple[TestClient, dict]) -> None:
    client, auth = ledger_client
    lone = {"kind": "arrived", "at": "2020-04-07T09:00", "place": "bangkok", "equipment_ref": "DEMU3054382"}
    assert client.post("/api/ledger/events", json=lone, headers=auth).status_code == 201
    answer = client.get("/api/ledger/events", params={"format": "dcsa"})
    assert answer.status_code == 409 and answer.json()["code"] == "not_exportable"
    assert answer.json()["field"] == "events[1]"
