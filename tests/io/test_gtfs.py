"""GTFS import: scenario tests on small hand-written feeds, each named by the feature, and the real feeds."""

from __future__ import annotations

import zipfile
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from intermodal.engines.csa import earliest_arrival
from intermodal.exceptions import BundleError, InputError
from intermodal.io import gtfs
from intermodal.io.bundle import load_bundle
from intermodal.io.bundle_writer import write_bundle
from intermodal.io.gtfs import export_gtfs, import_gtfs, mode_of_route_type
from intermodal.model import Bundle, Mode
from intermodal.network.connections import compile_connections
from intermodal.network.timetable import expand_timetable
from intermodal.services.cli import app

FEEDS = Path(__file__).resolve().parents[1] / "data/gtfs"

BASE = {
    "agency.txt": "agency_id,agency_name,agency_url,agency_timezone\nA,Test Transit,http://x,Europe/Berlin\n",
    "stops.txt": (
        "stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station\n"
        "ST,Central,52.50,13.40,1,\n"
        "ST_1,Central 1,52.5001,13.4001,0,ST\n"
        "ST_2,Central 2,52.5002,13.4002,0,ST\n"
        "B,Bridge,52.51,13.41,0,\n"
        "C,Castle,52.52,13.42,,\n"
        "D,Dock,52.5205,13.4205,0,\n"
        "E,Entrance,52.5,13.4,2,ST\n"
    ),
    "routes.txt": (
        "route_id,route_short_name,route_long_name,route_type\nU1,U1,Subway,1\nB9,9,Bus,3\nF1,F,Ferry,4\n"
    ),
    "calendar.txt": (
        "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
        "WK,1,1,1,1,1,0,0,20250106,20250131\n"
    ),
    "calendar_dates.txt": "service_id,date,exception_type\nWK,20250108,2\nHOL,20250111,1\n",
    "trips.txt": (
        "route_id,service_id,trip_id\nU1,WK,u1a\nU1,WK,u1b\nU1,WK,u1c\nU1,WK,late\nB9,HOL,bus\nF1,WK,ferry\n"
    ),
    "stop_times.txt": (
        "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
        "u1a,08:00:00,08:00:00,ST_1,1\nu1a,08:05:00,08:06:00,B,2\nu1a,08:10:30,08:10:30,C,3\n"
        "u1b,09:00:00,09:00:00,ST_1,1\nu1b,09:05:00,09:06:00,B,2\nu1b,09:10:30,09:10:30,C,3\n"
        "u1c,10:00:00,10:00:00,ST_2,1\nu1c,10:05:00,10:06:00,B,2\nu1c,10:10:30,10:10:30,C,3\n"
        "late,24:30:00,24:30:00,ST_1,1\nlate,24:35:00,24:36:00,B,2\nlate,24:40:30,24:40:30,C,3\n"
        "bus,12:00:00,12:00:00,C,1\nbus,,,B,2\nbus,12:20:00,12:20:00,ST_2,3\n"
        "ferry,07:00:00,07:00:00,D,1\nferry,07:30:00,07:30:00,ST_1,2\n"
    ),
    "frequencies.txt": "trip_id,start_time,end_time,headway_secs\nferry,07:00:00,08:00:00,1200\n",
    "transfers.txt": (
        "from_stop_id,to_stop_id,transfer_type,min_transfer_time\nST,ST,2,120\nC,D,2,300\nD,C,2,300\n"
    ),
}


def write_feed(tmp_path: Path, **changes: str) -> Path:
    folder = tmp_path / "feed"
    folder.mkdir(exist_ok=True)
    for name, text in {**BASE, **changes}.items():
        if text:
            (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_route_types_map_to_modes() -> None:
    assert mode_of_route_type(3) is Mode.ROAD and mode_of_route_type(0) is Mode.ROAD
    assert mode_of_route_type(1) is Mode.RAIL and mode_of_route_type(2) is Mode.RAIL
    assert mode_of_route_type(12) is Mode.RAIL and mode_of_route_type(4) is Mode.INLAND_WATERWAY
    assert mode_of_route_type(700) is Mode.ROAD and mode_of_route_type(1200) is Mode.INLAND_WATERWAY
    assert mode_of_route_type(99) is None


def test_platforms_group_at_their_station_with_its_transfer_time(tmp_path: Path) -> None:
    b = import_gtfs(write_feed(tmp_path))
    assert set(b.terminals) == {"st", "b", "c", "d"}  # platforms and the entrance belong to st
    st = b.terminals["st"]
    assert st.handling_h == pytest.approx(120 / 3600)
    assert st.timezone == "Europe/Berlin" and st.country == "DE"
    assert st.modes == {Mode.RAIL, Mode.ROAD, Mode.INLAND_WATERWAY}


def test_trips_with_one_pattern_become_one_service(tmp_path: Path) -> None:
    b = import_gtfs(write_feed(tmp_path))
    subway = [s for s in b.services if s.mode is Mode.RAIL and s.calendar.start == date(2025, 1, 6)]
    assert len(subway) == 1
    (s,) = subway
    assert s.departures == (time(8), time(9), time(10))
    assert [x.terminal_id for x in s.stops] == ["st", "b", "c"]
    assert [(x.arrive_offset_h * 3600, x.depart_offset_h * 3600) for x in s.stops] == [
        (0, 0),
        (300, 360),
        (630, 630),
    ]
    assert s.calendar.removed == {date(2025, 1, 8)}


def test_times_past_midnight_run_on_the_next_calendar_day(tmp_path: Path) -> None:
    b = import_gtfs(write_feed(tmp_path))
    (late,) = [s for s in b.services if s.departures == (time(0, 30),)]
    # service day Monday 6 Jan at 24:30 is Tuesday 7 Jan at 00:30; the removed Wednesday moves to Thursday
    assert late.calendar.weekdays == {1, 2, 3, 4, 5}
    assert late.calendar.start == date(2025, 1, 7) and late.calendar.removed == {date(2025, 1, 9)}
    index = {t: i for i, t in enumerate(sorted(b.terminals))}
    zone = ZoneInfo("Europe/Berlin")
    tt = expand_timetable([late], b.terminals, index, start=datetime(2025, 1, 6, tzinfo=zone),
                          end=datetime(2025, 1, 7, 12, tzinfo=zone))  # fmt: skip
    assert [datetime.fromtimestamp(int(x), UTC) for x in tt.trip_start] == [
        datetime(2025, 1, 6, 23, 30, tzinfo=UTC)
    ]


def test_blank_times_are_interpolated_and_calendar_dates_alone_make_a_calendar(tmp_path: Path) -> None:
    b = import_gtfs(write_feed(tmp_path))
    (bus,) = [s for s in b.services if s.mode is Mode.ROAD]
    mid = bus.stops[1].arrive_offset_h * 3600
    assert 0 < mid < 1200  # interpolated by distance between C, B and the station
    assert bus.calendar.runs_on(date(2025, 1, 11)) and not bus.calendar.runs_on(date(2025, 1, 18))


def test_frequencies_expand_into_departures(tmp_path: Path) -> None:
    b = import_gtfs(write_feed(tmp_path))
    (ferry,) = [s for s in b.services if s.mode is Mode.INLAND_WATERWAY]
    assert ferry.departures == (time(7), time(7, 20), time(7, 40))


def test_transfers_between_stations_become_walk_links(tmp_path: Path) -> None:
    b = import_gtfs(write_feed(tmp_path))
    walks = sorted(
        (lk.from_id, lk.to_id, round(lk.duration_h * 3600)) for lk in b.links if lk.mode is Mode.WALK
    )
    assert walks == [("c", "d", 300), ("d", "c", 300)]
    assert all(lk.flexible for lk in b.links if lk.mode is Mode.WALK)
    hops = {(lk.from_id, lk.to_id, lk.mode) for lk in b.links if not lk.flexible}
    for s in b.services:
        for a, z in zip(s.stops, s.stops[1:], strict=False):
            assert (a.terminal_id, z.terminal_id, s.mode) in hops


@pytest.mark.parametrize(
    ("file", "text", "row", "field"),
    [
        ("routes.txt", "route_id,route_type\nU1,1\nB9,42\nF1,4\n", 3, "route_type"),
        ("stops.txt", BASE["stops.txt"].replace("52.51,13.41", "152.51,13.41"), 5, "stop_lat"),
        (
            "stop_times.txt",
            BASE["stop_times.txt"].replace("u1b,09:05:00,09:06:00", "u1b,09:05,09:06:00"),
            6,
            "arrival_time",
        ),
        (
            "stop_times.txt",
            BASE["stop_times.txt"].replace("u1c,10:05:00,10:06:00,B", "u1c,10:05:00,10:06:00,Q"),
            9,
            "stop_id",
        ),
        ("trips.txt", BASE["trips.txt"].replace("B9,HOL,bus", "B9,NOPE,bus"), 6, "service_id"),
        (
            "stop_times.txt",
            BASE["stop_times.txt"].replace("u1a,08:10:30,08:10:30", "u1a,08:01:00,08:01:00"),
            4,
            "arrival_time",
        ),
        ("transfers.txt", "from_stop_id,to_stop_id,transfer_type\nST,ST,2\n", 2, "min_transfer_time"),
    ],
)
def test_bad_feeds_name_file_row_and_field(
    tmp_path: Path, file: str, text: str, row: int, field: str
) -> None:
    with pytest.raises(BundleError) as err:
        import_gtfs(write_feed(tmp_path, **{file: text}))
    assert any(p.file == file and p.row == row and p.field == field for p in err.value.problems), err.value


def test_missing_files_and_columns_are_reported_together(tmp_path: Path) -> None:
    folder = write_feed(tmp_path)
    (folder / "agency.txt").unlink()
    (folder / "routes.txt").write_text("route_id\nU1\n")
    with pytest.raises(BundleError) as err:
        import_gtfs(folder)
    found = {(p.file, p.field) for p in err.value.problems}
    assert ("agency.txt", None) in found and ("routes.txt", "route_type") in found
    with pytest.raises(BundleError, match="no such feed"):
        import_gtfs(tmp_path / "nowhere.zip")


def test_real_feeds_import() -> None:
    nyc = import_gtfs(FEEDS / "nyc_subway_gtfs.zip")
    assert len(nyc.terminals) == 91  # 273 stops: 91 stations with their N and S platforms
    # transfers.txt: 180 s at most stations, 300 s at 128, 0 s at 123; 142 has no row
    change = {t: round(nyc.terminals[t].handling_h * 3600) for t in ("101", "128", "123", "142")}
    assert change == {"101": 180, "128": 300, "123": 0, "142": 0}
    assert sum(len(s.departures) for s in nyc.services) == 1990  # every trip, none lost
    assert {s.mode for s in nyc.services} == {Mode.RAIL}
    cairns = import_gtfs(FEEDS / "cairns_gtfs.zip")
    assert sum(len(s.departures) for s in cairns.services) == 1339
    assert {s.mode for s in cairns.services} == {Mode.ROAD}
    # a trip whose stop 15 has blank times gets times strictly between its neighbours
    for s in cairns.services:
        offsets = [x.arrive_offset_h for x in s.stops]
        assert offsets == sorted(offsets)
    window = datetime(2014, 6, 4, tzinfo=ZoneInfo("Australia/Brisbane"))
    index = {t: i for i, t in enumerate(sorted(cairns.terminals))}
    tt = expand_timetable(
        cairns.services, cairns.terminals, index, start=window, end=window + timedelta(days=1)
    )
    assert tt.n_trips > 400


def _dated_trips(bundle: Bundle, start: datetime, days: int) -> list[tuple[object, ...]]:
    """Every dated trip in the window as (terminal sequence, UTC times, (pickup, dropoff) at each stop)."""
    index = {t: i for i, t in enumerate(sorted(bundle.terminals))}
    tt = expand_timetable(
        bundle.services, bundle.terminals, index, start=start, end=start + timedelta(days=days)
    )
    out = []
    for s, t in zip(tt.trip_service.tolist(), tt.trip_start.tolist(), strict=True):
        svc = tt.services[s]
        times = tuple(t + int(x) for pair in zip(tt.arrive_s[s], tt.depart_s[s], strict=True) for x in pair)
        rules = tuple((x.pickup, x.dropoff) for x in svc.stops)
        out.append((tuple(x.terminal_id for x in svc.stops), times, rules))
    return sorted(out)


@pytest.mark.parametrize(
    ("name", "day", "zone"),
    [
        ("nyc_subway_gtfs.zip", datetime(2024, 12, 24), "America/New_York"),
        ("cairns_gtfs.zip", datetime(2014, 6, 8), "Australia/Brisbane"),
    ],
)
def test_import_export_import_gives_the_same_trips(
    tmp_path: Path, name: str, day: datetime, zone: str
) -> None:
    first = import_gtfs(FEEDS / name)
    out = export_gtfs(first, tmp_path / "out.zip")
    with zipfile.ZipFile(out) as zf:
        assert {"agency.txt", "stops.txt", "routes.txt", "trips.txt", "stop_times.txt", "calendar.txt",
                "calendar_dates.txt"} <= set(zf.namelist())  # fmt: skip
    second = import_gtfs(out)
    start = day.replace(tzinfo=ZoneInfo(zone))
    assert _dated_trips(first, start, 3) == _dated_trips(second, start, 3)
    assert {t: x.handling_h for t, x in first.terminals.items()} == {
        t: x.handling_h for t, x in second.terminals.items()
    }


def test_exported_small_feed_keeps_walks_and_past_midnight_trips(tmp_path: Path) -> None:
    first = import_gtfs(write_feed(tmp_path))
    second = import_gtfs(export_gtfs(first, tmp_path / "small.zip"))
    start = datetime(2025, 1, 5, tzinfo=ZoneInfo("Europe/Berlin"))
    assert _dated_trips(first, start, 14) == _dated_trips(second, start, 14)
    walks = {(lk.from_id, lk.to_id, lk.duration_h) for lk in second.links if lk.mode is Mode.WALK}
    assert walks == {(lk.from_id, lk.to_id, lk.duration_h) for lk in first.links if lk.mode is Mode.WALK}


def test_unusable_trips_are_skipped_but_a_feed_without_any_trip_is_refused(tmp_path: Path) -> None:
    extra = BASE["trips.txt"] + "U1,WK,lonely\nU1,WK,empty\n"
    times = BASE["stop_times.txt"] + "lonely,08:00:00,08:00:00,ST_1,1\nlonely,08:01:00,08:01:00,ST_2,2\n"
    b = import_gtfs(write_feed(tmp_path, **{"trips.txt": extra, "stop_times.txt": times}))
    assert sum(len(s.departures) for s in b.services) == 6 + 2  # six trips, the ferry twice more
    with pytest.raises(BundleError, match="no trip runs"):
        import_gtfs(
            write_feed(
                tmp_path, **{"stop_times.txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"}
            )
        )


# u1b may not pick up at B, u1c may not set down there; u1a phones the agency (2) or the driver (3)
RULES = (
    "trip_id,arrival_time,departure_time,stop_id,stop_sequence,pickup_type,drop_off_type\n"
    "u1a,08:00:00,08:00:00,ST_1,1,,\nu1a,08:05:00,08:06:00,B,2,2,3\nu1a,08:10:30,08:10:30,C,3,0,0\n"
    "u1b,09:00:00,09:00:00,ST_1,1,0,0\nu1b,09:05:00,09:06:00,B,2,1,0\nu1b,09:10:30,09:10:30,C,3,1,0\n"
    "u1c,10:00:00,10:00:00,ST_2,1,0,0\nu1c,10:05:00,10:06:00,B,2,0,1\nu1c,10:10:30,10:10:30,C,3,1,0\n"
    "late,24:30:00,24:30:00,ST_1,1,0,0\nlate,24:35:00,24:36:00,B,2,0,0\nlate,24:40:30,24:40:30,C,3,0,0\n"
    "bus,12:00:00,12:00:00,C,1,0,0\nbus,,,B,2,0,0\nbus,12:20:00,12:20:00,ST_2,3,0,0\n"
    "ferry,07:00:00,07:00:00,D,1,0,0\nferry,07:30:00,07:30:00,ST_1,2,0,0\n"
)


def test_pickup_and_drop_off_types_become_stop_rules_and_split_services(tmp_path: Path) -> None:
    b = import_gtfs(write_feed(tmp_path, **{"stop_times.txt": RULES}))
    subway = [s for s in b.services if s.mode is Mode.RAIL and s.calendar.start == date(2025, 1, 6)]
    rules = {s.departures: [(x.pickup, x.dropoff) for x in s.stops] for s in subway}
    # the three trips share stops and offsets but not their rules, so each is its own service
    assert rules == {
        (time(8),): [(True, True), (True, True), (True, True)],
        (time(9),): [(True, True), (False, True), (False, True)],
        (time(10),): [(True, True), (True, False), (False, True)],
    }


def test_a_bad_pickup_type_names_file_row_and_field(tmp_path: Path) -> None:
    bad = RULES.replace("u1b,09:05:00,09:06:00,B,2,1,0", "u1b,09:05:00,09:06:00,B,2,7,0")
    with pytest.raises(BundleError) as err:
        import_gtfs(write_feed(tmp_path, **{"stop_times.txt": bad}))
    (p,) = err.value.problems
    assert (p.file, p.row, p.field, p.found) == ("stop_times.txt", 6, "pickup_type", "7")
    assert p.expected is not None and "0, 1, 2 or 3" in p.expected


def test_export_keeps_pickup_and_drop_off_rules(tmp_path: Path) -> None:
    first = import_gtfs(write_feed(tmp_path, **{"stop_times.txt": RULES}))
    out = export_gtfs(first, tmp_path / "rules.zip")
    with zipfile.ZipFile(out) as zf:
        header = zf.read("stop_times.txt").decode().splitlines()[0].split(",")
    assert {"pickup_type", "drop_off_type"} <= set(header)
    second = import_gtfs(out)
    start = datetime(2025, 1, 5, tzinfo=ZoneInfo("Europe/Berlin"))
    assert _dated_trips(first, start, 14) == _dated_trips(second, start, 14)

    def rules(b: Bundle) -> set[tuple[tuple[str, bool, bool], ...]]:
        return {tuple((x.terminal_id, x.pickup, x.dropoff) for x in s.stops) for s in b.services}

    assert rules(first) == rules(second) and len(rules(first)) == 5  # late shares u1a's


# M (Market) is a stop no trip serves between the served D and B; Y and Z are unserved and join nothing served
WALK_ONLY = {
    "stops.txt": BASE["stops.txt"]
    + "M,Market,52.5210,13.4210,0,\nY,Yard,52.53,13.43,0,\nZ,Zoo,52.531,13.431,0,\n",
    "transfers.txt": BASE["transfers.txt"] + "D,M,2,200\nM,B,2,100\nY,Z,2,60\nZ,Y,2,60\nE,C,2,30\n",
}


def _walks(b: Bundle) -> set[tuple[str, str, int]]:
    return {(lk.from_id, lk.to_id, round(lk.duration_h * 3600)) for lk in b.links if lk.mode is Mode.WALK}


def test_walks_through_a_stop_no_trip_serves_are_kept(tmp_path: Path) -> None:
    b = import_gtfs(write_feed(tmp_path, **WALK_ONLY))
    # M stays as a walk-only terminal; the Y-Z pair leads nowhere, and the entrance E is no terminal
    assert set(b.terminals) == {"st", "b", "c", "d", "m"}
    assert b.terminals["m"].modes == {Mode.WALK}
    assert _walks(b) == {("c", "d", 300), ("d", "c", 300), ("d", "m", 200), ("m", "b", 100)}
    loaded = load_bundle(write_bundle(b, tmp_path / "bundle"))
    assert _walks(loaded) == _walks(b)
    # the engines chain the walks: D to B on foot in 200 + 100 s
    start = datetime(2025, 1, 6, tzinfo=ZoneInfo("Europe/Berlin"))
    conns = compile_connections(loaded, start=start, end=start + timedelta(days=1))
    t0 = int((start + timedelta(hours=6)).timestamp())
    ea = earliest_arrival(conns, conns.stop_index("d"), t0)
    assert ea.arrival_s[conns.stop_index("b")] == t0 + 300


def test_export_import_keeps_walks_through_a_walk_only_stop(tmp_path: Path) -> None:
    first = import_gtfs(write_feed(tmp_path, **WALK_ONLY))
    second = import_gtfs(export_gtfs(first, tmp_path / "walks.zip"))
    assert _walks(second) == _walks(first)
    assert second.terminals["m"].modes == {Mode.WALK}
    assert set(second.terminals) == set(first.terminals)


def test_import_summary_counts_walks_through_a_walk_only_stop(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["gtfs", "import", str(write_feed(tmp_path, **WALK_ONLY)), str(out)])
    assert result.exit_code == 0, result.output
    summary = " ".join(result.stdout.split())  # rich may wrap the line
    assert "5 terminals" in summary and "4 walking transfers" in summary
    route = CliRunner().invoke(
        app,
        ["route", "--scenario", str(out), "--from", "d", "--to", "b", "--ready", "2025-01-07T06:00+01:00"],
    )
    assert route.exit_code == 0, route.output
    assert "d → b" in route.stdout and "06:05" in route.stdout  # one chained walk of 300 s, via m


# A1 and A2 are platforms of station A; each trip calls at both with other pickup (p) and drop-off (d) rules
PLATFORMS = {
    "stops.txt": BASE["stops.txt"]
    + "A,Abbey,52.515,13.415,1,\nA1,Abbey 1,52.5151,13.4151,0,A\nA2,Abbey 2,52.5152,13.4152,0,A\n",
    "trips.txt": BASE["trips.txt"] + "U1,WK,t1\nU1,WK,t2\nU1,WK,t3\nU1,WK,t4\n",
    "stop_times.txt": RULES
    + "".join(
        f"{trip},{h}:00:00,{h}:00:00,ST_1,1,0,0\n{trip},{h}:10:00,{h}:12:00,A1,2,{a1}\n"
        f"{trip},{h}:14:00,{h}:15:00,A2,3,{a2}\n{trip},{h}:30:00,{h}:30:00,C,4,0,0\n"
        for trip, h, a1, a2 in (
            ("t1", 11, "0,1", "0,0"),  # sets down only at A2
            ("t2", 12, "0,0", "1,0"),  # picks up only at A1
            ("t3", 13, "0,1", "1,0"),  # picks up at A1, then sets down at A2
            ("t4", 14, "1,1", "1,1"),  # neither
        )
    ),
}


def test_merged_platforms_let_cargo_on_and_off_only_when_a_platform_allows_it(tmp_path: Path) -> None:
    b = import_gtfs(write_feed(tmp_path, **PLATFORMS))
    at_a = {
        s.departures[0].hour: (
            round(s.stops[1].arrive_offset_h * 60),
            round(s.stops[1].depart_offset_h * 60),
            s.stops[1].pickup,
            s.stops[1].dropoff,
        )
        for s in b.services
        if [x.terminal_id for x in s.stops] == ["st", "a", "c"]
    }
    assert at_a == {
        11: (14, 15, True, True),  # not off before 11:14, where A2 sets down
        12: (10, 12, True, True),  # not on after 12:12, when A1 leaves
        13: (14, 15, False, True),  # boarding ends before leaving starts: keep the drop-off, forbid boarding
        14: (10, 15, False, False),
    }
    loaded = load_bundle(write_bundle(b, tmp_path / "bundle"))  # each arrival after the previous departure
    start = datetime(2025, 1, 5, tzinfo=ZoneInfo("Europe/Berlin"))
    assert _dated_trips(loaded, start, 3) == _dated_trips(b, start, 3)


@pytest.mark.parametrize("rows", ["C,D,2,300\nC,D,2,0\n", "C,D,2,0\nC,D,2,300\n", "C,D,0,\nC,D,2,0\n"])
def test_a_zero_min_transfer_time_is_a_time_among_duplicate_transfers(tmp_path: Path, rows: str) -> None:
    text = "from_stop_id,to_stop_id,transfer_type,min_transfer_time\nST,ST,2,120\n" + rows + "D,C,2,300\n"
    b = import_gtfs(write_feed(tmp_path, **{"transfers.txt": text}))
    assert _walks(b) == {("c", "d", 1), ("d", "c", 300)}  # 0 s, floored at the 1 s a walk link takes


def _feed_stop_ids(feed: Path) -> dict[str, str]:
    """Each stop_id of a zipped feed and the stop it belongs to (its parent_station, if any)."""
    import csv
    import io

    with zipfile.ZipFile(feed) as zf:
        rows = list(csv.DictReader(io.StringIO(zf.read("stops.txt").decode("utf-8-sig"))))
    return {r["stop_id"]: r.get("parent_station") or r["stop_id"] for r in rows}


def test_every_stop_id_of_a_feed_names_its_station_terminal(tmp_path: Path) -> None:
    from intermodal.planners.places import resolve_place

    small = import_gtfs(write_feed(tmp_path))
    assert small.terminals["st"].aliases == {"ST", "ST_1", "ST_2", "E"}  # station, platforms, entrance
    assert small.terminals["b"].aliases == {"B"}
    for stop_id, station in {"ST_1": "st", "E": "st", "st_2": "st", "C": "c"}.items():
        assert resolve_place(small, stop_id).terminal_id == station
    nyc = import_gtfs(FEEDS / "nyc_subway_gtfs.zip")
    assert nyc.terminals["250"].aliases == {"250N", "250S"}
    for stop_id, station in _feed_stop_ids(FEEDS / "nyc_subway_gtfs.zip").items():
        if station.lower() in nyc.terminals:
            assert resolve_place(nyc, stop_id).terminal_id == station.lower()


def test_aliases_survive_the_bundle_writer_and_export_import(tmp_path: Path) -> None:
    for feed in (write_feed(tmp_path), FEEDS / "nyc_subway_gtfs.zip"):
        first = import_gtfs(feed)
        aliases = {t: x.aliases for t, x in first.terminals.items()}
        assert any(aliases.values())
        written = load_bundle(write_bundle(first, tmp_path / f"{feed.stem}-bundle"))
        assert {t: x.aliases for t, x in written.terminals.items()} == aliases
        again = import_gtfs(export_gtfs(written, tmp_path / f"{feed.stem}.zip"))
        assert {t: x.aliases for t, x in again.terminals.items()} == aliases


def test_a_boarding_area_hangs_from_its_platform_and_names_the_station(tmp_path: Path) -> None:
    stops = BASE["stops.txt"] + "BA,Board A,,,4,ST_1\nBX,Board X,,,4,ST\n"
    with pytest.raises(BundleError) as err:
        import_gtfs(write_feed(tmp_path, **{"stops.txt": stops}))
    (problem,) = err.value.problems  # only BX, whose parent is a station, not a platform
    assert (problem.row, problem.field, problem.found) == (10, "parent_station", "ST")
    assert problem.expected == "a stop_id of location_type 0"
    b = import_gtfs(write_feed(tmp_path, **{"stops.txt": BASE["stops.txt"] + "BA,Board A,,,4,ST_1\n"}))
    assert "BA" in b.terminals["st"].aliases


@pytest.mark.parametrize(
    ("options", "field", "found"),
    [
        ({"capacity_teu": float("inf")}, "capacity_teu", "inf"),
        ({"capacity_teu": float("nan")}, "capacity_teu", "nan"),
        ({"capacity_teu": 0.0}, "capacity_teu", "0"),
        ({"country": "ZZZ"}, "country", "ZZZ"),
        ({"country": "D1"}, "country", "D1"),
    ],
)
def test_options_are_checked_before_the_feed_is_read(
    tmp_path: Path, options: dict[str, Any], field: str, found: str
) -> None:
    with pytest.raises(InputError) as err:
        import_gtfs(tmp_path / "nowhere.zip", **options)  # the option, not the missing feed
    (problem,) = err.value.problems
    assert (problem.field, problem.found) == (field, found) and problem.expected


def test_a_country_in_lower_case_is_taken_in_upper_case(tmp_path: Path) -> None:
    assert {t.country for t in import_gtfs(write_feed(tmp_path), country="fr").terminals.values()} == {"FR"}


def test_a_runaway_frequency_row_is_refused_by_its_row(tmp_path: Path) -> None:
    rows = (
        "trip_id,start_time,end_time,headway_secs\nferry,07:00:00,08:00:00,1200\nu1a,00:00:00,999:00:00,1\n"
    )
    with pytest.raises(BundleError) as err:
        import_gtfs(write_feed(tmp_path, **{"frequencies.txt": rows}))
    (problem,) = err.value.problems
    assert (problem.file, problem.row, problem.field) == ("frequencies.txt", 3, "headway_secs")
    assert "3,596,400 trips" in problem.message


def test_frequency_rows_that_add_up_to_too_many_trips_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(gtfs, "_MAX_FREQUENCY_TRIPS", 5)
    rows = (
        "trip_id,start_time,end_time,headway_secs\nferry,07:00:00,08:00:00,1200\nu1a,07:00:00,08:00:00,1200\n"
    )
    with pytest.raises(BundleError) as err:
        import_gtfs(write_feed(tmp_path, **{"frequencies.txt": rows}))
    (problem,) = err.value.problems  # 3 trips pass, the next row's 3 make 6
    assert (problem.row, problem.field) == (3, "headway_secs") and "(6 with those above)" in problem.message


def test_export_writes_all_or_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bundle = import_gtfs(write_feed(tmp_path))
    with pytest.raises(InputError, match="output is a folder"):
        export_gtfs(bundle, tmp_path)
    target = tmp_path / "new" / "deeper" / "out.zip"

    def full_disk(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(zipfile.ZipFile, "writestr", full_disk)
    with pytest.raises(InputError, match="No space left on device"):
        export_gtfs(bundle, target)
    assert not (tmp_path / "new").exists()  # neither the zip nor the folders made for it
    monkeypatch.undo()
    old = tmp_path / "old.zip"
    old.write_bytes(b"before")
    monkeypatch.setattr(zipfile.ZipFile, "writestr", full_disk)
    with pytest.raises(InputError):
        export_gtfs(bundle, old)
    assert old.read_bytes() == b"before"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["feed", "old.zip"]  # no staged file left


def test_a_latin1_file_is_named_with_its_line(tmp_path: Path) -> None:
    feed = write_feed(tmp_path)
    text = BASE["stops.txt"].replace("B,Bridge", "B,Brücke")
    (feed / "stops.txt").write_bytes(text.encode("latin-1"))
    with pytest.raises(BundleError) as err:
        import_gtfs(feed)
    problem = err.value.problems[0]
    assert (problem.file, problem.row, problem.found) == ("stops.txt", 5, "0xFC")
    assert problem.message == "file is not UTF-8" and "UTF-8" in (problem.expected or "")
    zipped = tmp_path / "feed.zip"
    with zipfile.ZipFile(zipped, "w") as zf:
        for path in feed.iterdir():
            zf.write(path, path.name)
    with pytest.raises(BundleError) as err:
        import_gtfs(zipped)
    assert (err.value.problems[0].file, err.value.problems[0].row) == ("stops.txt", 5)
