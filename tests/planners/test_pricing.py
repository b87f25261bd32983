"""The pricing step: the freight search with departure prices, run only for orders whose best is priced."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import intermodal as im
from intermodal.model import Cargo, CargoKind
from intermodal.model.orders import Order
from intermodal.planners.candidates import (
    costed,
    default_search,
    generate_candidates,
    search_order,
)
from intermodal.planners.pricing import SearchPricing, _price_of, _unpriced

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


def _counting(calls: list[object]):  # type: ignore[no-untyped-def]
    def search(bundle, order, shipment, days, availability, carbon_price, prices):  # type: ignore[no-untyped-def]
        if days > 0:  # the range query of each search (not the one that times trucks at the ready time)
            calls.append(prices)
        return default_search(bundle, order, shipment, days, availability, carbon_price, prices)

    return search


def _priced(c, prices) -> float:  # type: ignore[no-untyped-def]
    return c.cost + sum(prices.get(r, 0.0) for r in dict.fromkeys(c.departures))


@pytest.fixture(scope="module")
def chongqing() -> im.Bundle:
    return im.load_scenario("chongqing")


def test_no_search_while_the_cheapest_rides_nothing_priced_then_one_per_shipment(chongqing) -> None:  # type: ignore[no-untyped-def]
    calls: list[object] = []
    search = _counting(calls)
    # o0 and o1 ship the same and differ in their penalties (the same 400 h worth carrying late)
    orders = [_order(0), _order(1, penalty_per_hour_late=50.0, penalty_not_carried=20_000.0)]
    found = generate_candidates(chongqing, orders, search=search)
    assert calls == [None]
    price = SearchPricing(chongqing, orders, found, availability=None, carbon_price=0.0, search=search)
    best = price([0, 1], {})
    cheapest = min(c.cost for c in found.candidates if c.order == 0)
    assert [c.order for c in best] == [0, 1] and best[0].cost == pytest.approx(cheapest)
    assert len(calls) == 1 and price.searches == 0
    # a price on a departure nobody's cheapest rides: still no search
    unused = (
        {r for c in found.candidates for r in c.departures}
        - set(best[0].departures)
        - set(best[1].departures)
    )
    assert price([0, 1], dict.fromkeys(unused, 1e6)) and price.searches == 0
    # a price on every departure the cheapest rides: another option wins, found by one priced search that
    # both orders take (they share the shipment)
    priced = dict.fromkeys(best[0].departures, 1e7)
    # a group whose dual is below the least cost of anything in its scope wants nothing: no search
    least = min(c.itinerary.cost for c in found.candidates if c.order == 0)
    assert len(price([0], priced, below=least)) == 1 and price.searches == 0
    again = price([0, 1], priced)
    assert price.searches == 1 and calls[-1] == priced
    assert [c.order for c in again] == [0, 1] and set(again[0].departures).isdisjoint(priced)
    # its cost is the itinerary's own, without the prices the search added
    assert again[0].cost == pytest.approx(again[0].itinerary.cost + 500.0 * again[0].late_h)
    assert again[1].cost == pytest.approx(again[1].itinerary.cost + 50.0 * again[1].late_h)
    # nothing in the candidates is priced below it
    assert all(
        _priced(again[0], priced) <= _priced(c, priced) + 1e-6 for c in found.candidates if c.order == 0
    )
    # up_to: every itinerary found, priced at most that, each costed for its own order's lateness
    everything = price([1], priced, up_to=float("inf"))
    assert len(everything) == len(price.pools[next(iter(price.pools))])
    assert all(
        c.order == 1 and c.cost == pytest.approx(c.itinerary.cost + 50.0 * c.late_h) for c in everything
    )
    assert all(_priced(c, priced) <= 5e6 for c in price([1], priced, up_to=5e6))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_least_priced_itinerary_is_the_least_of_the_whole_scope(chongqing, data) -> None:  # type: ignore[no-untyped-def]
    destination = data.draw(st.sampled_from(["bangkok", "hanoi", "qinzhou", "shanghai"]))
    order = _order(0, destination=destination, cargo=Cargo(data.draw(st.sampled_from(list(CargoKind)[:2]))))
    found = generate_candidates(chongqing, [order])
    refs = sorted({r for c in found.candidates for r in c.departures})
    if not refs:
        return
    chosen = data.draw(st.lists(st.sampled_from(refs), min_size=1, max_size=6, unique=True))
    prices = {r: data.draw(st.floats(0.0, 50_000.0)) for r in chosen}
    price = SearchPricing(
        chongqing, [order], found, availability=None, carbon_price=0.0, search=default_search
    )
    [best] = price([0], prices)
    assert all(_priced(best, prices) <= _priced(c, prices) + 1e-6 for c in found.candidates)

    # the same over the whole scope, searched by the plain Python search without the time bound the
    # pricing derives from the best it has: nothing there is priced below its answer
    def plain(bundle, o, shipment, days, availability, carbon_price, p):  # type: ignore[no-untyped-def]
        return im.find_routes(
            bundle, o.origin, o.destination, shipment, range_days=days, fold=None, limit=5_000,
            departure_prices=p, engine="reference",
        ).options  # fmt: skip

    positive = {r: p for r, p in prices.items() if p > 0}
    every = search_order(chongqing, order, plain, None, 0.0, positive)
    least = min(
        [costed(0, order, _unpriced(it, positive)).cost + _price_of(it, prices) for it in every]
        # a truck all the way pays no price: the unpriced search offered it (as a candidate)
        + [_priced(c, prices) for c in found.candidates if not c.departures]
    )
    assert _priced(best, prices) == pytest.approx(least, abs=1e-6)
