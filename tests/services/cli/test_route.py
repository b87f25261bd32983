"""The CLI as a user meets it: exit codes, one line per problem, stable JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from intermodal.services.cli import app
from intermodal.services.cli.demand import DEMO_FILES

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


README_ROUTE = [
    "route",
    "--from",
    "nanpeng",
    "--to",
    "bangkok",
    "--teu",
    "2",
    "--cargo",
    "reefer",
    "--ready",
    READY,
]


def test_a_piped_table_keeps_every_name_whole() -> None:
    # CliRunner's stdout is not a terminal, like a pipe: rich used to cut it to 80 columns
    result = runner.invoke(app, README_ROUTE, env={"COLUMNS": ""})
    assert result.exit_code == 0, result.output
    assert "truck → railsea-south → sea-qinzhou-laemchabang → truck" in result.stdout
    assert "…" not in result.stdout


def test_a_range_table_says_how_many_options_it_cut() -> None:
    result = runner.invoke(app, [*README_ROUTE, "--range", "7d"], env={"COLUMNS": ""})
    assert result.exit_code == 0, result.output
    shown = [line for line in result.stdout.splitlines() if line.startswith("│")]
    assert len(shown) == 10
    doc = json.loads(runner.invoke(app, [*README_ROUTE, "--range", "7d", "--format", "json"]).stdout)
    cut = [n for n in doc["notes"] if n.startswith("showing 10 of ")]
    assert len(doc["options"]) == 10 and len(cut) == 1
    assert cut[0] in result.stdout  # the table says what the JSON says
    geojson = json.loads(runner.invoke(app, [*README_ROUTE, "--range", "7d", "--format", "geojson"]).stdout)
    assert cut[0] in geojson["notes"] and geojson["pareto_options"] == doc["pareto_options"]


def test_fold_margins_and_all() -> None:
    def run(*extra: str) -> dict:
        result = runner.invoke(app, [*README_ROUTE, "--format", "json", *extra])
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    every = run("--all")
    assert every["query"]["fold"] is None and every["folded_options"] == 0
    folded = run("--fold-co2e-pct", "1.2")
    assert folded["query"]["fold"] == {"hours": 2.0, "cost_pct": 2.0, "co2e_pct": 1.2}
    assert folded["folded_options"] == 1 and len(folded["options"]) == len(every["options"]) - 1
    table = runner.invoke(app, [*README_ROUTE, "--fold-co2e-pct", "1.2"]).stdout
    # 3 options: the reefer surcharges of tariffs.csv left the Yangtze option dominated (#11)
    assert "1 of 3 Pareto-optimal options folded" in table and "--all" in table


def test_bad_fold_margins_exit_2_naming_the_option() -> None:
    result = runner.invoke(app, [*README_ROUTE, "--fold-hours", "-1", "--fold-cost-pct", "200"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 2 and "[fold_hours]" in lines[0] and "[fold_cost_pct]" in lines[1]
    result = runner.invoke(app, [*README_ROUTE, "--all", "--fold-hours", "2"])
    assert result.exit_code == 2 and "[all]" in result.stderr


def test_the_readme_commands_read_only_files_that_exist_or_an_earlier_command_writes() -> None:
    root = Path(__file__).parents[3]
    block = (
        (root / "README.md").read_text().split("## What it does", 1)[1].split("```sh", 1)[1].split("```")[0]
    )
    written: set[str] = set()
    # each command of a line in turn: "a && b" may read what a wrote
    commands = [(line, c) for line in block.splitlines() for c in line.split("  #", 1)[0].split("&&")]
    for line, command in commands:
        words = command.split()
        if ">" in words:  # a redirect writes its file
            written.add(words[words.index(">") + 1])
            words = words[: words.index(">")]
        if words[3:5] == ["gtfs", "import"]:  # gtfs import SOURCE TARGET writes TARGET
            written.add(words[6])
            words = words[:6]
        if "demo-demand" in words:  # demo-demand --out DIR writes its demo files into DIR
            out = words[words.index("--out", words.index("demo-demand")) + 1]
            written.update(f"{out}/{name}" for name in DEMO_FILES)
        paths = [w for w in words if not w.startswith("-") and ("/" in w or w.endswith((".json", ".zip")))]
        for path in paths:
            # a file in a folder an earlier --out wrote (demo-demand --out demo && assign --demand demo/...)
            made = path in written or any(path.startswith(f"{folder}/") for folder in written)
            assert made or (root / path).exists(), f"{line.strip()!r}: {path} does not exist yet"
        written |= {words[i + 1] for i, w in enumerate(words[:-1]) if w == "--out"}


def test_a_search_past_its_time_limit_stops_and_exits_1(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from intermodal.engines import reference

    # a deadline that has already passed when the search starts: it must stop at its first poll
    monkeypatch.setattr(reference.Deadline, "expired", lambda self: True)
    result = runner.invoke(app, [*README_ROUTE, "--time-limit", "5"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "time limit of 5 s; give a due time" in result.stderr
    assert runner.invoke(app, [*README_ROUTE, "--time-limit", "0"]).exit_code == 2


def test_an_absurd_carbon_price_is_refused_by_name() -> None:
    result = runner.invoke(app, [*README_ROUTE, "--carbon-price", "1e308"])
    assert result.exit_code == 2 and "[carbon_price]" in result.stderr and "too large" in result.stderr
