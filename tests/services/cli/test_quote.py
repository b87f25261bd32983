"""``intermodal quote`` and ``intermodal ledger book --quote`` end to end, on a SQLite file."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from intermodal.ledger import get_departure, open_ledger
from intermodal.services.cli import app

runner = CliRunner()
QUERY = ["--from", "nanpeng", "--to", "bangkok", "--teu", "2", "--cargo", "reefer"]
READY = ["--ready", "2020-04-03T08:00+08:00"]


def _run(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result.output


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "ledger.sqlite3")
    _run("ledger", "init", "--db", path)
    return path


def test_quote_a_search_then_book_it_once(db: str) -> None:
    doc = json.loads(_run("quote", *QUERY, *READY, "--option", "2", "--format", "json", "--db", db))
    items = [Decimal(item["amount"]) for item in doc["line_items"]]
    assert sum(items) == Decimal(doc["total"]) and doc["status"] == "open"
    assert doc["valid_until"] and doc["co2e_kg_wtw"] > doc["co2e_kg_ttw"] > 0
    with open_ledger(db) as ledger:
        assert all(get_departure(ledger, ref).booked_teu == 0 for ref in doc["departures"])
    book = ["ledger", "book", "--quote", str(doc["id"]), "--shipper", "ACME", "--customs", "bonded"]
    booked = json.loads(_run(*book, "--key", "k1", "--format", "json", "--db", db))[0]
    assert booked["departures"] == doc["departures"] and booked["teu"] == 2.0
    again = runner.invoke(app, [*book, "--key", "k1", "--format", "json", "--db", db])
    assert again.exit_code == 0 and json.loads(again.stdout)[0]["id"] == booked["id"]
    with open_ledger(db) as ledger:
        assert all(get_departure(ledger, ref).booked_teu == 2 for ref in doc["departures"])
    listed = json.loads(_run("ledger", "quotes", "--format", "json", "--db", db))
    assert [(q["id"], q["status"], q["booking_id"]) for q in listed] == [(doc["id"], "booked", booked["id"])]
    out = _run(*book, "--key", "k2", "--db", db, code=2)
    assert "[--quote]: the quote is booked already" in out


def test_the_table_shows_items_total_co2e_and_valid_until(db: str, tmp_path: Path) -> None:
    route = tmp_path / "route.json"
    route.write_text(_run("route", *QUERY, *READY, "--format", "json"))
    out = _run("quote", "--itinerary", str(route), "--option", "1", "--hold-minutes", "5", "--db", db)
    assert "total" in out and "CO2e" in out and "valid until" in out and "amount (CNY)" in out
    released = _run("ledger", "release", "1", "--db", db)
    assert "released; its room is free" in released
    assert "nothing released" in _run("ledger", "release", "1", "--db", db)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["quote", "--option", "1"], "give either --itinerary, or --from and --to"),
        (["quote", *QUERY, *READY, "--option", "99"], "[--option]: no option of this rank"),
        (["quote", "--itinerary", "/no/such.json"], "[--itinerary]: cannot read"),
        (
            ["ledger", "book", "--quote", "7", "--key", "k", "--shipper", "x", "--customs", "cleared"],
            "unknown",
        ),
        (
            [
                "ledger",
                "book",
                "--quote",
                "7",
                "--teu",
                "1",
                "--key",
                "k",
                "--shipper",
                "x",
                "--customs",
                "bonded",
            ],
            "leave out --teu",
        ),
        (
            ["ledger", "book", "--key", "k", "--shipper", "x", "--customs", "bonded", "--departure", "1"],
            "[--teu]",
        ),
        (["ledger", "quotes", "--status", "maybe"], "[--status]: unknown quote status"),
    ],
)
def test_bad_input_exits_2_naming_the_option(db: str, args: list[str], says: str) -> None:
    assert says in _run(*args, "--db", db, code=2)
