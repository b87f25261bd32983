"""``intermodal demo-orders`` and ``intermodal plan``: the issue's "done when" on a slice of the demo book."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from intermodal.services.cli import app

runner = CliRunner()


def test_demo_orders_match_the_seed_quarter_and_a_slice_plans_better_than_first_come(tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo-orders", "--period", "2020Q1"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 403 and sum(float(r["teu"]) for r in rows) == 806
    assert {r["cargo"] for r in rows} == {"general", "reefer", "dg:3"}
    assert sum(float(r["tonnes"]) for r in rows) == pytest.approx(6900, rel=0.05)
    book = tmp_path / "q1.csv"
    book.write_text("\n".join(result.stdout.splitlines()[:21]) + "\n")  # the header and 20 orders
    planned = runner.invoke(app, ["plan", str(book), "--format", "json", "--time-limit", "30"])
    assert planned.exit_code == 0, planned.output
    doc = json.loads(planned.stdout)
    assert len(doc["orders"]) == 20 and doc["status"] == "optimal" and doc["gap"] <= 1e-4
    assert doc["objective"] <= doc["baseline_objective"] and doc["saving"] >= 0
    assert doc["lp_bound"] is not None and doc["lp_bound"] <= doc["objective"] + 1e-6
    assert all(d["load_teu"] <= d["room_teu"] + 1e-9 for d in doc["departures"])
    # column generation ran and says what it proved; the table says it too, and 0 rounds turns it off
    columns = doc["column_generation"]
    assert (
        columns["iterations"] >= 1
        and columns["converged"]
        and "every itinerary of each order's scope" in columns["proven"]
    )
    assert doc["mip_bound"] is not None and doc["lp_bound"] <= doc["mip_bound"] + 1e-6
    table = runner.invoke(app, ["plan", str(book), "--time-limit", "30"])
    assert "gap" in table.stdout and "first come, first served" in table.stdout
    assert "column generation:" in table.stdout and "pricing rounds" in table.stdout
    off = runner.invoke(app, ["plan", str(book), "--format", "json", "--pricing-rounds", "0"])
    assert off.exit_code == 0 and json.loads(off.stdout)["column_generation"] is None


def test_bad_orders_are_named_by_file_row_and_field(tmp_path: Path) -> None:
    book = tmp_path / "bad.csv"
    book.write_text(
        "id,from,to,teu,ready,due\n"
        "a,nanpeng,bangkok,2,2020-04-03T08:00+08:00,2020-04-09T08:00+08:00\n"
        "a,nanpeng,bangkok,-2,9999-04-03T08:00+08:00,2020-04-09T08:00+08:00\n"
        "c,nanpeng,bangkok,,2020-04-03T08:00+08:00,2020-04-02T08:00+08:00\n"
    )
    result = runner.invoke(app, ["plan", str(book)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "bad.csv:3 [teu]" in result.stderr and "bad.csv:3 [ready]" in result.stderr
    assert "bad.csv:4 [teu]: give teu or containers" in result.stderr
    for name, text in (("x.json", "{"), ("x.parquet", "not parquet"), ("x.txt", "")):
        (tmp_path / name).write_text(text)
        out = runner.invoke(app, ["plan", str(tmp_path / name)])
        assert out.exit_code == 2 and "Traceback" not in out.output and name in out.stderr
    assert runner.invoke(app, ["plan", str(book), "--book"]).exit_code == 2  # --book needs --db


def test_plan_with_a_ledger_books_it_all_once(tmp_path: Path) -> None:
    db = str(tmp_path / "ledger.sqlite3")
    assert runner.invoke(app, ["ledger", "init", "--db", db]).exit_code == 0
    book = tmp_path / "three.csv"
    book.write_text(
        "id,from,to,teu,cargo,ready,due,penalty_not_carried\n"
        + "".join(
            f"o{i},nanpeng,hanoi,2,general,2020-04-03T08:00+08:00,2020-04-07T08:00+08:00,100000\n"
            for i in range(3)
        )
    )
    assert runner.invoke(app, ["plan", str(book), "--db", db, "--book"]).exit_code == 2  # customs unstated
    first = runner.invoke(
        app, ["plan", str(book), "--db", db, "--book", "--customs", "bonded", "--format", "json"]
    )
    assert first.exit_code == 0, first.output
    doc = json.loads(first.stdout)
    assert doc["booked"] == 3
    again = runner.invoke(
        app, ["plan", str(book), "--db", db, "--book", "--customs", "bonded", "--format", "json"]
    )
    assert again.exit_code == 0, again.output
    redo = json.loads(again.stdout)
    assert redo["already_booked"] == ["o0", "o1", "o2"] and redo["booked"] == 0 and redo["orders"] == []
    listed = runner.invoke(app, ["ledger", "departures", "--db", db, "--format", "json"])
    departures = json.loads(listed.stdout)
    assert departures and all(d["booked_teu"] <= d["capacity_teu"] for d in departures)
    bookings = json.loads(runner.invoke(app, ["ledger", "bookings", "--db", db, "--format", "json"]).stdout)
    assert len(bookings) == 3


def test_plan_writes_csv_and_parquet_rows_and_prices_carbon(tmp_path: Path) -> None:
    import polars as pl

    book = tmp_path / "four.csv"
    book.write_text(
        "id,from,to,teu,cargo,ready,due,penalty_not_carried\n"
        + "".join(
            f"o{i},nanpeng,{to},{teu},general,2020-04-03T08:00+08:00,2020-04-08T08:00+08:00,100000\n"
            for i, (to, teu) in enumerate((("hanoi", 1), ("hanoi", 1), ("bangkok", 2), ("hanoi", 2)))
        )
    )
    rows = runner.invoke(app, ["plan", str(book), "--format", "csv"])
    assert rows.exit_code == 0, rows.output
    table = list(csv.DictReader(io.StringIO(rows.stdout)))
    assert {r["order"] for r in table} == {"o0", "o1", "o2", "o3"} and all(r["first_come"] for r in table)
    parquet = runner.invoke(app, ["plan", str(book), "--format", "parquet"])
    assert parquet.exit_code == 0
    frame = pl.read_parquet(io.BytesIO(parquet.stdout_bytes))
    assert frame["order"].to_list() == [r["order"] for r in table]
    assert frame["cost"].to_list() == pytest.approx([float(r["cost"]) for r in table])
    # two 1-TEU orders to Hanoi ride one shuttle truck: the hub pays one trip, not two
    plain = json.loads(runner.invoke(app, ["plan", str(book), "--format", "json"]).stdout)
    hanoi = {o["order"]: o["options"][0]["departures"] for o in plain["orders"] if o["order"] in ("o0", "o1")}
    assert hanoi["o0"] == hanoi["o1"]
    assert plain["totals"]["trips"] == len(
        [d for d in plain["departures"] if d["trip_cost"] and d["load_teu"]]
    )
    priced = json.loads(
        runner.invoke(app, ["plan", str(book), "--format", "json", "--carbon-price", "500"]).stdout
    )
    assert priced["carbon_price"] == 500 and priced["objective"] > plain["objective"]
    assert runner.invoke(app, ["plan", str(book), "--carbon-price", "-1"]).exit_code == 2


def test_the_solve_bar_shows_the_gap_closing() -> None:
    from rich.console import Console
    from rich.progress import Progress

    from intermodal.planners.allocation import SolveProgress
    from intermodal.services.cli.plan import _Bars

    with Progress(console=Console(file=io.StringIO()), auto_refresh=False) as progress:
        bars = _Bars(progress)
        bars.searched(3, 10)
        bars.solving(SolveProgress(None, 90.0, None, 0.5))
        task = progress.tasks[-1]
        assert task.description == "solving: no answer yet" and task.completed == 0
        bars.solving(SolveProgress(100.0, 80.0, 0.2, 0.8, "pricing", 2))
        assert task.description == "pricing round 2: gap 20.00%" and task.completed == pytest.approx(80)
        bars.solving(SolveProgress(100.0, 90.0, 0.1, 1.0))
        assert task.description == "solving: gap 10.00%" and task.completed == pytest.approx(90)
        assert progress.tasks[0].completed == 3 and progress.tasks[0].total == 10
