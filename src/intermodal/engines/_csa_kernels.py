"""Compiled connection-scan kernels (numba) over the flat arrays of :class:`Connections`.

Labels per stop, in UTC seconds:

- ``alight``: earliest arrival by getting off a trip (a footpath may follow it);
- ``walk``: earliest arrival by footpath (no second footpath may follow it);
- ``ready``: earliest time a trip may be boarded there: the origin's start time, ``alight`` plus the stop's
  change time, or ``walk``.

``alight_conn`` and ``alight_board`` keep, per stop, the hops where the trip behind ``alight`` was left and
boarded, which is all a journey needs to be rebuilt.

A connection can be used when its trip is already boarded or when ``ready`` at its stop is no later than its
departure. Blocks of connections that leave in the same second and hold a zero-duration hop are scanned until
nothing changes, since such a hop can feed a connection of the same second.
"""

from __future__ import annotations

import numpy as np
from numba import njit

INF = np.int64(1) << np.int64(62)


@njit(cache=True, nogil=True)
def earliest_arrival_kernel(
    dep_stop: np.ndarray,
    arr_stop: np.ndarray,
    dep_s: np.ndarray,
    arr_s: np.ndarray,
    trip: np.ndarray,
    seq: np.ndarray,
    change_s: np.ndarray,
    foot_start: np.ndarray,
    foot_to: np.ndarray,
    foot_s: np.ndarray,
    block_end: np.ndarray,
    block_zero: np.ndarray,
    n_trips: int,
    origin: int,
    t0: int,
    first: int,
    target: int,
    horizon: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    n = change_s.shape[0]
    alight = np.full(n, INF, dtype=np.int64)
    walk = np.full(n, INF, dtype=np.int64)
    ready = np.full(n, INF, dtype=np.int64)
    alight_conn = np.full(n, -1, dtype=np.int64)
    alight_board = np.full(n, -1, dtype=np.int64)
    walk_from = np.full(n, -1, dtype=np.int64)
    board = np.full(n_trips, -1, dtype=np.int64)
    ready[origin] = t0
    for f in range(foot_start[origin], foot_start[origin + 1]):
        u = foot_to[f]
        if t0 + foot_s[f] < walk[u]:
            walk[u] = t0 + foot_s[f]
            walk_from[u] = origin
            if walk[u] < ready[u]:
                ready[u] = walk[u]
    m = dep_s.shape[0]
    i = first
    while i < m:
        dep = dep_s[i]
        if dep > horizon:
            break
        if target >= 0:
            # nothing leaving now can arrive before the best arrival at the target
            best = alight[target] if alight[target] < walk[target] else walk[target]
            if target == origin:
                best = t0
            if dep >= best:
                break
        end = block_end[i]
        while True:
            changed = False
            for c in range(i, end):
                t = trip[c]
                b = board[t]
                # on board only from the boarding stop on: a re-scanned block may reach an earlier hop
                if b < 0 or seq[c] < seq[b]:
                    if ready[dep_stop[c]] > dep:
                        continue
                    board[t] = c
                    changed = True
                v = arr_stop[c]
                a = arr_s[c]
                if a < alight[v]:
                    alight[v] = a
                    alight_conn[v] = c
                    alight_board[v] = board[t]
                    changed = True
                    if a + change_s[v] < ready[v]:
                        ready[v] = a + change_s[v]
                    for f in range(foot_start[v], foot_start[v + 1]):
                        u = foot_to[f]
                        w = a + foot_s[f]
                        if w < walk[u]:
                            walk[u] = w
                            walk_from[u] = v
                            if w < ready[u]:
                                ready[u] = w
            if not block_zero[i] or not changed:
                break
        i = end
    return alight, walk, alight_conn, alight_board, walk_from, ready


@njit(cache=True, nogil=True)
def pareto_transfers_kernel(
    dep_stop: np.ndarray,
    arr_stop: np.ndarray,
    dep_s: np.ndarray,
    arr_s: np.ndarray,
    trip: np.ndarray,
    seq: np.ndarray,
    change_s: np.ndarray,
    foot_start: np.ndarray,
    foot_to: np.ndarray,
    foot_s: np.ndarray,
    block_end: np.ndarray,
    block_zero: np.ndarray,
    n_trips: int,
    origin: int,
    t0: int,
    first: int,
    target: int,
    horizon: int,
    max_trips: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Labels per number of trips ``k`` (rows 0..max_trips): arrival with exactly ``k`` trips on board.

    ``board[k, t]`` is the earliest hop of trip ``t`` boarded as the ``k``-th trip, and ``trips_on[t]`` the
    fewest ``k`` so far. Every later stop of a trip is reached at the same time whichever stop it was boarded
    at, so a hop is ridden with the fewest ``k`` whose boarding lies at or before it.
    """
    n = change_s.shape[0]
    rows = max_trips + 1
    alight = np.full((rows, n), INF, dtype=np.int64)
    walk = np.full((rows, n), INF, dtype=np.int64)
    ready = np.full((rows, n), INF, dtype=np.int64)
    alight_conn = np.full((rows, n), -1, dtype=np.int64)
    alight_board = np.full((rows, n), -1, dtype=np.int64)
    walk_from = np.full((rows, n), -1, dtype=np.int64)
    board = np.full((rows, n_trips), -1, dtype=np.int64)
    trips_on = np.full(n_trips, rows, dtype=np.int64)
    ready[0, origin] = t0
    for f in range(foot_start[origin], foot_start[origin + 1]):
        u = foot_to[f]
        if t0 + foot_s[f] < walk[0, u]:
            walk[0, u] = t0 + foot_s[f]
            walk_from[0, u] = origin
            if walk[0, u] < ready[0, u]:
                ready[0, u] = walk[0, u]
    m = dep_s.shape[0]
    i = first
    while i < m:
        dep = dep_s[i]
        if dep > horizon:
            break
        if target >= 0:
            # every arrival by trip uses one trip or more, so a one-trip arrival no later than now beats it
            one = alight[1, target] if alight[1, target] < walk[1, target] else walk[1, target]
            if target == origin:
                one = t0
            if dep >= one:
                break
        end = block_end[i]
        while True:
            changed = False
            for c in range(i, end):
                t = trip[c]
                s = dep_stop[c]
                for kb in range(max_trips):
                    if ready[kb, s] <= dep:
                        b = board[kb + 1, t]
                        if b < 0 or seq[c] < seq[b]:
                            board[kb + 1, t] = c
                            changed = True
                        if kb + 1 < trips_on[t]:
                            trips_on[t] = kb + 1
                        break
                if trips_on[t] > max_trips:
                    continue
                # the fewest trips with which this hop is ridden: boarded at this stop or before it
                k = rows
                for j in range(trips_on[t], rows):
                    b = board[j, t]
                    if b >= 0 and seq[b] <= seq[c]:
                        k = j
                        break
                if k > max_trips:
                    continue
                v = arr_stop[c]
                a = arr_s[c]
                if target >= 0:
                    # an arrival beaten at the target by one with no more trips is not worth spreading
                    dominated = False
                    for j in range(k + 1):
                        if alight[j, target] <= a or walk[j, target] <= a:
                            dominated = True
                            break
                    if dominated:
                        continue
                if a < alight[k, v]:
                    alight[k, v] = a
                    alight_conn[k, v] = c
                    alight_board[k, v] = board[k, t]
                    changed = True
                    if a + change_s[v] < ready[k, v]:
                        ready[k, v] = a + change_s[v]
                    for f in range(foot_start[v], foot_start[v + 1]):
                        u = foot_to[f]
                        w = a + foot_s[f]
                        if w < walk[k, u]:
                            walk[k, u] = w
                            walk_from[k, u] = v
                            if w < ready[k, u]:
                                ready[k, u] = w
            if not block_zero[i] or not changed:
                break
        i = end
    return alight, walk, alight_conn, alight_board, walk_from, ready
