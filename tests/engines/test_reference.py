"""The reference search against brute force on small random networks (hypothesis).

Brute force walks every simple path through the same states (truck, yard, aboard) and boards *every*
feasible trip, not only the first, then keeps the Pareto set. The label-setting search must find the same
set of (arrival, cost, CO2e) vectors.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intermodal.engines.reference import Drive, SearchGraph, ServiceRules, pareto_search
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


@st.composite
def networks(draw: Any) -> tuple[SearchGraph, int, int]:
    n = draw(st.integers(3, 5))
    drives: list[list[Drive]] = [[] for _ in range(n)]
    for ref in range(draw(st.integers(0, 6))):
        u, v = draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))
        if u == v:
            continue
        drives[u].append(
            Drive(
                v,
                draw(st.integers(1, 20)) * 600,
                float(draw(st.integers(0, 50))),
                float(draw(st.integers(0, 50))),
                ref,
                pre_s=draw(st.sampled_from([0, 0, 1800])),
                post_s=draw(st.sampled_from([0, 0, 1200])),
            )
        )
    stops, arrive, depart, rules = [], [], [], []
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
        rules.append(
            ServiceRules(
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
    )
    graph = SearchGraph(
        n=n,
        drives=drives,
        handle_ok=[draw(st.booleans()) for _ in range(n)],
        handle_s=[draw(st.integers(0, 4)) * 600 for _ in range(n)],
        handle_cost=[float(draw(st.integers(0, 20))) for _ in range(n)],
        handle_co2=[float(draw(st.integers(0, 5))) for _ in range(n)],
        timetable=tt,
        services=rules,
        truck_ok=[draw(st.booleans()) for _ in range(n)],
        open_s=[draw(opening_hours()) for _ in range(n)],
    )
    origin, dest = draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))
    return graph, origin, dest


def brute_force(g: SearchGraph, origin: int, dest: int, ready: int) -> set[tuple[int, float, float]]:
    tt = g.timetable
    found: list[tuple[int, float, float]] = []

    def walk(
        key: tuple[int, ...], t: int, cost: float, co2: float, seen: set[tuple[int, ...]], boarded: bool
    ) -> None:
        state, u = key[0], key[1]
        nxt: list[tuple[tuple[int, ...], int, float, float, bool]] = []
        if state == 0:  # truck
            if u == dest:
                found.append((t, cost, co2))
                return
            for d in g.drives[u]:
                nxt.append(
                    ((0, d.to), t + d.pre_s + d.duration_s + d.post_s, cost + d.cost, co2 + d.co2, False)
                )
            opened = opens_at(g.open_s[u], t) if g.open_s else t
            if g.handle_ok[u] and opened is not None:
                nxt.append(
                    ((1, u), opened + g.handle_s[u], cost + g.handle_cost[u], co2 + g.handle_co2[u], False)
                )
        elif state == 1:  # yard
            if u == dest:
                found.append((t, cost, co2))
                return
            if g.truck_ok[u] and g.drives[u]:
                nxt.append(((0, u), t, cost, co2, False))
            for k in range(tt.n_trips):
                s = int(tt.trip_service[k])
                r = g.services[s]
                for j in range(len(tt.stops[s]) - 1):
                    dep = int(tt.trip_start[k] + tt.depart_s[s][j])
                    if int(tt.stops[s][j]) == u and r.usable and t + r.board_clear_s[j] + r.cutoff_s <= dep:
                        nxt.append(((2, k, j), dep, cost + r.fare_cost, co2, True))
        else:
            k, j = key[1], key[2]
            s = int(tt.trip_service[k])
            r = g.services[s]
            here = int(tt.stops[s][j])
            opened = (
                opens_at(g.open_s[here], t + r.alight_clear_s[j]) if g.open_s else t + r.alight_clear_s[j]
            )
            if not boarded and g.handle_ok[here] and opened is not None:
                t1 = opened + g.handle_s[here]
                nxt.append(((1, here), t1, cost + g.handle_cost[here], co2 + g.handle_co2[here], False))
            if j + 1 < len(tt.stops[s]):
                t1 = int(tt.trip_start[k] + tt.arrive_s[s][j + 1])
                nxt.append(((2, k, j + 1), t1, cost + r.hop_cost[j], co2 + r.hop_co2[j], False))
        for key2, t2, c2, e2, b2 in nxt:
            if key2 not in seen:
                walk(key2, t2, c2, e2, seen | {key2}, b2)

    walk((0, origin), ready, 0.0, 0.0, {(0, origin)}, False)
    front = set()
    for a in found:
        if not any(b != a and b[0] <= a[0] and b[1] <= a[1] and b[2] <= a[2] for b in found):
            front.add(a)
    return front


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_reference_search_equals_brute_force(case: tuple[SearchGraph, int, int]) -> None:
    graph, origin, dest = case
    journeys = pareto_search(graph, origin, dest, 0)
    got = {(j.arrive_s, j.cost, j.co2) for j in journeys}
    assert got == brute_force(graph, origin, dest, 0)
    for j in journeys:  # each journey's moves run forward in time
        assert all(a.start_s <= a.end_s for a in j.moves)


def test_a_later_trip_never_beats_the_first_one() -> None:
    """Two trips of one service: the search boards the first it can make."""
    tt = Timetable(
        services=cast(Any, (0,)),
        stops=(np.array([0, 1], dtype=np.int32),),
        arrive_s=(np.array([0, 3600], dtype=np.int64),),
        depart_s=(np.array([0, 3600], dtype=np.int64),),
        trip_service=np.array([0, 0], dtype=np.int32),
        trip_start=np.array([1800, 7200], dtype=np.int64),
    )
    g = SearchGraph(
        n=2,
        drives=[[], []],
        handle_ok=[True, True],
        handle_s=[600, 0],
        handle_cost=[1.0, 0.0],
        handle_co2=[0.0, 0.0],
        timetable=tt,
        services=[ServiceRules(True, 0, 5.0, [10.0], [2.0], [0, 0], [0, 0])],
        truck_ok=[True, True],
    )
    (j,) = pareto_search(g, 0, 1, 0)
    assert j.arrive_s == 1800 + 3600 and j.cost == 16.0
