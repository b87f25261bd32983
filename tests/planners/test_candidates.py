"""Candidate generation: one freight search per distinct shipment, shared by the orders that ship it."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

import intermodal as im
from intermodal.model import Cargo, CargoKind
from intermodal.model.orders import Order
from intermodal.planners.candidates import generate_candidates
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

    def search(bundle, order, shipment, days, availability, carbon_price):  # type: ignore[no-untyped-def]
        calls.append(order.id)
        return find_routes(
            bundle, order.origin, order.destination, shipment, range_days=days, fold=None
        ).options

    # o0 and o1 ship the same thing and differ only in their penalty per hour late; o2 ships more TEU
    orders = [_order(0), _order(1, penalty_per_hour_late=2_000.0), _order(2, teu=4.0, tonnes=30.0)]
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
