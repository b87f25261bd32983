"""The plain reference search for freight itineraries: multi-criteria, time-dependent label setting.

It finds every Pareto-optimal way (arrival time, cost, CO2e) from an origin to a destination through a mix of
flexible truck legs and dated trips of scheduled services, with handling when cargo changes vehicle, cut-offs
before departures, and customs clearance at crossings. It is written for clarity, not speed: a fast engine
must agree with it (see the tests), and brute force checks it on small random networks.

The cargo is always in one of three states:

- ``F`` on a flexible vehicle of mode ``x`` at terminal ``u`` (a truck, or a walker in a passenger feed): it
  can move on by a drive of that mode, or be unloaded, unless it was loaded right here;
- ``Y`` in the yard of ``u`` after handling, bound to leave by mode ``m`` (by truck, or by a service of that
  mode);
- ``A`` aboard a trip at one of its stops (it can ride on, or be unloaded where the stop allows drop-off,
  unless it boarded right here).

A vehicle just loaded or boarded at ``u`` is a state of its own (the last item of the key): unloading it
again at ``u`` would hand the cargo between two modes without paying that pair's handling, and in one bag
with the cargo that arrived there it could wrongly dominate it.

Handling depends on the terminal and on the pair of modes: cargo unloaded from mode ``a`` and bound for mode
``m`` takes ``handle_s[u, a, m]``. That is why a yard state knows its leaving mode: unloading makes one yard
label per mode the cargo may leave by.

Costs and CO2e only grow along a path and waiting is always allowed, so Martins' label setting in order of
time is exact. Waiting is not always free: cargo in a yard pays storage from its yard time to the departure
it boards (``SearchGraph.storage_cost_s``, after free time), and a trip may cost extra to board
(``trip_price``). An earlier label on a vehicle or in a yard then dominates a later one only if it is no
dearer after paying, for the time between them, the dearest storage of the yards where its cargo could next
wait for a departure (:func:`wait_rates`), and a yard label may have to board later trips too, not only the
first: it waits for them in a state of its own per trip (``WAIT``), whose labels compare exactly (storage paid
so far, free time left). A later trip is skipped when the first one is sure to be no worse: when this
yard's storage is at least any yard's downstream of the trip, free time is spent and no later trip is
cheaper. The argument holds while a terminal's opening hours do not hold up one label's handling more than
another's: with both storage and opening hours, an option may in rare cases be missed (the tests prove the
rule without hours). docs/engines.md gives the argument.

A search to one destination also drops labels that cannot lead to another option (``prune``): lower bounds
on what is left to the destination (:func:`target_bounds`, a backwards Dijkstra per criterion) tell when a
journey already kept dominates all a label could still become; the options stay the same (see ``_search``).
With bounds, the queue takes labels in order of their time plus their time bound (as A* does), so the
first journeys are found early and prune the rest.

Every search has limits on its work, since bad data or a broad query can make it explode: ``max_labels``
caps the labels made, ``max_compares`` the labels compared in dominance tests (a state's bag can grow large,
so the work per label is not bounded), and a :class:`Deadline` stops it on the clock or on its owner's
request. A label whose cost or CO2e is not a finite number (bad data: NaN compares false to everything, so
nothing would ever dominate it) or whose time passes :data:`NEVER` is not made.
"""

from __future__ import annotations

import bisect
import heapq
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from intermodal.exceptions import LimitError, SearchTimeout
from intermodal.network.timetable import Timetable

__all__ = [
    "NEVER",
    "ROAD",
    "Deadline",
    "Drive",
    "Journey",
    "Move",
    "SearchGraph",
    "ServiceRules",
    "TargetBounds",
    "WaitRates",
    "increasing",
    "leaving_modes",
    "needs_own_search",
    "pareto_search",
    "pareto_search_many",
    "target_bounds",
    "trip_extras",
    "uniform_handling",
    "wait_rates",
]

#: Mode code 0 is the road: trucks load and unload in a yard bound for it. The planner numbers the others.
ROAD = 0


#: how many labels of work each label may cost in dominance tests, by default (see ``max_compares``)
COMPARES_PER_LABEL = 50

#: a search looks at its deadline once per this many labels taken from its queue, and once per this many
#: labels compared (one label taken can cost a scan of a bag of millions)
POLL_EVERY = 256
POLL_COMPARES = 1 << 16


class Deadline:
    """A wall-clock limit shared by every search of one query, and a flag that stops them at once.

    Both engines poll it while they work (the compiled kernel reads :attr:`flag`, the one number it can see
    without the interpreter) and raise :class:`~intermodal.exceptions.SearchTimeout` once it has passed or
    :meth:`cancel` was called. One deadline serves all the searches of one query (a range query, the
    explanation of a missing route): the limit is the query's, not each search's.

    Parameters
    ----------
    seconds
        The time allowed from now; ``None`` for no limit (:meth:`cancel` still stops the work).

    Examples
    --------
    >>> deadline = Deadline(10.0)
    >>> deadline.expired()
    False
    """

    def __init__(self, seconds: float | None = None) -> None:
        if seconds is not None and not seconds >= 0:
            raise ValueError(f"a deadline needs 0 or more seconds, not {seconds!r}")
        self.seconds = seconds
        self._ends = math.inf if seconds is None else time.monotonic() + seconds
        self._cancelled = False
        #: set to 1 to stop: a thread may set it while a search runs in another
        self.flag = np.zeros(1, dtype=np.int64)

    def cancel(self) -> None:
        """Stop every search that polls this deadline, from any thread."""
        self._cancelled = True
        self.flag[0] = 1

    def time_up(self) -> None:
        """Stop every search because the time is up (a timer calls it for the compiled kernel)."""
        self.flag[0] = 1

    def remaining(self) -> float:
        """Seconds left: ``inf`` without a limit, 0 once passed or cancelled."""
        if self.flag[0]:
            return 0.0
        return max(0.0, self._ends - time.monotonic())

    def expired(self) -> bool:
        """Whether the searches must stop now (and, once so, for good)."""
        if not self.flag[0] and time.monotonic() >= self._ends:
            self.flag[0] = 1
        return bool(self.flag[0])

    def check(self) -> None:
        """Raise :class:`~intermodal.exceptions.SearchTimeout` when the searches must stop."""
        if self.expired():
            raise self.error()

    def error(self) -> SearchTimeout:
        """The error that says the limit was reached."""
        if self._cancelled or self.seconds is None:
            return SearchTimeout("the search was cancelled before it finished")
        return SearchTimeout(
            f"the search ran past its time limit of {self.seconds:g} s; "
            "give a due time, a shorter range or nearer places",
            seconds=self.seconds,
        )


def limit_error(what: str, cap: int) -> LimitError:
    """The error of a search that reached its work cap (``what``: ``"labels"`` or ``"compares"``)."""
    done = f"made {cap:,} labels" if what == "labels" else f"compared {cap:,} labels in dominance tests"
    return LimitError(f"the search {done} without finishing; give a due time or a shorter range")


@dataclass(frozen=True)
class Drive:
    """A flexible move (a truck, or a walk) from the terminal that owns it to ``to``.

    ``pre_s`` and ``post_s`` are clearance times at the start and at the end (a border-crossing link).
    ``cost`` and ``co2`` include those clearances' costs. ``ref`` names the move for the caller. Cargo on a
    vehicle of ``mode`` can only take drives of the same mode: changing mode means handling in a yard.
    """

    to: int
    duration_s: int
    cost: float
    co2: float
    ref: int
    pre_s: int = 0
    post_s: int = 0
    mode: int = ROAD


@dataclass(frozen=True)
class ServiceRules:
    """What riding one service costs this shipment, per hop, and what it requires.

    ``hop_cost[j]`` and ``hop_co2[j]`` are for the hop from stop ``j`` to ``j + 1`` (clearance costs of a
    border hop included). ``board_clear_s[j]`` is clearance needed before boarding at stop ``j``, and
    ``alight_clear_s[j]`` after unloading there. ``mode`` is the service's mode code: cargo boards from a
    yard bound for that mode.
    """

    mode: int
    usable: bool
    cutoff_s: int
    fare_cost: float
    hop_cost: Sequence[float]
    hop_co2: Sequence[float]
    board_clear_s: Sequence[int]
    alight_clear_s: Sequence[int]


@dataclass(frozen=True)
class SearchGraph:
    """Everything the search needs, with the shipment's cargo rules already applied.

    ``drives[u]`` are the flexible moves out of ``u``. ``handle_ok[u]`` says whether the cargo may be handled
    at ``u``; ``handle_s[u, a, m]``, ``handle_cost[u, a, m]`` and ``handle_co2[u, a, m]`` give the time, cost
    and CO2e of handling cargo that arrived by mode ``a`` and leaves by mode ``m`` (arrays of shape
    ``(n, modes, modes)``; :func:`uniform_handling` makes them from one value per terminal).
    ``services[s]`` applies to ``timetable.services[s]``.
    """

    n: int
    drives: Sequence[Sequence[Drive]]
    handle_ok: Sequence[bool]
    handle_s: np.ndarray
    handle_cost: np.ndarray
    handle_co2: np.ndarray
    timetable: Timetable
    services: Sequence[ServiceRules]
    #: whether a truck can be loaded at ``u`` (it handles road)
    truck_ok: Sequence[bool]
    #: per terminal, its opening hours as sorted ``(start_s, end_s)`` rows in UTC, or ``None`` when always
    #: open; handling starts only while a terminal is open (it may run past closing)
    open_s: Sequence[np.ndarray | None] | None = None
    #: per terminal, what the cargo's storage in its yard costs per second once ``storage_free_s`` have
    #: passed: cargo pays it from its yard time to the departure it boards (``None``: storage is free)
    storage_cost_s: Sequence[float] | None = None
    storage_free_s: Sequence[int] | None = None

    def wait_rate(self) -> float:
        """The dearest storage per second of any yard: what an hour earlier may cost later on."""
        if self.storage_cost_s is None or len(self.storage_cost_s) == 0:
            return 0.0
        return float(max(self.storage_cost_s))

    def storage(self, u: int, waited_s: int) -> float:
        """What waiting ``waited_s`` in the yard of ``u`` before a departure costs."""
        if self.storage_cost_s is None:
            return 0.0
        free = 0 if self.storage_free_s is None else int(self.storage_free_s[u])
        return float(self.storage_cost_s[u]) * max(0, waited_s - free)


class Move(NamedTuple):
    """One step of a journey: drive, handle, load (yard to vehicle), board, ride or alight.

    ``ref`` is the drive's ``ref`` or the trip index; ``stop`` the stop index within the trip. A handle or
    alight move says the modes it hands the cargo between: ``from_mode`` to ``to_mode``.

    A named tuple, not a dataclass: a planner's searches make hundreds of thousands, and a frozen dataclass
    takes several times longer to make.
    """

    kind: str
    terminal: int
    start_s: int
    end_s: int
    ref: int = -1
    stop: int = -1
    from_mode: int = -1
    to_mode: int = -1


@dataclass(frozen=True)
class Journey:
    """A Pareto-optimal journey: its criteria and its moves from the origin."""

    arrive_s: int
    cost: float
    co2: float
    moves: tuple[Move, ...]


@dataclass
class _Label:
    key: tuple[int, ...]
    t: int
    cost: float
    co2: float
    parent: _Label | None
    move: Move | None
    #: a WAIT label's yard time (its storage runs from then)
    since: int = 0
    alive: bool = True
    crit: tuple[int, float, float] = field(init=False)

    def __post_init__(self) -> None:
        self.crit = (self.t, self.cost, self.co2)


#: the states of a label's key: on a flexible vehicle, in a yard, aboard a trip, in a yard waiting for a trip
FLEX, YARD, ABOARD, WAIT = 0, 1, 2, 3


# Costs and CO2e are sums of floats in different orders; equal totals may differ in the last bits.
_EPS = 1e-6
#: target pruning's tolerance: what is left of _EPS covers the bounds' own rounding
_HALF_EPS = _EPS / 2


def _dominates(a: tuple[int, float, float], b: tuple[int, float, float]) -> bool:
    return a[0] <= b[0] and a[1] <= b[1] + _EPS and a[2] <= b[2] + _EPS


def _dominates_waiting(a: tuple[int, float, float], b: tuple[int, float, float], rate: float) -> bool:
    """Dominance where waiting costs up to ``rate`` per second: ``a`` is no dearer even after waiting until
    ``b``'s time.

    Earlier cargo waits longer for the same departure, so it may pay more storage than ``b`` by the time
    both board: at most ``rate * (b.t - a.t)`` more (free time only lowers the difference). ``rate`` is the
    state's from :func:`wait_rates`: the dearest storage of the yards where the cargo could next wait for a
    departure (this yard, or yards a truck reaches). With ``rate`` 0 it is plain dominance.
    """
    return a[0] <= b[0] and a[1] + rate * (b[0] - a[0]) <= b[1] + _EPS and a[2] <= b[2] + _EPS


def _dominates_free(a: _Label, b: _Label, rate: float, free: int) -> bool:
    """Dominance of two labels waiting in one yard for one trip (the same time): ``a`` is no dearer however
    long both wait on, although it may have less free time left (storage ``rate`` past ``free`` seconds)."""
    left_a = max(0, free - (a.t - a.since))
    left_b = max(0, free - (b.t - b.since))
    return a.cost + rate * max(0, left_b - left_a) <= b.cost + _EPS and a.co2 <= b.co2 + _EPS


@dataclass(frozen=True)
class WaitRates:
    """The dearest storage per second a label of each state may still pay for arriving early.

    Cargo that is earlier than another in the same state can follow the other's path and arrive early
    everywhere, until it boards a trip: there it waits longer in the yard. ``yard[u, m]`` is the dearest
    storage of a yard where cargo in the yard of ``u`` bound for ``m`` could next wait for a departure (the
    rate of ``u`` when a service of ``m`` leaves it; those a vehicle of ``m`` reaches from ``u``); ``flex[u,
    x]`` the same on a vehicle of mode ``x`` at ``u``, ``fresh[u, x]`` on one just loaded there (which cannot
    be unloaded at ``u``). ``down[s][j]`` is the dearest ``yard`` rate of the states cargo aboard service
    ``s`` after its stop ``j`` can be unloaded into.
    """

    flex: np.ndarray
    fresh: np.ndarray
    yard: np.ndarray
    down: tuple[np.ndarray, ...]


def wait_rates(graph: SearchGraph) -> WaitRates:
    """The :class:`WaitRates` of ``graph``: maxima of storage rates over what each state can reach.

    The states form a graph: a vehicle drives on or is unloaded into a yard, a yard loads a vehicle. A
    state's rate is the largest rate of a yard that boards a trip among the states it reaches (boarding
    ends the lead of the earlier cargo: both are then on the same trip at the same time). The query's
    destination is not special here: its states end the search, so a rate for them is only larger than
    needed, which is safe. Computed once per graph and kept on it: change a graph's drives, services or
    storage after a search and the next one would use stale rates (build a new graph instead).
    """
    kept = graph.__dict__.get("_wait_rates")
    if isinstance(kept, WaitRates):
        return kept
    n, m_count = graph.n, int(graph.handle_s.shape[1])
    tt = graph.timetable
    rate = np.zeros(n) if graph.storage_cost_s is None else np.asarray(graph.storage_cost_s, dtype=np.float64)
    leave = leaving_modes(graph, None)
    size = n * m_count
    flex, fresh, yard = 0, size, 2 * size  # the three blocks of the state graph
    value = np.zeros(3 * size, dtype=np.float64)
    for s, stops in enumerate(tt.stops):
        rules = graph.services[s]
        for j in range(len(stops) - 1):
            if rules.usable and tt.board_ok[s][j]:
                u = int(stops[j])
                value[yard + u * m_count + rules.mode] = rate[u]
    before: list[list[int]] = [[] for _ in range(3 * size)]  # who reaches each state in one step
    for u in range(n):
        for d in graph.drives[u]:
            before[flex + d.to * m_count + d.mode] += [
                flex + u * m_count + d.mode,
                fresh + u * m_count + d.mode,
            ]
        for x in range(m_count):
            if graph.handle_ok[u]:
                for m in leave[u]:
                    before[yard + u * m_count + m].append(flex + u * m_count + x)
            if any(d.mode == x for d in graph.drives[u]) and (x != ROAD or graph.truck_ok[u]):
                before[fresh + u * m_count + x].append(yard + u * m_count + x)
    # each state takes the largest value it reaches: pass values backwards until none grows
    todo = [i for i in range(3 * size) if value[i] > 0.0]
    while todo:
        b = todo.pop()
        for a in before[b]:
            if value[a] < value[b]:
                value[a] = value[b]
                todo.append(a)
    grid = value.reshape(3, n, m_count)
    # the dearest yard cargo unloaded at each terminal may go to
    unloaded = [
        float(grid[2, v, leave[v]].max()) if graph.handle_ok[v] and leave[v] else 0.0 for v in range(n)
    ]
    down = []
    for s, stops in enumerate(tt.stops):
        out = [0.0] * len(stops)
        best = 0.0
        for j in range(len(stops) - 1, -1, -1):
            out[j] = best  # unloading after stop j
            if tt.alight_ok[s][j]:
                best = max(best, unloaded[int(stops[j])])
        down.append(np.array(out, dtype=np.float64))
    rates = WaitRates(grid[0].copy(), grid[1].copy(), grid[2].copy(), tuple(down))
    # kept on the graph, which a search does not change: a range query searches one graph many times
    object.__setattr__(graph, "_wait_rates", rates)
    return rates


@dataclass(frozen=True)
class TargetBounds:
    """Lower bounds on what is left from each state to one destination: time, cost and CO2e.

    Each is the least over the static network (drives, handling by mode pair, boarding, rides, alighting),
    ignoring what only adds: waits for a departure or for a terminal to open, storage, trip prices, due
    times, closed trips. A label at time ``t`` with cost ``c`` and CO2e ``e`` cannot arrive before
    ``t + time``, nor for less than ``c + cost`` and ``e + co2``. The three are arrays over the states'
    nodes, numbered as :meth:`node` says; a node that cannot reach the destination has time -1 and infinite
    cost and CO2e.
    """

    n: int
    n_modes: int
    #: where each service's stops start in the flat numbering of service stops (one more entry at the end)
    stop_ptr: np.ndarray
    time: np.ndarray
    cost: np.ndarray
    co2: np.ndarray

    def node(self, key: tuple[int, ...], trip_service: np.ndarray) -> int:
        """The node of a label's key: FLEX (fresh or not), YARD, ABOARD (fresh or not) or WAIT."""
        nm = self.n * self.n_modes
        stops = int(self.stop_ptr[-1])
        state = key[0]
        if state == FLEX:
            return (nm if key[3] else 0) + key[1] * self.n_modes + key[2]
        if state == YARD:
            return 2 * nm + key[1] * self.n_modes + key[2]
        p = int(self.stop_ptr[int(trip_service[key[1]])]) + key[2]
        if state == ABOARD:
            return 3 * nm + (stops if key[3] else 0) + p
        return 3 * nm + 2 * stops + p


def increasing(graph: SearchGraph) -> bool:
    """Whether no move of ``graph`` lowers a label's time, cost or CO2e (no negative duration, cost, CO2e,
    storage, clearance or cut-off; stop times in order).

    Then a search takes its arrivals in order of (time, cost, CO2e), whether its queue is ordered by time
    or by time plus a time bound (see ``_search``): the order the Pareto filter sorts them in, so the
    filter's answer is known as they arrive, which target pruning needs. Kept on the graph, as
    :func:`wait_rates`.
    """
    kept = graph.__dict__.get("_increasing")
    if isinstance(kept, bool):
        return kept

    def neg(values: Any) -> bool:
        # per service a few numbers: plain iteration is quicker than numpy's conversions
        return any(v < 0 for v in values)

    def out_of_order(arrive: Any, depart: Any) -> bool:
        a, d = [int(x) for x in arrive], [int(x) for x in depart]
        # at a stop before leaving it, and at the next stop after leaving this one
        times = zip(a, d, strict=True)
        return any(x > y for x, y in times) or any(x > y for x, y in zip(d[:-1], a[1:], strict=True))

    tt = graph.timetable
    ok = not (
        any(
            d.duration_s < 0 or d.pre_s < 0 or d.post_s < 0 or d.cost < 0 or d.co2 < 0
            for ds in graph.drives
            for d in ds
        )
        or bool(np.any(graph.handle_s < 0) or np.any(graph.handle_cost < 0) or np.any(graph.handle_co2 < 0))
        or (graph.storage_cost_s is not None and neg(graph.storage_cost_s))
        or any(
            r.fare_cost < 0
            or neg(r.hop_cost)
            or neg(r.hop_co2)
            or neg(r.alight_clear_s)
            or any(int(c) + int(r.cutoff_s) < 0 for c in r.board_clear_s)
            for r in graph.services
        )
        or any(out_of_order(a, d) for a, d in zip(tt.arrive_s, tt.depart_s, strict=True))
    )
    object.__setattr__(graph, "_increasing", ok)
    return ok


def target_bounds(
    graph: SearchGraph, destination: int, finish_mode: int = ROAD, handle_at_destination: bool = True
) -> TargetBounds | None:
    """The :class:`TargetBounds` of the states of ``graph`` to ``destination``; ``None`` when the graph is not
    :func:`increasing` (a negative amount makes no lower bound of the rest).

    The nodes: on a flexible vehicle (``u * modes + x``), on one just loaded (``n * modes`` more), in a yard
    bound for a mode (``2 * n * modes`` more), then per service stop ``p`` (``stop_ptr[s] + j``) aboard after
    a ride (``3 * n * modes + p``), just boarded (``stops`` more) and waiting in the yard for a trip (``2 *
    stops`` more). The moves between them are those of :func:`pareto_search`, with their least amounts; the
    destination's nodes are where they end (its flexible and yard nodes, and a stop that drops off there
    when the cargo arrives aboard; arriving by a service, the cargo is handled for ``finish_mode`` first).
    Each criterion is a Dijkstra search backwards from them: a node's bound is the least sum along a path,
    added from the destination back, so any search adding the same amounts gets the same numbers. Kept on
    the graph, as :func:`wait_rates`.
    """
    if not increasing(graph):
        return None
    # kept on the graph per destination, as wait_rates: a range query searches one graph many times
    kept = graph.__dict__.get("_target_bounds")
    if not isinstance(kept, dict):
        kept = {}
        object.__setattr__(graph, "_target_bounds", kept)
    key = (destination, finish_mode, bool(handle_at_destination))
    if key not in kept:
        kept[key] = _target_bounds(graph, destination, finish_mode, handle_at_destination)
    return kept[key]


def _target_bounds(
    graph: SearchGraph, destination: int, finish_mode: int, handle_at_destination: bool
) -> TargetBounds:
    tt = graph.timetable
    n, m_count = graph.n, int(graph.handle_s.shape[1])
    nm = n * m_count
    lengths = [len(st) for st in tt.stops]
    stop_ptr = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=stop_ptr[1:])
    stops = int(stop_ptr[-1])
    size = 3 * nm + 3 * stops
    leave = leaving_modes(graph, None)
    d = destination
    # the moves as (from, to, time, cost, CO2e), and the nodes where the cargo has arrived
    moves: list[tuple[int, int, int, float, float]] = []
    ends = {d * m_count + x for x in range(m_count)}
    ends |= {nm + e for e in ends} | {2 * nm + e for e in ends}
    for u in range(n):
        for dr in graph.drives[u]:
            t = min(dr.pre_s + dr.duration_s + dr.post_s, NEVER)
            for base in (0, nm):  # a vehicle just loaded drives as any other
                moves.append((base + u * m_count + dr.mode, dr.to * m_count + dr.mode, t, dr.cost, dr.co2))
        for x in range(m_count):
            if graph.handle_ok[u] and u != d:
                for m in leave[u]:
                    moves.append((u * m_count + x, 2 * nm + u * m_count + m, *_handling(graph, u, x, m)))
            if any(dr.mode == x for dr in graph.drives[u]) and (x != ROAD or graph.truck_ok[u]):
                moves.append((2 * nm + u * m_count + x, nm + u * m_count + x, 0, 0.0, 0.0))
    for s, st in enumerate(tt.stops):
        rules = graph.services[s]
        arrive, depart = tt.arrive_s[s], tt.depart_s[s]
        for j in range(len(st)):
            p = int(stop_ptr[s]) + j
            here = int(st[j])
            if rules.usable and j + 1 < len(st) and tt.board_ok[s][j]:
                need = min(int(rules.board_clear_s[j]) + int(rules.cutoff_s), NEVER)
                moves.append(
                    (2 * nm + here * m_count + rules.mode, 3 * nm + stops + p, need, rules.fare_cost, 0.0)
                )
            if tt.alight_ok[s][j]:
                clear = min(int(rules.alight_clear_s[j]), NEVER)
                if here == d and not handle_at_destination:
                    ends.add(3 * nm + p)
                elif graph.handle_ok[here]:
                    for m in [finish_mode] if here == d else leave[here]:
                        h_s, h_cost, h_co2 = _handling(graph, here, rules.mode, m)
                        moves.append((3 * nm + p, 2 * nm + here * m_count + m, clear + h_s, h_cost, h_co2))
            if j + 1 < len(st):
                hop = (float(rules.hop_cost[j]), float(rules.hop_co2[j]))
                moves.append((3 * nm + p, 3 * nm + p + 1, int(arrive[j + 1] - arrive[j]), *hop))
                moves.append((3 * nm + stops + p, 3 * nm + p + 1, int(arrive[j + 1] - depart[j]), *hop))
    into: list[list[tuple[int, int, float, float]]] = [[] for _ in range(size)]
    for a, b, secs, cost, co2 in moves:
        if a not in ends:  # cargo that has arrived goes no further
            into[b].append((a, secs, cost, co2))

    def least(criterion: int) -> list[float]:
        best = [math.inf] * size
        heap = [(0.0, e) for e in sorted(ends)]
        for e in ends:
            best[e] = 0.0
        heapq.heapify(heap)
        while heap:
            value, b = heapq.heappop(heap)
            if value > best[b]:
                continue
            for a, *amounts in into[b]:
                # added from the destination back: the amount of the move, plus what is left after it
                v = float(amounts[criterion]) + value
                if v < best[a]:
                    best[a] = v
                    heapq.heappush(heap, (v, a))
        return best

    when = np.array([-1 if math.isinf(v) else int(v) for v in least(0)], dtype=np.int64)
    costs, co2s = np.array(least(1)), np.array(least(2))
    # waiting in the yard for a trip: its cut-off and clearance, its fare, then the trip as boarded
    wait = 3 * nm + 2 * stops
    for s, st in enumerate(tt.stops):
        rules = graph.services[s]
        for j in range(len(st)):
            p = int(stop_ptr[s]) + j
            boarded = 3 * nm + stops + p
            if when[boarded] >= 0:
                when[wait + p] = min(int(rules.board_clear_s[j]) + int(rules.cutoff_s), NEVER) + when[boarded]
                costs[wait + p] = rules.fare_cost + costs[boarded]
                co2s[wait + p] = co2s[boarded]
            else:
                when[wait + p] = -1
    return TargetBounds(n, m_count, stop_ptr, when, costs, co2s)


def _handling(graph: SearchGraph, u: int, a: int, m: int) -> tuple[int, float, float]:
    """The time (capped at NEVER), cost and CO2e of handling at ``u`` from mode ``a`` to mode ``m``."""
    return (
        min(int(graph.handle_s[u, a, m]), NEVER),
        float(graph.handle_cost[u, a, m]),
        float(graph.handle_co2[u, a, m]),
    )


def trip_extras(
    graph: SearchGraph,
    trip_price: np.ndarray | Sequence[float] | None,
    closed: np.ndarray | Sequence[bool] | None,
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Check a search's per-trip prices and closures; return them as float and bool arrays (or ``None``).

    Raises
    ------
    ValueError
        When an array does not have one entry per trip of ``graph.timetable``, or a price is negative or not
        a finite number (the trip is named).
    """
    n_trips = graph.timetable.n_trips
    price = None
    if trip_price is not None:
        price = np.asarray(trip_price, dtype=np.float64)
        if price.shape != (n_trips,):
            raise ValueError(f"trip_price needs one price per trip ({n_trips}); got shape {price.shape}")
        bad = np.flatnonzero(~(np.isfinite(price) & (price >= 0.0)))
        if bad.size:
            k = int(bad[0])
            raise ValueError(f"trip_price[{k}] is {float(price[k])!r}; expected a finite price of 0 or more")
    shut = None
    if closed is not None:
        shut = np.asarray(closed)
        if shut.shape != (n_trips,) or shut.dtype != np.bool_:
            raise ValueError(
                f"closed needs one bool per trip ({n_trips}); got {shut.dtype} of shape {shut.shape}"
            )
    return price, shut


def uniform_handling(
    handle_s: Sequence[int], handle_cost: Sequence[float], handle_co2: Sequence[float], n_modes: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Handling arrays of shape ``(n, n_modes, n_modes)`` with one time, cost and CO2e per terminal."""
    shape = (len(handle_s), n_modes, n_modes)
    return (
        np.broadcast_to(np.asarray(handle_s, dtype=np.int64)[:, None, None], shape).copy(),
        np.broadcast_to(np.asarray(handle_cost, dtype=np.float64)[:, None, None], shape).copy(),
        np.broadcast_to(np.asarray(handle_co2, dtype=np.float64)[:, None, None], shape).copy(),
    )


def leaving_modes(graph: SearchGraph, destination: int | None, finish_mode: int = ROAD) -> list[list[int]]:
    """Per terminal, the modes cargo may leave it by after handling, in increasing order.

    A flexible mode counts where a drive of that mode leaves (trucks only where ``truck_ok``), a service's
    mode where a usable service may be boarded. At the destination the only one is ``finish_mode``: cargo
    handled there is delivered (``None``: no destination, every row as for a terminal passed through).
    """
    tt = graph.timetable
    out: list[set[int]] = [set() for _ in range(graph.n)]
    for u in range(graph.n):
        for d in graph.drives[u]:
            if d.mode != ROAD or graph.truck_ok[u]:
                out[u].add(d.mode)
    for s, stops in enumerate(tt.stops):
        rules = graph.services[s]
        if rules.usable:
            for j in range(len(stops) - 1):
                if tt.board_ok[s][j]:
                    out[int(stops[j])].add(rules.mode)
    if destination is not None:
        out[destination] = {finish_mode}
    return [sorted(m) for m in out]


def pareto_search(
    graph: SearchGraph,
    origin: int,
    destination: int,
    ready_s: int,
    *,
    due_s: int | None = None,
    start_mode: int | None = ROAD,
    finish_mode: int = ROAD,
    handle_at_destination: bool = True,
    max_labels: int = 200_000,
    max_compares: int | None = None,
    deadline: Deadline | None = None,
    trip_price: np.ndarray | Sequence[float] | None = None,
    closed: np.ndarray | Sequence[bool] | None = None,
    prune: bool = True,
) -> list[Journey]:
    """All Pareto-optimal journeys over (arrival, cost, CO2e) from ``origin`` at ``ready_s``.

    Parameters
    ----------
    graph
        The network with the shipment's rules applied.
    origin, destination
        Terminal indices.
    ready_s
        When the cargo is ready, UTC epoch seconds.
    due_s
        Latest acceptable arrival; later labels are pruned.
    start_mode
        The cargo starts on a flexible vehicle of this mode at the origin (a truck: freight, door to door);
        ``None`` starts it in the origin's yard, bound for any mode.
    finish_mode
        The mode cargo unloaded from a service at the destination is handled for (delivery by truck).
        Cargo that reaches the destination on a flexible vehicle (a truck at the door, a walker) has
        arrived and is not handled.
    handle_at_destination
        Cargo arriving on a scheduled service is unloaded (handled) at the destination; otherwise it arrives
        aboard.
    max_labels
        A cap on the labels made.
    max_compares
        A cap on the labels compared in dominance tests, which a label costs on top of its making: a new
        label is tested against every label of its state's bag. ``None``: ``COMPARES_PER_LABEL`` times
        ``max_labels``.
    deadline
        Polled every ``POLL_EVERY`` labels taken from the queue or ``POLL_COMPARES`` labels compared; the
        search stops once it has passed.
    trip_price
        An extra cost per trip of ``graph.timetable`` (0 or more), charged when the cargo boards it: a
        capacity's shadow price, a live tariff. ``None``: no extra.
    closed
        One bool per trip: a closed trip cannot be boarded (live capacity, without a new graph).
    prune
        Drop the labels that cannot lead to another option (target pruning, :func:`_search`): the same
        journeys, for less work. ``False`` searches as without it (the tests compare the two).

    Returns
    -------
    list of Journey
        Sorted by arrival, then cost, then CO2e.

    Raises
    ------
    LimitError
        When the search reaches ``max_labels`` or ``max_compares`` before it finishes: a partial answer
        could miss the best options.
    SearchTimeout
        When ``deadline`` passes (or is cancelled) before the search finishes.
    ValueError
        When ``trip_price`` or ``closed`` does not have one valid entry per trip.
    """
    done = _search(
        graph, origin, destination, ready_s, None, due_s, start_mode, finish_mode, handle_at_destination,
        max_labels, max_compares, deadline, trip_price, closed, prune,
    )  # fmt: skip
    return _front(done)


def _search(
    graph: SearchGraph,
    origin: int,
    destination: int,
    ready_s: int,
    targets: set[int] | None,
    due_s: int | None,
    start_mode: int | None,
    finish_mode: int,
    handle_at_destination: bool,
    max_labels: int,
    max_compares: int | None,
    deadline: Deadline | None,
    trip_price: np.ndarray | Sequence[float] | None,
    closed: np.ndarray | Sequence[bool] | None,
    prune: bool = False,
) -> list[_Label]:
    """The label setting of :func:`pareto_search`; the labels that arrived, in the order they were taken.

    With ``targets`` (``destination`` then -1) no terminal ends a journey: every label goes on, and those
    that would have arrived at a target, had it been the destination, are returned too (see
    :func:`pareto_search_many`).

    With ``prune`` (and one destination) a label is dropped, when made and again when taken from the queue,
    if it cannot arrive by the due time or at all, or if a journey already kept dominates all it could
    still become: an arrival that is no later than its time plus the :func:`target_bounds` time, and
    within half the tolerance of its cost and CO2e plus theirs.

    With bounds, labels are taken from the queue in order of the earliest time they could arrive (their
    time plus the time bound of their state), then cost and CO2e, as A* takes them: the search reaches the
    destination sooner, and the journeys kept from then on drop most labels that plain order of time would
    have taken first. No move lowers that order's key: a bound is the least time left over moves that
    take at least as long as the search's, so along a move it drops by at most what the move takes (and
    when it drops by exactly that, cost and CO2e do not drop). Labels of one state have the same bound, so
    within a bag the order is still by time, which is what the dominance tests need, and the arrivals
    (bound 0) come in order of (time, cost, CO2e) on an :func:`increasing` graph (without one there are no
    bounds, no pruning, and the order is by time). So the journeys kept
    so far are those the final Pareto filter keeps, and every arrival the dropped label could have led to
    would have been filtered out by one of them. A dropped label no longer dominates others in its bag;
    those it would have beaten are no better than it (within the tolerance), so they are dropped in turn or
    lead to arrivals filtered out alike: the options are the same, unless two of them differ by less than
    about twice the tolerance (1e-6) in cost or CO2e. A label that cannot arrive (time bound -1) or not by
    the due time is dropped whatever was found.
    """
    if max_compares is None:
        max_compares = COMPARES_PER_LABEL * max_labels
    price, shut = trip_extras(graph, trip_price, closed)
    tt = graph.timetable
    # Where each service can be boarded, and its trips in order of start.
    boarding: list[list[tuple[int, int]]] = [[] for _ in range(graph.n)]
    for s, stops in enumerate(tt.stops):
        for j in range(len(stops) - 1):
            boarding[int(stops[j])].append((s, j))
    trips_of: list[list[int]] = [[] for _ in tt.services]
    place: list[int] = [0] * tt.n_trips  # each trip's place in its service's list
    for k in range(tt.n_trips):
        ks = trips_of[int(tt.trip_service[k])]
        place[k] = len(ks)
        ks.append(k)
    starts_of = [[int(tt.trip_start[k]) for k in ks] for ks in trips_of]
    if targets is None:
        leaving = leaving_modes(graph, destination, finish_mode)
    else:
        # a target hands arriving cargo to finish_mode, as the destination would (a dead end elsewhere)
        leaving = leaving_modes(graph, None)
        for target in targets:
            leaving[target] = sorted({*leaving[target], finish_mode})
    rates = wait_rates(graph)
    storage_rate = (
        [0.0] * graph.n if graph.storage_cost_s is None else [float(r) for r in graph.storage_cost_s]
    )
    free_s = [0] * graph.n if graph.storage_free_s is None else [int(f) for f in graph.storage_free_s]
    # the cheapest open trip after each trip of its service: a later trip is worth waiting for only when
    # it may be cheaper
    cheaper_after = [math.inf] * tt.n_trips
    if price is not None:
        for ks in trips_of:
            low = math.inf
            for k in reversed(ks):
                cheaper_after[k] = low
                if shut is None or not shut[k]:
                    low = min(low, float(price[k]))

    bags: dict[tuple[int, ...], list[_Label]] = {}
    heap: list[tuple[int, float, float, int, _Label]] = []
    counter = 0
    compared = 0
    bounds = target_bounds(graph, destination, finish_mode, handle_at_destination) if prune else None
    if targets is not None:
        bounds = None
    #: the criteria of the journeys kept so far (with bounds only): the Pareto filter's answer as it grows
    front: list[tuple[int, float, float]] = []

    def hopeless(label: _Label) -> bool:
        assert bounds is not None
        node = bounds.node(label.key, tt.trip_service)
        left = int(bounds.time[node])
        if left < 0 or (due_s is not None and label.t + left > due_s):
            return True
        t, cost = label.t + left, label.cost + float(bounds.cost[node])
        co2 = label.co2 + float(bounds.co2[node])
        return any(f[0] <= t and f[1] <= cost + _HALF_EPS and f[2] <= co2 + _HALF_EPS for f in front)

    def ahead(label: _Label) -> int:
        # the queue's order: with bounds, the earliest the label could arrive (see the docstring)
        if bounds is None:
            return label.t
        return label.t + int(bounds.time[bounds.node(label.key, tt.trip_service)])

    def arrive(label: _Label) -> None:
        done.append(label)
        if bounds is not None and not any(_dominates(f, label.crit) for f in front):
            front.append(label.crit)

    def push(label: _Label) -> None:
        nonlocal counter, compared
        if due_s is not None and label.t > due_s:
            return
        if label.t >= NEVER or not (math.isfinite(label.cost) and math.isfinite(label.co2)):
            return
        if bounds is not None and hopeless(label):
            return
        bag = bags.setdefault(label.key, [])
        compared += len(bag)
        state = label.key[0]
        if state == WAIT:
            at = int(tt.stops[int(tt.trip_service[label.key[1]])][label.key[2]])
            rate, free = storage_rate[at], free_s[at]
            for other in bag:
                if _dominates_free(other, label, rate, free):
                    return
            for other in bag:
                if _dominates_free(label, other, rate, free):
                    other.alive = False
        else:
            if state == FLEX:
                rate = float((rates.fresh if label.key[3] else rates.flex)[label.key[1], label.key[2]])
            elif state == YARD:
                rate = float(rates.yard[label.key[1], label.key[2]])
            else:
                rate = 0.0
            for other in bag:
                if _dominates_waiting(other.crit, label.crit, rate):
                    return
            for other in bag:
                if _dominates_waiting(label.crit, other.crit, rate):
                    other.alive = False
        bag[:] = [o for o in bag if o.alive]
        bag.append(label)
        counter += 1
        heapq.heappush(heap, (ahead(label), label.cost, label.co2, counter, label))

    def unload(lab: _Label, u: int, opens: int, arrived_by: int, kind: str, ref: int, stop: int) -> None:
        # one yard label per mode the cargo may leave by: handling depends on the pair
        for m in leaving[u]:
            t1 = opens + int(graph.handle_s[u, arrived_by, m])
            cost = lab.cost + float(graph.handle_cost[u, arrived_by, m])
            co2 = lab.co2 + float(graph.handle_co2[u, arrived_by, m])
            mv = Move(kind, u, lab.t, t1, ref=ref, stop=stop, from_mode=arrived_by, to_mode=m)
            push(_Label((YARD, u, m), t1, cost, co2, lab, mv))

    def board(lab: _Label, yard: _Label, s: int, j: int, i: int) -> None:
        """Board the first open trip of ``s`` from its ``i``-th at stop ``j``, and wait for the next one
        unless this trip is sure to be no worse. ``lab`` is the yard label or a WAIT label of it."""
        ks = trips_of[s]
        while shut is not None and i < len(ks) and shut[ks[i]]:
            i += 1
        if i == len(ks):
            return
        rules = graph.services[s]
        u = int(tt.stops[s][j])
        offset = int(tt.depart_s[s][j])
        k = ks[i]
        dep = starts_of[s][i] + offset
        rate, free, since = storage_rate[u], free_s[u], yard.t
        # storage from the yard time: what is owed at ``dep`` less what ``lab`` has paid already
        cost = lab.cost + rules.fare_cost
        if price is not None:
            cost += float(price[k])
        cost += rate * (max(0, dep - since - free) - max(0, lab.t - since - free))
        push(
            _Label(
                (ABOARD, k, j, True), dep, cost, lab.co2, yard, Move("board", u, since, dep, ref=k, stop=j)
            )
        )
        # a later trip can do better only if waiting here is cheaper than waiting downstream, free time is
        # left, or it is cheaper to board
        if (
            rate >= rates.down[s][j]
            and (rate == 0.0 or dep - since >= free)
            and (price is None or cheaper_after[k] >= price[k])
        ):
            return
        i += 1
        while shut is not None and i < len(ks) and shut[ks[i]]:
            i += 1
        if i < len(ks):
            t1 = starts_of[s][i] + offset - (rules.board_clear_s[j] + rules.cutoff_s)
            cost = lab.cost + rate * (max(0, t1 - since - free) - max(0, lab.t - since - free))
            push(_Label((WAIT, ks[i], j), t1, cost, lab.co2, yard, None, since))

    if start_mode is None:
        for m in leaving[origin]:
            push(_Label((YARD, origin, m), ready_s, 0.0, 0.0, None, None))
    else:
        push(_Label((FLEX, origin, start_mode, False), ready_s, 0.0, 0.0, None, None))
    done: list[_Label] = []
    pops = 0
    poll_at = POLL_COMPARES
    if deadline is not None:
        deadline.check()

    while heap:
        if counter >= max_labels:
            raise limit_error("labels", max_labels)
        if compared >= max_compares:
            raise limit_error("compares", max_compares)
        pops += 1
        if deadline is not None and (pops % POLL_EVERY == 0 or compared >= poll_at):
            poll_at = compared + POLL_COMPARES
            deadline.check()
        _, _, _, _, lab = heapq.heappop(heap)
        if not lab.alive:
            continue
        if bounds is not None and hopeless(lab):
            continue
        state, u = lab.key[0], lab.key[1]
        if state == FLEX:
            if u == destination:
                arrive(lab)
                continue
            if targets is not None and u in targets and not lab.key[3]:
                done.append(lab)
            x, loaded_here = lab.key[2], lab.key[3]
            for d in graph.drives[u]:
                if d.mode != x:
                    continue
                t1 = lab.t + d.pre_s + d.duration_s + d.post_s
                mv = Move("drive", u, lab.t, t1, ref=d.ref)
                push(_Label((FLEX, d.to, x, False), t1, lab.cost + d.cost, lab.co2 + d.co2, lab, mv))
            opens = next_open(graph, u, lab.t)
            if not loaded_here and graph.handle_ok[u] and opens < NEVER:
                unload(lab, u, opens, x, "handle", -1, -1)
        elif state == YARD:
            m = lab.key[2]
            if u == destination:
                arrive(lab)
                continue
            if targets is not None and u in targets and m == finish_mode:
                done.append(lab)
            if any(d.mode == m for d in graph.drives[u]) and (m != ROAD or graph.truck_ok[u]):
                # loading onto a vehicle is part of the handling just done
                push(_Label((FLEX, u, m, True), lab.t, lab.cost, lab.co2, lab, Move("load", u, lab.t, lab.t)))
            for s, j in boarding[u]:
                rules = graph.services[s]
                if not rules.usable or rules.mode != m or not tt.board_ok[s][j]:
                    continue
                need = lab.t + rules.board_clear_s[j] + rules.cutoff_s
                board(lab, lab, s, j, bisect.bisect_left(starts_of[s], need - int(tt.depart_s[s][j])))
        elif state == WAIT:
            # the label's parent is its yard label: the journey shows one board move from the yard time
            k, j = lab.key[1], lab.key[2]
            assert lab.parent is not None
            board(lab, lab.parent, int(tt.trip_service[k]), j, place[k])
        else:
            k, j, boarded_here = lab.key[1], lab.key[2], lab.key[3]
            s = int(tt.trip_service[k])
            rules = graph.services[s]
            stops = tt.stops[s]
            here = int(stops[j])
            if not boarded_here and tt.alight_ok[s][j]:
                if here == destination and not handle_at_destination:
                    arrive(lab)
                    continue
                if targets is not None and here in targets and not handle_at_destination:
                    done.append(lab)
                opens = next_open(graph, here, lab.t + rules.alight_clear_s[j])
                if graph.handle_ok[here] and opens < NEVER:
                    unload(lab, here, opens, rules.mode, "alight", k, j)
            if j + 1 < len(stops):
                t1 = int(tt.trip_start[k] + tt.arrive_s[s][j + 1])
                mv = Move("ride", int(stops[j + 1]), lab.t, t1, ref=k, stop=j + 1)
                push(
                    _Label(
                        (ABOARD, k, j + 1, False),
                        t1,
                        lab.cost + rules.hop_cost[j],
                        lab.co2 + rules.hop_co2[j],
                        lab,
                        mv,
                    )
                )

    return done


def _front(done: list[_Label]) -> list[Journey]:
    """The Pareto set of the labels that arrived, sorted by criteria."""
    done = sorted(done, key=lambda lab: lab.crit)
    front: list[_Label] = []
    for lab in done:
        if not any(_dominates(f.crit, lab.crit) for f in front):
            front.append(lab)
    return [Journey(lab.t, lab.cost, lab.co2, _moves(lab)) for lab in front]


def needs_own_search(
    graph: SearchGraph, destination: int, finish_mode: int, handle_at_destination: bool
) -> bool:
    """Whether :func:`pareto_search_many` searches ``destination`` on its own rather than in the shared pass.

    In the shared pass cargo unloaded at a target may also be handled for another mode and go on (for the
    other targets); a separate search hands it only to ``finish_mode``. The shared pass is exact when that
    handling is no slower, dearer or dirtier than to any other mode, for every mode the cargo may arrive by:
    the arrival then dominates all that goes on from there.
    """
    if not handle_at_destination or not graph.handle_ok[destination]:
        return False
    d, f = destination, finish_mode
    for m in leaving_modes(graph, None)[d]:
        if m == f:
            continue
        if (
            np.any(graph.handle_s[d, :, f] > graph.handle_s[d, :, m])
            or np.any(graph.handle_cost[d, :, f] > graph.handle_cost[d, :, m])
            or np.any(graph.handle_co2[d, :, f] > graph.handle_co2[d, :, m])
        ):
            return True
    return False


def pareto_search_many(
    graph: SearchGraph,
    origin: int,
    destinations: Sequence[int],
    ready_s: int,
    *,
    due_s: int | Sequence[int | None] | None = None,
    start_mode: int | None = ROAD,
    finish_mode: int = ROAD,
    handle_at_destination: bool = True,
    max_labels: int = 200_000,
    max_compares: int | None = None,
    deadline: Deadline | None = None,
    trip_price: np.ndarray | Sequence[float] | None = None,
    closed: np.ndarray | Sequence[bool] | None = None,
) -> list[list[Journey]]:
    """The Pareto journeys from ``origin`` to each of ``destinations``, in one pass (for skims).

    Each list holds what :func:`pareto_search` would return for that destination, up to the order of equal
    journeys and the moves of ties. One search runs with no destination: every label goes on, and a label
    that would have arrived at a destination is kept for it. Due times prune by the latest of them; each
    destination then keeps its arrivals by its own. A destination where handling for ``finish_mode`` is
    slower, dearer or dirtier than for another mode (:func:`needs_own_search`) gets a search of its own.

    Parameters
    ----------
    destinations
        Terminal indices (repeats allowed).
    due_s
        One latest arrival for all, or one per destination (``None``: none).

    The other parameters are :func:`pareto_search`'s; ``max_labels``, ``max_compares`` and ``deadline``
    hold for the shared pass and for each search of its own.
    """
    dues = _dues(due_s, len(destinations))
    kwargs: dict[str, Any] = {
        "start_mode": start_mode,
        "finish_mode": finish_mode,
        "handle_at_destination": handle_at_destination,
        "max_labels": max_labels,
        "max_compares": max_compares,
        "deadline": deadline,
        "trip_price": trip_price,
        "closed": closed,
    }
    own = [needs_own_search(graph, d, finish_mode, handle_at_destination) for d in destinations]
    shared = {d for d, o in zip(destinations, own, strict=True) if not o}
    found: dict[int, list[_Label]] = {d: [] for d in shared}
    if shared:
        latest = None if any(due is None for due in dues) else max(dues)  # type: ignore[type-var]
        done = _search(
            graph, origin, -1, ready_s, shared, latest, start_mode, finish_mode, handle_at_destination,
            max_labels, max_compares, deadline, trip_price, closed,
        )  # fmt: skip
        tt = graph.timetable
        for lab in done:
            at = (
                lab.key[1]
                if lab.key[0] != ABOARD
                else int(tt.stops[int(tt.trip_service[lab.key[1]])][lab.key[2]])
            )
            found[at].append(lab)
    out = []
    for d, due, o in zip(destinations, dues, own, strict=True):
        if o:
            out.append(pareto_search(graph, origin, d, ready_s, due_s=due, **kwargs))
        else:
            out.append(_front([lab for lab in found[d] if due is None or lab.t <= due]))
    return out


def _dues(due_s: int | Sequence[int | None] | None, count: int) -> list[int | None]:
    """One due time per destination."""
    if due_s is None or isinstance(due_s, int | np.integer):
        return [None if due_s is None else int(due_s)] * count
    dues = [None if d is None else int(d) for d in due_s]
    if len(dues) != count:
        raise ValueError(f"due_s needs one due time per destination ({count}); got {len(dues)}")
    return dues


def next_open(graph: SearchGraph, u: int, t: int) -> int:
    """The earliest time from ``t`` at which terminal ``u`` is open (``t`` itself when it has no hours).

    Past its last opening window (the end of the search's horizon) a terminal never opens again: the answer
    is then :data:`NEVER`, and the search makes no label.
    """
    windows = graph.open_s[u] if graph.open_s is not None else None
    if windows is None:
        return t
    i = int(np.searchsorted(windows[:, 1], t, side="right"))  # the first window that ends after t
    if i == len(windows):
        return NEVER
    return max(t, int(windows[i, 0]))


#: a time no journey reaches (year 2286)
NEVER = 10**10


def _moves(label: _Label) -> tuple[Move, ...]:
    out: list[Move] = []
    node: _Label | None = label
    while node is not None:
        if node.move is not None:
            out.append(node.move)
        node = node.parent
    return tuple(reversed(out))
