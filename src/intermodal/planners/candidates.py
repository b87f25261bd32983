"""Candidate itineraries for a book of orders: one freight search per distinct shipment, shared.

Every order's candidates come from :func:`generate_candidates`, the one place a plan searches: orders that
ship the same thing (from, to, cargo class, ready, due, TEU, tonnes, value) within the same scope get the
same Pareto options, so they share one search, and only their lateness differs. Each search takes its dated
network from the shared cache (:func:`~intermodal.planners.search_network.compile_search`), so orders with
the same load on the same days share one network; ``search`` is where another search plugs in.

What an order may ride (its *scope*, which the plan's bound is proven over): every itinerary ready by a time
in the :func:`candidate_window` after its ready time, arriving by :func:`latest_useful` -- past that, its
lateness alone costs more than leaving it behind, so no plan would carry it that way.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from intermodal.exceptions import InputError, LimitError, NoRouteError, Problem
from intermodal.model import Availability, Bundle, Itinerary, Shipment
from intermodal.model.orders import Order
from intermodal.planners._query import _Network
from intermodal.planners.allocation import Candidate
from intermodal.planners.places import resolve_place
from intermodal.planners.routing import RouteResult, find_routes
from intermodal.planners.search_network import search_cache_size
from intermodal.planners.shipments import make_shipment

__all__ = [
    "MAX_CANDIDATE_DAYS",
    "CandidateSet",
    "Search",
    "candidate_window",
    "costed",
    "default_search",
    "generate_candidates",
    "latest_useful",
    "network_first",
    "note_room",
    "prepare_networks",
    "search_key",
    "search_order",
    "shipment_of",
]

#: The longest stretch of ready-by times one order's candidates come from: a week covers every line's weekly
#: departures; a longer window adds only later copies of the same trips, which lateness never favours.
MAX_CANDIDATE_DAYS = 7.0
#: How far past its window an order without a lateness bound looks for arrivals: find_routes's horizon.
HORIZON_DAYS = 30.0
#: The most options one search may return: a cap on work, far above the Pareto sets of a week (about 30
#: on the Chongqing scenario); a search that reaches it says so (``LimitError``) rather than cut the scope.
MAX_OPTIONS = 5_000

#: A freight search for one shipment of an order over ``range_days`` of ready times from its ready time, by
#: the shipment's due time, with ``prices`` per departure added at boarding (``None``: none): its Pareto
#: options, each leg's cost with its departure's price in it, or ``NoRouteError`` with the reasons.
#: The default is :func:`default_search`.
Search = Callable[
    [Bundle, Order, Shipment, float, Availability | None, float, Mapping[str, float] | None],
    Sequence[Itinerary],
]


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
        # the scope: orders that differ in their penalties but not in how late is still worth it share it
        latest_useful(order),
    )


def latest_useful(order: Order) -> datetime:
    """The latest arrival worth carrying ``order`` by: later, its lateness alone costs more than leaving it
    (every itinerary's cost is at least 0), so no plan carries it so. Without a lateness penalty, the end of
    the search horizon."""
    horizon = order.ready + timedelta(days=MAX_CANDIDATE_DAYS + HORIZON_DAYS)
    if order.penalty_per_hour_late <= 0:
        return horizon
    # whole seconds, rounded up: an arrival exactly at the bound is still no worse than leaving the order
    late_s = math.ceil(order.penalty_not_carried / order.penalty_per_hour_late * 3600)
    if late_s > (horizon - order.due).total_seconds():
        return horizon
    return order.due + timedelta(seconds=late_s)


def candidate_window(order: Order) -> float:
    """The stretch of ready-by times, in days from its ready time, an order's candidates come from: up to
    :data:`MAX_CANDIDATE_DAYS`, and not past :func:`latest_useful` (no later departure arrives in time)."""
    span = (latest_useful(order) - order.ready).total_seconds() / 86400
    return min(max(span, 0.25), MAX_CANDIDATE_DAYS)


def default_search(
    bundle: Bundle,
    order: Order,
    shipment: Shipment,
    range_days: float,
    availability: Availability | None,
    carbon_price: float,
    prices: Mapping[str, float] | None = None,
) -> Sequence[Itinerary]:
    """The candidates' freight search: the whole Pareto set over the window, compiled engine."""
    # an order without options is explained once, by the planner (_why_none), not by every search
    result = _find(bundle, order, shipment, range_days, availability, carbon_price, prices, explain=False)
    if result.pareto_count > MAX_OPTIONS:
        raise LimitError(
            f"order {order.id}: more than {MAX_OPTIONS} Pareto options in its window; plan it with a nearer "
            "due time or a smaller book"
        )
    return result.options


def generate_candidates(
    bundle: Bundle,
    orders: Sequence[Order],
    *,
    availability: Availability | None = None,
    carbon_price: float = 0.0,
    search: Search | None = None,
    progress: Callable[[int, int], None] | None = None,
    threads: int = 2,
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
    threads
        Searches run at once (the compiled engine's kernel runs without the GIL).

    Raises
    ------
    InputError
        An order's place or shipment is bad, naming the order.
    """
    search = search or default_search
    keys: dict[tuple[Any, ...], list[int]] = {}
    for o, order in enumerate(orders):
        keys.setdefault(search_key(order), []).append(o)
    prepare_networks(bundle, orders, availability, carbon_price)
    out = CandidateSet(searches=len(keys))
    services = {s.id: s for s in bundle.services}
    found: dict[int, list[Candidate]] = {}
    # searches of the same load on the same days take one network from the cache (which keeps only a few):
    # run them one after another
    groups = [keys[k] for k in sorted(keys, key=network_first)]

    def one(members: list[int]) -> tuple[Sequence[Itinerary], str]:
        first = orders[members[0]]
        try:
            return search_order(bundle, first, search, availability, carbon_price), ""
        except InputError as err:
            raise InputError([_named(p, o, orders[o]) for o in members for p in err.problems]) from None
        except NoRouteError:
            return [], _why_none(bundle, first, search, availability, carbon_price)

    # the compiled search lets go of the GIL: two threads keep two cores busy
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for done, (members, (options, why)) in enumerate(
            zip(groups, pool.map(one, groups), strict=True), start=1
        ):
            for it in options:
                note_room(out, it, services)
            # members share the search; those with the same price for lateness share the costing too
            by_rate: dict[float, list[Candidate]] = {}
            for o in members:
                order = orders[o]
                if why:
                    out.reasons[o] = why
                rate = order.penalty_per_hour_late
                if rate in by_rate:
                    found[o] = [dataclasses.replace(c, order=o) for c in by_rate[rate]]
                else:
                    found[o] = by_rate[rate] = [costed(o, order, it) for it in options]
            if progress is not None:
                progress(done, len(keys))
    out.candidates = [c for o in range(len(orders)) for c in found.get(o, [])]
    return out


def prepare_networks(
    bundle: Bundle, orders: Sequence[Order], availability: Availability | None, carbon_price: float
) -> None:
    """Build the search network of each load in the book (cargo class, TEU, tonnes) once, over all its days.

    The search cache then answers every order's search, and pricing's, from these few networks rather than
    one per order's days: a network answers any query whose window it holds, exactly as the query's own.
    Only as many as the cache keeps, the largest loads first; a query the network cannot answer (a
    coordinate place, a road closed on some of the days) builds its own, as before.
    """
    loads: dict[tuple[Any, ...], list[Order]] = {}
    for order in orders:
        loads.setdefault((str(order.cargo), order.teu, order.tonnes), []).append(order)
    room = search_cache_size() // 2
    # a naive time is read in its place's zone, within a day of UTC: a day either side holds every order
    day = timedelta(days=1)
    for group in sorted(loads.values(), key=len, reverse=True)[:room]:
        first = min(group, key=lambda o: _utc(o.ready))
        start = min(_utc(o.ready) for o in group) - day
        # as far as its searches look: the scope's latest arrival, or the horizon asking whether any route
        # exists at all (an order with none in its scope, _why_none)
        end = (
            max(max(_utc(latest_useful(o)), _utc(o.ready) + timedelta(days=HORIZON_DAYS)) for o in group)
            + day
        )
        try:
            origin = resolve_place(bundle, first.origin, field="from")
            destination = resolve_place(bundle, first.destination, field="to")
            if origin.terminal_id is None or destination.terminal_id is None:
                continue
            shipment = dataclasses.replace(shipment_of(bundle, first), ready=start, due=None)
            net = _Network(
                bundle,
                shipment,
                origin,
                destination,
                carbon_price=carbon_price or bundle.manifest.carbon_price_per_t,
                availability=availability,
            )
            net.expand(int(start.timestamp()), int(end.timestamp()))
        except InputError:
            continue  # the order's own search names the problem


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def network_first(key: tuple[Any, ...]) -> tuple[Any, ...]:
    """A search key in the order that puts searches on the same network next to each other."""
    origin, destination, cargo, ready, due, teu, tonnes, value, latest = key
    return (ready, latest, cargo, teu, tonnes, -1.0 if value is None else value, origin, destination, due)


def search_order(
    bundle: Bundle,
    order: Order,
    search: Search,
    availability: Availability | None,
    carbon_price: float,
    prices: Mapping[str, float] | None = None,
    latest: datetime | None = None,
) -> Sequence[Itinerary]:
    """``search`` over the order's scope: ready-by times in its :func:`candidate_window`, arriving by
    :func:`latest_useful` (as the shipment's due time, which the search prunes by), or by ``latest`` when
    that is sooner (the caller wants nothing later).

    An option with no scheduled departure (trucks all the way) can leave whenever the cargo is ready; a
    range query times it at its last ready time, which for an order only adds lateness, so such options
    leave at the order's ready time (one search at that time finds them). With prices, which no truck pays,
    they are left out: the search without prices offered them already.
    """
    due = latest_useful(order) if latest is None else min(latest, latest_useful(order))
    shipment = dataclasses.replace(shipment_of(bundle, order), due=due)
    options = search(bundle, order, shipment, candidate_window(order), availability, carbon_price, prices)
    if not any(_unscheduled(it) for it in options):
        return options
    if prices:
        # priced, a truck costs what it costs unpriced: the unpriced search already offered it, on time
        return [it for it in options if not _unscheduled(it)]
    try:
        now = search(bundle, order, shipment, 0.0, availability, carbon_price, prices)
    except NoRouteError:
        now = []
    return [it for it in options if not _unscheduled(it)] + [it for it in now if _unscheduled(it)]


def _unscheduled(it: Itinerary) -> bool:
    return not any(g.service for g in it.legs)


def _why_none(
    bundle: Bundle,
    order: Order,
    search: Search,
    availability: Availability | None,
    carbon_price: float,
) -> str:
    """Why an order has no candidate: no route at all (find_routes's reasons), or none arriving in time to be
    worth carrying."""
    shipment = shipment_of(bundle, order)
    if latest_useful(order) >= order.ready + timedelta(days=MAX_CANDIDATE_DAYS + HORIZON_DAYS):
        # no lateness bound short of the horizon: the scope's own search says why
        scope = dataclasses.replace(shipment, due=latest_useful(order))
        return _reasons(bundle, order, scope, candidate_window(order), availability, carbon_price)
    try:
        # cargo ready at its ready time alone, any arrival: whether there is a route at all (one search, not a
        # week of ready times: a route that exists later exists now too, waiting for its departure)
        search(bundle, order, shipment, 0.0, availability, carbon_price, None)
    except NoRouteError:
        return _reasons(bundle, order, shipment, 0.0, availability, carbon_price)
    hours = (latest_useful(order) - order.due).total_seconds() / 3600
    return (
        f"every option arrives more than {hours:,.0f} h after its due time, where lateness "
        f"({order.penalty_per_hour_late:,.2f} an hour) costs more than leaving it "
        f"({order.penalty_not_carried:,.2f})"
    )


def _find(
    bundle: Bundle,
    order: Order,
    shipment: Shipment,
    range_days: float,
    availability: Availability | None,
    carbon_price: float,
    prices: Mapping[str, float] | None,
    *,
    explain: bool,
) -> RouteResult:
    """find_routes as the planner asks it: every Pareto option of the order's window, compiled engine."""
    return find_routes(
        bundle,
        order.origin,
        order.destination,
        shipment,
        range_days=range_days,
        fold=None,
        limit=MAX_OPTIONS,
        carbon_price=carbon_price or None,
        availability=availability,
        departure_prices=prices,
        # a book is many searches: the compiled engine repays its load after a few
        engine="compiled",
        explain=explain,
    )


def _reasons(
    bundle: Bundle,
    order: Order,
    shipment: Shipment,
    range_days: float,
    availability: Availability | None,
    carbon_price: float,
) -> str:
    """Why a search for ``order`` finds nothing, as find_routes explains it (the planner's own searches
    do not explain)."""
    try:
        _find(bundle, order, shipment, range_days, availability, carbon_price, None, explain=True)
    except NoRouteError as err:
        return "; ".join(err.reasons)
    return f"no route from {order.origin} to {order.destination} in the order's scope"


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
