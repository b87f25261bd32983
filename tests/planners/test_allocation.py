"""The assignment program with trip costs and groups of identical orders, against exhaustive enumeration."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intermodal.planners.allocation import (
    Candidate,
    ColumnGeneration,
    SolveProgress,
    first_come,
    objective_of,
    solve_assignment,
)


def _brute_force(teu, kg, penalty, candidates, room_teu, room_kg, trip_cost):  # type: ignore[no-untyped-def]
    """The cheapest choice of one candidate or nothing per order, trips paid once, by trying every one."""
    by_order = [[i for i, c in enumerate(candidates) if c.order == o] + [-1] for o in range(len(teu))]
    best = math.inf
    for choice in itertools.product(*by_order):
        used_teu: dict[str, float] = {}
        used_kg: dict[str, float] = {}
        for o, k in enumerate(choice):
            for ref in candidates[k].departures if k >= 0 else ():
                used_teu[ref] = used_teu.get(ref, 0.0) + teu[o]
                used_kg[ref] = used_kg.get(ref, 0.0) + kg[o]
        fits = all(used_teu[r] <= room_teu[r] + 1e-9 for r in used_teu) and all(
            used_kg[r] <= room_kg[r] + 1e-6 for r in used_kg if r in room_kg
        )
        if fits:
            total = sum(candidates[k].cost if k >= 0 else penalty[o] for o, k in enumerate(choice))
            total += sum(trip_cost.get(r, 0.0) for r in used_teu)
            best = min(best, total)
    return best


@st.composite
def instances(draw):  # type: ignore[no-untyped-def]
    """Up to 8 orders and 6 departures; some departures cost a trip, some orders repeat another exactly."""
    n_deps = draw(st.integers(1, 6))
    refs = [f"d{j}" for j in range(n_deps)]
    teu: list[float] = []
    kg: list[float] = []
    penalty: list[float] = []
    candidates: list[Candidate] = []
    n_orders = draw(st.integers(1, 8))
    for o in range(n_orders):
        if o and draw(st.booleans()):
            # the same order again: the program groups the two, and must find what enumeration finds
            twin = draw(st.integers(0, o - 1))
            teu.append(teu[twin])
            kg.append(kg[twin])
            penalty.append(penalty[twin])
            candidates += [Candidate(o, c.departures, c.cost) for c in candidates if c.order == twin]
            continue
        teu.append(draw(st.sampled_from([1.0, 2.0, 4.0])))
        kg.append(teu[-1] * draw(st.integers(5_000, 14_000)))
        penalty.append(draw(st.integers(0, 60_000)) * 1.0)
        for _ in range(draw(st.integers(0, 3))):
            deps = tuple(sorted(draw(st.sets(st.sampled_from(refs), min_size=1, max_size=3))))
            candidates.append(Candidate(o, deps, float(draw(st.integers(1_000, 50_000)))))
    room_teu = {r: float(draw(st.sampled_from([0, 2, 4, 6]))) for r in refs}
    room_kg = {r: float(draw(st.integers(10_000, 60_000))) for r in refs if draw(st.booleans())}
    trip_cost = {r: float(draw(st.sampled_from([0, 3_000, 20_000]))) for r in refs}
    return teu, kg, penalty, candidates, room_teu, room_kg, trip_cost


@settings(max_examples=150, deadline=None)
@given(instances())
def test_trip_costs_and_grouped_orders_find_what_enumeration_finds(instance) -> None:  # type: ignore[no-untyped-def]
    teu, kg, penalty, candidates, room_teu, room_kg, trip_cost = instance
    start = first_come(teu, kg, candidates, room_teu, room_kg, trip_cost)
    solved = solve_assignment(
        teu, kg, penalty, [False] * len(teu), candidates, room_teu, room_kg, trip_cost=trip_cost, start=start
    )
    assert solved.status == "optimal" and solved.gap is not None and solved.gap <= 1e-4
    best = _brute_force(teu, kg, penalty, candidates, room_teu, room_kg, trip_cost)
    assert solved.objective == pytest.approx(best, abs=1e-6)
    assert solved.objective <= objective_of(start, candidates, penalty, trip_cost) + 1e-6
    assert solved.lp_bound is not None and solved.lp_bound <= solved.objective + 1e-6
    # whole orders, each once; no departure over its room; the trips run are those the answer rides
    for o in range(len(teu)):
        mine = [s for s, c in zip(solved.shares, candidates, strict=True) if c.order == o]
        assert all(s in (0.0, 1.0) for s in mine) and sum(mine) + solved.left[o] == pytest.approx(1.0)
    ridden = set()
    for ref, room in room_teu.items():
        riders = [(s, c) for s, c in zip(solved.shares, candidates, strict=True) if ref in c.departures and s]
        assert sum(s * teu[c.order] for s, c in riders) <= room + 1e-6
        if riders and trip_cost[ref] > 0:
            ridden.add(ref)
    assert set(solved.trips) == ridden


def test_a_trip_cost_puts_two_one_teu_orders_on_one_truck() -> None:
    # two 1-TEU orders, two 2-TEU trucks at 5,000 a trip: per TEU b is cheaper for order 1, but one truck is
    candidates = [
        Candidate(0, ("a",), 100.0),
        Candidate(1, ("a",), 300.0),
        Candidate(1, ("b",), 100.0),
    ]
    trips = {"a": 5_000.0, "b": 5_000.0}
    start = first_come([1.0, 1.0], [1.0, 1.0], candidates, {"a": 2, "b": 2}, {}, trips)
    assert start == [0, 1]  # first come prices b's trip to order 1, and a is already running
    solved = solve_assignment(
        [1.0, 1.0], [1.0, 1.0], [1e6, 1e6], [False, False], candidates, {"a": 2, "b": 2}, {}, trip_cost=trips
    )
    assert solved.trips == ("a",) and solved.objective == pytest.approx(100 + 300 + 5_000)


def test_identical_orders_are_one_group_dealt_back_whole() -> None:
    # five identical 2-TEU orders, a 6-TEU departure and a dear 10-TEU one: three on the cheap one
    candidates = [
        Candidate(o, (d,), cost) for o in range(5) for d, cost in (("cheap", 100.0), ("dear", 900.0))
    ]
    seen: list[SolveProgress] = []
    solved = solve_assignment(
        [2.0] * 5, [1.0] * 5, [5_000.0] * 5, [False] * 5, candidates, {"cheap": 6, "dear": 10}, {},
        progress=seen.append,
    )  # fmt: skip
    assert solved.groups == 1 and solved.status == "optimal"
    assert solved.objective == pytest.approx(3 * 100 + 2 * 900)
    on_cheap = [s for s, c in zip(solved.shares, candidates, strict=True) if c.departures == ("cheap",)]
    assert sorted(on_cheap) == [0.0, 0.0, 1.0, 1.0, 1.0]
    assert all(p.gap is None or p.gap >= 0 for p in seen)


def test_split_orders_in_a_group_are_dealt_in_shares() -> None:
    # three identical 2-TEU orders that may split, 5 TEU of room: 2.5 orders carried, half of one left
    candidates = [Candidate(o, ("a",), 100.0) for o in range(3)]
    solved = solve_assignment([2.0] * 3, [1.0] * 3, [1_000.0] * 3, [True] * 3, candidates, {"a": 5}, {})
    assert sum(solved.shares) == pytest.approx(2.5) and sum(solved.left) == pytest.approx(0.5)
    assert all(s + lf == pytest.approx(1.0) for s, lf in zip(solved.shares, solved.left, strict=True))
    assert solved.objective == pytest.approx(2.5 * 100 + 0.5 * 1_000)


def test_an_empty_book_is_planned_as_nothing() -> None:
    solved = solve_assignment([], [], [], [], [], {}, {})
    assert solved.objective == 0 and solved.shares == () and solved.status == "optimal"


# --- column generation -------------------------------------------------------------------------------------


def _brute_with_plugs(teu, kg, reefer, penalty, pool, room_teu, room_kg, room_plugs, trip_cost):  # type: ignore[no-untyped-def]
    """The cheapest whole-order choice over the full pool, with reefer plugs, by trying every one."""
    by_order = [[i for i, c in enumerate(pool) if c.order == o] + [-1] for o in range(len(teu))]
    best = math.inf
    for choice in itertools.product(*by_order):
        used_teu: dict[str, float] = {}
        used_kg: dict[str, float] = {}
        used_plugs: dict[str, float] = {}
        for o, k in enumerate(choice):
            for ref in pool[k].departures if k >= 0 else ():
                used_teu[ref] = used_teu.get(ref, 0.0) + teu[o]
                used_kg[ref] = used_kg.get(ref, 0.0) + kg[o]
                used_plugs[ref] = used_plugs.get(ref, 0.0) + (teu[o] if reefer[o] else 0.0)
        fits = (
            all(used_teu[r] <= room_teu[r] + 1e-9 for r in used_teu)
            and all(used_kg[r] <= room_kg[r] + 1e-6 for r in used_kg if r in room_kg)
            and all(used_plugs[r] <= room_plugs[r] + 1e-9 for r in used_plugs if r in room_plugs)
        )
        if fits:
            total = sum(pool[k].cost if k >= 0 else penalty[o] for o, k in enumerate(choice))
            total += sum(trip_cost.get(r, 0.0) for r in used_teu)
            best = min(best, total)
    return best


class _Oracle:
    """Exact pricing by enumeration: each order's pool re-ranked by cost plus the departures' prices."""

    def __init__(self, pool: list[Candidate]) -> None:
        self.pool = pool
        self.calls: list[tuple[tuple[int, ...], dict[str, float]]] = []

    def __call__(self, orders, departure_prices, *, up_to=None, below=None):  # type: ignore[no-untyped-def]
        self.calls.append((tuple(orders), dict(departure_prices)))
        out = []
        for o in orders:
            mine = [c for c in self.pool if c.order == o]

            def priced(c: Candidate) -> float:
                return c.cost + sum(departure_prices.get(r, 0.0) for r in set(c.departures))

            if up_to is None:
                out += sorted(mine, key=priced)[:1]
            else:
                out += [c for c in mine if priced(c) <= up_to]
        return out


@st.composite
def pooled_instances(draw):  # type: ignore[no-untyped-def]
    """Up to 8 orders and 6 departures, trip costs and reefer plugs; each order's pool, and a start subset."""
    teu, kg, penalty, pool, room_teu, room_kg, trip_cost = draw(instances())
    reefer = [draw(st.booleans()) for _ in teu]
    room_plugs = {r: float(draw(st.sampled_from([0, 2, 4]))) for r in room_teu if draw(st.booleans())}
    # the search starts from a part of each order's pool (maybe none of it): pricing must find the rest
    start = [c for c in pool if draw(st.booleans())]
    return teu, kg, reefer, penalty, pool, start, room_teu, room_kg, room_plugs, trip_cost


def _holds_over_the_pool(solved, best, pool, start, teu, reefer, room_plugs) -> None:  # type: ignore[no-untyped-def]
    """What column generation's answer must satisfy against the enumeration's ``best`` over the pool."""
    report = solved.columns
    assert solved.bound is not None and solved.bound <= best + 1e-6 and solved.gap is not None
    assert solved.lp_bound is not None and solved.lp_bound <= best + 1e-6
    # every column is the start's or one the pricing added, and the answer is one the enumeration allows
    assert len(solved.candidates) == len(start) + report.added + report.completed
    assert set(solved.candidates) <= set(pool)
    for o in range(len(teu)):
        mine = [s for s, c in zip(solved.shares, solved.candidates, strict=True) if c.order == o]
        assert all(s in (0.0, 1.0) for s in mine) and sum(mine) + solved.left[o] == pytest.approx(1.0)
    for ref, plugs in room_plugs.items():
        cold = sum(
            s * teu[c.order]
            for s, c in zip(solved.shares, solved.candidates, strict=True)
            if ref in c.departures and reefer[c.order]
        )
        assert cold <= plugs + 1e-6


@settings(max_examples=120, deadline=None)
@given(pooled_instances())
def test_column_generation_from_a_subset_finds_the_optimum_over_the_full_pool(instance) -> None:  # type: ignore[no-untyped-def]
    teu, kg, reefer, penalty, pool, start, room_teu, room_kg, room_plugs, trip_cost = instance
    oracle = _Oracle(pool)
    solved = solve_assignment(
        teu, kg, penalty, [False] * len(teu), start, dict(room_teu), dict(room_kg),
        trip_cost=dict(trip_cost), reefer=reefer, room_reefer=dict(room_plugs),
        columns=ColumnGeneration(oracle, scope="the pool"),
    )  # fmt: skip
    best = _brute_with_plugs(teu, kg, reefer, penalty, pool, room_teu, room_kg, room_plugs, trip_cost)
    assert solved.objective == pytest.approx(best, abs=1e-6)
    report = solved.columns
    assert report is not None and report.converged and solved.status == "optimal"
    _holds_over_the_pool(solved, best, pool, start, teu, reefer, room_plugs)


@settings(max_examples=60, deadline=None)
@given(pooled_instances(), st.data())
def test_warm_rounds_and_threads_change_nothing_but_the_work(instance, data) -> None:  # type: ignore[no-untyped-def]
    teu, kg, reefer, penalty, pool, start, room_teu, room_kg, room_plugs, trip_cost = instance
    # a warm pricing over part of the pool (what a search found so far), priced in two threads in a shuffled
    # order: the exact rounds still find the optimum over the full pool, and prove it
    part = [c for c in pool if data.draw(st.booleans())]
    rank = {o: data.draw(st.integers(0, 100)) for o in range(len(teu))}
    exact = _Oracle(pool)
    columns = ColumnGeneration(
        exact, scope="the pool", warm=_Oracle(part), threads=2, order=lambda members: rank[members[0]]
    )
    solved = solve_assignment(
        teu, kg, penalty, [False] * len(teu), start, dict(room_teu), dict(room_kg),
        trip_cost=dict(trip_cost), reefer=reefer, room_reefer=dict(room_plugs), columns=columns,
    )  # fmt: skip
    best = _brute_with_plugs(teu, kg, reefer, penalty, pool, room_teu, room_kg, room_plugs, trip_cost)
    assert solved.objective == pytest.approx(best, abs=1e-6)
    report = solved.columns
    assert report is not None and report.converged and solved.status == "optimal"
    # the exact pricing ran: only its rounds prove convergence
    assert exact.calls
    _holds_over_the_pool(solved, best, pool, start, teu, reefer, room_plugs)


def test_pricing_rounds_report_first_come_against_their_bound() -> None:
    # two 2-TEU orders, room for one on a: the first round prices a and adds each order's way on b
    pool = [Candidate(o, (d,), cost) for o in range(2) for d, cost in (("a", 100.0), ("b", 300.0))]
    seen: list[SolveProgress] = []
    solved = solve_assignment(
        [2.0, 2.0], [1.0, 1.0], [1e6, 1e6], [False, False], [c for c in pool if c.departures == ("a",)],
        {"a": 3, "b": 10}, {}, columns=ColumnGeneration(_Oracle(pool)), start=[0, -1], progress=seen.append,
    )  # fmt: skip
    pricing = [p for p in seen if p.phase == "pricing"]
    assert pricing and pricing[0].rounds == 1
    # the incumbent is first come's (one order left behind); the bound, the round's Lagrangian one, is below
    assert pricing[0].objective == pytest.approx(100 + 1e6)
    assert pricing[0].bound is not None and pricing[0].bound <= solved.objective + 1e-6
    assert pricing[0].gap == pytest.approx((pricing[0].objective - pricing[0].bound) / pricing[0].objective)


def test_a_full_departure_is_priced_at_what_its_room_saves() -> None:
    # 3 TEU on a for two 2-TEU orders: order 1 rides half on a, half on b (300); one more TEU on a would
    # move half of order 1 off b, saving 100: a's price is 100 a TEU, 200 for a 2-TEU order
    pool = [Candidate(0, ("a",), 100.0), Candidate(0, ("b",), 500.0), Candidate(1, ("a",), 100.0),
            Candidate(1, ("b",), 300.0)]  # fmt: skip
    oracle = _Oracle(pool)
    solved = solve_assignment(
        [2.0, 2.0], [1.0, 1.0], [1e6, 1e6], [False, False], pool, {"a": 3, "b": 10}, {},
        columns=ColumnGeneration(oracle),
    )  # fmt: skip
    assert solved.lp_bound == pytest.approx(100 + 0.5 * 100 + 0.5 * 300)
    assert oracle.calls and all(prices == pytest.approx({"a": 200.0}) for _, prices in oracle.calls[:2])
    # the LP bound is not the answer: one order rides b whole; the gap is closed by the integer solve
    assert solved.objective == pytest.approx(400.0) and solved.status == "optimal"
    assert solved.columns is not None and solved.columns.converged and solved.columns.added == 0


def test_reefer_plugs_are_a_row_of_their_own_and_priced() -> None:
    # a has 10 TEU but plugs for 2: one reefer order on a, the other on b; a general order still rides a
    pool = [Candidate(o, ("a",), 100.0) for o in range(3)] + [Candidate(o, ("b",), 400.0) for o in range(3)]
    oracle = _Oracle(pool)
    solved = solve_assignment(
        [2.0, 2.0, 2.0], [1.0] * 3, [1e6] * 3, [False] * 3, pool, {"a": 10, "b": 10}, {},
        reefer=[True, True, False], room_reefer={"a": 2.0}, columns=ColumnGeneration(oracle),
    )  # fmt: skip
    assert solved.objective == pytest.approx(100 + 400 + 100)
    assert solved.shares[2] == 1.0  # the general order on a
    by_group = {orders: prices for orders, prices in oracle.calls}
    # the reefer orders pay for a's plugs (300 saved by one more), the general order pays nothing
    assert by_group[(0, 1)] == pytest.approx({"a": 300.0}) and by_group[(2,)] == {}
    assert first_come([2.0] * 3, [1.0] * 3, pool, {"a": 10, "b": 10}, {}, reefer=[True, True, False],
                      room_reefer={"a": 2.0}) == [0, 4, 2]  # fmt: skip


def test_a_pricing_cut_short_proves_no_bound_over_its_scope() -> None:
    # a heuristic pricing (not exact) stopped after one round proves nothing beyond its columns
    pool = [
        Candidate(o, (d,), cost) for o in range(4) for d, cost in (("a", 100.0), ("b", 300.0), ("c", 50.0))
    ]
    oracle = _Oracle(pool)
    solved = solve_assignment(
        [2.0] * 4, [1.0] * 4, [1e4] * 4, [False] * 4, [c for c in pool if c.departures == ("b",)],
        {"a": 4, "b": 8, "c": 2}, {},
        columns=ColumnGeneration(oracle, exact=False, max_iterations=1, scope="the pool"),
    )  # fmt: skip
    report = solved.columns
    assert report is not None and report.iterations == 1 and not report.converged
    assert solved.bound is None and solved.gap is None and solved.status != "optimal"
    assert "no bound" in report.proven and solved.mip_bound is not None
    # exact, the same cut gives the Lagrangian bound: below the true optimum (one on c, two on a, one on b)
    exact = solve_assignment(
        [2.0] * 4, [1.0] * 4, [1e4] * 4, [False] * 4, [c for c in pool if c.departures == ("b",)],
        {"a": 4, "b": 8, "c": 2}, {}, columns=ColumnGeneration(oracle, max_iterations=1),
    )  # fmt: skip
    assert exact.bound is not None and exact.bound <= 50 + 2 * 100 + 300 + 1e-6
    # out of time before the first round: not converged, no bound over the pool, the candidates' answer
    cut = solve_assignment(
        [2.0] * 4, [1.0] * 4, [1e4] * 4, [False] * 4, [c for c in pool if c.departures == ("b",)],
        {"a": 4, "b": 8, "c": 2}, {}, columns=ColumnGeneration(oracle, time_limit_s=0.0),
    )  # fmt: skip
    assert cut.columns is not None and not cut.columns.converged and cut.columns.iterations == 0
    assert cut.bound is None and cut.status != "optimal" and cut.objective == pytest.approx(4 * 300)
