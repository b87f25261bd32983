"""The CLI as a user meets it: exit codes, one line per problem, stable JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from intermodal.services.cli import app

runner = CliRunner()
BROKEN = Path(__file__).parents[2] / "io" / "broken"
READY = "2020-04-03T08:00+08:00"


def test_route_json_for_the_readme_query() -> None:
    args = ["route", "--from", "nanpeng", "--to", "bangkok", "--teu", "2", "--cargo", "reefer"]
    result = runner.invoke(app, [*args, "--objective", "pareto", "--ready", READY, "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    modes = [set(o["modes"]) for o in doc["options"]]
    assert {"road"} in modes and any({"rail", "sea"} <= m for m in modes)


def test_route_table_and_explain() -> None:
    result = runner.invoke(
        app, ["route", "--from", "nanpeng", "--to", "hanoi", "--teu", "2", "--ready", READY, "--explain"]
    )
    assert result.exit_code == 0, result.output
    assert "shuttle-east" in result.stdout and "GLEC" in result.stdout


def test_geojson_has_a_feature_per_leg() -> None:
    result = runner.invoke(
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
            READY,
            "--format",
            "geojson",
        ],
    )
    doc = json.loads(result.stdout)
    assert doc["type"] == "FeatureCollection" and doc["features"]
    assert all(f["geometry"]["type"] == "LineString" for f in doc["features"])


def test_bad_input_exits_2_with_one_line_per_problem() -> None:
    result = runner.invoke(app, ["route", "--from", "nanpen", "--to", "bangkok", "--teu", "2"])
    assert result.exit_code == 2
    assert "did you mean" in result.stderr and "nanpeng" in result.stderr
    result = runner.invoke(
        app, ["route", "--from", "nanpeng", "--to", "bangkok", "--teu", "-2", "--ready", "x"]
    )
    assert result.exit_code == 2
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 2 and "Traceback" not in result.output


def test_no_route_exits_1_and_says_why() -> None:
    result = runner.invoke(
        app,
        [
            "route",
            "--from",
            "nanpeng",
            "--to",
            "bangkok",
            "--teu",
            "2",
            "--ready",
            READY,
            "--due",
            "2020-04-04T08:00+08:00",
        ],
    )
    assert result.exit_code == 1 and "due time" in result.stderr


def test_scenario_validate_names_every_defect() -> None:
    for case in sorted(BROKEN.iterdir()):
        result = runner.invoke(app, ["scenario", "validate", str(case)])
        assert result.exit_code == 2, case.name
        for expected in (case / "expected.txt").read_text().split():
            file, row, field = expected.split(":")
            assert f"{file}:{row}" in result.stderr if row else file in result.stderr
            assert f"[{field}]" in result.stderr
    assert runner.invoke(app, ["scenario", "validate"]).exit_code == 0


def test_scenario_list_and_show() -> None:
    assert "chongqing" in runner.invoke(app, ["scenario", "list"]).stdout
    doc = json.loads(runner.invoke(app, ["scenario", "show", "--format", "json"]).stdout)
    assert any(t["id"] == "nanpeng" for t in doc["terminals"])


def test_the_installed_command_runs_in_a_clean_process() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "intermodal", "route", "--from", "nanpeng", "--to", "bogus", "--teu", "1"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 2 and "Traceback" not in out.stderr
