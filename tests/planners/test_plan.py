"""Planning a book of orders: the MIP against exhaustive enumeration, the first-come baseline, and the
Chongqing shuttles contested by more orders than they carry."""

from __future__ import annotations

import datetime as dt
import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import intermodal as im
from intermodal.model import Cargo, CargoKind
from intermodal.model.orders import Order
from intermodal.planners.plan import Candidate, first_come, plan_orders, solve_assignment
from intermodal.planners.routing import find_routes

CST = dt.timezone(dt.timedelta(hours=8))


def _brute_force(teu, kg, penalty, candidates, room_teu, room_kg):  # type: ignore[no-untyped-def]
    """The cheapest choice of one candidate or nothing per order, by trying every one (whole orders)."""
    by_order = [[i for i, c in enumerate(candidates) if c.order == o] + [-1] for o in range(len(teu))]
    best = math.inf
    for choice in itertools.product(*by_order):
        used_teu: dict[str, float] = {}
        used_kg: dict[str, float] = {}
        total = 0.0
        for o, k in enumerate(choice):
            if k < 0:
                total += penalty[o]
                continue
            total += candidates[k].cost
            for ref in candidates[k].departures:
                used_teu[ref] = used_teu.get(ref, 0.0) + teu[o]
                used_kg[ref] = used_kg.get(ref, 0.0) + kg[o]
        fits = all(used_teu[r] <= room_teu[r] + 1e-9 for r in used_teu) and all(
            used_kg[r] <= room_kg[r] + 1e-6 for r in used_kg if r in room_kg
        )
        if fits:
            best = min(best, total)
    return best


@st.composite
def instances(draw):  # type: ignore[no-untyped-def]
    n_orders = draw(st.integers(1, 8))
    n_deps = draw(st.integers(1, 6))
    refs = [f"d{j}" for j in range(n_deps)]
    teu = [draw(st.sampled_from([1.0, 2.0, 4.0])) for _ in range(n_orders)]
    kg = [t * draw(st.integers(5_000, 14_000)) for t in teu]
    penalty = [draw(st.integers(0, 60_000)) * 1.0 for _ in range(n_orders)]
    candidates = []
    for o in range(n_orders):
        for _ in range(draw(st.integers(0, 3))):
            deps = tuple(sorted(draw(st.sets(st.sampled_from(refs), min_size=1, max_size=3))))
            candidates.append(Candidate(o, deps, float(draw(st.integers(1_000, 50_000)))))
    room_teu = {r: float(draw(st.sampled_from([0, 2, 4, 6]))) for r in refs}
    room_kg = {r: float(draw(st.integers(10_000, 60_000))) for r in refs if draw(st.booleans())}
    return teu, kg, penalty, candidates, room_teu, room_kg


@settings(max_examples=150, deadline=None)
@given(instances())
def test_the_mip_finds_the_objective_exhaustive_enumeration_finds(instance) -> None:  # type: ignore[no-untyped-def]
    teu, kg, penalty, candidates, room_teu, room_kg = instance
    start = first_come(teu, kg, candidates, room_teu, room_kg)
    solved = solve_assignment(
        teu, kg, penalty, [False] * len(teu), candidates, room_teu, room_kg, start=start
    )
    assert solved.status == "optimal" and solved.gap is not None and solved.gap <= 1e-4
    assert solved.objective == pytest.approx(
        _brute_force(teu, kg, penalty, candidates, room_teu, room_kg), abs=1e-6
    )
    # never worse than first come, first served, and the LP bound is below the answer
    baseline = sum(candidates[k].cost if k >= 0 else penalty[o] for o, k in enumerate(start))
    assert (
        solved.objective <= baseline + 1e-6
        and solved.lp_bound is not None
        and solved.lp_bound <= solved.objective + 1e-6
    )
    # the answer keeps to the room: every order once, no departure over
    for o in range(len(teu)):
        share = sum(s for s, c in zip(solved.shares, candidates, strict=True) if c.order == o)
        assert share + solved.left[o] == pytest.approx(1.0)
    for ref, room in room_teu.items():
        load = sum(
            s * teu[c.order] for s, c in zip(solved.shares, candidates, strict=True) if ref in c.departures
        )
        assert load <= room + 1e-6


def test_split_orders_may_share_departures_and_the_lp_bound_is_the_answer() -> None:
    # two 2-TEU orders that may be split, two 2-TEU trucks: a is cheap for both, b serves order 0 only
    candidates = [Candidate(0, ("a",), 100.0), Candidate(0, ("b",), 300.0), Candidate(1, ("a",), 100.0)]
    solved = solve_assignment(
        [2.0, 2.0], [1.0, 1.0], [1000.0, 150.0], [True, True], candidates, {"a": 2, "b": 2}, {}
    )
    assert solved.status == "optimal"
    assert solved.objective == pytest.approx(solved.lp_bound)
    assert solved.objective <= 100 + 300 + 1e-6  # order 0 on b, order 1 on a beats leaving one behind


def _order(i: int, cargo: CargoKind = CargoKind.GENERAL, **kw: object) -> Order:
    base = {
        "id": f"o{i}",
        "origin": "nanpeng",
        "destination": "bangkok",
        "teu": 2.0,
        "tonnes": 16.0,
        "cargo": Cargo(cargo),
        "ready": dt.datetime(2020, 4, 3, 8, tzinfo=CST),
        "due": dt.datetime(2020, 4, 9, 8, tzinfo=CST),
        "value": 400_000.0,
        "penalty_per_hour_late": 500.0,
        "penalty_not_carried": 200_000.0,
    }
    base.update(kw)
    return Order(**base)  # type: ignore[arg-type]


def test_a_contested_week_of_shuttles_is_planned_better_than_first_come() -> None:
    chongqing = im.load_scenario("chongqing")
    # reefer orders first in the book would take the shuttles that general cargo could not replace
    orders = [_order(i) for i in range(4)] + [_order(10 + i, CargoKind.REEFER, tonnes=17.0) for i in range(4)]
    plan = plan_orders(chongqing, orders, time_limit_s=30)
    assert plan.status == "optimal" and plan.gap is not None and plan.gap <= 1e-4
    assert plan.objective <= plan.baseline_objective + 1e-6 and plan.saving >= 0
    assert plan.lp_bound is not None and plan.lp_bound <= plan.objective + 1e-6
    # no departure over its room; every order carried or left with a reason
    assert all(d.load_teu <= d.room_teu + 1e-6 for d in plan.loads)
    for line in plan.orders:
        carried = sum(share for share, _ in line.itineraries)
        assert carried + line.left == pytest.approx(1.0)
        assert line.left < 1e-6 or line.reason
    doc = plan.to_dict()
    assert doc["status"] == "optimal" and len(doc["orders"]) == 8 and doc["currency"] == "CNY"


def _narrow_then_priced(calls: list[object]):  # type: ignore[no-untyped-def]
    """A freight search whose unpriced answer keeps only its cheapest option; priced, it keeps all."""

    def search(bundle, order, shipment, days, availability, carbon_price, prices):  # type: ignore[no-untyped-def]
        if days > 0:  # the range query of each search (not the one that times trucks at the ready time)
            calls.append(prices)
        options = find_routes(
            bundle, order.origin, order.destination, shipment, range_days=days, fold=None, limit=1_000,
            availability=availability, engine="compiled", departure_prices=prices,
        ).options  # fmt: skip
        return options if prices else sorted(options, key=lambda it: it.cost)[:1]

    return search


def test_column_generation_prices_the_full_train_and_finds_other_departures() -> None:
    chongqing = im.load_scenario("chongqing")
    # 120 TEU to Qinzhou for a 100-TEU rail-sea train: the first candidates all ride it; its dual prices it,
    # and the priced search finds the departures the narrowed first search never offered
    due = dt.datetime(2020, 4, 6, 8, tzinfo=CST)
    orders = [
        _order(i, destination="qinzhou", teu=4.0, tonnes=30.0, due=due, penalty_per_hour_late=200.0)
        for i in range(30)
    ]
    calls: list[object] = []
    alone = plan_orders(chongqing, orders, search=_narrow_then_priced(calls), pricing_rounds=0)
    assert calls == [None] and alone.columns is None
    calls.clear()
    plan = plan_orders(chongqing, orders, search=_narrow_then_priced(calls))
    report = plan.columns
    assert report is not None and report.added > 0 and report.converged and report.iterations >= 2
    # one unpriced search, then priced ones (one a round at most: the orders share a shipment)
    assert calls[0] is None and 1 <= len(calls) - 1 <= report.iterations and all(calls[1:])
    # better than the candidates alone, never worse than first come, and the LP bounds fall round by round
    assert plan.objective < alone.objective - 1.0 and plan.objective <= plan.baseline_objective + 1e-6
    assert list(report.lp_bounds) == sorted(report.lp_bounds, reverse=True)
    assert plan.lp_bound is not None and plan.lp_bound <= plan.objective + 1e-6
    assert "converged over every itinerary of each order's scope" in report.proven
    assert all(d.load_teu <= d.room_teu + 1e-6 for d in plan.loads)
    for line in plan.orders:
        assert sum(share for share, _ in line.itineraries) + line.left == pytest.approx(1.0)
    # the plan's totals are the sum of its orders'
    assert plan.totals is not None
    assert plan.totals.co2e_kg == pytest.approx(sum(line.co2e_kg for line in plan.orders))
    doc = plan.to_dict()
    assert doc["column_generation"]["columns_added"] == report.added and doc["mip_bound"] is not None
