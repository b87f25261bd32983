"""Door-to-door route options for one shipment, ranked by an objective.

``find_routes`` resolves the places, takes the search network for the shipment's load and days (built once
and shared, :mod:`intermodal.planners.search_network`), opens the trips of the query's own window with room,
runs the search engine, and turns each Pareto-optimal journey into an :class:`~intermodal.model.Itinerary`
whose legs and hub operations carry their own time, distance, cost and CO2e. The itinerary is built from the
same per-element amounts that the search added up, so its totals equal the search's criteria.

The work is split: :mod:`~intermodal.planners.search_network` builds the network, ``_query`` is one query
on it, ``_solve`` finds a query's options, ``_explain`` says why there are none.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from intermodal.engines.reference import Deadline
from intermodal.exceptions import NoRouteError, PlaceError, Problem, ShipmentError
from intermodal.model import Availability, Bundle, CargoKind, Itinerary, Mode, Reliability, Shipment
from intermodal.model.bounds import MAX_CARBON_PRICE, MAX_VALUE, quantity_problem
from intermodal.model.itinerary import documents
from intermodal.planners._explain import _explain
from intermodal.planners._query import _Network
from intermodal.planners._solve import _solve
from intermodal.planners.options import DEFAULT_FOLD, FoldMargins, fold_options
from intermodal.planners.places import Place, resolve_place
from intermodal.planners.reliability import with_p_on_time

__all__ = ["Objective", "RouteResult", "find_routes", "search_window"]

# the per-query network, for the tests and benchmarks that search its graph directly
__all__ += ["_Network"]


class Objective(StrEnum):
    """How options are ranked. Every objective returns the Pareto set; they differ in order."""

    FASTEST = "fastest"
    CHEAPEST = "cheapest"
    GREENEST = "greenest"
    PARETO = "pareto"
    #: by the probability of arriving by the due time (``p_on_time``), then by arrival
    RELIABLE = "reliable"


@dataclass(frozen=True)
class RouteResult:
    """The ranked options for one query, with the query as understood."""

    scenario: str
    objective: Objective
    origin: Place
    destination: Place
    shipment: Shipment
    options: tuple[Itinerary, ...]
    summaries: tuple[str, ...]
    notes: tuple[str, ...] = ()
    #: how many options the Pareto set held, and how many of them were folded (before ``limit``)
    pareto_count: int = 0
    folded_count: int = 0
    #: the margins options were folded within; ``None`` when the whole Pareto set was asked for
    fold: FoldMargins | None = None

    def _local(self, when: datetime) -> str:
        # times in the origin's own zone, as everywhere else in the document
        zone = self.options[0].legs[0].from_tz if self.options else None
        return (when.astimezone(ZoneInfo(zone)) if zone else when).isoformat()

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON document of docs/json-output.md."""
        s = self.shipment
        return {
            "scenario": self.scenario,
            "objective": self.objective.value,
            "query": {
                "from": self.origin.terminal_id or self.origin.text,
                "to": self.destination.terminal_id or self.destination.text,
                "teu": s.teu,
                "tonnes": round(s.tonnes, 3),
                "cargo": str(s.cargo),
                "value": s.value,
                "currency": self.options[0].currency if self.options else None,
                "ready": self._local(s.ready),
                "due": self._local(s.due) if s.due else None,
                "fold": dataclasses.asdict(self.fold) if self.fold else None,
            },
            "pareto_options": self.pareto_count,
            "folded_options": self.folded_count,
            "options": documents(self.options, self.summaries),
            "notes": list(self.notes),
        }


def find_routes(
    bundle: Bundle,
    origin: str | Place,
    destination: str | Place,
    shipment: Shipment,
    *,
    objective: Objective | str = Objective.PARETO,
    limit: int = 10,
    horizon_days: float = 30.0,
    max_labels: int = 200_000,
    carbon_price: float | None = None,
    range_days: float | None = None,
    engine: str = "auto",
    fold: FoldMargins | None = DEFAULT_FOLD,
    deadline: Deadline | None = None,
    availability: Availability | None = None,
    reliability: Reliability | None = None,
    departure_prices: Mapping[str, float] | None = None,
    explain: bool = True,
) -> RouteResult:
    """Door-to-door options for ``shipment`` from ``origin`` to ``destination``, ranked by ``objective``.

    Parameters
    ----------
    bundle
        The network.
    origin, destination
        A terminal id, UN/LOCODE, name, "lat,lon", or a resolved :class:`Place`.
    shipment
        What moves, and when it is ready (and due). A ready time without a zone is read in the origin's zone.
    objective
        fastest, cheapest, greenest (each ranks the Pareto set by that criterion), reliable (by ``p_on_time``,
        then arrival) or pareto (by arrival).
    limit
        At most this many options.
    horizon_days
        How far past the ready time to look for departures when no due time is given.
    max_labels
        A cap on search work.
    carbon_price
        A price on CO2e (bundle currency per tonne, WTW). It is added to every element's cost in the search,
        so "cheapest" ranks by cost plus carbon cost; options report it as ``carbon_cost`` beside ``cost``.
    range_days
        A range ("profile") query: every option worth taking for cargo ready at any time in the next
        ``range_days`` days. Each option then says ``ready_by``, the latest time the cargo may be ready for
        it; an option is dropped when another is ready later and arrives no later, for no more cost and CO2e.
        Each option is timed for cargo ready at its ``ready_by``: a truck to a scheduled service leaves as
        late as it can and still make it.
    engine
        ``"compiled"`` (the numba search, :mod:`intermodal.engines.freight`), ``"reference"`` (the plain
        Python search it is tested against, :mod:`intermodal.engines.reference`), or ``"auto"``: the
        compiled search once this process has loaded it or once the work is large enough to repay loading
        it. All give the same options.
    fold
        Fold options within these margins of a better one (:mod:`intermodal.planners.options` defines it);
        ``None`` returns the whole Pareto set. The result says how many were folded.
    availability
        The room left on each dated departure, as the ledger holds it (``ledger.read_availability``, one
        snapshot): a departure without room for the shipment (for reefer cargo, reefer plugs too) is not
        there, and each scheduled leg says the room it had (``free_teu``, ``free_kg``, ``free_reefer``).
        ``None``: every departure has the timetable's capacity.
    reliability
        The measured spreads of services, crossings and hubs (``intermodal calibrate``): with a due time, each
        option's ``p_on_time`` is the probability of arriving by it (:mod:`intermodal.planners.reliability`).
        ``None``: the timetable's answer, 1 for every option (the search keeps only those due in time).
    departure_prices
        An extra cost (bundle currency) for boarding a dated departure, keyed by the ledger ref a leg carries
        (``Leg.departure``, ``service@<local departure at its first stop>``): the search adds it when the
        cargo boards that trip, exactly as if its fare were that much higher, and the leg's cost includes it.
        The planner's column generation passes its capacity duals here. Each price is a finite number from 0
        to :data:`~intermodal.model.bounds.MAX_VALUE`; refs of departures outside the query are ignored.
    explain
        When no option is found, search again to say why (``NoRouteError.reasons``: full departures, cargo
        rules, a later arrival). ``False``: raise at once with a plain "no route" reason, for a caller that
        explains by itself (a planner's many searches of one book).
    deadline
        A time limit for the whole query, every search it runs included (a range query's, and those that
        explain a missing route), e.g. ``Deadline(10.0)``; its owner may also cancel it from another thread.

    Raises
    ------
    PlaceError
        A place is unknown, or too far from the network.
    NoRouteError
        No option meets the cargo rules and the due time; ``reasons`` says why.
    LimitError
        The searches needed more work than ``max_labels`` allows.
    SearchTimeout
        The query ran past ``deadline`` (or was cancelled).
    """
    objective = Objective(objective)
    o = origin if isinstance(origin, Place) else resolve_place(bundle, origin, field="from")
    d = destination if isinstance(destination, Place) else resolve_place(bundle, destination, field="to")
    if o.terminal_id is not None and o.terminal_id == d.terminal_id:
        raise PlaceError(Problem("origin and destination are the same", field="to", found=d.text))
    if carbon_price is None:
        # the scenario's own price (a patch may set one), 0 when it has none
        carbon_price = bundle.manifest.carbon_price_per_t
    else:
        problem = quantity_problem(carbon_price, field="carbon_price", maximum=MAX_CARBON_PRICE, zero=True)
        if problem is not None:
            raise ShipmentError(problem)
    for ref, price in (departure_prices or {}).items():
        problem = quantity_problem(price, field=f"departure_prices[{ref}]", maximum=MAX_VALUE, zero=True)
        if problem is not None:
            raise ShipmentError(problem)
    if engine not in ("auto", "compiled", "reference"):
        raise ValueError(f"engine must be 'auto', 'compiled' or 'reference', not {engine!r}")
    net, options = _solve(
        bundle,
        o,
        d,
        shipment,
        carbon_price=carbon_price or 0.0,
        engine=engine,
        horizon_days=horizon_days,
        range_days=range_days,
        max_labels=max_labels,
        deadline=deadline,
        availability=availability,
        departure_prices=departure_prices,
    )
    shipment = net.shipment
    if not options and not explain:
        raise NoRouteError([f"no route from {o.text} to {d.text} meets the query"])
    if not options:
        raise NoRouteError(
            _explain(
                bundle,
                shipment,
                o,
                d,
                horizon_days=horizon_days,
                deadline=deadline,
                availability=availability,
            )
        )
    if shipment.due is not None:
        options = with_p_on_time(options, shipment.due, reliability, bundle)
    found = len(options)
    key = {
        Objective.FASTEST: lambda it: (it.arrive, it.cost, it.co2e_kg_wtw),
        Objective.CHEAPEST: lambda it: (it.cost + it.carbon_cost, it.arrive, it.co2e_kg_wtw),
        Objective.GREENEST: lambda it: (it.co2e_kg_wtw, it.arrive, it.cost),
        Objective.PARETO: lambda it: (it.arrive, it.cost, it.co2e_kg_wtw),
        Objective.RELIABLE: lambda it: (-(it.p_on_time or 0.0), it.arrive, it.cost, it.co2e_kg_wtw),
    }[objective]
    # folding must not depend on the objective: the same query keeps the same options, whatever their order
    options.sort(key=lambda it: (it.arrive, it.cost + it.carbon_cost, it.co2e_kg_wtw))
    folded: list[Itinerary] = []
    if fold is not None:
        options, folded = fold_options(options, fold)
    options.sort(key=key)
    if range_days is not None and objective is Objective.PARETO:
        options.sort(key=lambda it: (it.ready_by or it.depart, it.arrive))
    kept = len(options)
    options = options[:limit]
    notes = []
    if folded and fold is not None:
        notes.append(
            f"{len(folded)} of {found} Pareto-optimal options folded, each within {fold.describe()} of "
            "a kept option that is better beyond them on one: ask for all (--all) to see them"
        )
    if kept > limit:
        notes.append(f"showing {limit} of {kept} options: raise the limit (--limit) for more")
    if objective is Objective.RELIABLE and shipment.due is None:
        notes.append("reliable ranks by the probability of arriving by the due time: give one (--due)")
    if net.full:
        shown = ", ".join(net.full[:3]) + (f" and {len(net.full) - 3} more" if len(net.full) > 3 else "")
        room = "room or reefer plugs" if shipment.cargo.kind is CargoKind.REEFER else "room"
        one = len(net.full) == 1
        count = (
            "1 departure in the search window has"
            if one
            else f"{len(net.full)} departures in the search window have"
        )
        notes.append(
            f"{count} no {room} for {shipment.teu:g} TEU and {shipment.tonnes:g} t (the ledger's bookings, "
            f"holds and capacity) and {'was' if one else 'were'} left out: {shown}"
        )
    if net.closed and net.availability is not None:
        named = {c.id: c for c in net.availability.closures}
        notes += [
            # a bundle's closure (closures.csv) has minus its line as its id; the ledger's are positive
            (f"disruption {i}" if i > 0 else f"closure on line {-i} of closures.csv")
            + f" ({named[i].describe()}) kept "
            + (f"{n} departures and " if n else "")
            + "the roads it closes out of the search"
            for i, n in sorted(net.closed.items())
        ]
    return RouteResult(
        scenario=bundle.name,
        objective=objective,
        origin=o,
        destination=d,
        shipment=shipment,
        options=tuple(options),
        summaries=tuple(_summary(it) for it in options),
        notes=tuple(notes),
        pareto_count=found,
        folded_count=len(folded),
        fold=fold,
    )


def search_window(
    shipment: Shipment, *, horizon_days: float = 30.0, range_days: float | None = None
) -> tuple[datetime, datetime]:
    """The departure times a query for ``shipment`` may use, with a day to spare either side (a ready time
    without a zone is read in the origin's zone later): the window a caller reads ledger availability for."""
    ready = shipment.ready if shipment.ready.tzinfo else shipment.ready.replace(tzinfo=UTC)
    if shipment.due is not None:
        end = shipment.due if shipment.due.tzinfo else shipment.due.replace(tzinfo=UTC)
    else:
        end = ready + timedelta(days=horizon_days + (range_days or 0.0))
    return ready - timedelta(days=1), end + timedelta(days=1)


def _summary(it: Itinerary) -> str:
    # Short enough for a terminal row: service ids, or "truck" (or "walk") for a flexible leg.
    return " → ".join(leg.service or ("walk" if leg.mode is Mode.WALK else "truck") for leg in it.legs)
