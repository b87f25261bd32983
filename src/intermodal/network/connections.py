"""Dated trips as a connection array: the flat input of the timetable engines.

A connection is one hop of one dated trip: it leaves a stop at ``dep_s`` and reaches the next at ``arr_s``
(UTC epoch seconds). Connections are sorted by departure, which is the order the connection scan needs;
RAPTOR-style and time-expanded searches read the same arrays.

Walking chains, as in GTFS routers (RAPTOR, CSA): the footpaths the scans read are the transitive closure of
the footpaths given, so a walk A -> B -> C is one footpath A -> C of the shortest total time. The footpaths as
given stay beside them for engines (the time-expanded oracle) that chain walks themselves.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from intermodal.model import Bundle, Link, Service
from intermodal.network.timetable import Timetable, expand_timetable

__all__ = ["Connections", "close_footpaths", "compile_connections", "connections_from_timetable"]


@dataclass(frozen=True)
class Connections:
    """The connections of a timetable, with per-stop change times and footpaths.

    Attributes
    ----------
    stop_ids
        Terminal id of each stop index.
    dep_stop, arr_stop
        Stop index where each connection leaves and arrives (``int32``).
    dep_s, arr_s
        UTC epoch seconds (``int64``), sorted by ``dep_s`` then ``arr_s``.
    trip
        Index of the dated trip in ``timetable`` (``int32``).
    seq
        Position of the hop within its trip: 0 for the hop from the first stop.
    cutoff_s
        Per connection, the service's cut-off: cargo must be ready at the stop this long before departure
        to board there (the gate closes). Riding on needs no cut-off.
    pickup, dropoff
        Per connection (``bool``), whether its trip may be boarded at its departure stop and left at its
        arrival stop (the service's ``ServiceStop.pickup`` and ``dropoff``; GTFS pickup_type and
        drop_off_type). Riding through a stop is always allowed.
    change_s
        Per stop, the least time between alighting one trip and boarding another there.
    foot_start, foot_to, foot_s
        Closed footpaths as CSR: from stop ``i``, ``foot_to[foot_start[i]:foot_start[i + 1]]`` with
        durations ``foot_s``, the shortest walk over any chain of given footpaths (walks and other flexible
        legs), to every other stop it reaches. A footpath may follow a trip or the origin, and the next trip
        may be boarded on arrival; since walks are closed, one footpath is all a transfer needs.
    raw_foot_start, raw_foot_to, raw_foot_s
        The footpaths as given, as CSR in the same layout, for engines that chain walks themselves.
    block_end
        For each connection, the index one past the last connection with the same ``dep_s``.
    block_zero
        For each connection, whether its block holds a hop of zero duration. Such a hop can feed a
        connection of the same second, so engines settle these blocks until nothing changes.
    timetable
        The dated trips the connections come from.
    """

    stop_ids: tuple[str, ...]
    dep_stop: np.ndarray
    arr_stop: np.ndarray
    dep_s: np.ndarray
    arr_s: np.ndarray
    trip: np.ndarray
    seq: np.ndarray
    cutoff_s: np.ndarray
    pickup: np.ndarray
    dropoff: np.ndarray
    change_s: np.ndarray
    foot_start: np.ndarray
    foot_to: np.ndarray
    foot_s: np.ndarray
    raw_foot_start: np.ndarray
    raw_foot_to: np.ndarray
    raw_foot_s: np.ndarray
    block_end: np.ndarray
    block_zero: np.ndarray
    timetable: Timetable

    @property
    def n_stops(self) -> int:
        return len(self.stop_ids)

    @property
    def n_connections(self) -> int:
        return int(self.dep_s.shape[0])

    @property
    def n_trips(self) -> int:
        return self.timetable.n_trips

    def scan_arrays(self, min_change_s: int = 0) -> tuple[Any, ...]:
        """What every connection-scan kernel takes first, in its order, with change times floored at
        ``min_change_s``: the connections, stop rules, change times, footpaths, blocks, and the trip count."""
        change = np.maximum(self.change_s, min_change_s) if min_change_s > 0 else self.change_s
        return (
            self.dep_stop, self.arr_stop, self.dep_s, self.arr_s, self.trip, self.seq, self.cutoff_s,
            self.pickup, self.dropoff, change, self.foot_start, self.foot_to, self.foot_s, self.block_end,
            self.block_zero, self.n_trips,
        )  # fmt: skip

    def service_of(self, trip: int) -> Service:
        """The service that dated trip ``trip`` runs."""
        return self.timetable.services[int(self.timetable.trip_service[trip])]

    def trip_start_s(self, trip: int) -> int:
        """UTC epoch seconds at which dated trip ``trip`` leaves its first stop."""
        return int(self.timetable.trip_start[trip])

    def stop_index(self, stop_id: str) -> int:
        """The index of terminal ``stop_id``; ``KeyError`` when the timetable has no such stop."""
        return self.stop_ids.index(stop_id)


def compile_connections(
    bundle: Bundle,
    *,
    start: datetime,
    end: datetime,
    min_change_s: int = 0,
    footpath_modes: Iterable[str] | None = None,
) -> Connections:
    """The connections of ``bundle``'s services under way in ``[start, end]``.

    Parameters
    ----------
    bundle
        The network; its terminals become stops in sorted id order.
    start, end
        Timezone-aware window.
    min_change_s
        A floor under every terminal's change time (its ``handling_h``).
    footpath_modes
        Modes of the flexible links that serve as footpaths; by default every flexible link.
    """
    stop_ids = tuple(sorted(bundle.terminals))
    index = {s: i for i, s in enumerate(stop_ids)}
    timetable = expand_timetable(bundle.services, bundle.terminals, index, start=start, end=end)
    change = np.array(
        [max(round(bundle.terminals[s].handling_h * 3600), min_change_s) for s in stop_ids], dtype=np.int64
    )
    wanted = None if footpath_modes is None else set(footpath_modes)
    feet = [lk for lk in bundle.links if lk.flexible and (wanted is None or lk.mode.value in wanted)]
    return connections_from_timetable(timetable, stop_ids, change_s=change, footpaths=_footpaths(feet, index))


def _footpaths(links: Sequence[Link], index: Mapping[str, int]) -> list[tuple[int, int, int]]:
    out = []
    for lk in links:
        if lk.duration_h is None:
            continue  # a link without its own time is ridden by services only
        seconds = max(1, round(lk.duration_h * 3600))
        out.append((index[lk.from_id], index[lk.to_id], seconds))
        if lk.bidirectional:
            out.append((index[lk.to_id], index[lk.from_id], seconds))
    return out


def connections_from_timetable(
    timetable: Timetable,
    stop_ids: Sequence[str],
    *,
    change_s: np.ndarray | None = None,
    footpaths: Iterable[tuple[int, int, int]] = (),
) -> Connections:
    """Connections of ``timetable``'s trips over stops ``stop_ids``.

    ``footpaths`` holds ``(from_stop, to_stop, seconds)``, taken as 1 s at least; for a repeated pair the
    shortest is kept, and a footpath from a stop to itself is dropped (the stop's change time covers it).
    The engines' footpaths are their closure (:func:`close_footpaths`), in which a walk back to its start
    is no footpath either.
    """
    n = len(stop_ids)
    parts: list[tuple[np.ndarray, ...]] = []
    for s in range(len(timetable.services)):
        trips = np.flatnonzero(timetable.trip_service == s)
        if trips.size == 0:
            continue
        starts = timetable.trip_start[trips][:, None]
        stops, arrive, depart = timetable.stops[s], timetable.arrive_s[s], timetable.depart_s[s]
        hops = stops.shape[0] - 1
        shape = (trips.size, hops)
        parts.append(
            (
                np.broadcast_to(stops[:-1], shape).ravel(),
                np.broadcast_to(stops[1:], shape).ravel(),
                (starts + depart[:-1]).ravel(),
                (starts + arrive[1:]).ravel(),
                np.broadcast_to(trips[:, None], shape).ravel(),
                np.broadcast_to(np.arange(hops), shape).ravel(),
                np.full(trips.size * hops, round(timetable.services[s].cutoff_h * 3600), dtype=np.int64),
                # a hop may be boarded where its first stop picks up, and left where its last sets down
                np.broadcast_to(timetable.board_ok[s][:-1], shape).ravel(),
                np.broadcast_to(timetable.alight_ok[s][1:], shape).ravel(),
            )
        )
    if parts:
        dep_stop, arr_stop, dep_s, arr_s, trip, seq, cutoff, pickup, dropoff = (
            np.concatenate(col) for col in zip(*parts, strict=True)
        )
    else:
        dep_stop = arr_stop = trip = seq = np.zeros(0, dtype=np.int32)
        dep_s = arr_s = cutoff = np.zeros(0, dtype=np.int64)
        pickup = dropoff = np.zeros(0, dtype=np.bool_)
    # trip then seq break ties, so that a trip's own zero-duration hops stay in their order
    order = np.lexsort((seq, trip, arr_s, dep_s))
    dep_s = np.ascontiguousarray(dep_s[order], dtype=np.int64)
    arr_s = np.ascontiguousarray(arr_s[order], dtype=np.int64)
    # a block is a run of connections leaving in the same second
    bounds = np.flatnonzero(np.diff(dep_s)) + 1
    edges = np.concatenate(([0], bounds, [dep_s.shape[0]])).astype(np.int64)
    sizes = np.diff(edges)
    block_end = np.repeat(edges[1:], sizes)
    zero = (arr_s == dep_s).astype(np.int64)
    zero_in = np.add.reduceat(zero, edges[:-1]) > 0 if dep_s.shape[0] else np.zeros(0, dtype=bool)
    block_zero = np.repeat(zero_in, sizes)

    best: dict[tuple[int, int], int] = {}
    for a, b, sec in footpaths:
        # a walk takes a second at least, so that it never ends in the second it starts: journeys are
        # rebuilt on that (see engines.csa.journey)
        sec = max(1, int(sec))
        if a != b and sec < best.get((a, b), 1 << 62):
            best[(a, b)] = sec
    raw_start, raw_to, raw_s = _csr(n, best)
    foot_start, foot_to, foot_s = _csr(n, close_footpaths(n, best))
    return Connections(
        stop_ids=tuple(stop_ids),
        dep_stop=np.ascontiguousarray(dep_stop[order], dtype=np.int32),
        arr_stop=np.ascontiguousarray(arr_stop[order], dtype=np.int32),
        dep_s=dep_s,
        arr_s=arr_s,
        trip=np.ascontiguousarray(trip[order], dtype=np.int32),
        seq=np.ascontiguousarray(seq[order], dtype=np.int32),
        cutoff_s=np.ascontiguousarray(cutoff[order], dtype=np.int64),
        pickup=np.ascontiguousarray(pickup[order], dtype=np.bool_),
        dropoff=np.ascontiguousarray(dropoff[order], dtype=np.bool_),
        change_s=np.zeros(n, dtype=np.int64) if change_s is None else np.asarray(change_s, dtype=np.int64),
        foot_start=foot_start,
        foot_to=foot_to,
        foot_s=foot_s,
        raw_foot_start=raw_start,
        raw_foot_to=raw_to,
        raw_foot_s=raw_s,
        block_end=np.ascontiguousarray(block_end, dtype=np.int64),
        block_zero=np.ascontiguousarray(block_zero, dtype=np.bool_),
        timetable=timetable,
    )


def close_footpaths(n_stops: int, footpaths: Mapping[tuple[int, int], int]) -> dict[tuple[int, int], int]:
    """The transitive closure of ``footpaths``: the shortest chained walk between every pair it connects.

    Parameters
    ----------
    n_stops
        Stops are ``0 .. n_stops - 1``.
    footpaths
        ``{(from_stop, to_stop): seconds}``, one entry per pair, no stop to itself.

    Returns
    -------
    dict
        ``{(from_stop, to_stop): seconds}`` for every ``to_stop`` reached from ``from_stop`` by one or more
        footpaths, other than ``from_stop`` itself: a walk that comes back to its start does not replace the
        stop's change time.

    Notes
    -----
    One Dijkstra per stop that has a footpath, over the footpaths only. Footpath graphs are small (transfers
    between nearby stops), so each search stays within a few stops.
    """
    out_edges: list[list[tuple[int, int]]] = [[] for _ in range(n_stops)]
    for (a, b), sec in footpaths.items():
        out_edges[a].append((b, sec))
    closed: dict[tuple[int, int], int] = {}
    for src in range(n_stops):
        if not out_edges[src]:
            continue
        dist = {src: 0}
        heap = [(0, src)]
        while heap:
            d, u = heapq.heappop(heap)
            if d > dist[u]:
                continue  # a stale entry: u was reached sooner since
            for v, sec in out_edges[u]:
                if d + sec < dist.get(v, 1 << 62):
                    dist[v] = d + sec
                    heapq.heappush(heap, (d + sec, v))
        closed.update(((src, v), d) for v, d in dist.items() if v != src)
    return closed


def _csr(n_stops: int, pairs: Mapping[tuple[int, int], int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``{(from, to): seconds}`` as CSR arrays (start per stop, target stops, seconds), targets sorted."""
    items = sorted(pairs.items())
    frm = np.array([a for (a, _), _ in items], dtype=np.int64)
    start = np.searchsorted(frm, np.arange(n_stops + 1)).astype(np.int64)
    to = np.array([b for (_, b), _ in items], dtype=np.int32)
    sec = np.array([x for _, x in items], dtype=np.int64)
    return start, to, sec
