"""Compiled connection-scan kernels (numba) over the flat arrays of :class:`Connections`.

Labels per stop, in UTC seconds:

- ``alight``: earliest arrival by getting off a trip (a footpath may follow it);
- ``walk``: earliest arrival by footpath (no second footpath may follow it);
- ``ready``: earliest time a trip may be boarded there: the origin's start time, ``alight`` plus the stop's
  change time, or ``walk``.

``alight_conn`` and ``alight_board`` keep, per stop, the hops where the trip behind ``alight`` was left and
boarded, which is all a journey needs to be rebuilt.

A connection can be used when its trip is already boarded or when ``ready`` at its stop is no later than its
departure minus its cut-off (``cutoff_s``, the gate-in time of freight services) and its stop picks up
(``pickup``). Its arrival sets a stop's labels only where the stop sets down (``dropoff``); riding through
a stop that does not is always allowed. Footpaths are closed (one footpath covers a chain of walks), so no
footpath needs to follow another. Blocks of connections that
leave in the same second and hold a zero-duration hop are scanned until nothing changes, since such a hop can
feed a connection of the same second.
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
    cutoff_s: np.ndarray,
    pickup: np.ndarray,
    dropoff: np.ndarray,
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
                    if not pickup[c] or ready[dep_stop[c]] + cutoff_s[c] > dep:
                        continue
                    board[t] = c
                    changed = True
                if not dropoff[c]:
                    continue  # the trip rides through: nothing arrives here
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
    cutoff_s: np.ndarray,
    pickup: np.ndarray,
    dropoff: np.ndarray,
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

    ``board[t, k]`` is the earliest hop of trip ``t`` boarded as the ``k``-th trip, and ``trips_on[t]`` the
    fewest ``k`` so far. Every later stop of a trip is reached at the same time whichever stop it was boarded
    at, so a hop is ridden with the fewest ``k`` whose boarding lies at or before it.
    """
    n = change_s.shape[0]
    rows = max_trips + 1
    # per-stop rows are contiguous ([stop, k]) since a connection reads all k of one stop at once
    alight = np.full((n, rows), INF, dtype=np.int64)
    walk = np.full((n, rows), INF, dtype=np.int64)
    ready = np.full((n, rows), INF, dtype=np.int64)
    alight_conn = np.full((n, rows), -1, dtype=np.int64)
    alight_board = np.full((n, rows), -1, dtype=np.int64)
    walk_from = np.full((n, rows), -1, dtype=np.int64)
    board = np.full((n_trips, rows), -1, dtype=np.int64)
    trips_on = np.full(n_trips, rows, dtype=np.int64)
    min_ready = np.full(n, INF, dtype=np.int64)  # over k: lets unreached stops be skipped at once
    # prefix minimum over k of the target's arrivals: an arrival with k trips must beat best[k]
    best = np.full(rows, INF, dtype=np.int64)
    ready[origin, 0] = t0
    min_ready[origin] = t0
    for f in range(foot_start[origin], foot_start[origin + 1]):
        u = foot_to[f]
        if t0 + foot_s[f] < walk[u, 0]:
            walk[u, 0] = t0 + foot_s[f]
            walk_from[u, 0] = origin
            if walk[u, 0] < ready[u, 0]:
                ready[u, 0] = walk[u, 0]
            if walk[u, 0] < min_ready[u]:
                min_ready[u] = walk[u, 0]
    if target >= 0:
        if target == origin:
            best[:] = t0
        else:
            best[:] = walk[target, 0]
    m = dep_s.shape[0]
    i = first
    while i < m:
        dep = dep_s[i]
        if dep > horizon:
            break
        # every arrival by trip uses one trip or more, so a one-trip arrival no later than now beats it
        if target >= 0 and dep >= best[1]:
            break
        end = block_end[i]
        while True:
            changed = False
            for c in range(i, end):
                t = trip[c]
                s = dep_stop[c]
                gate = dep - cutoff_s[c]
                if pickup[c] and min_ready[s] <= gate:
                    for kb in range(max_trips):
                        if ready[s, kb] <= gate:
                            b = board[t, kb + 1]
                            if b < 0 or seq[c] < seq[b]:
                                board[t, kb + 1] = c
                                changed = True
                            if kb + 1 < trips_on[t]:
                                trips_on[t] = kb + 1
                            break
                if trips_on[t] > max_trips:
                    continue
                # the fewest trips with which this hop is ridden: boarded at this stop or before it
                k = rows
                for j in range(trips_on[t], rows):
                    b = board[t, j]
                    if b >= 0 and seq[b] <= seq[c]:
                        k = j
                        break
                if k > max_trips or not dropoff[c]:
                    continue
                v = arr_stop[c]
                a = arr_s[c]
                # an arrival beaten at the target by one with no more trips is not worth spreading
                if a >= best[k] or a >= alight[v, k]:
                    continue
                alight[v, k] = a
                alight_conn[v, k] = c
                alight_board[v, k] = board[t, k]
                changed = True
                r = a + change_s[v]
                if r < ready[v, k]:
                    ready[v, k] = r
                    if r < min_ready[v]:
                        min_ready[v] = r
                if v == target:
                    for j in range(k, rows):
                        if a < best[j]:
                            best[j] = a
                for f in range(foot_start[v], foot_start[v + 1]):
                    u = foot_to[f]
                    w = a + foot_s[f]
                    if w < walk[u, k]:
                        walk[u, k] = w
                        walk_from[u, k] = v
                        if w < ready[u, k]:
                            ready[u, k] = w
                        if w < min_ready[u]:
                            min_ready[u] = w
                        if u == target:
                            for j in range(k, rows):
                                if w < best[j]:
                                    best[j] = w
            if not block_zero[i] or not changed:
                break
        i = end
    return (
        np.ascontiguousarray(alight.T),
        np.ascontiguousarray(walk.T),
        np.ascontiguousarray(alight_conn.T),
        np.ascontiguousarray(alight_board.T),
        np.ascontiguousarray(walk_from.T),
        np.ascontiguousarray(ready.T),
    )
