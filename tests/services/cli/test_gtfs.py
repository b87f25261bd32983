"""``intermodal gtfs import`` and ``export`` on the shared feeds, and bad input exits 2 with one line each."""

from __future__ import annotations

import zipfile
from pathlib import Path

from typer.testing import CliRunner

from intermodal.io.bundle import load_bundle
from intermodal.services.cli import app

FEEDS = Path(__file__).resolve().parents[2] / "data/gtfs"
runner = CliRunner()


def test_import_writes_a_bundle_that_loads_and_export_writes_a_feed(tmp_path: Path) -> None:
    for feed in ("nyc_subway_gtfs.zip", "cairns_gtfs.zip"):
        out = tmp_path / feed.split("_")[0]
        result = runner.invoke(app, ["gtfs", "import", str(FEEDS / feed), str(out)])
        assert result.exit_code == 0, result.output
        assert "terminals" in result.stdout
        bundle = load_bundle(out)
        assert bundle.services and bundle.terminals
        zipped = tmp_path / f"{out.name}.zip"
        result = runner.invoke(app, ["gtfs", "export", str(out), str(zipped)])
        assert result.exit_code == 0, result.output
        with zipfile.ZipFile(zipped) as zf:
            assert "stop_times.txt" in zf.namelist()


def test_export_an_embedded_scenario(tmp_path: Path) -> None:
    result = runner.invoke(app, ["gtfs", "export", "chongqing", str(tmp_path / "cq.zip")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "cq.zip").stat().st_size > 0


def test_bad_feed_exits_2_with_file_row_and_field(tmp_path: Path) -> None:
    feed = tmp_path / "bad"
    feed.mkdir()
    (feed / "agency.txt").write_text("agency_name,agency_timezone\nX,Mars/Olympus\n")
    (feed / "stops.txt").write_text("stop_id,stop_name,stop_lat,stop_lon\nA,A,95,0\n")
    (feed / "routes.txt").write_text("route_id,route_type\nR,77\n")
    result = runner.invoke(app, ["gtfs", "import", str(feed), str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert any("agency.txt:2 [agency_timezone]" in line for line in lines)
    assert any("stops.txt:2 [stop_lat]" in line for line in lines)
    assert any("routes.txt:2 [route_type]" in line for line in lines)
    assert any("trips.txt" in line for line in lines)
    missing = runner.invoke(app, ["gtfs", "import", str(tmp_path / "nowhere.zip"), str(tmp_path / "o")])
    assert missing.exit_code == 2 and "no such feed" in missing.stderr
    nobundle = runner.invoke(app, ["gtfs", "export", str(tmp_path / "nowhere"), str(tmp_path / "x.zip")])
    assert nobundle.exit_code == 2 and "Traceback" not in nobundle.output


def test_route_from_a_platform_id_of_an_imported_feed(tmp_path: Path) -> None:
    out = tmp_path / "nyc"
    assert runner.invoke(app, ["gtfs", "import", str(FEEDS / "nyc_subway_gtfs.zip"), str(out)]).exit_code == 0
    args = ["route", "--scenario", str(out), "--to", "101", "--ready", "2025-01-08T08:00-05:00"]
    result = runner.invoke(app, [*args, "--from", "250N", "--objective", "fastest", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert '"250"' in result.stdout  # the platform resolved to its station terminal
    unknown = runner.invoke(app, [*args, "--from", "250X"])
    assert unknown.exit_code == 2 and "[from]: unknown place" in unknown.stderr


def _small_feed(tmp_path: Path, frequencies: str = "") -> Path:
    feed = tmp_path / "feed"
    feed.mkdir(parents=True)
    files = {
        "agency.txt": "agency_name,agency_timezone\nX,Europe/Berlin\n",
        "stops.txt": "stop_id,stop_name,stop_lat,stop_lon\nA,A,52.5,13.4\nB,B,52.6,13.5\n",
        "routes.txt": "route_id,route_type\nR,3\n",
        "calendar.txt": (
            "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
            "WK,1,1,1,1,1,0,0,20250106,20250131\n"
        ),
        "trips.txt": "route_id,service_id,trip_id\nR,WK,t1\n",
        "stop_times.txt": (
            "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
            "t1,08:00:00,08:00:00,A,1\nt1,08:30:00,08:30:00,B,2\n"
        ),
    }
    if frequencies:
        files["frequencies.txt"] = frequencies
    for name, text in files.items():
        (feed / name).write_text(text)
    return feed


def test_bad_options_and_outputs_exit_2_and_leave_nothing(tmp_path: Path) -> None:
    feed = _small_feed(tmp_path)
    (tmp_path / "afile").write_text("mine")
    runaway = _small_feed(
        tmp_path / "runaway", "trip_id,start_time,end_time,headway_secs\nt1,00:00:00,900:00:00,1\n"
    )
    cases = [
        ([str(feed), str(tmp_path / "out" / "a"), "--capacity-teu", "inf"], "[--capacity-teu]"),
        ([str(feed), str(tmp_path / "out" / "b"), "--country", "ZZZ"], "[--country]"),
        ([str(runaway), str(tmp_path / "out" / "c")], "frequencies.txt:2 [headway_secs]"),
        ([str(feed), str(tmp_path / "afile")], "output is a file"),
        ([str(feed), str(tmp_path / "afile" / "out")], "a parent of the output is a file"),
    ]
    for args, said in cases:
        result = runner.invoke(app, ["gtfs", "import", *args])
        assert result.exit_code == 2, result.output
        assert said in result.stderr and "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile", "feed", "runaway"]
    assert (tmp_path / "afile").read_text() == "mine"
    export = runner.invoke(app, ["gtfs", "export", "chongqing", str(tmp_path / "afile" / "x.zip")])
    assert export.exit_code == 2 and "a parent of the output is a file" in export.stderr
    export = runner.invoke(app, ["gtfs", "export", "chongqing", str(tmp_path)])
    assert export.exit_code == 2 and "output is a folder" in export.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile", "feed", "runaway"]


def test_a_latin1_stops_file_exits_2_naming_file_line_and_encoding(tmp_path: Path) -> None:
    feed = _small_feed(tmp_path)
    stops = "stop_id,stop_name,stop_lat,stop_lon\nA,Köln,52.5,13.4\nB,B,52.6,13.5\n"
    (feed / "stops.txt").write_bytes(stops.encode("latin-1"))
    result = runner.invoke(app, ["gtfs", "import", str(feed), str(tmp_path / "out")])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "stops.txt:2: file is not UTF-8 (found '0xF6', expected UTF-8 text" in result.stderr
    assert not (tmp_path / "out").exists()


def test_repeated_problems_print_as_the_first_few_and_a_count(tmp_path: Path) -> None:
    feed = _small_feed(tmp_path)
    (feed / "routes.txt").write_text("route_id,route_type\n" + "".join(f"R{i},77\n" for i in range(500)))
    (feed / "calendar.txt").unlink()
    (feed / "trips.txt").write_text(
        "route_id,service_id,trip_id\n" + "".join(f"R,WK,t{i}\n" for i in range(1000))
    )
    result = runner.invoke(app, ["gtfs", "import", str(feed), str(tmp_path / "out")])
    assert result.exit_code == 2 and "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert sum(line.startswith("error: routes.txt") for line in lines) == 4
    assert "error: routes.txt [route_type]: … and 497 more like this (lines 5–501)" in lines
    assert "error: trips.txt [route_id]: … and 997 more like this (lines 5–1001)" in lines
    assert len(lines) < 20


def test_export_takes_a_patch(tmp_path: Path) -> None:
    mini = Path(__file__).resolve().parents[2] / "io" / "bundles" / "mini"
    patch = tmp_path / "twice.toml"
    patch.write_text(
        '[patch]\nname = "twice"\ntitle_en = "Twice a day"\nsource = "test"\n'
        '[[change.services]]\nid = "train"\ndepartures = ["08:00", "16:00"]\nsource = "test"\n',
        encoding="utf-8",
    )
    plain = runner.invoke(app, ["gtfs", "export", str(mini), str(tmp_path / "a.zip")])
    result = runner.invoke(app, ["gtfs", "export", str(mini), str(tmp_path / "b.zip"), "--patch", str(patch)])
    assert plain.exit_code == 0 and result.exit_code == 0, result.output
    assert "1 trips" in plain.stdout and "2 trips" in result.stdout
