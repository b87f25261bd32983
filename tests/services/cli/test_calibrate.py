"""``intermodal calibrate``: a measured bundle from the demo ledger, that route then answers with p_on_time;
bad periods and empty ledgers exit 2 and write nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from intermodal.io import load_scenario
from intermodal.ledger import line_from_service, load_demo, open_ledger
from intermodal.services.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    bundle = load_scenario("chongqing")
    path = str(tmp_path_factory.mktemp("cli") / "demo.sqlite3")
    ledger = open_ledger(path)
    lines = [
        line_from_service(sv, zone=bundle.terminals[sv.stops[0].terminal_id].timezone)
        for sv in bundle.services
        if (sv.line or sv.id).startswith("shuttle-")
    ]
    load_demo(ledger, lines, quarters=["2019Q3", "2019Q4", "2020Q1"])
    ledger.dispose()
    return path


def _fails(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    return " ".join(result.output.split())


def test_calibrate_writes_a_measured_bundle_that_route_answers_with_p_on_time(
    demo_db: str, tmp_path: Path
) -> None:
    out = tmp_path / "cq-2019h2"
    result = runner.invoke(
        app,
        [
            "calibrate",
            "--period",
            "2019H2",
            "--db",
            demo_db,
            "--check",
            "2020Q1",
            "--format",
            "json",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["services"]["shuttle-east"]["source"] == (
        f"measured: ledger 2019H2, n = {doc['services']['shuttle-east']['n']}"
    )
    assert doc["check"]["brier_calibrated"] < doc["check"]["brier_timetable"]
    assert "measured: ledger 2019H2, n = " in (out / "reliability.csv").read_text(encoding="utf-8")
    route = runner.invoke(
        app,
        [
            "route", "--scenario", str(out), "--from", "nanpeng", "--to", "hanoi", "--teu", "2",
            "--ready", "2020-04-03T08:00+08:00", "--due", "2020-04-05T22:00+07:00",
            "--objective", "reliable", "--format", "json",
        ],
    )  # fmt: skip
    assert route.exit_code == 0, route.output
    answer = json.loads(route.stdout)
    assert answer["objective"] == "reliable"
    probabilities = [o["total"]["p_on_time"] for o in answer["options"]]
    assert all(0.0 <= p <= 1.0 for p in probabilities)
    assert probabilities == sorted(probabilities, reverse=True)
    assert any(p < 1.0 for p in probabilities)  # measured spreads: not the timetable's certainty
    table = runner.invoke(app, ["calibrate", "--period", "2019H2", "--db", demo_db, str(tmp_path / "t")])
    assert table.exit_code == 0, table.output
    assert "Measured from ledger 2019H2" in table.output


@pytest.mark.parametrize("period", ["2019Q9", "yesterday"])
def test_a_bad_period_exits_2_naming_it(demo_db: str, tmp_path: Path, period: str) -> None:
    out = _fails("calibrate", "--period", period, "--db", demo_db, str(tmp_path / "out"))
    assert "[--period]" in out and "not a period" in out
    assert not (tmp_path / "out").exists()


def test_a_period_without_events_exits_2_saying_n(demo_db: str, tmp_path: Path) -> None:
    out = _fails("calibrate", "--period", "2018", "--db", demo_db, str(tmp_path / "out"))
    assert "[--period]" in out and "too few trips" in out and "n = 0" in out
    assert not (tmp_path / "out").exists()


def test_a_missing_ledger_exits_2(tmp_path: Path) -> None:
    out = _fails("calibrate", "--period", "2019", "--db", str(tmp_path / "none.sqlite3"), str(tmp_path / "o"))
    assert "no ledger at this path" in out


def test_a_bad_reliability_file_for_route_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "reliability.csv"
    bad.write_text("kind,id\n", encoding="utf-8")
    out = _fails("route", "--from", "nanpeng", "--to", "hanoi", "--teu", "2", "--reliability", str(bad))
    assert "not a reliability table" in out
