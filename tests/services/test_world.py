"""The world layers as a service: caches reused, invalidated and repaired; facts from data-notes.md."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import intermodal.services.world as sw
from intermodal.engines.dijkstra import reference_distances
from intermodal.exceptions import PlaceError

pytestmark = pytest.mark.world


def test_caches_are_reused_invalidated_and_repaired(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reads: list[str] = []
    builds: list[int] = []
    real_read, real_build = sw.read_world_edges, sw.build_ch
    monkeypatch.setattr(sw, "read_world_edges", lambda layer: reads.append(layer) or real_read(layer))
    monkeypatch.setattr(sw, "build_ch", lambda g: builds.append(g.n_nodes) or real_build(g))

    first = sw.open_world("sea", cache_dir=tmp_path)
    assert (len(reads), len(builds)) == (1, 1)
    assert {p.name for p in tmp_path.iterdir()} == {"world-sea.graph.npz", "world-sea.ch.npz"}

    second = sw.open_world("sea", cache_dir=tmp_path)  # from the cache
    assert (len(reads), len(builds)) == (1, 1)
    np.testing.assert_array_equal(second.ch.up_w, first.ch.up_w)
    np.testing.assert_array_equal(second.graph.flags, first.graph.flags)
    assert second.graph.flag_names == first.graph.flag_names

    # A damaged hierarchy is rebuilt, not trusted.
    ch_file = tmp_path / "world-sea.ch.npz"
    raw = bytearray(ch_file.read_bytes())
    at = bytes(raw).index(first.ch.up_w[1000:1002].tobytes())
    raw[at + 3] ^= 0x40
    ch_file.write_bytes(bytes(raw))
    sw.open_world("sea", cache_dir=tmp_path)
    assert (len(reads), len(builds)) == (1, 2)

    # A changed source invalidates both caches.
    monkeypatch.setattr(sw, "world_source_sha256", lambda layer: "0" * 64)
    sw.open_world("sea", cache_dir=tmp_path)
    assert (len(reads), len(builds)) == (2, 3)


@pytest.fixture(scope="module")
def rail() -> sw.WorldRouter:
    return sw.open_world("rail")


def test_rail_chongqing_to_hanoi(rail: sw.WorldRouter) -> None:
    a, b = rail.snap_pair((29.45, 106.63), (21.03, 105.85))
    r = rail.route(a.node, b.node)
    assert r.distance_km == pytest.approx(1494.8, abs=1.0)  # data-notes.md: about 1,494 km
    assert a.distance_km < 10 and b.distance_km < 10
    assert r.geometry[0] == [a.lon, a.lat] and r.geometry[-1] == [b.lon, b.lat]


def test_rail_snaps_into_a_component_that_reaches_the_other_end(rail: sw.WorldRouter) -> None:
    # Tuanjiecun -> Qinzhou port: the nearest rail node to the port is on a piece of line cut off from
    # Chongqing.
    near = rail.snap(21.68, 108.62)
    a, b = rail.snap_pair((29.62, 106.35), (21.68, 108.62))
    assert rail.graph.components[near.node] != rail.graph.components[a.node]
    assert rail.graph.components[a.node] == rail.graph.components[b.node]
    assert b.distance_km > near.distance_km
    assert np.isfinite(rail.route(a.node, b.node).distance_km)


def test_road_singapore_and_nanpeng_hanoi() -> None:
    from intermodal.engines.snapping import snap, snap_pair

    road = sw.load_world_layer("road")
    # Singapore's nearest road node is on a component cut off from the mainland; paired with Kuala Lumpur it
    # snaps
    # across the strait, and says how far.
    a, b = snap_pair(road, (1.29, 103.85), (3.14, 101.69))
    assert road.components[snap(road, 1.29, 103.85).node] != road.components[a.node]
    assert 5 < a.distance_km < 50
    a, b = snap_pair(road, (29.35, 106.65), (21.03, 105.85))
    assert reference_distances(road, a.node)[b.node] == pytest.approx(1055, abs=5)  # data-notes.md


def test_no_rail_within_300_km_is_an_error(rail: sw.WorldRouter) -> None:
    with pytest.raises(PlaceError, match="300 km"):
        rail.snap(-30.0, -140.0)  # the South Pacific


@pytest.mark.parametrize(
    ("origin", "destination"),
    [
        ((31.23, 121.47), (32.08, -81.09)),
        ((31.23, 121.47), (51.95, 4.14)),
        ((13.08, 100.88), (31.23, 121.47)),
    ],
    ids=["shanghai-savannah", "shanghai-rotterdam", "laem_chabang-shanghai"],
)
def test_sea_distances_match_searoute(origin: tuple[float, float], destination: tuple[float, float]) -> None:
    import searoute

    sea = sw.open_world("sea")
    a, b = sea.snap_pair(origin, destination)
    mine = sea.route(a.node, b.node).distance_km  # the Northwest Passage closed by default, as in searoute
    theirs = searoute.searoute(origin[::-1], destination[::-1]).properties["length"]
    assert mine == pytest.approx(theirs, rel=1e-3)
