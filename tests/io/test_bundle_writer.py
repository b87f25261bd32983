"""The bundle writer: what it writes, the loader reads back with the same dated trips."""

from __future__ import annotations

import dataclasses
import math
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from intermodal.exceptions import BundleError, InputError
from intermodal.io import _atomic, bundle_writer
from intermodal.io.bundle import load_bundle
from intermodal.io.bundle_writer import write_bundle
from intermodal.io.gtfs import import_gtfs
from intermodal.network.connections import Connections, compile_connections

FEEDS = Path(__file__).resolve().parents[1] / "data/gtfs"
SCENARIO = Path(__file__).resolve().parents[2] / "src/intermodal/data/scenarios/chongqing"


def _hops(c: Connections) -> list[tuple[str, str, int, int]]:
    ids = c.stop_ids
    return sorted(
        (ids[a], ids[b], s, t)
        for a, b, s, t in zip(
            c.dep_stop.tolist(), c.arr_stop.tolist(), c.dep_s.tolist(), c.arr_s.tolist(), strict=True
        )
    )


def test_a_gtfs_import_written_as_a_bundle_loads_with_the_same_trips(tmp_path: Path) -> None:
    # NYC has departures with seconds (08:03:30) and Cairns hops of zero duration: both need care
    for name, day, zone in [
        ("nyc_subway_gtfs.zip", datetime(2024, 12, 24), "America/New_York"),
        ("cairns_gtfs.zip", datetime(2014, 6, 8), "Australia/Brisbane"),
    ]:
        bundle = import_gtfs(FEEDS / name)
        loaded = load_bundle(write_bundle(bundle, tmp_path / name))
        start = day.replace(tzinfo=ZoneInfo(zone))
        a = compile_connections(bundle, start=start, end=start + timedelta(days=2))
        b = compile_connections(loaded, start=start, end=start + timedelta(days=2))
        assert _hops(a) == _hops(b)
        assert a.stop_ids == b.stop_ids and np.array_equal(a.change_s, b.change_s)
        assert np.array_equal(a.foot_s, b.foot_s)


def test_the_scenario_bundle_round_trips(tmp_path: Path) -> None:
    bundle = load_bundle(SCENARIO)
    loaded = load_bundle(write_bundle(bundle, tmp_path / "cq"))
    assert loaded.terminals == bundle.terminals
    assert loaded.crossings == bundle.crossings
    assert {lk.id: lk for lk in loaded.links} == {lk.id: lk for lk in bundle.links}
    assert loaded.services == bundle.services
    assert {s.reefer_plugs_teu for s in loaded.services} >= {None, 2.0, 20.0}  # counted, and not counted
    assert loaded.factors.factors == bundle.factors.factors


def _listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_a_bundle_that_would_not_load_leaves_nothing(tmp_path: Path) -> None:
    bundle = load_bundle(SCENARIO)
    broken = dataclasses.replace(
        bundle,
        services=(dataclasses.replace(bundle.services[0], capacity_teu=math.inf), *bundle.services[1:]),
    )
    with pytest.raises(BundleError) as err:
        write_bundle(broken, tmp_path / "new" / "cq")
    first, *rest = err.value.problems
    assert "nothing was written" in first.message
    assert any(p.file == "services.csv" and p.field == "capacity_teu" for p in rest)
    assert _listing(tmp_path) == []  # no bundle, no staged folder, no parent made for it


def test_a_failed_write_keeps_the_bundle_written_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundle = load_bundle(SCENARIO)
    out = write_bundle(bundle, tmp_path / "cq")
    before = {name: (out / name).read_bytes() for name in _listing(out)}

    def full_disk(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(bundle_writer, "_write_services", full_disk)
    with pytest.raises(InputError, match="No space left on device"):
        write_bundle(bundle, out)
    assert {name: (out / name).read_bytes() for name in _listing(out)} == before
    assert _listing(tmp_path) == sorted(["cq", *(f"cq/{name}" for name in before)])  # nothing staged left


def test_a_bundle_folder_is_replaced_whole(tmp_path: Path) -> None:
    out = tmp_path / "cq"
    out.mkdir()
    (out / "manifest.toml").write_text("")
    (out / "stale.csv").write_text("left from an older bundle")
    write_bundle(load_bundle(SCENARIO), out)
    assert not (out / "stale.csv").exists() and load_bundle(out).terminals
    assert _listing(tmp_path)[0] == "cq" and all(p.startswith("cq") for p in _listing(tmp_path))


@pytest.mark.parametrize("kind", ["file", "folder of other things", "below a file"])
def test_an_output_that_is_no_bundle_folder_is_refused_untouched(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "out"
    if kind == "file":
        target.write_text("mine")
    elif kind == "folder of other things":
        target.mkdir()
        (target / "notes.txt").write_text("mine")
    else:
        (tmp_path / "afile").write_text("mine")
        target = tmp_path / "afile" / "out"
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    with pytest.raises(InputError) as err:
        write_bundle(load_bundle(SCENARIO), target)
    (problem,) = err.value.problems
    assert problem.file and problem.expected
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before


def test_aliases_are_written_and_read_back(tmp_path: Path) -> None:
    bundle = load_bundle(SCENARIO)
    terminals = dict(bundle.terminals)
    terminals["nanpeng"] = dataclasses.replace(terminals["nanpeng"], aliases=frozenset({"NP 1", "np-2"}))
    loaded = load_bundle(write_bundle(dataclasses.replace(bundle, terminals=terminals), tmp_path / "cq"))
    assert loaded.terminals == terminals


def test_an_unwritable_place_is_refused_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_atomic.os, "access", lambda *args: False)  # root may write anywhere
    with pytest.raises(InputError) as err:
        bundle_writer.check_out_dir(tmp_path / "new" / "cq")
    (problem,) = err.value.problems
    assert (problem.file, problem.message) == (str(tmp_path), "cannot write here: permission denied")
    assert _listing(tmp_path) == []


def test_tariffs_and_the_inventory_rate_are_written_back(tmp_path: Path) -> None:
    bundle = load_bundle(SCENARIO)
    assert bundle.tariffs and bundle.manifest.inventory_rate_per_year == 0.10
    again = load_bundle(write_bundle(bundle, tmp_path / "cq"))
    assert again.tariffs == bundle.tariffs
    assert again.manifest.inventory_rate_per_year == bundle.manifest.inventory_rate_per_year
    assert again.manifest.inventory_rate_source == bundle.manifest.inventory_rate_source


def test_closures_are_written_back_as_the_loader_reads_them(tmp_path: Path) -> None:
    from intermodal.model.disruptions import Closure

    bundle = load_bundle(SCENARIO)
    zone = ZoneInfo("Asia/Shanghai")
    link = bundle.links[0]
    place = next(iter(bundle.crossings))
    closures = (
        Closure(
            -2,
            "link",
            link.id,
            datetime(2026, 2, 1, tzinfo=zone),
            datetime(2026, 2, 3, tzinfo=zone),
            source="x",
        ),
        Closure(
            -3,
            "crossing",
            place,
            datetime(2026, 3, 1, tzinfo=ZoneInfo(bundle.terminals[place].timezone)),
            datetime(2026, 3, 2, tzinfo=ZoneInfo(bundle.terminals[place].timezone)),
            source="y",
        ),
    )
    zoned = dataclasses.replace(bundle, closures=closures)
    assert bundle.terminals[link.from_id].timezone == "Asia/Shanghai"
    again = load_bundle(write_bundle(zoned, tmp_path / "cq"))
    assert again.closures == closures
