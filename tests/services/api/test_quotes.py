"""Quotes over HTTP: the server prices an option and holds its room; booking it takes that room once."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from intermodal import ledger as lg
from intermodal.services.api import Settings, create_app

from .conftest import README_QUERY


@pytest.fixture
def quotes_client(settings: Settings, tmp_path: Path, token: str) -> Iterator[tuple[TestClient, dict]]:
    url = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    lg.open_ledger(url).dispose()
    with TestClient(create_app(dataclasses.replace(settings, ledger_url=url))) as c:
        yield c, {"Authorization": f"Bearer {token}"}


def test_quote_then_book_takes_the_held_room_once(quotes_client: tuple[TestClient, dict]) -> None:
    client, auth = quotes_client
    routes = client.post("/api/routes", json=README_QUERY).json()
    chosen = routes["options"][1]
    body = {"query": README_QUERY, "option_id": chosen["id"], "hold_minutes": 10}
    assert client.post("/api/quotes", json=body).status_code == 401
    made = client.post("/api/quotes", json=body, headers=auth)
    assert made.status_code == 201, made.text
    quote = made.json()
    assert sum(Decimal(i["amount"]) for i in quote["line_items"]) == Decimal(quote["total"])
    assert len(quote["line_items"]) == len(chosen["legs"]) + len(chosen["hubs"])
    assert quote["option"]["id"] == chosen["id"] and quote["status"] == "open"
    assert quote["co2e_kg_wtw"] == pytest.approx(chosen["total"]["co2e_kg_wtw"], abs=0.05)
    # held, not booked (the ledger's tests check that searches and bookings count the hold)
    for ref in quote["departures"]:
        departure = client.get(f"/api/ledger/departures/{ref}").json()
        assert departure["booked_teu"] == 0
    assert client.get(f"/api/quotes/{quote['id']}").json() == quote

    order = {"idempotency_key": "o-1", "shipper": "ACME", "customs_status": "bonded"}
    booked = client.post(f"/api/quotes/{quote['id']}/book", json=order, headers=auth)
    assert booked.status_code == 201, booked.text
    assert booked.json()["departures"] == quote["departures"]
    replay = client.post(f"/api/quotes/{quote['id']}/book", json=order, headers=auth)
    assert replay.status_code == 200 and replay.json()["id"] == booked.json()["id"]
    other = client.post(
        f"/api/quotes/{quote['id']}/book", json={**order, "idempotency_key": "o-2"}, headers=auth
    )
    assert other.status_code == 409 and other.json()["code"] == "quote_closed"
    for ref in quote["departures"]:
        assert client.get(f"/api/ledger/departures/{ref}").json()["booked_teu"] == 2
    assert client.get(f"/api/quotes/{quote['id']}").json()["status"] == "booked"
    released = client.post(f"/api/quotes/{quote['id']}/release", headers=auth)
    assert released.status_code == 409 and released.json()["code"] == "quote_closed"


def test_release_frees_the_room_and_bad_requests_name_their_field(
    quotes_client: tuple[TestClient, dict],
) -> None:
    client, auth = quotes_client
    quote = client.post("/api/quotes", json={"query": README_QUERY, "option": 1}, headers=auth).json()
    first = client.post(f"/api/quotes/{quote['id']}/release", headers=auth).json()
    again = client.post(f"/api/quotes/{quote['id']}/release", headers=auth).json()
    assert (first["released"], first["status"], again["released"]) == (True, "released", False)
    missing = client.get("/api/quotes/999")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    order = {"idempotency_key": "k", "shipper": "A", "customs_status": "cleared"}
    assert client.post("/api/quotes/999/book", json=order, headers=auth).status_code == 404
    for bad, field in [
        ({"query": {**README_QUERY, "teu": -1}}, "query.teu"),
        ({"query": README_QUERY, "option": 0}, "option"),
        ({"query": README_QUERY, "option": 40}, "option"),
        ({"query": README_QUERY, "option_id": "nope"}, "option_id"),
        ({"query": README_QUERY, "hold_minutes": 0}, "hold_minutes"),
        ({"query": {**README_QUERY, "from": "atlantis"}}, "query.from"),
    ]:
        answer = client.post("/api/quotes", json=bad, headers=auth)
        assert answer.status_code == 422, answer.text
        assert answer.json()["code"] == "invalid_request" and answer.json()["field"] == field, answer.text
    bad_order = client.post(
        f"/api/quotes/{quote['id']}/book", json={**order, "customs_status": "maybe"}, headers=auth
    )
    assert bad_order.status_code == 422 and bad_order.json()["field"] == "customs_status"


def test_a_quote_search_past_its_budget_answers_503(settings: Settings, tmp_path: Path, token: str) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    with TestClient(create_app(dataclasses.replace(settings, ledger_url=url, query_seconds=1e-6))) as client:
        answer = client.post(
            "/api/quotes", json={"query": README_QUERY}, headers={"Authorization": f"Bearer {token}"}
        )
    assert answer.status_code == 503 and answer.json()["code"] == "search_timeout"
