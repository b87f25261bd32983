"""Door-to-door route options for one shipment, ranked by an objective.

``find_routes`` resolves the places, applies the shipment's cargo rules to the network, runs the search
engine, and turns each Pareto-optimal journey into an :class:`~intermodal.model.Itinerary` whose legs and hub
operations carry their own time, distance, cost and CO2e. The itinerary is built from the same per-element
amounts that the search added up, so its totals equal the search's criteria.
"""

from __future__ import annotations

import dataclasses
import itertools
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from functools import partial
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import numpy as np

from intermodal.accounting import (
    clearance_cost,
    handling_cost,
    hub_emissions,
    hub_intensity,
    leg_emissions,
    link_cost,
    service_cost,
    transport_intensity,
)
from intermodal.accounting.costs import inventory_cost, storage_rate_s, tariff_charges
from intermodal.engines.reference import (
    ROAD,
    Deadline,
    Drive,
    Journey,
    Move,
    SearchGraph,
    ServiceRules,
    pareto_search,
)
from intermodal.exceptions import NoRouteError, NoRouteReason, PlaceError, Problem, ShipmentError
from intermodal.model import (
    Availability,
    Bundle,
    CargoKind,
    ElementEmissions,
    HubOperation,
    Inventory,
    Itinerary,
    Leg,
    Link,
    Mode,
    Names,
    Reliability,
    Service,
    Shipment,
    Tariff,
    choose_tariff,
)
from intermodal.model.bounds import MAX_CARBON_PRICE, quantity_problem
from intermodal.model.rules import service_problems, terminal_problems
from intermodal.network.opening import opening_windows
from intermodal.network.timetable import Timetable, expand_timetable
from intermodal.planners.disruptions import apply_closures, closures_on, drive_closure
from intermodal.planners.options import DEFAULT_FOLD, FoldMargins, fold_options
from intermodal.planners.places import Place, great_circle_km, resolve_place
from intermodal.planners.reliability import with_p_on_time

if TYPE_CHECKING:
    from intermodal.engines.freight import FreightSearch

__all__ = ["Objective", "RouteResult", "find_routes", "search_window"]

#: With ``engine="auto"``, the plain search runs until this many search states have been searched on one
#: network; then the compiled one, which costs 2-3 s to load once per process (numba and its cached
#: kernel) and then runs 15-50 times faster (benchmarks/freight_search.py). A one-shot query on the
#: Chongqing scenario (4,500 states) is answered sooner by the plain search; a range query on a city's
#: subway (300,000 states a search) switches after a few searches.
_COMPILE_AFTER_STATES = 1_000_000

#: the engine's mode codes: a mode's position here (the engine's ROAD is 0)
_MODES = tuple(Mode)
_CODE = {m: i for i, m in enumerate(_MODES)}
assert _CODE[Mode.ROAD] == ROAD


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
            "options": [o.to_dict(rank=i + 1, summary=self.summaries[i]) for i, o in enumerate(self.options)],
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
    )
    shipment = net.shipment
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
        notes.append(
            f"{len(net.full)} departures in the search window have no {room} for {shipment.teu:g} TEU "
            f"in the ledger and were left out: {shown}"
        )
    if net.closed and availability is not None:
        named = {c.id: c for c in availability.closures}
        notes += [
            f"disruption {i} ({named[i].describe()}) kept "
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


def _solve(
    bundle: Bundle,
    origin: Place,
    destination: Place,
    shipment: Shipment,
    *,
    carbon_price: float = 0.0,
    engine: str = "auto",
    horizon_days: float = 30.0,
    range_days: float | None = None,
    max_labels: int = 200_000,
    deadline: Deadline | None = None,
    availability: Availability | None = None,
) -> tuple[_Network, list[Itinerary]]:
    """The network seen by this shipment and its Pareto options, unranked (none when there is no route)."""
    net = _Network(
        bundle,
        shipment,
        origin,
        destination,
        carbon_price=carbon_price,
        engine=engine,
        availability=availability,
    )
    shipment = net.shipment
    ready_s = int(shipment.ready.timestamp())
    due_s = int(shipment.due.timestamp()) if shipment.due else None
    window_s = int((range_days or 0.0) * 86400)
    net.expand(ready_s, due_s if due_s is not None else ready_s + window_s + int(horizon_days * 86400))
    if range_days is None:
        journeys = net.search(ready_s, due_s=due_s, max_labels=max_labels, deadline=deadline)
        return net, _front([net.itinerary(j) for j in journeys])
    return net, _profile(
        net, ready_s, ready_s + window_s, due_s=due_s, max_labels=max_labels, deadline=deadline
    )


def _front(options: list[Itinerary]) -> list[Itinerary]:
    """The options no other beats on arrival, cost (inventory carrying included) and CO2e.

    The search's front is over cost without carrying. Carrying grows with the arrival alone, so an option
    the search dropped stays beaten once it is added; but a slow option it kept may now be beaten too.
    """

    def beaten(a: Itinerary) -> bool:
        return any(
            b.arrive <= a.arrive
            and b.cost <= a.cost + 1e-6
            and b.co2e_kg_wtw <= a.co2e_kg_wtw + 1e-6
            and (b.arrive, b.cost, b.co2e_kg_wtw) != (a.arrive, a.cost, a.co2e_kg_wtw)
            for b in options
        )

    if not any(it.inventory for it in options):
        return options
    return [it for it in options if not beaten(it)]


def _profile(
    net: _Network,
    start_s: int,
    end_s: int,
    *,
    due_s: int | None,
    max_labels: int,
    deadline: Deadline | None = None,
) -> list[Itinerary]:
    """The Pareto options for cargo ready at any time in ``[start_s, end_s]``.

    A journey found for cargo ready at ``t`` stays the same for every ready time until its first scheduled
    departure is missed: after that departure the timetable fixes every time. So the search only needs to run
    again just past the smallest such slack of the options it found.
    """
    found: dict[str, tuple[Itinerary, int]] = {}
    t = start_s
    while t <= end_s:
        journeys = net.search(t, due_s=due_s, max_labels=max_labels, deadline=deadline)
        slacks = []
        for j in journeys:
            slack = net.slack(j)
            # timed for cargo ready at its ready-by time: what the option is, not how long it waits for it
            it = net.itinerary(j if slack is None else net.delayed(j, slack))
            # a journey without a scheduled departure can leave whenever the cargo is ready
            latest = end_s if slack is None else t + slack
            # the same departures by the same way are one option, whenever its trucks leave: keep the copy
            # found for the latest ready time, which waits least
            key = repr([(g.from_id, g.to_id, g.service, g.depart if g.service else None) for g in it.legs])
            if key not in found or found[key][1] <= latest:
                ready_by = net.at(latest)
                found[key] = (net.carried(dataclasses.replace(it, ready_by=ready_by), ready_by), latest)
            if slack is not None:
                slacks.append(slack)
        if not slacks:
            break
        t += min(slacks) + 1
    items = list(found.values())

    def dominated(a: tuple[Itinerary, int]) -> bool:
        ia, la = a
        return any(
            lb >= la
            and ib.arrive <= ia.arrive
            and ib.cost <= ia.cost + 1e-6
            and ib.co2e_kg_wtw <= ia.co2e_kg_wtw + 1e-6
            and (lb, ib.arrive, ib.cost) != (la, ia.arrive, ia.cost)
            for ib, lb in items
        )

    return [it for it, latest in items if not dominated((it, latest))]


def _summary(it: Itinerary) -> str:
    # Short enough for a terminal row: service ids, or "truck" (or "walk") for a flexible leg.
    return " → ".join(leg.service or ("walk" if leg.mode is Mode.WALK else "truck") for leg in it.legs)


@dataclass(frozen=True)
class _Clear:
    terminal: int
    seconds: int
    cost: float


@dataclass(frozen=True)
class _DriveInfo:
    link: Link | None
    a: int
    b: int
    distance_km: float
    duration_s: int
    cost: float
    emissions: ElementEmissions
    pre: _Clear | None
    post: _Clear | None
    geometry: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class _Hop:
    distance_km: float
    cost: float
    emissions: ElementEmissions
    clears: tuple[_Clear, ...]
    geometry: tuple[tuple[float, float], ...]


def _element(intensity: Any, em: Any) -> ElementEmissions:
    return ElementEmissions(
        wtt_kg=em.wtt_kg,
        ttw_kg=em.ttw_kg,
        factor_id=intensity.factor_id,
        factor_source=intensity.source,
        intensity_wtw=intensity.wtw,
        intensity_unit=intensity.unit.value,
        adjustments=intensity.adjustments,
        activity=em.activity,
        activity_unit=em.activity_unit,
        measured=intensity.measured,
    )


class _Network:
    """The bundle seen by one shipment: indices, the amounts of every element, and the search graph."""

    def __init__(
        self,
        bundle: Bundle,
        shipment: Shipment,
        origin: Place,
        destination: Place,
        *,
        carbon_price: float = 0.0,
        engine: str = "auto",
        availability: Availability | None = None,
    ) -> None:
        self.bundle = bundle
        self.engine = engine
        self.availability = availability
        #: the ledger refs of the departures left out for want of room (with an availability snapshot)
        self.full: list[str] = []
        #: how many trips each open disruption (by id) took out of the search
        self.closed: dict[int, int] = {}
        self.carbon_price = carbon_price
        # what one kg of CO2e costs in the search: the carbon price is per tonne
        self.carbon_per_kg = carbon_price / 1000.0
        self.ids = list(bundle.terminals)
        self.index = {tid: i for i, tid in enumerate(self.ids)}
        self.names = [Names(t.name_en, t.name_zh) for t in bundle.terminals.values()]
        self.zones = [t.timezone for t in bundle.terminals.values()]
        self.coords = [(t.lon, t.lat) for t in bundle.terminals.values()]
        self.countries = [t.country for t in bundle.terminals.values()]
        self.drives: list[list[Drive]] = [[] for _ in self.ids]
        self.drive_info: list[_DriveInfo] = []
        #: trucks between a "lat,lon" place and its nearest road terminals: ((from, to), road km)
        self.access_drives: list[tuple[tuple[int, int], float]] = []
        self.origin = self._place(origin, outbound=True)
        self.destination = self._place(destination, outbound=False)
        if shipment.ready.tzinfo is None:
            zone = ZoneInfo(self.zones[self.origin])
            due = (
                shipment.due.replace(tzinfo=zone)
                if shipment.due and shipment.due.tzinfo is None
                else shipment.due
            )
            shipment = dataclasses.replace(shipment, ready=shipment.ready.replace(tzinfo=zone), due=due)
        elif shipment.due is not None and shipment.due.tzinfo is None:
            shipment = dataclasses.replace(
                shipment, due=shipment.due.replace(tzinfo=ZoneInfo(self.zones[self.origin]))
            )
        self.shipment = shipment
        self.reefer = shipment.cargo.kind is CargoKind.REEFER
        self.dg = shipment.cargo.dg_class if shipment.cargo.kind is CargoKind.DANGEROUS else None
        # storage holds by the day the cargo is ready, in the origin's zone (a ride by its trip's day)
        self.day = shipment.ready.astimezone(ZoneInfo(self.zones[self.origin])).date()
        self._build_drives()
        self._build_terminal_rules()
        self._build_storage()
        self.timetable: Timetable | None = None
        self.hops: list[list[_Hop]] = []
        self.graph: SearchGraph

    # places

    def _place(self, place: Place, *, outbound: bool) -> int:
        if place.terminal_id is not None:
            return self.index[place.terminal_id]
        assert place.lat is not None and place.lon is not None
        access = self.bundle.manifest.access
        road = [
            (great_circle_km(place.lat, place.lon, t.lat, t.lon), t.id)
            for t in self.bundle.terminals.values()
            if Mode.ROAD in t.modes
        ]
        road.sort()
        near = [(km, tid) for km, tid in road[:3] if km * access.circuity <= access.max_km]
        if not near:
            nearest = f"{road[0][1]} at {road[0][0] * access.circuity:.0f} km by road" if road else "none"
            raise PlaceError(
                Problem(
                    f"too far from the network: the nearest road terminal is {nearest}",
                    field="from" if outbound else "to",
                    found=place.text,
                    expected=f"a place within {access.max_km:g} km by road of a terminal",
                )
            )
        me = len(self.ids)
        self.ids.append(place.text)
        self.names.append(Names(place.text, place.text))
        self.zones.append(self.zones[self.index[near[0][1]]])
        self.coords.append((place.lon, place.lat))
        self.countries.append(self.countries[self.index[near[0][1]]])
        self.drives.append([])
        for km, tid in near:
            pair = (me, self.index[tid]) if outbound else (self.index[tid], me)
            self.access_drives.append((pair, km * access.circuity))
        return me

    # amounts of every element, computed once

    def _intensity(self, factor_id: str, mode: Mode) -> Any:
        return transport_intensity(
            self.bundle.factors, factor_id, mode=mode, region=self.bundle.manifest.region, reefer=self.reefer
        )

    def _clear(self, a: int, b: int, at: int) -> _Clear | None:
        if self.countries[a] == self.countries[b] or at >= len(self.bundle.terminals):
            return None
        crossing = self.bundle.crossings.get(self.ids[at])
        if crossing is None:
            return None
        return _Clear(at, round(crossing.clearance_h * 3600), clearance_cost(crossing, teu=self.shipment.teu))

    def _build_drives(self) -> None:
        s = self.shipment
        for link in self.bundle.links:
            if not link.flexible or not link.allows(reefer=self.reefer, dg_class=self.dg):
                continue
            if link.duration_h is None or self._closed_road(link):
                continue
            a, b = self.index[link.from_id], self.index[link.to_id]
            if link.mode is Mode.WALK:
                em = ElementEmissions(0.0, 0.0)  # a walker between two stops of a passenger feed
            else:
                intensity = self._intensity(link.emission_factor, link.mode)
                em = _element(
                    intensity,
                    leg_emissions(intensity, distance_km=link.distance_km, teu=s.teu, tonnes=s.tonnes),
                )
            cost = link_cost(link, teu=s.teu, tonnes=s.tonnes)
            geometry = link.geometry or (self.coords[a], self.coords[b])
            directions = [(a, b, geometry)]
            if link.bidirectional:
                directions.append((b, a, tuple(reversed(geometry))))
            for u, v, geom in directions:
                self._add_drive(link, u, v, link.distance_km, round(link.duration_h * 3600), cost, em, geom)
        access = self.bundle.manifest.access
        for (u, v), km in self.access_drives:
            intensity = self._intensity(access.emission_factor, Mode.ROAD) if access.emission_factor else None
            if intensity is not None:
                em = _element(intensity, leg_emissions(intensity, distance_km=km, teu=s.teu, tonnes=s.tonnes))
            else:
                em = ElementEmissions(0.0, 0.0)
            cost = access.cost_per_teu_km * km * s.teu
            self._add_drive(
                None,
                u,
                v,
                km,
                round(km / access.speed_kmh * 3600),
                cost,
                em,
                (self.coords[u], self.coords[v]),
            )

    def _closed_road(self, link: Link) -> bool:
        """Whether an open disruption closes this road at some time the search may drive it."""
        if self.availability is None or not self.availability.closures:
            return False
        ready = self.shipment.ready
        end = self.shipment.due or ready + timedelta(days=30)
        hit = drive_closure(link, self.availability.closures, ready, end)
        if hit is not None:
            self.closed[hit.id] = self.closed.get(hit.id, 0)
        return hit is not None

    def _add_drive(
        self,
        link: Link | None,
        u: int,
        v: int,
        km: float,
        secs: int,
        cost: float,
        em: ElementEmissions,
        geometry: tuple[tuple[float, float], ...],
    ) -> None:
        pre, post = self._clear(u, v, u), self._clear(u, v, v)
        ref = len(self.drive_info)
        self.drive_info.append(_DriveInfo(link, u, v, km, secs, cost, em, pre, post, geometry))
        extra = (pre.cost if pre else 0.0) + (post.cost if post else 0.0)
        self.drives[u].append(
            Drive(
                v,
                secs,
                cost + extra + self.carbon_per_kg * em.wtw_kg,
                em.wtw_kg,
                ref,
                pre.seconds if pre else 0,
                post.seconds if post else 0,
                _CODE[link.mode] if link is not None else ROAD,
            )
        )

    def _build_terminal_rules(self) -> None:
        """Whether cargo may be handled at each terminal, and what handling costs per pair of modes."""
        s = self.shipment
        n, m = len(self.ids), len(_MODES)
        self.handle_ok = [False] * n
        self.handle_s = np.zeros((n, m, m), dtype=np.int64)
        self.handle_cost = np.zeros((n, m, m), dtype=np.float64)
        self.handle_em = [ElementEmissions(0.0, 0.0)] * n
        self.truck_ok = [True] * n
        walk = _CODE[Mode.WALK]
        for i, t in enumerate(self.bundle.terminals.values()):
            self.handle_ok[i] = not terminal_problems(t, s.cargo)
            self.truck_ok[i] = Mode.ROAD in t.modes
            self.handle_s[i] = round(t.handling_h * 3600)
            self.handle_cost[i] = handling_cost(t, teu=s.teu)
            if t.handling_factor:
                hi = hub_intensity(self.bundle.factors, t.handling_factor, reefer=self.reefer)
                self.handle_em[i] = _element(hi, hub_emissions(hi, teu=s.teu, tonnes=s.tonnes))
        for (tid, a, b), rule in self.bundle.handling.items():  # pairs with handling of their own
            pair = (self.index[tid], _CODE[a], _CODE[b])
            self.handle_s[pair] = round(rule.handling_h * 3600)
            self.handle_cost[pair] = handling_cost(self.bundle.terminals[tid], teu=s.teu, rule=rule)
        # a walker between stops has nothing handled: the walk's own time is the transfer
        self.handle_s[:, walk, :] = self.handle_s[:, :, walk] = 0
        self.handle_cost[:, walk, :] = self.handle_cost[:, :, walk] = 0.0
        self.handle_co2 = np.zeros((n, m, m), dtype=np.float64)
        self.handle_co2[:] = np.array([e.wtw_kg for e in self.handle_em])[:, None, None]
        self.handle_co2[:, walk, :] = self.handle_co2[:, :, walk] = 0.0

    def _tariff(self, rows: Sequence[Tariff]) -> Tariff | None:
        """The row of ``rows`` that holds on the day the cargo is ready (a yard's storage)."""
        s = self.shipment
        return choose_tariff(rows, teu=s.teu, tonnes=s.tonnes, reefer=self.reefer, day=self.day)

    def _build_storage(self) -> None:
        """Storage per second (after free time) in each terminal's yard, from its tariff rows."""
        n = len(self.ids)
        self.storage_cost_s = [0.0] * n
        self.storage_free_s = [0] * n
        self.storage_tariff: list[Tariff | None] = [None] * n
        by_terminal: dict[str, list[Tariff]] = {}
        for row in self.bundle.tariffs:
            if row.terminal is not None:
                by_terminal.setdefault(row.terminal, []).append(row)
        for tid, rows in by_terminal.items():
            found = self._tariff(rows)
            if found is not None and tid in self.index:
                i = self.index[tid]
                self.storage_tariff[i] = found
                self.storage_cost_s[i] = storage_rate_s(found, teu=self.shipment.teu)
                self.storage_free_s[i] = round(found.free_days * 86400)

    def _service_tariff(self, svc: Service, day: date) -> Tariff | None:
        """The row that prices ``svc`` on ``day`` for this shipment: the service's own, else its line's."""
        s = self.shipment
        for rows in (
            [r for r in self.bundle.tariffs if r.service == svc.id],
            [r for r in self.bundle.tariffs if svc.line and r.line == svc.line],
        ):
            found = choose_tariff(rows, teu=s.teu, tonnes=s.tonnes, reefer=self.reefer, day=day)
            if found is not None:
                return found
        return None

    def _by_tariff(self, tt: Timetable) -> tuple[Timetable, list[Tariff | None]]:
        """``tt`` with each service split by the tariff row that holds on its trips' departure days, and the
        row of each service of the result (``None``: the service's own rates).

        The search prices a service, not a trip: a trip whose departure day falls under another row is a
        trip of a copy of its service priced by that row.
        """
        if not self.bundle.tariffs or not tt.n_trips:
            return tt, [None] * len(tt.services)
        zones: dict[str, ZoneInfo] = {}
        rows: dict[tuple[int, date], Tariff | None] = {}
        groups: dict[tuple[int, str | None], int] = {}
        old: list[int] = []
        priced: list[Tariff | None] = []
        remap = np.empty(tt.n_trips, dtype=tt.trip_service.dtype)
        for k, (s, start) in enumerate(zip(tt.trip_service.tolist(), tt.trip_start.tolist(), strict=True)):
            svc = tt.services[s]
            zone = self.zones[int(tt.stops[s][0])]
            tz = zones.setdefault(zone, ZoneInfo(zone))
            day = datetime.fromtimestamp(start, tz).date()
            if (s, day) not in rows:
                rows[(s, day)] = self._service_tariff(svc, day)
            row = rows[(s, day)]
            key = (s, None if row is None else row.id)
            if key not in groups:
                groups[key] = len(old)
                old.append(s)
                priced.append(row)
            remap[k] = groups[key]
        # the services in their own order (ties between equal options break by it), each's copies in turn
        order = sorted(range(len(old)), key=lambda g: (old[g], g))
        rank = np.empty(len(old), dtype=np.int64)
        rank[order] = np.arange(len(old))
        remap = rank[remap].astype(tt.trip_service.dtype)
        old = [old[g] for g in order]
        priced = [priced[g] for g in order]
        split = dataclasses.replace(
            tt,
            services=tuple(tt.services[s] for s in old),
            stops=tuple(tt.stops[s] for s in old),
            arrive_s=tuple(tt.arrive_s[s] for s in old),
            depart_s=tuple(tt.depart_s[s] for s in old),
            board_ok=tuple(tt.board_ok[s] for s in old),
            alight_ok=tuple(tt.alight_ok[s] for s in old),
            trip_service=remap,
        )
        return split, priced

    # the timetable and the search graph

    def expand(self, start_s: int, end_s: int) -> None:
        s = self.shipment
        tt = expand_timetable(
            self.bundle.services,
            self.bundle.terminals,
            self.index,
            start=datetime.fromtimestamp(start_s, UTC),
            end=datetime.fromtimestamp(end_s, UTC),
        )
        if self.availability is not None:
            tt, self.full = _with_room(tt, self.availability, s, self.zones, self.index)
            tt, taken = apply_closures(tt, self.availability.closures, self.bundle, self.ids)
            for closure_id, _ in taken:
                self.closed[closure_id] = self.closed.get(closure_id, 0) + 1
        tt, priced = self._by_tariff(tt)
        link_by = {}
        for link in self.bundle.links:
            link_by[(link.from_id, link.to_id, link.mode)] = (link, False)
            if link.bidirectional:
                link_by.setdefault((link.to_id, link.from_id, link.mode), (link, True))
        rules: list[ServiceRules] = []
        self.hops = []
        # many services share hops (a passenger feed has thousands): their emissions are computed once
        emissions: dict[tuple[str, Mode, str], ElementEmissions] = {}
        self.fares: list[float] = []
        self.tariffs: list[Tariff | None] = []
        for svc, tariff in zip(tt.services, priced, strict=True):
            usable = not service_problems(svc, s.cargo, teu=s.teu)
            intensity = self._intensity(svc.emission_factor, svc.mode)
            if tariff is not None:
                fare, per_km = tariff_charges(tariff, teu=s.teu, reefer=self.reefer, dg=self.dg is not None)
            else:
                fare, per_km = svc.fixed_cost_per_teu * s.teu, 0.0
            self.fares.append(fare)
            self.tariffs.append(tariff)
            hops: list[_Hop] = []
            board = [0] * len(svc.stops)
            alight = [0] * len(svc.stops)
            for j in range(len(svc.stops) - 1):
                a_id, b_id = svc.stops[j].terminal_id, svc.stops[j + 1].terminal_id
                link, backwards = link_by[(a_id, b_id, svc.mode)]
                a, b = self.index[a_id], self.index[b_id]
                em = emissions.get((svc.emission_factor, svc.mode, link.id))
                if em is None:
                    em = emissions[svc.emission_factor, svc.mode, link.id] = _element(
                        intensity,
                        leg_emissions(intensity, distance_km=link.distance_km, teu=s.teu, tonnes=s.tonnes),
                    )
                clears = tuple(c for c in (self._clear(a, b, a), self._clear(a, b, b)) if c is not None)
                for c in clears:
                    if c.terminal == a:
                        board[j] = c.seconds
                    else:
                        alight[j + 1] = c.seconds
                geometry = link.geometry or (self.coords[a], self.coords[b])
                if backwards:
                    geometry = tuple(reversed(geometry))
                rate = (
                    per_km * link.distance_km
                    if tariff is not None
                    else service_cost(svc, distance_km=link.distance_km, teu=s.teu)
                    - svc.fixed_cost_per_teu * s.teu
                )
                hops.append(_Hop(link.distance_km, rate, em, clears, geometry))
            self.hops.append(hops)
            rules.append(
                ServiceRules(
                    mode=_CODE[svc.mode],
                    usable=usable,
                    cutoff_s=round(svc.cutoff_h * 3600),
                    fare_cost=fare,
                    hop_cost=[
                        h.cost + sum(c.cost for c in h.clears) + self.carbon_per_kg * h.emissions.wtw_kg
                        for h in hops
                    ],
                    hop_co2=[h.emissions.wtw_kg for h in hops],
                    board_clear_s=board,
                    alight_clear_s=alight,
                )
            )
        self.timetable = tt
        self.graph = SearchGraph(
            n=len(self.ids),
            drives=self.drives,
            handle_ok=self.handle_ok,
            handle_s=self.handle_s,
            handle_cost=self.handle_cost + self.carbon_per_kg * self.handle_co2,
            handle_co2=self.handle_co2,
            timetable=tt,
            services=rules,
            truck_ok=self.truck_ok,
            open_s=[
                *(
                    # the search may run past the timetable's end on trucks: open hours a month beyond it
                    opening_windows(
                        t.opening_hours, t.timezone, start=self.at(start_s), end=self.at(end_s + 30 * 86400)
                    )
                    for t in self.bundle.terminals.values()
                ),
                *([None] * (len(self.ids) - len(self.bundle.terminals))),
            ],
            storage_cost_s=self.storage_cost_s if any(self.storage_cost_s) else None,
            storage_free_s=self.storage_free_s if any(self.storage_cost_s) else None,
        )
        self.compiled: FreightSearch | None = None
        self.searched_states = 0
        self.states = 3 * len(self.ids) * len(_MODES) + sum(len(tt.stops[int(s)]) for s in tt.trip_service)
        if self.graph.storage_cost_s is not None:
            # with storage a yard boards every later trip, not the first, and the dominance test keeps more
            # labels: on the Chongqing scenario a plain search takes 0.3-0.9 s and the compiled one 0.02 s,
            # so a range query pays for loading the kernel after about three searches
            self.states *= 5 * max(1, tt.n_trips // max(1, len(tt.services)))

    # journeys back to itineraries

    def at(self, secs: int) -> datetime:
        return datetime.fromtimestamp(secs, UTC)

    def search(
        self, ready_s: int, *, due_s: int | None, max_labels: int, deadline: Deadline | None = None
    ) -> list[Journey]:
        """The Pareto journeys for cargo ready at ``ready_s``.

        Cargo starts on a truck where the origin handles road (door to door) and is handed to a truck at a
        destination that does; at a terminal without road (a stop of a passenger feed) it starts in the yard
        and ends aboard or on foot.
        """
        fast = self._compiled()
        search = fast.search if fast is not None else partial(pareto_search, self.graph)
        return search(
            self.origin,
            self.destination,
            ready_s,
            due_s=due_s,
            max_labels=max_labels,
            deadline=deadline,
            start_mode=ROAD if self.truck_ok[self.origin] else None,
            handle_at_destination=self.truck_ok[self.destination],
        )

    def _compiled(self) -> FreightSearch | None:
        """The compiled engine for the next search, or ``None`` for the plain one (see ``engine``)."""
        if self.engine == "reference":
            return None
        if self.engine == "auto":
            self.searched_states += self.states
            loaded = sys.modules.get("intermodal.engines.freight")
            warm = loaded is not None and loaded.is_warm()
            if not warm and self.searched_states <= _COMPILE_AFTER_STATES:
                return None
        if self.compiled is None:
            from intermodal.engines.freight import FreightSearch  # imports numba: only when it pays

            # flattened once: a range query searches the same graph many times
            self.compiled = FreightSearch(self.graph)
        return self.compiled

    def slack(self, journey: Journey) -> int | None:
        """How much later the cargo could be ready and still make the journey's first scheduled departure."""
        for mv in journey.moves:
            if mv.kind == "board":
                rules = self.graph.services[int(self.graph.timetable.trip_service[mv.ref])]
                return mv.end_s - rules.cutoff_s - rules.board_clear_s[mv.stop] - mv.start_s
        return None

    def delayed(self, journey: Journey, seconds: int) -> Journey:
        """The journey with every move before its first scheduled departure ``seconds`` later.

        With ``seconds`` its slack, the cargo is ready at the latest time that still makes the departure,
        and trucks to it leave as late as they can.
        """
        moves = list(journey.moves)
        for i, mv in enumerate(moves):
            if mv.kind == "board":
                # the yard time before boarding moves; the departure does not
                moves[i] = dataclasses.replace(mv, start_s=mv.start_s + seconds)
                break
            moves[i] = dataclasses.replace(mv, start_s=mv.start_s + seconds, end_s=mv.end_s + seconds)
        return dataclasses.replace(journey, moves=tuple(moves))

    def _hub(
        self, kind: str, terminal: int, start: int, end: int, cost: float, em: ElementEmissions | None = None
    ) -> HubOperation:
        return HubOperation(
            kind,
            self.ids[terminal],
            self.names[terminal],
            self.zones[terminal],
            self.at(start),
            self.at(end),
            cost,
            em or ElementEmissions(0.0, 0.0),
        )

    def _handling(self, mv: Move) -> list[HubOperation]:
        """The hub operation of a handle or alight move: what the search added for its pair of modes."""
        u, a, b = mv.terminal, mv.from_mode, mv.to_mode
        if Mode.WALK in (_MODES[a], _MODES[b]):
            return []  # a walker has nothing handled
        seconds, cost = int(self.handle_s[u, a, b]), float(self.handle_cost[u, a, b])
        # handling ends the move, after any clearance and any wait for the terminal to open
        hub = self._hub("handling", u, mv.end_s - seconds, mv.end_s, cost, self.handle_em[u])
        return [dataclasses.replace(hub, from_mode=_MODES[a], to_mode=_MODES[b])]

    def itinerary(self, journey: Journey) -> Itinerary:
        legs: list[Leg] = []
        hubs: list[HubOperation] = []
        truck: list[tuple[_DriveInfo, int]] = []  # drives of the current truck run, with their start times
        ride: tuple[int, int, int] | None = None  # trip, boarding stop, yard time before boarding

        def close_truck() -> None:
            if not truck:
                return
            first, t0 = truck[0]
            last, t1 = truck[-1]
            em = _merged([d.emissions for d, _ in truck])
            geometry = _joined([d.geometry for d, _ in truck])
            legs.append(
                Leg(
                    mode=Mode.ROAD if first.link is None else first.link.mode,
                    from_id=self.ids[first.a],
                    to_id=self.ids[last.b],
                    from_name=self.names[first.a],
                    to_name=self.names[last.b],
                    from_tz=self.zones[first.a],
                    to_tz=self.zones[last.b],
                    depart=self.at(t0),
                    arrive=self.at(t1 + last.duration_s),
                    distance_km=sum(d.distance_km for d, _ in truck),
                    cost=sum(d.cost for d, _ in truck),
                    emissions=em,
                    via=tuple(self.ids[d.b] for d, _ in truck[:-1]),
                    geometry=geometry,
                )
            )
            truck.clear()

        for mv in journey.moves:
            if mv.kind == "drive":
                info = self.drive_info[mv.ref]
                if truck and truck[-1][0].emissions.factor_id != info.emissions.factor_id:
                    close_truck()  # one leg, one emission factor
                t = mv.start_s
                if info.pre is not None:
                    close_truck()
                    hubs.append(
                        self._hub("clearance", info.pre.terminal, t, t + info.pre.seconds, info.pre.cost)
                    )
                    t += info.pre.seconds
                truck.append((info, t))
                t += info.duration_s
                if info.post is not None:
                    close_truck()
                    hubs.append(
                        self._hub("clearance", info.post.terminal, t, t + info.post.seconds, info.post.cost)
                    )
            elif mv.kind == "handle":
                close_truck()
                hubs += self._handling(mv)
            elif mv.kind == "board":
                close_truck()
                ride = (mv.ref, mv.stop, mv.start_s)
                if self.storage_tariff[mv.terminal] is not None:
                    # what the search added for the wait in the yard until this departure
                    cost = self.graph.storage(mv.terminal, mv.end_s - mv.start_s)
                    hubs.append(self._hub("storage", mv.terminal, mv.start_s, mv.end_s, cost))
            elif mv.kind == "alight":
                assert ride is not None
                self._close_ride(ride, mv.stop, legs, hubs)
                hubs += self._handling(mv)
                ride = None
        close_truck()
        if ride is not None:  # the journey ends aboard (no handling at the destination)
            last = journey.moves[-1]
            self._close_ride(ride, last.stop, legs, hubs)
        hubs.sort(key=lambda h: (h.start, h.end))
        it = Itinerary(
            tuple(legs), tuple(hubs), self.bundle.manifest.currency, carbon_price=self.carbon_price
        )
        return self.carried(it, self.shipment.ready)

    def carried(self, it: Itinerary, ready: datetime) -> Itinerary:
        """``it`` with the inventory carrying of the cargo's value from ``ready`` to its arrival.

        It grows with the arrival time alone (for one ready time), so adding it after the search keeps every
        dominated option dominated: the options it leaves on the Pareto front are those :func:`_solve` keeps.
        """
        value, rate = self.shipment.value, self.bundle.manifest.inventory_rate_per_year
        if not value or not rate:
            return it
        seconds = (it.arrive - ready).total_seconds()
        carrying = Inventory(
            value=value,
            rate_per_year=rate,
            days=seconds / 86400.0,
            cost=inventory_cost(value, rate, seconds=seconds),
            source=self.bundle.manifest.inventory_rate_source,
        )
        return dataclasses.replace(it, inventory=carrying)

    def _close_ride(
        self, ride: tuple[int, int, int], j1: int, legs: list[Leg], hubs: list[HubOperation]
    ) -> None:
        assert self.timetable is not None
        tt = self.timetable
        k, j0, yard_t = ride
        s_idx = int(tt.trip_service[k])
        svc = tt.services[s_idx]
        start = int(tt.trip_start[k])
        stops = tt.stops[s_idx]
        hops = self.hops[s_idx][j0:j1]
        for offset, hop in enumerate(hops):
            j = j0 + offset
            for c in hop.clears:
                if c.terminal == int(stops[j0]) and j == j0:
                    begin = yard_t
                    end = begin + c.seconds
                elif c.terminal == int(stops[j1]) and j + 1 == j1:
                    begin = start + int(tt.arrive_s[s_idx][j1])
                    end = begin + c.seconds
                else:  # aboard, during the stop's dwell
                    at = j if c.terminal == int(stops[j]) else j + 1
                    begin = start + int(tt.arrive_s[s_idx][at])
                    end = start + int(tt.depart_s[s_idx][at])
                hubs.append(self._hub("clearance", c.terminal, begin, end, c.cost))
        em = _merged([h.emissions for h in hops])
        geometry = _joined([h.geometry for h in hops])
        a, b = int(stops[j0]), int(stops[j1])
        tariff = self.tariffs[s_idx]
        legs.append(
            Leg(
                mode=svc.mode,
                from_id=self.ids[a],
                to_id=self.ids[b],
                from_name=self.names[a],
                to_name=self.names[b],
                from_tz=self.zones[a],
                to_tz=self.zones[b],
                depart=self.at(start + int(tt.depart_s[s_idx][j0])),
                arrive=self.at(start + int(tt.arrive_s[s_idx][j1])),
                distance_km=sum(h.distance_km for h in hops),
                cost=self.fares[s_idx] + sum(h.cost for h in hops),
                emissions=em,
                service=svc.id,
                service_name=Names(svc.name_en, svc.name_zh),
                carrier=svc.carrier,
                via=tuple(self.ids[int(x)] for x in stops[j0 + 1 : j1]),
                geometry=geometry,
                departure_ref=_departure_ref(svc.id, start, self.zones[int(stops[0])]),
                tariff=tariff.id if tariff is not None else None,
                tariff_source=tariff.source if tariff is not None else None,
                **self._room(svc, start),
            )
        )

    def _room(self, svc: Service, start: int) -> dict[str, float | None]:
        """The room a departure had at the time of the answer, as far as the ledger knows it."""
        if self.availability is None:
            return {}
        room = self.availability.room(svc.id, start)
        if (
            room is None
        ):  # not in the ledger yet: the timetable's own capacity and plugs; its kg the ledger sets
            return {"free_teu": svc.capacity_teu, "free_kg": None, "free_reefer": svc.reefer_plugs_teu}
        return {"free_teu": room.free_teu, "free_kg": room.free_kg, "free_reefer": room.free_reefer}


def _departure_ref(service_id: str, start_s: int, zone: str) -> str:
    """The ledger's name for a dated trip: ``service@<local departure at its first stop, to the minute>``."""
    local = datetime.fromtimestamp(start_s, ZoneInfo(zone))
    return f"{service_id}@{local.isoformat(timespec='minutes')}"


def _with_room(
    tt: Timetable, availability: Availability, shipment: Shipment, zones: list[str], index: dict[str, int]
) -> tuple[Timetable, list[str]]:
    """The timetable without the trips that have no room left for ``shipment`` (full, cancelled, gone), and
    the ledger refs of those trips."""
    reefer = shipment.cargo.kind is CargoKind.REEFER
    kg = shipment.tonnes * 1000.0
    ids = [svc.id for svc in tt.services]
    trips = zip(map(ids.__getitem__, tt.trip_service.tolist()), tt.trip_start.tolist(), strict=True)
    keep = availability.fits_each(trips, shipment.teu, kg, reefer=reefer)
    if keep.all():
        return tt, []
    full = []
    for k in np.flatnonzero(~keep):
        svc = tt.services[int(tt.trip_service[k])]
        full.append(_departure_ref(svc.id, int(tt.trip_start[k]), zones[index[svc.stops[0].terminal_id]]))
    return dataclasses.replace(tt, trip_service=tt.trip_service[keep], trip_start=tt.trip_start[keep]), full


def _merged(parts: Sequence[ElementEmissions]) -> ElementEmissions:
    """One leg's emissions from its parts (a truck's links, a ride's hops), all on one factor."""
    return dataclasses.replace(
        parts[0],
        wtt_kg=sum(p.wtt_kg for p in parts),
        ttw_kg=sum(p.ttw_kg for p in parts),
        activity=sum(p.activity for p in parts),
    )


def _joined(shapes: Sequence[tuple[tuple[float, float], ...]]) -> tuple[tuple[float, float], ...]:
    """Consecutive polylines as one, without repeating the points where they meet."""
    points: list[tuple[float, float]] = []
    for shape in shapes:
        points += shape if not points else shape[1:]
    return tuple(points)


def _explain(
    bundle: Bundle,
    shipment: Shipment,
    origin: Place,
    destination: Place,
    *,
    horizon_days: float,
    deadline: Deadline | None = None,
    availability: Availability | None = None,
) -> list[NoRouteReason]:
    """Why no option exists, found by relaxing the query one rule at a time.

    Each reason carries a stable code and its parameters (places by terminal id or as given, times as ISO 8601
    in the local zone), so that a client can word it in the user's language.
    """
    ends = {
        "origin": origin.terminal_id or origin.text,
        "destination": destination.terminal_id or destination.text,
    }
    where = f"from {ends['origin']} to {ends['destination']}"
    reasons: list[NoRouteReason] = []

    def attempt(s: Shipment, days: float) -> list[Itinerary]:
        # the search alone: asking find_routes would explain a failure again, without end
        found = _solve(
            bundle, origin, destination, s, horizon_days=days, deadline=deadline, availability=availability
        )[1]
        return sorted(found, key=lambda it: it.arrive)

    if availability is not None and availability.closures:
        # would the query be answered without the open disruptions? then they are the reason
        undisrupted = _solve(
            bundle,
            origin,
            destination,
            shipment,
            horizon_days=horizon_days,
            deadline=deadline,
            availability=dataclasses.replace(availability, closures=()),
        )[1]
        if undisrupted:
            best = min(undisrupted, key=lambda it: it.arrive)
            return [
                NoRouteReason(
                    f"no option {where} avoids disruption {c.id}: {c.describe()}",
                    "disrupted",
                    {**ends, "disruption": c.id, "kind": c.kind, "target": c.target},
                )
                for c in closures_on(best, availability.closures, bundle)
            ] or [
                NoRouteReason(
                    f"no option {where} avoids the open disruptions",
                    "disrupted",
                    {**ends, "disruption": None, "kind": None, "target": None},
                )
            ]
    if availability is not None:
        # would the query be answered if every departure had room? then the full departures are the reason
        net, roomy = _solve(
            bundle, origin, destination, shipment, horizon_days=horizon_days, deadline=deadline
        )
        if roomy:
            return _full_departures(net, min(roomy, key=lambda it: it.arrive), availability, where, ends)

    if shipment.due is not None:
        late = attempt(dataclasses.replace(shipment, due=None), max(horizon_days, 60.0))
        if late:
            best = late[0]
            hours = (best.arrive - shipment.due).total_seconds() / 3600
            due = shipment.due.isoformat()
            earliest = best.arrive.astimezone(ZoneInfo(best.legs[-1].to_tz)).isoformat()
            reasons.append(
                NoRouteReason(
                    f"no option {where} arrives by the due time {due}; the earliest arrives {earliest} "
                    f"({hours:.1f} h late)",
                    "late",
                    {**ends, "due": due, "earliest": earliest, "hours_late": round(hours, 1)},
                )
            )
            return reasons
    general = dataclasses.replace(
        shipment, cargo=dataclasses.replace(shipment.cargo, kind=CargoKind.GENERAL, dg_class=None), due=None
    )
    relaxed = attempt(general, max(horizon_days, 60.0))
    if relaxed and shipment.cargo.kind is not CargoKind.GENERAL:
        reefer = shipment.cargo.kind is CargoKind.REEFER
        what = "reefer-capable" if reefer else f"dangerous goods class {shipment.cargo.dg_class}"
        blockers = _blockers(bundle, shipment, relaxed[0])
        reasons.append(
            NoRouteReason(
                f"no {what} route {where}" + (f": {'; '.join(b.text for b in blockers)}" if blockers else ""),
                "cargo_not_carried",
                {
                    **ends,
                    "cargo": "reefer" if reefer else "dg",
                    "dg_class": shipment.cargo.dg_class,
                    "blockers": blockers,
                },
            )
        )
        return reasons
    big = [s for s in bundle.services if s.capacity_teu < shipment.teu]
    if big and len(big) == len(bundle.services):
        reasons.append(
            NoRouteReason(
                f"the shipment's {shipment.teu:g} TEU exceed the capacity of every departure; split it",
                "over_capacity",
                {"teu": shipment.teu},
            )
        )
    reasons.append(
        NoRouteReason(
            f"no route {where} within {horizon_days:g} days in scenario {bundle.name}",
            "no_route_within",
            {**ends, "days": horizon_days, "scenario": bundle.name},
        )
    )
    return reasons


def _full_departures(
    net: _Network, best: Itinerary, availability: Availability, where: str, ends: dict[str, str]
) -> list[NoRouteReason]:
    """Why ``best`` (found as if every departure had room) is not offered: the full departures on its way,
    each with how many of that day's departures of its service are full and the next one with room."""
    assert net.timetable is not None
    tt, shipment = net.timetable, net.shipment
    reefer = shipment.cargo.kind is CargoKind.REEFER
    kg = shipment.tonnes * 1000.0
    reasons = []
    for leg in best.legs:
        if leg.service is None:
            continue
        s_idx = next(i for i, svc in enumerate(tt.services) if svc.id == leg.service)
        starts = sorted(int(t) for si, t in zip(tt.trip_service, tt.trip_start, strict=True) if si == s_idx)
        zone = ZoneInfo(net.zones[int(tt.stops[s_idx][0])])

        def fits(t: int, service: str = leg.service, plugs: bool = reefer) -> bool:
            return availability.fits(service, t, shipment.teu, kg, reefer=plugs)

        ride = next(t for t in starts if _departure_ref(leg.service, t, zone.key) == leg.departure)
        if fits(ride):
            continue
        day = datetime.fromtimestamp(ride, zone).date()
        same_day = [t for t in starts if datetime.fromtimestamp(t, zone).date() == day]
        full = sum(not fits(t) for t in same_day)
        # a reefer shipment is also kept off a departure whose TEU would fit but whose reefer plugs are taken
        plugs = sum(not fits(t) and fits(t, plugs=False) for t in same_day) if reefer else 0
        word = "full or out of reefer plugs" if plugs else "full"
        later = next((t for t in starts if t > ride and fits(t)), None)
        nxt = datetime.fromtimestamp(later, zone).isoformat(timespec="minutes") if later else None
        text = (
            f"all {len(same_day)} {leg.service} departures on {day.isoformat()} are {word}"
            if full == len(same_day)
            else f"{full} of {len(same_day)} {leg.service} departures on {day.isoformat()} are {word}, "
            f"among them the one {where} needs"
        )
        text += (
            f"; the next with room leaves {nxt}"
            if nxt
            else "; none leaves later with room in the search window"
        )
        reasons.append(
            NoRouteReason(
                text,
                "departures_full",
                {
                    **ends,
                    "service": leg.service,
                    "date": day.isoformat(),
                    "full": full,
                    "out_of_plugs": plugs,
                    "departures": len(same_day),
                    "next": nxt,
                },
            )
        )
    return reasons


def _blockers(bundle: Bundle, shipment: Shipment, general: Itinerary) -> list[NoRouteReason]:
    """What on the general-cargo route breaks this cargo's rules."""
    out: list[NoRouteReason] = []
    reefer = shipment.cargo.kind is CargoKind.REEFER
    dg = shipment.cargo.dg_class
    for hub in general.hubs:
        t = bundle.terminals.get(hub.terminal_id)
        if hub.kind != "handling" or t is None:
            continue
        if reefer and not t.reefer:
            out.append(NoRouteReason(f"{t.id} has no reefer plugs", "terminal_no_reefer", {"terminal": t.id}))
        if dg and not t.accepts_dg(dg):
            out.append(
                NoRouteReason(
                    f"{t.id} does not accept class {dg}", "terminal_no_dg", {"terminal": t.id, "dg_class": dg}
                )
            )
    for leg in general.legs:
        if leg.service:
            svc = bundle.service(leg.service)
            if reefer and not svc.reefer:
                out.append(
                    NoRouteReason(
                        f"service {svc.id} carries no reefer boxes", "service_no_reefer", {"service": svc.id}
                    )
                )
            if dg and not svc.accepts_dg(dg):
                out.append(
                    NoRouteReason(
                        f"service {svc.id} does not carry class {dg}",
                        "service_no_dg",
                        {"service": svc.id, "dg_class": dg},
                    )
                )
    for link in bundle.links:
        if dg and not link.allows(reefer=False, dg_class=dg) and _uses(general, link):
            out.append(
                NoRouteReason(f"link {link.id} is closed to dangerous goods", "link_no_dg", {"link": link.id})
            )
    unique = {b.text: b for b in out}
    return [unique[text] for text in sorted(unique)]


def _uses(it: Itinerary, link: Link) -> bool:
    ends = {link.from_id, link.to_id}
    for leg in it.legs:
        path = [leg.from_id, *leg.via, leg.to_id]
        if any({a, b} == ends for a, b in itertools.pairwise(path)):
            return True
    return False
