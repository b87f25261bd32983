"""The dated search network: built once per bundle, time window and load, searched for many shipments.

A route query needs a search graph: the bundle's timetable expanded into dated trips, the trucks between
terminals, the handling and storage at each terminal, the tariffs that price each trip, all with the amounts
(time, cost, CO2e) of the load that moves. Building it takes most of a one-shot query's time, and it
depends on few things: the bundle, the window of departures, and the load (cargo class, TEU, tonnes, the day
storage is priced on, the carbon price). :func:`compile_search` builds a :class:`SearchNetwork` for those and
keeps the last few in a bounded cache, so that many shipments (routes, quotes, a plan's orders) are answered
on one::

    net = compile_search(bundle, cargo=Cargo(), teu=2, tonnes=20, day=date(2020, 4, 3), window=(t0, t1))
    net.graph            # the engines' SearchGraph over every trip under way in the window

The cached network covers whole UTC days around the window asked for; a query closes the trips outside its
own window (and those without room) for itself, without a rebuild (:mod:`intermodal.planners._query`). A
network is never changed after it is built, so threads share it.
"""

from __future__ import annotations

import dataclasses
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Generic, TypeVar
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
from intermodal.accounting.costs import storage_rate_s, tariff_charges
from intermodal.engines.reference import ROAD, Drive, SearchGraph, ServiceRules
from intermodal.model import (
    Bundle,
    Cargo,
    CargoKind,
    ElementEmissions,
    Link,
    Mode,
    Names,
    Service,
    Tariff,
    choose_tariff,
)
from intermodal.model.rules import service_problems, terminal_problems
from intermodal.network.opening import opening_windows
from intermodal.network.timetable import Timetable, expand_timetable
from intermodal.planners.places import Place, _near

__all__ = ["SearchNetwork", "compile_search", "search_cache_size", "set_search_cache"]

#: the engine's mode codes: a mode's position here (the engine's ROAD is 0)
_MODES = tuple(Mode)
_CODE = {m: i for i, m in enumerate(_MODES)}
assert _CODE[Mode.ROAD] == ROAD

_DAY_S = 86400

_T = TypeVar("_T")


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


class SearchNetwork:
    """The bundle seen by one load over one window: indices, the amounts of every element, the search graph.

    Build one with :func:`compile_search`. Every trip under way in ``window`` is in :attr:`timetable`, each
    service split by the tariff row that prices its trips' days; :attr:`graph` searches all of them. A network
    is not changed once built: threads share it.

    Attributes
    ----------
    bundle
        The network it was built from.
    window
        The departures it holds: trips under way at some time in ``[start_s, end_s]`` (UTC epoch seconds).
    cargo, teu, tonnes, day, carbon_price
        The load its amounts are for; ``day`` prices storage (the day the cargo is ready, in the origin's
        zone).
    closed_roads
        The ids of the roads (flexible links) a disruption closes: not driven on this network.
    ids, index, names, zones
        The nodes: the bundle's terminals, then one per place given as coordinates.
    timetable, graph
        The dated trips and the engines' search graph over them.
    """

    def __init__(
        self,
        bundle: Bundle,
        *,
        cargo: Cargo,
        teu: float,
        tonnes: float,
        day: date,
        window: tuple[int, int],
        carbon_price: float = 0.0,
        places: Sequence[tuple[Place, bool]] = (),
        closed_roads: frozenset[str] = frozenset(),
    ) -> None:
        self.bundle = bundle
        self.closed_roads = closed_roads
        self.cargo, self.teu, self.tonnes, self.day = cargo, teu, tonnes, day
        self.window = window
        self.carbon_price = carbon_price
        # what one kg of CO2e costs in the search: the carbon price is per tonne
        self.carbon_per_kg = carbon_price / 1000.0
        self.reefer = cargo.kind is CargoKind.REEFER
        self.dg = cargo.dg_class if cargo.kind is CargoKind.DANGEROUS else None
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
        self._nodes = {(p, outbound): self._place(p, outbound=outbound) for p, outbound in places}
        self._build_drives()
        self._build_terminal_rules()
        self._build_storage()
        self._expand(*window)
        # the open trips of recent queries, each with its graph: queries on the same window share one
        self._views: OrderedDict[bytes, SearchGraph] = OrderedDict()
        self._engines: dict[int, Any] = {}
        self._trips_by_ref: dict[str, list[int]] | None = None
        self._lock = threading.Lock()

    # places

    def node(self, place: Place, *, outbound: bool) -> int:
        """The node of ``place``: its terminal's, or the one built for it (a place given as coordinates)."""
        if place.terminal_id is not None:
            return self.index[place.terminal_id]
        return self._nodes[(place, outbound)]

    def _place(self, place: Place, *, outbound: bool) -> int:
        near = _near(self.bundle, place, outbound=outbound)
        assert place.lat is not None and place.lon is not None
        me = len(self.ids)
        self.ids.append(place.text)
        self.names.append(Names(place.text, place.text))
        self.zones.append(self.zones[self.index[near[0][1]]])
        self.coords.append((place.lon, place.lat))
        self.countries.append(self.countries[self.index[near[0][1]]])
        self.drives.append([])
        for km, tid in near:
            pair = (me, self.index[tid]) if outbound else (self.index[tid], me)
            self.access_drives.append((pair, km * self.bundle.manifest.access.circuity))
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
        return _Clear(at, round(crossing.clearance_h * 3600), clearance_cost(crossing, teu=self.teu))

    def _build_drives(self) -> None:
        for link in self.bundle.links:
            if not link.flexible or not link.allows(reefer=self.reefer, dg_class=self.dg):
                continue
            if link.duration_h is None or link.id in self.closed_roads:
                continue
            a, b = self.index[link.from_id], self.index[link.to_id]
            if link.mode is Mode.WALK:
                em = ElementEmissions(0.0, 0.0)  # a walker between two stops of a passenger feed
            else:
                intensity = self._intensity(link.emission_factor, link.mode)
                em = _element(
                    intensity,
                    leg_emissions(intensity, distance_km=link.distance_km, teu=self.teu, tonnes=self.tonnes),
                )
            cost = link_cost(link, teu=self.teu, tonnes=self.tonnes)
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
                em = _element(
                    intensity, leg_emissions(intensity, distance_km=km, teu=self.teu, tonnes=self.tonnes)
                )
            else:
                em = ElementEmissions(0.0, 0.0)
            cost = access.cost_per_teu_km * km * self.teu
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
        n, m = len(self.ids), len(_MODES)
        self.handle_ok = [False] * n
        self.handle_s = np.zeros((n, m, m), dtype=np.int64)
        self.handle_cost = np.zeros((n, m, m), dtype=np.float64)
        self.handle_em = [ElementEmissions(0.0, 0.0)] * n
        self.truck_ok = [True] * n
        walk = _CODE[Mode.WALK]
        for i, t in enumerate(self.bundle.terminals.values()):
            self.handle_ok[i] = not terminal_problems(t, self.cargo)
            self.truck_ok[i] = Mode.ROAD in t.modes
            self.handle_s[i] = round(t.handling_h * 3600)
            self.handle_cost[i] = handling_cost(t, teu=self.teu)
            if t.handling_factor:
                hi = hub_intensity(self.bundle.factors, t.handling_factor, reefer=self.reefer)
                self.handle_em[i] = _element(hi, hub_emissions(hi, teu=self.teu, tonnes=self.tonnes))
        for (tid, a, b), rule in self.bundle.handling.items():  # pairs with handling of their own
            pair = (self.index[tid], _CODE[a], _CODE[b])
            self.handle_s[pair] = round(rule.handling_h * 3600)
            self.handle_cost[pair] = handling_cost(self.bundle.terminals[tid], teu=self.teu, rule=rule)
        # a walker between stops has nothing handled: the walk's own time is the transfer
        self.handle_s[:, walk, :] = self.handle_s[:, :, walk] = 0
        self.handle_cost[:, walk, :] = self.handle_cost[:, :, walk] = 0.0
        self.handle_co2 = np.zeros((n, m, m), dtype=np.float64)
        self.handle_co2[:] = np.array([e.wtw_kg for e in self.handle_em])[:, None, None]
        self.handle_co2[:, walk, :] = self.handle_co2[:, :, walk] = 0.0

    def _build_storage(self) -> None:
        """Storage per second (after free time) in each terminal's yard, from its tariff rows."""
        n = len(self.ids)
        self.storage_cost_s = [0.0] * n
        self.storage_free_s = [0] * n
        self.storage_tariff: list[Tariff | None] = [None] * n
        rows = _storage_rows(self.bundle, teu=self.teu, tonnes=self.tonnes, reefer=self.reefer, day=self.day)
        for tid, found in rows.items():
            if tid in self.index:
                i = self.index[tid]
                self.storage_tariff[i] = found
                self.storage_cost_s[i] = storage_rate_s(found, teu=self.teu)
                self.storage_free_s[i] = round(found.free_days * 86400)

    def _service_tariff(
        self, svc: Service, day: date, rows: tuple[dict[str, list[Tariff]], dict[str, list[Tariff]]]
    ) -> Tariff | None:
        """The row that prices ``svc`` on ``day`` for this shipment: the service's own, else its line's.

        ``rows``: the bundle's tariff rows by service and by line.
        """
        by_service, by_line = rows
        for found_rows in (by_service.get(svc.id, ()), by_line.get(svc.line, ()) if svc.line else ()):
            found = choose_tariff(found_rows, teu=self.teu, tonnes=self.tonnes, reefer=self.reefer, day=day)
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
        # a network has thousands of trips and a bundle hundreds of rows: each trip looks only at its own
        by_service: dict[str, list[Tariff]] = {}
        by_line: dict[str, list[Tariff]] = {}
        for r in self.bundle.tariffs:
            if r.service is not None:
                by_service.setdefault(r.service, []).append(r)
            if r.line is not None:
                by_line.setdefault(r.line, []).append(r)
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
                rows[(s, day)] = self._service_tariff(svc, day, (by_service, by_line))
            row = rows[(s, day)]
            key = (s, None if row is None else row.id)
            if key not in groups:
                groups[key] = len(old)
                old.append(s)
                priced.append(row)
            remap[k] = groups[key]
        # the services in their own order (ties between equal options break by it), each's copies in the order
        # of their rows in the bundle: the same whatever the window, so a wider network orders them alike
        row_rank = {r.id: i for i, r in enumerate(self.bundle.tariffs)}
        ranks = [-1 if row is None else row_rank[row.id] for row in priced]
        order = sorted(range(len(old)), key=lambda g: (old[g], ranks[g]))
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

    def _expand(self, start_s: int, end_s: int) -> None:
        # the terminals come first in every network's index, so networks of one window share its trips
        tt = _TIMETABLES.get(
            self.bundle,
            (id(self.bundle), start_s, end_s),
            lambda: expand_timetable(
                self.bundle.services,
                self.bundle.terminals,
                self.index,
                start=datetime.fromtimestamp(start_s, UTC),
                end=datetime.fromtimestamp(end_s, UTC),
            ),
        )
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
            usable = not service_problems(svc, self.cargo, teu=self.teu)
            intensity = self._intensity(svc.emission_factor, svc.mode)
            if tariff is not None:
                fare, per_km = tariff_charges(
                    tariff, teu=self.teu, reefer=self.reefer, dg=self.dg is not None
                )
            else:
                fare, per_km = svc.fixed_cost_per_teu * self.teu, 0.0
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
                        leg_emissions(
                            intensity, distance_km=link.distance_km, teu=self.teu, tonnes=self.tonnes
                        ),
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
                    else service_cost(svc, distance_km=link.distance_km, teu=self.teu)
                    - svc.fixed_cost_per_teu * self.teu
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
                        t.opening_hours, t.timezone, start=_at(start_s), end=_at(end_s + 30 * _DAY_S)
                    )
                    for t in self.bundle.terminals.values()
                ),
                *([None] * (len(self.ids) - len(self.bundle.terminals))),
            ],
            storage_cost_s=self.storage_cost_s if any(self.storage_cost_s) else None,
            storage_free_s=self.storage_free_s if any(self.storage_cost_s) else None,
        )
        # how long each service's trips are under way: a query's window keeps the trips it overlaps
        self.span_s = np.array(
            [max(int(d[-1]), int(a[-1])) for a, d in zip(tt.arrive_s, tt.depart_s, strict=True)]
        )

    def trips_by_ref(self) -> dict[str, list[int]]:
        """The trips of :attr:`timetable` by their ledger ref (:func:`_departure_ref`; two trips of a feed
        may leave in the same minute), made on first use."""
        with self._lock:
            if self._trips_by_ref is None:
                tt = self.timetable
                first = [self.zones[int(st[0])] for st in tt.stops]
                ids = [svc.id for svc in tt.services]
                trips: dict[str, list[int]] = {}
                starts = zip(tt.trip_service.tolist(), tt.trip_start.tolist(), strict=True)
                for k, (s, start) in enumerate(starts):
                    trips.setdefault(_departure_ref(ids[s], start, first[s]), []).append(k)
                self._trips_by_ref = trips
            return self._trips_by_ref

    def view(self, timetable: Timetable, bases: Sequence[int] | None = None) -> SearchGraph:
        """The search graph over ``timetable``, some of this network's trips (those a query may board).

        ``bases``: the service of this network each service of ``timetable`` stands for, when it has more
        (a delayed trip runs on a late copy of its service, :func:`~intermodal.planners.disruptions.
        delay_trips`); a copy is searched with its service's rules. Queries on the same window with the same
        full, closed and delayed departures share one graph, and so one compiled engine.
        """
        n = len(self.timetable.services)
        copies = list(bases[n:]) if bases is not None else []
        key = timetable.trip_service.tobytes() + timetable.trip_start.tobytes()
        if copies:
            # two delays of the same trips differ only in the copies' times
            key += np.array(copies, dtype=np.int64).tobytes()
            key += b"".join(timetable.arrive_s[i].tobytes() for i in range(n, len(timetable.services)))
        with self._lock:
            graph = self._views.get(key)
            if graph is None:
                rules = self.graph.services
                if copies:
                    rules = [*rules, *(rules[b] for b in copies)]
                graph = dataclasses.replace(self.graph, timetable=timetable, services=rules)
                self._views[key] = graph
                if len(self._views) > _VIEWS:
                    old = self._views.popitem(last=False)[1]
                    self._engines.pop(id(old), None)
            self._views.move_to_end(key)
        return graph

    def engine(self, graph: SearchGraph) -> Any:
        """The compiled search (:class:`~intermodal.engines.freight.FreightSearch`) of a graph of
        :meth:`view`, flattened once for every query that shares the graph."""
        from intermodal.engines.freight import FreightSearch  # imports numba: only when it pays

        with self._lock:
            engine = self._engines.get(id(graph))
        if engine is None:
            engine = FreightSearch(graph)
            with self._lock:
                if graph is self.graph or any(g is graph for g in self._views.values()):
                    engine = self._engines.setdefault(id(graph), engine)
        return engine


def _at(secs: int) -> datetime:
    return datetime.fromtimestamp(secs, UTC)


def _departure_ref(service_id: str, start_s: int, zone: str) -> str:
    """The ledger's name for a dated trip: ``service@<local departure at its first stop, to the minute>``."""
    local = datetime.fromtimestamp(start_s, ZoneInfo(zone))
    return f"{service_id}@{local.isoformat(timespec='minutes')}"


def _storage_rows(bundle: Bundle, *, teu: float, tonnes: float, reefer: bool, day: date) -> dict[str, Tariff]:
    """The row that prices storage in each terminal's yard for this load, on the day the cargo is ready."""
    by_terminal: dict[str, list[Tariff]] = {}
    for row in bundle.tariffs:
        if row.terminal is not None:
            by_terminal.setdefault(row.terminal, []).append(row)
    out = {}
    for tid, rows in by_terminal.items():
        found = choose_tariff(rows, teu=teu, tonnes=tonnes, reefer=reefer, day=day)
        if found is not None:
            out[tid] = found
    return out


#: recent graphs of open trips kept per network (a query's window, with its full departures)
_VIEWS = 8


class _Cache(Generic[_T]):
    """The last ``size`` things built from a bundle, by what they depend on; ``size`` 0 builds every time."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, tuple[Bundle, _T]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, bundle: Bundle, key: Hashable, build: Callable[[], _T]) -> _T:
        with self._lock:
            hit = self._items.get(key)
            # the key holds the bundle's id; the entry holds the bundle itself, so the id is not reused
            if hit is not None and hit[0] is bundle:
                self._items.move_to_end(key)
                return hit[1]
        # built outside the lock: another thread may build the same network meanwhile, and one of them is kept
        net = build()
        with self._lock:
            if self.size > 0:
                self._items[key] = (bundle, net)
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
        return net

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def covering(self, bundle: Bundle, key: tuple[Any, ...]) -> _T | None:
        """A kept network for ``key`` = ``(id, start, end, *rest)`` over a window that holds ``[start, end]``.

        A network holds every trip under way in its window and a query opens only those in its own, so a
        wider network answers as the query's own would (a planner builds one for a whole book).
        """
        _, start, end, *rest = key
        with self._lock:
            for k, (b, item) in reversed(self._items.items()):
                assert isinstance(k, tuple)
                if b is bundle and k[0] == key[0] and k[1] <= start and k[2] >= end and list(k[3:]) == rest:
                    self._items.move_to_end(k)
                    return item
        return None


def _cache_size() -> int:
    text = os.environ.get("INTERMODAL_SEARCH_CACHE", "16")
    try:
        return max(0, min(int(text), 1024))
    except ValueError:
        return 16


_CACHE: _Cache[SearchNetwork] = _Cache(_cache_size())
#: the dated trips of recent windows: they depend on the window alone, the networks on the load as well
_TIMETABLES: _Cache[Timetable] = _Cache(_cache_size())


def search_cache_size() -> int:
    """How many search networks are kept (:func:`set_search_cache`)."""
    return _CACHE.size


def set_search_cache(size: int) -> None:
    """Keep the last ``size`` search networks (0: build one for every query), and forget those kept.

    The default is 16, or the environment's ``INTERMODAL_SEARCH_CACHE``. A network of the Chongqing scenario
    over a month holds a few MB; a city's GTFS feed over a month can hold hundreds.
    """
    if not 0 <= size <= 1024:
        raise ValueError(f"the search cache holds 0 to 1024 networks, not {size}")
    for cache in (_CACHE, _TIMETABLES):
        cache.size = size
        cache.clear()


def compile_search(
    bundle: Bundle,
    *,
    cargo: Cargo,
    teu: float,
    tonnes: float,
    day: date,
    window: tuple[int, int],
    carbon_price: float = 0.0,
    places: Sequence[tuple[Place, bool]] = (),
    closed_roads: frozenset[str] = frozenset(),
) -> SearchNetwork:
    """The search network of ``bundle`` for a load over a window, from the cache or built now.

    Parameters
    ----------
    bundle
        The network. Its identity keys the cache: a reloaded bundle is a new network.
    cargo, teu, tonnes
        The load: what the amounts (tariff rows, costs, CO2e) and the cargo rules are for.
    day
        The day storage tariffs are chosen for: the day the cargo is ready, in the origin's zone.
    window
        UTC epoch seconds ``(start, end)``: the network holds every trip under way at some time in it. A
        cached network covers the whole UTC days around it, so queries on the same days share it.
    carbon_price
        Bundle currency per tonne of CO2e (WTW), added to every element's cost.
    places
        Places given as coordinates, each with whether it is an origin (``True``) or a destination: each is
        a node with trucks to its nearest road terminals. Terminals need none.
    closed_roads
        The ids of the roads (flexible links) that open disruptions close over the query: they are not
        driven. Part of the cache key: the drives are built into the network, and closures are rare, so
        the queries under the same disruptions still share one network.

    Raises
    ------
    PlaceError
        A place is too far from the network.
    """
    # in one order whatever the query's: the queries of a skim, each from its own origin, share a network
    nodes = tuple(
        sorted(
            {(p, outbound) for p, outbound in places if p.terminal_id is None},
            key=lambda node: (node[0].text, node[1]),
        )
    )
    start, end = window
    if _CACHE.size > 0:
        # whole days: more queries share a network, and each closes the trips outside its own window
        start, end = start // _DAY_S * _DAY_S, -(-end // _DAY_S) * _DAY_S
    key = (
        id(bundle),
        start,
        end,
        cargo,
        float(teu),
        float(tonnes),
        # the day matters only by the storage rows it chooses: cargo ready on other days shares the network
        tuple(
            sorted(
                (tid, row.id)
                for tid, row in _storage_rows(
                    bundle, teu=teu, tonnes=tonnes, reefer=cargo.kind is CargoKind.REEFER, day=day
                ).items()
            )
        ),
        float(carbon_price),
        nodes,
        closed_roads,
    )
    wider = _CACHE.covering(bundle, key) if _CACHE.size > 0 else None
    if wider is not None:
        return wider

    def build() -> SearchNetwork:
        return SearchNetwork(
            bundle,
            cargo=cargo,
            teu=teu,
            tonnes=tonnes,
            day=day,
            window=(start, end),
            carbon_price=carbon_price,
            places=nodes,
            closed_roads=closed_roads,
        )

    return _CACHE.get(bundle, key, build)
