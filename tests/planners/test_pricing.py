"""The restricted pricing: each order's options re-ranked by departure prices, widened once when priced."""

from __future__ import annotations

import datetime as dt

import pytest

import intermodal as im
from intermodal.model import Cargo, CargoKind
from intermodal.model.orders import Order
from intermodal.planners.candidates import generate_candidates
from intermodal.planners.pricing import RestrictedPricing
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


def test_options_are_re_ranked_by_price_and_the_window_widens_once_when_a_departure_is_priced() -> None:
    chongqing = im.load_scenario("chongqing")
    calls: list[float] = []

    def search(bundle, order, shipment, days, availability, carbon_price):  # type: ignore[no-untyped-def]
        calls.append(days)
        return find_routes(
            bundle, order.origin, order.destination, shipment, range_days=days, fold=None, limit=60
        ).options

    orders = [_order(0), _order(1, penalty_per_hour_late=50.0)]
    found = generate_candidates(chongqing, orders, search=search)
    price = RestrictedPricing(chongqing, orders, found, availability=None, carbon_price=0.0, search=search)
    # no prices: each order's cheapest option, and no search
    best = price([0, 1], {})
    cheapest = min(c.cost for c in found.candidates if c.order == 0)
    assert [c.order for c in best] == [0, 1] and best[0].cost == pytest.approx(cheapest) and calls == [3.0]
    # a price on every departure the cheapest rides: another option wins, and one wider search is run
    priced = dict.fromkeys(best[0].departures, 1e7)
    again = price([0], priced)
    assert set(again[0].departures).isdisjoint(priced) and calls == [3.0, 10.0]
    price([0, 1], priced)
    assert calls == [3.0, 10.0] and price.searches == 1  # once per distinct shipment
    # every departure a wider option rides has its room noted for the program
    assert {
        r for it in price.pools[next(iter(price.pools))] for r in (g.departure for g in it.legs) if r
    } <= set(found.room_teu)
    # up_to: every option priced at most that, each costed for its own order's lateness
    everything = price([1], {}, up_to=float("inf"))
    assert len(everything) == len(price.pools[next(iter(price.pools))])
    assert all(
        c.order == 1 and c.cost == pytest.approx(c.itinerary.cost + 50.0 * c.late_h) for c in everything
    )
