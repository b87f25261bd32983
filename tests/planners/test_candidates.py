"""Candidate generation: one freight search per distinct shipment, shared by the orders that ship it."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

import intermodal as im
from intermodal.model import Cargo, CargoKind
from intermodal.model.orders import Order
from intermodal.planners.candidates import (
    HORIZON_DAYS,
    MAX_CANDIDATE_DAYS,
    candidate_window,
    generate_candidates,
    latest_useful,
    shipment_of,
)
from intermodal.planners.routing import find_routes

CST = dt.timezone(dt.timedelta(hours=8))


def _order(i: int, **kw: object) -> Order:
    base = {
        "id": f"o{i}",
        "origin": "nanpeng",
        "destination": "bangkok",
        "teu": 2.0,
        "tonnes": 16.0,
        "cargo": Cargo(CargoKind.GENERAL),
        "ready": dt.datetime(2020, 4, 3, 8, tzinfo=CST),
        "due": dt.datetime(2020, 4, 6, 8, tzinfo=CST),
        "penalty_per_hour_late": 500.0,
        "penalty_not_carried": 200_000.0,
    }
    base.update(kw)
    return Order(**base)  # type: ignore[arg-type]


def test_orders_shipping_the_same_share_one_search_and_pay_their_own_lateness() -> None:
    chongqing = im.load_scenario("chongqing")
    calls = []

    def search(bundle, order, shipment, days, availability, carbon_price, prices):  # type: ignore[no-untyped-def]
        calls.append(order.id)
        return find_routes(
            bundle, order.origin, order.destination, shipment, range_days=days, fold=None
        ).options

    # o0 and o1 ship the same thing and differ only in their penalties (not in how late is still worth
    # carrying: 400 h); o2 ships more TEU
    orders = [
        _order(0),
        _order(1, penalty_per_hour_late=2_000.0, penalty_not_carried=800_000.0),
        _order(2, teu=4.0, tonnes=30.0),
    ]
    found = generate_candidates(chongqing, orders, search=search)
    assert found.searches == 2 and calls == ["o0", "o2"]
    mine = [[c for c in found.candidates if c.order == o] for o in range(3)]
    assert mine[0] and len(mine[0]) == len(mine[1])
    for a, b in zip(mine[0], mine[1], strict=True):
        assert a.itinerary is b.itinerary and a.late_h == b.late_h
        # the cost is the itinerary's plus each order's own price for its lateness
        assert b.cost - a.cost == pytest.approx(a.late_h * 1_500.0)
        assert a.cost == pytest.approx(a.itinerary.cost + a.late_h * 500.0)
    # every departure ridden has its room; the shuttle trucks the hub runs cost a trip each
    refs = {r for c in found.candidates for r in c.departures}
    assert refs <= set(found.room_teu)
    assert found.trip_cost and all(r.startswith("shuttle-") for r in found.trip_cost)


def test_an_order_with_no_route_has_the_reason_and_no_candidates() -> None:
    chongqing = im.load_scenario("chongqing")
    late = _order(0, ready=dt.datetime(2031, 6, 1, 8, tzinfo=CST), due=dt.datetime(2031, 6, 4, 8, tzinfo=CST))
    found = generate_candidates(chongqing, [late, dataclasses.replace(late, id="o1")])
    assert not found.candidates and found.searches == 1
    assert found.reasons[0] and found.reasons[1] == found.reasons[0]


def test_the_scope_ends_where_lateness_costs_more_than_leaving_the_order() -> None:
    order = _order(0)  # 200,000 left behind, 500 an hour late: 400 h past the due time
    assert latest_useful(order) == order.due + dt.timedelta(hours=400)
    assert candidate_window(order) == MAX_CANDIDATE_DAYS
    # no lateness penalty: anything in the search horizon; a tiny one: no overflow past it either
    for free in (_order(1, penalty_per_hour_late=0.0), _order(2, penalty_per_hour_late=1e-9)):
        assert latest_useful(free) == free.ready + dt.timedelta(days=MAX_CANDIDATE_DAYS + HORIZON_DAYS)
    # a due time nearer than a day, with nothing worth carrying late: a quarter of a day at least
    tight = _order(3, due=_order(0).ready + dt.timedelta(hours=1), penalty_not_carried=0.0)
    assert latest_useful(tight) == tight.due and candidate_window(tight) == 0.25


def test_candidates_are_the_pareto_options_that_arrive_while_still_worth_carrying() -> None:
    chongqing = im.load_scenario("chongqing")
    order = _order(0, penalty_not_carried=20_000.0)  # worth carrying up to 40 h late
    found = generate_candidates(chongqing, [order])
    shipment = shipment_of(chongqing, order)
    every = find_routes(
        chongqing, order.origin, order.destination, shipment, range_days=candidate_window(order),
        fold=None, limit=1_000, engine="compiled",
    ).options  # fmt: skip
    cap = latest_useful(order)

    def scheduled(it):  # type: ignore[no-untyped-def]
        return any(g.service for g in it.legs)

    kept = sorted(
        (it.arrive, round(it.cost, 6), it.ready_by) for it in every if it.arrive <= cap and scheduled(it)
    )
    mine = [c.itinerary for c in found.candidates]
    assert sorted((it.arrive, round(it.cost, 6), it.ready_by) for it in mine if scheduled(it)) == kept
    assert len(kept) < len([it for it in every if scheduled(it)])
    assert all(scheduled(it) for it in mine)  # no truck crosses to Bangkok on its own
    assert all(c.late_h <= 40.0 + 1e-9 for c in found.candidates)


def test_a_truck_all_the_way_leaves_when_the_order_is_ready() -> None:
    # a range query times a truck (no departure to catch) at its last ready time, which for an order only
    # adds lateness: the order's copy leaves at its ready time and arrives on time
    chongqing = im.load_scenario("chongqing")
    order = _order(0, destination="qinzhou")
    found = generate_candidates(chongqing, [order])
    trucks = [c for c in found.candidates if not c.departures]
    assert len(trucks) >= 1
    for c in trucks:
        assert c.itinerary.depart == order.ready and c.itinerary.ready_by == order.ready and c.late_h == 0


def test_an_order_with_no_route_at_all_is_explained_as_find_routes_explains_it() -> None:
    # the planner's searches do not explain a miss; the order's reason is the explained search's
    chongqing = im.load_scenario("chongqing")
    order = _order(0, cargo=Cargo(CargoKind.DANGEROUS, dg_class="1.1"), destination="yangon")
    found = generate_candidates(chongqing, [order])
    assert not found.candidates
    with pytest.raises(im.NoRouteError) as err:
        find_routes(chongqing, "nanpeng", "yangon", shipment_of(chongqing, order), fold=None)
    assert found.reasons[0] == "; ".join(err.value.reasons)
    assert "1.1" in found.reasons[0]


def test_an_order_only_late_routes_reach_says_so() -> None:
    chongqing = im.load_scenario("chongqing")
    # Duisburg is weeks away by train: due in a day, and not worth carrying an hour late
    order = _order(
        0, destination="duisburg", due=_order(0).ready + dt.timedelta(days=1), penalty_not_carried=1.0
    )
    found = generate_candidates(chongqing, [order])
    assert not found.candidates
    assert "arrives more than 0 h after its due time" in found.reasons[0]
