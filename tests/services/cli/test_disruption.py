"""``intermodal disruption`` and ``intermodal ledger rebook`` end to end, against a SQLite file each."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from intermodal.services.cli import app

runner = CliRunner()
AS_OF = "2020-04-06T08:00+08:00"
CLOSE = ["crossing", "youyiguan", "--from", "2020-04-05", "--to", "2020-04-20", "--as-of", AS_OF]


def _run(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result.output


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "ledger.sqlite3")
    _run("ledger", "schedule", "--from", "2020-04-06", "--to", "2020-04-08", "--db", path)
    _run(
        "ledger", "book", "--key", "east-1", "--departure", "shuttle-east@2020-04-06T20:00+08:00",
        "--shipper", "Fruit Co", "--teu", "2", "--tonnes", "17.2", "--customs", "bonded", "--db", path,
    )  # fmt: skip
    return path


def test_a_closure_lists_the_broken_booking_with_options_and_it_can_be_rebooked_once(db: str) -> None:
    doc = json.loads(_run("disruption", "add", *CLOSE, "--note", "closed", "--format", "json", "--db", db))
    assert doc["disruption"]["kind"] == "crossing" and doc["disruption"]["status"] == "open"
    [broken] = doc["broken"]
    assert broken["idempotency_key"] == "east-1" and broken["position"] == "nanpeng"
    option = broken["options"][0]
    assert all("youyiguan" not in [leg["from"], *leg.get("via", []), leg["to"]] for leg in option["legs"])
    table = _run("disruption", "show", "1", "--as-of", AS_OF, "--db", db)
    assert "east-1" not in table and "1 bookings broken" in table
    assert f"ledger rebook BOOKING --option N --as-of {AS_OF}" in table  # a replay rebooks as of its instant
    listed = json.loads(_run("disruption", "list", "--format", "json", "--db", db))
    assert [d["target"] for d in listed] == ["youyiguan"]

    moved = json.loads(
        _run("ledger", "rebook", "east-1", "--option", "1", "--as-of", AS_OF, "--format", "json", "--db", db)
    )
    assert moved["booking"]["departures"] == [leg["departure"] for leg in option["legs"] if leg["service"]]
    again = runner.invoke(app, ["ledger", "rebook", "east-1", "--option", "1", "--as-of", AS_OF, "--db", db])
    assert again.exit_code == 2 and "no open disruption breaks this booking" in again.output

    assert "cleared" in _run("disruption", "clear", "1", "--db", db)
    assert "already cleared" in _run("disruption", "clear", "1", "--db", db)
    assert json.loads(_run("disruption", "list", "--status", "open", "--format", "json", "--db", db)) == []


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (
            ["crossing", "atlantis", "--from", "2020-04-05", "--to", "2020-04-06"],
            "[target]: unknown crossing",
        ),
        (["crossing", "mohan", "--from", "2020-04-05", "--to", "2020-04-05"], "[--to]: the window is empty"),
        (["delay", "shuttle-east", "--from", "2020-04-05", "--to", "2020-04-06"], "[--hours]: a delay needs"),
        (["bridge", "x"], "[kind]: unknown disruption kind"),
    ],
)
def test_bad_input_exits_2_naming_the_option(db: str, args: list[str], says: str) -> None:
    result = runner.invoke(app, ["disruption", "add", *args, "--db", db])
    assert result.exit_code == 2 and says in result.output, result.output
    assert "Traceback" not in result.output


def test_help_teaches_with_examples() -> None:
    assert "disruption add crossing youyiguan" in _run("disruption", "add", "--help")
    assert "ledger rebook" in _run("ledger", "rebook", "--help")


def test_route_and_quote_against_the_ledger_respect_an_open_closure(db: str) -> None:
    query = ["--from", "nanpeng", "--to", "hanoi", "--teu", "2", "--ready", AS_OF, "--db", db]
    before = json.loads(_run("route", *query, "--format", "json"))
    assert any("youyiguan" in _places(option) for option in before["options"])
    _run("disruption", "add", *CLOSE, "--db", db)
    during = json.loads(_run("route", *query, "--format", "json"))
    assert all("youyiguan" not in _places(option) for option in during["options"])
    assert any(note.startswith("disruption 1 (crossing youyiguan closed") for note in during["notes"])
    quote = json.loads(_run("quote", *query, "--option", "1", "--format", "json"))
    assert "youyiguan" not in _places(quote["option"])
    _run("disruption", "clear", "1", "--db", db)
    assert json.loads(_run("route", *query, "--format", "json"))["options"] == before["options"]


def _places(option: dict) -> set[str]:
    return {p for leg in option["legs"] for p in (leg["from"], *leg.get("via", []), leg["to"])}


def test_booking_or_quoting_an_old_itinerary_through_the_closure_exits_2_until_it_is_cleared(
    db: str, tmp_path: Path
) -> None:
    query = ["--from", "nanpeng", "--to", "hanoi", "--teu", "1", "--ready", AS_OF, "--db", db]
    old = json.loads(_run("route", *query, "--format", "json"))
    rank = next(o["rank"] for o in old["options"] if "youyiguan" in _places(o))
    saved = tmp_path / "old.json"
    saved.write_text(json.dumps(old), encoding="utf-8")
    _run("disruption", "add", *CLOSE, "--db", db)
    book = ["ledger", "book", "--key", "east-2", "--itinerary", str(saved), "--option", str(rank)]
    book += ["--shipper", "Fruit Co", "--teu", "1", "--tonnes", "8", "--customs", "bonded", "--db", db]
    refused = runner.invoke(app, book)
    assert refused.exit_code == 2, refused.output
    assert "passes youyiguan" in refused.output and "closed by disruption 1" in refused.output
    assert "Traceback" not in refused.output
    quote = ["quote", "--itinerary", str(saved), "--option", str(rank), "--teu", "1", "--tonnes", "8"]
    quoted = runner.invoke(app, [*quote, "--db", db])
    assert quoted.exit_code == 2 and "closed by disruption 1" in quoted.output, quoted.output
    direct = runner.invoke(
        app,
        ["ledger", "book", "--key", "east-3", "--departure", "shuttle-east@2020-04-07T20:00+08:00",
         "--shipper", "A", "--teu", "1", "--tonnes", "8", "--customs", "bonded", "--db", db],
    )  # fmt: skip
    assert direct.exit_code == 2 and "disruption 1" in direct.output, direct.output
    _run("disruption", "clear", "1", "--db", db)
    assert "east-2" in _run(*book)


def test_disruptions_and_rebook_take_patches_like_the_other_commands(db: str) -> None:
    # veun-kham (Laos-Cambodia) is a crossing of the 2026 patch only
    window = ["crossing", "veun-kham", "--from", "2020-04-05", "--to", "2020-04-06", "--as-of", AS_OF]
    base = runner.invoke(app, ["disruption", "add", *window, "--db", db])
    assert base.exit_code == 2 and "[target]: unknown crossing" in base.output, base.output
    doc = json.loads(_run("disruption", "add", *window, "--patch", "2026", "--format", "json", "--db", db))
    assert doc["disruption"]["target"] == "veun-kham"
    assert "veun-kham" in _run("disruption", "show", "1", "--patch", "2026", "--as-of", AS_OF, "--db", db)
    for args in (["disruption", "show", "1"], ["ledger", "rebook", "east-1", "--option", "1"]):
        result = runner.invoke(app, [*args, "--patch", "nope", "--db", db])
        assert result.exit_code == 2 and "[--patch]: no such patch" in result.output, result.output
