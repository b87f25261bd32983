"""GTFS in and out: a feed becomes a bundle (stops as terminals, trips as services), and back.

:func:`import_gtfs` reads any static GTFS feed (a zip or a folder) whatever its ``route_type``, and
:func:`export_gtfs` writes a bundle's services as a GTFS zip that OpenTripPlanner or gtfs-kit can read.
The mapping is documented in docs/gtfs.md.
"""

from __future__ import annotations

import csv
import io
import itertools
import math
import re
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from intermodal.exceptions import BundleError, InputError, Problem
from intermodal.io._archive import GTFS_LIMITS, Archive
from intermodal.io._atomic import check_target, staged_file
from intermodal.model import (
    Bundle,
    Calendar,
    CostUnit,
    EmissionFactor,
    FactorTable,
    FactorUnit,
    Link,
    Manifest,
    Mode,
    Service,
    ServiceStop,
    Terminal,
)

__all__ = ["GTFS_MODES", "export_gtfs", "import_gtfs", "mode_of_route_type"]

#: The basic GTFS route types and the mode each becomes. Extended (Google) types go by their hundreds.
GTFS_MODES: Mapping[int, Mode] = {
    0: Mode.ROAD,  # tram, streetcar: runs on the street
    1: Mode.RAIL,  # subway, metro
    2: Mode.RAIL,  # rail
    3: Mode.ROAD,  # bus
    4: Mode.INLAND_WATERWAY,  # ferry
    5: Mode.ROAD,  # cable tram: runs on the street
    6: Mode.RAIL,  # aerial lift: a fixed guideway; no better mode exists
    7: Mode.RAIL,  # funicular
    11: Mode.ROAD,  # trolleybus
    12: Mode.RAIL,  # monorail
}
_EXTENDED_MODES: Mapping[int, Mode] = {
    1: Mode.RAIL,  # 100-199 railway
    2: Mode.ROAD,  # 200-299 coach
    4: Mode.RAIL,  # 400-499 urban railway, metro
    5: Mode.RAIL,  # 500-599 metro
    6: Mode.RAIL,  # 600-699 underground
    7: Mode.ROAD,  # 700-799 bus
    8: Mode.ROAD,  # 800-899 trolleybus
    9: Mode.ROAD,  # 900-999 tram
    10: Mode.INLAND_WATERWAY,  # 1000-1099 water transport
    12: Mode.INLAND_WATERWAY,  # 1200-1299 ferry
    13: Mode.RAIL,  # 1300-1399 aerial lift
    14: Mode.RAIL,  # 1400-1499 funicular
    15: Mode.ROAD,  # 1500-1599 taxi
    17: Mode.ROAD,  # 1700-1799 miscellaneous
}
_TIME = re.compile(r"^(\d+):([0-5]\d):([0-5]\d)$")
_DAY_S = 86400
_WALK_KMH = 4.5  # walking pace for transfers that give no min_transfer_time (assumption)
_ID_BAD = re.compile(r"[^0-9a-z_.:-]+")
# frequencies.txt: a row at a 1-minute headway all day runs 1,440 trips; far more is a typo (a wrong
# end_time or headway) that would fill the memory before anything else is checked
_MAX_BLOCK_TRIPS = 10_000
_MAX_FREQUENCY_TRIPS = 1_000_000


def mode_of_route_type(route_type: int) -> Mode | None:
    """The mode a GTFS ``route_type`` becomes, or ``None`` when the type is unknown."""
    if route_type in GTFS_MODES:
        return GTFS_MODES[route_type]
    if 100 <= route_type < 1800:
        return _EXTENDED_MODES.get(route_type // 100)
    return None


# ---------------------------------------------------------------------------------------------------------
# Reading


@dataclass
class _Feed:
    """The files of a feed, read by name from a zip or a folder."""

    path: Path
    names: dict[str, str] = field(default_factory=dict)
    _zip: Archive | None = None

    @classmethod
    def open(cls, path: Path) -> _Feed:
        if path.is_file():
            if not zipfile.is_zipfile(path):
                raise BundleError(Problem("not a zip file", file=str(path), expected="a GTFS zip or folder"))
            zf = Archive(path, GTFS_LIMITS)
            names = {Path(n).name: n for n in sorted(zf.names(), key=len, reverse=True) if n.endswith(".txt")}
            return cls(path, names, zf)
        if path.is_dir():
            return cls(path, {p.name: p.name for p in path.glob("*.txt")})
        raise BundleError(Problem("no such feed", file=str(path), expected="a GTFS zip or folder"))

    def has(self, name: str) -> bool:
        return name in self.names

    def rows(self, name: str) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
        if self._zip is not None:
            data = self._zip.open_text(self.names[name])  # streamed within the limits, never inflated whole
        else:
            data = io.StringIO((self.path / name).read_text(encoding="utf-8-sig"), newline="")
        reader = csv.DictReader(data)
        header = [h.strip() for h in (reader.fieldnames or [])]
        reader.fieldnames = header

        def gen() -> Iterator[tuple[int, dict[str, str]]]:
            for line, raw in enumerate(reader, start=2):
                yield line, {k: (v or "").strip() for k, v in raw.items() if k is not None}

        return header, gen()


class _Reader:
    """Reads GTFS tables, collecting every problem with its file, row and field."""

    def __init__(self, feed: _Feed) -> None:
        self.feed = feed
        self.problems: list[Problem] = []

    def table(
        self, name: str, required: Iterable[str], *, optional: bool = False
    ) -> Iterator[tuple[int, dict[str, str]]]:
        if not self.feed.has(name):
            if not optional:
                self.problems.append(Problem("file is missing", file=name, expected="a GTFS table"))
            return iter(())
        try:
            header, rows = self.feed.rows(name)
        except UnicodeDecodeError as err:
            self.problems.append(_not_utf8(name, err))
            return iter(())
        missing = [c for c in required if c not in header]
        for col in missing:
            self.problems.append(Problem("required column is missing", file=name, row=1, field=col))
        return iter(()) if missing else rows

    def bad(self, message: str, file: str, row: int, col: str, found: str, expected: str | None) -> None:
        self.problems.append(Problem(message, file=file, row=row, field=col, found=found, expected=expected))

    def need(self, file: str, row: int, rec: dict[str, str], col: str) -> str | None:
        value = rec.get(col, "")
        if not value:
            self.problems.append(Problem("value is missing", file=file, row=row, field=col))
            return None
        return value

    def number(
        self,
        file: str,
        row: int,
        rec: dict[str, str],
        col: str,
        lo: float,
        hi: float,
        *,
        integer: bool = False,
    ) -> float | None:
        text = rec.get(col, "")
        try:
            value = int(text) if integer else float(text)
        except ValueError:
            value = None
        if value is None or not lo <= value <= hi or value != value:
            kind = "an integer" if integer else "a number"
            self.bad("value is not valid", file, row, col, text, f"{kind} from {lo:g} to {hi:g}")
            return None
        return value

    def day(self, file: str, row: int, rec: dict[str, str], col: str) -> date | None:
        text = rec.get(col, "")
        try:
            if len(text) != 8 or not (text.isascii() and text.isdigit()):
                raise ValueError
            return date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            self.bad("value is not valid", file, row, col, text, "a date as YYYYMMDD")
            return None

    def clock(self, file: str, row: int, rec: dict[str, str], col: str) -> int | None:
        text = rec.get(col, "")
        match = _TIME.match(text)
        if match is None:
            self.bad("value is not valid", file, row, col, text, "a time as HH:MM:SS (HH may pass 24)")
            return None
        return int(match[1]) * 3600 + int(match[2]) * 60 + int(match[3])


def _not_utf8(name: str, err: UnicodeDecodeError) -> Problem:
    """Where a file stops being UTF-8: its line (the header is line 1) and the bytes found there."""
    data = bytes(err.object)
    line = data.count(b"\n", 0, err.start) + 1
    return Problem(
        "file is not UTF-8",
        file=name,
        row=line,
        found=" ".join(f"0x{b:02X}" for b in data[err.start : err.end]),
        expected="UTF-8 text, as GTFS requires: convert the file (iconv -f latin1 -t utf-8, for example)",
    )


@dataclass
class _Stop:
    id: str
    name: str
    lat: float
    lon: float
    station: str  # the GTFS stop_id of the terminal this stop belongs to
    kind: int = 0  # location_type: 0 stop or platform, 1 station, 2-4 entrance, generic node, boarding area


@dataclass
class _Trip:
    route: str
    service: str
    line: int
    # (stop_sequence, stop_id, arrival, departure, shape_dist_traveled, line, pickup, dropoff)
    stops: list[tuple[int, str, int | None, int | None, float | None, int, bool, bool]] = field(
        default_factory=list
    )


def import_gtfs(
    path: str | Path,
    *,
    name: str | None = None,
    country: str | None = None,
    capacity_teu: float = 1.0,
) -> Bundle:
    """Read a GTFS feed as a bundle: stations as terminals, trips as services, transfers as walks.

    Parameters
    ----------
    path
        A GTFS zip or a folder of GTFS ``.txt`` files.
    name
        The bundle's name; by default the file name without its extension, in lower case.
    country
        ISO 3166 code of the terminals; by default the country of the agency's time zone.
    capacity_teu
        Capacity given to every departure, since passenger feeds carry none.

    Returns
    -------
    Bundle
        Stops grouped at their parent station become one terminal whose ``handling_h`` is the station's
        ``min_transfer_time`` (transfer_type 2). Trips of one route with the same stops, the same offsets
        and the same ``pickup_type``/``drop_off_type`` rules become one service with several departures; a
        stop's type 1 ("none") makes its ``ServiceStop.pickup`` (``dropoff``) false, types 0, 2 and 3 keep
        it true. Transfers between different stations become flexible ``walk`` links; a station no trip
        serves becomes a walk-only terminal when walks join it to a station that a trip serves.

    Raises
    ------
    InputError
        Before reading the feed, when ``country`` or ``capacity_teu`` is not valid.
    BundleError
        With every problem found in the feed, each naming its file, row and field.
    """
    path = Path(path)
    country = _check_options(country, capacity_teu)
    reader = _Reader(_Feed.open(path))
    agency_tz, carrier = _read_agency(reader)
    stops, parents = _read_stops(reader)
    routes = _read_routes(reader)
    calendars = _read_calendars(reader)
    trips = _read_trips(reader, routes, calendars)
    _read_stop_times(reader, trips, stops)
    frequencies = _read_frequencies(reader, trips)
    station_change_s, walks = _read_transfers(reader, stops, parents)
    if reader.problems:
        raise BundleError(reader.problems)

    zone = agency_tz or "UTC"
    bundle_name = _ident(name or path.name.split(".")[0]) or "gtfs"
    country = country or _country_of(zone)
    ids = _TerminalIds()
    # a pattern is a route, a service_id, a day shift and the stops with their offsets and pickup/drop-off
    # rules: trips that differ in any of these cannot share a Service
    patterns: dict[_PatternKey, list[time]] = defaultdict(list)
    first_line: dict[_PatternKey, int] = {}
    problems: list[Problem] = []
    for trip_id, trip in trips.items():
        times = _interpolate(trip, stops, problems, trip_id)
        if times is None:
            continue
        # consecutive stops of one station collapse: the vehicle never leaves the terminal
        groups: list[tuple[str, list[tuple[int, int, bool, bool]]]] = []
        for row, (arr, dep) in zip(trip.stops, times, strict=True):
            station = stops[row[1]].station
            if not groups or groups[-1][0] != station:
                groups.append((station, []))
            groups[-1][1].append((arr, dep, row[6], row[7]))
        names: list[str] = []
        arrs: list[int] = []
        deps: list[int] = []
        ups: list[bool] = []
        downs: list[bool] = []
        for station, calls in groups:
            arr, dep, up, down = _merge_calls(calls)
            names.append(station)
            arrs.append(arr)
            deps.append(dep)
            ups.append(up)
            downs.append(down)
        if len(names) < 2:
            continue  # it never leaves its station, so it carries nothing between terminals
        t_first = deps[0]
        shape = tuple(
            (n, a - t_first, d - t_first, up, down)
            for n, a, d, up, down in zip(names, arrs, deps, ups, downs, strict=True)
        )
        starts = frequencies.get(trip_id) or [t_first]
        for start in starts:
            shift, clock = divmod(start, _DAY_S)
            key = (trip.route, trip.service, shift, shape)
            patterns[key].append(time(clock // 3600, clock // 60 % 60, clock % 60))
            first_line.setdefault(key, trip.line)
    if not problems and not patterns:
        problems.append(
            Problem(
                "no trip runs between two stations",
                file="stop_times.txt",
                expected="trips with two or more stop times at different stations",
            )
        )
    if problems:
        raise BundleError(problems)

    services: list[Service] = []
    hop_s: dict[tuple[str, str, Mode], int] = {}
    station_modes: dict[str, set[Mode]] = defaultdict(set)
    per_route: Counter[str] = Counter()
    for key in sorted(patterns, key=lambda k: first_line[k]):
        route_id, service_id, shift, shape = key
        route_name, mode = routes[route_id]
        per_route[route_id] += 1
        stops_out = tuple(
            ServiceStop(ids.of(st), arr / 3600, dep / 3600, pickup=up, dropoff=down)
            for st, arr, dep, up, down in shape
        )
        for here, there in itertools.pairwise(shape):
            hop = (ids.of(here[0]), ids.of(there[0]), mode)
            hop_s[hop] = min(hop_s.get(hop, 1 << 40), there[1] - here[2])
        for st, *_ in shape:
            station_modes[st].add(mode)
        services.append(
            Service(
                id=_ident(f"{route_id}.{per_route[route_id]}"),
                name_en=route_name,
                name_zh=route_name,
                mode=mode,
                carrier=carrier,
                stops=stops_out,
                departures=tuple(sorted(set(patterns[key]))),
                calendar=_shifted(calendars[service_id], shift),
                capacity_teu=capacity_teu,
                cutoff_h=0.0,
                cost_per_teu_km=0.0,
                emission_factor=f"gtfs_{mode.value}",
                source=f"GTFS feed {path.name}: route_id={route_id}, service_id={service_id}",
                notes=f"gtfs_route_id={route_id}",
                line=_ident(route_id),
            )
        )

    links: list[Link] = []
    for (a, b, mode), seconds in sorted(hop_s.items()):
        ta, tb = ids.station(a), ids.station(b)
        links.append(
            Link(
                id=f"hop{len(links) + 1}",
                from_id=a,
                to_id=b,
                mode=mode,
                distance_km=max(_haversine_km(stops[ta], stops[tb]), 0.001),
                duration_h=max(seconds, 1) / 3600,
                cost_per_unit=0.0,
                cost_unit=CostUnit.TEU_KM,
                emission_factor=f"gtfs_{mode.value}",
                flexible=False,
                bidirectional=False,
                source=f"GTFS feed {path.name}: consecutive stops; distance is great-circle",
            )
        )
    for (a, b), walk_s in sorted(_walks_to_keep(walks, stops, set(station_modes)).items()):
        km = max(_haversine_km(stops[a], stops[b]), 0.001)
        if walk_s is None:
            walk_s = max(1, round(km / _WALK_KMH * 3600))
        station_modes[a].add(Mode.WALK)
        station_modes[b].add(Mode.WALK)
        links.append(
            Link(
                id=f"walk{len(links) + 1}",
                from_id=ids.of(a),
                to_id=ids.of(b),
                mode=Mode.WALK,
                distance_km=km,
                duration_h=max(walk_s, 1) / 3600,
                cost_per_unit=0.0,
                cost_unit=CostUnit.TEU_KM,
                emission_factor="",
                flexible=True,
                bidirectional=False,
                source=f"GTFS feed {path.name}: transfers.txt",
            )
        )

    aliases = _aliases(stops, parents, set(station_modes), ids)
    terminals: dict[str, Terminal] = {}
    for station in sorted(station_modes, key=ids.of):
        s = stops[station]
        terminals[ids.of(station)] = Terminal(
            id=ids.of(station),
            name_en=s.name or station,
            name_zh=s.name or station,
            lat=s.lat,
            lon=s.lon,
            timezone=zone,
            country=country,
            modes=frozenset(station_modes[station]),
            handling_h=station_change_s.get(station, 0) / 3600,
            kind="station",
            source=f"GTFS feed {path.name}: stops.txt stop_id={station}",
            notes=f"gtfs_stop_id={station}",
            aliases=frozenset(aliases[station]),
        )
    modes = sorted({sv.mode for sv in services}, key=lambda m: m.value)
    factors = {
        f"gtfs_{m.value}": EmissionFactor(
            id=f"gtfs_{m.value}",
            mode=m,
            unit=FactorUnit.G_PER_TEU_KM,
            wtt=0.0,
            ttw=0.0,
            description=(
                f"placeholder for {m.value} services imported from a passenger GTFS feed, which gives no "
                "freight intensity; replace it with a measured or GLEC Framework v3 default before "
                "reporting CO2e"
            ),
            source="assumption",
        )
        for m in modes
    }
    manifest = Manifest(
        name=bundle_name,
        title_en=f"GTFS feed {path.name}",
        title_zh=f"GTFS feed {path.name}",
        description=f"Imported from {path.name} by intermodal.io.gtfs.import_gtfs",
    )
    return Bundle(
        manifest=manifest,
        terminals=terminals,
        links=tuple(links),
        services=tuple(services),
        crossings={},
        factors=FactorTable(factors),
        origin=str(path),
    )


_PatternKey = tuple[str, str, int, tuple[tuple[str, int, int, bool, bool], ...]]


def _walks_to_keep(
    walks: Mapping[tuple[str, str], int | None], stops: Mapping[str, _Stop], served: set[str]
) -> dict[tuple[str, str], int | None]:
    """The transfers that lie in a walk component (walks taken both ways) with a station a trip serves.

    A station no trip serves stays when walks join it to one that a trip serves, so a chain D -> M -> X
    through it still leads somewhere; a component of unserved stations only leads nowhere. Entrances,
    generic nodes and boarding areas are no terminals, so transfers at them are dropped.
    """
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    usable = {ab: s for ab, s in walks.items() if all(stops[x].kind <= 1 for x in ab)}
    for a, b in usable:
        parent[root(a)] = root(b)
    reached = {root(x) for x in served if x in parent}
    return {(a, b): s for (a, b), s in usable.items() if root(a) in reached}


def _check_options(country: str | None, capacity_teu: float) -> str | None:
    """The options of :func:`import_gtfs` checked before the feed is read; the country in upper case."""
    problems: list[Problem] = []
    if not (math.isfinite(capacity_teu) and capacity_teu > 0):
        problems.append(
            Problem(
                "capacity is not valid",
                field="capacity_teu",
                found=f"{capacity_teu:g}",
                expected="a finite number of TEU above 0",
            )
        )
    if country is not None:
        if len(country) == 2 and country.isascii() and country.isalpha():
            country = country.upper()
        else:
            problems.append(
                Problem(
                    "country is not valid",
                    field="country",
                    found=country,
                    expected="an ISO 3166 two-letter code such as US",
                )
            )
    if problems:
        raise InputError(problems)
    return country


def _aliases(
    stops: Mapping[str, _Stop], parents: Mapping[str, str], terminals: set[str], ids: _TerminalIds
) -> dict[str, set[str]]:
    """The feed's own ids of each terminal's station: its platforms, entrances, nodes and boarding areas.

    A terminal keeps its station's ``stop_id`` as an alias too when the id had to change (``Stop A``
    becomes ``stop_a``), so every ``stop_id`` of a served station still names it. An id holding ``|`` is
    left out: the bundle's ``aliases`` column separates ids with it.
    """
    out: dict[str, set[str]] = defaultdict(set)
    for stop_id, stop in stops.items():
        # entrances and nodes hang from their station, a boarding area from its platform
        owner = stops.get(parents.get(stop_id, ""), stop) if stop.kind >= 2 else stop
        station = owner.station
        if station in terminals and stop_id != ids.of(station) and "|" not in stop_id:
            out[station].add(stop_id)
    return out


def _merge_calls(calls: list[tuple[int, int, bool, bool]]) -> tuple[int, int, bool, bool]:
    """One stop for a trip's consecutive calls (arrival, departure, pickup, dropoff) at a station's platforms.

    Cargo may leave from the earliest arrival at a platform that sets down, and board until the latest
    departure from a platform that picks up; with no such platform the stop takes the first arrival (last
    departure) and forbids leaving (boarding). A stop cannot depart before it arrives, so when every
    pickup platform comes before the first drop-off platform the stop keeps the drop-off and forbids
    boarding: it never lets cargo on or off at a time the feed does not allow.
    """
    drop_arrs = [a for a, _, _, down in calls if down]
    pick_deps = [d for _, d, up, _ in calls if up]
    arrive = min(drop_arrs) if drop_arrs else calls[0][0]
    depart = max(pick_deps) if pick_deps else calls[-1][1]
    pickup = bool(pick_deps)
    if depart < arrive:
        depart, pickup = calls[-1][1], False
    return arrive, depart, pickup, bool(drop_arrs)


class _TerminalIds:
    """Terminal ids are lower case; two GTFS ids that differ only in case get distinct suffixes."""

    def __init__(self) -> None:
        self._ids: dict[str, str] = {}
        self._back: dict[str, str] = {}

    def of(self, stop_id: str) -> str:
        out = self._ids.get(stop_id)
        if out is None:
            base = _ident(stop_id) or "stop"
            out, n = base, 1
            while out in self._back:
                n += 1
                out = f"{base}~{n}"
            self._ids[stop_id] = out
            self._back[out] = stop_id
        return out

    def station(self, terminal_id: str) -> str:
        return self._back[terminal_id]


def _ident(text: str) -> str:
    return _ID_BAD.sub("_", text.strip().lower())


def _country_of(zone: str) -> str:
    try:
        table = resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        return "ZZ"
    for line in table.splitlines():
        parts = line.split("\t")
        if len(parts) >= 3 and not line.startswith("#") and parts[2] == zone:
            return parts[0]
    return "ZZ"  # user-assigned ISO 3166 code: the zone names no country (UTC, Etc/...)


def _read_agency(r: _Reader) -> tuple[str | None, str]:
    zones, names = set(), []
    for line, rec in r.table("agency.txt", ["agency_name", "agency_timezone"]):
        zone = r.need("agency.txt", line, rec, "agency_timezone")
        if zone is not None:
            try:
                ZoneInfo(zone)
                zones.add(zone)
            except (ZoneInfoNotFoundError, ValueError):
                r.bad("unknown time zone", "agency.txt", line, "agency_timezone", zone, "an IANA time zone")
            if len(zones) > 1:
                r.bad(
                    "agencies of one feed must share a time zone",
                    "agency.txt",
                    line,
                    "agency_timezone",
                    zone,
                    sorted(zones)[0],
                )
        names.append(rec.get("agency_name") or "unknown")
    return (next(iter(zones)) if zones else None), " / ".join(dict.fromkeys(names)) or "unknown"


def _read_stops(r: _Reader) -> tuple[dict[str, _Stop], dict[str, str]]:
    file = "stops.txt"
    stops: dict[str, _Stop] = {}
    kinds: dict[str, tuple[int, int]] = {}
    parents: dict[str, tuple[int, str]] = {}
    for line, rec in r.table(file, ["stop_id"]):
        stop_id = r.need(file, line, rec, "stop_id")
        if stop_id is None:
            continue
        if stop_id in stops:
            r.bad(
                f"duplicate stop_id (first on line {kinds[stop_id][1]})", file, line, "stop_id", stop_id, None
            )
            continue
        kind_text = rec.get("location_type") or "0"
        kind = int(kind_text) if kind_text in {"0", "1", "2", "3", "4"} else None
        if kind is None:
            r.bad("value is not valid", file, line, "location_type", kind_text, "0, 1, 2, 3 or 4")
            continue
        lat = lon = 0.0
        if kind <= 2:
            got_lat = r.number(file, line, rec, "stop_lat", -90, 90)
            got_lon = r.number(file, line, rec, "stop_lon", -180, 180)
            if got_lat is None or got_lon is None:
                continue
            lat, lon = got_lat, got_lon
        parent = rec.get("parent_station", "")
        if parent and kind != 1:
            parents[stop_id] = (line, parent)
        kinds[stop_id] = (kind, line)
        stops[stop_id] = _Stop(stop_id, rec.get("stop_name", ""), lat, lon, stop_id, kind)
    for stop_id, (line, parent) in parents.items():
        # GTFS: a boarding area (type 4) hangs from its platform, everything else from a station
        want = 0 if kinds[stop_id][0] == 4 else 1
        if parent not in stops or kinds[parent][0] != want:
            r.bad(
                "parent_station is not a platform" if want == 0 else "parent_station is not a station",
                file,
                line,
                "parent_station",
                parent,
                f"a stop_id of location_type {want}",
            )
        elif kinds[stop_id][0] == 0:
            stops[stop_id].station = parent
    return stops, {s: p for s, (_, p) in parents.items()}


def _read_routes(r: _Reader) -> dict[str, tuple[str, Mode]]:
    file = "routes.txt"
    routes: dict[str, tuple[str, Mode]] = {}
    for line, rec in r.table(file, ["route_id", "route_type"]):
        route_id = r.need(file, line, rec, "route_id")
        if route_id is None:
            continue
        if route_id in routes:
            r.bad("duplicate route_id", file, line, "route_id", route_id, "a route_id used once")
            continue
        text = rec.get("route_type", "")
        mode = mode_of_route_type(int(text)) if text.isascii() and text.isdigit() else None
        if mode is None:
            r.bad(
                "unknown route_type",
                file,
                line,
                "route_type",
                text,
                "0-7, 11, 12, or an extended type 100-1799",
            )
            continue
        label = " ".join(x for x in (rec.get("route_short_name"), rec.get("route_long_name")) if x)
        routes[route_id] = (label or route_id, mode)
    return routes


def _read_calendars(r: _Reader) -> dict[str, Calendar]:
    weekly: dict[str, tuple[frozenset[int], date, date]] = {}
    days = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
    has_cal, has_dates = r.feed.has("calendar.txt"), r.feed.has("calendar_dates.txt")
    if not has_cal and not has_dates:
        r.problems.append(
            Problem("file is missing", file="calendar.txt", expected="calendar.txt or calendar_dates.txt")
        )
    file = "calendar.txt"
    for line, rec in r.table(file, ["service_id", *days, "start_date", "end_date"], optional=True):
        sid = r.need(file, line, rec, "service_id")
        flags: list[int] = []
        for i, d in enumerate(days):
            if rec.get(d) not in ("0", "1"):
                r.bad("value is not valid", file, line, d, rec.get(d, ""), "0 or 1")
            elif rec[d] == "1":
                flags.append(i)
        start, end = r.day(file, line, rec, "start_date"), r.day(file, line, rec, "end_date")
        if sid is None or start is None or end is None:
            continue
        if end < start:
            r.bad(
                "end_date is before start_date",
                file,
                line,
                "end_date",
                rec["end_date"],
                f">= {rec['start_date']}",
            )
        weekly[sid] = (frozenset(flags), start, end)
    added: dict[str, set[date]] = defaultdict(set)
    removed: dict[str, set[date]] = defaultdict(set)
    file = "calendar_dates.txt"
    for line, rec in r.table(file, ["service_id", "date", "exception_type"], optional=True):
        sid = r.need(file, line, rec, "service_id")
        day = r.day(file, line, rec, "date")
        kind = rec.get("exception_type", "")
        if kind not in ("1", "2"):
            r.bad("value is not valid", file, line, "exception_type", kind, "1 (added) or 2 (removed)")
            continue
        if sid is not None and day is not None:
            (added if kind == "1" else removed)[sid].add(day)
    out: dict[str, Calendar] = {}
    for sid in set(weekly) | set(added) | set(removed):
        every = added[sid] | removed[sid]
        pattern, first, last = weekly.get(
            sid, (frozenset(), min(every or {date.min}), max(every or {date.min}))
        )
        out[sid] = Calendar(pattern, first, last, frozenset(added[sid]), frozenset(removed[sid]))
    return out


def _read_trips(
    r: _Reader, routes: Mapping[str, object], calendars: Mapping[str, Calendar]
) -> dict[str, _Trip]:
    file = "trips.txt"
    trips: dict[str, _Trip] = {}
    for line, rec in r.table(file, ["route_id", "service_id", "trip_id"]):
        trip_id = r.need(file, line, rec, "trip_id")
        route = r.need(file, line, rec, "route_id")
        sid = r.need(file, line, rec, "service_id")
        if trip_id is None or route is None or sid is None:
            continue
        if trip_id in trips:
            r.bad(
                f"duplicate trip_id (first on line {trips[trip_id].line})",
                file,
                line,
                "trip_id",
                trip_id,
                None,
            )
            continue
        if route not in routes:
            r.bad("unknown route", file, line, "route_id", route, "a route_id in routes.txt")
            continue
        if sid not in calendars:
            r.bad("unknown service", file, line, "service_id", sid, "a service_id in calendar(_dates).txt")
            continue
        trips[trip_id] = _Trip(route, sid, line)
    return trips


def _read_stop_times(r: _Reader, trips: dict[str, _Trip], stops: Mapping[str, _Stop]) -> None:
    file = "stop_times.txt"
    cols = ["trip_id", "stop_id", "stop_sequence", "arrival_time", "departure_time"]
    for line, rec in r.table(file, cols):
        trip = trips.get(rec.get("trip_id", ""))
        if trip is None:
            r.bad("unknown trip", file, line, "trip_id", rec.get("trip_id", ""), "a trip_id in trips.txt")
            continue
        stop_id = rec.get("stop_id", "")
        if stop_id not in stops:
            r.bad("unknown stop", file, line, "stop_id", stop_id, "a stop_id in stops.txt")
            continue
        seq_text = rec.get("stop_sequence", "")
        if not (seq_text.isascii() and seq_text.isdigit()):
            r.bad("value is not valid", file, line, "stop_sequence", seq_text, "a non-negative integer")
            continue
        arr = r.clock(file, line, rec, "arrival_time") if rec.get("arrival_time") else None
        dep = r.clock(file, line, rec, "departure_time") if rec.get("departure_time") else None
        dist_text = rec.get("shape_dist_traveled", "")
        try:
            dist = float(dist_text) if dist_text else None
        except ValueError:
            r.bad("value is not valid", file, line, "shape_dist_traveled", dist_text, "a number")
            continue
        pickup = _stop_rule(r, line, rec, "pickup_type")
        dropoff = _stop_rule(r, line, rec, "drop_off_type")
        if pickup is None or dropoff is None:
            continue
        trip.stops.append((int(seq_text), stop_id, arr, dep, dist, line, pickup, dropoff))


def _stop_rule(r: _Reader, line: int, rec: dict[str, str], col: str) -> bool | None:
    """Whether ``pickup_type`` or ``drop_off_type`` allows boarding (leaving) there; ``None`` when bad.

    Blank is 0 (regular). 2 (phone the agency) and 3 (coordinate with the driver) still let cargo on and
    off, so only 1 (none) forbids it.
    """
    text = rec.get(col, "")
    if text not in {"", "0", "1", "2", "3"}:
        r.bad("value is not valid", "stop_times.txt", line, col, text, "0, 1, 2 or 3 (blank is 0)")
        return None
    return text != "1"


def _read_frequencies(r: _Reader, trips: Mapping[str, _Trip]) -> dict[str, list[int]]:
    file = "frequencies.txt"
    out: dict[str, list[int]] = defaultdict(list)
    total = 0
    for line, rec in r.table(file, ["trip_id", "start_time", "end_time", "headway_secs"], optional=True):
        trip_id = rec.get("trip_id", "")
        if trip_id not in trips:
            r.bad("unknown trip", file, line, "trip_id", trip_id, "a trip_id in trips.txt")
            continue
        start, end = r.clock(file, line, rec, "start_time"), r.clock(file, line, rec, "end_time")
        headway = r.number(file, line, rec, "headway_secs", 1, 86400 * 7, integer=True)
        if start is None or end is None or headway is None:
            continue
        if end < start:
            r.bad(
                "end_time is before start_time",
                file,
                line,
                "end_time",
                rec["end_time"],
                f">= {rec['start_time']}",
            )
            continue
        # GTFS: vehicles leave at start, start + headway, ... while before end_time
        starts = range(start, end, int(headway)) if end > start else range(start, start + 1)
        if len(starts) > _MAX_BLOCK_TRIPS or total + len(starts) > _MAX_FREQUENCY_TRIPS:
            r.bad(
                f"frequency row expands to {len(starts):,} trips ({total + len(starts):,} with those above)",
                file,
                line,
                "headway_secs",
                rec["headway_secs"],
                f"at most {_MAX_BLOCK_TRIPS:,} trips a row and {_MAX_FREQUENCY_TRIPS:,} in all, counted as "
                "(end_time - start_time) / headway_secs",
            )
            if len(starts) > _MAX_BLOCK_TRIPS:
                continue
            return out  # the feed as a whole is too big: the rows below cannot make it fit
        total += len(starts)
        out[trip_id].extend(starts)
    return out


def _read_transfers(
    r: _Reader, stops: Mapping[str, _Stop], parents: Mapping[str, str]
) -> tuple[dict[str, int], dict[tuple[str, str], int | None]]:
    file = "transfers.txt"
    change: dict[str, int] = {}
    walks: dict[tuple[str, str], int | None] = {}
    for line, rec in r.table(file, ["from_stop_id", "to_stop_id", "transfer_type"], optional=True):
        a, b = rec.get("from_stop_id", ""), rec.get("to_stop_id", "")
        if not a and not b:
            continue  # trip-to-trip or route-to-route transfers without stops: nothing to model
        bad = False
        for col, value in (("from_stop_id", a), ("to_stop_id", b)):
            if value not in stops:
                r.bad("unknown stop", file, line, col, value, "a stop_id in stops.txt")
                bad = True
        kind = rec.get("transfer_type") or "0"
        if kind not in {"0", "1", "2", "3", "4", "5"}:
            r.bad("value is not valid", file, line, "transfer_type", kind, "0 to 5")
            continue
        seconds: int | None = None
        if rec.get("min_transfer_time"):
            got = r.number(file, line, rec, "min_transfer_time", 0, 86400, integer=True)
            if got is None:
                continue
            seconds = int(got)
        elif kind == "2":
            r.bad("value is missing", file, line, "min_transfer_time", "", "seconds, for transfer_type 2")
            continue
        if bad or kind in {"3", "4", "5"}:
            continue  # 3: not possible; 4, 5: in-seat transfers, which a service's stops already cover
        sa, sb = stops[a].station, stops[b].station
        if sa == sb:
            if kind == "2" and seconds is not None:
                # GTFS applies a station's transfer time to all its child stops; keep the largest
                change[sa] = max(change.get(sa, 0), seconds)
        else:
            # the quickest of duplicate transfers; 0 s is a time (a walk takes at least 1 s), blank is none
            old = walks.get((sa, sb))
            walks[(sa, sb)] = seconds if old is None else old if seconds is None else min(old, seconds)
    return change, walks


def _interpolate(
    trip: _Trip, stops: Mapping[str, _Stop], problems: list[Problem], trip_id: str
) -> list[tuple[int, int]] | None:
    """Arrival and departure seconds of each stop, with blank non-timepoint times interpolated."""
    file = "stop_times.txt"
    trip.stops.sort()
    rows = trip.stops
    if len(rows) < 2:
        return None  # an unusable trip (a warning in GTFS validators): it carries nothing, so skip it
    for prev_row, row in itertools.pairwise(rows):
        if prev_row[0] == row[0]:
            problems.append(
                Problem(
                    "duplicate stop_sequence in trip",
                    file=file,
                    row=row[5],
                    field="stop_sequence",
                    found=str(row[0]),
                )
            )
            return None
    arr = [x[2] if x[2] is not None else x[3] for x in rows]
    dep = [x[3] if x[3] is not None else x[2] for x in rows]
    for i in (0, len(rows) - 1):
        if arr[i] is None:
            problems.append(
                Problem(
                    "first and last stops of a trip need times",
                    file=file,
                    row=rows[i][5],
                    field="arrival_time",
                    expected="HH:MM:SS",
                )
            )
            return None
    # Where shape_dist_traveled is complete, interpolate along it; else along the great-circle distance.
    if all(x[4] is not None for x in rows):
        along = [float(x[4]) for x in rows]  # type: ignore[arg-type]
    else:
        along = [0.0]
        for prev_row, row in itertools.pairwise(rows):
            along.append(along[-1] + _haversine_km(stops[prev_row[1]], stops[row[1]]))
    known = [i for i in range(len(rows)) if arr[i] is not None]
    for lo, hi in itertools.pairwise(known):
        t0, t1 = dep[lo], arr[hi]
        assert t0 is not None and t1 is not None
        span = along[hi] - along[lo]
        for i in range(lo + 1, hi):
            frac = (along[i] - along[lo]) / span if span > 0 else (i - lo) / (hi - lo)
            arr[i] = dep[i] = round(t0 + frac * (t1 - t0))
    out: list[tuple[int, int]] = []
    for i, row in enumerate(rows):
        a_s, d = arr[i], dep[i]
        assert a_s is not None and d is not None
        prev = out[-1][1] if out else a_s
        if d < a_s or a_s < prev:
            problems.append(
                Problem(
                    "time goes backwards within the trip",
                    file=file,
                    row=row[5],
                    field="departure_time" if d < a_s else "arrival_time",
                    found=_clock_text(d if d < a_s else a_s),
                    expected=f">= {_clock_text(a_s if d < a_s else prev)}",
                )
            )
            return None
        out.append((a_s, d))
    return out


def _shifted(cal: Calendar, days: int) -> Calendar:
    """The calendar of trips that leave ``days`` days after their GTFS service day."""
    if days == 0:
        return cal
    step = timedelta(days=days)
    return Calendar(
        frozenset((d + days) % 7 for d in cal.weekdays),
        cal.start + step,
        cal.end + step,
        frozenset(d + step for d in cal.added),
        frozenset(d + step for d in cal.removed),
    )


def _haversine_km(a: _Stop, b: _Stop) -> float:
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    dp, dl = p2 - p1, math.radians(b.lon - a.lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(h)))


def _clock_text(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


# ---------------------------------------------------------------------------------------------------------
# Writing

#: The basic route_type each mode is written as.
ROUTE_TYPES: Mapping[Mode, int] = {
    Mode.ROAD: 3,
    Mode.RAIL: 2,
    Mode.INLAND_WATERWAY: 4,
    Mode.SEA: 4,
    Mode.WALK: 3,
}


def export_gtfs(bundle: Bundle, out_path: str | Path) -> Path:
    """Write ``bundle``'s services as a GTFS zip that OpenTripPlanner or gtfs-kit can read.

    Terminals become stops, each service a route of its own (or, for services imported from GTFS, their
    original route), each departure a trip, each calendar a ``calendar.txt`` row with its exceptions in
    ``calendar_dates.txt``. Terminal handling times and walk links go to ``transfers.txt``: one time per
    terminal, its ``handling_h``, since GTFS cannot express the bundle's per-mode-pair handling. A stop that
    does not pick up (set down) gets ``pickup_type`` (``drop_off_type``) 1, any other 0.

    GTFS times are in one agency time zone: the zone of the first service's first stop. Services whose
    first stop keeps another zone have their times converted at the offset of their calendar's first day,
    so a daylight-saving change inside the calendar moves them by an hour.

    Parameters
    ----------
    bundle
        Any bundle; it needs at least one service.
    out_path
        The zip file to write.

    Returns
    -------
    Path
        ``out_path``, written in full or not at all (the zip is made beside it and then moved in place).

    Raises
    ------
    InputError
        Before any work, when ``out_path`` is a folder or cannot be written; when writing fails.
    BundleError
        When the bundle has no services.
    """
    out_path = Path(out_path)
    check_target(out_path, folder=False)
    services = bundle.services
    if not services:
        raise BundleError(Problem("the bundle has no services to export", file="services.csv"))
    zone = bundle.terminals[services[0].stops[0].terminal_id].timezone
    carriers = {c: f"a{i + 1}" for i, c in enumerate(dict.fromkeys(s.carrier for s in services))}
    agency = [["agency_id", "agency_name", "agency_url", "agency_timezone"]]
    agency += [[aid, name, "https://example.org/", zone] for name, aid in carriers.items()]
    stops, platform = _stop_rows(bundle)
    routes = [["route_id", "agency_id", "route_short_name", "route_long_name", "route_type"]]
    trips = [["route_id", "service_id", "trip_id"]]
    head = ["trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence"]
    stop_times = [[*head, "pickup_type", "drop_off_type"]]
    calendar = [["service_id", *_WEEKDAYS, "start_date", "end_date"]]
    dates = [["service_id", "date", "exception_type"]]
    seen_routes: set[str] = set()
    for s in services:
        route_id = s.notes.removeprefix("gtfs_route_id=") if s.notes.startswith("gtfs_route_id=") else s.id
        if route_id not in seen_routes:
            seen_routes.add(route_id)
            routes.append([route_id, carriers[s.carrier], route_id, s.name_en, str(ROUTE_TYPES[s.mode])])
        shift_s = _zone_shift(bundle.terminals[s.stops[0].terminal_id].timezone, zone, s.calendar.start)
        starts = [d.hour * 3600 + d.minute * 60 + d.second + shift_s for d in s.departures]
        # a negative start belongs to the day before: move it a day on and the calendar a day back
        for days, group in ((0, [x for x in starts if x >= 0]), (-1, [x + _DAY_S for x in starts if x < 0])):
            if not group:
                continue
            cal = _shifted(s.calendar, days)
            sid = s.id if days == 0 else f"{s.id}~prev"
            calendar.append([sid, *("1" if i in cal.weekdays else "0" for i in range(7)),
                             _gtfs_date(cal.start), _gtfs_date(cal.end)])  # fmt: skip
            dates += [[sid, _gtfs_date(d), "1"] for d in sorted(cal.added)]
            dates += [[sid, _gtfs_date(d), "2"] for d in sorted(cal.removed)]
            for start in group:
                trip_id = f"{sid}-{_clock_text(start).replace(':', '')}"
                trips.append([route_id, sid, trip_id])
                for seq, stop in enumerate(s.stops, start=1):
                    arrive = start + round(stop.arrive_offset_h * 3600)
                    depart = start + round(stop.depart_offset_h * 3600)
                    stop_times.append(
                        [trip_id, _clock_text(arrive), _clock_text(depart), platform[stop.terminal_id],
                         str(seq), "0" if stop.pickup else "1", "0" if stop.dropoff else "1"]
                    )  # fmt: skip
    transfers = [["from_stop_id", "to_stop_id", "transfer_type", "min_transfer_time"]]
    transfers += [
        [t.id, t.id, "2", str(round(t.handling_h * 3600))] for t in bundle.terminals.values() if t.handling_h
    ]
    for lk in bundle.links:
        if lk.mode is Mode.WALK and lk.duration_h is not None:
            seconds = str(round(lk.duration_h * 3600))
            transfers.append([lk.from_id, lk.to_id, "2", seconds])
            if lk.bidirectional:
                transfers.append([lk.to_id, lk.from_id, "2", seconds])
    files = {
        "agency.txt": agency,
        "stops.txt": stops,
        "routes.txt": routes,
        "trips.txt": trips,
        "stop_times.txt": stop_times,
        "calendar.txt": calendar,
        "calendar_dates.txt": dates,
        "transfers.txt": transfers,
    }
    with staged_file(out_path) as stage, zipfile.ZipFile(stage, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, rows in files.items():
            buf = io.StringIO()
            csv.writer(buf, lineterminator="\n").writerows(rows)
            zf.writestr(name, buf.getvalue())
    return out_path


def _stop_rows(bundle: Bundle) -> tuple[list[list[str]], dict[str, str]]:
    """``stops.txt`` rows, and the stop each terminal's trips call at.

    A terminal without aliases is one stop. A terminal with aliases is a station (location_type 1) under
    its own id with one platform per alias, so that importing the feed again gives the terminal back with
    the same aliases; its trips call at the first alias, since the bundle does not know which platform a
    trip used. An alias that another terminal already uses as its id or alias is left out: GTFS
    ``stop_id`` values must be unique.
    """
    rows = [["stop_id", "stop_name", "stop_lat", "stop_lon", "location_type", "parent_station",
             "stop_timezone"]]  # fmt: skip
    platform: dict[str, str] = {}
    taken = set(bundle.terminals)
    for t in bundle.terminals.values():
        where = [f"{t.lat:.6f}", f"{t.lon:.6f}"]
        own = sorted(a for a in t.aliases if a not in taken)
        taken.update(own)
        if not own:
            rows.append([t.id, t.name_en, *where, "0", "", t.timezone])
            platform[t.id] = t.id
            continue
        rows.append([t.id, t.name_en, *where, "1", "", t.timezone])
        rows += [[a, t.name_en, *where, "0", t.id, t.timezone] for a in own]
        platform[t.id] = own[0]
    return rows, platform


_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def _zone_shift(local: str, feed: str, day: date) -> int:
    """Seconds to add to a clock time in zone ``local`` to give the same instant in zone ``feed``."""
    if local == feed:
        return 0
    noon = datetime(day.year, day.month, day.day, 12)
    a = noon.replace(tzinfo=ZoneInfo(local)).utcoffset()
    b = noon.replace(tzinfo=ZoneInfo(feed)).utcoffset()
    assert a is not None and b is not None
    return int((b - a).total_seconds())


def _gtfs_date(day: date) -> str:
    return day.strftime("%Y%m%d")
