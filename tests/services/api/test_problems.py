"""Every problem code: documented in docs/api.md with its status, and answered when its cause occurs."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from intermodal import ledger as lg
from intermodal.exceptions import Problem as LibraryProblem
from intermodal.io import load_scenario
from intermodal.services.api import Settings, create_app
from intermodal.services.api import _views as views
from intermodal.services.api.problems import CODES, FieldError, field_errors, problem

from .conftest import README_QUERY

DOCS = Path(__file__).resolve().parents[3] / "docs" / "api.md"
JSON = {"content-type": "application/json"}


def _documented() -> dict[str, int]:
    text = DOCS.read_text(encoding="utf-8")
    errors = text[text.index("## Errors") : text.index("## Tokens")]
    return {m[1]: int(m[2]) for m in re.finditer(r"^\| `(\w+)` \| (\d{3}) \|", errors, re.MULTILINE)}


def test_docs_list_every_code_with_its_status() -> None:
    assert _documented() == CODES


def test_an_undocumented_code_is_refused() -> None:
    with pytest.raises(ValueError, match="not one of CODES"):
        problem(400, instance="/", code="bad_vibes")


def test_a_lone_surrogate_renders_as_an_escape() -> None:
    answer = problem(
        422, instance="/api/routes", errors=[FieldError(field="from", message="x", found="\ud800")]
    )
    assert b'"found":"\\ud800"' in answer.body


@pytest.fixture
def ledger_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    with lg.open_ledger(url) as db:
        service = load_scenario("chongqing").service("shuttle-middle")
        lg.upsert_lines(db, [lg.line_from_service(service, zone="Asia/Shanghai")])
    return url


def _overbook(c: TestClient, auth: dict[str, str]) -> httpx.Response:
    new = {"line": "shuttle-middle", "departs": "2020-04-03T09:00+08:00", "capacity_teu": 1}
    ref = c.post("/api/ledger/departures", json=new, headers=auth).json()["ref"]
    booking = {"idempotency_key": "k", "departures": [ref], "shipper": "A", "teu": 2, "tonnes": 17}
    booking["customs_status"] = "cleared"
    return c.post("/api/ledger/bookings", json=booking, headers=auth)


def _reefer_overbook(c: TestClient, auth: dict[str, str]) -> httpx.Response:
    # 2 TEU fit the truck, but it powers only 1 TEU of reefer boxes
    new = {"line": "shuttle-middle", "departs": "2020-04-03T09:00+08:00", "reefer_plugs_teu": 1}
    ref = c.post("/api/ledger/departures", json=new, headers=auth).json()["ref"]
    booking = {"idempotency_key": "k", "departures": [ref], "shipper": "A", "teu": 2, "tonnes": 17}
    booking |= {"customs_status": "cleared", "cargo_class": "reefer"}
    return c.post("/api/ledger/bookings", json=booking, headers=auth)


def _stale_quote(c: TestClient, auth: dict[str, str], *, expired: bool) -> httpx.Response:
    with lg.open_ledger(c.app.state.settings.ledger_url) as db:  # type: ignore[attr-defined]
        departure = lg.create_departure(db, "shuttle-middle", "2020-04-03T09:00+08:00")
        leg = {"service": "shuttle-middle", "departure": departure.ref, "cost": 1.0, "currency": "CNY"}
        made = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1 if expired else 0)
        quote = lg.create_quote(db, {"legs": [leg]}, teu=1, tonnes=1, now=made)
        if not expired:
            lg.release_quote(db, quote.id)
    body = {"idempotency_key": "k", "shipper": "A", "customs_status": "cleared"}
    return c.post(f"/api/quotes/{quote.id}/book", json=body, headers=auth)


def _rebook_unbroken(c: TestClient, auth: dict[str, str]) -> httpx.Response:
    with lg.open_ledger(c.app.state.settings.ledger_url) as db:  # type: ignore[attr-defined]
        departure = lg.create_departure(db, "shuttle-middle", "2020-04-03T09:00+08:00")
        lg.book(
            db,
            idempotency_key="k",
            departures=[departure.ref],
            shipper="A",
            teu=1,
            tonnes=1,
            customs_status="cleared",
        )
    return c.post("/api/ledger/bookings/k/rebook", json={"option": 1}, headers=auth)


def _disrupted(c: TestClient, auth: dict[str, str]) -> httpx.Response:
    with lg.open_ledger(c.app.state.settings.ledger_url) as db:  # type: ignore[attr-defined]
        departure = lg.create_departure(db, "shuttle-middle", "2020-04-03T09:00+08:00")
        lg.add_disruption(db, load_scenario("chongqing"), kind="departure", target=departure.ref)
    booking = {"idempotency_key": "k", "departures": [departure.ref], "shipper": "A", "teu": 1, "tonnes": 1}
    booking["customs_status"] = "cleared"
    return c.post("/api/ledger/bookings", json=booking, headers=auth)


def _preflight(c: TestClient, auth: dict[str, str]) -> httpx.Response:
    asking = {"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    return c.options("/api/routes", headers=asking)


def _broken(*args: object, **kwargs: object) -> None:
    raise RuntimeError("a bug")


def _unexportable(c: TestClient, auth: dict[str, str]) -> httpx.Response:
    # an arrival with only a container number: DCSA needs the transport (departure) it arrived by
    lone = {"kind": "arrived", "at": "2020-04-07T09:00", "place": "bangkok", "equipment_ref": "DEMU3054382"}
    c.post("/api/ledger/events", json=lone, headers=auth)
    return c.get("/api/ledger/events", params={"format": "dcsa"})


# each code, and a request that causes it: (settings changed, request)
Ask = Callable[[TestClient, dict[str, str]], httpx.Response]
CAUSES: dict[str, tuple[dict[str, object], Ask]] = {
    "malformed_json": ({}, lambda c, a: c.post("/api/routes", content=b"{", headers=JSON)),
    "unauthorized": ({}, lambda c, a: c.put("/api/scenarios/mine", content=b"PK")),
    "forbidden": ({"cors_origins": ("https://hub.example",)}, _preflight),
    "not_found": ({}, lambda c, a: c.get("/api/scenarios/atlantis")),
    "method_not_allowed": ({}, lambda c, a: c.delete("/api/routes")),
    "capacity_exceeded": ({"ledger_url": "..."}, _overbook),
    "reefer_plugs_exceeded": ({"ledger_url": "..."}, _reefer_overbook),
    "quote_expired": ({"ledger_url": "..."}, lambda c, a: _stale_quote(c, a, expired=True)),
    "quote_closed": ({"ledger_url": "..."}, lambda c, a: _stale_quote(c, a, expired=False)),
    "not_rebookable": ({"ledger_url": "..."}, _rebook_unbroken),
    "disrupted": ({"ledger_url": "..."}, _disrupted),
    "body_too_large": (
        {},
        lambda c, a: c.post("/api/routes", content=b"[" + b" " * 70_000 + b"]", headers=JSON),
    ),
    "unsupported_media_type": ({}, lambda c, a: c.post("/api/routes", content=b"<q/>")),
    "invalid_request": ({}, lambda c, a: c.post("/api/routes", json={**README_QUERY, "teu": -1})),
    "no_route": (
        {},
        lambda c, a: c.post("/api/routes", json={**README_QUERY, "due": "2020-04-04T08:00+08:00"}),
    ),
    "limit_exceeded": ({"max_labels": 20}, lambda c, a: c.post("/api/routes", json=README_QUERY)),
    "internal_error": ({"broken": True}, lambda c, a: c.get("/api/scenarios/chongqing/terminals")),
    "search_timeout": ({"query_seconds": 1e-6}, lambda c, a: c.post("/api/routes", json=README_QUERY)),
    "not_exportable": ({"ledger_url": "..."}, lambda c, a: _unexportable(c, a)),
    "dcsa_invalid": (
        {"ledger_url": "..."},
        lambda c, a: c.post("/api/ledger/events/dcsa", json=[{"eventType": "TRANSPORT"}], headers=a),
    ),
    "service_unavailable": (
        {"ledger_url": "/no/such/folder/ledger.sqlite3"},
        lambda c, a: c.get("/api/ledger/lines"),
    ),
}


def test_every_code_has_a_cause() -> None:
    assert set(CAUSES) == set(CODES)


@pytest.mark.parametrize("code", sorted(CAUSES))
def test_the_app_answers_each_code(
    code: str, settings: Settings, token: str, ledger_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    changes, ask = CAUSES[code]
    changes = dict(changes)
    if changes.pop("broken", False):
        monkeypatch.setattr(views, "terminal_views", _broken)
    if changes.get("ledger_url") == "...":
        changes["ledger_url"] = ledger_url
    with TestClient(create_app(dataclasses.replace(settings, **changes))) as c:  # type: ignore[arg-type]
        answer = ask(c, {"Authorization": f"Bearer {token}"})
    assert answer.status_code == CODES[code], answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["code"] == code


def test_repeated_problems_come_as_a_few_and_a_count() -> None:
    many = [
        LibraryProblem("unknown route_type", file="routes.txt", row=2 + i, field="route_type", found="99")
        for i in range(4_000)
    ]
    errors = field_errors([*many, LibraryProblem("unknown place", field="to", found="atlantis")])
    assert len(errors) == 5
    assert [e.row for e in errors[:3]] == [2, 3, 4]
    assert errors[3].code == "repeated" and "3,997 more like this (lines 5–4001)" in errors[3].message
    assert errors[4].field == "to"
