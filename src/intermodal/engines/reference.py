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
it boards (``SearchGraph.storage_cost_s``, after free time). An earlier label on a truck or in a yard then
dominates a later one only if it is no dearer after paying the dearest storage for the time between them
(``_dominates_waiting``), and a yard label boards every later trip too, not only the first. The argument
holds while a terminal's opening hours do not hold up one label's handling more than another's: with both
storage and opening hours, an option may in rare cases be missed (the tests prove the rule without hours).

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
    "leaving_modes",
    "pareto_search",
    "uniform_handling",
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


@dataclass(frozen=True)
class Move:
    """One step of a journey: drive, handle, load (yard to vehicle), board, ride or alight.

    ``ref`` is the drive's ``ref`` or the trip index; ``stop`` the stop index within the trip. A handle or
    alight move says the modes it hands the cargo between: ``from_mode`` to ``to_mode``.
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
    alive: bool = True
    crit: tuple[int, float, float] = field(init=False)

    def __post_init__(self) -> None:
        self.crit = (self.t, self.cost, self.co2)


FLEX, YARD, ABOARD = 0, 1, 2


# Costs and CO2e are sums of floats in different orders; equal totals may differ in the last bits.
_EPS = 1e-6


def _dominates(a: tuple[int, float, float], b: tuple[int, float, float]) -> bool:
    return a[0] <= b[0] and a[1] <= b[1] + _EPS and a[2] <= b[2] + _EPS


def _dominates_waiting(a: tuple[int, float, float], b: tuple[int, float, float], rate: float) -> bool:
    """Dominance where waiting costs up to ``rate`` per second: ``a`` is no dearer even after waiting until
    ``b``'s time.

    Earlier cargo waits longer for the same departure, so it may pay more storage than ``b`` by the time
    both board: at most ``rate * (b.t - a.t)`` more (free time only lowers the difference). ``rate`` is the
    dearest yard's, not the current one's: on a truck, or in a yard it leaves by truck, ``a`` arrives
    earlier at the next yard and may wait there instead, and it can board any trip ``b`` boards (the search
    tries every trip, not only the first, when storage is charged). With ``rate`` 0 it is plain dominance.
    """
    return a[0] <= b[0] and a[1] + rate * (b[0] - a[0]) <= b[1] + _EPS and a[2] <= b[2] + _EPS


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


def leaving_modes(graph: SearchGraph, destination: int, finish_mode: int = ROAD) -> list[list[int]]:
    """Per terminal, the modes cargo may leave it by after handling, in increasing order.

    A flexible mode counts where a drive of that mode leaves (trucks only where ``truck_ok``), a service's
    mode where a usable service may be boarded. At the destination the only one is ``finish_mode``: cargo
    handled there is delivered.
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
    """
    if max_compares is None:
        max_compares = COMPARES_PER_LABEL * max_labels
    tt = graph.timetable
    # Where each service can be boarded, and its trips in order of start.
    boarding: list[list[tuple[int, int]]] = [[] for _ in range(graph.n)]
    for s, stops in enumerate(tt.stops):
        for j in range(len(stops) - 1):
            boarding[int(stops[j])].append((s, j))
    trips_of: list[list[int]] = [[] for _ in tt.services]
    for k in range(tt.n_trips):
        trips_of[int(tt.trip_service[k])].append(k)
    starts_of = [[int(tt.trip_start[k]) for k in ks] for ks in trips_of]
    leaving = leaving_modes(graph, destination, finish_mode)
    wait_rate = graph.wait_rate()

    bags: dict[tuple[int, ...], list[_Label]] = {}
    heap: list[tuple[int, float, float, int, _Label]] = []
    counter = 0
    compared = 0

    def push(label: _Label) -> None:
        nonlocal counter, compared
        if due_s is not None and label.t > due_s:
            return
        if label.t >= NEVER or not (math.isfinite(label.cost) and math.isfinite(label.co2)):
            return
        bag = bags.setdefault(label.key, [])
        compared += len(bag)
        rate = wait_rate if label.key[0] != ABOARD else 0.0
        for other in bag:
            if _dominates_waiting(other.crit, label.crit, rate):
                return
        for other in bag:
            if _dominates_waiting(label.crit, other.crit, rate):
                other.alive = False
        bag[:] = [o for o in bag if o.alive]
        bag.append(label)
        counter += 1
        heapq.heappush(heap, (label.t, label.cost, label.co2, counter, label))

    def unload(lab: _Label, u: int, opens: int, arrived_by: int, kind: str, ref: int, stop: int) -> None:
        # one yard label per mode the cargo may leave by: handling depends on the pair
        for m in leaving[u]:
            t1 = opens + int(graph.handle_s[u, arrived_by, m])
            cost = lab.cost + float(graph.handle_cost[u, arrived_by, m])
            co2 = lab.co2 + float(graph.handle_co2[u, arrived_by, m])
            mv = Move(kind, u, lab.t, t1, ref=ref, stop=stop, from_mode=arrived_by, to_mode=m)
            push(_Label((YARD, u, m), t1, cost, co2, lab, mv))

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
        state, u = lab.key[0], lab.key[1]
        if state == FLEX:
            if u == destination:
                done.append(lab)
                continue
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
                done.append(lab)
                continue
            if any(d.mode == m for d in graph.drives[u]) and (m != ROAD or graph.truck_ok[u]):
                # loading onto a vehicle is part of the handling just done
                push(_Label((FLEX, u, m, True), lab.t, lab.cost, lab.co2, lab, Move("load", u, lab.t, lab.t)))
            for s, j in boarding[u]:
                rules = graph.services[s]
                if not rules.usable or rules.mode != m or not tt.board_ok[s][j]:
                    continue
                need = lab.t + rules.board_clear_s[j] + rules.cutoff_s
                offset = int(tt.depart_s[s][j])
                first = bisect.bisect_left(starts_of[s], need - offset)
                # without storage the first trip is the best; with it, waiting here for a later one may
                # save storage elsewhere (and the dominance test counts on it being tried)
                last = len(starts_of[s]) if wait_rate > 0.0 else min(first + 1, len(starts_of[s]))
                for i in range(first, last):
                    k = trips_of[s][i]
                    dep = starts_of[s][i] + offset
                    mv = Move("board", u, lab.t, dep, ref=k, stop=j)
                    cost = lab.cost + rules.fare_cost + graph.storage(u, dep - lab.t)
                    push(_Label((ABOARD, k, j, True), dep, cost, lab.co2, lab, mv))
        else:
            k, j, boarded_here = lab.key[1], lab.key[2], lab.key[3]
            s = int(tt.trip_service[k])
            rules = graph.services[s]
            stops = tt.stops[s]
            here = int(stops[j])
            if not boarded_here and tt.alight_ok[s][j]:
                if here == destination and not handle_at_destination:
                    done.append(lab)
                    continue
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

    # Keep the Pareto set over all arrival states.
    done.sort(key=lambda lab: lab.crit)
    front: list[_Label] = []
    for lab in done:
        if not any(_dominates(f.crit, lab.crit) for f in front):
            front.append(lab)
    return [Journey(lab.t, lab.cost, lab.co2, _moves(lab)) for lab in front]


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
