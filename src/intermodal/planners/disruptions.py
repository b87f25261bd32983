"""The ledger's open disruptions applied to one search: closed trips out, delayed trips late, closed roads
not driven.

The search takes disruptions as plain data (:class:`~intermodal.model.disruptions.Closure`, inside the
:class:`~intermodal.model.Availability` the ledger hands over), so that every search against the ledger sees
them, and a no-route answer can say which disruption stood in the way.

- A scheduled trip that passes a closed link, terminal or crossing while it is closed is not there (the whole
  trip: its other stops are not offered on their own), nor is a cancelled departure.
- A trip of a delayed service that leaves its first stop in the delay's window reaches every later stop that
  many hours late; it leaves on time, so it keeps its ledger ref and the room booked on it.
- A road (flexible link) that is closed, or that ends at a closed terminal or crossing, at any time between
  the cargo's ready time and the end of the search is not driven at all in that search: the search has no
  time-dependent roads, so it does not wait for a road to reopen. Search again from the reopening to see
  the options after it.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Protocol

import numpy as np

from intermodal.model import Availability, Bundle, Itinerary, Link, Mode, Service
from intermodal.model.disruptions import Closure
from intermodal.network.timetable import Timetable

__all__ = [
    "BookedLeg",
    "TripLeg",
    "apply_closures",
    "close_trips",
    "closures_on",
    "delay_trips",
    "drive_closure",
    "leg_breaks",
    "leg_stops",
    "link_ids",
    "trip_key",
    "with_bundle_closures",
]

_AT_PLACES = ("terminal", "crossing")


def trip_key(ref: str) -> tuple[str, int] | None:
    """``(service id, departure epoch second)`` of a ledger departure ref, or ``None`` if it is not one."""
    service, _, when = ref.partition("@")
    try:
        moment = datetime.fromisoformat(when)
    except ValueError:
        return None
    if not service or moment.tzinfo is None:
        return None
    return service, int(moment.timestamp())


def with_bundle_closures(bundle: Bundle, availability: Availability | None) -> Availability | None:
    """The snapshot a query searches with: the ledger's ``availability`` with the bundle's own closures added.

    A patch's dated closure of a road, terminal or crossing is a row of the bundle's ``closures.csv``
    (:attr:`Bundle.closures`); the search applies those and the ledger's open disruptions by the one code
    path, so a closure acts the same wherever it comes from. Without either, ``availability`` is returned
    as it is (``None``: every departure has its timetable's room).
    """
    if not bundle.closures:
        return availability
    if availability is None:
        return Availability(closures=bundle.closures)
    return dataclasses.replace(availability, closures=(*bundle.closures, *availability.closures))


def _links(bundle: Bundle) -> dict[tuple[str, str, Mode], Link]:
    by: dict[tuple[str, str, Mode], Link] = {}
    for link in bundle.links:
        by[(link.from_id, link.to_id, link.mode)] = link
        if link.bidirectional:
            by.setdefault((link.to_id, link.from_id, link.mode), link)
    return by


def _at(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _trip_closure(
    tt: Timetable,
    k: int,
    closures: Sequence[Closure],
    ids: Sequence[str],
    links: dict[tuple[str, str, Mode], Link],
) -> Closure | None:
    """The first closure trip ``k`` runs into, or ``None``."""
    s = int(tt.trip_service[k])
    svc, start = tt.services[s], int(tt.trip_start[k])
    stops = [ids[int(x)] for x in tt.stops[s]]
    for c in closures:
        if c.kind == "departure":
            if trip_key(c.target) == (svc.id, start):
                return c
        elif c.kind in _AT_PLACES:
            for j, place in enumerate(stops):
                at = (_at(start + int(tt.arrive_s[s][j])), _at(start + int(tt.depart_s[s][j])))
                if place == c.target and c.overlaps(*at):
                    return c
        elif c.kind == "link":
            for j, (a, b) in enumerate(itertools.pairwise(stops)):
                link = links.get((a, b, svc.mode))
                span = (_at(start + int(tt.depart_s[s][j])), _at(start + int(tt.arrive_s[s][j + 1])))
                if link is not None and link.id == c.target and c.overlaps(*span):
                    return c
    return None


def apply_closures(
    tt: Timetable, closures: Sequence[Closure], bundle: Bundle, ids: Sequence[str]
) -> tuple[Timetable, list[tuple[int, int]]]:
    """``tt`` without the trips a closure stops and with delayed trips late; and ``(closure id, trip)`` of
    each trip taken out.

    ``ids`` are the terminal ids by the timetable's terminal index.
    """
    tt, out = close_trips(tt, closures, bundle, ids)
    return delay_trips(tt, closures)[0], out


def close_trips(
    tt: Timetable, closures: Sequence[Closure], bundle: Bundle, ids: Sequence[str]
) -> tuple[Timetable, list[tuple[int, int]]]:
    """``tt`` without the trips a closure (other than a delay) stops, and ``(closure id, trip)`` of each."""
    stopping = [c for c in closures if c.kind != "delay"]
    if not stopping or not tt.n_trips:
        return tt, []
    links = _links(bundle)
    keep = np.ones(tt.n_trips, dtype=np.bool_)
    out: list[tuple[int, int]] = []
    for k in range(tt.n_trips):
        hit = _trip_closure(tt, k, stopping, ids, links)
        if hit is not None:
            keep[k] = False
            out.append((hit.id, k))
    if not keep.all():
        tt = dataclasses.replace(tt, trip_service=tt.trip_service[keep], trip_start=tt.trip_start[keep])
    return tt, out


def delay_trips(tt: Timetable, closures: Sequence[Closure]) -> tuple[Timetable, list[int]]:
    """``tt`` with each trip of a delayed service late, and, for each service of the result, the service of
    ``tt`` it stands for.

    A delayed trip runs on a copy of its service, appended after ``tt``'s, that reaches its later stops late:
    what a search knows of a service (its fares, its hops) holds for its copies.
    """
    return _delayed(tt, [c for c in closures if c.kind == "delay"])


def _delayed(tt: Timetable, delays: Sequence[Closure]) -> tuple[Timetable, list[int]]:
    """``tt`` with each delayed trip moved to a copy of its service that reaches its later stops late, and
    the service of ``tt`` each service of the result stands for."""
    bases = list(range(len(tt.services)))
    if not delays:
        return tt, bases
    services, stops = list(tt.services), list(tt.stops)
    arrive, depart = list(tt.arrive_s), list(tt.depart_s)
    board, alight = list(tt.board_ok), list(tt.alight_ok)
    trip_service = tt.trip_service.copy()
    copies: dict[tuple[int, float], int] = {}
    for k in range(tt.n_trips):
        s = int(tt.trip_service[k])
        leaves = _at(int(tt.trip_start[k]))
        late = sum(c.delay_hours for c in delays if c.target == tt.services[s].id and c.covers(leaves))
        if not late:
            continue
        if (s, late) not in copies:
            shift = np.zeros(len(tt.stops[s]), dtype=np.int64)
            shift[1:] = round(late * 3600)
            copies[(s, late)] = len(services)
            bases.append(s)
            services.append(tt.services[s])
            stops.append(tt.stops[s])
            arrive.append(tt.arrive_s[s] + shift)
            depart.append(tt.depart_s[s] + shift)
            board.append(tt.board_ok[s])
            alight.append(tt.alight_ok[s])
        trip_service[k] = copies[(s, late)]
    if not copies:
        return tt, bases
    late_tt = dataclasses.replace(
        tt,
        services=tuple(services),
        stops=tuple(stops),
        arrive_s=tuple(arrive),
        depart_s=tuple(depart),
        board_ok=tuple(board),
        alight_ok=tuple(alight),
        trip_service=trip_service,
    )
    return late_tt, bases


def drive_closure(link: Link, closures: Sequence[Closure], start: datetime, end: datetime) -> Closure | None:
    """The closure that keeps a road off the search from ``start`` to ``end``: of the link itself, or of a
    terminal or crossing at either end; ``None`` if it is open throughout."""
    for c in closures:
        if not c.overlaps(start, end):
            continue
        if (c.kind == "link" and c.target == link.id) or (
            c.kind in _AT_PLACES and c.target in (link.from_id, link.to_id)
        ):
            return c
    return None


def closures_on(it: Itinerary, closures: Sequence[Closure], bundle: Bundle) -> list[Closure]:
    """The closures an itinerary (found without them) runs into: what stands in its way."""
    links = _links(bundle)
    found: dict[int, Closure] = {}
    for leg in it.legs:
        path = [leg.from_id, *leg.via, leg.to_id]
        pairs = {links[(a, b, leg.mode)].id for a, b in itertools.pairwise(path) if (a, b, leg.mode) in links}
        for c in closures:
            if c.kind == "departure":
                hit = leg.departure_ref is not None and trip_key(c.target) == trip_key(leg.departure_ref)
            elif c.kind in _AT_PLACES:
                hit = c.target in path and c.overlaps(leg.depart, leg.arrive)
            elif c.kind == "link":
                hit = c.target in pairs and c.overlaps(leg.depart, leg.arrive)
            else:
                hit = leg.service == c.target and c.covers(leg.depart)
            if hit:
                found.setdefault(c.id, c)
    return list(found.values())


# a booked leg against a closure: the ledger asks this both when a disruption is added (which bookings does it
# break?) and when a booking or quote is made (does this leg ride into an open one?)


class TripLeg(Protocol):
    """What :func:`leg_breaks` reads of a leg: the departure it rides and where the cargo gets on and off."""

    @property
    def ref(self) -> str: ...
    @property
    def line_id(self) -> str: ...
    @property
    def departs_at(self) -> datetime: ...
    @property
    def from_place(self) -> str | None: ...
    @property
    def to_place(self) -> str | None: ...


@dataclasses.dataclass(frozen=True)
class BookedLeg:
    """A leg on one departure: its ledger ref, service, departure instant (aware) and boarding places."""

    ref: str
    line_id: str
    departs_at: datetime
    from_place: str | None = None
    to_place: str | None = None


def link_ids(bundle: Bundle) -> dict[tuple[str, str], str]:
    """The link id between two places, either way on a bidirectional link, for :func:`leg_breaks`."""
    links: dict[tuple[str, str], str] = {}
    for link in bundle.links:
        links[(link.from_id, link.to_id)] = link.id
        if link.bidirectional:
            links.setdefault((link.to_id, link.from_id), link.id)
    return links


def leg_stops(service: Service, leg: TripLeg) -> list[tuple[str, float, float]]:
    """The stops the leg passes, each with its arrive and depart offsets (hours from the trip's start)."""
    ids = [stop.terminal_id for stop in service.stops]
    first = ids.index(leg.from_place) if leg.from_place in ids else 0
    last = ids.index(leg.to_place) if leg.to_place in ids else len(ids) - 1
    if last <= first:  # places that do not fit the service's order: the whole trip
        first, last = 0, len(ids) - 1
    return [
        (ids[j], service.stops[j].arrive_offset_h, service.stops[j].depart_offset_h)
        for j in range(first, last + 1)
    ]


def leg_breaks(
    closure: Closure,
    leg: TripLeg,
    service: Service | None,
    links: Mapping[tuple[str, str], str],
    as_of: datetime | None = None,
) -> str | None:
    """Why ``closure`` breaks this leg for cargo not yet past it at ``as_of``, or ``None``.

    ``as_of`` ``None`` counts the whole leg (a new booking: its cargo has not started). ``service`` ``None``
    (a line the scenario does not run) is known only by its ref, so only a cancelled departure breaks it.
    """

    def at(hours: float) -> datetime:
        return leg.departs_at + timedelta(hours=hours)

    def ahead(when: datetime) -> bool:
        return as_of is None or when >= as_of

    if closure.kind == "departure":
        if trip_key(closure.target) == (leg.line_id, int(leg.departs_at.timestamp())) and ahead(
            leg.departs_at
        ):
            return f"rides the cancelled departure {leg.ref}"
        return None
    if service is None:
        return None
    stops = leg_stops(service, leg)
    if closure.kind == "delay":
        if leg.line_id != closure.target or not closure.covers(leg.departs_at) or not ahead(at(stops[-1][1])):
            return None
        return f"{leg.ref} reaches {stops[-1][0]} {closure.delay_hours:g} h late"
    for j, (place, arrive, depart) in enumerate(stops):
        passes = closure.kind in _AT_PLACES and place == closure.target
        if passes and closure.overlaps(at(arrive), at(depart)) and ahead(at(depart)):
            return f"{leg.ref} passes {place} at {at(arrive).isoformat(timespec='minutes')}"
        if closure.kind == "link" and j + 1 < len(stops):
            nxt, arrive_next, _ = stops[j + 1]
            on_link = links.get((place, nxt)) == closure.target
            if on_link and closure.overlaps(at(depart), at(arrive_next)) and ahead(at(arrive_next)):
                return f"{leg.ref} runs on {closure.target} at {at(depart).isoformat(timespec='minutes')}"
    return None
