"""The ledger commands end to end: demo-data and report (the "done when"), bookings, events, CSV, charts.

Each test runs the real typer app against its own SQLite file (the library's tests cover PostgreSQL).
"""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from intermodal.services.cli import app

runner = CliRunner()


def _run(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result.output


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "ledger.sqlite3")


def test_demo_data_then_report_prints_the_seeds_figures(db: str) -> None:
    _run("demo-data", "--db", db, "--no-events")
    doc = json.loads(_run("report", "--period", "2020Q1", "--format", "json", "--db", db))
    total = doc["total"]
    assert (total["trips"], total["teu"]) == (403, 806)
    assert total["tonnes"] == pytest.approx(6900, rel=0.005)
    assert total["value"] == pytest.approx(167_000_000, rel=0.005)
    assert total["growth_yoy"]["trips"] == pytest.approx(1.18, abs=0.01)
    assert total["growth_yoy"]["tonnes"] == pytest.approx(2.86, abs=0.01)
    assert total["growth_yoy"]["value"] == pytest.approx(0.91, abs=0.01)
    table = _run("report", "--period", "2020Q1", "--by", "line", "--db", db)
    assert "403" in table and "806" in table and "+117.8%" in table
    by_month = _run("report", "--period", "2020Q1", "--by", "month", "--format", "csv", "--db", db)
    rows = list(csv.DictReader(by_month.splitlines()))
    assert [r["key"] for r in rows] == ["2020-01", "2020-02", "2020-03", "total"]
    assert sum(int(r["trips"]) for r in rows[:3]) == int(rows[3]["trips"]) == 403


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_report_draws_a_chart(db: str, tmp_path: Path, suffix: str) -> None:
    _run("demo-data", "--db", db, "--no-events")
    chart = tmp_path / f"q1{suffix}"
    _run(
        "report", "--period", "2020Q1", "--by", "line", "--chart", str(chart), "--format", "json", "--db", db
    )
    head = chart.read_bytes()[:200]
    assert head.startswith(b"\x89PNG") if suffix == ".png" else b"<svg" in chart.read_bytes()[:2000]


def test_bad_input_gets_one_line_per_problem_and_exit_2(db: str) -> None:
    out = _run("report", "--period", "2020Q5", "--db", db, code=2)
    assert "not a period" in out
    _run("report", "--period", "2020Q1", "--by", "week", "--db", db, code=2)
    _run("report", "--period", "2020Q1", "--chart", "x.gif", "--db", db, code=2)
    out = _run(
        "ledger",
        "book",
        "--key",
        "k",
        "--shipper",
        "X",
        "--teu",
        "1",
        "--tonnes",
        "1",
        "--customs",
        "cleared",
        "--db",
        db,
        code=2,
    )
    assert "--departure" in out and "--itinerary" in out


def test_a_booking_round_trip_through_the_cli(db: str, tmp_path: Path) -> None:
    assert "lines from scenario chongqing" in _run("ledger", "init", "--db", db)
    made = json.loads(
        _run(
            "ledger",
            "add-departure",
            "shuttle-middle",
            "2020-04-03T09:00",
            "--vehicle",
            "渝A12345",
            "--format",
            "json",
            "--db",
            db,
        )
    )[0]
    assert made["ref"] == "shuttle-middle@2020-04-03T09:00+08:00" and made["capacity_teu"] == 2.0
    book = [
        "ledger",
        "book",
        "--key",
        "k1",
        "--departure",
        made["ref"],
        "--shipper",
        "Fruit Co",
        "--teu",
        "2",
        "--tonnes",
        "17.2",
        "--value",
        "420000",
        "--customs",
        "bonded",
        "--db",
        db,
    ]
    _run(*book)
    assert "booked before" in _run(*book)  # a retry books nothing new
    over = _run(
        "ledger",
        "book",
        "--customs",
        "cleared",
        "--key",
        "k2",
        "--departure",
        made["ref"],
        "--shipper",
        "X",
        "--teu",
        "1",
        "--tonnes",
        "1",
        "--db",
        db,
        code=2,
    )
    assert "not enough TEU" in over
    reused = _run(*[a if a != "17.2" else "18" for a in book], code=2)
    assert "different booking" in reused
    _run(
        "ledger",
        "event",
        "gate-in",
        "--at",
        "2020-04-03T05:00",
        "--place",
        "nanpeng",
        "--booking",
        "k1",
        "--equipment",
        "DEMU3054382",
        "--db",
        db,
    )
    events = json.loads(
        _run("ledger", "events", "--equipment", "DEMU3054382", "--format", "json", "--db", db)
    )
    assert events[0]["eventTypeCode"] == "GTIN" and events[0]["eventDateTime"].endswith("+08:00")
    assert "capacity released" in _run("ledger", "cancel", "k1", "--db", db)
    assert "already cancelled" in _run("ledger", "cancel", "k1", "--db", db)
    listed = json.loads(_run("ledger", "departures", "--format", "json", "--db", db))
    assert listed[0]["booked_teu"] == 0
    for table in ("departures", "bookings", "events"):
        _run("ledger", "export", table, str(tmp_path / f"{table}.csv"), "--db", db)
    fresh = str(tmp_path / "copy.sqlite3")
    _run("ledger", "init", "--db", fresh)
    for table in ("departures", "bookings", "events"):
        _run("ledger", "import", table, str(tmp_path / f"{table}.csv"), "--db", fresh)
    _run("ledger", "export", "bookings", str(tmp_path / "again.csv"), "--db", fresh)
    assert (tmp_path / "again.csv").read_text() == (tmp_path / "bookings.csv").read_text()


def test_a_route_option_books_from_its_json(db: str, tmp_path: Path) -> None:
    _run("ledger", "init", "--db", db)
    _run("ledger", "add-departure", "shuttle-middle", "2020-04-03T09:00", "--db", db)
    doc = {
        "options": [
            {
                "rank": 1,
                "legs": [
                    {"service": None, "departure": None, "from": "a", "to": "nanpeng"},
                    {
                        "service": "shuttle-middle",
                        "departure": "shuttle-middle@2020-04-03T09:00+08:00",
                        "from": "nanpeng",
                        "to": "mohan",
                    },
                ],
            }
        ]
    }
    path = tmp_path / "route.json"
    path.write_text(json.dumps(doc))
    booked = json.loads(
        _run(
            "ledger",
            "book",
            "--customs",
            "cleared",
            "--key",
            "r1",
            "--itinerary",
            str(path),
            "--shipper",
            "X",
            "--teu",
            "2",
            "--tonnes",
            "10",
            "--format",
            "json",
            "--db",
            db,
        )
    )[0]
    assert booked["departures"] == ["shuttle-middle@2020-04-03T09:00+08:00"]
    _run(
        "ledger",
        "book",
        "--customs",
        "cleared",
        "--key",
        "r2",
        "--itinerary",
        str(path),
        "--option",
        "2",
        "--shipper",
        "X",
        "--teu",
        "2",
        "--tonnes",
        "10",
        "--db",
        db,
        code=2,
    )


def test_an_export_into_a_missing_folder_exits_2_and_makes_no_folder(db: str, tmp_path: Path) -> None:
    target = tmp_path / "exports" / "bookings.csv"
    out = " ".join(_run("ledger", "export", "bookings", str(target), "--db", db, code=2).split())
    assert "[PATH]" in out and "folder does not exist" in out and str(target) in out
    assert not target.parent.exists() and not Path(db).exists()
    _run("ledger", "export", "bookings", str(tmp_path), "--db", db, code=2)  # a folder, not a file


def test_a_ledger_command_with_a_bad_db_exits_2(tmp_path: Path) -> None:
    for command in (["ledger", "lines"], ["ledger", "departures"], ["ledger", "cancel", "k1"]):
        out = _run(*command, "--db", "redis://localhost/0", code=2)
        assert "[--db]" in out and "unsupported" in out
    _run("ledger", "lines", "--db", str(tmp_path / "nope" / "ledger.sqlite3"), code=2)
    assert not (tmp_path / "nope").exists()


def _bad(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)  # a clean exit, not an exception escaping
    return " ".join(result.output.split())  # rich wraps long lines


@pytest.fixture
def booked(db: str) -> str:
    """A ledger with a departure (id 1) and a booking (key k) on it."""
    _run("ledger", "init", "--db", db)
    _run("ledger", "add-departure", "shuttle-middle", "2020-04-03T09:00", "--capacity-teu", "4", "--db", db)
    _run(
        "ledger",
        "book",
        "--customs",
        "cleared",
        "--key",
        "k",
        "--departure",
        "1",
        "--shipper",
        "X",
        "--teu",
        "1",
        "--tonnes",
        "1",
        "--db",
        db,
    )
    return db


_BOOK = [
    "ledger",
    "book",
    "--key",
    "n",
    "--departure",
    "1",
    "--shipper",
    "X",
    "--teu",
    "1",
    "--tonnes",
    "1",
    "--customs",
    "bonded",
]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        ([*_BOOK, "--teu", "1e30"], "[teu]: too large"),
        ([*_BOOK, "--value", "1e30"], "[value]: too large"),
        ([*_BOOK, "--tonnes", "0"], "[tonnes]: must be greater than 0"),
        ([*_BOOK, "--departure", "99999999999999999999999"], "unknown departure: no id is that large"),
        ([*_BOOK, "--equipment", "NOTACONTAINER"], "[equipment_ref]: not a container number"),
        (["ledger", "add-departure", "shuttle-middle", "1900-04-03T09:00"], "[departs]: date out of range"),
        (
            ["ledger", "add-departure", "shuttle-middle", "2020-04-04T09:00", "--capacity-kg", str(10**30)],
            "too large",
        ),
        (["ledger", "set-status", "99999999999999999999999", "departed"], "no id is that large"),
        (["ledger", "bookings", "--departure", str(2**63)], "no id is that large"),
        (["ledger", "cancel", str(2**64)], "unknown booking"),
        (
            [
                "ledger",
                "event",
                "gate-in",
                "--at",
                "2020-04-03T05:00",
                "--place",
                "nowhere",
                "--booking",
                "k",
            ],
            "[place]: unknown place",
        ),
        (
            [
                "ledger",
                "event",
                "gate-in",
                "--at",
                "2020-04-03T05:00",
                "--place",
                "nanpeng",
                "--booking",
                "k",
                "--scenario",
                "nope",
            ],
            "[--scenario]: no such scenario",
        ),
    ],
)
def test_values_out_of_bounds_exit_2_naming_the_field(booked: str, args: list[str], says: str) -> None:
    assert says in _bad(*args, "--db", booked)
    listed = json.loads(_run("ledger", "bookings", "--format", "json", "--db", booked))
    assert [b["idempotency_key"] for b in listed] == ["k"]  # nothing written


def test_demo_data_for_an_unknown_scenario_exits_2_naming_the_ones_that_exist(db: str) -> None:
    out = _bad("demo-data", "--scenario", "nope", "--db", db)
    assert "[--scenario]: no such scenario" in out and "'nope'" in out and "chongqing, chongqing-world" in out


def test_a_replayed_booking_in_json_has_its_note_on_stderr_and_only_json_on_stdout(booked: str) -> None:
    args = [
        "ledger",
        "book",
        "--customs",
        "cleared",
        "--key",
        "k",
        "--departure",
        "1",
        "--shipper",
        "X",
        "--teu",
        "1",
        "--tonnes",
        "1",
    ]
    result = runner.invoke(app, [*args, "--format", "json", "--db", booked])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["replayed"] is True
    assert "booked before" in result.stderr


# Values at the edges of their types: numbers that overflow floats, Decimals and 64-bit integers, signed
# zeros, NaN, dates at years 1 and 9999, huge strings of digits, empty and control characters.
EDGES = [
    "1e308",
    "-0",
    "nan",
    "-inf",
    "-1",
    str(2**63),
    "9" * 5000,
    "1e-999999999",
    "0001-01-01T00:00+08:00",
    "9999-12-31T23:59",
    "0001",
    "9999",
    "",
    "\x00",
]
_EVENT = ["ledger", "event", "gate-in", "--at", "2020-04-03T05:00", "--place", "nanpeng", "--booking", "k"]
# Each entry point, with {} where an edge value goes.
TEMPLATES = [
    ["ledger", "add-departure", "shuttle-middle", "{}"],
    ["ledger", "add-departure", "{}", "2020-04-05T09:00"],
    ["ledger", "add-departure", "shuttle-middle", "2020-04-06T09:00", "--capacity-teu", "{}"],
    ["ledger", "add-departure", "shuttle-middle", "2020-04-07T09:00", "--capacity-kg", "{}"],
    ["ledger", "add-departure", "shuttle-middle", "2020-04-08T09:00", "--vehicle", "{}"],
    ["ledger", "set-status", "{}", "departed"],
    ["ledger", "departures", "--start", "{}", "--format", "json"],
    ["ledger", "departures", "--limit", "{}"],
    [
        "ledger",
        "book",
        "--key",
        "{}",
        "--departure",
        "1",
        "--shipper",
        "X",
        "--teu",
        "1",
        "--tonnes",
        "1",
        "--customs",
        "bonded",
    ],
    [*_BOOK, "--customs", "{}"],
    [*_BOOK, "--teu", "{}"],
    [*_BOOK, "--tonnes", "{}"],
    [*_BOOK, "--value", "{}"],
    [*_BOOK, "--departure", "{}"],
    [*_BOOK, "--currency", "{}"],
    [*_BOOK, "--equipment", "{}"],
    [*_BOOK, "--shipper", "{}"],
    ["ledger", "cancel", "{}"],
    ["ledger", "bookings", "--departure", "{}", "--format", "json"],
    ["ledger", "event", "gate-in", "--at", "{}", "--place", "nanpeng", "--booking", "k"],
    [*_EVENT, "--place", "{}"],
    [*_EVENT, "--zone", "{}"],
    [*_EVENT, "--equipment", "{}"],
    [*_EVENT, "--booking", "{}"],
    [*_EVENT, "--departure", "{}"],
    ["ledger", "events", "--equipment", "{}", "--format", "json"],
    ["report", "--period", "{}", "--format", "json"],
    ["report", "--period", "2020Q1", "--currency", "{}", "--format", "csv"],
    ["demo-data", "--seed", "{}", "--no-events"],
]


@pytest.mark.parametrize(
    "template", TEMPLATES, ids=lambda t: "-".join(a for a in t if a.startswith("-") or a == "{}")
)
def test_no_edge_value_gets_a_traceback(booked: str, template: list[str]) -> None:
    for edge in EDGES:
        args = [edge if a == "{}" else a for a in template]
        result = runner.invoke(app, [*args, "--db", booked])
        shown = f"{args[:3]} {edge[:20]!r}: {result.output[-500:]}"
        assert result.exit_code in (0, 1, 2), shown
        assert result.exception is None or isinstance(result.exception, SystemExit), shown
        if result.exit_code == 0 and "json" in args:
            json.loads(result.stdout)


def test_a_booking_states_its_customs_status(booked: str) -> None:
    args = [a for a in _BOOK if a not in ("--customs", "bonded")]
    assert "--customs" in _bad(*args, "--db", booked)
    listed = json.loads(_run("ledger", "bookings", "--format", "json", "--db", booked))
    assert [b["customs_status"] for b in listed] == ["cleared"]  # the fixture's, as stated


def test_an_imported_event_at_an_unknown_place_exits_2_naming_row_and_field(
    booked: str, tmp_path: Path
) -> None:
    source = tmp_path / "events.csv"
    source.write_text(
        "kind,at,place,booking\ngate-in,2020-04-03T05:00,nanpeng,k\ngate-in,2020-04-03T06:00,nowhere,k\n"
    )
    out = _bad("ledger", "import", "events", str(source), "--db", booked)
    assert "events.csv:2 [place]: unknown place" in out
    assert json.loads(_run("ledger", "events", "--format", "json", "--db", booked)) == []


ROUTE = ["route", "--from", "nanpeng", "--to", "bangkok", "--teu", "2", "--cargo", "reefer"]
READY = ["--ready", "2020-04-06T08:00+08:00"]


def test_schedule_a_week_fill_a_departure_and_route_stops_offering_it(db: str, tmp_path: Path) -> None:
    # the "done when", as a user types it
    made = json.loads(
        _run(
            "ledger", "schedule", "--from", "2020-04-06", "--to", "2020-04-12", "--db", db, "--format", "json"
        )
    )
    assert made["created"] > 100 and not made["conflicts"]
    again = json.loads(
        _run(
            "ledger", "schedule", "--from", "2020-04-06", "--to", "2020-04-12", "--db", db, "--format", "json"
        )
    )
    assert again["created"] == again["updated"] == again["removed"] == 0
    trip = tmp_path / "trip.json"
    trip.write_text(_run(*ROUTE, *READY, "--format", "json", "--db", db))
    first = json.loads(trip.read_text())["options"][0]["legs"][0]
    assert first["departure"] and first["free_teu"] == 2.0 and first["free_kg"] == 28000.0
    _run(
        "ledger",
        "book",
        "--itinerary",
        str(trip),
        "--key",
        "k1",
        "--shipper",
        "ACME",
        "--teu",
        "2",
        "--tonnes",
        "17.2",
        "--cargo",
        "reefer",
        "--customs",
        "bonded",
        "--db",
        db,
    )
    after = json.loads(_run(*ROUTE, *READY, "--format", "json", "--db", db))
    assert all(leg["departure"] != first["departure"] for o in after["options"] for leg in o["legs"])
    assert any(first["departure"] in note and "no room" in note for note in after["notes"])
    table = _run(*ROUTE, *READY, "--db", db)
    assert "no room" in table
    # the ledger refuses what the planner refuses: class 1.1 on the middle line
    middle = next(
        d
        for d in json.loads(
            _run("ledger", "departures", "--line", "shuttle-middle", "--db", db, "--format", "json")
        )
        if d["free_teu"] > 0
    )
    out = _run(
        "ledger",
        "book",
        "--departure",
        middle["ref"],
        "--key",
        "k2",
        "--shipper",
        "ACME",
        "--teu",
        "1",
        "--tonnes",
        "5",
        "--cargo",
        "dg:1.1",
        "--customs",
        "bonded",
        "--db",
        db,
        code=2,
    )
    assert "does not carry dangerous goods of class 1.1" in out


def test_schedule_reports_bad_dates_and_unknown_services(db: str) -> None:
    out = _run("ledger", "schedule", "--from", "2020-04-06", "--to", "nope", "--db", db, code=2)
    assert "[--to]" in out
    out = _run(
        "ledger",
        "schedule",
        "--from",
        "2020-04-06",
        "--to",
        "2020-04-07",
        "--service",
        "nope",
        "--db",
        db,
        code=2,
    )
    assert "[--service]" in out and "unknown service" in out


def test_route_with_a_ledger_shows_each_legs_room_in_the_table(db: str) -> None:
    _run("ledger", "schedule", "--from", "2020-04-06", "--to", "2020-04-08", "--db", db)
    table = _run(*ROUTE, *READY, "--db", db)
    # reefer cargo: the plugs left too (a shuttle truck powers its 2 TEU)
    assert "shuttle-middle (2 TEU free, 2 TEU of reefer plugs)" in table


DCSA_EXAMPLES = Path(__file__).resolve().parents[2] / "data" / "dcsa" / "tnt-220-response.json"


def _middle_booking(db: str) -> None:
    _run("ledger", "init", "--db", db)
    _run(
        "ledger",
        "book",
        "--key",
        "K2",
        "--departure",
        "shuttle-middle@2020-04-03T09:00+08:00",
        "--shipper",
        "Fruit Co",
        "--teu",
        "2",
        "--tonnes",
        "17",
        "--customs",
        "bonded",
        "--equipment",
        "DEMU3054382",
        "--db",
        db,
    )


def test_eta_moves_with_a_late_event_and_is_stored_as_an_estimate(db: str) -> None:
    _middle_booking(db)
    on_time = json.loads(_run("ledger", "eta", "K2", "--format", "json", "--db", db))
    assert on_time["eta"] == on_time["planned"] == "2020-04-07T09:00:00+07:00"
    _run(
        "ledger",
        "event",
        "arrived",
        "--at",
        "2020-04-04T22:00",
        "--place",
        "mohan",
        "--booking",
        "K2",
        "--db",
        db,
    )
    table = _run("ledger", "eta", "K2", "--db", db)
    assert "ETA 2020-04-07T12:00:00+07:00" in table and "+3.00 h" in table and "stored as EST" in table
    apart = json.loads(_run("ledger", "events", "--booking", "K2", "--format", "json", "--db", db))
    assert [len(apart[c]) for c in ("PLN", "EST", "ACT")] == [10, 2, 1]
    assert [e["eventDateTime"] for e in apart["EST"]] == [
        "2020-04-07T09:00:00+07:00",
        "2020-04-07T12:00:00+07:00",
    ]
    assert "Planned (PLN): 10" in _run("ledger", "events", "--booking", "K2", "--db", db)
    _run("ledger", "eta", "nobody", "--db", db, code=2)


def test_events_export_as_dcsa_and_the_standards_examples_import(db: str, tmp_path: Path) -> None:
    _middle_booking(db)
    _run(
        "ledger",
        "event",
        "departed",
        "--at",
        "2020-04-03T09:05",
        "--place",
        "nanpeng",
        "--booking",
        "K2",
        "--db",
        db,
    )
    out = tmp_path / "k2.json"
    _run("ledger", "events", "export", "--booking", "K2", "--planned", "--out", str(out), "--db", db)
    exported = json.loads(out.read_text(encoding="utf-8"))
    assert {(m["eventType"], m["eventClassifierCode"]) for m in exported} == {
        ("TRANSPORT", "PLN"),
        ("TRANSPORT", "ACT"),
    }
    assert "7 events imported" in _run("ledger", "events", "import", str(DCSA_EXAMPLES), "--db", db)
    again = json.loads(_run("ledger", "events", "import", str(DCSA_EXAMPLES), "--format", "json", "--db", db))
    assert again == {"added": 0, "known": 7}
    everything = json.loads(_run("ledger", "events", "export", "--db", db))
    assert len(everything) == 8
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"eventType": "TRANSPORT"}]), encoding="utf-8")
    message = _run("ledger", "events", "import", str(bad), "--db", db, code=2)
    assert "bad.json [[0].eventClassifierCode]: not DCSA Track & Trace 2.2.0" in " ".join(message.split())
    _run("ledger", "events", "export", "--format", "xml", "--db", db, code=2)
    _run("ledger", "events", "export", "--out", str(tmp_path / "no" / "x.json"), "--db", db, code=2)


def test_the_demo_ledgers_bookings_have_etas_and_export_as_dcsa(db: str) -> None:
    _run("demo-data", "--db", db)
    bookings = json.loads(_run("ledger", "bookings", "--limit", "3000", "--format", "json", "--db", db))
    key = next(b["idempotency_key"] for b in bookings if b["departures"][0].startswith("shuttle-middle@2020"))
    eta = json.loads(_run("ledger", "eta", key, "--format", "json", "--db", db))
    actual = json.loads(_run("ledger", "events", "--booking", key, "--format", "json", "--db", db))["ACT"]
    # the last arrival, at the destination (the demo also records the arrival at its line's border crossing)
    arrival = max(
        (e for e in actual if e["eventTypeCode"] == "ARRI"),
        key=lambda e: datetime.fromisoformat(e["eventDateTime"]),
    )
    assert eta["arrived"] and eta["eta"] == arrival["eventDateTime"] and eta["stored_event"] is None
    exported = json.loads(_run("ledger", "events", "export", "--booking", key, "--planned", "--db", db))
    assert [m["eventClassifierCode"] for m in exported].count("PLN") == 10
    assert {m["eventType"] for m in exported} == {"TRANSPORT", "SHIPMENT", "EQUIPMENT"}


def test_a_departures_reefer_plugs_are_set_taken_refused_and_listed(db: str) -> None:
    _run("ledger", "init", "--db", db)
    made = _run(
        "ledger", "add-departure", "shuttle-middle", "2020-04-03T09:00", "--reefer-plugs", "1",
        "--db", db, "--format", "json",
    )  # fmt: skip
    assert json.loads(made)[0]["reefer_plugs_teu"] == 1.0
    default = _run(
        "ledger", "add-departure", "shuttle-middle", "2020-04-04T09:00", "--db", db, "--format", "json"
    )
    assert json.loads(default)[0]["reefer_plugs_teu"] == 2.0  # the scenario's line: services.csv
    cold = ["ledger", "book", "--customs", "bonded", "--departure", "1", "--shipper", "X", "--teu", "1"]
    _run(*cold, "--key", "a", "--tonnes", "8", "--cargo", "reefer", "--db", db)
    refused = _run(*cold, "--key", "b", "--tonnes", "8", "--cargo", "reefer", "--db", db, code=2)
    assert "not enough reefer plugs left" in refused
    _run(*cold, "--key", "c", "--tonnes", "8", "--db", db)  # general cargo takes the other TEU
    (listed, _) = json.loads(_run("ledger", "departures", "--db", db, "--format", "json"))
    assert (listed["booked_teu"], listed["reefer_plugs_teu"], listed["booked_reefer_teu"]) == (2.0, 1.0, 1.0)
    assert (listed["free_teu"], listed["free_reefer"]) == (0.0, 0.0)
    assert "free_reefer" in _run("ledger", "departures", "--db", db)
    more = ["ledger", "add-departure", "shuttle-middle", "2020-04-05T09:00", "--reefer-plugs", "3"]
    bad = _run(*more, "--db", db, code=2)
    assert "[reefer_plugs_teu]: more reefer plugs than the departure carries" in bad
