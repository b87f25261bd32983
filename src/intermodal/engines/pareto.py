"""The Pareto set over arrival time and number of trips, by a multi-criteria connection scan, compiled.

Each stop keeps one label per number of trips ridden (0 .. ``max_trips``), as McRAPTOR's rounds do; a
journey with more trips survives only when it arrives earlier. The plain reference is
:func:`intermodal.engines.time_expanded.pareto_transfers_te`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from intermodal.engines import _csa_kernels as k
from intermodal.engines.csa import INF, Leg
from intermodal.network.connections import Connections

__all__ = ["ParetoArrivals", "pareto_journey", "pareto_transfers"]


@dataclass(frozen=True)
class ParetoArrivals:
    """Labels per number of trips ``k``: arrays of shape ``(max_trips + 1, n_stops)`` in UTC seconds.

    ``front(stop)`` gives the Pareto set there.
    """

    origin: int
    t0_s: int
    alight_s: np.ndarray
    walk_s: np.ndarray
    ready_s: np.ndarray
    alight_conn: np.ndarray
    alight_board: np.ndarray
    walk_from: np.ndarray

    def front(self, stop: int) -> list[tuple[int, int]]:
        """``(trips, arrival_s)`` pairs, fewest trips first, each strictly earlier than the one before."""
        if stop == self.origin:
            return [(0, self.t0_s)]
        best = np.minimum(self.alight_s[:, stop], self.walk_s[:, stop])
        out: list[tuple[int, int]] = []
        for trips, t in enumerate(best.tolist()):
            if t < INF and (not out or t < out[-1][1]):
                out.append((trips, int(t)))
        return out


def pareto_transfers(
    connections: Connections,
    origin: int,
    t0_s: int,
    *,
    target: int = -1,
    max_trips: int = 6,
    horizon_s: int | None = None,
    min_change_s: int = 0,
) -> ParetoArrivals:
    """Pareto-optimal (arrival, trips) journeys from ``origin`` leaving at ``t0_s`` or later.

    Parameters
    ----------
    connections
        The compiled timetable.
    origin, t0_s
        Stop index and ready time (UTC epoch seconds).
    target
        Stop index to reach; labels that cannot improve its front are not spread. -1 for all stops.
    max_trips
        The most trips a journey may ride (transfers + 1).
    horizon_s
        Ignore connections that leave after this time.
    min_change_s
        A floor under every stop's change time for this query.
    """
    c = connections
    if not 0 <= origin < c.n_stops:
        raise IndexError(f"origin {origin} is not a stop index (0..{c.n_stops - 1})")
    if max_trips < 1:
        raise ValueError("max_trips must be 1 or more")
    first = int(np.searchsorted(c.dep_s, t0_s, side="left"))
    kernel: Callable[..., Any] = k.pareto_transfers_kernel  # numba's stubs cannot follow *scan_arrays()
    alight, walk, alight_conn, alight_board, walk_from, ready = kernel(
        *c.scan_arrays(min_change_s),
        origin,
        int(t0_s),
        first,
        int(target),
        INF if horizon_s is None else int(horizon_s),
        int(max_trips),
    )
    return ParetoArrivals(origin, int(t0_s), alight, walk, ready, alight_conn, alight_board, walk_from)


def pareto_journey(connections: Connections, result: ParetoArrivals, target: int, trips: int) -> list[Leg]:
    """The legs of the Pareto journey to ``target`` that rides ``trips`` trips (a pair from ``front``)."""
    c, r = connections, result
    if target == r.origin:
        return []
    legs: list[Leg] = []
    stop, kk = target, trips
    by_walk = r.walk_s[kk, target] < r.alight_s[kk, target]
    if min(r.walk_s[kk, target], r.alight_s[kk, target]) >= INF:
        raise ValueError(f"stop {target} is not reached with {trips} trips")
    for _ in range(4 * c.n_stops + 4):
        if by_walk:
            src = int(r.walk_from[kk, stop])
            start = r.t0_s if kk == 0 else int(r.alight_s[kk, src])
            legs.append(Leg("walk", -1, src, stop, start, int(r.walk_s[kk, stop])))
            if kk == 0:
                break
            stop, by_walk = src, False
            continue
        last = int(r.alight_conn[kk, stop])
        first = int(r.alight_board[kk, stop])
        legs.append(
            Leg("trip", int(c.trip[last]), int(c.dep_stop[first]), stop, int(c.dep_s[first]),
                int(c.arr_s[last]), first, last)
        )  # fmt: skip
        stop, kk = int(c.dep_stop[first]), kk - 1
        if kk == 0:
            # the first trip is boarded at the origin or at the end of a walk from it
            if stop != r.origin:
                legs.append(Leg("walk", -1, r.origin, stop, r.t0_s, int(r.walk_s[0, stop])))
            break
        dep = int(c.dep_s[first]) - int(c.cutoff_s[first])  # the gate closes cutoff_s before departure
        by_walk = not (r.alight_s[kk, stop] + c.change_s[stop] <= dep)
    else:  # pragma: no cover - the labels only ever point back in time
        raise RuntimeError("journey does not lead back to the origin")
    legs.reverse()
    return legs
