"""Compiled label setting (numba) for :mod:`intermodal.engines.freight`, on the flat arrays it builds.

The search is :func:`intermodal.engines.reference.pareto_search` step for step, so that both return the same
journeys, in the same order, with the same moves:

- States are integers. ``u * M + x`` is the cargo on a flexible vehicle of mode ``x`` at terminal ``u``
  (FLEX), ``n * M + u * M + m`` the yard of ``u`` bound for mode ``m`` (YARD),
  ``2 * n * M + trip_base[k] + j`` aboard trip ``k`` at its stop ``j`` (ABOARD), and ``S`` more (``S`` the
  stops of all trips) the yard of that stop waiting for trip ``k`` (WAIT). A WAIT label's parent is its
  yard label, and so is the parent of the board it makes: journeys show no waiting labels.
- Labels live in two growable tables: ``li`` (int64 columns below) and ``lf`` (cost, CO2e). A label's move
  starts at its parent's time and ends at its own, so only the move's kind and fields are kept. An ABOARD
  label's move is a board or a ride whose ``ref`` and ``stop`` are its trip and stop, which is how a popped
  ABOARD label knows its state.
- A vehicle just loaded or boarded at a terminal (``FRESH``) cannot be unloaded there, and such labels are
  compared only with each other: the reference keeps them in a state of their own.
- Each state's bag is a linked list of its live labels (``head[state]``, then ``li[:, NEXT]``). ``head`` is
  the caller's scratch array, all -1 on entry; the kernel sets back the entries it used, so one array serves
  every query without being cleared (the ABOARD space has about a million states on a city's subway).
- The heap is ordered by (time, cost, CO2e, label id), or with target pruning by (time plus the state's
  time bound, cost, CO2e, label id). Label ids are given in push order, so this is the reference's (t or
  t + bound, cost, co2, counter) and the pops come in the same order.
- The work is counted as the reference counts it: labels made, and labels compared in dominance tests (a
  bag's size at each push, kept in the BAG column of its first label, so that a push that stops early counts
  the same; the reference keeps fresh and other labels in two bags, so two counts, BAG_FRESH for the fresh).
  ``work[0]`` holds the compares.
- Target pruning (the reference's ``prune``) reads the bounds of ``reference.target_bounds`` by node (the
  FLEX states, then fresh FLEX, YARD, and per service stop aboard, just boarded, waiting), which
  :func:`target_bounds_kernel` computes with the reference's Dijkstra; the criteria of the journeys kept so
  far grow in the same :class:`Bound` tuple. A label is tested when pushed (after the due time) and when
  popped (after its ``ALIVE`` flag), as in the reference.
- ``stop`` is a one-number array that another thread may set while the kernel runs (it releases the GIL):
  the kernel reads it once per ``POLL_EVERY`` pops or ``POLL_COMPARES`` compares, and stops. A flag, not a
  clock: numba code cannot read a clock without taking the GIL back, and a flag also serves a caller that
  cancels for another reason.
"""

from __future__ import annotations

import math
from collections import namedtuple
from typing import Any

import numpy as np
from numba import njit

#: the same tolerance as the reference's dominance test
EPS = 1e-6

# The helpers called once or more per label (_push, _pop, _hopeless, ...) allocate nothing, and are compiled
# without numba's reference counting (``_nrt=False``): with it, each call took and dropped a reference to
# every array it was passed, two atomic operations per array, and perf showed those operations on top of
# the kernel's profile (benchmarks/http_load.py has the numbers). The option is numba's own (private)
# switch; passed through a dict, as numba's type stubs do not list it.
_NO_REFCOUNTS: dict[str, Any] = {"cache": True, "nogil": True, "_nrt": False}

# move kinds; freight.py names them
DRIVE, HANDLE, LOAD, BOARD, RIDE, ALIGHT, WAIT = 0, 1, 2, 3, 4, 5, 6

# columns of the label table ``li``
T, PARENT, STATE, KIND, TERMINAL, REF, STOP, FROM, TO, NEXT, ALIVE, FRESH, BAG, BAG_FRESH, SINCE = range(15)
N_COLS = 15

#: the kernel stopped because it made ``max_labels`` labels
LIMIT = 1
#: the kernel stopped because it compared ``max_compares`` labels
LIMIT_COMPARES = 2
#: the kernel stopped because its ``stop`` flag was set
STOPPED = 3
#: _settle paused: the tables may be too small for the next pop
ROOM = 4
# the kernel's ``work`` array: the compares, then the pops so far and the compares at the next poll
PAUSE_POPS, PAUSE_POLL_AT = 1, 2

#: reference.POLL_EVERY and reference.POLL_COMPARES
POLL_EVERY = 256
POLL_COMPARES = 1 << 16


@njit(**_NO_REFCOUNTS)
def _bisect_left(a: np.ndarray, lo: int, hi: int, x: int) -> int:
    # the first index in a[lo:hi] whose value is not below x, as Python's bisect_left
    while lo < hi:
        mid = (lo + hi) // 2
        if a[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(**_NO_REFCOUNTS)
def _next_open(
    u: int, t: int, has_hours: np.ndarray, win_ptr: np.ndarray, win_end: np.ndarray, win_start: np.ndarray
) -> int:
    # reference.next_open: the first window that ends after t (numpy's searchsorted, side="right")
    if not has_hours[u]:
        return t
    lo, hi = win_ptr[u], win_ptr[u + 1]
    while lo < hi:
        mid = (lo + hi) // 2
        if win_end[mid] <= t:
            lo = mid + 1
        else:
            hi = mid
    if lo == win_ptr[u + 1]:
        return NEVER
    return max(t, win_start[lo])


#: reference.NEVER
NEVER = 10**10


@njit(**_NO_REFCOUNTS)
def _less(ht: np.ndarray, hc: np.ndarray, he: np.ndarray, hid: np.ndarray, a: int, b: int) -> bool:
    if ht[a] != ht[b]:
        return ht[a] < ht[b]
    if hc[a] != hc[b]:
        return hc[a] < hc[b]
    if he[a] != he[b]:
        return he[a] < he[b]
    return hid[a] < hid[b]


@njit(**_NO_REFCOUNTS)
def _swap(ht: np.ndarray, hc: np.ndarray, he: np.ndarray, hid: np.ndarray, a: int, b: int) -> None:
    ht[a], ht[b] = ht[b], ht[a]
    hc[a], hc[b] = hc[b], hc[a]
    he[a], he[b] = he[b], he[a]
    hid[a], hid[b] = hid[b], hid[a]


@njit(**_NO_REFCOUNTS)
def _push(
    li: np.ndarray,
    lf: np.ndarray,
    n_lab: int,
    ht: np.ndarray,
    hc: np.ndarray,
    he: np.ndarray,
    hid: np.ndarray,
    hn: int,
    head: np.ndarray,
    due: int,
    work: np.ndarray,
    state: int,
    t: int,
    cost: float,
    co2: float,
    parent: int,
    kind: int,
    terminal: int,
    ref: int,
    stop: int,
    from_mode: int,
    to_mode: int,
    fresh: bool,
    rate: float,
    free: int,
    since: int,
    bound: Bound,
    node: int,
) -> tuple[int, int]:
    """The reference's ``push``: prune by due time, by the target bounds (when ``bound`` prunes), then by
    the state's bag. Returns the new counts.

    ``rate`` is the state's rate from ``reference.wait_rates`` (0 aboard): it enters the dominance test as
    the reference's ``_dominates_waiting``. ``free`` is -1, except in a WAIT state: there the test is the
    reference's ``_dominates_free`` with the yard's ``rate`` and free time, and ``since`` the yard time.
    ``node`` is the label's node in ``reference.target_bounds``."""
    if t > due:
        return n_lab, hn
    if t >= NEVER or not (math.isfinite(cost) and math.isfinite(co2)):
        return n_lab, hn
    if bound.on and _hopeless(bound, node, t, cost, co2, due):
        return n_lab, hn
    f = 1 if fresh else 0
    size = 0
    other = 0
    if head[state] != -1:
        size = li[head[state], BAG_FRESH if fresh else BAG]
        other = li[head[state], BAG if fresh else BAG_FRESH]
    work[0] += size
    p = head[state]
    left = max(0, free - (t - since))
    if free >= 0:
        # the reference's _dominates_free: labels that wait for one trip, with free time left or not
        while p != -1:
            if (
                lf[p, 0] + rate * max(0, left - max(0, free - (li[p, T] - li[p, SINCE]))) <= cost + EPS
                and lf[p, 1] <= co2 + EPS
            ):
                return n_lab, hn
            p = li[p, NEXT]
    elif rate == 0.0:
        while p != -1:
            if li[p, FRESH] == f and li[p, T] <= t and lf[p, 0] <= cost + EPS and lf[p, 1] <= co2 + EPS:
                return n_lab, hn
            p = li[p, NEXT]
    else:
        # the reference's _dominates_waiting: the earlier label pays storage until the later one's time
        while p != -1:
            if (
                li[p, FRESH] == f
                and li[p, T] <= t
                and lf[p, 0] + rate * (t - li[p, T]) <= cost + EPS
                and lf[p, 1] <= co2 + EPS
            ):
                return n_lab, hn
            p = li[p, NEXT]
    prev = -1
    p = head[state]
    while p != -1:
        nxt = li[p, NEXT]
        if free >= 0:
            beats = (
                cost + rate * max(0, max(0, free - (li[p, T] - li[p, SINCE])) - left) <= lf[p, 0] + EPS
                and co2 <= lf[p, 1] + EPS
            )
        else:
            beats = (
                li[p, FRESH] == f
                and t <= li[p, T]
                and (cost if rate == 0.0 else cost + rate * (li[p, T] - t)) <= lf[p, 0] + EPS
                and co2 <= lf[p, 1] + EPS
            )
        if beats:
            li[p, ALIVE] = 0
            size -= 1
            if prev == -1:
                head[state] = nxt
            else:
                li[prev, NEXT] = nxt
        else:
            prev = p
        p = nxt
    i = n_lab
    li[i, T] = t
    li[i, PARENT] = parent
    li[i, STATE] = state
    li[i, KIND] = kind
    li[i, TERMINAL] = terminal
    li[i, REF] = ref
    li[i, STOP] = stop
    li[i, FROM] = from_mode
    li[i, TO] = to_mode
    li[i, ALIVE] = 1
    li[i, FRESH] = f
    li[i, SINCE] = since
    # a bag's order does not matter: every test against it looks at all of its labels
    li[i, NEXT] = head[state]
    li[i, BAG_FRESH if fresh else BAG] = size + 1
    li[i, BAG if fresh else BAG_FRESH] = other
    head[state] = i
    lf[i, 0] = cost
    lf[i, 1] = co2
    c = hn
    # with bounds, the earliest the label could arrive (the reference's ``ahead``)
    ht[c] = t + bound.time[node] if bound.on else t
    hc[c] = cost
    he[c] = co2
    hid[c] = i
    while c > 0:
        up = (c - 1) // 2
        if _less(ht, hc, he, hid, c, up):
            _swap(ht, hc, he, hid, c, up)
            c = up
        else:
            break
    return n_lab + 1, hn + 1


@njit(**_NO_REFCOUNTS)
def _pop(ht: np.ndarray, hc: np.ndarray, he: np.ndarray, hid: np.ndarray, hn: int) -> int:
    """Remove the least entry of the heap of ``hn`` entries and return its label id."""
    top = hid[0]
    last = hn - 1
    ht[0], hc[0], he[0], hid[0] = ht[last], hc[last], he[last], hid[last]
    c = 0
    while True:
        a = 2 * c + 1
        if a >= last:
            break
        b = a + 1
        if b < last and _less(ht, hc, he, hid, b, a):
            a = b
        if _less(ht, hc, he, hid, a, c):
            _swap(ht, hc, he, hid, a, c)
            c = a
        else:
            break
    return top


@njit(cache=True, nogil=True)
def _grow(a: np.ndarray, size: int) -> np.ndarray:
    b = np.empty((size, *a.shape[1:]), dtype=a.dtype)
    b[: a.shape[0]] = a
    return b


#: the target bounds of one query (``reference.target_bounds``, by node) and the criteria of the journeys
#: kept so far (``front_*``, ``front_n[0]`` of them): all the kernel needs to prune as the reference does
Bound = namedtuple("Bound", ["on", "time", "cost", "co2", "front_t", "front_c", "front_e", "front_n"])

#: a search graph's flat arrays, as :class:`~intermodal.engines.freight.FreightSearch` builds them once per
#: graph: one argument for the kernel, its loop and the target bounds (:func:`pareto_kernel` says what each
#: holds)
Network = namedtuple(
    "Network",
    [
        "n",
        "n_modes",
        "drive_ptr",
        "drive_to",
        "drive_s",
        "drive_cost",
        "drive_co2",
        "drive_ref",
        "can_load",
        "handle_ok",
        "handle_s",
        "handle_cost",
        "handle_co2",
        "storage_rate",
        "storage_free_s",
        "rate_flex",
        "rate_fresh",
        "rate_yard",
        "leave",
        "has_hours",
        "win_ptr",
        "win_start",
        "win_end",
        "board_ptr",
        "board_svc",
        "board_stop",
        "board_need_s",
        "board_offset_s",
        "svc_mode",
        "svc_fare",
        "svc_stop_ptr",
        "svc_trip_ptr",
        "svc_trips",
        "svc_trip_start",
        "stop_terminal",
        "stop_arrive_s",
        "stop_depart_s",
        "stop_alight_ok",
        "stop_alight_clear_s",
        "stop_hop_cost",
        "stop_hop_co2",
        "stop_need_s",
        "stop_down",
        "trip_service",
        "trip_start",
        "trip_base",
        "trip_pos",
        "board_of_stop",
        "wait_base",
        "max_fanout",
    ],
)

#: reference._HALF_EPS
HALF_EPS = EPS / 2


@njit(**_NO_REFCOUNTS)
def _hopeless(bound: Bound, node: int, t: int, cost: float, co2: float, due: int) -> bool:
    """The reference's ``hopeless``: the label cannot arrive (by ``due``), or a kept journey dominates all
    it could become."""
    left = bound.time[node]
    if left < 0 or t + left > due:
        return True
    at = t + left
    ac = cost + bound.cost[node]
    ae = co2 + bound.co2[node]
    for f in range(bound.front_n[0]):
        if bound.front_t[f] <= at and bound.front_c[f] <= ac + HALF_EPS and bound.front_e[f] <= ae + HALF_EPS:
            return True
    return False


@njit(**_NO_REFCOUNTS)
def _arrive(bound: Bound, t: int, cost: float, co2: float) -> None:
    """The reference's ``arrive``: keep the journey's criteria unless a kept one dominates them (the front
    has room for every label: :func:`pareto_kernel` sees to it)."""
    size = bound.front_n[0]
    for f in range(size):
        if bound.front_t[f] <= t and bound.front_c[f] <= cost + EPS and bound.front_e[f] <= co2 + EPS:
            return
    bound.front_t[size] = t
    bound.front_c[size] = cost
    bound.front_e[size] = co2
    bound.front_n[0] = size + 1


@njit(**_NO_REFCOUNTS)
def _unload(
    li: np.ndarray,
    lf: np.ndarray,
    n_lab: int,
    ht: np.ndarray,
    hc: np.ndarray,
    he: np.ndarray,
    hid: np.ndarray,
    hn: int,
    head: np.ndarray,
    due: int,
    work: np.ndarray,
    net: Network,
    destination: int,
    finish_mode: int,
    targets: np.ndarray,
    lab: int,
    u: int,
    opens: int,
    arrived_by: int,
    kind: int,
    ref: int,
    stop: int,
    bound: Bound,
) -> tuple[int, int]:
    """The reference's ``unload``: one yard label per mode the cargo may leave ``u`` by."""
    cost = lf[lab, 0]
    co2 = lf[lab, 1]
    n_modes = net.n_modes
    yard_base = net.n * n_modes
    for m in range(n_modes):
        if u == destination:
            if m != finish_mode:
                continue
        elif not (net.leave[u, m] or (targets[u] and m == finish_mode)):
            continue
        n_lab, hn = _push(
            li, lf, n_lab, ht, hc, he, hid, hn, head, due, work,
            yard_base + u * n_modes + m,
            opens + net.handle_s[u, arrived_by, m],
            cost + net.handle_cost[u, arrived_by, m],
            co2 + net.handle_co2[u, arrived_by, m],
            lab, kind, u, ref, stop, arrived_by, m, False, net.rate_yard[u * n_modes + m], -1, 0,
            bound, yard_base * 2 + u * n_modes + m,
        )  # fmt: skip
    return n_lab, hn


@njit(**_NO_REFCOUNTS)
def _settle(
    net: Network,
    head: np.ndarray,
    destination: int,
    finish_mode: int,
    due: int,
    handle_at_destination: bool,
    max_labels: int,
    max_compares: int,
    stop: np.ndarray,
    has_price: bool,
    trip_price: np.ndarray,
    has_closed: bool,
    closed: np.ndarray,
    targets: np.ndarray,
    bound: Bound,
    cheaper_after: np.ndarray,
    li: np.ndarray,
    lf: np.ndarray,
    ht: np.ndarray,
    hc: np.ndarray,
    he: np.ndarray,
    hid: np.ndarray,
    done: np.ndarray,
    work: np.ndarray,
    n_lab: int,
    hn: int,
    n_done: int,
) -> tuple[int, int, int, int]:
    """:func:`pareto_kernel`'s label setting, on the tables it allocates: pops labels until the heap is
    empty, a limit is reached, or the tables (``li`` and the heap; ``done`` and the front hold as many) may be
    too small for the next pop (:data:`ROOM`). Returns the status and the new counts; ``work`` keeps the
    compares, the pops and the next poll."""
    status = 0
    n_modes = net.n_modes
    nm = net.n * n_modes
    yard_base = nm
    aboard_base = 2 * nm
    # the nodes of the target bounds: after the FLEX, fresh FLEX and YARD nodes, three per service stop
    n_stops = net.stop_terminal.shape[0]
    stop_node = 3 * nm
    cap = li.shape[0]
    while hn > 0:
        if n_lab >= max_labels:
            status = LIMIT
            break
        if work[0] >= max_compares:
            status = LIMIT_COMPARES
            break
        work[PAUSE_POPS] += 1
        if work[PAUSE_POPS] % POLL_EVERY == 0 or work[0] >= work[PAUSE_POLL_AT]:
            work[PAUSE_POLL_AT] = work[0] + POLL_COMPARES
            if stop[0] != 0:
                status = STOPPED
                break
        if n_lab + net.max_fanout > cap:
            # one pop pushes at most net.max_fanout labels, so _push never has to grow the tables: the caller
            # grows them and calls again (the pop counted above is counted again then)
            work[PAUSE_POPS] -= 1
            status = ROOM
            break
        lab = _pop(ht, hc, he, hid, hn)
        hn -= 1
        if li[lab, ALIVE] == 0:
            continue
        state = li[lab, STATE]
        if bound.on:
            if state < aboard_base:
                # FLEX (fresh after the others) and YARD nodes are the states, spaced out by the fresh ones
                node = state + nm if state >= yard_base or li[lab, FRESH] else state
            else:
                p = net.svc_stop_ptr[net.trip_service[li[lab, REF]]] + li[lab, STOP]
                if state >= net.wait_base:
                    node = stop_node + 2 * n_stops + p
                else:
                    node = stop_node + (n_stops if li[lab, FRESH] else 0) + p
            if _hopeless(bound, node, li[lab, T], lf[lab, 0], lf[lab, 1], due):
                continue
        b_lo, b_hi, yard = 0, 0, -1  # the boarding entries this pop works through (a yard or a WAIT)
        t = li[lab, T]
        cost = lf[lab, 0]
        co2 = lf[lab, 1]
        if state < yard_base:
            u = state // n_modes
            x = state - u * n_modes
            if u == destination:
                done[n_done] = lab
                n_done += 1
                if bound.on:
                    _arrive(bound, li[lab, T], lf[lab, 0], lf[lab, 1])
                continue
            if targets[u] and li[lab, FRESH] == 0:
                done[n_done] = lab
                n_done += 1
            for e in range(net.drive_ptr[state], net.drive_ptr[state + 1]):
                v = net.drive_to[e]
                n_lab, hn = _push(
                    li, lf, n_lab, ht, hc, he, hid, hn, head, due, work,
                    v * n_modes + x, t + net.drive_s[e], cost + net.drive_cost[e], co2 + net.drive_co2[e],
                    lab, DRIVE, u, net.drive_ref[e], -1, -1, -1, False, net.rate_flex[v * n_modes + x],
                    -1, 0, bound, v * n_modes + x,
                )  # fmt: skip
            opens = _next_open(u, t, net.has_hours, net.win_ptr, net.win_end, net.win_start)
            if li[lab, FRESH] == 0 and net.handle_ok[u] and opens < NEVER:
                n_lab, hn = _unload(
                    li, lf, n_lab, ht, hc, he, hid, hn, head, due, work, net, destination, finish_mode,
                    targets, lab, u, opens, x, HANDLE, -1, -1, bound,
                )  # fmt: skip
        elif state < aboard_base:
            rel = state - yard_base
            u = rel // n_modes
            m = rel - u * n_modes
            if u == destination:
                done[n_done] = lab
                n_done += 1
                if bound.on:
                    _arrive(bound, li[lab, T], lf[lab, 0], lf[lab, 1])
                continue
            if targets[u] and m == finish_mode:
                done[n_done] = lab
                n_done += 1
            if net.can_load[u, m]:
                # loading onto a vehicle is part of the handling just done
                n_lab, hn = _push(
                    li, lf, n_lab, ht, hc, he, hid, hn, head, due, work,
                    rel, t, cost, co2, lab, LOAD, u, -1, -1, -1, -1, True, net.rate_fresh[rel], -1, 0,
                    bound, nm + rel,
                )  # fmt: skip
            b_lo, b_hi, yard = net.board_ptr[rel], net.board_ptr[rel + 1], lab
        elif state >= net.wait_base:
            # the reference's WAIT: board the trip waited for (from the yard label, the parent)
            b_lo = net.board_of_stop[net.svc_stop_ptr[net.trip_service[li[lab, REF]]] + li[lab, STOP]]
            b_hi, yard = b_lo + 1, li[lab, PARENT]
        else:
            k = li[lab, REF]
            j = li[lab, STOP]
            s = net.trip_service[k]
            first = net.svc_stop_ptr[s]
            last = net.svc_stop_ptr[s + 1]
            here = net.stop_terminal[first + j]
            if li[lab, FRESH] == 0 and net.stop_alight_ok[first + j]:
                if here == destination and not handle_at_destination:
                    done[n_done] = lab
                    n_done += 1
                    if bound.on:
                        _arrive(bound, li[lab, T], lf[lab, 0], lf[lab, 1])
                    continue
                if targets[here] and not handle_at_destination:
                    done[n_done] = lab
                    n_done += 1
                opens = _next_open(
                    here,
                    t + net.stop_alight_clear_s[first + j],
                    net.has_hours,
                    net.win_ptr,
                    net.win_end,
                    net.win_start,
                )
                if net.handle_ok[here] and opens < NEVER:
                    n_lab, hn = _unload(
                        li, lf, n_lab, ht, hc, he, hid, hn, head, due, work, net, destination, finish_mode,
                        targets, lab, here, opens, net.svc_mode[s], ALIGHT, k, j, bound,
                    )  # fmt: skip
            if first + j + 1 < last:
                t1 = net.trip_start[k] + net.stop_arrive_s[first + j + 1]
                n_lab, hn = _push(
                    li, lf, n_lab, ht, hc, he, hid, hn, head, due, work,
                    state + 1, t1, cost + net.stop_hop_cost[first + j], co2 + net.stop_hop_co2[first + j],
                    lab, RIDE, net.stop_terminal[first + j + 1], k, j + 1, -1, -1, False, 0.0, -1, 0,
                    bound, stop_node + first + j + 1,
                )  # fmt: skip
        # the reference's board, inline (a hub may have hundreds of boarding stops): the first open trip of
        # each service from the yard label, or the trip a WAIT label waits for; then a WAIT label for the next
        # open trip unless this one is sure to be no worse
        for b in range(b_lo, b_hi):
            s = net.board_svc[b]
            j = net.board_stop[b]
            hi = net.svc_trip_ptr[s + 1]
            if yard == lab:
                earliest = t + net.board_need_s[b] - net.board_offset_s[b]  # the first trip start it makes
                i = _bisect_left(net.svc_trip_start, net.svc_trip_ptr[s], hi, earliest)
            else:
                i = net.trip_pos[li[lab, REF]]
            while has_closed and i < hi and closed[net.svc_trips[i]]:
                i += 1
            if i == hi:
                continue
            k = net.svc_trips[i]
            u = net.stop_terminal[net.svc_stop_ptr[s] + j]
            dep = net.svc_trip_start[i] + net.board_offset_s[b]
            rate = net.storage_rate[u]
            free = net.storage_free_s[u]
            since = li[yard, T]
            fare = cost + net.svc_fare[s]
            if has_price:
                fare = fare + trip_price[k]
            fare = fare + rate * (max(0, dep - since - free) - max(0, t - since - free))
            n_lab, hn = _push(
                li, lf, n_lab, ht, hc, he, hid, hn, head, due, work,
                aboard_base + net.trip_base[k] + j, dep, fare, co2,
                yard, BOARD, u, k, j, -1, -1, True, 0.0, -1, 0,
                bound, stop_node + n_stops + net.svc_stop_ptr[s] + j,
            )  # fmt: skip
            if (
                rate >= net.stop_down[net.svc_stop_ptr[s] + j]
                and (rate == 0.0 or dep - since >= free)
                and (not has_price or cheaper_after[k] >= trip_price[k])
            ):
                continue
            i += 1
            while has_closed and i < hi and closed[net.svc_trips[i]]:
                i += 1
            if i < hi:
                k = net.svc_trips[i]
                t1 = net.svc_trip_start[i] + net.board_offset_s[b] - net.board_need_s[b]
                wait = cost + rate * (max(0, t1 - since - free) - max(0, t - since - free))
                n_lab, hn = _push(
                    li, lf, n_lab, ht, hc, he, hid, hn, head, due, work,
                    net.wait_base + net.trip_base[k] + j, t1, wait, co2,
                    yard, WAIT, u, k, j, -1, -1, False, rate, free, since,
                    bound, stop_node + 2 * n_stops + net.svc_stop_ptr[s] + j,
                )  # fmt: skip
    return status, n_lab, hn, n_done


@njit(cache=True, nogil=True)
def pareto_kernel(
    net: Network,
    head: np.ndarray,
    origin: int,
    destination: int,
    ready: int,
    due: int,
    start_mode: int,
    finish_mode: int,
    handle_at_destination: bool,
    max_labels: int,
    max_compares: int,
    stop: np.ndarray,
    has_price: bool,
    trip_price: np.ndarray,
    has_closed: bool,
    closed: np.ndarray,
    targets: np.ndarray,
    bound: Bound,
) -> tuple[int, np.ndarray, np.ndarray, int, np.ndarray, int]:
    """Martins' label setting from ``origin`` at ``ready``; see the module docstring for the layout.

    ``net`` holds the search graph's arrays (:class:`Network`): ``drive_ptr`` is a CSR over ``u * n_modes +
    mode`` (each terminal's drives of one mode, in the order of
    ``graph.drives[u]``), ``board_ptr`` one over ``u * n_modes + service mode`` of the stops where a usable
    service may be boarded (service, then stop order). ``can_load[u, m]`` is the yard's test for loading a
    vehicle of mode ``m``; ``leave[u, m]`` is :func:`~intermodal.engines.reference.leaving_modes` before the
    destination's own row. Per service stop (``svc_stop_ptr[s] + j``): its terminal, arrival offset,
    drop-off flag and clearance, and the cost and CO2e of the hop to the next stop; its departure offset and
    its cut-off plus boarding clearance are read by :func:`target_bounds_kernel` only. ``svc_trips`` lists
    each service's trips in trip order, with their starts. ``start_mode`` is -1 to start in the origin's yard;
    ``due`` is the latest arrival kept. ``max_fanout`` bounds the labels one pop can push.
    ``max_labels`` and ``max_compares`` cap the work; ``stop[0]`` set to non-zero stops it.
    ``storage_rate[u]`` is the storage per second in the yard of ``u`` past ``storage_free_s[u]``;
    ``rate_flex``, ``rate_fresh`` and ``rate_yard`` (by ``u * n_modes + mode``) and ``stop_down`` (by service
    stop) are ``reference.wait_rates``, and ``trip_pos[k]`` is trip ``k``'s place in ``svc_trips``.
    ``board_of_stop`` maps a service stop to its entry in the boarding lists; WAIT states start at
    ``wait_base``. ``trip_price`` (read when ``has_price``) and ``closed`` (when ``has_closed``) are per
    trip. ``targets`` (a bool per terminal, with ``destination`` -1) keeps the labels that would have
    arrived at each target, as the reference's ``_search`` does for ``pareto_search_many``. ``bound`` holds
    the target bounds and the front kept so far (:class:`Bound`); with ``bound.on`` the kernel prunes as
    the reference's ``_search`` with ``prune``.

    Returns
    -------
    tuple
        ``(status, li, lf, n_labels, done, n_done)``: 0, :data:`LIMIT`, :data:`LIMIT_COMPARES` or
        :data:`STOPPED`, the label tables, and the ids of the labels that reached the destination, in the
        order they were popped.
    """
    nm = net.n * net.n_modes
    yard_base = nm
    # the cheapest open trip after each trip of its service (the reference's cheaper_after)
    cheaper_after = np.full(net.trip_start.shape[0], np.inf)
    if has_price:
        for s in range(net.svc_trip_ptr.shape[0] - 1):
            low = np.inf
            for q in range(net.svc_trip_ptr[s + 1] - 1, net.svc_trip_ptr[s] - 1, -1):
                k = net.svc_trips[q]
                cheaper_after[k] = low
                if not (has_closed and closed[k]):
                    low = min(low, trip_price[k])
    cap = 1024
    while cap < net.max_fanout + 2 * net.n_modes + 1:
        cap *= 2
    li = np.empty((cap, N_COLS), dtype=np.int64)
    lf = np.empty((cap, 2), dtype=np.float64)
    ht = np.empty(cap, dtype=np.int64)
    hc = np.empty(cap, dtype=np.float64)
    he = np.empty(cap, dtype=np.float64)
    hid = np.empty(cap, dtype=np.int64)
    done = np.empty(cap, dtype=np.int64)
    n_done = 0
    n_lab = 0
    hn = 0
    work = np.zeros(3, dtype=np.int64)
    work[PAUSE_POLL_AT] = POLL_COMPARES

    if start_mode < 0:
        for m in range(net.n_modes):
            ok = (
                m == finish_mode
                if origin == destination
                else net.leave[origin, m] or (targets[origin] and m == finish_mode)
            )
            if ok:
                n_lab, hn = _push(
                    li, lf, n_lab, ht, hc, he, hid, hn, head, due, work,
                    yard_base + origin * net.n_modes + m, ready, 0.0, 0.0, -1, -1, -1, -1, -1, -1, -1, False,
                    net.rate_yard[origin * net.n_modes + m], -1, 0, bound, 2 * nm + origin * net.n_modes + m,
                )  # fmt: skip
    else:
        n_lab, hn = _push(
            li, lf, n_lab, ht, hc, he, hid, hn, head, due, work,
            origin * net.n_modes + start_mode, ready, 0.0, 0.0, -1, -1, -1, -1, -1, -1, -1, False,
            net.rate_flex[origin * net.n_modes + start_mode], -1, 0, bound, origin * net.n_modes + start_mode,
        )  # fmt: skip

    # the search runs in _settle, compiled without reference counting (see _NO_REFCOUNTS: perf showed the
    # kernel's own increfs and decrefs of its growing tables at a quarter of its time); it stops when the
    # tables may be too small for the next pop, and they grow here
    status = ROOM
    while status == ROOM:
        if n_lab + net.max_fanout > cap:
            cap = max(2 * cap, n_lab + net.max_fanout)
            li = _grow(li, cap)
            lf = _grow(lf, cap)
            ht = _grow(ht, cap)
            hc = _grow(hc, cap)
            he = _grow(he, cap)
            hid = _grow(hid, cap)
            done = _grow(done, cap)
        if bound.front_t.shape[0] < cap:
            # a journey kept in the front is a label: room for as many as the tables hold
            bound = Bound(
                bound.on, bound.time, bound.cost, bound.co2, _grow(bound.front_t, cap),
                _grow(bound.front_c, cap), _grow(bound.front_e, cap), bound.front_n,
            )  # fmt: skip
        status, n_lab, hn, n_done = _settle(
            net,
            head, destination, finish_mode, due, handle_at_destination, max_labels, max_compares, stop,
            has_price, trip_price, has_closed, closed, targets, bound, cheaper_after, li, lf, ht, hc, he, hid,
            done, work, n_lab, hn, n_done,
        )  # fmt: skip
    # give the scratch array back as it came: all -1
    for i in range(n_lab):
        head[li[i, STATE]] = -1
    return status, li, lf, n_lab, done, n_done


@njit(cache=True, nogil=True)
def chains(li: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The moves from the origin to each of ``labels``, in order, read from the label table ``li``.

    Returns
    -------
    tuple
        ``(rows, ptr)``: the moves to ``labels[i]`` are ``rows[ptr[i]:ptr[i + 1]]``, each ``(label, kind,
        terminal, start, end, ref, stop, from_mode, to_mode)``: a move starts at its parent label's time and
        ends at its own. The origin's label makes no move.
    """
    ptr = np.zeros(labels.shape[0] + 1, dtype=np.int64)
    for i in range(labels.shape[0]):
        p = labels[i]
        size = 0
        while li[p, PARENT] >= 0:
            size += 1
            p = li[p, PARENT]
        ptr[i + 1] = ptr[i] + size
    rows = np.empty((ptr[-1], 9), dtype=np.int64)
    for i in range(labels.shape[0]):
        p = labels[i]
        r = ptr[i + 1]
        while li[p, PARENT] >= 0:
            r -= 1
            rows[r, 0] = p
            rows[r, 1] = li[p, KIND]
            rows[r, 2] = li[p, TERMINAL]
            rows[r, 3] = li[li[p, PARENT], T]
            rows[r, 4] = li[p, T]
            rows[r, 5] = li[p, REF]
            rows[r, 6] = li[p, STOP]
            rows[r, 7] = li[p, FROM]
            rows[r, 8] = li[p, TO]
            p = li[p, PARENT]
    return rows, ptr


@njit(cache=True, nogil=True)
def _least(
    size: int, into_ptr: np.ndarray, into_from: np.ndarray, amount: np.ndarray, ends: np.ndarray
) -> np.ndarray:
    """Dijkstra backwards from ``ends``: each node's least sum of ``amount`` along its moves to one of them,
    added from the end back (the reference's ``least``)."""
    best = np.full(size, np.inf)
    hv = np.empty(into_from.shape[0] + ends.shape[0] + 1, dtype=np.float64)
    hn = np.empty(hv.shape[0], dtype=np.int64)
    count = 0
    for e in ends:
        best[e] = 0.0
        hv[count] = 0.0
        hn[count] = e
        count += 1
    # the ends all have 0: already a heap
    while count > 0:
        value, b = hv[0], hn[0]
        count -= 1
        hv[0], hn[0] = hv[count], hn[count]
        c = 0
        while True:
            a = 2 * c + 1
            if a >= count:
                break
            if a + 1 < count and (hv[a + 1] < hv[a] or (hv[a + 1] == hv[a] and hn[a + 1] < hn[a])):
                a += 1
            if hv[a] < hv[c] or (hv[a] == hv[c] and hn[a] < hn[c]):
                hv[a], hv[c] = hv[c], hv[a]
                hn[a], hn[c] = hn[c], hn[a]
                c = a
            else:
                break
        if value > best[b]:
            continue
        for i in range(into_ptr[b], into_ptr[b + 1]):
            a = into_from[i]
            v = amount[i] + value
            if v < best[a]:
                best[a] = v
                c = count
                hv[c] = v
                hn[c] = a
                count += 1
                while c > 0:
                    up = (c - 1) // 2
                    if hv[c] < hv[up] or (hv[c] == hv[up] and hn[c] < hn[up]):
                        hv[c], hv[up] = hv[up], hv[c]
                        hn[c], hn[up] = hn[up], hn[c]
                        c = up
                    else:
                        break
    return best


@njit(cache=True, nogil=True)
def target_bounds_kernel(
    net: Network, destination: int, finish_mode: int, handle_at_destination: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``reference.target_bounds`` on the flat arrays: the time (-1: none), cost and CO2e bounds by node."""
    n_modes = net.n_modes
    nm = net.n * n_modes
    n_stops = net.stop_terminal.shape[0]
    size = 3 * nm + 3 * n_stops
    d = destination
    is_end = np.zeros(size, dtype=np.bool_)
    for x in range(n_modes):
        for base in range(3):
            is_end[base * nm + d * n_modes + x] = True
    cap = (
        2 * net.drive_to.shape[0]
        + nm * n_modes
        + nm
        + net.board_svc.shape[0]
        + n_stops * n_modes
        + 2 * n_stops
    )
    m_from = np.empty(cap, dtype=np.int64)
    m_to = np.empty(cap, dtype=np.int64)
    m_amt = np.empty((cap, 3), dtype=np.float64)
    c = 0
    for key in range(nm):
        u = key // n_modes
        x = key - u * n_modes
        for e in range(net.drive_ptr[key], net.drive_ptr[key + 1]):
            for base in (0, nm):
                m_from[c], m_to[c] = base + key, net.drive_to[e] * n_modes + x
                m_amt[c, 0], m_amt[c, 1], m_amt[c, 2] = net.drive_s[e], net.drive_cost[e], net.drive_co2[e]
                c += 1
        if net.handle_ok[u] and u != d:
            for m in range(n_modes):
                if net.leave[u, m]:
                    m_from[c], m_to[c] = key, 2 * nm + u * n_modes + m
                    m_amt[c, 0], m_amt[c, 1], m_amt[c, 2] = (
                        net.handle_s[u, x, m],
                        net.handle_cost[u, x, m],
                        net.handle_co2[u, x, m],
                    )
                    c += 1
        if net.can_load[u, x]:
            m_from[c], m_to[c] = 2 * nm + key, nm + key
            m_amt[c, 0], m_amt[c, 1], m_amt[c, 2] = 0.0, 0.0, 0.0
            c += 1
        for b in range(net.board_ptr[key], net.board_ptr[key + 1]):
            m_from[c], m_to[c] = (
                2 * nm + key,
                3 * nm + n_stops + net.svc_stop_ptr[net.board_svc[b]] + net.board_stop[b],
            )
            m_amt[c, 0], m_amt[c, 1], m_amt[c, 2] = net.board_need_s[b], net.svc_fare[net.board_svc[b]], 0.0
            c += 1
    for s in range(net.svc_stop_ptr.shape[0] - 1):
        mode = net.svc_mode[s]
        for p in range(net.svc_stop_ptr[s], net.svc_stop_ptr[s + 1]):
            here = net.stop_terminal[p]
            if net.stop_alight_ok[p]:
                if here == d and not handle_at_destination:
                    is_end[3 * nm + p] = True
                elif net.handle_ok[here]:
                    for m in range(n_modes):
                        if (m == finish_mode) if here == d else net.leave[here, m]:
                            m_from[c], m_to[c] = 3 * nm + p, 2 * nm + here * n_modes + m
                            m_amt[c, 0] = net.stop_alight_clear_s[p] + net.handle_s[here, mode, m]
                            m_amt[c, 1], m_amt[c, 2] = (
                                net.handle_cost[here, mode, m],
                                net.handle_co2[here, mode, m],
                            )
                            c += 1
            if p + 1 < net.svc_stop_ptr[s + 1]:
                for fresh in range(2):
                    m_from[c], m_to[c] = 3 * nm + fresh * n_stops + p, 3 * nm + p + 1
                    at = net.stop_depart_s[p] if fresh else net.stop_arrive_s[p]
                    m_amt[c, 0] = net.stop_arrive_s[p + 1] - at
                    m_amt[c, 1], m_amt[c, 2] = net.stop_hop_cost[p], net.stop_hop_co2[p]
                    c += 1
    # the moves into each node, from nodes where the cargo has not arrived yet
    counts = np.zeros(size + 1, dtype=np.int64)
    for i in range(c):
        if not is_end[m_from[i]]:
            counts[m_to[i] + 1] += 1
    into_ptr = np.cumsum(counts)
    fill = into_ptr[:-1].copy()
    into_from = np.empty(into_ptr[-1], dtype=np.int64)
    amounts = np.empty((3, into_ptr[-1]), dtype=np.float64)
    for i in range(c):
        if not is_end[m_from[i]]:
            at = fill[m_to[i]]
            into_from[at] = m_from[i]
            for k in range(3):
                amounts[k, at] = m_amt[i, k]
            fill[m_to[i]] += 1
    ends = np.flatnonzero(is_end)
    when_f = _least(size, into_ptr, into_from, amounts[0], ends)
    cost = _least(size, into_ptr, into_from, amounts[1], ends)
    co2 = _least(size, into_ptr, into_from, amounts[2], ends)
    when = np.full(size, -1, dtype=np.int64)
    for i in range(size):
        if when_f[i] < np.inf:
            when[i] = int(when_f[i])
    wait = 3 * nm + 2 * n_stops
    for p in range(n_stops):
        boarded = 3 * nm + n_stops + p
        if when[boarded] >= 0:
            when[wait + p] = net.stop_need_s[p] + when[boarded]
        cost[wait + p] = net.svc_fare[_service_of(net.svc_stop_ptr, p)] + cost[boarded]
        co2[wait + p] = co2[boarded]
    return when, cost, co2


@njit(cache=True, nogil=True)
def _service_of(svc_stop_ptr: np.ndarray, p: int) -> int:
    # the service whose stops hold the flat stop p
    lo, hi = 0, svc_stop_ptr.shape[0] - 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if svc_stop_ptr[mid] <= p:
            lo = mid
        else:
            hi = mid
    return lo
