"""Snap "lat,lon" places to graph nodes with a KD-tree, into a component that reaches the other end.

Points go on the unit sphere as 3-D vectors so that the tree's straight-line (chord) distance orders nodes
exactly
as the great-circle distance does, with no trouble at the poles or the antimeridian.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from intermodal.exceptions import PlaceError
from intermodal.network.graph import EARTH_RADIUS_KM, Graph

__all__ = ["MAX_SNAP_KM", "Snap", "SnapIndex", "snap", "snap_index", "snap_pair"]

MAX_SNAP_KM = 300.0


@dataclass(frozen=True)
class Snap:
    """A place snapped to a node.

    Attributes
    ----------
    node
        The node id.
    distance_km
        Great-circle distance from the place to the node.
    lat, lon
        The node's coordinates.
    """

    node: int
    distance_km: float
    lat: float
    lon: float


@dataclass(frozen=True, eq=False)
class SnapIndex:
    """A KD-tree over a graph's nodes; build it once per graph with :func:`snap_index`."""

    tree: cKDTree
    components: NDArray[np.int32]


def _unit(lat: NDArray[np.float64] | float, lon: NDArray[np.float64] | float) -> NDArray[np.float64]:
    p, la = np.radians(lat), np.radians(lon)
    return np.stack([np.cos(p) * np.cos(la), np.cos(p) * np.sin(la), np.sin(p)], axis=-1)


def _chord(km: float) -> float:
    return float(2 * np.sin(min(km / EARTH_RADIUS_KM, np.pi) / 2))


def _km(chord: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.clip(chord / 2, 0.0, 1.0)))


def snap_index(graph: Graph) -> SnapIndex:
    """Build the KD-tree of a graph's nodes (a fraction of a second for a world layer)."""
    return SnapIndex(tree=cKDTree(_unit(graph.lat, graph.lon)), components=graph.components)


def _check_place(lat: float, lon: float) -> None:
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 360.0) or not np.isfinite(lat + lon):
        raise PlaceError(f"not a place on Earth: {lat},{lon}")


def _near(
    index: SnapIndex, lat: float, lon: float, max_km: float
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Every node within ``max_km`` of the place, nearest first, with its distance."""
    x = _unit(lat, lon)
    nodes = np.asarray(index.tree.query_ball_point(x, _chord(max_km)), dtype=np.int64)
    if nodes.size == 0:
        return nodes, np.empty(0)
    km = _km(np.linalg.norm(index.tree.data[nodes] - x, axis=1))
    order = np.argsort(km, kind="stable")
    return nodes[order], km[order]


def _snap_of(graph: Graph, node: int, km: float) -> Snap:
    return Snap(node=int(node), distance_km=float(km), lat=float(graph.lat[node]), lon=float(graph.lon[node]))


def snap(
    graph: Graph,
    lat: float,
    lon: float,
    *,
    index: SnapIndex | None = None,
    component: int | None = None,
    max_km: float = MAX_SNAP_KM,
) -> Snap:
    """The node nearest to a place, optionally within one connected component.

    Parameters
    ----------
    graph
        The graph to snap to.
    lat, lon
        The place, in degrees.
    index
        A prebuilt :func:`snap_index` of ``graph`` (built on the fly when omitted).
    component
        Only nodes of this component label (:attr:`Graph.components`) qualify.
    max_km
        The farthest acceptable snap.

    Raises
    ------
    PlaceError
        If no qualifying node lies within ``max_km``.
    """
    _check_place(lat, lon)
    idx = index or snap_index(graph)
    name = graph.name or "network"
    if component is None:
        chord, node = idx.tree.query(_unit(lat, lon))
        km = float(_km(np.asarray(chord)))
        if km > max_km:
            raise PlaceError(
                f"{lat},{lon} is {km:.0f} km from the nearest {name} node (limit {max_km:.0f} km)"
            )
        return _snap_of(graph, int(node), km)
    nodes, kms = _near(idx, lat, lon, max_km)
    hit = np.flatnonzero(idx.components[nodes] == component)
    if hit.size == 0:
        raise PlaceError(f"no {name} node of the required component within {max_km:.0f} km of {lat},{lon}")
    return _snap_of(graph, int(nodes[hit[0]]), float(kms[hit[0]]))


def snap_pair(
    graph: Graph,
    origin: tuple[float, float],
    destination: tuple[float, float],
    *,
    index: SnapIndex | None = None,
    max_km: float = MAX_SNAP_KM,
) -> tuple[Snap, Snap]:
    """Snap two places into one connected component, so that a route between them exists.

    Of the components with a node within ``max_km`` of both places, the one with the smallest sum of the two
    snap
    distances wins; so a port city whose nearest road node lies on an island still snaps to the mainland
    network
    when the other end is on the mainland.

    Parameters
    ----------
    graph
        The graph.
    origin, destination
        ``(lat, lon)`` in degrees.
    index
        A prebuilt :func:`snap_index` of ``graph``.
    max_km
        The farthest acceptable snap at either end.

    Raises
    ------
    PlaceError
        If either place has no node within ``max_km``, or no component reaches within ``max_km`` of both.
    """
    for lat, lon in (origin, destination):
        _check_place(lat, lon)
    idx = index or snap_index(graph)
    name = graph.name or "network"
    best: dict[int, tuple[int, float]] = {}
    ends = []
    for lat, lon in (origin, destination):
        nodes, kms = _near(idx, lat, lon, max_km)
        if nodes.size == 0:
            raise PlaceError(f"{lat},{lon} is more than {max_km:.0f} km from any {name} node")
        comps = idx.components[nodes]
        # nodes are nearest first, so the first node of each component is its nearest.
        labels, first = np.unique(comps, return_index=True)
        ends.append({int(c): (int(nodes[i]), float(kms[i])) for c, i in zip(labels, first, strict=True)})
    common = set(ends[0]) & set(ends[1])
    if not common:
        raise PlaceError(
            f"no connected {name} network reaches within {max_km:.0f} km of both {origin[0]},{origin[1]} "
            f"and {destination[0]},{destination[1]}"
        )
    best_c = min(common, key=lambda c: (ends[0][c][1] + ends[1][c][1], c))
    best = {0: ends[0][best_c], 1: ends[1][best_c]}
    return _snap_of(graph, *best[0]), _snap_of(graph, *best[1])
