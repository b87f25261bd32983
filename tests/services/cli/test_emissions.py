"""``intermodal emissions`` reads a route JSON and prints the chain, or the iLEAP footprint."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from intermodal.services.cli import app

runner = CliRunner()


def test_emissions_table_and_ileap(tmp_path: Path) -> None:
    route = runner.invoke(
        app,
        [
            "route",
            "--from",
            "nanpeng",
            "--to",
            "hanoi",
            "--teu",
            "2",
            "--ready",
            "2020-04-03T08:00+08:00",
            "--format",
            "json",
        ],
    )
    trip = tmp_path / "trip.json"
    trip.write_text(route.stdout)
    table = runner.invoke(app, ["emissions", str(trip)])
    assert table.exit_code == 0 and "GLEC" in table.stdout and "default factors" in table.stdout
    ileap = runner.invoke(app, ["emissions", str(trip), "--format", "ileap"])
    assert json.loads(ileap.stdout)["data"]["tces"]


def test_emissions_bad_input(tmp_path: Path) -> None:
    assert runner.invoke(app, ["emissions", str(tmp_path / "nope.json")]).exit_code == 2
    assert runner.invoke(app, ["emissions", str(tmp_path)]).exit_code == 2  # a folder, not a file
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    result = runner.invoke(app, ["emissions", str(bad)])
    assert result.exit_code == 2 and "not a route document" in result.stderr


def test_route_with_containers_load_and_carbon_price() -> None:
    result = runner.invoke(
        app,
        [
            "route",
            "--from",
            "nanpeng",
            "--to",
            "bangkok",
            "--containers",
            "1x40",
            "--load",
            "heavy",
            "--carbon-price",
            "500",
            "--objective",
            "cheapest",
            "--ready",
            "2020-04-03T08:00+08:00",
            "--format",
            "json",
        ],
    )
    doc = json.loads(result.stdout)
    assert doc["query"]["teu"] == 2.0 and doc["query"]["tonnes"] == 29.0  # GLEC heavy: 14.5 t/TEU
    totals = [o["total"]["cost_with_carbon"] for o in doc["options"]]
    assert totals == sorted(totals)
    assert (
        runner.invoke(
            app, ["route", "--from", "nanpeng", "--to", "bangkok", "--containers", "2x45"]
        ).exit_code
        == 2
    )


def test_emissions_names_route_documents_it_cannot_read(tmp_path: Path) -> None:
    docs = {
        "options-not-a-list.json": '{"query": {}, "options": "x"}',
        "option-not-an-object.json": '{"query": {}, "options": [1]}',
        "option-without-legs.json": '{"query": {}, "options": [{"rank": 1}]}',
        "nested.json": "[" * 100_000,
    }
    for name, text in docs.items():
        path = tmp_path / name
        path.write_text(text)
        for format in ("table", "ileap"):
            result = runner.invoke(app, ["emissions", str(path), "--format", format])
            assert result.exit_code == 2, (name, format, result.output)
            assert name in result.stderr and "Traceback" not in result.stderr
    result = runner.invoke(app, ["emissions", str(tmp_path / "option-without-legs.json")])
    assert "lacks the key 'legs'" in result.stderr
