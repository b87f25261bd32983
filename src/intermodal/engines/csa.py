"""Earliest arrival on a timetable by the Connection Scan Algorithm (Dibbelt et al. 2013), compiled.

One-to-all: :func:`earliest_arrival` with no target. One-to-one: give ``target``; the scan stops as soon as
no connection can improve the target. :func:`journey` turns the back-pointers into legs. The plain reference
is :mod:`intermodal.engines.time_expanded`.

A planner calls::

    conns = compile_connections(bundle, start=ready_at, end=ready_at + timedelta(days=7))
    result = earliest_arrival(conns, conns.stop_index("nanpeng"), int(ready_at.timestamp()),
                              target=conns.stop_index("bangkok"))
    legs = journey(conns, result, conns.stop_index("bangkok"))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from intermodal.engines import _csa_kernels as k
from intermodal.network.connections import Connections

__all__ = ["INF", "EarliestArrival", "Leg", "earliest_arrival", "journey"]

#: The arrival time of a stop that cannot be reached.
INF = int(k.INF)


@dataclass(frozen=True)
class EarliestArrival:
    """Earliest arrival times from one origin, with the back-pointers to rebuild each journey.

    Attributes
    ----------
    origin, t0_s
        Where and when (UTC epoch seconds) the search started.
    arrival_s
        Per stop, the earliest arrival in UTC seconds, or :data:`INF`.
    alight_s, walk_s, ready_s
        The labels behind ``arrival_s``: by alighting a trip, by footpath, and ready to board another trip.
    alight_conn, alight_board
        Per stop, the connections where the trip behind ``alight_s`` was left and boarded, or -1.
    walk_from
        Per stop, the stop whose footpath gave ``walk_s``, or -1.
    """

    origin: int
    t0_s: int
    arrival_s: np.ndarray
    alight_s: np.ndarray
    walk_s: np.ndarray
    ready_s: np.ndarray
    alight_conn: np.ndarray
    alight_board: np.ndarray
    walk_from: np.ndarray


@dataclass(frozen=True)
class Leg:
    """One leg of a journey: a ride on a dated trip, or a footpath (``trip`` is -1)."""

    kind: Literal["trip", "walk"]
    trip: int
    from_stop: int
    to_stop: int
    depart_s: int
    arrive_s: int
    board_conn: int = -1
    alight_conn: int = -1


def earliest_arrival(
    connections: Connections,
    origin: int,
    t0_s: int,
    *,
    target: int = -1,
    horizon_s: int | None = None,
    min_change_s: int = 0,
) -> EarliestArrival:
    """Earliest arrival at every stop (or at ``target``) leaving ``origin`` at ``t0_s`` or later.

    Parameters
    ----------
    connections
        The compiled timetable; its ``change_s`` gives each stop's least transfer time.
    origin
        Stop index to start from.
    t0_s
        Ready time, UTC epoch seconds.
    target
        Stop index to reach; the scan stops once nothing can improve it. -1 for all stops.
    horizon_s
        Ignore connections that leave after this time.
    min_change_s
        A floor under every stop's change time for this query (say, a forwarder's own margin).

    Returns
    -------
    EarliestArrival
        ``arrival_s[target]`` is exact; with ``target`` given, other stops' times are upper bounds.
    """
    c = connections
    if not 0 <= origin < c.n_stops:
        raise IndexError(f"origin {origin} is not a stop index (0..{c.n_stops - 1})")
    first = int(np.searchsorted(c.dep_s, t0_s, side="left"))
    kernel: Callable[..., Any] = k.earliest_arrival_kernel  # numba's stubs cannot follow *scan_arrays()
    alight, walk, alight_conn, alight_board, walk_from, ready = kernel(
        *c.scan_arrays(min_change_s),
        origin,
        int(t0_s),
        first,
        int(target),
        INF if horizon_s is None else int(horizon_s),
    )
    arrival = np.minimum(alight, walk)
    arrival[origin] = t0_s
    return EarliestArrival(
        origin, int(t0_s), arrival, alight, walk, ready, alight_conn, alight_board, walk_from
    )


def journey(connections: Connections, result: EarliestArrival, target: int) -> list[Leg]:
    """The legs of the earliest journey to ``target``, first leg first; empty when ``target`` is the origin.

    Raises
    ------
    ValueError
        When ``target`` cannot be reached.
    """
    c, r = connections, result
    if target == r.origin:
        return []
    if r.arrival_s[target] >= INF:
        raise ValueError(f"stop {target} is not reached")
    legs: list[Leg] = []
    stop = target
    by_walk = r.walk_s[target] < r.alight_s[target]
    for _ in range(4 * c.n_stops + 4):
        if by_walk:
            src = int(r.walk_from[stop])
            # a footpath starts at the origin at t0, or right after alighting at src
            start = r.t0_s if src == r.origin else int(r.alight_s[src])
            legs.append(Leg("walk", -1, src, stop, start, int(r.walk_s[stop])))
            if src == r.origin:
                break
            stop, by_walk = src, False
            continue
        last = int(r.alight_conn[stop])
        first = int(r.alight_board[stop])
        legs.append(
            Leg("trip", int(c.trip[last]), int(c.dep_stop[first]), stop, int(c.dep_s[first]),
                int(c.arr_s[last]), first, last)
        )  # fmt: skip
        stop = int(c.dep_stop[first])
        if stop == r.origin:
            break
        gate = int(c.dep_s[first]) - int(c.cutoff_s[first])  # the gate closes cutoff_s before departure
        # A walk in time for the gate was there before the trip was boarded: walks last a second or more,
        # so none that follows the boarding ends by then. An alighting in time may not have been: in a
        # block of zero-duration hops, the boarded trip itself can reach this stop in the same second.
        by_walk = bool(r.walk_s[stop] <= gate)
    else:  # pragma: no cover - the labels only ever point back in time
        raise RuntimeError("journey does not lead back to the origin")
    legs.reverse()
    return legs
