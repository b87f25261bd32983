"""``report`` and ``demo-data`` given bad input: --db, --chart and --currency errors name the option, exit 2,
and leave no file or folder behind."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from intermodal.services.cli import app

runner = CliRunner()


def _fails(*args: str, env: dict[str, str] | None = None) -> str:
    result = runner.invoke(app, list(args), env=env)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)  # a clean exit, not an exception escaping
    return " ".join(result.output.split())  # rich wraps long lines


@pytest.mark.parametrize(
    ("db", "says"),
    [
        ("notaurl://ledger", "unsupported ledger database URL"),
        ("https://example.com/ledger.sqlite3", "unsupported ledger database URL"),
        ("mysql://u@h/db", "unsupported ledger database URL"),
        ("postgresql:/u@h/db", "no '//' after the scheme"),
        ("sqlite:ledger.sqlite3", "no '//' after the scheme"),
    ],
)
def test_a_db_that_is_no_supported_url_exits_2_and_makes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db: str, says: str
) -> None:
    monkeypatch.chdir(tmp_path)
    for command in (["report", "--period", "2020Q1"], ["demo-data", "--no-events"]):
        out = _fails(*command, "--db", db)
        assert "[--db]" in out and says in out and "found" in out and "expected" in out
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("form", ["{}", "sqlite:///{}"])
def test_a_db_in_a_missing_folder_exits_2_and_makes_no_folder(tmp_path: Path, form: str) -> None:
    target = tmp_path / "no-such-folder" / "ledger.sqlite3"
    out = _fails("report", "--period", "2020Q1", "--db", form.format(target))
    assert "[--db]" in out and "folder does not exist" in out
    out = _fails("ledger", "init", "--db", form.format(target))
    assert "folder does not exist" in out
    assert not target.parent.exists()


def test_a_bad_db_from_the_environment_is_named_after_the_variable(tmp_path: Path) -> None:
    out = _fails("report", "--period", "2020Q1", env={"INTERMODAL_LEDGER_URL": "notaurl://x"})
    assert "[INTERMODAL_LEDGER_URL]" in out and "unsupported" in out


def test_a_db_that_is_a_folder_or_no_database_exits_2(tmp_path: Path) -> None:
    assert "is a folder" in _fails("report", "--period", "2020Q1", "--db", str(tmp_path))
    text = tmp_path / "notes.txt"
    text.write_text("hello\n", encoding="utf-8")
    assert "not a SQLite database" in _fails("report", "--period", "2020Q1", "--db", str(text))
    assert text.read_text(encoding="utf-8") == "hello\n"


def test_a_chart_into_a_missing_folder_exits_2_before_any_work(tmp_path: Path) -> None:
    db = tmp_path / "ledger.sqlite3"
    chart = tmp_path / "charts" / "q1.svg"
    out = _fails("report", "--period", "2020Q1", "--chart", str(chart), "--db", str(db))
    assert "[--chart]" in out and "folder does not exist" in out and str(chart) in out
    assert not chart.parent.exists() and not db.exists()  # checked before the ledger is even opened
    assert "[--chart]" in _fails("report", "--period", "2020Q1", "--chart", str(tmp_path), "--db", str(db))


def test_an_unknown_currency_exits_2_naming_the_option(tmp_path: Path) -> None:
    db = str(tmp_path / "ledger.sqlite3")
    assert runner.invoke(app, ["ledger", "init", "--db", db]).exit_code == 0
    out = _fails("report", "--period", "2020Q1", "--currency", "cny", "--db", db)
    assert "[--currency]" in out and "ISO 4217" in out
    out = _fails("report", "--period", "2020Q1", "--currency", "EUR", "--db", db)
    assert "[--currency]" in out and "no booking in the ledger is in this currency" in out
    assert "expected CNY" in out
    assert "[--period]" in _fails("report", "--period", "2020Q5", "--db", db)


def test_reading_a_ledger_that_does_not_exist_exits_2_and_makes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A mistyped ledger name is an error for the commands that only read, not an empty report."""
    monkeypatch.chdir(tmp_path)
    for command in (
        ["report", "--period", "2020Q1"],
        ["ledger", "bookings"],
        ["ledger", "departures"],
        ["ledger", "export", "bookings", "out.csv"],
    ):
        out = _fails(*command, "--db", "notaurl")
        assert "[--db]" in out and "no ledger at this path" in out and "ledger init" in out
    assert list(tmp_path.iterdir()) == []


def test_reading_a_file_that_is_no_ledger_exits_2_and_leaves_it_untouched(tmp_path: Path) -> None:
    """An empty file, another program's SQLite database and a text file are named, never migrated."""
    import sqlite3

    empty = tmp_path / "empty.db"
    empty.touch()
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as con:
        con.execute("CREATE TABLE foo (x)")
    con.close()
    text = tmp_path / "notes.db"
    text.write_text("not a database\n")
    before = {p: p.read_bytes() for p in (empty, other, text)}
    for path, says in ((empty, "not a ledger"), (other, "not a ledger"), (text, "not a SQLite database")):
        for command in (["report", "--period", "2020Q1"], ["ledger", "bookings"]):
            out = _fails(*command, "--db", str(path))
            assert "[--db]" in out and says in out
    assert {p: p.read_bytes() for p in before} == before
