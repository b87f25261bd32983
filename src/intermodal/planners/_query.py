"""One query on a search network: its places, its shipment, the trips it may board, and its journeys back
to itineraries.

A :class:`~intermodal.planners.search_network.SearchNetwork` is shared by every query on the same load and
days; what differs per query stays here: the window of departures, the trips without room in the ledger,
the trips closed or delayed by open disruptions, the ready and due times, the value carried, the room each
departure had. (Roads closed by a disruption are the one part of a snapshot that changes the network's
drives: they are part of its cache key, :func:`~intermodal.planners.search_network.compile_search`.)
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import numpy as np

from intermodal.accounting.costs import inventory_cost
from intermodal.engines.reference import (
    ROAD,
    Deadline,
    Journey,
    Move,
    SearchGraph,
    pareto_search,
    pareto_search_many,
)
from intermodal.model import (
    Availability,
    Bundle,
    CargoKind,
    ElementEmissions,
    HubOperation,
    Inventory,
    Itinerary,
    Leg,
    Mode,
    Names,
    Service,
    Shipment,
)
from intermodal.network.timetable import Timetable
from intermodal.planners.disruptions import close_trips, delay_trips, drive_closure, with_bundle_closures
from intermodal.planners.places import Place, place_zone
from intermodal.planners.search_network import (
    _MODES,
    SearchNetwork,
    _departure_ref,
    _DriveInfo,
    compile_search,
)

if TYPE_CHECKING:
    from intermodal.engines.freight import FreightSearch

#: With ``engine="auto"``, the plain search runs until this many search states have been searched on one
#: network; then the compiled one, which costs 2-3 s to load once per process (numba and its cached
#: kernel) and then runs 15-50 times faster (benchmarks/freight_search.py). A one-shot query on the
#: Chongqing scenario (4,500 states) is answered sooner by the plain search; a range query on a city's
#: subway (300,000 states a search) switches after a few searches.
_COMPILE_AFTER_STATES = 1_000_000


@dataclass
class _OpenTrips:
    """The trips one query may board (:func:`_open_trips`)."""

    timetable: Timetable
    #: the service of the network each service of ``timetable`` stands for (a delayed trip's is a copy)
    bases: list[int]
    #: one bool per trip of ``timetable`` (True: not boarded), the engine's ``closed`` mask; ``None`` when
    #: ``timetable`` holds the open trips alone (a query with a delay)
    closed_mask: np.ndarray | None = None
    #: the ledger refs of the trips left out for want of room
    full: list[str] = field(default_factory=list)
    #: how many trips each open disruption (by id) took out
    closed: dict[int, int] = field(default_factory=dict)


def _open_trips(
    net: SearchNetwork,
    start_s: int,
    end_s: int,
    shipment: Shipment,
    availability: Availability | None,
) -> _OpenTrips:
    """The trips of ``net`` this query may board: which are closed, which run late, and why.

    The one place that decides, per query, which trips are closed: the trips not under way in the query's
    own window ``[start_s, end_s]`` (a cached network covers whole days around it) and, with an availability
    snapshot, those without room for the shipment and those an open disruption closes or cancels. They are
    returned as the engines' ``closed`` mask over ``net.timetable``'s trips, so the search runs on the shared
    ``net.graph`` (and its one compiled engine) and the journeys' trip numbers index ``net.timetable``. The
    shared network is never changed: a snapshot's closures hold for its own query only.

    A delayed trip moves to a late copy of its service (its times differ, which no mask can say): a query
    with a delay takes the open trips out of a copy of the timetable instead, and searches a graph of that
    copy (:meth:`SearchNetwork.view`, shared by the queries that leave the same trips open and late).
    """
    tt = net.timetable
    first = tt.trip_start
    # as expand_timetable keeps a trip: under way at some time in the window
    open_ = (first <= end_s) & (first + net.span_s[tt.trip_service] >= start_s)
    full: list[str] = []
    closed: dict[int, int] = {}
    if availability is not None:
        at = np.flatnonzero(open_)
        room, full = _room(_trips(tt, at), availability, shipment, net.zones, net.index)
        open_[at[~room]] = False
        at = at[room]
        _, taken = close_trips(_trips(tt, at), availability.closures, net.bundle, net.ids)
        for closure_id, k in taken:
            closed[closure_id] = closed.get(closure_id, 0) + 1
            open_[at[k]] = False
        late, bases = delay_trips(_trips(tt, np.flatnonzero(open_)), availability.closures)
        if len(bases) > len(tt.services):
            return _OpenTrips(late, bases, None, full, closed)
    return _OpenTrips(tt, list(range(len(tt.services))), ~open_, full, closed)


def _trips(tt: Timetable, at: np.ndarray) -> Timetable:
    """``tt`` with only the trips numbered ``at``."""
    if len(at) == tt.n_trips:
        return tt
    return dataclasses.replace(tt, trip_service=tt.trip_service[at], trip_start=tt.trip_start[at])


class _Network:
    """The network seen by one shipment: a shared :class:`SearchNetwork`, and the trips this query may board.

    ``expand`` picks the network (from the cache) and opens the trips of a window; ``search`` runs the
    engine; ``itinerary`` turns a journey back into legs and hub operations.
    """

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
        departure_prices: Mapping[str, float] | None = None,
        destinations: Sequence[Place] = (),
    ) -> None:
        self.bundle = bundle
        self.engine = engine
        # the bundle's own closures (closures.csv) join the ledger's: one snapshot, one code path
        self.availability = with_bundle_closures(bundle, availability)
        #: an extra cost for boarding a dated departure, by its ledger ref (``_departure_ref``)
        self.departure_prices = departure_prices or {}
        #: the ledger refs of the departures left out for want of room (with an availability snapshot)
        self.full: list[str] = []
        #: how many trips each open disruption (by id) took out of the search; 0 for one that only closes
        #: roads
        self.closed: dict[int, int] = {}
        self.carbon_price = carbon_price
        self.places = (origin, destination)
        #: more destinations the network holds, for :meth:`search_many` (their zones checked by the caller)
        self.destinations = tuple(destinations)
        # the zone of a check-in time given without one, and of the day storage is priced on
        zone = ZoneInfo(place_zone(bundle, origin, outbound=True))
        place_zone(bundle, destination, outbound=False)  # a place too far from the network fails here
        if shipment.ready.tzinfo is None:
            due = (
                shipment.due.replace(tzinfo=zone)
                if shipment.due and shipment.due.tzinfo is None
                else shipment.due
            )
            shipment = dataclasses.replace(shipment, ready=shipment.ready.replace(tzinfo=zone), due=due)
        elif shipment.due is not None and shipment.due.tzinfo is None:
            shipment = dataclasses.replace(shipment, due=shipment.due.replace(tzinfo=zone))
        self.shipment = shipment
        # storage holds by the day the cargo is ready, in the origin's zone (a ride by its trip's day)
        self.day = shipment.ready.astimezone(zone).date()
        self.net: SearchNetwork
        self.timetable: Timetable | None = None
        #: the network's service each service of ``timetable`` stands for (a delayed trip's is a copy)
        self.bases: list[int] = []
        self.graph: SearchGraph
        #: the trips of ``timetable`` this query does not board (``None``: it boards them all)
        self.mask: np.ndarray | None = None
        #: the extra cost of boarding each trip of ``timetable`` (``None``: none)
        self.price: np.ndarray | None = None
        self.compiled: FreightSearch | None = None

    @property
    def zones(self) -> list[str]:
        return self.net.zones

    def expand(self, start_s: int, end_s: int) -> None:
        """Search the trips under way in ``[start_s, end_s]`` (with an availability: those with room, not
        closed by a disruption, late if delayed; the roads a disruption closes over the window not driven)."""
        s = self.shipment
        roads = self._closed_roads(start_s, end_s)
        self.net = compile_search(
            self.bundle,
            cargo=s.cargo,
            teu=s.teu,
            tonnes=s.tonnes,
            day=self.day,
            window=(start_s, end_s),
            carbon_price=self.carbon_price,
            places=(
                (self.places[0], True),
                (self.places[1], False),
                *((p, False) for p in self.destinations),
            ),
            closed_roads=frozenset(roads),
        )
        self.origin = self.net.node(self.places[0], outbound=True)
        self.destination = self.net.node(self.places[1], outbound=False)
        trips = _open_trips(self.net, start_s, end_s, s, self.availability)
        tt, self.full, self.bases = trips.timetable, trips.full, trips.bases
        self.closed = {closure_id: 0 for closure_id in roads.values()} | trips.closed
        self.timetable = tt
        self.mask = trips.closed_mask
        # the shared graph with the closed trips masked; a delay's late copies need a graph of their own
        self.graph = self.net.graph if self.mask is not None else self.net.view(tt, self.bases)
        self.price = self._trip_prices(tt)
        self.compiled = None
        self.searched_states = 0
        stops = np.array([len(st) for st in tt.stops], dtype=np.int64)
        boarded = tt.trip_service if self.mask is None else tt.trip_service[~self.mask]
        self.states = 3 * len(self.net.ids) * len(_MODES) + int(stops[boarded].sum())
        if self.graph.storage_cost_s is not None:
            # with storage the dominance test keeps more labels (a yard's waits are priced): on the Chongqing
            # scenario a plain search takes 0.3-0.9 s and the compiled one 0.02 s, so a range query pays for
            # loading the kernel after about three searches
            self.states *= 5

    def _trip_prices(self, tt: Timetable) -> np.ndarray | None:
        """The departure prices (:func:`~intermodal.planners.routing.find_routes`) as the engines'
        ``trip_price``, one per trip of ``tt``; ``None`` without any."""
        if not self.departure_prices:
            return None
        price = np.zeros(tt.n_trips, dtype=np.float64)
        if tt is self.net.timetable:
            # the network's own trips: look up the few priced departures, not every trip's name
            trips = self.net.trips_by_ref()
            for ref, p in self.departure_prices.items():
                price[trips.get(ref, [])] = p
            return price if price.any() else None
        first = [self.net.zones[int(st[0])] for st in tt.stops]
        for k, (si, start) in enumerate(zip(tt.trip_service.tolist(), tt.trip_start.tolist(), strict=True)):
            ref = _departure_ref(tt.services[si].id, start, first[si])
            price[k] = self.departure_prices.get(ref, 0.0)
        return price if price.any() else None

    def _closed_roads(self, start_s: int, end_s: int) -> dict[str, int]:
        """The roads this shipment may drive that an open disruption closes at some time in the window, each
        with the closure's id: the search has no time-dependent roads, so it drives none of them."""
        if self.availability is None or not self.availability.closures:
            return {}
        cargo = self.shipment.cargo
        reefer = cargo.kind is CargoKind.REEFER
        dg = cargo.dg_class if cargo.kind is CargoKind.DANGEROUS else None
        start, end = self.at(start_s), self.at(end_s)
        roads = {}
        for link in self.bundle.links:
            if link.flexible and link.duration_h is not None and link.allows(reefer=reefer, dg_class=dg):
                hit = drive_closure(link, self.availability.closures, start, end)
                if hit is not None:
                    roads[link.id] = hit.id
        return roads

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
            start_mode=ROAD if self.net.truck_ok[self.origin] else None,
            handle_at_destination=self.net.truck_ok[self.destination],
            trip_price=self.price,
            closed=self.mask,
        )

    def search_many(
        self, ready_s: int, destinations: Sequence[int], *, max_labels: int, deadline: Deadline | None = None
    ) -> list[list[Journey]]:
        """The Pareto journeys to each node of ``destinations`` for cargo ready at ``ready_s`` (no due time),
        as :meth:`search` finds each, in one one-to-many search for those that hand cargo to a truck at the
        end and one for those that do not."""
        fast = self._compiled()
        many = fast.search_many if fast is not None else partial(pareto_search_many, self.graph)
        out: dict[int, list[Journey]] = {}
        for handled in (True, False):
            group = [d for d in destinations if bool(self.net.truck_ok[d]) is handled]
            if not group:
                continue
            rows = many(
                self.origin,
                group,
                ready_s,
                max_labels=max_labels,
                deadline=deadline,
                start_mode=ROAD if self.net.truck_ok[self.origin] else None,
                handle_at_destination=handled,
                trip_price=self.price,
                closed=self.mask,
            )
            out.update(zip(group, rows, strict=True))
        return [out[d] for d in destinations]

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
            # flattened once per graph: a range query searches it many times, and so do queries that share it
            self.compiled = self.net.engine(self.graph)
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
                moves[i] = mv._replace(start_s=mv.start_s + seconds)
                break
            moves[i] = mv._replace(start_s=mv.start_s + seconds, end_s=mv.end_s + seconds)
        return dataclasses.replace(journey, moves=tuple(moves))

    def _hub(
        self,
        kind: str,
        terminal: int,
        start: int,
        end: int,
        cost: float,
        em: ElementEmissions | None = None,
        modes: tuple[Mode, Mode] | tuple[None, None] = (None, None),
    ) -> HubOperation:
        return HubOperation(
            kind,
            self.net.ids[terminal],
            self.net.names[terminal],
            self.net.zones[terminal],
            self.at(start),
            self.at(end),
            cost,
            em or _NO_EMISSIONS,
            *modes,
        )

    def _handling(self, mv: Move) -> list[HubOperation]:
        """The hub operation of a handle or alight move: what the search added for its pair of modes."""
        u, a, b = mv.terminal, mv.from_mode, mv.to_mode
        if Mode.WALK in (_MODES[a], _MODES[b]):
            return []  # a walker has nothing handled
        seconds, cost = int(self.net.handle_s[u, a, b]), float(self.net.handle_cost[u, a, b])
        # handling ends the move, after any clearance and any wait for the terminal to open
        em, modes = self.net.handle_em[u], (_MODES[a], _MODES[b])
        return [self._hub("handling", u, mv.end_s - seconds, mv.end_s, cost, em, modes)]

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
                    from_id=self.net.ids[first.a],
                    to_id=self.net.ids[last.b],
                    from_name=self.net.names[first.a],
                    to_name=self.net.names[last.b],
                    from_tz=self.net.zones[first.a],
                    to_tz=self.net.zones[last.b],
                    depart=self.at(t0),
                    arrive=self.at(t1 + last.duration_s),
                    distance_km=sum(d.distance_km for d, _ in truck),
                    cost=sum(d.cost for d, _ in truck),
                    emissions=em,
                    via=tuple(self.net.ids[d.b] for d, _ in truck[:-1]),
                    geometry=geometry,
                )
            )
            truck.clear()

        for mv in journey.moves:
            if mv.kind == "drive":
                info = self.net.drive_info[mv.ref]
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
                if self.net.storage_tariff[mv.terminal] is not None:
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
            tuple(legs), tuple(hubs), self.net.bundle.manifest.currency, carbon_price=self.net.carbon_price
        )
        return self.carried(it, self.shipment.ready)

    def carried(self, it: Itinerary, ready: datetime) -> Itinerary:
        """``it`` with the inventory carrying of the cargo's value from ``ready`` to its arrival.

        It grows with the arrival time alone (for one ready time), so adding it after the search keeps every
        dominated option dominated: the options it leaves on the Pareto front are those :func:`_solve` keeps.
        """
        value, rate = self.shipment.value, self.net.bundle.manifest.inventory_rate_per_year
        if not value or not rate:
            return it
        seconds = (it.arrive - ready).total_seconds()
        carrying = Inventory(
            value=value,
            rate_per_year=rate,
            days=seconds / 86400.0,
            cost=inventory_cost(value, rate, seconds=seconds),
            source=self.net.bundle.manifest.inventory_rate_source,
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
        base = self.bases[s_idx]  # a delayed trip's late copy has its service's hops and fares
        start = int(tt.trip_start[k])
        # plain ints: a numpy scalar is several times slower to read and to add
        stops = tt.stops[s_idx].tolist()
        arrive_s, depart_s = tt.arrive_s[s_idx].tolist(), tt.depart_s[s_idx].tolist()
        hops = self.net.hops[base][j0:j1]
        for offset, hop in enumerate(hops):
            j = j0 + offset
            for c in hop.clears:
                if c.terminal == stops[j0] and j == j0:
                    begin = yard_t
                    end = begin + c.seconds
                elif c.terminal == stops[j1] and j + 1 == j1:
                    begin = start + arrive_s[j1]
                    end = begin + c.seconds
                else:  # aboard, during the stop's dwell
                    at = j if c.terminal == stops[j] else j + 1
                    begin = start + arrive_s[at]
                    end = start + depart_s[at]
                hubs.append(self._hub("clearance", c.terminal, begin, end, c.cost))
        em = _merged([h.emissions for h in hops])
        geometry = _joined([h.geometry for h in hops])
        a, b = stops[j0], stops[j1]
        tariff = self.net.tariffs[base]
        ref = _departure_ref(svc.id, start, self.net.zones[stops[0]])
        # a departure price counts as part of the fare, as the search added it on boarding
        fare = self.net.fares[base] + self.departure_prices.get(ref, 0.0)
        legs.append(
            Leg(
                mode=svc.mode,
                from_id=self.net.ids[a],
                to_id=self.net.ids[b],
                from_name=self.net.names[a],
                to_name=self.net.names[b],
                from_tz=self.net.zones[a],
                to_tz=self.net.zones[b],
                depart=self.at(start + depart_s[j0]),
                arrive=self.at(start + arrive_s[j1]),
                distance_km=sum(h.distance_km for h in hops),
                cost=fare + sum(h.cost for h in hops),
                emissions=em,
                service=svc.id,
                service_name=Names(svc.name_en, svc.name_zh),
                carrier=svc.carrier,
                via=tuple(self.net.ids[x] for x in stops[j0 + 1 : j1]),
                geometry=geometry,
                departure_ref=ref,
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
        if room is None:
            # not in the ledger yet: the timetable's capacity and plugs, and the weight the ledger gives it
            return {
                "free_teu": svc.capacity_teu,
                "free_kg": self.availability.unmade_kg(svc.capacity_teu),
                "free_reefer": svc.reefer_plugs_teu,
            }
        return {"free_teu": room.free_teu, "free_kg": room.free_kg, "free_reefer": room.free_reefer}


def _room(
    tt: Timetable, availability: Availability, shipment: Shipment, zones: list[str], index: dict[str, int]
) -> tuple[np.ndarray, list[str]]:
    """One bool per trip of ``tt``: whether it has room left for ``shipment`` (not full, cancelled or gone),
    and the ledger refs of those without."""
    reefer = shipment.cargo.kind is CargoKind.REEFER
    kg = shipment.tonnes * 1000.0
    ids = [svc.id for svc in tt.services]
    trips = zip(map(ids.__getitem__, tt.trip_service.tolist()), tt.trip_start.tolist(), strict=True)
    capacity = np.array([svc.capacity_teu for svc in tt.services], dtype=np.float64)[tt.trip_service]
    keep = availability.fits_each(trips, shipment.teu, kg, reefer=reefer, capacity_teu=capacity)
    full = []
    for k in np.flatnonzero(~keep):
        svc = tt.services[int(tt.trip_service[k])]
        full.append(_departure_ref(svc.id, int(tt.trip_start[k]), zones[index[svc.stops[0].terminal_id]]))
    return keep, full


#: the emissions of a hub operation without any (clearance, storage): immutable, so one for all
_NO_EMISSIONS = ElementEmissions(0.0, 0.0)


def _merged(parts: Sequence[ElementEmissions]) -> ElementEmissions:
    """One leg's emissions from its parts (a truck's links, a ride's hops), all on one factor."""
    first = parts[0]
    # made field by field: dataclasses.replace takes twice as long, and a query makes a few per option
    return ElementEmissions(
        wtt_kg=sum(p.wtt_kg for p in parts),
        ttw_kg=sum(p.ttw_kg for p in parts),
        factor_id=first.factor_id,
        factor_source=first.factor_source,
        intensity_wtw=first.intensity_wtw,
        intensity_unit=first.intensity_unit,
        adjustments=first.adjustments,
        activity=sum(p.activity for p in parts),
        activity_unit=first.activity_unit,
        measured=first.measured,
    )


def _joined(shapes: Sequence[tuple[tuple[float, float], ...]]) -> tuple[tuple[float, float], ...]:
    """Consecutive polylines as one, without repeating the points where they meet."""
    points: list[tuple[float, float]] = []
    for shape in shapes:
        points += shape if not points else shape[1:]
    return tuple(points)
