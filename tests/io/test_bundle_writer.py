"""The bundle writer: what it writes, the loader reads back with the same dated trips."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

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
    assert loaded.factors.factors == bundle.factors.factors
