"""Candidate itineraries for a book of orders: one freight search per distinct shipment, shared.

Every order's candidates come from :func:`generate_candidates`, the one place a plan searches: orders that
ship the same thing (from, to, cargo class, ready, due, TEU, tonnes, value) get the same Pareto options, so
they share one search, and only their penalties for lateness differ. Each search takes its dated network
from the shared cache (:func:`~intermodal.planners.search_network.compile_search`), so orders with the same
load on the same days share one network; ``search`` is where another search plugs in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from intermodal.exceptions import InputError, NoRouteError, Problem
from intermodal.model import Availability, Bundle, Itinerary, Shipment
from intermodal.model.orders import Order
from intermodal.planners.allocation import Candidate
from intermodal.planners.routing import find_routes
from intermodal.planners.shipments import make_shipment

__all__ = [
    "MAX_CANDIDATES",
    "MAX_CANDIDATE_DAYS",
    "CandidateSet",
    "Search",
    "costed",
    "default_search",
    "generate_candidates",
    "note_room",
    "search_key",
    "shipment_of",
    "window_days",
]

#: The longest stretch of departures one order's candidates come from: a week covers every line's weekly
#: departures; a longer due window adds only later copies of the same trips, which lateness never favours.
MAX_CANDIDATE_DAYS = 7.0
#: Candidates per order: the Pareto options of a week of departures on the Chongqing scenario are about 30.
MAX_CANDIDATES = 60

#: A freight search for one shipment of an order over ``range_days`` from its ready time: its options, or
#: ``NoRouteError`` with the reasons. The default is :func:`find_routes` with the compiled engine.
Search = Callable[[Bundle, Order, Shipment, float, Availability | None, float], Sequence[Itinerary]]


@dataclass
class CandidateSet:
    """Every order's candidates, why an order has none, and the departures they ride with their room."""

    candidates: list[Candidate] = field(default_factory=list)
    reasons: dict[int, str] = field(default_factory=dict)
    room_teu: dict[str, float] = field(default_factory=dict)
    room_kg: dict[str, float] = field(default_factory=dict)
    #: reefer plugs free per departure, in TEU (only those that count them)
    room_reefer: dict[str, float] = field(default_factory=dict)
    #: what each departure the hub runs itself costs a trip (only those with a cost, not already running)
    trip_cost: dict[str, float] = field(default_factory=dict)
    #: how many freight searches were run (one per distinct shipment)
    searches: int = 0


def search_key(order: Order) -> tuple[Any, ...]:
    """What a freight search depends on: orders with the same key get the same options."""
    return (
        order.origin,
        order.destination,
        str(order.cargo),
        order.ready,
        order.due,
        order.teu,
        order.tonnes,
        order.value,
    )


def default_search(
    bundle: Bundle,
    order: Order,
    shipment: Shipment,
    range_days: float,
    availability: Availability | None,
    carbon_price: float,
) -> Sequence[Itinerary]:
    """The candidates' freight search: the whole Pareto set over the window, compiled engine."""
    result = find_routes(
        bundle,
        order.origin,
        order.destination,
        shipment,
        range_days=range_days,
        fold=None,
        limit=MAX_CANDIDATES,
        carbon_price=carbon_price or None,
        availability=availability,
        # a book is many searches: the compiled engine repays its load after a few
        engine="compiled",
    )
    return result.options


def window_days(ready: datetime, due: datetime) -> float:
    """The stretch of departures an order's candidates come from: its ready-to-due window, within bounds."""
    if (due.tzinfo is None) != (ready.tzinfo is None):
        # a naive time beside an aware one is read in the same zone, as make_shipment does
        due, ready = due.replace(tzinfo=None), ready.replace(tzinfo=None)
    window = (due - ready).total_seconds() / 86400
    return min(max(window, 0.25), MAX_CANDIDATE_DAYS)


def generate_candidates(
    bundle: Bundle,
    orders: Sequence[Order],
    *,
    availability: Availability | None = None,
    carbon_price: float = 0.0,
    search: Search | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> CandidateSet:
    """Each order's candidate itineraries, costed with its lateness, from one search per distinct shipment.

    Parameters
    ----------
    bundle
        The network and its timetable.
    orders
        The book.
    availability
        The room per departure from the ledger; ``None``: the timetable's capacity.
    carbon_price
        A price on CO2e per tonne (WTW): each candidate's cost includes its carbon cost.
    search
        The freight search (default: :func:`find_routes`, compiled engine).
    progress
        Called with (searches done, searches to run).

    Raises
    ------
    InputError
        An order's place or shipment is bad, naming the order.
    """
    search = search or default_search
    keys: dict[tuple[Any, ...], list[int]] = {}
    for o, order in enumerate(orders):
        keys.setdefault(search_key(order), []).append(o)
    out = CandidateSet(searches=len(keys))
    services = {s.id: s for s in bundle.services}
    found: dict[int, list[Candidate]] = {}
    for done, members in enumerate(keys.values(), start=1):
        first = orders[members[0]]
        try:
            shipment = shipment_of(bundle, first)
            options = search(
                bundle,
                first,
                shipment,
                window_days(first.ready, first.due),
                availability,
                carbon_price,
            )
            why = ""
        except InputError as err:
            raise InputError([_named(p, o, orders[o]) for o in members for p in err.problems]) from None
        except NoRouteError as err:
            options, why = [], "; ".join(err.reasons)
        for it in options:
            note_room(out, it, services)
        for o in members:
            order = orders[o]
            if why:
                out.reasons[o] = why
            found[o] = [costed(o, order, it) for it in options]
        if progress is not None:
            progress(done, len(keys))
    out.candidates = [c for o in range(len(orders)) for c in found.get(o, [])]
    return out


def shipment_of(bundle: Bundle, order: Order) -> Shipment:
    """What an order ships, as the freight search takes it."""
    return make_shipment(
        bundle,
        teu=order.teu,
        tonnes=order.tonnes,
        cargo=order.cargo,
        value=order.value or None,
        ready=order.ready,
    )


def costed(index: int, order: Order, it: Itinerary) -> Candidate:
    """``it`` as a candidate of the order at ``index``: cost, carbon cost and the order's lateness price."""
    late_h = max(0.0, (it.arrive - order.due).total_seconds() / 3600)
    cost = it.cost + it.carbon_cost + late_h * order.penalty_per_hour_late
    refs = tuple(g.departure for g in it.legs if g.service and g.departure)
    return Candidate(index, refs, cost, late_h, it)


def note_room(out: CandidateSet, it: Itinerary, services: dict[str, Any]) -> None:
    """Record the room and trip cost of each departure ``it`` rides, the first time one is seen."""
    for g in it.legs:
        if not (g.service and g.departure) or g.departure in out.room_teu:
            continue
        service = services[g.service]
        free = g.free_teu if g.free_teu is not None else service.capacity_teu
        out.room_teu[g.departure] = free
        if g.free_kg is not None:
            out.room_kg[g.departure] = g.free_kg
        if g.free_reefer is not None:
            out.room_reefer[g.departure] = g.free_reefer
        # a trip the ledger already has cargo on runs anyway: its cost is spent, not the plan's to save
        if service.trip_cost > 0 and free >= service.capacity_teu - 1e-9:
            out.trip_cost[g.departure] = service.trip_cost


def _named(p: Problem, index: int, order: Order) -> Problem:
    return Problem(
        p.message, row=index + 1, field=p.field, found=p.found, expected=p.expected, file=f"order {order.id}"
    )
