"""The compiled freight search against its plain reference.

:class:`~intermodal.engines.freight.FreightSearch` does the reference's label setting step for step, in the
same order, so the two must return equal journeys: the same (arrival, cost, CO2e) vectors and the same moves.
Hypothesis draws networks larger than brute force can take (4-12 terminals, several services of several
trips, 2-4 modes with a walk-like second flexible mode, handling by mode pair, opening hours, pickup and
drop-off rules, cut-offs, clearances) and queries (due times, a start in the yard or on a vehicle, unloading
at the destination or not). Hand-made cases pin a few rules, the work caps must stop both engines on the same
queries, and the planner's own graph of the Chongqing scenario must give the same answers in both. A graph
built to blow up (2**k incomparable labels at its k-th terminal) must stop both at their caps or deadline, and
labels that bad data makes non-finite must not be made.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any, cast

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intermodal.engines.freight import FreightSearch
from intermodal.engines.reference import (
    ROAD,
    Deadline,
    Drive,
    Journey,
    SearchGraph,
    ServiceRules,
    pareto_search,
    pareto_search_many,
    target_bounds,
    uniform_handling,
)
from intermodal.exceptions import LimitError, SearchTimeout
from intermodal.network.timetable import Timetable

WALK = 1


@st.composite
def opening_hours(draw: Any) -> np.ndarray | None:
    """Always open, or a few disjoint opening windows (seconds); sometimes none at all (never opens)."""
    if draw(st.booleans()):
        return None
    rows, end = [], 0
    for _ in range(draw(st.integers(0, 4))):
        start = end + draw(st.integers(0, 20)) * 900
        end = start + draw(st.integers(1, 12)) * 900
        rows.append((start, end))
    return np.array(rows, dtype=np.int64).reshape(-1, 2)


def amount(draw: Any, top: int) -> float:
    # whole numbers make many exact ties; thirds make sums that differ in the last bits
    whole = draw(st.integers(0, top))
    return float(whole) / 3.0 if draw(st.booleans()) else float(whole)


@st.composite
def graphs(draw: Any) -> SearchGraph:
    n = draw(st.integers(4, 12))
    n_modes = draw(st.integers(2, 4))
    # opening hours, storage (with or without hours: the engines must agree either way), or neither
    stored = draw(st.sampled_from([False, True, None]))
    kept = draw(storage(n)) if stored else {}
    dearest = max(kept.get("storage_cost_s") or [0.0])
    drives: list[list[Drive]] = [[] for _ in range(n)]
    for ref in range(draw(st.integers(0, 3 * n))):
        u, v = draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))
        if u == v:
            continue
        mode = draw(st.sampled_from([ROAD, ROAD, WALK, n_modes - 1]))
        secs, pre, post = (
            draw(st.integers(0, 20)) * 600,
            draw(st.sampled_from([0, 0, 1800])),
            draw(st.sampled_from([0, 0, 1200])),
        )
        drives[u].append(
            Drive(
                v,
                secs,
                # at least the dearest storage for its time: otherwise driving in circles is a way to wait
                max(amount(draw, 50), dearest * (pre + secs + post)),
                amount(draw, 50),
                100 + ref,
                pre_s=pre,
                post_s=post,
                mode=mode,
            )
        )
    stops, arrive, depart, board_ok, alight_ok, rules = [], [], [], [], [], []
    for _ in range(draw(st.integers(0, 6))):
        k = draw(st.integers(2, min(5, n)))
        seq = draw(st.lists(st.integers(0, n - 1), min_size=k, max_size=k, unique=True))
        offs, dep = [0], [draw(st.integers(0, 2)) * 300]
        for _ in range(k - 1):
            offs.append(dep[-1] + draw(st.integers(0, 10)) * 600)
            dep.append(offs[-1] + draw(st.integers(0, 3)) * 600)
        dep[-1] = offs[-1]
        stops.append(np.array(seq, dtype=np.int32))
        arrive.append(np.array(offs, dtype=np.int64))
        depart.append(np.array(dep, dtype=np.int64))
        board_ok.append(np.array([draw(st.integers(0, 4)) > 0 for _ in range(k)], dtype=np.bool_))
        alight_ok.append(np.array([draw(st.integers(0, 4)) > 0 for _ in range(k)], dtype=np.bool_))
        rules.append(
            ServiceRules(
                mode=draw(st.integers(0, n_modes - 1)),
                usable=draw(st.integers(0, 5)) > 0,
                cutoff_s=draw(st.sampled_from([0, 600, 3600])),
                fare_cost=amount(draw, 30),
                hop_cost=[amount(draw, 40) for _ in range(k - 1)],
                hop_co2=[amount(draw, 40) for _ in range(k - 1)],
                board_clear_s=[draw(st.sampled_from([0, 0, 900])) for _ in range(k)],
                alight_clear_s=[draw(st.sampled_from([0, 0, 900])) for _ in range(k)],
            )
        )
    trip_service, trip_start = [], []
    for s in range(len(stops)):
        for start in draw(st.lists(st.integers(0, 60), min_size=1, max_size=5)):
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
    shape = (n, n_modes, n_modes)
    handle_s = np.array(draw(st.lists(st.integers(0, 4), min_size=n * n_modes**2, max_size=n * n_modes**2)))
    # at least the dearest storage for its time, as for drives
    handle_cost = np.maximum([amount(draw, 20) for _ in range(n * n_modes**2)], dearest * handle_s * 600)
    handle_co2 = np.array([amount(draw, 5) for _ in range(n * n_modes**2)])
    return SearchGraph(
        n=n,
        drives=drives,
        handle_ok=[draw(st.integers(0, 4)) > 0 for _ in range(n)],
        handle_s=(handle_s * 600).reshape(shape).astype(np.int64),
        handle_cost=handle_cost.reshape(shape),
        handle_co2=handle_co2.reshape(shape),
        timetable=tt,
        services=rules,
        truck_ok=[draw(st.integers(0, 4)) > 0 for _ in range(n)],
        open_s=[draw(opening_hours()) for _ in range(n)]
        if stored is False or (stored and draw(st.booleans()))
        else None,
        **kept,
    )


@st.composite
def storage(draw: Any, n: int) -> dict[str, Any]:
    """Free yards, or storage per second at some terminals (thirds: sums that differ in the last bits),
    with or without free time."""
    if draw(st.booleans()):
        return {}
    rates = [draw(st.sampled_from([0.0, 0.0, 1 / 600, 1 / 1800, 1 / 3600 / 3])) for _ in range(n)]
    free = [draw(st.sampled_from([0, 0, 1800, 7200])) for _ in range(n)] if draw(st.booleans()) else None
    return {"storage_cost_s": rates, "storage_free_s": free}


@st.composite
def queries(draw: Any, graph: SearchGraph) -> dict[str, Any]:
    n_modes = graph.handle_s.shape[1]
    ready = draw(st.integers(0, 16)) * 900
    return {
        "origin": draw(st.integers(0, graph.n - 1)),
        "destination": draw(st.integers(0, graph.n - 1)),
        "ready_s": ready,
        "due_s": draw(st.one_of(st.none(), st.integers(0, 60).map(lambda h: ready + h * 1800))),
        "start_mode": draw(st.one_of(st.none(), st.integers(0, n_modes - 1))),
        "finish_mode": draw(st.integers(0, n_modes - 1)),
        "handle_at_destination": draw(st.booleans()),
        **draw(trip_extras(graph)),
    }


@st.composite
def trip_extras(draw: Any, graph: SearchGraph) -> dict[str, Any]:
    """Per-trip prices (thirds too) and closed trips, or neither."""
    n = graph.timetable.n_trips
    out: dict[str, Any] = {}
    if draw(st.booleans()):
        out["trip_price"] = np.array([amount(draw, 20) if draw(st.booleans()) else 0.0 for _ in range(n)])
    if draw(st.booleans()):
        out["closed"] = np.array([draw(st.integers(0, 3)) == 0 for _ in range(n)], dtype=np.bool_)
    return out


def without_trips(graph: SearchGraph, gone: np.ndarray) -> SearchGraph:
    """``graph`` with the trips ``gone`` (bool per trip) left out of its timetable."""
    tt = graph.timetable
    kept = ~gone
    timetable = replace(tt, trip_service=tt.trip_service[kept], trip_start=tt.trip_start[kept])
    return replace(graph, timetable=timetable)


def one_service_per_trip(graph: SearchGraph, price: np.ndarray) -> SearchGraph:
    """``graph`` with each trip made a service of its own whose fare adds the trip's ``price``."""
    tt = graph.timetable
    own = [int(s) for s in tt.trip_service]
    timetable = replace(
        tt,
        services=cast(Any, tuple(range(tt.n_trips))),
        stops=tuple(tt.stops[s] for s in own),
        arrive_s=tuple(tt.arrive_s[s] for s in own),
        depart_s=tuple(tt.depart_s[s] for s in own),
        board_ok=tuple(tt.board_ok[s] for s in own),
        alight_ok=tuple(tt.alight_ok[s] for s in own),
        trip_service=np.arange(tt.n_trips, dtype=np.int32),
    )
    rules = [
        replace(graph.services[s], fare_cost=graph.services[s].fare_cost + float(p))
        for s, p in zip(own, price, strict=True)
    ]
    return replace(graph, timetable=timetable, services=rules)


def criteria(journeys: list[Journey]) -> list[tuple[int, float, float]]:
    # sums in another order may differ in the last bits
    return [(j.arrive_s, round(j.cost, 6), round(j.co2, 6)) for j in journeys]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_closed_trips_are_as_if_they_were_not_in_the_timetable(data: st.DataObject) -> None:
    graph = data.draw(graphs())
    q = data.draw(queries(graph))
    q.pop("trip_price", None)
    gone = q.pop("closed", np.zeros(graph.timetable.n_trips, dtype=np.bool_))
    q["closed"] = gone
    expected = pareto_search(without_trips(graph, gone), **{k: v for k, v in q.items() if k != "closed"})
    assert criteria(pareto_search(graph, **q)) == criteria(expected)
    assert criteria(FreightSearch(graph).search(**q)) == criteria(expected)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_trip_prices_are_as_if_each_trip_had_its_own_fare(data: st.DataObject) -> None:
    """A service of one trip boards no later trip: the search on it tries every trip on its own."""
    graph = data.draw(graphs())
    q = data.draw(queries(graph))
    q.pop("closed", None)
    price = q.pop("trip_price", np.zeros(graph.timetable.n_trips))
    expected = pareto_search(one_service_per_trip(graph, price), **q)
    assert criteria(pareto_search(graph, **q, trip_price=price)) == criteria(expected)
    assert criteria(FreightSearch(graph).search(**q, trip_price=price)) == criteria(expected)


def both(graph: SearchGraph, engine: FreightSearch, q: dict[str, Any]) -> tuple[Any, Any]:
    """Each engine's journeys, or the LimitError it raised."""
    out = []
    for run in (lambda: pareto_search(graph, **q), lambda: engine.search(**q)):
        try:
            out.append(run())
        except LimitError as e:
            out.append(e)
    return out[0], out[1]


def assert_same(ref: list[Journey], got: list[Journey]) -> None:
    assert [j.arrive_s for j in got] == [j.arrive_s for j in ref]
    assert [(j.cost, j.co2) for j in got] == [pytest.approx((j.cost, j.co2), abs=1e-6) for j in ref]
    # the same work in the same order: the same moves, not just the same totals
    assert [j.moves for j in got] == [j.moves for j in ref]


def check_moves(
    graph: SearchGraph,
    j: Journey,
    ready_s: int,
    trip_price: np.ndarray | None = None,
    closed: np.ndarray | None = None,
) -> None:
    """A journey's moves follow each other in time and add up to its cost and CO2e."""
    tt = graph.timetable
    drives = {d.ref: d for ds in graph.drives for d in ds}
    t, cost, co2 = ready_s, 0.0, 0.0
    for mv in j.moves:
        assert mv.start_s == t and mv.end_s >= t
        if mv.kind == "drive":
            d = drives[mv.ref]
            assert mv.end_s - mv.start_s == d.pre_s + d.duration_s + d.post_s
            cost, co2 = cost + d.cost, co2 + d.co2
        elif mv.kind in ("handle", "alight"):
            u, a, m = mv.terminal, mv.from_mode, mv.to_mode
            cost += float(graph.handle_cost[u, a, m])
            co2 += float(graph.handle_co2[u, a, m])
        elif mv.kind == "board":
            s = int(tt.trip_service[mv.ref])
            assert mv.end_s == int(tt.trip_start[mv.ref] + tt.depart_s[s][mv.stop])
            assert closed is None or not closed[mv.ref]
            cost += graph.services[s].fare_cost + graph.storage(mv.terminal, mv.end_s - mv.start_s)
            cost += 0.0 if trip_price is None else float(trip_price[mv.ref])
        elif mv.kind == "ride":
            s = int(tt.trip_service[mv.ref])
            assert mv.end_s == int(tt.trip_start[mv.ref] + tt.arrive_s[s][mv.stop])
            cost += graph.services[s].hop_cost[mv.stop - 1]
            co2 += graph.services[s].hop_co2[mv.stop - 1]
        t = mv.end_s
    assert (t, cost, co2) == pytest.approx((j.arrive_s, j.cost, j.co2), abs=1e-6)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_compiled_search_equals_the_reference(data: st.DataObject) -> None:
    graph = data.draw(graphs())
    engine = FreightSearch(graph)
    for _ in range(4):  # one flattening serves many queries
        q = data.draw(queries(graph))
        ref, got = both(graph, engine, q)
        assert not isinstance(ref, LimitError) and not isinstance(got, LimitError)
        assert_same(ref, got)
        for j in got:
            check_moves(graph, j, q["ready_s"], q.get("trip_price"), q.get("closed"))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_the_label_cap_stops_both_engines_alike(data: st.DataObject) -> None:
    graph = data.draw(graphs())
    engine = FreightSearch(graph)
    q = data.draw(queries(graph))
    q["max_labels"] = data.draw(st.integers(1, 40))
    ref, got = both(graph, engine, q)
    assert isinstance(ref, LimitError) == isinstance(got, LimitError)
    if isinstance(ref, LimitError):
        assert str(ref) == str(got)
    else:
        assert_same(ref, got)
    # a capped search leaves the engine as it found it
    q["max_labels"] = 200_000
    assert_same(*both(graph, engine, q))


def least_cap(search: Any) -> int:
    """The fewest labels ``search(max_labels=cap)`` finishes with: the labels it makes, plus one."""
    lo, hi = 1, 1
    while True:  # a cap the search finishes under, doubling
        try:
            search(max_labels=hi)
            break
        except LimitError:
            lo, hi = hi + 1, 2 * hi
    while lo < hi:
        mid = (lo + hi) // 2
        try:
            search(max_labels=mid)
            hi = mid
        except LimitError:
            lo = mid + 1
    return hi


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_both_engines_make_the_same_labels(data: st.DataObject) -> None:
    """The same work, label for label, pruning on or off: both engines need the same cap to finish (a
    kernel whose queue took labels in another order than the reference's would make other labels)."""
    graph = data.draw(graphs())
    engine = FreightSearch(graph)
    q = data.draw(queries(graph))
    q.pop("max_labels", None)
    for prune in (True, False):
        want = least_cap(lambda p=prune, **cap: pareto_search(graph, **q, **cap, prune=p))
        assert least_cap(lambda p=prune, **cap: engine.search(**q, **cap, prune=p)) == want


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_the_compares_cap_stops_both_engines_alike(data: st.DataObject) -> None:
    graph = data.draw(graphs())
    engine = FreightSearch(graph)
    q = data.draw(queries(graph))
    q["max_compares"] = data.draw(st.integers(0, 60))
    ref, got = both(graph, engine, q)
    assert isinstance(ref, LimitError) == isinstance(got, LimitError)
    if isinstance(ref, LimitError):
        assert str(ref) == str(got) and "compared" in str(ref)
    else:
        assert_same(ref, got)
    del q["max_compares"]
    assert_same(*both(graph, engine, q))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_target_pruning_finds_the_same_journeys_in_both_engines(data: st.DataObject) -> None:
    """Pruning on or off, in either engine: the same journeys, moves included; the kernel's bounds are the
    reference's, to the bit (both add the same amounts from the destination back)."""
    graph = data.draw(graphs())
    engine = FreightSearch(graph)
    for _ in range(3):
        q = data.draw(queries(graph))
        off = pareto_search(graph, **q, prune=False)
        assert_same(off, pareto_search(graph, **q))
        assert_same(off, engine.search(**q))
        assert_same(off, engine.search(**q, prune=False))
        args = (q["destination"], q["finish_mode"], q["handle_at_destination"])
        ref, got = target_bounds(graph, *args), engine.target_bounds(*args)
        assert ref is not None and got is not None  # no negative amounts drawn
        assert np.array_equal(ref.time, got[0])
        assert np.array_equal(ref.cost, got[1]) and np.array_equal(ref.co2, got[2])


def test_pruning_drops_what_cannot_reach_the_destination() -> None:
    """A blow-up (2**k incomparable labels) on a branch that never reaches the destination: without
    pruning both engines run into the label cap, with it neither makes a label there."""
    k = 14
    g = blow_up(k)
    drives = [list(ds) for ds in g.drives] + [[]]
    drives[0].append(Drive(k + 1, 600, 5.0, 5.0, 999))
    g = _graph(k + 2, drives)
    for name in ENGINES:
        search = _engine(name, g)
        with pytest.raises(LimitError):
            search(0, k + 1, 0, max_labels=500, prune=False)
        (j,) = search(0, k + 1, 0, max_labels=500)
        assert (j.arrive_s, j.cost, j.co2) == (600, 5.0, 5.0)


def _graph(n: int, drives: list[list[Drive]]) -> SearchGraph:
    """Terminals ``0..n-1`` joined by truck drives only, handled nowhere: the cargo stays on its truck."""
    return SearchGraph(
        n,
        drives,
        [False] * n,
        *uniform_handling([0] * n, [0.0] * n, [0.0] * n, 1),
        Timetable((), (), (), (), np.zeros(0, np.int32), np.zeros(0, np.int64)),
        [],
        [True] * n,
    )


def blow_up(k: int) -> SearchGraph:
    """A chain of ``k`` hops, each by a cheap dirty or a dear clean drive, scaled by 2**i at hop ``i``.

    The 2**i paths to terminal ``i`` have pairwise different costs that sum with their CO2e to the same
    total: none dominates another, so the bags (and the work of each push) grow without bound.
    """
    drives = [
        [Drive(i + 1, 60, 2.0**i, 10 * 2.0**i, 2 * i), Drive(i + 1, 60, 10 * 2.0**i, 2.0**i, 2 * i + 1)]
        for i in range(k)
    ]
    return _graph(k + 1, [*drives, []])


ENGINES = ["reference", "compiled"]


def _engine(name: str, graph: SearchGraph) -> Callable[..., list[Journey]]:
    if name == "reference":
        return lambda *a, **kw: pareto_search(graph, *a, **kw)
    return FreightSearch(graph).search


def _in_thread(run: Callable[[], object], within_s: float) -> object:
    """What ``run`` returns or raises; the test fails if it runs past ``within_s`` (it is not killed)."""
    out: list[object] = []

    def target() -> None:
        try:
            out.append(run())
        except Exception as e:
            out.append(e)

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(within_s)
    assert not worker.is_alive(), f"the search was still running after {within_s} s"
    return out[0]


@pytest.mark.parametrize("name", ENGINES)
def test_a_search_that_blows_up_stops_at_its_compares_cap(name: str) -> None:
    """The label cap alone let each push compare against a bag of thousands: the work is capped too."""
    search = _engine(name, blow_up(40))
    got = _in_thread(lambda: search(0, 40, 0, max_labels=20_000), within_s=60)
    assert isinstance(got, LimitError) and "compared 1,000,000 labels" in str(got)


def test_both_engines_stop_a_blow_up_at_the_same_work() -> None:
    graph = blow_up(10)
    ref, got = both(
        graph, FreightSearch(graph), {"origin": 0, "destination": 10, "ready_s": 0, "max_compares": 5_000}
    )
    assert isinstance(ref, LimitError) and str(ref) == str(got)
    # the whole front when the caps allow it: 2**10 journeys, none dominating another
    ref, got = both(graph, FreightSearch(graph), {"origin": 0, "destination": 10, "ready_s": 0})
    assert len(ref) == 2**10
    assert_same(ref, got)


@pytest.mark.parametrize("name", ENGINES)
def test_a_deadline_stops_a_search_without_caps(name: str) -> None:
    search = _engine(name, blow_up(60))
    deadline = Deadline(0.3)
    started = time.monotonic()
    got = _in_thread(
        lambda: search(0, 60, 0, max_labels=10**12, max_compares=10**15, deadline=deadline), within_s=30
    )
    assert isinstance(got, SearchTimeout) and got.seconds == 0.3
    assert "time limit of 0.3 s" in str(got) and "due time" in str(got)
    assert time.monotonic() - started >= 0.3
    # a passed deadline stops the next search at once: the limit is the query's, not one search's
    again = _in_thread(lambda: search(0, 1, 0, deadline=deadline), within_s=5)
    assert isinstance(again, SearchTimeout)


@pytest.mark.parametrize("name", ENGINES)
def test_a_search_stops_when_another_thread_cancels_it(name: str) -> None:
    search = _engine(name, blow_up(60))
    deadline = Deadline()
    threading.Timer(0.2, deadline.cancel).start()
    got = _in_thread(
        lambda: search(0, 60, 0, max_labels=10**12, max_compares=10**15, deadline=deadline), within_s=30
    )
    assert isinstance(got, SearchTimeout) and got.seconds is None and "cancelled" in str(got)


def test_labels_with_non_finite_criteria_are_not_made() -> None:
    """NaN compares false to everything: such labels dominated nothing and cycled until the cap."""
    nan, inf = math.nan, math.inf
    drives = [
        [Drive(1, 60, nan, 1.0, 0), Drive(3, 600, 5.0, 5.0, 1), Drive(2, 60, 1.0, inf, 2)],
        [Drive(2, 60, 1.0, 1.0, 3), Drive(3, 60, 1.0, 1.0, 4)],
        [Drive(1, 60, 1.0, 1.0, 5), Drive(3, 60, 1.0, 1.0, 6)],
        [],
    ]
    graph = _graph(4, drives)
    ref, got = both(
        graph, FreightSearch(graph), {"origin": 0, "destination": 3, "ready_s": 0, "max_labels": 1000}
    )
    assert not isinstance(ref, LimitError), ref
    assert [(j.arrive_s, j.cost, j.co2) for j in ref] == [(600, 5.0, 5.0)]
    assert_same(ref, got)


def test_a_time_past_never_makes_no_label() -> None:
    """A drive of 1e308 km takes longer than any journey: no label, and no int64 overflow in the kernel."""
    drives = [[Drive(1, 10**400, 1.0, 1.0, 0), Drive(1, 3600, 9.0, 9.0, 1)], []]
    graph = _graph(2, drives)
    ref, got = both(graph, FreightSearch(graph), {"origin": 0, "destination": 1, "ready_s": 0})
    assert [(j.arrive_s, j.cost) for j in ref] == [(3600, 9.0)]
    assert_same(ref, got)


def test_a_yard_start_boards_the_first_trip_it_can_make() -> None:
    """Cargo in the yard at 0 with a 600 s cut-off: the trip at 0 is missed, the one at 1800 taken."""
    tt = Timetable(
        services=cast(Any, (0,)),
        stops=(np.array([0, 1], dtype=np.int32),),
        arrive_s=(np.array([0, 3600], dtype=np.int64),),
        depart_s=(np.array([0, 3600], dtype=np.int64),),
        trip_service=np.array([0, 0, 0], dtype=np.int32),
        trip_start=np.array([0, 1800, 7200], dtype=np.int64),
    )
    rail = 1
    handle = np.zeros((2, 2, 2), dtype=np.int64)
    handle[1, rail, ROAD] = 900
    graph = SearchGraph(
        n=2,
        drives=[[], []],
        handle_ok=[True, True],
        handle_s=handle,
        handle_cost=np.full((2, 2, 2), 5.0),
        handle_co2=np.full((2, 2, 2), 1.0),
        timetable=tt,
        services=[ServiceRules(rail, True, 600, 10.0, [20.0], [3.0], [0, 0], [0, 0])],
        truck_ok=[False, True],
    )
    got = FreightSearch(graph).search(0, 1, 0, start_mode=None)
    assert got == pareto_search(graph, 0, 1, 0, start_mode=None)
    (j,) = got
    assert (j.arrive_s, j.cost, j.co2) == (1800 + 3600 + 900, 35.0, 4.0)
    assert [m.kind for m in j.moves] == ["board", "ride", "alight"]
    assert j.moves[0].ref == 1 and (j.moves[-1].from_mode, j.moves[-1].to_mode) == (rail, ROAD)


def test_a_closed_terminal_and_a_stop_without_drop_off() -> None:
    """A walk is the only way when the train may not drop off, and handling waits for the terminal to open."""
    tt = Timetable(
        services=cast(Any, (0,)),
        stops=(np.array([0, 1, 2], dtype=np.int32),),
        arrive_s=(np.array([0, 600, 1200], dtype=np.int64),),
        depart_s=(np.array([0, 600, 1200], dtype=np.int64),),
        trip_service=np.array([0], dtype=np.int32),
        trip_start=np.array([0], dtype=np.int64),
        alight_ok=(np.array([True, False, True]),),
    )
    rail = 2
    graph = SearchGraph(
        n=3,
        drives=[[], [], [Drive(1, 300, 0.0, 0.0, 7, mode=WALK)]],
        handle_ok=[True, True, True],
        handle_s=np.zeros((3, 3, 3), dtype=np.int64),
        handle_cost=np.zeros((3, 3, 3)),
        handle_co2=np.zeros((3, 3, 3)),
        timetable=tt,
        services=[ServiceRules(rail, True, 0, 1.0, [1.0, 1.0], [1.0, 1.0], [0, 0, 0], [0, 0, 0])],
        truck_ok=[False, False, False],
        open_s=[None, None, np.array([[3000, 4000]], dtype=np.int64)],
    )
    engine = FreightSearch(graph)
    got = engine.search(0, 1, 0, start_mode=None, finish_mode=WALK)
    assert got == pareto_search(graph, 0, 1, 0, start_mode=None, finish_mode=WALK)
    (j,) = got
    assert [m.kind for m in j.moves] == ["board", "ride", "ride", "alight", "load", "drive"]
    assert j.moves[3].end_s == 3000  # unloaded at 1200, handled when the terminal opens
    assert j.arrive_s == 3300
    # past the last opening window the terminal never opens: no way at all
    assert engine.search(0, 1, 4000 - 1200 + 1, start_mode=None, finish_mode=WALK) == []


def test_bad_arguments_are_refused() -> None:
    graph = SearchGraph(
        n=2,
        drives=[[Drive(1, 60, 1.0, 1.0, 0, mode=3)], []],
        handle_ok=[True, True],
        handle_s=np.zeros((2, 2, 2), dtype=np.int64),
        handle_cost=np.zeros((2, 2, 2)),
        handle_co2=np.zeros((2, 2, 2)),
        timetable=Timetable((), (), (), (), np.zeros(0, np.int32), np.zeros(0, np.int64)),
        services=[],
        truck_ok=[True, True],
    )
    with pytest.raises(ValueError, match="mode"):
        FreightSearch(graph)
    ok = FreightSearch(SearchGraph(**{**graph.__dict__, "drives": [[Drive(1, 60, 1.0, 1.0, 0)], []]}))
    with pytest.raises(IndexError):
        ok.search(0, 2, 0)
    with pytest.raises(IndexError):
        ok.search(0, 1, 0, start_mode=2)


@pytest.fixture(scope="module")
def chongqing() -> Any:
    from intermodal.io.scenarios import load_scenario

    return load_scenario("chongqing")


@pytest.mark.parametrize("cargo", ["general", "reefer"])
def test_the_chongqing_scenario_gives_the_same_answers(chongqing: Any, cargo: str) -> None:
    """The planner's graph for the embedded scenario, searched between random terminals by both engines."""
    import intermodal as im
    from intermodal.planners.places import Place
    from intermodal.planners.routing import _Network

    rng = np.random.default_rng(20200403)
    ids = list(chongqing.terminals)
    compared = found = 0
    for ready in ("2020-04-03T08:00+08:00", "2020-04-14T22:30+08:00"):
        shipment = im.make_shipment(chongqing, teu=2, cargo=cargo, ready=ready)
        # one network for the shipment; its graph serves every origin and destination
        first = Place(ids[0], terminal_id=ids[0])
        net = _Network(chongqing, shipment, first, Place(ids[1], terminal_id=ids[1]))
        ready_s = int(net.shipment.ready.timestamp())
        net.expand(ready_s, ready_s + 30 * 86400)
        graph = net.graph
        engine = FreightSearch(graph)
        for _ in range(15):
            a, b = (int(x) for x in rng.choice(len(ids), size=2, replace=False))
            t = ready_s + int(rng.integers(0, 3 * 86400))
            due = None if rng.random() < 0.5 else t + int(rng.integers(1, 12)) * 86400
            q: dict[str, Any] = {
                "origin": a,
                "destination": b,
                "ready_s": t,
                "due_s": due,
                # as the planner asks: door to door where the terminals take trucks
                "start_mode": ROAD if graph.truck_ok[a] else None,
                "handle_at_destination": bool(graph.truck_ok[b]),
            }
            ref, got = both(graph, engine, q)
            assert not isinstance(ref, LimitError) and not isinstance(got, LimitError)
            assert_same(ref, got)
            # pruning by the target bounds changes nothing on the planner's own graph either
            assert_same(ref, engine.search(**q, prune=False))
            compared += 1
            found += bool(ref)
    assert found >= compared // 2  # the comparison is not of empty answers


def test_threads_share_one_engine(chongqing: Any) -> None:
    """Searches running at once on one instance each borrow their own scratch array: answers do not mix."""
    from concurrent.futures import ThreadPoolExecutor

    import intermodal as im
    from intermodal.planners.places import Place
    from intermodal.planners.routing import _Network

    ids = list(chongqing.terminals)
    shipment = im.make_shipment(chongqing, teu=1, cargo="general", ready="2020-04-06T09:00+08:00")
    net = _Network(chongqing, shipment, Place(ids[0], terminal_id=ids[0]), Place(ids[1], terminal_id=ids[1]))
    ready_s = int(net.shipment.ready.timestamp())
    net.expand(ready_s, ready_s + 30 * 86400)
    engine = FreightSearch(net.graph)
    pairs = [(a, b) for a in range(len(ids)) for b in range(len(ids)) if a != b][::17]

    def one(pair: tuple[int, int]) -> list[Journey]:
        return engine.search(*pair, ready_s, start_mode=ROAD if net.graph.truck_ok[pair[0]] else None)

    alone = [one(p) for p in pairs]
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(one, pairs))
    assert together == alone
    assert any(alone)


def test_a_walker_cannot_skip_the_change_time_on_the_spot() -> None:
    """The reference's regression case (tests/engines/test_reference.py), compiled: a free walk out of a
    station does not turn a 10-min change into none."""
    tt = Timetable(
        services=cast(Any, (0, 1, 2)),
        stops=(np.array([0, 1], dtype=np.int32), np.array([1, 2], dtype=np.int32), np.array([1, 2])),
        arrive_s=(np.array([0, 1800]), np.array([0, 600]), np.array([0, 600])),
        depart_s=(np.array([0, 1800]), np.array([0, 600]), np.array([0, 600])),
        trip_service=np.array([0, 1, 2], dtype=np.int32),
        trip_start=np.array([0, 1860, 3600], dtype=np.int64),
    )
    s, c, e = uniform_handling([600] * 4, [0.0] * 4, [0.0] * 4, 3)
    s[:, 2, :] = s[:, :, 2] = 0
    g = SearchGraph(
        n=4,
        drives=[[], [Drive(3, 300, 0.0, 0.0, 0, mode=2)], [], [Drive(1, 300, 0.0, 0.0, 1, mode=2)]],
        handle_ok=[True] * 4,
        handle_s=s,
        handle_cost=c,
        handle_co2=e,
        timetable=tt,
        services=[ServiceRules(1, True, 0, 0.0, [1.0], [1.0], [0, 0], [0, 0]) for _ in range(3)],
        truck_ok=[False] * 4,
    )
    (j,) = FreightSearch(g).search(0, 2, 0, start_mode=None, handle_at_destination=False)
    assert j.arrive_s == 4200
    assert [j] == pareto_search(g, 0, 2, 0, start_mode=None, handle_at_destination=False)


def test_warm_up_loads_the_kernel() -> None:
    from intermodal.engines.freight import is_warm, warm_up

    warm_up()
    assert is_warm()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_search_many_finds_what_each_search_finds(data: st.DataObject) -> None:
    """One pass to many destinations (with one due time each) against a search per destination, in both
    engines: the same criteria; moves that follow each other and add up."""
    graph = data.draw(graphs())
    engine = FreightSearch(graph)
    q = data.draw(queries(graph))
    del q["destination"]
    dests = data.draw(st.lists(st.integers(0, graph.n - 1), min_size=1, max_size=graph.n))
    dues = [
        data.draw(st.one_of(st.none(), st.integers(0, 60).map(lambda h: q["ready_s"] + h * 1800)))
        for _ in dests
    ]
    q["due_s"] = dues
    many_ref = pareto_search_many(graph, destinations=dests, **q)
    many = engine.search_many(destinations=dests, **q)
    for d, due, ref, got in zip(dests, dues, many_ref, many, strict=True):
        one = {**q, "due_s": due}
        expected = criteria(pareto_search(graph, destination=d, **one))
        assert criteria(ref) == expected
        assert criteria(got) == expected
        for j in got:
            check_moves(graph, j, q["ready_s"], q.get("trip_price"), q.get("closed"))


def test_search_many_refuses_bad_arguments() -> None:
    engine = FreightSearch(_graph(2, [[Drive(1, 60, 1.0, 1.0, 0)], []]))
    with pytest.raises(ValueError, match="one due time per destination"):
        engine.search_many(0, [1, 1], 0, due_s=[5])
    with pytest.raises(IndexError, match="destination 7"):
        engine.search_many(0, [7], 0)
    assert engine.search_many(0, [], 0) == []
