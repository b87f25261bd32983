"""The reference search against brute force on small random networks (hypothesis).

Brute force walks every simple path through the same states (on a truck or walker, in a yard bound for a
mode, aboard) and boards *every* feasible trip, not only the first, then keeps the Pareto set. The
label-setting search must find the same set of (arrival, cost, CO2e) vectors.
"""

from __future__ import annotations

import math
import time
from typing import Any, cast

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intermodal.engines.reference import (
    FLEX,
    ROAD,
    Deadline,
    Drive,
    SearchGraph,
    ServiceRules,
    _search,
    increasing,
    pareto_search,
    target_bounds,
    uniform_handling,
)
from intermodal.exceptions import LimitError, SearchTimeout
from intermodal.network.timetable import Timetable


@st.composite
def opening_hours(draw: Any) -> np.ndarray | None:
    """Always open, or a few disjoint opening windows (seconds)."""
    if draw(st.booleans()):
        return None
    rows, end = [], 0
    for _ in range(draw(st.integers(1, 3))):
        start = end + draw(st.integers(0, 20)) * 900
        end = start + draw(st.integers(1, 12)) * 900
        rows.append((start, end))
    return np.array(rows, dtype=np.int64)


def opens_at(windows: np.ndarray | None, t: int) -> int | None:
    """Brute force: the first moment from t inside a window, or None."""
    if windows is None:
        return t
    for start, end in windows:
        if t < end:
            return max(t, int(start))
    return None


MODES = 3  # 0 road (trucks), 1 a service mode, 2 a second flexible mode (a walk)


@st.composite
def networks(draw: Any) -> tuple[SearchGraph, int, int]:
    n = draw(st.integers(3, 5))
    # opening hours, or storage by the second in some yards after free time or not (waiting is not
    # always free); the dominance rule for storage holds where hours do not hold cargo up
    stored = draw(st.booleans())
    rates = (
        [draw(st.sampled_from([0.0, 0.0, 1 / 1024, 1 / 256, 1 / 64])) for _ in range(n)] if stored else None
    )
    dearest = max(rates) if rates else 0.0
    drives: list[list[Drive]] = [[] for _ in range(n)]
    for ref in range(draw(st.integers(0, 6))):
        u, v = draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))
        if u == v:
            continue
        secs = draw(st.integers(1, 20)) * 600
        pre, post = draw(st.sampled_from([0, 0, 1800])), draw(st.sampled_from([0, 0, 1200]))
        drives[u].append(
            Drive(
                v,
                secs,
                # a drive costs at least the dearest storage for its time, as real trucks do by far
                max(float(draw(st.integers(0, 50))), math.ceil(dearest * (pre + secs + post))),
                float(draw(st.integers(0, 50))),
                ref,
                pre_s=pre,
                post_s=post,
                mode=draw(st.sampled_from([0, 0, 2])),
            )
        )
    stops, arrive, depart, rules, board_ok, alight_ok = [], [], [], [], [], []
    for _ in range(draw(st.integers(0, 3))):
        k = draw(st.integers(2, 3))
        seq = draw(st.lists(st.integers(0, n - 1), min_size=k, max_size=k, unique=True))
        offs = [0]
        dep = [0]
        for _ in range(k - 1):
            offs.append(dep[-1] + draw(st.integers(1, 10)) * 600)
            dep.append(offs[-1] + draw(st.integers(0, 3)) * 600)
        dep[-1] = offs[-1]
        stops.append(np.array(seq, dtype=np.int32))
        arrive.append(np.array(offs, dtype=np.int64))
        depart.append(np.array(dep, dtype=np.int64))
        board_ok.append(np.array([draw(st.sampled_from([True, True, True, False])) for _ in range(k)]))
        alight_ok.append(np.array([draw(st.sampled_from([True, True, True, False])) for _ in range(k)]))
        rules.append(
            ServiceRules(
                mode=draw(st.sampled_from([0, 1, 1])),
                usable=draw(st.booleans()) or True,
                cutoff_s=draw(st.sampled_from([0, 600, 3600])),
                fare_cost=float(draw(st.integers(0, 30))),
                hop_cost=[float(draw(st.integers(0, 40))) for _ in range(k - 1)],
                hop_co2=[float(draw(st.integers(0, 40))) for _ in range(k - 1)],
                board_clear_s=[draw(st.sampled_from([0, 0, 900])) for _ in range(k)],
                alight_clear_s=[draw(st.sampled_from([0, 0, 900])) for _ in range(k)],
            )
        )
    trip_service, trip_start = [], []
    for s in range(len(stops)):
        for start in sorted(set(draw(st.lists(st.integers(0, 40), min_size=1, max_size=3)))):
            trip_service.append(s)
            trip_start.append(start * 900)
    order = np.argsort(np.array(trip_start, dtype=np.int64), kind="stable")
    tt = Timetable(
        services=cast(Any, tuple(range(len(stops)))),
        stops=tuple(stops),
        arrive_s=tuple(arrive),
        depart_s=tuple(depart),
        trip_service=np.array(trip_service, dtype=np.int32)[order],
        trip_start=np.array(trip_start, dtype=np.int64)[order],
        board_ok=tuple(board_ok),
        alight_ok=tuple(alight_ok),
    )
    shape = (n, MODES, MODES)
    graph = SearchGraph(
        n=n,
        drives=drives,
        handle_ok=[draw(st.sampled_from([True, True, True, False])) for _ in range(n)],
        # every pair of modes at every terminal has its own time, cost and CO2e
        handle_s=np.array(draw(st.lists(st.integers(0, 4), min_size=n * 9, max_size=n * 9))).reshape(shape)
        * 600,
        handle_cost=np.array(
            draw(st.lists(st.integers(0, 20), min_size=n * 9, max_size=n * 9)), dtype=float
        ).reshape(shape),
        handle_co2=np.array(
            draw(st.lists(st.integers(0, 5), min_size=n * 9, max_size=n * 9)), dtype=float
        ).reshape(shape),
        timetable=tt,
        services=rules,
        truck_ok=[draw(st.booleans()) for _ in range(n)],
        open_s=None if stored else [draw(opening_hours()) for _ in range(n)],
        storage_cost_s=rates,
        storage_free_s=[draw(st.sampled_from([0, 0, 1800])) for _ in range(n)] if stored else None,
    )
    # handling, like driving, costs at least the dearest storage for its time: else handing cargo around
    # in circles would be a cheap way to wait, and no search would end
    np.maximum(graph.handle_cost, dearest * graph.handle_s, out=graph.handle_cost)
    # start and end on a service's stops often enough for trips to matter
    ends = [int(x) for x in stops[0]] if stops else list(range(n))
    origin = draw(st.sampled_from([ends[0], draw(st.integers(0, n - 1))]))
    dest = draw(st.sampled_from([ends[-1], ends[-1], draw(st.integers(0, n - 1))]))
    return graph, origin, dest


@st.composite
def trip_extras(draw: Any, graph: SearchGraph) -> dict[str, Any]:
    """Per-trip prices (a trip dearer or cheaper than the next) and closed trips, or neither."""
    n = graph.timetable.n_trips
    out: dict[str, Any] = {}
    if draw(st.booleans()):
        out["trip_price"] = np.array([draw(st.sampled_from([0.0, 0.0, 5.0, 17.0])) for _ in range(n)])
    if draw(st.booleans()):
        out["closed"] = np.array([draw(st.integers(0, 3)) == 0 for _ in range(n)], dtype=np.bool_)
    return out


def brute_force(
    g: SearchGraph,
    origin: int,
    dest: int,
    ready: int,
    *,
    start_mode: int | None = 0,
    handle_at_destination: bool = True,
    trip_price: np.ndarray | None = None,
    closed: np.ndarray | None = None,
) -> set[tuple[int, float, float]]:
    """Every simple path through the states, boarding every feasible open trip; then the Pareto set."""
    tt = g.timetable
    found: list[tuple[int, float, float]] = []
    # the modes cargo may leave each terminal by: delivery by road at the destination
    leave: list[set[int]] = [set() for _ in range(g.n)]
    for u in range(g.n):
        leave[u] = {d.mode for d in g.drives[u] if d.mode != 0 or g.truck_ok[u]}
    for s in range(len(tt.stops)):
        for j in range(len(tt.stops[s]) - 1):
            if g.services[s].usable and tt.board_ok[s][j]:
                leave[int(tt.stops[s][j])].add(g.services[s].mode)
    leave[dest] = {0}

    def handled(u: int, opened: int, a: int, t: int, cost: float, co2: float) -> list[Any]:
        return [
            (("Y", u, m), opened + int(g.handle_s[u, a, m]), cost + g.handle_cost[u, a, m],
             co2 + g.handle_co2[u, a, m], False)
            for m in leave[u]
        ]  # fmt: skip

    def walk(key: tuple[Any, ...], t: int, cost: float, co2: float, seen: set[Any], fresh: bool) -> None:
        # fresh: the vehicle was just loaded or boarded at this terminal, so it cannot be unloaded here
        state, u = key[0], key[1]
        nxt: list[tuple[tuple[Any, ...], int, float, float, bool]] = []
        if state == "F":  # on a truck or a walker of mode key[2]
            if u == dest:
                found.append((t, cost, co2))
                return
            for d in g.drives[u]:
                if d.mode == key[2]:
                    t1 = t + d.pre_s + d.duration_s + d.post_s
                    nxt.append((("F", d.to, d.mode), t1, cost + d.cost, co2 + d.co2, False))
            opened = opens_at(g.open_s[u], t) if g.open_s else t
            if not fresh and g.handle_ok[u] and opened is not None:
                nxt += handled(u, opened, key[2], t, cost, co2)
        elif state == "Y":  # in the yard, bound for mode key[2]
            m = key[2]
            if u == dest:
                found.append((t, cost, co2))
                return
            if any(d.mode == m for d in g.drives[u]) and (m != 0 or g.truck_ok[u]):
                nxt.append((("F", u, m, "loaded"), t, cost, co2, True))
            for k in range(tt.n_trips):
                s = int(tt.trip_service[k])
                r = g.services[s]
                for j in range(len(tt.stops[s]) - 1):
                    dep = int(tt.trip_start[k] + tt.depart_s[s][j])
                    if (
                        int(tt.stops[s][j]) == u
                        and (closed is None or not closed[k])
                        and r.usable
                        and r.mode == m
                        and tt.board_ok[s][j]
                        and t + r.board_clear_s[j] + r.cutoff_s <= dep
                    ):
                        waited = g.storage(u, dep - t)
                        extra = 0.0 if trip_price is None else float(trip_price[k])
                        nxt.append(
                            (("A", k, j, "boarded"), dep, cost + r.fare_cost + extra + waited, co2, True)
                        )
        else:
            k, j = key[1], key[2]
            s = int(tt.trip_service[k])
            r = g.services[s]
            here = int(tt.stops[s][j])
            if not fresh and tt.alight_ok[s][j]:
                if here == dest and not handle_at_destination:
                    found.append((t, cost, co2))
                    return
                at = t + r.alight_clear_s[j]
                opened = opens_at(g.open_s[here], at) if g.open_s else at
                if g.handle_ok[here] and opened is not None:
                    nxt += handled(here, opened, r.mode, t, cost, co2)
            if j + 1 < len(tt.stops[s]):
                t1 = int(tt.trip_start[k] + tt.arrive_s[s][j + 1])
                nxt.append((("A", k, j + 1), t1, cost + r.hop_cost[j], co2 + r.hop_co2[j], False))
        for key2, t2, c2, e2, b2 in nxt:
            if key2 not in seen:
                walk(key2, t2, c2, e2, seen | {key2}, b2)

    starts = [("Y", origin, m) for m in leave[origin]] if start_mode is None else [("F", origin, start_mode)]
    for key in starts:
        walk(key, ready, 0.0, 0.0, {key}, False)
    front = set()
    for a in found:
        if not any(b != a and b[0] <= a[0] and b[1] <= a[1] and b[2] <= a[2] for b in found):
            front.add(a)
    return front


@settings(max_examples=900, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), networks(), st.sampled_from([0, 2, None]), st.booleans())
def test_reference_search_equals_brute_force(
    data: st.DataObject,
    case: tuple[SearchGraph, int, int],
    start_mode: int | None,
    handle_at_destination: bool,
) -> None:
    """With storage in random yards (free time or not), per-trip prices and closed trips: brute force boards
    every open trip, the search only those its waiting rule keeps."""
    graph, origin, dest = case
    extras = data.draw(trip_extras(graph))
    journeys = pareto_search(
        graph, origin, dest, 0, start_mode=start_mode, handle_at_destination=handle_at_destination, **extras
    )
    got = {(j.arrive_s, j.cost, j.co2) for j in journeys}
    assert got == brute_force(
        graph, origin, dest, 0, start_mode=start_mode, handle_at_destination=handle_at_destination, **extras
    )
    for j in journeys:  # each journey's moves run forward in time
        assert all(a.start_s <= a.end_s for a in j.moves)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), networks(), st.sampled_from([0, 2, None]), st.booleans())
def test_target_pruning_finds_the_same_journeys(
    data: st.DataObject,
    case: tuple[SearchGraph, int, int],
    start_mode: int | None,
    handle_at_destination: bool,
) -> None:
    """Pruning by the target bounds leaves the journeys as they were, moves included, for the same or less
    work; and no journey beats the bounds of the state it starts in."""
    graph, origin, dest = case
    extras = data.draw(trip_extras(graph))
    due = data.draw(st.one_of(st.none(), st.integers(0, 40).map(lambda h: h * 1800)))
    q: dict[str, Any] = {
        "start_mode": start_mode,
        "handle_at_destination": handle_at_destination,
        "due_s": due,
        **extras,
    }
    off = pareto_search(graph, origin, dest, 0, prune=False, **q)
    on = pareto_search(graph, origin, dest, 0, **q)
    assert [(j.arrive_s, j.moves) for j in on] == [(j.arrive_s, j.moves) for j in off]
    assert [(j.cost, j.co2) for j in on] == [pytest.approx((j.cost, j.co2), abs=1e-9) for j in off]
    bounds = target_bounds(graph, dest, ROAD, handle_at_destination)
    assert bounds is not None  # the networks drawn here have no negative amounts
    if start_mode is not None:
        node = bounds.node((FLEX, origin, start_mode, False), graph.timetable.trip_service)
        for j in off:
            assert j.arrive_s >= int(bounds.time[node]) >= 0
            assert j.cost >= bounds.cost[node] - 1e-9 and j.co2 >= bounds.co2[node] - 1e-9
    # a label that cannot reach the destination is dropped whatever was found
    unreachable = bounds.time < 0
    assert np.all(np.isinf(bounds.cost[unreachable])) and np.all(np.isinf(bounds.co2[unreachable]))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), networks(), st.sampled_from([0, 2, None]), st.booleans())
def test_a_pruned_search_takes_its_arrivals_in_the_filters_order(
    data: st.DataObject,
    case: tuple[SearchGraph, int, int],
    start_mode: int | None,
    handle_at_destination: bool,
) -> None:
    """With bounds, labels are taken in order of the earliest time they could arrive (their time plus
    their state's time bound). No move lowers that time, since a bound drops along a move by at most what
    the move takes: so the arrivals still come sorted by (time, cost, CO2e), the order target pruning
    relies on (the journeys kept so far are the Pareto filter's)."""
    graph, origin, dest = case
    extras = data.draw(trip_extras(graph))
    done = _search(
        graph, origin, dest, 0, None, None, start_mode, ROAD, handle_at_destination, 10**6, None, None,
        extras.get("trip_price"), extras.get("closed"), True,
    )  # fmt: skip
    arrivals = [(lab.t, lab.cost, lab.co2) for lab in done]
    assert arrivals == sorted(arrivals)


def test_a_graph_with_a_negative_amount_has_no_bounds_and_is_not_pruned() -> None:
    g = SearchGraph(
        2,
        [[Drive(1, 60, -1.0, 1.0, 0)], []],
        [False, False],
        *uniform_handling([0, 0], [0.0, 0.0], [0.0, 0.0], 1),
        Timetable((), (), (), (), np.zeros(0, np.int32), np.zeros(0, np.int64)),
        [],
        [True, True],
    )
    assert not increasing(g)
    assert target_bounds(g, 1) is None
    assert pareto_search(g, 0, 1, 0) == pareto_search(g, 0, 1, 0, prune=False)


@pytest.mark.parametrize(
    ("arrive", "depart", "ok"), [([0, 600], [0, 600], True), ([0, 600], [300, 200], False)]
)
def test_stop_times_out_of_order_make_a_graph_not_increasing(
    arrive: list[int], depart: list[int], ok: bool
) -> None:
    """A departure before its arrival, or an arrival before the departure from the stop before, would let
    a ride go back in time: such a graph gets no bounds."""
    tt = Timetable(
        services=cast(Any, (0,)),
        stops=(np.array([0, 1], dtype=np.int32),),
        arrive_s=(np.array(arrive),),
        depart_s=(np.array(depart),),
        trip_service=np.array([0], dtype=np.int32),
        trip_start=np.array([0], dtype=np.int64),
    )
    g = SearchGraph(
        2,
        [[], []],
        [True, True],
        *uniform_handling([0, 0], [0.0, 0.0], [0.0, 0.0], 2),
        tt,
        [ServiceRules(1, True, 0, 0.0, [1.0], [1.0], [0, 0], [0, 0])],
        [True, True],
    )
    assert increasing(g) is ok
    assert (target_bounds(g, 1) is not None) is ok


def test_an_earlier_yard_label_that_waits_longer_is_not_dominated_by_its_own_cheapness() -> None:
    """Two ways into the yard of 1 before a train at 10 h: by 1 h for 0 and by 9 h for 30. Storage costs
    10 an hour, so the early cargo pays 90 and the late one 10: the late way is the cheaper one. The old
    rule (earlier and no dearer dominates) dropped it and answered 90."""
    tt = Timetable(
        services=cast(Any, (0,)),
        stops=(np.array([1, 2], dtype=np.int32),),
        arrive_s=(np.array([0, 3600], dtype=np.int64),),
        depart_s=(np.array([0, 3600], dtype=np.int64),),
        trip_service=np.array([0], dtype=np.int32),
        trip_start=np.array([10 * 3600], dtype=np.int64),
    )
    s, c, e = uniform_handling([0, 0, 0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], 2)
    graph = SearchGraph(
        n=3,
        drives=[[Drive(1, 3600, 0.0, 0.0, 0), Drive(1, 9 * 3600, 30.0, 0.0, 1)], [], []],
        handle_ok=[True] * 3,
        handle_s=s,
        handle_cost=c,
        handle_co2=e,
        timetable=tt,
        services=[ServiceRules(1, True, 0, 0.0, [0.0], [0.0], [0, 0], [0, 0])],
        truck_ok=[True] * 3,
        storage_cost_s=[0.0, 10 / 3600, 0.0],
    )
    (j,) = pareto_search(graph, 0, 2, 0)
    assert (j.arrive_s, j.cost, j.co2) == (11 * 3600, pytest.approx(40.0), 0.0)
    assert [m.ref for m in j.moves if m.kind == "drive"] == [1]  # the slow, dear truck
    assert {(j.arrive_s, j.cost, j.co2)} == brute_force(graph, 0, 2, 0)


def _two_legs(rates: list[float], first_trips: list[int]) -> SearchGraph:
    """Truck 0 → 1 (1 h), service A 1 → 2 (1 h) with ``first_trips``, service B 2 → 3 (1 h) at 20 h."""
    tt = Timetable(
        services=cast(Any, (0, 1)),
        stops=(np.array([1, 2], dtype=np.int32), np.array([2, 3], dtype=np.int32)),
        arrive_s=(np.array([0, 3600]), np.array([0, 3600])),
        depart_s=(np.array([0, 3600]), np.array([0, 3600])),
        trip_service=np.array([0] * len(first_trips) + [1], dtype=np.int32),
        trip_start=np.array([*first_trips, 20 * 3600], dtype=np.int64),
    )
    s, c, e = uniform_handling([0] * 4, [0.0] * 4, [0.0] * 4, 2)
    return SearchGraph(
        n=4,
        drives=[[Drive(1, 3600, 0.0, 0.0, 0)], [], [], []],
        handle_ok=[True] * 4,
        handle_s=s,
        handle_cost=c,
        handle_co2=e,
        timetable=tt,
        services=[ServiceRules(1, True, 0, 0.0, [0.0], [0.0], [0, 0], [0, 0]) for _ in range(2)],
        truck_ok=[True] * 4,
        storage_cost_s=rates,
    )


def test_cargo_waits_in_the_cheap_yard_for_a_later_trip() -> None:
    """Yard 1 costs 1 an hour, yard 2 (where service B leaves at 20 h) 10 an hour. The first trip of A (2 h)
    leaves the cargo 17 h in the dear yard (170); its last (18 h) 1 h there and 17 h in the cheap one (27).
    Both arrive at 21 h: only the later trip is on the Pareto front."""
    graph = _two_legs([0.0, 1 / 3600, 10 / 3600, 0.0], [2 * 3600, 10 * 3600, 18 * 3600])
    (j,) = pareto_search(graph, 0, 3, 0)
    assert (j.arrive_s, j.cost) == (21 * 3600, pytest.approx(1 * 17 + 10 * 1))
    assert [m.ref for m in j.moves if m.kind == "board"] == [2, 3]
    assert {(j.arrive_s, j.cost, j.co2)} == brute_force(graph, 0, 3, 0)
    # the other way round (dear here, cheap downstream) the first trip is best, and no later one is tried
    graph = _two_legs([0.0, 10 / 3600, 1 / 3600, 0.0], [2 * 3600, 10 * 3600, 18 * 3600])
    (j,) = pareto_search(graph, 0, 3, 0)
    assert [m.ref for m in j.moves if m.kind == "board"] == [0, 3]
    assert {(j.arrive_s, j.cost, j.co2)} == brute_force(graph, 0, 3, 0)


def test_a_closed_trip_is_not_boarded_and_a_priced_one_costs_its_price() -> None:
    graph = _two_legs([0.0] * 4, [2 * 3600, 10 * 3600, 18 * 3600])
    closed = np.array([True, False, False, False])
    (j,) = pareto_search(graph, 0, 3, 0, closed=closed)
    assert [m.ref for m in j.moves if m.kind == "board"] == [1, 3]
    # without storage the first trip is best, unless a later one is cheaper to board
    (j,) = pareto_search(graph, 0, 3, 0, trip_price=np.array([0.0, 0.0, 0.0, 4.0]))
    assert [m.ref for m in j.moves if m.kind == "board"] == [0, 3] and j.cost == 4.0
    (j,) = pareto_search(graph, 0, 3, 0, trip_price=np.array([9.0, 5.0, 2.0, 0.0]))
    assert [m.ref for m in j.moves if m.kind == "board"] == [2, 3] and j.cost == 2.0
    with pytest.raises(ValueError, match=r"trip_price\[1\] is nan"):
        pareto_search(graph, 0, 3, 0, trip_price=np.array([0.0, np.nan, 0.0, 0.0]))
    with pytest.raises(ValueError, match="one price per trip"):
        pareto_search(graph, 0, 3, 0, trip_price=np.zeros(3))
    with pytest.raises(ValueError, match="one bool per trip"):
        pareto_search(graph, 0, 3, 0, closed=np.zeros(4))


def _line(handle_s: list[int], **stop_rules: Any) -> SearchGraph:
    """Two terminals and one rail service (mode 1) with two trips, 0 → 1."""
    tt = Timetable(
        services=cast(Any, (0,)),
        stops=(np.array([0, 1], dtype=np.int32),),
        arrive_s=(np.array([0, 3600], dtype=np.int64),),
        depart_s=(np.array([0, 3600], dtype=np.int64),),
        trip_service=np.array([0, 0], dtype=np.int32),
        trip_start=np.array([1800, 7200], dtype=np.int64),
        **stop_rules,
    )
    s, c, e = uniform_handling(handle_s, [1.0, 0.0], [0.0, 0.0], 2)
    return SearchGraph(
        n=2,
        drives=[[], []],
        handle_ok=[True, True],
        handle_s=s,
        handle_cost=c,
        handle_co2=e,
        timetable=tt,
        services=[ServiceRules(1, True, 0, 5.0, [10.0], [2.0], [0, 0], [0, 0])],
        truck_ok=[True, True],
    )


def test_a_later_trip_never_beats_the_first_one() -> None:
    """Two trips of one service: the search boards the first it can make."""
    (j,) = pareto_search(_line([600, 0]), 0, 1, 0)
    assert j.arrive_s == 1800 + 3600 and j.cost == 16.0


def test_handling_depends_on_the_pair_of_modes() -> None:
    """Truck to rail takes 30 min at the origin, rail to truck 3 h at the destination; other pairs 2 h."""
    g = _line([7200, 7200])
    g.handle_s[0, 0, 1] = 1800
    g.handle_s[1, 1, 0] = 3 * 3600
    (j,) = pareto_search(g, 0, 1, 0)
    handle, board, _, alight = j.moves
    assert (handle.kind, handle.from_mode, handle.to_mode, handle.end_s) == ("handle", 0, 1, 1800)
    assert board.end_s == 1800  # the first trip is made only because truck-to-rail is quick
    assert (alight.kind, alight.from_mode, alight.to_mode) == ("alight", 1, 0)
    assert j.arrive_s == 1800 + 3600 + 3 * 3600


def test_stops_without_pickup_or_drop_off() -> None:
    """No pickup at the first stop: nothing boards; no drop-off at the last: nothing arrives unloaded."""
    no_pickup = _line([0, 0], board_ok=(np.array([False, True]),))
    assert pareto_search(no_pickup, 0, 1, 0) == []
    no_dropoff = _line([0, 0], alight_ok=(np.array([True, False]),))
    assert pareto_search(no_dropoff, 0, 1, 0) == []
    assert pareto_search(no_dropoff, 0, 1, 0, handle_at_destination=False) == []


def test_a_walker_cannot_skip_the_change_time_on_the_spot() -> None:
    """Off a train at 1, walking is free, and the change to the next train takes 10 min: a walker that
    never walks must not make the train 1 min later (a review found that bypass)."""
    tt = Timetable(
        services=cast(Any, (0, 1, 2)),
        stops=(np.array([0, 1], dtype=np.int32), np.array([1, 2], dtype=np.int32), np.array([1, 2])),
        arrive_s=(np.array([0, 1800]), np.array([0, 600]), np.array([0, 600])),
        depart_s=(np.array([0, 1800]), np.array([0, 600]), np.array([0, 600])),
        trip_service=np.array([0, 1, 2], dtype=np.int32),
        trip_start=np.array([0, 1860, 3600], dtype=np.int64),
    )
    s, c, e = uniform_handling([600] * 4, [0.0] * 4, [0.0] * 4, 3)
    s[:, 2, :] = s[:, :, 2] = 0  # mode 2 walks: never handled
    rail = [ServiceRules(1, True, 0, 0.0, [1.0], [1.0], [0, 0], [0, 0]) for _ in range(3)]
    g = SearchGraph(
        n=4,
        drives=[[], [Drive(3, 300, 0.0, 0.0, 0, mode=2)], [], [Drive(1, 300, 0.0, 0.0, 1, mode=2)]],
        handle_ok=[True] * 4,
        handle_s=s,
        handle_cost=c,
        handle_co2=e,
        timetable=tt,
        services=rail,
        truck_ok=[False] * 4,
    )
    (j,) = pareto_search(g, 0, 2, 0, start_mode=None, handle_at_destination=False)
    assert j.arrive_s == 3600 + 600  # the 10-min change misses the 1860 train
    assert brute_force(g, 0, 2, 0, start_mode=None, handle_at_destination=False) == {(4200, 2.0, 2.0)}


def test_a_deadline_expires_for_good_and_says_what_was_exceeded() -> None:
    deadline = Deadline(0.05)
    assert not deadline.expired() and 0 < deadline.remaining() <= 0.05
    deadline.check()
    time.sleep(0.06)
    assert deadline.expired() and deadline.remaining() == 0.0 and deadline.flag[0] == 1
    with pytest.raises(SearchTimeout, match=r"time limit of 0.05 s; give a due time") as err:
        deadline.check()
    assert isinstance(err.value, LimitError) and err.value.seconds == 0.05


def test_a_deadline_without_a_limit_stops_only_when_cancelled() -> None:
    deadline = Deadline()
    assert deadline.remaining() == float("inf") and not deadline.expired()
    deadline.cancel()
    assert deadline.expired() and deadline.remaining() == 0.0
    with pytest.raises(SearchTimeout, match="cancelled"):
        deadline.check()
    with pytest.raises(ValueError, match="0 or more seconds"):
        Deadline(float("nan"))
