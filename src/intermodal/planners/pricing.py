"""The pricing step of a plan's column generation, on the freight search as it is today.

Column generation (:mod:`intermodal.planners.allocation`) asks, for each group of orders, for itineraries
priced with the departures' prices read from the LP's capacity duals. The right pricing is a freight search
that adds each departure's price at boarding and returns the least priced itinerary. ``find_routes`` does not
take departure prices yet, so this is a *restricted* pricing step: it re-ranks each order's own Pareto
options (the candidates) by cost plus prices, and, for an order whose cheapest option rides a priced (full)
departure, adds the Pareto options of a window :data:`WIDER_DAYS` longer (one more search per distinct
shipment, run once): later departures that lateness alone never favoured, but congestion may. It is exact
over that set of itineraries, not over every itinerary of the network, and says so (:attr:`scope`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from intermodal.exceptions import NoRouteError
from intermodal.model import Availability, Bundle, Itinerary
from intermodal.model.orders import Order
from intermodal.planners.allocation import Candidate
from intermodal.planners.candidates import (
    MAX_CANDIDATE_DAYS,
    CandidateSet,
    Search,
    costed,
    note_room,
    search_key,
    shipment_of,
    window_days,
)

__all__ = ["WIDER_DAYS", "RestrictedPricing"]

#: How much longer than the order's own window the wider search looks: a week, every line's weekly departure
#: once more.
WIDER_DAYS = MAX_CANDIDATE_DAYS


class RestrictedPricing:
    """Re-rank each order's options by cost plus departure prices; widen its window once when contested.

    An order is contested when its cheapest option rides a departure with a price: it would take it, and the
    others want it too. Any option riding a priced departure would widen nearly every order (a week has
    some full departure) for searches that seldom pay.

    Parameters
    ----------
    bundle, orders
        The network and the book (orders are named by their index in it).
    found
        The candidates; the itineraries a wider search finds have their departures' room and trip costs
        noted in it (the program reads them from there).
    availability, carbon_price
        As the candidates were searched.
    search
        The freight search (``candidates.Search``), run once more per distinct shipment that is contested.
    """

    #: the itineraries this pricing searches, in words for the plan's report
    scope = (
        "each order's Pareto options over its window, and over a window 7 days longer where its cheapest "
        "option rides a full departure (a restricted pricing: the freight search does not take departure "
        "prices yet)"
    )

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
        #: per distinct shipment, its itineraries (the candidates', then the wider search's)
        self.pools: dict[tuple[Any, ...], list[Itinerary]] = {}
        self.widened: set[tuple[Any, ...]] = set()
        #: the wider searches run
        self.searches = 0
        for c in found.candidates:
            key = search_key(orders[c.order])
            pool = self.pools.setdefault(key, [])
            if c.itinerary is not None and all(c.itinerary is not it for it in pool):
                pool.append(c.itinerary)

    def __call__(
        self, orders: Sequence[int], departure_prices: Mapping[str, float], *, up_to: float | None = None
    ) -> list[Candidate]:
        """The least priced itinerary of each order (or with ``up_to``, every one priced at most that)."""
        out: list[Candidate] = []
        for o in orders:
            order = self.orders[o]
            key = search_key(order)
            pool = self.pools.setdefault(key, [])
            mine = [costed(o, order, it) for it in pool]
            if key not in self.widened and mine and _contested(mine, departure_prices):
                self._widen(order, key)
                mine = [costed(o, order, it) for it in pool]
            if up_to is None:
                out += sorted(mine, key=lambda c: _priced(c, departure_prices))[:1]
            else:
                out += [c for c in mine if _priced(c, departure_prices) <= up_to]
        return out

    def _widen(self, order: Order, key: tuple[Any, ...]) -> None:
        self.widened.add(key)
        self.searches += 1
        days = window_days(order.ready, order.due) + WIDER_DAYS
        try:
            options = self.search(
                self.bundle,
                order,
                shipment_of(self.bundle, order),
                days,
                self.availability,
                self.carbon_price,
            )
        except NoRouteError:
            return
        pool = self.pools[key]
        have = {_identity(it) for it in pool}
        for it in options:
            if _identity(it) not in have:
                have.add(_identity(it))
                note_room(self.found, it, self.services)
                pool.append(it)


def _priced(c: Candidate, prices: Mapping[str, float]) -> float:
    return c.cost + sum(prices.get(r, 0.0) for r in dict.fromkeys(c.departures))


def _contested(mine: Sequence[Candidate], prices: Mapping[str, float]) -> bool:
    """Whether the order's cheapest option (before prices) rides a departure with a price."""
    cheapest = min(mine, key=lambda c: c.cost)
    return any(prices.get(r, 0.0) > 1e-9 for r in cheapest.departures)


def _identity(it: Itinerary) -> tuple[Any, ...]:
    """Itineraries the program cannot tell apart: the same departures, arrival and cost."""
    refs = tuple(g.departure for g in it.legs if g.service and g.departure)
    return (refs, it.arrive, round(it.cost + it.carbon_cost, 6))
