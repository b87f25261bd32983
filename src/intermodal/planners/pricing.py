"""The pricing step of a plan's column generation: the freight search with departure prices.

Column generation (:mod:`intermodal.planners.allocation`) asks, for each group of orders, for its least
priced itinerary: its cost (lateness included) plus the prices of the departures it rides, read from the
LP's capacity duals. The freight search adds each departure's price when the cargo boards it
(``find_routes(departure_prices=...)``), and an order's priced cost only grows with arrival, cost and CO2e,
so the least priced itinerary of the order's whole scope (:mod:`intermodal.planners.candidates`: ready by a
time in its window, arriving while it is still worth carrying) is one of that search's Pareto options.

An order needs no search when its cheapest candidate rides no priced departure: the candidates are its
scope's whole Pareto set, so that one is the scope's cheapest, and prices are never negative, so nothing is
priced below it. Only orders that want a departure others want too are searched again, once a round.

With ``up_to`` (the gap's closing) the pricing returns every itinerary it has found priced at most that. A
Pareto search does not list every itinerary below a price, so that list is not complete
(:attr:`SearchPricing.complete`), and the plan does not claim its integer bound over the whole scope.
"""

from __future__ import annotations

import dataclasses
import math
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from typing import Any

from intermodal.exceptions import NoRouteError
from intermodal.model import Availability, Bundle, Itinerary
from intermodal.model.orders import Order
from intermodal.planners.allocation import Candidate
from intermodal.planners.candidates import (
    CandidateSet,
    Search,
    costed,
    latest_useful,
    network_first,
    note_room,
    search_key,
    search_order,
)

__all__ = ["SearchPricing"]


class SearchPricing:
    """Each order's least priced itinerary over its scope, by the freight search with departure prices.

    Parameters
    ----------
    bundle, orders
        The network and the book (orders are named by their index in it).
    found
        The candidates (each order's whole Pareto set over its scope, unpriced); the itineraries the priced
        searches find have their departures' room and trip costs noted in it (the program reads them there).
    availability, carbon_price
        As the candidates were searched.
    search
        The freight search (``candidates.Search``); it must return the whole Pareto set of the scope, with
        each departure's price in the cost of the leg that rides it.
    """

    #: what this pricing searches, in words for the plan's report
    scope = (
        "every itinerary of each order's scope (ready by a time in its window of up to 7 days, arriving "
        "before its lateness costs more than leaving it)"
    )
    #: ``up_to`` lists only the itineraries found so far, not every one of the scope below the price
    complete = False

    def __init__(
        self,
        bundle: Bundle,
        orders: Sequence[Order],
        found: CandidateSet,
        *,
        availability: Availability | None,
        carbon_price: float,
        search: Search,
    ) -> None:
        self.bundle = bundle
        self.orders = orders
        self.found = found
        self.availability = availability
        self.carbon_price = carbon_price
        self.search = search
        self.services: dict[str, Any] = {s.id: s for s in bundle.services}
        #: per distinct shipment, the itineraries found for it, unpriced: the candidates', then the pricing's
        self.pools: dict[tuple[Any, ...], list[Itinerary]] = {}
        self._seen: dict[tuple[Any, ...], set[tuple[Any, ...]]] = {}
        #: the priced searches run
        self.searches = 0
        # per distinct shipment, the prices it was last searched with and its least priced itinerary: the
        # members of a group share a search
        self._last: dict[tuple[Any, ...], tuple[Mapping[str, float], float, Itinerary | None]] = {}
        # groups are priced from several threads (the search runs without the GIL): one writer at a time
        self._lock = threading.Lock()
        # the orders of one shipment share their itineraries: each is added once
        added: set[int] = set()
        for c in found.candidates:
            if c.itinerary is not None and id(c.itinerary) not in added:
                added.add(id(c.itinerary))
                self._add(search_key(orders[c.order]), c.itinerary)

    def __call__(
        self,
        orders: Sequence[int],
        departure_prices: Mapping[str, float],
        *,
        up_to: float | None = None,
        below: float | None = None,
    ) -> list[Candidate]:
        """The least priced itinerary of each order (with ``up_to``: every one found priced at most that)."""
        return self._each(orders, lambda o, mine: self._least(o, mine, departure_prices, up_to, below))

    def pooled(
        self,
        orders: Sequence[int],
        departure_prices: Mapping[str, float],
        *,
        up_to: float | None = None,
        below: float | None = None,
    ) -> list[Candidate]:
        """As a call, over the itineraries found so far only (no search): column generation's warm rounds.

        The priced searches return every Pareto option under their prices and the program takes the best
        of each; the others often win once the prices move, and cost nothing to offer again.
        """

        def best(o: int, mine: list[Candidate]) -> list[Candidate]:
            if up_to is not None:
                return [c for c in mine if _priced(c, departure_prices) <= up_to]
            return [min(mine, key=lambda c: _priced(c, departure_prices))] if mine else []

        return self._each(orders, best)

    def _each(
        self, orders: Sequence[int], answer: Callable[[int, list[Candidate]], list[Candidate]]
    ) -> list[Candidate]:
        """``answer`` for each order, given its itineraries costed for it; orders alike (the same shipment,
        due time and lateness price) get the first one's answer."""
        out: list[Candidate] = []
        done: dict[tuple[Any, ...], list[Candidate]] = {}
        for o in orders:
            order = self.orders[o]
            key = search_key(order)
            alike = (key, order.penalty_per_hour_late)
            if alike in done:
                out += [dataclasses.replace(c, order=o) for c in done[alike]]
                continue
            with self._lock:
                pool = list(self.pools.get(key, []))
            done[alike] = answer(o, [costed(o, order, it) for it in pool])
            out += done[alike]
        return out

    def _least(
        self,
        o: int,
        mine: list[Candidate],
        prices: Mapping[str, float],
        up_to: float | None,
        below: float | None,
    ) -> list[Candidate]:
        if up_to is not None:
            return [c for c in mine if _priced(c, prices) <= up_to]
        if not mine:
            return []  # nothing in its scope at all: prices add no route
        cheapest = min(mine, key=lambda c: c.cost)
        if not any(prices.get(r, 0.0) > 0.0 for r in cheapest.departures):
            return [cheapest]
        have = min(mine, key=lambda c: _priced(c, prices))
        least_cost = min(c.itinerary.cost + c.itinerary.carbon_cost for c in mine if c.itinerary)
        # wanted: an itinerary priced below what the order has, and below the group's dual
        wanted = _priced(have, prices) if below is None else min(_priced(have, prices), below)
        if least_cost >= wanted:
            # nothing in its scope costs less than that, prices aside: no search can find one
            return [have]
        order = self.orders[o]
        best = self._least_priced(order, search_key(order), prices, wanted, least_cost)
        found = None if best is None else costed(o, order, best)
        if found is not None and _priced(found, prices) < _priced(have, prices):
            return [found]
        return [have]

    def order(self, orders: Sequence[int]) -> tuple[Any, ...]:
        """The order to price groups in: those whose searches share a network one after another."""
        return network_first(search_key(self.orders[orders[0]]))

    def _least_priced(
        self,
        order: Order,
        key: tuple[Any, ...],
        prices: Mapping[str, float],
        wanted: float,
        least_cost: float,
    ) -> Itinerary | None:
        """The search's itinerary of least priced cost for ``order``, where one is priced below ``wanted``
        (else any); ``least_cost`` is the least cost of any itinerary of its scope (its candidates')."""
        # orders of one shipment with the same lateness price share the search: its answer holds for any
        # order that wants no more than the one it was run for
        memo = (key, order.penalty_per_hour_late)
        with self._lock:
            last = self._last.get(memo)
            if last is not None and last[0] is prices and last[1] >= wanted:
                return last[2]
            self.searches += 1
        # an LP's duals are never negative; a rounding error's -1e-13 is no price
        positive = {r: p for r, p in prices.items() if p > 0.0}
        latest = None
        if order.penalty_per_hour_late > 0:
            # an itinerary costs at least the least cost of the scope, plus its lateness: to be priced below
            # ``wanted`` it arrives at most this late, and the search prunes every label later than that
            late_s = max(0.0, wanted - least_cost) / order.penalty_per_hour_late * 3600
            if late_s < (latest_useful(order) - order.due).total_seconds():
                latest = order.due + timedelta(seconds=math.ceil(late_s) + 1)
        try:
            options = search_order(
                self.bundle, order, self.search, self.availability, self.carbon_price, positive, latest
            )
        except NoRouteError:
            options = []
        best: Itinerary | None = None
        best_priced = 0.0
        with self._lock:
            for priced_it in options:
                it = _unpriced(priced_it, positive)
                self._add(key, it)
                # the order's priced cost: what its lateness and the prices add to the itinerary's own
                value = costed(0, order, it).cost + _price_of(it, prices)
                if best is None or value < best_priced:
                    best, best_priced = it, value
            self._last[memo] = (prices, wanted, best)
        return best

    def _add(self, key: tuple[Any, ...], it: Itinerary) -> None:
        seen = self._seen.setdefault(key, set())
        ident = _identity(it)
        if ident in seen:
            return
        seen.add(ident)
        self.pools.setdefault(key, []).append(it)
        note_room(self.found, it, self.services)


def _refs(it: Itinerary) -> tuple[str, ...]:
    """The departures an itinerary rides, each once."""
    return tuple(dict.fromkeys(g.departure for g in it.legs if g.service and g.departure))


def _price_of(it: Itinerary, prices: Mapping[str, float]) -> float:
    return sum(prices.get(r, 0.0) for r in _refs(it))


def _priced(c: Candidate, prices: Mapping[str, float]) -> float:
    return c.cost + sum(prices.get(r, 0.0) for r in dict.fromkeys(c.departures))


def _unpriced(it: Itinerary, prices: Mapping[str, float]) -> Itinerary:
    """``it`` as the search found it, each leg's departure price taken out of its cost again."""
    legs = tuple(
        dataclasses.replace(g, cost=g.cost - prices[g.departure])
        if g.service and g.departure and prices.get(g.departure, 0.0) > 0.0
        else g
        for g in it.legs
    )
    return dataclasses.replace(it, legs=legs)


def _identity(it: Itinerary) -> tuple[Any, ...]:
    """Itineraries the program cannot tell apart: the same departures, arrival and cost."""
    return (_refs(it), it.arrive, round(it.cost + it.carbon_cost, 6))
