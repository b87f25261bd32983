"""``intermodal demo-demand``, ``skim`` and ``assign``: files that read back, tables, JSON, exit 2 if bad."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

import openmatrix as omx
import polars as pl
import pytest
from typer.testing import CliRunner

from intermodal.services.cli import app

runner = CliRunner()
MINI = Path(__file__).resolve().parents[2] / "io" / "bundles" / "mini"
ZONES = "id,name,terminal,lat,lon,source\n1,Hub,hub,,,a\n2,Station,station,,,a\n4,City,city,,,a\n"


def _zones(tmp_path: Path) -> Path:
    path = tmp_path / "zones.csv"
    path.write_text(ZONES, encoding="utf-8")
    return path


def test_demo_demand_writes_files_that_assign_reads(tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo-demand", "--out", str(tmp_path / "demo")])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "demo").iterdir())
    assert names == ["choice.toml", "demand-2026.csv", "demand.csv", "observed_shares.csv", "zones.csv"]


def test_skim_writes_omx_that_openmatrix_reads(tmp_path: Path) -> None:
    out = tmp_path / "skim"
    args = ["skim", "--scenario", str(MINI), "--zones", str(_zones(tmp_path)), "--window", "2d"]
    args += ["--ready", "2020-04-06T00:00+08:00", "--metrics", "time,cost,co2e,distance,transfers"]
    result = runner.invoke(app, [*args, "--out", str(out), "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    with omx.open_file(str(out / "skim.omx")) as f:
        assert sorted(f.list_matrices()) == ["co2e", "cost", "distance", "time", "transfers"]
        assert f.mapping("zone") == {1: 0, 2: 1, 4: 2}
        assert f["time"][0, 2] == pytest.approx(doc["matrices"]["time"][0][2], abs=1e-3)
        assert f["cost"].attrs.units == "CNY"
    frame = pl.read_parquet(out / "skim.parquet")
    assert frame.height == 9 and frame["time"].null_count() == 0
    table = runner.invoke(app, args)
    assert table.exit_code == 0 and "time (h)" in table.stdout and "City" in table.stdout


def test_skim_bad_input_exits_2_naming_it(tmp_path: Path) -> None:
    zones = _zones(tmp_path)
    base = ["skim", "--scenario", str(MINI), "--zones", str(zones)]
    assert runner.invoke(app, [*base, "--window", "90d"]).exit_code == 2
    result = runner.invoke(app, [*base, "--metrics", "time,speed"])
    assert result.exit_code == 2 and "metrics" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_text("id,name,terminal\n1,X,atlantis\n", encoding="utf-8")
    result = runner.invoke(app, ["skim", "--scenario", str(MINI), "--zones", str(bad)])
    assert result.exit_code == 2 and "bad.csv" in result.output and "terminal" in result.output
    assert "Traceback" not in result.output


def test_assign_writes_flows_tables_and_a_summary(tmp_path: Path) -> None:
    demand = tmp_path / "demand.csv"
    demand.write_text(
        "origin,destination,cargo,teu,period\n2,4,general,400,2020-04-06\n1,4,reefer,5,2020-04-06\n",
        encoding="utf-8",
    )
    out = tmp_path / "assigned"
    args = ["assign", "--scenario", str(MINI), "--zones", str(_zones(tmp_path)), "--demand", str(demand)]
    result = runner.invoke(app, [*args, "--method", "aon", "--out", str(out), "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["demand_teu"] == 405 and doc["carried_teu"] + doc["not_carried_teu"] == pytest.approx(405)
    assert all(d["load_teu"] <= d["capacity_teu"] + 1e-6 for d in doc["departures"])
    assert sum(m["teu"] for m in doc["mode_split"].values()) == pytest.approx(405)
    geo = json.loads((out / "flows.geojson").read_text())
    assert geo["features"] and {"teu", "mode"} <= set(geo["features"][0]["properties"])
    assert pl.read_parquet(out / "departures.parquet").height == len(doc["departures"])
    assert json.loads((out / "summary.json").read_text())["demand_teu"] == 405
    # the charts: mode split, t-km and CO2e by leg mode, each bar labelled with its value
    svg = ElementTree.parse(out / "charts.svg").getroot()
    assert svg.tag.endswith("svg")
    text = (out / "charts.svg").read_text()
    assert "mode split" in text and "t-km by leg mode" in text and "CO2e by leg mode" in text
    assert f"{100 * doc['mode_split']['not carried']['share']:,.1f}" in text
    shares = tmp_path / "shares.csv"
    shares.write_text("mode,share\nroad,1\nrail,1\n", encoding="utf-8")
    table = runner.invoke(app, [*args, "--calibrate", str(shares)])
    assert table.exit_code == 0, table.output
    assert "mode split" in table.stdout and "calibrated" in table.stdout


def test_assign_bad_demand_exits_2(tmp_path: Path) -> None:
    demand = tmp_path / "demand.csv"
    demand.write_text("origin,destination,teu\n1,9,3\n1,4,abc\n", encoding="utf-8")
    args = ["assign", "--scenario", str(MINI), "--zones", str(_zones(tmp_path)), "--demand", str(demand)]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "demand.csv:2 [destination]" in result.output and "demand.csv:3 [teu]" in result.output
    demand.write_text("origin,destination,teu\n1,4,3\n", encoding="utf-8")
    result = runner.invoke(app, args)  # no period in the file and no --ready
    assert result.exit_code == 2 and "ready" in result.output


def test_ledger_shares_are_the_booked_teu_by_mode(tmp_path: Path) -> None:
    from intermodal.io import load_scenario
    from intermodal.ledger import load_demo, open_ledger
    from intermodal.services.cli.demand import _ledger_shares

    db = tmp_path / "ledger.sqlite3"
    with open_ledger(str(db)) as ledger:
        load_demo(ledger, quarters=["2020Q1"], with_events=False)
    # the demo books only the road shuttle: every TEU is road
    assert _ledger_shares(str(db), "2020Q1", load_scenario("chongqing")) == {"road": 1.0}


def test_calibration_needs_the_logit(tmp_path: Path) -> None:
    shares = tmp_path / "shares.csv"
    shares.write_text("mode,share\nroad,1\n", encoding="utf-8")
    args = ["assign", "--zones", str(_zones(tmp_path)), "--demand", str(shares), "--calibrate", str(shares)]
    result = runner.invoke(app, [*args, "--method", "aon"])
    assert result.exit_code == 2 and "--method" in result.output


DEMAND = "origin,destination,cargo,teu,period\n1,4,general,3,2020-04-06\n"
#: (option, file name, content, what the error names): each a file a user might hand over by mistake
HOSTILE_FILES = [
    ("--demand", "demand.csv", b"", "demand.csv"),
    ("--demand", "demand.csv", bytes(range(256)) * 4, "demand.csv: not UTF-8 text"),
    ("--demand", "demand.csv", DEMAND.encode("utf-16"), "demand.csv: not UTF-8 text"),
    ("--demand", "demand.csv", (DEMAND + "1,4,general,nan,2020-04-06\n").encode(), "demand.csv:3 [teu]"),
    ("--demand", "demand.csv", (DEMAND + "1,4,general,1e308,2020-04-06\n").encode(), "demand.csv:3 [teu]"),
    (
        "--demand",
        "demand.csv",
        (DEMAND + "1,99,general,1,2020-04-06\n").encode(),
        "demand.csv:3 [destination]",
    ),
    (
        "--demand",
        "demand.csv",
        (DEMAND + "1,18446744073709551617,general,1,2020-04-06\n").encode(),
        "demand.csv:3 [destination]",
    ),
    ("--demand", "demand.csv", DEMAND.replace("2020", "99999").encode(), "demand.csv:2 [period]"),
    ("--demand", "demand.csv", (DEMAND + "1,4,general,2,2020-04-06\n").encode(), "repeated cell"),
    ("--demand", "demand.omx", b"\x89HDF\r\n\x1a\n" + bytes(1000), "demand.omx: not an OMX file"),
    ("--demand", "demand.parquet", b"PAR1" + bytes(100) + b"PAR1", "demand.parquet: not a Parquet file"),
    ("--params", "choice.toml", b"a = " + b"[" * 100_000 + b"]" * 100_000, "choice.toml: not TOML"),
    ("--params", "choice.toml", b"[choice]\nscale = nan\n", "choice.toml [choice.scale]"),
    (
        "--params",
        "choice.toml",
        b"[choice.asc]\nspaceship = 1\n",
        "[choice.asc.spaceship]: unknown mode class",
    ),
    ("--calibrate", "shares.csv", b"mode,share\nspaceship,1\n", "shares.csv:2 [mode]"),
    ("--calibrate", "shares.csv", b"mode,share\nroad,inf\n", "shares.csv:2 [share]"),
    (
        "--zones",
        "zones.csv",
        ZONES.replace("4,City", "1,City").encode(),
        "zones.csv:4 [id]: repeated zone id",
    ),
    ("--zones", "zones.csv", ZONES.replace(",,,a", ",1e308,1e308,a").encode(), "zones.csv:2 [lat]"),
]


@pytest.mark.parametrize(("option", "name", "content", "said"), HOSTILE_FILES, ids=range(len(HOSTILE_FILES)))
def test_assign_hostile_files_exit_2_naming_them_and_write_nothing(
    tmp_path: Path, option: str, name: str, content: bytes, said: str
) -> None:
    files = {"--zones": _zones(tmp_path), "--demand": tmp_path / "d.csv"}
    files["--demand"].write_text(DEMAND, encoding="utf-8")
    bad = tmp_path / "bad" / name
    bad.parent.mkdir()
    bad.write_bytes(content)
    files[option] = bad
    args = ["assign", "--scenario", str(MINI), "--window", "1d", "--out", str(tmp_path / "out")]
    result = runner.invoke(app, [*args, *(x for k, v in files.items() for x in (k, str(v)))])
    assert result.exit_code == 2, result.output
    assert said in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--window", "nan"),
        ("--window", "inf"),
        ("--window", "1e308"),
        ("--window", "-1d"),
        ("--window", "0h"),
        ("--window", "1000000d"),
        ("--ready", "99999-01-01"),
        ("--ready", "1969-12-31T23:59"),
        ("--ready", "2020-04-06T00:00+99:00"),
        ("--teu", "nan"),
        ("--teu", "1e308"),
        ("--teu", "-1"),
        ("--cargo", "dg:99"),
        ("--metrics", ",,"),
        ("--format", "xml"),
    ],
)
def test_skim_hostile_options_exit_2_naming_them(tmp_path: Path, option: str, value: str) -> None:
    args = ["skim", "--scenario", str(MINI), "--zones", str(_zones(tmp_path)), "--out", str(tmp_path / "out")]
    result = runner.invoke(app, [*args, option, value])
    assert result.exit_code == 2, result.output
    assert option.lstrip("-") in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_skim_and_assign_take_patches(tmp_path: Path) -> None:
    # the mini bundle with its road from the hub to the border closed: the hub reaches the city later
    patch = tmp_path / "closed.toml"
    patch.write_text(
        '[patch]\nname = "closed"\ntitle_en = "Closed"\nsource = "test"\n[[close]]\nlink = "hub-border"\n',
        encoding="utf-8",
    )
    zones = _zones(tmp_path)
    skim = ["skim", "--scenario", str(MINI), "--zones", str(zones), "--window", "2d", "--format", "json"]
    skim += ["--ready", "2020-04-06T00:00+08:00"]
    before = json.loads(runner.invoke(app, skim).stdout)
    after = runner.invoke(app, [*skim, "--patch", str(patch)])
    assert after.exit_code == 0, after.output
    assert json.loads(after.stdout)["scenario"] == "mini+closed"
    assert json.loads(after.stdout)["matrices"]["time"][0][2] > before["matrices"]["time"][0][2]
    demand = tmp_path / "demand.csv"
    demand.write_text("origin,destination,cargo,teu,period\n1,4,general,1,2020-04-06\n", encoding="utf-8")
    args = [
        "assign",
        "--scenario",
        str(MINI),
        "--zones",
        str(zones),
        "--demand",
        str(demand),
        "--format",
        "json",
    ]
    result = runner.invoke(app, [*args, "--patch", str(patch)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["scenario"] == "mini+closed"
    result = runner.invoke(app, [*args, "--patch", str(tmp_path / "missing.toml")])
    assert result.exit_code == 2 and "--patch" in result.output


@pytest.mark.parametrize("command", [["assign"], ["scenario", "compare"]])
def test_help_names_the_choice_table_of_the_parameter_file(command: list[str]) -> None:
    # rich reads an unescaped [choice] as markup and drops it: the help said "(TOML, )"
    result = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0 and "(TOML, [choice])" in result.output, result.output
