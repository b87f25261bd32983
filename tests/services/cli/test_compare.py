"""``intermodal scenario compare`` and ``scenario sweep``: tables, JSON, a GeoJSON layer, exit 2 if bad."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from intermodal.services.cli import app

runner = CliRunner()
MINI = Path(__file__).resolve().parents[2] / "io" / "bundles" / "mini"
ZONES = (
    "id,name,terminal,lat,lon,source\n1,Hub,hub,,,a\n2,Station,station,,,a\n3,Border,border,,,a\n"
    "4,City,city,,,a\n"
)
DEMAND = (
    "origin,destination,cargo,teu,period,source\n1,4,general,3,2020-04-06,a\n3,4,general,1,2020-04-06,a\n"
)
EMPTY = '[patch]\nname = "nothing"\ntitle_en = "No change"\nsource = "test"\n'
CLOSED = (
    '[patch]\nname = "tunnel"\ntitle_en = "Tunnel road closed"\nsource = "test"\n'
    '[[close]]\nlink = "hub-border"\n'
)


def _files(tmp_path: Path) -> Path:
    """The demand, zones beside it, and a folder of two patches."""
    (tmp_path / "zones.csv").write_text(ZONES, encoding="utf-8")
    (tmp_path / "demand.csv").write_text(DEMAND, encoding="utf-8")
    patches = tmp_path / "patches"
    patches.mkdir()
    (patches / "empty.toml").write_text(EMPTY, encoding="utf-8")
    (patches / "tunnel.toml").write_text(CLOSED, encoding="utf-8")
    return tmp_path


def _compare(tmp_path: Path, *extra: str) -> list[str]:
    return [
        "scenario",
        "compare",
        str(MINI),
        "--demand",
        str(tmp_path / "demand.csv"),
        "--window",
        "2d",
        *extra,
    ]


def test_compare_reports_the_change_and_writes_a_difference_layer(tmp_path: Path) -> None:
    d = _files(tmp_path)
    layer = d / "out" / "diff.geojson"
    args = _compare(
        d, "--patch", str(d / "patches" / "tunnel.toml"), "--patch", str(d / "patches" / "empty.toml")
    )
    result = runner.invoke(app, [*args, "--format", "json", "--geojson", str(layer)])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    tunnel, empty = doc["scenarios"]
    assert tunnel["name"] == "mini+tunnel" and empty["name"] == "mini+nothing"
    assert tunnel["pairs_changed"] == 1 and empty["pairs_changed"] == 0
    assert tunnel["totals_change"]["teu_hours"] > 0 and tunnel["totals_change"]["demand_teu"] == 0
    features = json.loads(layer.read_text(encoding="utf-8"))["features"]
    assert {f["properties"]["scenario"] for f in features} == {"mini+tunnel"}
    assert sum(f["properties"]["teu_change"] for f in features) != 0
    table = runner.invoke(app, _compare(d, "--patch", str(d / "patches" / "tunnel.toml")))
    assert table.exit_code == 0, table.output
    for text in ("mini+tunnel", "mode share", "per pair", "carried TEU", "1 of 2 pairs change"):
        assert text in table.stdout


def test_sweep_compares_every_patch_of_a_folder(tmp_path: Path) -> None:
    d = _files(tmp_path)
    args = [
        "scenario",
        "sweep",
        str(MINI),
        str(d / "patches"),
        "--demand",
        str(d / "demand.csv"),
        "--window",
        "2d",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "mini+nothing" in result.stdout and "mini+tunnel" in result.stdout and "1 / 2" in result.stdout


@pytest.mark.ray
def test_sweep_on_ray_answers_as_in_process(tmp_path: Path, local_ray: None) -> None:
    d = _files(tmp_path)
    args = [
        "scenario",
        "sweep",
        str(MINI),
        str(d / "patches"),
        "--demand",
        str(d / "demand.csv"),
        "--window",
        "2d",
    ]
    here = runner.invoke(app, [*args, "--format", "json"])
    there = runner.invoke(app, [*args, "--format", "json", "--executor", "ray"])
    assert here.exit_code == 0 and there.exit_code == 0, there.output
    assert json.loads(here.stdout) == json.loads(there.stdout)


def test_bad_input_exits_2_naming_it(tmp_path: Path) -> None:
    d = _files(tmp_path)
    result = runner.invoke(app, _compare(d, "--patch", "no-such-patch"))
    assert result.exit_code == 2 and "no-such-patch" in result.output
    result = runner.invoke(
        app, _compare(d, "--patch", str(d / "patches" / "empty.toml"), "--executor", "dask")
    )
    assert result.exit_code == 2 and "executor" in result.output
    result = runner.invoke(app, _compare(d, "--patch", str(d / "patches" / "empty.toml"), "--window", "90d"))
    assert result.exit_code == 2 and "window" in result.output
    result = runner.invoke(
        app, ["scenario", "sweep", str(MINI), str(d / "zones"), "--demand", str(d / "demand.csv")]
    )
    assert result.exit_code == 2


def test_the_2026_network_moves_the_vientiane_demand_to_the_china_laos_railway(tmp_path: Path) -> None:
    # one pair and one day of the demo's 2026 week: the railway exists only in the patched network
    (tmp_path / "zones.csv").write_text(
        "id,name,terminal,lat,lon,source\n1,Nanpeng,nanpeng,,,a\n6,Vientiane,vientiane,,,a\n",
        encoding="utf-8",
    )
    (tmp_path / "demand.csv").write_text(
        "origin,destination,cargo,teu,period,source\n1,6,general,2,2026-03-02,a\n", encoding="utf-8"
    )
    args = ["scenario", "compare", "chongqing", "--patch", "2026", "--demand", str(tmp_path / "demand.csv")]
    result = runner.invoke(app, [*args, "--window", "1d", "--format", "json"])
    assert result.exit_code == 0, result.output
    (s,) = json.loads(result.stdout)["scenarios"]
    assert s["mode_split"]["rail"]["share_change"] > 0
    assert any(r["service"].startswith("china-laos") and r["teu_change"] > 0 for r in s["services"])
