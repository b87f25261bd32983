"""Scenario patches: problems named in the patch, what each operation does, and routing on base + patch equal
to routing on the edited files (a property over random patches of a small bundle, and Chongqing's own)."""

from __future__ import annotations

import csv
import io
import itertools
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intermodal.exceptions import BundleError, NoRouteError
from intermodal.io import load_bundle, load_scenario
from intermodal.io.patch import (
    MAX_PATCH_BYTES,
    apply_patches,
    find_patch,
    list_patches,
    parse_patch,
    read_patch,
    write_patched,
)
from intermodal.model import Bundle
from intermodal.planners.routing import find_routes
from intermodal.planners.shipments import make_shipment

MINI = Path(__file__).parent / "bundles" / "mini"
HEAD = '[patch]\nname = "p"\ntitle_en = "A test patch"\nsource = "assumption"\n'


def _patch(tmp_path: Path, body: str, name: str = "p.toml") -> Path:
    path = tmp_path / name
    path.write_text(HEAD + body, encoding="utf-8")
    return path


def _problems(call: Any) -> list[str]:
    with pytest.raises(BundleError) as err:
        call()
    return [str(p) for p in err.value.problems]


# problems, named in the patch


def test_a_bad_value_is_named_by_patch_file_entry_and_field(tmp_path: Path) -> None:
    path = _patch(tmp_path, '[[change.services]]\nid = "train"\ncapacity_teu = -4\nsource = "x"\n')
    shown = _problems(lambda: read_patch(path))
    assert any(s.startswith("p.toml [change.services[0].capacity_teu]: value is not valid") for s in shown), (
        shown
    )


def test_naming_what_the_bundle_lacks_is_a_problem_of_the_patch(tmp_path: Path) -> None:
    path = _patch(
        tmp_path,
        '[[close]]\nlink = "no-such-link"\n\n'
        '[[change.terminals]]\nid = "nowhere"\nname_en = "X"\nsource = "x"\n'
        '[remove]\nservices = ["ghost"]\n',
    )
    shown = _problems(lambda: apply_patches(MINI, [path]))
    assert any(
        "p.toml [close[0].link]: not in the bundle's links.csv (found 'no-such-link'" in s for s in shown
    )
    assert any("p.toml [change.terminals[0].id]: not in the bundle's terminals.csv" in s for s in shown)
    assert any("p.toml [remove.services[0]]: not in the bundle's services.csv" in s for s in shown)


def test_unknown_tables_columns_and_keys_are_named(tmp_path: Path) -> None:
    path = _patch(
        tmp_path,
        '[[add.trains]]\nid = "x"\n\n[[change.links]]\nid = "hub-station"\ncolour = "red"\nsource = "x"\n'
        '[[close]]\nlink = "hub-station"\nterminal = "hub"\n[typo]\n',
    )
    shown = _problems(lambda: read_patch(path))
    assert any("[add.trains]: unknown table" in s for s in shown)
    assert any("[change.links[0].colour]: unknown column" in s for s in shown)
    assert any("[close[0]]: a closure closes one thing" in s for s in shown)
    assert any("[typo]: unknown table" in s for s in shown)


def test_a_problem_found_when_the_bundle_loads_is_blamed_on_the_patch_entry(tmp_path: Path) -> None:
    # a new service whose stops have no rail link between them: only the loader can tell
    path = _patch(
        tmp_path,
        """
[[add.services]]
id = "ghost-train"
name_en = "G"
name_zh = "G"
mode = "rail"
carrier = "C"
capacity_teu = 10
cutoff_h = 2
cost_per_teu_km = 1
emission_factor = "train"
departures = ["10:00"]
weekdays = "1111111"
start_date = 2020-01-01
end_date = 2020-12-31
source = "assumption"
stops = [{terminal = "hub", arrive_offset_h = 0, depart_offset_h = 0},
         {terminal = "city", arrive_offset_h = 5, depart_offset_h = 5}]
""",
    )
    shown = _problems(lambda: apply_patches(MINI, [path]))
    assert any(
        s.startswith("p.toml [add.services[0].stops[1].terminal]: no rail link from hub to city")
        for s in shown
    )


def test_a_dated_closure_of_a_truck_link_is_a_closure_the_bundle_carries(tmp_path: Path) -> None:
    # it was refused while the engines had no dated closure of a road; now it is a closures.csv row
    path = _patch(tmp_path, '[[close]]\nlink = "hub-station"\nfrom = 2020-04-01\nto = 2020-04-02\n')
    bundle = apply_patches(MINI, [path])
    assert {lk.id for lk in bundle.links} == {lk.id for lk in load_bundle(MINI).links}  # the road stays
    (closure,) = bundle.closures
    zone = ZoneInfo("Asia/Shanghai")  # the zone of the link's start, hub
    assert (closure.kind, closure.target) == ("link", "hub-station")
    assert closure.start == datetime(2020, 4, 1, tzinfo=zone)
    assert closure.end == datetime(2020, 4, 3, tzinfo=zone)  # "to" is inclusive
    assert closure.id < 0 and "patch p" in closure.source


def test_a_dated_closure_naming_what_the_bundle_lacks_is_a_problem_of_the_patch(tmp_path: Path) -> None:
    path = _patch(tmp_path, '[[close]]\ncrossing = "hub"\nfrom = 2020-04-01\nto = 2020-04-02\n')
    shown = _problems(lambda: apply_patches(MINI, [path]))
    assert any(s.startswith("p.toml [close[0].crossing]: not in the bundle's crossings.csv") for s in shown)


def test_bounds_dates_sizes_and_names(tmp_path: Path) -> None:
    path = _patch(tmp_path, '[[close]]\nservice = "train"\nfrom = 2020-04-05\nto = 2020-04-01\n')
    assert any("[close[0].to]: to is before from" in s for s in _problems(lambda: read_patch(path)))
    path = _patch(tmp_path, '[[close]]\nservice = "train"\nfrom = 1900-01-01\nto = 2020-04-01\n')
    assert any("date out of range" in s for s in _problems(lambda: read_patch(path)))
    path = _patch(tmp_path, '[[close]]\nservice = "train"\nfrom = 2020-01-01\nto = 2099-01-01\n')
    assert any("too long a period" in s for s in _problems(lambda: read_patch(path)))
    path = _patch(tmp_path, "[carbon]\nprice_per_t = 1e9\nsource = 'x'\n")
    assert any("[carbon.price_per_t]: not a carbon price" in s for s in _problems(lambda: read_patch(path)))
    big = tmp_path / "big.toml"
    big.write_text(HEAD + "#" * MAX_PATCH_BYTES)
    assert any("patch file is too large" in s for s in _problems(lambda: read_patch(big)))
    assert any(
        "[patch.name]: not a patch name" in s for s in _problems(lambda: parse_patch('[patch]\nname = "A B"'))
    )
    assert any("no such patch" in s for s in _problems(lambda: find_patch(MINI, "nope")))


HOSTILE = [
    ("a = " + "[" * 50_000 + "]" * 50_000, "p.toml: not valid TOML"),
    ("[[close]]\nlink = " + "{a = " * 3_000 + "1" + "}" * 3_000, "p.toml: not valid TOML"),
    ("[remove]\nservices = [" + ", ".join(['"train"'] * 20_000) + "]", "p.toml: too many entries"),
    ("".join(f'[[close]]\nservice = "s{i}"\n' for i in range(10_001)), "p.toml: too many entries"),
    ("titel_en = 'typo'", "p.toml [patch.titel_en]: unknown key"),
    ("[carbon]\nprice_per_t = 10\nsource = 'x'\ncurrency = 'USD'", "p.toml [carbon.currency]: unknown key"),
    ("[carbon]\nprice_per_t = nan\nsource = 'x'", "p.toml [carbon.price_per_t]: not a carbon price"),
    ("[carbon]\nprice_per_t = -inf\nsource = 'x'", "p.toml [carbon.price_per_t]: not a carbon price"),
    (
        '[[change.services]]\nid = "train"\ncapacity_teu = 1e308\nsource = "x"',
        "capacity_teu]: value is not valid",
    ),
    (
        '[[change.services]]\nid = "train"\ncapacity_teu = nan\nsource = "x"',
        "capacity_teu]: value is not valid",
    ),
    (
        '[[close]]\nservice = "train"\nfrom = 9999-12-30\nto = 9999-12-31',
        "[close[0].from]: date out of range",
    ),
    ('[[open]]\nservice = "train"\nfrom = 1970-01-01\nto = 2100-12-31', "[open[0].to]: too long a period"),
    (
        '[[open]]\nservice = "train"\nfrom = 2020-01-01T00:00:00\nto = 2020-01-02',
        "[open[0].from]: not a date",
    ),
    ("[[close]]\nservice = 18446744073709551617", "[close[0].service]: not an id"),
    ('[[close]]\nservice = "' + "a" * 100_000 + '"', "[close[0].service]: not in the bundle's services.csv"),
    ('[[add.terminals]]\nid = "t"\nsource = "x"\n[[add.terminals]]\nid = "t"\nsource = "x"', "p.toml [add."),
    ('[[add.services]]\nid = "s"\nstops = [[[1]]]', "[add.services[0].stops]: not a list of stops"),
    # 28 closures of ten years each: 100,000 calendar rows and more
    (
        '[[close]]\nservice = "train"\nfrom = 2020-01-01\nto = 2029-12-31\n' * 28,
        "p.toml: too many dated days",
    ),
]


@pytest.mark.parametrize(("body", "said"), HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_patches_are_a_named_problem_and_write_nothing(tmp_path: Path, body: str, said: str) -> None:
    path = _patch(tmp_path, body)
    out = tmp_path / "out"
    shown = _problems(lambda: write_patched(MINI, [path], out))
    assert any(said in s for s in shown), shown
    assert not out.exists()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.recursive(
        st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=20) | st.dates(),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
        max_leaves=12,
    ),
    st.sampled_from(["close", "open", "remove", "change", "add", "carbon", "patch", "typo"]),
)
def test_any_value_under_any_table_is_a_patch_or_a_named_problem(value: object, table: str) -> None:
    import json

    from hypothesis import assume

    # TOML has no null: hypothesis's None stands for a table left out
    def toml(v: object) -> str:
        if isinstance(v, dict):
            return (
                "{" + ", ".join(f"{json.dumps(k)} = {toml(x)}" for k, x in v.items() if x is not None) + "}"
            )
        if isinstance(v, list):
            return "[" + ", ".join(toml(x) for x in v if x is not None) + "]"
        if isinstance(v, bool):
            return str(v).lower()
        if isinstance(v, float):
            return "nan" if v != v else ("inf" if v > 0 else "-inf") if abs(v) == float("inf") else repr(v)
        if isinstance(v, str):
            return json.dumps(v)
        return str(v)

    assume(value is not None)
    try:
        # before [patch], so that it is a top-level table (``patch`` itself is then given twice)
        patch = parse_patch(f"{table} = {toml(value)}\n" + HEAD)
    except BundleError as err:
        assert err.problems and all(p.file == "patch.toml" for p in err.problems)
        return
    # what reads applies to a bundle, or says why not
    try:
        apply_patches(MINI, [patch])
    except BundleError as err:
        assert err.problems


# what the operations do


def test_closing_a_link_closes_the_services_that_ride_it_and_names_the_result(tmp_path: Path) -> None:
    base = load_bundle(MINI)
    path = _patch(tmp_path, '[[close]]\nlink = "station-border"\n')
    patched = apply_patches(MINI, [path])
    assert {lk.id for lk in patched.links} == {lk.id for lk in base.links} - {"station-border"}
    assert patched.services == ()  # the train rode it
    assert patched.name == "mini+p" and patched.manifest.version.startswith("1+p.")


def test_closing_a_terminal_keeps_trains_passing_it_but_not_trucks(tmp_path: Path) -> None:
    patched = apply_patches(MINI, [_patch(tmp_path, '[[close]]\nterminal = "border"\n')])
    assert not any("border" in (lk.from_id, lk.to_id) and lk.flexible for lk in patched.links)
    (train,) = patched.services
    stop = next(s for s in train.stops if s.terminal_id == "border")
    assert not stop.pickup and not stop.dropoff


def test_dated_closures_and_openings_are_calendar_exceptions(tmp_path: Path) -> None:
    path = _patch(
        tmp_path,
        '[[close]]\nservice = "train"\nfrom = 2020-04-07\nto = 2020-04-08\n'
        '[[open]]\nservice = "train"\nfrom = 2020-04-11\nto = 2020-04-11\n',
    )
    (train,) = apply_patches(MINI, [path]).services
    assert not train.calendar.runs_on(date(2020, 4, 7)) and not train.calendar.runs_on(date(2020, 4, 8))
    assert train.calendar.runs_on(date(2020, 4, 9)) and train.calendar.runs_on(date(2020, 4, 11))


def test_closing_a_scheduled_link_for_dates_cancels_the_trips_on_it_then(tmp_path: Path) -> None:
    # the train leaves the station at 10:00 and rides border-city-rail from hour 40 to 46: the next day
    path = _patch(tmp_path, '[[close]]\nlink = "border-city-rail"\nfrom = 2020-04-15\nto = 2020-04-15\n')
    (train,) = apply_patches(MINI, [path]).services
    assert not train.calendar.runs_on(date(2020, 4, 13))  # a Monday: on the link on the 15th
    assert train.calendar.runs_on(date(2020, 4, 15)) and train.calendar.runs_on(date(2020, 4, 14))


def test_changes_additions_removals_and_a_carbon_price(tmp_path: Path) -> None:
    path = _patch(
        tmp_path,
        """
[carbon]
price_per_t = 80
source = "assumption"

[[change.services]]
id = "train"
capacity_teu = 70
departures = ["09:00", "21:00"]
source = "a timetable of 2026 (assumption)"

[[change.factors]]
id = "truck"
ttw = 60
source = "a carrier's measured figure (assumption)"

[[add.terminals]]
id = "port"
name_en = "Port"
name_zh = "港"
lat = 21.5
lon = 106.0
timezone = "Asia/Shanghai"
country = "CN"
modes = ["road"]
source = "assumption"

[[add.links]]
id = "hub-port"
from = "hub"
to = "port"
mode = "road"
distance_km = 800
speed_kmh = 50
cost_per_unit = 5
cost_unit = "TEU-km"
emission_factor = "truck"
source = "assumption"
""",
    )
    patched = apply_patches(MINI, [path])
    (train,) = patched.services
    assert train.capacity_teu == 70 and [d.hour for d in train.departures] == [9, 21]
    assert train.source.startswith("a timetable of 2026 (assumption) (patch p); before: assumption")
    assert patched.factors.factors["truck"].ttw == 60
    assert "port" in patched.terminals and any(lk.id == "hub-port" for lk in patched.links)
    assert patched.manifest.carbon_price_per_t == 80
    removed = apply_patches(MINI, [_patch(tmp_path, '[remove]\nservices = ["train"]\n', "r.toml")])
    assert removed.services == ()


def test_patches_apply_in_order_and_a_later_one_may_use_what_an_earlier_added(tmp_path: Path) -> None:
    first = _patch(tmp_path, '[[add.crossings]]\nterminal = "hub"\ncountries = ["CN"]\nclearance_h = 2\n'
                   'clearance_cost_per_teu = 10\nsource = "assumption"\n', "a.toml")  # fmt: skip
    second = tmp_path / "b.toml"
    second.write_text('[patch]\nname = "b"\ntitle_en = "B"\nsource = "x"\n[[close]]\ncrossing = "hub"\n')
    patched = apply_patches(MINI, [first, second])
    assert patched.name == "mini+p+b" and "hub" not in patched.crossings
    assert _problems(lambda: apply_patches(MINI, [second]))  # alone, it names a crossing the bundle lacks


def test_write_patched_writes_a_bundle_that_loads_as_the_patched_one(tmp_path: Path) -> None:
    path = _patch(tmp_path, '[[close]]\nservice = "train"\nfrom = 2020-04-07\nto = 2020-04-08\n[carbon]\n'
                  'price_per_t = 50\nsource = "assumption"\n')  # fmt: skip
    out = write_patched(MINI, [path], tmp_path / "out")
    written, patched = load_bundle(out), apply_patches(MINI, [path])
    assert written.manifest == patched.manifest
    assert (written.terminals, written.links, written.services) == (
        patched.terminals, patched.links, patched.services
    )  # fmt: skip


def test_a_failed_write_leaves_nothing(tmp_path: Path) -> None:
    path = _patch(tmp_path, '[[close]]\nlink = "nope"\n')
    with pytest.raises(BundleError):
        write_patched(MINI, [path], tmp_path / "out")
    assert not (tmp_path / "out").exists()


# routing on base + patch equals routing on the edited files


def _rows(folder: Path, name: str) -> tuple[list[str], list[dict[str, str]]]:
    path = folder / name
    if not path.exists():
        return [], []
    reader = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))
    return list(reader.fieldnames or []), [dict(r) for r in reader]


def _write(folder: Path, name: str, header: list[str], rows: list[dict[str, str]]) -> None:
    out = io.StringIO()
    writer = csv.DictWriter(out, header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    (folder / name).write_text(out.getvalue(), encoding="utf-8")


class _Editor:
    """Edits a copy of the mini bundle's files by hand: what each patch operation means, said plainly."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def edit(self, name: str, change: Any) -> None:
        header, rows = _rows(self.folder, name)
        header, rows = change(header, rows)
        _write(self.folder, name, header, rows)

    def drop_service(self, sid: str) -> None:
        for name, key in (("services.csv", "id"), ("service_stops.csv", "service_id"),
                          ("calendar_dates.csv", "service_id")):  # fmt: skip
            self.edit(name, lambda h, rows, k=key: (h, [r for r in rows if r[k] != sid]))

    def close_link(self, link_id: str) -> None:
        self.edit("links.csv", lambda h, rows: (h, [r for r in rows if r["id"] != link_id]))
        _, links = _rows(self.folder, "links.csv")
        pairs = {(r["from"], r["to"], r["mode"]) for r in links} | {
            (r["to"], r["from"], r["mode"]) for r in links
        }
        _, services = _rows(self.folder, "services.csv")
        _, stops = _rows(self.folder, "service_stops.csv")
        for s in services:
            own = sorted((x for x in stops if x["service_id"] == s["id"]), key=lambda x: float(x["seq"]))
            hops = {(a["terminal"], b["terminal"], s["mode"]) for a, b in itertools.pairwise(own)}
            if not hops <= pairs:
                self.drop_service(s["id"])

    def close_terminal(self, terminal: str) -> None:
        """No trucks to it, no cargo on or off there; a service that then carries nothing goes."""

        def truck(r: dict[str, str]) -> bool:
            return (
                terminal in (r["from"], r["to"])
                and (r["flexible"] or "true") == "true"
                and r["mode"] == "road"
            )

        self.edit("links.csv", lambda h, rows: (h, [r for r in rows if not truck(r)]))

        def no_cargo(h: list[str], rows: list[dict[str, str]]) -> tuple[list[str], list[dict[str, str]]]:
            for r in rows:
                r.setdefault("pickup", "")
                r.setdefault("dropoff", "")
                if r["terminal"] == terminal:
                    r["pickup"] = r["dropoff"] = "false"
            return [*h, *(c for c in ("pickup", "dropoff") if c not in h)], rows

        self.edit("service_stops.csv", no_cargo)
        _, stops = _rows(self.folder, "service_stops.csv")
        _, services = _rows(self.folder, "services.csv")
        for s in services:
            own = sorted((x for x in stops if x["service_id"] == s["id"]), key=lambda x: float(x["seq"]))
            picks = [x.get("pickup") != "false" for x in own]
            drops = [x.get("dropoff") != "false" for x in own]
            if not any(picks[i] and any(drops[i + 1 :]) for i in range(len(own))):
                self.drop_service(s["id"])

    def set(self, name: str, key: str, ident: str, column: str, value: str) -> None:
        def change(h: list[str], rows: list[dict[str, str]]) -> tuple[list[str], list[dict[str, str]]]:
            for r in rows:
                if r[key] == ident:
                    r[column] = value
            return h, rows

        self.edit(name, change)

    def dates(self, sid: str, days: list[date], kind: str) -> None:
        wanted = {d.isoformat() for d in days}

        def change(h: list[str], rows: list[dict[str, str]]) -> tuple[list[str], list[dict[str, str]]]:
            rows = [r for r in rows if not (r["service_id"] == sid and r["date"] in wanted)]
            rows += [{"service_id": sid, "date": d, "exception_type": kind} for d in sorted(wanted)]
            return h or ["service_id", "date", "exception_type"], rows

        self.edit("calendar_dates.csv", change)


_LINKS = ["hub-station", "hub-border", "border-city", "station-border", "border-city-rail"]
_DAY0 = date(2020, 4, 6)

_ops = st.one_of(
    st.tuples(st.just("close-link"), st.sampled_from(_LINKS)),
    st.tuples(st.just("capacity"), st.integers(1, 200)),
    st.tuples(st.just("departures"), st.lists(st.integers(0, 23), min_size=1, max_size=3, unique=True)),
    st.tuples(st.just("rate"), st.floats(0.1, 5.0)),
    st.tuples(st.just("close-dates"), st.integers(0, 6), st.integers(0, 3)),
    st.tuples(st.just("open-date"), st.integers(0, 6)),
    st.tuples(st.just("factor"), st.sampled_from(["truck", "train"]), st.floats(1.0, 200.0)),
    st.tuples(st.just("carbon"), st.integers(0, 500)),
    st.tuples(st.just("remove"), st.just("train")),
    st.tuples(st.just("close-terminal"), st.sampled_from(["station", "border"])),
    st.tuples(st.just("add-service"), st.integers(0, 23)),
)

_TRAIN2 = {
    "id": "train2", "line": "train2", "name_en": "Second train", "name_zh": "第二班列", "mode": "rail",
    "carrier": "Rail Co", "capacity_teu": "40", "cutoff_h": "3", "cost_per_teu_km": "0.8",
    "fixed_cost_per_teu": "150", "reefer": "false", "dg_classes": "", "emission_factor": "train",
    "weekdays": "1111111", "start_date": "2020-01-01", "end_date": "2030-12-31", "source": "assumption",
    "notes": "",
}  # fmt: skip
_TRAIN2_STOPS = [("station", 0, 0), ("border", 30, 32), ("city", 38, 38)]


def _patch_and_edit(ops: list[tuple[Any, ...]], editor: _Editor) -> str:
    """The patch text for ``ops``, while making the same edits to the files by hand."""
    body = []
    alive = True
    for op in ops:
        kind = op[0]
        if kind == "add-service":
            body.append(_add_service(op[1], editor))
        elif kind == "close-link":
            _, links = _rows(editor.folder, "links.csv")
            if all(r["id"] != op[1] for r in links):
                continue  # closed already, or gone with a terminal closed before: a patch may not name it
            body.append(f'[[close]]\nlink = "{op[1]}"\n')
            editor.close_link(op[1])
            _, services = _rows(editor.folder, "services.csv")
            alive = any(r["id"] == "train" for r in services)
        elif not alive:
            continue
        elif kind == "capacity":
            body.append(f'[[change.services]]\nid = "train"\ncapacity_teu = {op[1]}\nsource = "x"\n')
            editor.set("services.csv", "id", "train", "capacity_teu", str(op[1]))
        elif kind == "departures":
            clocks = [f"{h:02d}:00" for h in sorted(op[1])]
            body.append(
                f'[[change.services]]\nid = "train"\ndepartures = {clocks!r}\nsource = "x"\n'.replace(
                    "'", '"'
                )
            )
            editor.set("services.csv", "id", "train", "departures", "|".join(clocks))
        elif kind == "rate":
            body.append(f'[[change.services]]\nid = "train"\ncost_per_teu_km = {op[1]!r}\nsource = "x"\n')
            editor.set("services.csv", "id", "train", "cost_per_teu_km", repr(op[1]))
        elif kind == "close-dates":
            start = _DAY0 + timedelta(days=op[1])
            end = start + timedelta(days=op[2])
            body.append(f'[[close]]\nservice = "train"\nfrom = {start}\nto = {end}\n')
            editor.dates("train", [start + timedelta(days=i) for i in range(op[2] + 1)], "2")
        elif kind == "open-date":
            day = _DAY0 + timedelta(days=op[1])
            body.append(f'[[open]]\nservice = "train"\nfrom = {day}\nto = {day}\n')
            editor.dates("train", [day], "1")
        elif kind == "factor":
            body.append(f'[[change.factors]]\nid = "{op[1]}"\nttw = {op[2]!r}\nsource = "x"\n')
            editor.set("factors.csv", "id", op[1], "ttw", repr(op[2]))
        elif kind == "carbon":
            body.append(f'[carbon]\nprice_per_t = {op[1]}\nsource = "x"\n')
            manifest = editor.folder / "manifest.toml"
            text = manifest.read_text().split("\n[carbon]")[0]
            manifest.write_text(text + f'\n[carbon]\nprice_per_t = {op[1]}\nsource = "x"\n')
        elif kind == "remove":
            body.append('[remove]\nservices = ["train"]\n')
            editor.drop_service("train")
            alive = False
        elif kind == "close-terminal":
            body.append(f'[[close]]\nterminal = "{op[1]}"\n')
            editor.close_terminal(op[1])
            _, services = _rows(editor.folder, "services.csv")
            alive = any(r["id"] == "train" for r in services)
    return "\n".join(body)


def _add_service(hour: int, editor: _Editor) -> str:
    clock = f"{hour:02d}:00"
    editor.edit("services.csv", lambda h, rows: (h, [*rows, {**_TRAIN2, "departures": clock}]))
    stops = [
        {"service_id": "train2", "seq": str(i + 1), "terminal": t, "arrive_offset_h": str(a),
         "depart_offset_h": str(d)}
        for i, (t, a, d) in enumerate(_TRAIN2_STOPS)
    ]  # fmt: skip
    editor.edit("service_stops.csv", lambda h, rows: (h, [*rows, *stops]))
    values = "\n".join(f"{k} = {v!r}".replace("'", '"') for k, v in _TRAIN2.items() if v)
    listed = ", ".join(
        f'{{terminal = "{t}", arrive_offset_h = {a}, depart_offset_h = {d}}}' for t, a, d in _TRAIN2_STOPS
    )
    return f'[[add.services]]\n{values}\ndepartures = ["{clock}"]\nstops = [{listed}]\n'


def _answers(bundle: Bundle, origin: str, destination: str) -> object:
    shipment = make_shipment(bundle, teu=2, ready="2020-04-06T08:00+08:00")
    try:
        result = find_routes(bundle, origin, destination, shipment, fold=None, engine="reference", limit=50)
    except NoRouteError:
        return "no route"
    return sorted(
        (o.depart, o.arrive, round(o.cost, 6), round(o.carbon_cost, 6), round(o.co2e_kg_wtw, 6),
         tuple((g.from_id, g.to_id, g.service, g.depart) for g in o.legs))
        for o in result.options
    )  # fmt: skip


def _combine(ops: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    # TOML allows one [carbon] and one [remove] table: keep the last of each
    seen: set[str] = set()
    out = []
    for op in reversed(ops):
        # and a link closes once: closing it again names a link the bundle no longer has
        key = (
            op[0]
            if op[0] in ("carbon", "remove", "add-service")
            else f"{op[0]}:{op[1]}"
            if op[0] == "close-link"
            else ""
        )
        if key:
            if key in seen:
                continue
            seen.add(key)
        out.append(op)
    # a patch applies additions and changes before removals and closures, and those before openings
    order = {"add-service": -1, "capacity": 0, "departures": 0, "rate": 0, "factor": 0, "remove": 1,
             "close-link": 2, "close-terminal": 2, "close-dates": 2, "open-date": 3, "carbon": 4}  # fmt: skip
    return sorted(reversed(out), key=lambda op: order[op[0]])


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(_ops, min_size=1, max_size=5))
def test_routing_on_base_plus_patch_equals_routing_on_the_edited_files(
    tmp_path_factory: pytest.TempPathFactory, ops: list[tuple[Any, ...]]
) -> None:
    tmp = tmp_path_factory.mktemp("edit")
    edited = tmp / "mini"
    shutil.copytree(MINI, edited)
    ops = _combine(ops)
    patch = tmp / "p.toml"
    patch.write_text(HEAD + _patch_and_edit(ops, _Editor(edited)), encoding="utf-8")
    patched, by_hand = apply_patches(MINI, [patch]), load_bundle(edited)
    for origin, destination in (("hub", "city"), ("station", "city"), ("hub", "border")):
        assert _answers(patched, origin, destination) == _answers(by_hand, origin, destination), ops


_CLOSABLE = [
    ("link", "hub-station"), ("link", "hub-border"), ("link", "border-city"), ("link", "station-border"),
    ("link", "border-city-rail"), ("terminal", "station"), ("terminal", "border"), ("crossing", "border"),
]  # fmt: skip
_PAIRS = (("hub", "city"), ("station", "city"), ("hub", "border"))
_READY = date(2020, 4, 6)  # _answers' cargo is ready on this day, 08:00 in the zone of hub and station


def _passes(bundle: Bundle, origin: str, destination: str, kind: str, target: str) -> bool:
    """Whether any option found from ``origin`` to ``destination`` passes the link or place."""
    shipment = make_shipment(bundle, teu=2, ready="2020-04-06T08:00+08:00")
    try:
        result = find_routes(bundle, origin, destination, shipment, fold=None, engine="reference", limit=50)
    except NoRouteError:
        return False
    link = next((lk for lk in bundle.links if lk.id == target), None)
    for leg in (g for o in result.options for g in o.legs):
        path = [leg.from_id, *leg.via, leg.to_id]
        if link is None and target in path:
            return True
        if link is not None and leg.mode is link.mode:
            hops = set(itertools.pairwise(path))
            if (link.from_id, link.to_id) in hops or (link.to_id, link.from_id) in hops:
                return True
    return False


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    closed=st.sampled_from(_CLOSABLE),
    when=st.sampled_from(["before", "inside"]),
    start=st.integers(-40, -2),
    days=st.integers(0, 60),
)
def test_a_dated_closure_routes_as_the_bundle_scenario_apply_writes(
    tmp_path_factory: pytest.TempPathFactory, closed: tuple[str, str], when: str, start: int, days: int
) -> None:
    kind, target = closed
    if when == "before":  # the closure ends the day before the cargo is ready: it is over by then
        first = _READY + timedelta(days=start)
        last = min(first + timedelta(days=days), _READY - timedelta(days=1))
    else:  # it holds from before the cargo is ready until long after every option has arrived
        first, last = _READY + timedelta(days=start), _READY + timedelta(days=60 + days)
    tmp = tmp_path_factory.mktemp("dated")
    path = _patch(tmp, f'[[close]]\n{kind} = "{target}"\nfrom = {first}\nto = {last}\n')
    patched = apply_patches(MINI, [path])
    written = load_bundle(write_patched(MINI, [path], tmp / "out"))
    if not (kind == "link" and target in ("station-border", "border-city-rail")):
        # a road, terminal or crossing closed for dates is a row of closures.csv, written and read back
        assert (tmp / "out" / "closures.csv").exists()
        assert written.closures == patched.closures
    base = load_bundle(MINI)
    for origin, destination in _PAIRS:
        assert _answers(patched, origin, destination) == _answers(written, origin, destination)
        if when == "before":
            assert _answers(patched, origin, destination) == _answers(base, origin, destination)
        elif target not in (origin, destination):
            assert not _passes(patched, origin, destination, kind, target)


def test_a_dated_closure_inside_the_window_changes_the_answer(tmp_path: Path) -> None:
    # the property above holds vacuously if nothing ever passed the element: here the road was the way
    path = _patch(tmp_path, '[[close]]\nlink = "hub-border"\nfrom = 2020-04-01\nto = 2020-05-30\n')
    base = load_bundle(MINI)
    assert _passes(base, "hub", "border", "link", "hub-border")
    patched = apply_patches(MINI, [path])
    assert not _passes(patched, "hub", "border", "link", "hub-border")
    assert _answers(patched, "hub", "border") != _answers(base, "hub", "border")


# Chongqing and its shipped patches


def test_chongqing_ships_its_patches_and_each_loads() -> None:
    assert set(list_patches("chongqing")) >= {
        "2026", "east-ring-closed", "longzhouwan-tunnel-closed", "carbon-price-100"
    }  # fmt: skip
    for name in list_patches("chongqing"):
        bundle = load_scenario("chongqing", [name])
        assert bundle.name == f"chongqing+{name}"
        assert bundle.manifest.version != load_scenario("chongqing").manifest.version


def test_every_row_a_shipped_patch_adds_or_changes_has_a_source() -> None:
    for name in list_patches("chongqing"):
        patch = read_patch(find_patch("chongqing", name))
        assert patch.source.strip()
        for row in (*patch.additions, *patch.changes):
            source = getattr(row, "source", None) or row.values.get("source", "")
            assert source.strip(), (name, row.where)


@pytest.mark.parametrize(
    ("patch", "edit"),
    [
        ("longzhouwan-tunnel-closed", "tunnel"),
        ("carbon-price-100", "carbon"),
        ("east-ring-closed", "station"),
    ],
)
def test_chongqing_what_ifs_route_as_the_edited_files(tmp_path: Path, patch: str, edit: str) -> None:
    base = Path(load_scenario("chongqing").origin)
    edited = tmp_path / "chongqing"
    shutil.copytree(base, edited, ignore=shutil.ignore_patterns("patches"))
    editor = _Editor(edited)
    if edit == "tunnel":
        editor.close_link("longzhouwan-tunnel")
    elif edit == "carbon":
        with (edited / "manifest.toml").open("a") as f:
            f.write('\n[carbon]\nprice_per_t = 100\nsource = "x"\n')
    else:
        editor.edit("links.csv", lambda h, rows: (h, [r for r in rows if r["id"] != "base-station"]))

        def no_cargo(h: list[str], rows: list[dict[str, str]]) -> tuple[list[str], list[dict[str, str]]]:
            for r in rows:
                if r["terminal"] == "nanpeng-station":
                    r["pickup"] = r["dropoff"] = "false"
            return [*h, "pickup", "dropoff"], rows

        editor.edit("service_stops.csv", no_cargo)
    patched, by_hand = load_scenario("chongqing", [patch]), load_bundle(edited)
    for origin, destination in (("nanpeng", "foeryan"), ("nanpeng", "shanghai"), ("nanpeng", "qinzhou")):
        assert _answers(patched, origin, destination) == _answers(by_hand, origin, destination)
    if edit == "tunnel":  # the what-if changes something: the 15-minute tunnel is gone
        assert _answers(patched, "nanpeng", "foeryan") != _answers(
            load_scenario("chongqing"), "nanpeng", "foeryan"
        )


def test_the_2026_patch_routes_as_its_written_bundle_and_reaches_vientiane_by_rail(tmp_path: Path) -> None:
    patched = load_scenario("chongqing", ["2026"])
    written = load_bundle(write_patched("chongqing", ["2026"], tmp_path / "cq2026"))
    for destination in ("vientiane", "VNSGN", "KHPNH"):
        assert _answers(patched, "nanpeng", destination) == _answers(written, "nanpeng", destination)
    shipment = make_shipment(patched, teu=2, ready="2026-03-02T08:00+08:00")
    result = find_routes(patched, "nanpeng", "vientiane", shipment, fold=None)
    assert any(g.service and g.service.startswith("china-laos") for o in result.options for g in o.legs)
    # the 2020 network has no railway to Laos
    base = load_scenario("chongqing")
    options = find_routes(
        base, "nanpeng", "vientiane", make_shipment(base, teu=2, ready="2026-03-02T08:00+08:00")
    )
    assert not any(g.service and g.service.startswith("china-laos") for o in options.options for g in o.legs)


def test_patched_embedded_bundles_are_kept_in_a_bounded_cache() -> None:
    from intermodal.io.patch import PATCHED_KEPT, _apply_embedded

    _apply_embedded.cache_clear()
    # each a distinct sequence a client may name (chongqing+carbon-price-100+carbon-price-100+...)
    for n in range(1, PATCHED_KEPT + 3):
        bundle = apply_patches("chongqing", ["carbon-price-100"] * n)
        assert bundle.name == "chongqing" + "+carbon-price-100" * n
    info = _apply_embedded.cache_info()
    assert info.currsize == PATCHED_KEPT and info.misses == PATCHED_KEPT + 2
    assert apply_patches("chongqing", ["carbon-price-100"] * 3) is apply_patches(
        "chongqing", ["carbon-price-100"] * 3
    )
