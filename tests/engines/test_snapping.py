"""Snapping: nearest node, the 300 km limit, and pairs snapped into one component."""

from __future__ import annotations

import numpy as np
import pytest

from intermodal.engines.snapping import snap, snap_index, snap_pair
from intermodal.exceptions import PlaceError
from intermodal.network.graph import graph_from_edges, haversine_km


def _two_islands():  # type: ignore[no-untyped-def]
    """Mainland nodes 0-1-2 along the equator; an island pair 3-4 just off node 0's coast."""
    lat = np.array([0.0, 0.0, 0.0, 0.5, 0.6])
    lon = np.array([0.0, 1.0, 2.0, 0.0, 0.0])
    return graph_from_edges(
        np.array([0, 1, 3]), np.array([1, 2, 4]), np.ones(3), lat=lat, lon=lon, name="road"
    )


def test_nearest_node_and_its_distance() -> None:
    g = _two_islands()
    s = snap(g, 0.1, 1.05)
    assert s.node == 1
    assert s.distance_km == pytest.approx(float(haversine_km(0.1, 1.05, 0.0, 1.0)), rel=1e-9)
    assert (s.lat, s.lon) == (0.0, 1.0)


def test_a_place_farther_than_300_km_is_an_error() -> None:
    g = _two_islands()
    with pytest.raises(PlaceError, match="limit 300 km"):
        snap(g, 10.0, 0.0)
    assert snap(g, 10.0, 0.0, max_km=2000).node == 4
    with pytest.raises(PlaceError):
        snap(g, 95.0, 0.0)


def test_a_pair_snaps_into_the_component_that_connects_them() -> None:
    g = _two_islands()
    idx = snap_index(g)
    # Alone, a place on the island's doorstep snaps to the island ...
    assert snap(g, 0.55, 0.0, index=idx).node in (3, 4)
    # ... but routed to the mainland's far end, it snaps to the mainland.
    a, b = snap_pair(g, (0.55, 0.0), (0.0, 2.1), index=idx)
    assert (a.node, b.node) == (0, 2)
    assert g.components[a.node] == g.components[b.node]
    assert a.distance_km == pytest.approx(float(haversine_km(0.55, 0.0, 0.0, 0.0)), rel=1e-9)
    assert snap(g, 0.55, 0.0, index=idx, component=int(g.components[2])).node == 0


def test_a_pair_with_no_common_component_in_reach_is_an_error() -> None:
    g = _two_islands()
    with pytest.raises(PlaceError, match="no connected road network"):
        snap_pair(g, (0.6, 0.0), (0.0, 2.0), max_km=20)
