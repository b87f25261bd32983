"""The plain reference for the timetable engines: a time-expanded graph searched by scipy's Dijkstra.

Every event is a node: a connection's departure ``D`` and arrival ``A``, and per stop one *wait* node ``W``
for each second at which some connection's gate closes there (its departure minus its cut-off), chained in
time order. Edges::

    D_c -> A_c              riding the hop
    A_c -> D_next(c)        staying on the trip
    W(s, t) -> W(s, t')     waiting at the stop until its next departure time
    W(s, dep_c - cutoff_c) -> D_c   boarding, only where the stop picks up (``pickup``)
    A_c -> W(v, >= arr_c + change(v))    alighting, then changing trips, only where v sets down (``dropoff``)
    A_c -> W(u, >= arr_c + walk(v, u))   alighting, then walking to another stop, likewise

Edge weights are the time between the events, so a node is reached at exactly its own time; a stop's
earliest arrival is the earliest reached arrival event where the trip may set down (or footpath end). For
the Pareto set over arrival time and trips, the graph is copied in layers and boarding climbs one layer.

Walks chain: ``walk(v, u)`` is the shortest chain of the footpaths as given (``raw_foot_*``), found here by
scipy's Dijkstra over those footpaths alone. The oracle does not read the closed footpaths (``foot_*``) that
the scans use, so the tests check the closure too. A walk needs its exact end time, since that decides the
first departure it catches, and so each chained walk becomes one edge; a walk back to its own start is none.

This module is deliberately simple; the fast engines are checked against it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_array
from scipy.sparse.csgraph import dijkstra

from intermodal.network.connections import Connections

__all__ = [
    "TimeExpandedGraph",
    "build_time_expanded",
    "chained_walks",
    "earliest_arrival_te",
    "pareto_transfers_te",
]

_INF = 1 << 62
_SHIFT = 40


@dataclass(frozen=True)
class TimeExpandedGraph:
    """A time-expanded graph of ``layers`` copies; node ``i`` of layer ``L`` is ``L * per_layer + i``."""

    graph: csr_array
    layers: int
    per_layer: int
    n_connections: int
    wait_key: np.ndarray  # (stop << 40) + time of each wait node, sorted
    walk_start: np.ndarray  # chained walks as CSR over stops: targets walk_to, seconds walk_s
    walk_to: np.ndarray
    walk_s: np.ndarray

    def wait_node(self, stop: int, at_or_after: int) -> int:
        """Layer-0 index of the first wait node at ``stop`` no earlier than ``at_or_after``, or -1."""
        key = (stop << _SHIFT) + at_or_after
        i = int(np.searchsorted(self.wait_key, key, side="left"))
        if i < self.wait_key.shape[0] and int(self.wait_key[i]) >> _SHIFT == stop:
            return 2 * self.n_connections + i
        return -1


def chained_walks(connections: Connections) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every walk over one or more of the footpaths as given, shortest first, as CSR over stops.

    Returns ``(start, to, seconds)``: from stop ``i`` to ``to[start[i]:start[i + 1]]``. A walk that ends
    where it began is left out, as a footpath from a stop to itself is.
    """
    c = connections
    n = c.n_stops
    walks = csr_array(
        (c.raw_foot_s.astype(np.float64), c.raw_foot_to.astype(np.int64), c.raw_foot_start), shape=(n, n)
    )
    starts = np.flatnonzero(np.diff(c.raw_foot_start) > 0)
    if starts.size == 0:
        return np.zeros(n + 1, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    dist = dijkstra(walks, directed=True, indices=starts)
    row, to = np.nonzero(np.isfinite(dist))
    frm = starts[row]
    keep = frm != to
    frm, to, sec = frm[keep], to[keep], dist[row[keep], to[keep]].astype(np.int64)
    start = np.searchsorted(frm, np.arange(n + 1)).astype(np.int64)  # np.nonzero gives row-major order
    return start, to.astype(np.int64), sec


def build_time_expanded(connections: Connections, *, layers: int = 1) -> TimeExpandedGraph:
    """The time-expanded graph of ``connections``; ``layers > 1`` counts boardings for Pareto searches."""
    c = connections
    walk_start, walk_to, walk_s = chained_walks(c)
    m = c.n_connections
    dep_stop = c.dep_stop.astype(np.int64)
    arr_stop = c.arr_stop.astype(np.int64)
    gate = c.dep_s - c.cutoff_s  # the latest time to be ready at the stop to board
    wait_key = np.unique((dep_stop << _SHIFT) + gate)
    n_wait = wait_key.shape[0]
    per_layer = 2 * m + n_wait

    def wait_of(stop: np.ndarray, t: np.ndarray) -> np.ndarray:
        i = np.searchsorted(wait_key, (stop << _SHIFT) + t, side="left")
        ok = i < n_wait
        ok[ok] = (wait_key[i[ok]] >> _SHIFT) == stop[ok]
        return np.where(ok, 2 * m + i, -1)

    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    wts: list[np.ndarray] = []

    def edge(a: np.ndarray, b: np.ndarray, w: np.ndarray) -> None:
        keep = b >= 0
        rows.append(a[keep])
        cols.append(b[keep])
        wts.append(w[keep].astype(np.float64))

    conn = np.arange(m, dtype=np.int64)
    ride = (conn, m + conn, c.arr_s - c.dep_s)
    # the next hop of the same trip: sort by (trip, seq) and pair neighbours
    by_trip = np.lexsort((c.seq, c.trip))
    same = c.trip[by_trip][1:] == c.trip[by_trip][:-1]
    here, nxt = by_trip[:-1][same], by_trip[1:][same]
    stay = (m + here, nxt, c.dep_s[nxt] - c.arr_s[here])
    wait_stop = wait_key >> _SHIFT
    wait_time = wait_key - (wait_stop << _SHIFT)
    chain = wait_stop[1:] == wait_stop[:-1]
    w_idx = 2 * m + np.arange(n_wait, dtype=np.int64)
    wait = (w_idx[:-1][chain], w_idx[1:][chain], (wait_time[1:] - wait_time[:-1])[chain])
    up = c.pickup
    board = (wait_of(dep_stop[up], gate[up]), conn[up], c.cutoff_s[up])

    def land(after: np.ndarray, stop: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, ...]:
        # alighting lands on the stop's first wait node no earlier than t; the edge lasts until then
        b = wait_of(stop, t)
        w = np.where(b >= 0, wait_time[np.maximum(b - 2 * m, 0)] - c.arr_s[after], 0)
        return (m + after, b, w)

    down = conn[c.dropoff]
    alight = land(down, arr_stop[down], c.arr_s[down] + c.change_s[arr_stop[down]])
    # walks after alighting: one edge per (connection, chained walk)
    v = arr_stop[down]
    counts = walk_start[v + 1] - walk_start[v]
    src = np.repeat(down, counts)
    offs = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    f = np.repeat(walk_start[v], counts) + offs
    walk = land(src, walk_to[f], c.arr_s[src] + walk_s[f])

    for layer in range(layers):
        base = layer * per_layer
        for a, b, w in (ride, stay, wait, alight, walk):
            edge(a + base, np.where(b >= 0, b + base, -1), w)
        # boarding climbs a layer when counting trips; with one layer it stays
        if layers == 1 or layer + 1 < layers:
            above = base + per_layer if layers > 1 else base
            bw, bc, bz = board
            ok = bw >= 0
            edge(bw[ok] + base, bc[ok] + above, bz[ok])
    row = np.concatenate(rows)
    col = np.concatenate(cols)
    wt = np.concatenate(wts)
    n = layers * per_layer
    order = np.lexsort((col, row))
    row, col, wt = row[order], col[order], wt[order]
    indptr = np.searchsorted(row, np.arange(n + 1)).astype(np.int64)
    graph = csr_array((wt, col, indptr), shape=(n, n))
    return TimeExpandedGraph(graph, layers, per_layer, m, wait_key, walk_start, walk_to, walk_s)


def _sources(g: TimeExpandedGraph, c: Connections, origin: int, t0: int) -> tuple[list[int], dict[int, int]]:
    sources = []
    first = g.wait_node(origin, t0)
    if first >= 0:
        sources.append(first)
    walked: dict[int, int] = {}
    for f in range(int(g.walk_start[origin]), int(g.walk_start[origin + 1])):
        u, end = int(g.walk_to[f]), t0 + int(g.walk_s[f])
        walked[u] = min(walked.get(u, _INF), end)
        node = g.wait_node(u, end)
        if node >= 0:
            sources.append(node)
    return sources, walked


def _arrivals(g: TimeExpandedGraph, c: Connections, reached: np.ndarray) -> np.ndarray:
    """Per stop, the earliest arrival among reached arrival nodes of one layer, walks included.

    An arrival node counts only where its trip may set down; riding through is not arriving.
    """
    m = g.n_connections
    out = np.full(c.n_stops, _INF, dtype=np.int64)
    hit = np.flatnonzero(reached[m : 2 * m] & c.dropoff)
    np.minimum.at(out, c.arr_stop[hit], c.arr_s[hit])
    for conn in hit:
        v = int(c.arr_stop[conn])
        for f in range(int(g.walk_start[v]), int(g.walk_start[v + 1])):
            u = int(g.walk_to[f])
            out[u] = min(out[u], int(c.arr_s[conn]) + int(g.walk_s[f]))
    return out


def earliest_arrival_te(g: TimeExpandedGraph, c: Connections, origin: int, t0: int) -> np.ndarray:
    """Earliest arrival (UTC seconds, or ``1 << 62``) at every stop, leaving ``origin`` at ``t0`` or later."""
    sources, walked = _sources(g, c, origin, t0)
    out = np.full(c.n_stops, _INF, dtype=np.int64)
    if sources:
        dist = dijkstra(g.graph, directed=True, indices=sources, min_only=True)
        out = _arrivals(g, c, np.isfinite(dist[: g.per_layer]))
    for u, end in walked.items():
        out[u] = min(out[u], end)
    out[origin] = t0
    return out


def pareto_transfers_te(
    g: TimeExpandedGraph, c: Connections, origin: int, t0: int, target: int
) -> list[tuple[int, int]]:
    """The Pareto set at ``target`` over (arrival, trips) as ``(trips, arrival_s)``, fewest trips first.

    Uses trips 0 .. ``g.layers - 1``.
    """
    if target == origin:
        return [(0, t0)]
    sources, walked = _sources(g, c, origin, t0)
    best = [_INF] * g.layers
    best[0] = walked.get(target, _INF)
    if sources:
        dist = dijkstra(g.graph, directed=True, indices=sources, min_only=True)
        for layer in range(1, g.layers):
            part = dist[layer * g.per_layer : (layer + 1) * g.per_layer]
            best[layer] = int(_arrivals(g, c, np.isfinite(part))[target])
    out: list[tuple[int, int]] = []
    for k, t in enumerate(best):
        if t < _INF and (not out or t < out[-1][1]):
            out.append((k, t))
    return out
