"""The operations board over HTTP: the ledger's board as JSON, an ETag that answers 304 while nothing changed,
and one booking's rebooking options."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from intermodal import ledger as lg
from intermodal.io import load_scenario
from intermodal.ledger.operations import operations_board
from intermodal.ledger.schedule import schedule_departures
from intermodal.services.api import Settings, create_app

AT = "2020-04-06T08:00+08:00"
EAST = "shuttle-east@2020-04-06T20:00+08:00"


@pytest.fixture
def served(
    settings: Settings, tmp_path: Path, token: str
) -> Iterator[tuple[TestClient, dict[str, str], str]]:
    url = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    bundle = load_scenario("chongqing")
    with lg.open_ledger(url) as db:
        schedule_departures(db, bundle, start=dt.date(2020, 4, 6), end=dt.date(2020, 4, 8))
        lg.book(
            db,
            idempotency_key="east-1",
            departures=[EAST],
            shipper="Fruit Co",
            teu=2,
            tonnes="17.2",
            customs_status="bonded",
            now=dt.datetime(2020, 4, 1, tzinfo=dt.UTC),
        )
    with TestClient(create_app(dataclasses.replace(settings, ledger_url=url))) as c:
        yield c, {"Authorization": f"Bearer {token}"}, url


def test_the_board_is_the_ledgers_and_polls_with_an_etag(
    served: tuple[TestClient, dict[str, str], str],
) -> None:
    c, auth, url = served
    answer = c.get("/api/operations", params={"at": AT})
    assert answer.status_code == 200, answer.text
    with lg.open_ledger(url) as db:
        expected = operations_board(db, load_scenario("chongqing"), at=AT).to_dict()
    assert answer.json() == expected
    east = next(d for d in answer.json()["departures"] if d["ref"] == EAST)
    assert east["booked_teu"] == 2.0 and east["capacity_teu"] == 2.0 and east["free_teu"] == 0.0

    tag = answer.headers["etag"]
    same = c.get("/api/operations", params={"at": AT}, headers={"If-None-Match": tag})
    assert same.status_code == 304 and same.content == b""
    assert (
        c.get("/api/operations", params={"at": AT}, headers={"If-None-Match": f"W/{tag}"}).status_code == 304
    )

    # a change on the board changes the tag: a disruption breaks the East box
    made = c.post(
        "/api/disruptions",
        json={
            "kind": "crossing",
            "target": "youyiguan",
            "start": AT,
            "end": "2020-04-20T00:00+08:00",
            "as_of": AT,
        },
        headers=auth,
    )
    assert made.status_code == 201, made.text
    changed = c.get("/api/operations", params={"at": AT}, headers={"If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["etag"] != tag
    [disruption] = changed.json()["disruptions"]
    assert [b["idempotency_key"] for b in disruption["broken"]] == ["east-1"]


def test_rebooking_options_are_the_ones_rebook_takes(served: tuple[TestClient, dict[str, str], str]) -> None:
    c, auth, _ = served
    assert c.get("/api/ledger/bookings/east-1/rebooking", params={"as_of": AT}).json() == {
        "broken": False,
        "booking": None,
    }
    c.post(
        "/api/disruptions",
        json={
            "kind": "crossing",
            "target": "youyiguan",
            "start": AT,
            "end": "2020-04-20T00:00+08:00",
            "as_of": AT,
        },
        headers=auth,
    )
    found = c.get("/api/ledger/bookings/east-1/rebooking", params={"as_of": AT}).json()
    assert found["broken"] is True and found["idempotency_key"] == "east-1" and found["options"]
    second = found["options"][1] if len(found["options"]) > 1 else found["options"][0]
    moved = c.post(
        "/api/ledger/bookings/east-1/rebook", json={"option": second["rank"], "as_of": AT}, headers=auth
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["booking"]["departures"] == [g["departure"] for g in second["legs"] if g["service"]]
    assert c.get("/api/ledger/bookings/east-1/rebooking", params={"as_of": AT}).json()["broken"] is False


def test_bad_input_names_the_field(served: tuple[TestClient, dict[str, str], str]) -> None:
    c, _, _ = served
    bad = c.get("/api/operations", params={"at": "soon"})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_request"
    assert bad.json()["errors"][0]["field"] == "at"
    long = c.get("/api/operations", params={"at": "2" * 41})
    assert long.status_code == 422
    missing = c.get("/api/ledger/bookings/nobody/rebooking")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    assert c.get("/api/ledger/bookings/east-1/rebooking", params={"as_of": "1900-01-01"}).status_code == 422
