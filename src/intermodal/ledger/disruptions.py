"""Disruptions and rebooking: what a closed border, a cancelled departure or a late service breaks, and where
the cargo can go instead.

- :func:`add_disruption` stores one disruption (a link, terminal or crossing closed for a window, a departure
  cancelled, a service's trips late by some hours) and answers with the bookings it breaks, each with the best
  options from the cargo's current position to its destination (the same search and live room as
  ``route --db``, the disruption applied), or the reason there is none.
- While a disruption is open, every search against the ledger respects it: :func:`read_availability` hands the
  open ones to the search (one loop: routes, quotes and rebooking all see them). :func:`clear_disruption` ends
  it.
- :func:`rebook` moves a booking onto a new itinerary in one transaction: its legs not yet travelled are
  released, the new ones taken (departures made from the timetable as bookings make them), and planned (PLN)
  events recorded for the new legs; on any failure nothing changes.

Where the cargo is: its last actual (ACT) event at or before ``as_of`` (that place, at ``as_of`` or later),
except after a departure (DEPA), when it is aboard: then the leg's next stop, at its timetable time from the
actual departure (a truck is not turned round on the road); without one, its first leg's origin, ready at its
booked departure less the service's cut-off (not before ``as_of``). A booking has no due time of its own in
the ledger, so its planned arrival is its due time: a delay that makes its last leg arrive later, or makes a
leg reach its end after the next leg's cut-off, breaks it; a delay the wait for the next leg absorbs does not.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select

from intermodal.exceptions import InputError, LedgerError, NoRouteError, Problem, RebookError
from intermodal.ledger import _schema as s
from intermodal.ledger._storage import Ledger
from intermodal.ledger._values import checked_limit, parse_time, to_decimal, utc_now, zone_info
from intermodal.ledger.availability import read_availability
from intermodal.ledger.bookings import (
    Booking,
    _booking,
    _find_booking,
    _service_problems,
    _take_legs,
    check_room,
    departure_rows,
    is_reefer,
    request_from_itinerary,
)
from intermodal.ledger.departures import find_departure_row
from intermodal.ledger.events import insert_event
from intermodal.ledger.schedule import _trips
from intermodal.model import Bundle, Service
from intermodal.model.bounds import id_problem, quantity_problem
from intermodal.model.disruptions import DISRUPTION_KINDS, Closure
from intermodal.planners.disruptions import leg_breaks, leg_stops, link_ids, trip_key

__all__ = [
    "DISRUPTION_KINDS",
    "BrokenBooking",
    "Disruption",
    "DisruptionImpact",
    "add_disruption",
    "booking_impact",
    "clear_disruption",
    "disruption_impact",
    "get_disruption",
    "list_disruptions",
    "rebook",
    "rebook_option",
]

#: The longest window a closure or delay may have: a slip (2029 for 2020) would close a road for years.
MAX_DISRUPTION_DAYS = 366
#: The largest delay one disruption may state, in hours (a month): beyond it the service is closed.
MAX_DELAY_HOURS = 720
#: How many options each broken booking is offered.
OPTIONS_PER_BOOKING = 3
#: broken bookings searched for options in one answer: each is a route search, and one answer (an HTTP
#: request) must end; the others name the reason and get their options when rebooked one by one
MAX_SEARCHED = 200
#: How far before a window a trip may have left and still be under way in it (the longest shuttle runs ~6 d).
_LOOKBACK = dt.timedelta(days=30)
_NOTE_CHARS = 500


@dataclass(frozen=True)
class Disruption:
    """A stored disruption. Times are aware UTC."""

    id: int
    kind: str
    target: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    delay_hours: Decimal | None
    note: str
    status: str
    created_at: dt.datetime
    cleared_at: dt.datetime | None

    def closure(self) -> Closure:
        """The disruption as the search takes it."""
        return Closure(
            self.id, self.kind, self.target, self.starts_at, self.ends_at, float(self.delay_hours or 0)
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "target": self.target,
            "starts": self.starts_at.isoformat(),
            "ends": self.ends_at.isoformat(),
            "delay_hours": float(self.delay_hours) if self.delay_hours is not None else None,
            "note": self.note,
            "status": self.status,
            "created_at": self.created_at.isoformat(),
            "cleared_at": self.cleared_at.isoformat() if self.cleared_at else None,
        }


@dataclass(frozen=True)
class BrokenBooking:
    """A booking a disruption breaks: why, where its cargo is, and its options (route JSON) or the reasons
    there are none (``{"code": ..., "text": ...}``)."""

    booking: Booking
    departure: str
    why: str
    position: str | None
    ready: dt.datetime | None
    destination: str | None
    options: tuple[dict[str, Any], ...] = ()
    reasons: tuple[dict[str, Any], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "booking": self.booking.id,
            "idempotency_key": self.booking.idempotency_key,
            "departure": self.departure,
            "why": self.why,
            "position": self.position,
            "ready": self.ready.isoformat() if self.ready else None,
            "destination": self.destination,
            "options": list(self.options),
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True)
class DisruptionImpact:
    """The answer to a disruption: the bookings it breaks, judged at ``as_of``."""

    disruption: Disruption
    as_of: dt.datetime
    broken: tuple[BrokenBooking, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "disruption": self.disruption.to_dict(),
            "as_of": self.as_of.isoformat(),
            "broken": [b.to_dict() for b in self.broken],
        }


def _from_row(row: Any) -> Disruption:
    return Disruption(
        id=row.id,
        kind=row.kind,
        target=row.target,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        delay_hours=Decimal(row.delay_hours).quantize(Decimal("0.01"))
        if row.delay_hours is not None
        else None,
        note=row.note,
        status=row.status,
        created_at=row.created_at,
        cleared_at=row.cleared_at,
    )


# checks at the edge


def _target_problem(connection: Connection, bundle: Bundle, kind: str, target: str) -> Problem | None:
    """Why ``target`` is not something of ``kind`` in the scenario (or the ledger), or ``None``."""
    known: dict[str, Any] = {
        "link": {link.id for link in bundle.links},
        "terminal": set(bundle.terminals),
        "crossing": set(bundle.crossings),
        "delay": {svc.id for svc in bundle.services},
    }
    if kind in known:
        if target in known[kind]:
            return None
        some = ", ".join(sorted(known[kind])[:5])
        what = "service" if kind == "delay" else kind
        return Problem(
            f"unknown {what}", field="target", found=target[:80], expected=f"a {what} such as {some}"
        )
    # a departure: in the ledger, or a trip of the timetable
    if find_departure_row(connection, target, field="target") is not None:
        return None
    key = trip_key(target)
    service = next((svc for svc in bundle.services if key and svc.id == key[0]), None)
    if key is not None and service is not None:
        zone = bundle.terminals[service.stops[0].terminal_id].timezone
        day = dt.datetime.fromtimestamp(key[1], zone_info(zone)).date()
        if any(int(t.departs_at.timestamp()) == key[1] for t in _trips(bundle, [service], day, day).values()):
            return None
    return Problem(
        "unknown departure",
        field="target",
        found=target[:80],
        expected="a departure ref in the ledger or the timetable, e.g. shuttle-middle@2020-04-03T09:00+08:00",
    )


def _window(
    kind: str, target: str, start: Any, end: Any, connection: Connection
) -> tuple[dt.datetime, dt.datetime]:
    """The checked window; a cancelled departure's is the minute it leaves."""
    if kind == "departure":
        row = find_departure_row(connection, target, field="target")
        key = trip_key(target)
        moment = (
            row.departs_at if row is not None else dt.datetime.fromtimestamp(key[1] if key else 0, dt.UTC)
        )
        return moment, moment + dt.timedelta(minutes=1)
    problems: list[Problem] = []
    times = []
    for value, name in ((start, "start"), (end, "end")):
        if value is None:
            problems.append(Problem(f"a {kind} needs its window's {name}", field=name))
            continue
        try:
            times.append(parse_time(value, zone="Asia/Shanghai", field=name))
        except LedgerError as error:
            problems += error.problems
    if problems:
        raise LedgerError(problems)
    begin, finish = times
    if finish <= begin:
        raise LedgerError(
            Problem("the window is empty", field="end", found=str(end), expected=f"after {begin.isoformat()}")
        )
    if finish - begin > dt.timedelta(days=MAX_DISRUPTION_DAYS):
        raise LedgerError(
            Problem(
                f"a window of {(finish - begin).days} days",
                field="end",
                found=str(end),
                expected=f"at most {MAX_DISRUPTION_DAYS} days",
            )
        )
    return begin, finish


def _delay(kind: str, hours: Any) -> Decimal | None:
    if kind != "delay":
        if hours is not None:
            raise LedgerError(Problem("only a delay has hours", field="hours", found=str(hours)))
        return None
    if hours is None:
        raise LedgerError(Problem("a delay needs its hours", field="hours", expected="e.g. 6"))
    number = to_decimal(hours, field="hours")
    if problem := quantity_problem(number, field="hours", maximum=MAX_DELAY_HOURS):
        raise LedgerError(problem)
    return number.quantize(Decimal("0.01"))


def add_disruption(
    ledger: Ledger,
    bundle: Bundle,
    *,
    kind: str,
    target: str,
    start: dt.datetime | str | None = None,
    end: dt.datetime | str | None = None,
    hours: Decimal | float | str | None = None,
    note: str = "",
    as_of: dt.datetime | str | None = None,
    options: bool = True,
) -> DisruptionImpact:
    """Store a disruption and answer with the bookings it breaks and their options.

    Parameters
    ----------
    ledger, bundle
        The open ledger and the scenario it runs (ids are checked against it, and searched on).
    kind
        ``link``, ``terminal``, ``crossing`` (closed from ``start`` to ``end``), ``departure`` (cancelled;
        ``target`` is its ref) or ``delay`` (``target`` a service whose trips leaving in the window run
        ``hours`` late).
    target
        The link, terminal, crossing, departure ref or service id.
    start, end
        The window, ISO 8601 (without an offset: Chongqing time); at most :data:`MAX_DISRUPTION_DAYS` days.
    hours
        For a delay: how late, above 0 and at most :data:`MAX_DELAY_HOURS`.
    note
        Free text (up to 500 characters): the cause, the source.
    as_of
        The instant at which the cargo's position is judged (default: the clock); a replay of the past gives
        the time the news came.
    options
        Search each broken booking's options (the default); ``False`` lists the broken bookings only.

    Raises
    ------
    LedgerError
        An unknown kind or target, an empty or too long window, a bad delay, a note too long.
    """
    if kind not in DISRUPTION_KINDS:
        raise LedgerError(
            Problem(
                "unknown disruption kind",
                field="kind",
                found=str(kind)[:40],
                expected=", ".join(DISRUPTION_KINDS),
            )
        )
    if not isinstance(target, str) or not target or len(target) > 160:
        raise LedgerError(Problem("a target of 1 to 160 characters is needed", field="target"))
    if len(note) > _NOTE_CHARS:
        raise LedgerError(
            Problem("note too long", field="note", found=f"{len(note)} characters", expected="<= 500")
        )
    delay = _delay(kind, hours)
    moment = parse_time(as_of, zone="Asia/Shanghai", field="as_of") if as_of is not None else utc_now()

    def work(connection: Connection) -> Disruption:
        if problem := _target_problem(connection, bundle, kind, target):
            raise LedgerError(problem)
        begin, finish = _window(kind, target, start, end, connection)
        new_id = connection.execute(
            s.disruptions.insert().values(
                kind=kind,
                target=target,
                starts_at=begin,
                ends_at=finish,
                delay_hours=delay,
                note=note,
                status="open",
                created_at=utc_now(),
            )
        ).inserted_primary_key[0]  # type: ignore[index]
        return _from_row(connection.execute(select(s.disruptions).where(s.disruptions.c.id == new_id)).one())

    made = ledger.write(work)
    return disruption_impact(ledger, bundle, made.id, as_of=moment, options=options)


def _find(connection: Connection, key: int | str) -> Any:
    if problem := id_problem(key, field="disruption", what="disruption"):
        raise LedgerError(problem)
    row = connection.execute(select(s.disruptions).where(s.disruptions.c.id == int(key))).first()
    if row is None:
        raise LedgerError(Problem("unknown disruption", field="disruption", found=str(key)))
    return row


def get_disruption(ledger: Ledger, key: int | str) -> Disruption:
    """One disruption by id; raises :class:`LedgerError` if unknown."""
    with ledger.reading() as connection:
        return _from_row(_find(connection, key))


def list_disruptions(
    ledger: Ledger, *, status: str | None = None, limit: int | None = None
) -> list[Disruption]:
    """Disruptions by id, optionally only ``open`` or ``cleared`` ones."""
    query = select(s.disruptions).order_by(s.disruptions.c.id)
    if status is not None:
        if status not in ("open", "cleared"):
            raise LedgerError(
                Problem("unknown status", field="status", found=status[:40], expected="open, cleared")
            )
        query = query.where(s.disruptions.c.status == status)
    if limit is not None:
        query = query.limit(checked_limit(limit))
    with ledger.reading() as connection:
        return [_from_row(row) for row in connection.execute(query)]


def clear_disruption(ledger: Ledger, key: int | str) -> tuple[Disruption, bool]:
    """End a disruption now: searches no longer respect it. Returns it, and whether this call cleared it
    (``False`` when it was already cleared)."""

    def work(connection: Connection) -> tuple[Disruption, bool]:
        row = _find(connection, key)
        changed = connection.execute(
            s.disruptions.update()
            .where(s.disruptions.c.id == row.id, s.disruptions.c.status == "open")
            .values(status="cleared", cleared_at=utc_now())
        ).rowcount
        fresh = connection.execute(select(s.disruptions).where(s.disruptions.c.id == row.id)).one()
        return _from_row(fresh), changed == 1

    return ledger.write(work)


# what a disruption breaks


@dataclass(frozen=True)
class _Leg:
    booking_id: int
    seq: int
    ref: str
    line_id: str
    departs_at: dt.datetime
    status: str
    from_place: str | None
    to_place: str | None


def _late_for_next(
    connection: Connection, services: Mapping[str, Service], closure: Closure, leg: _Leg, why: str
) -> str | None:
    """``why`` if the delayed ``leg`` makes its booking late: it is the last leg (its planned arrival is the
    booking's due time), or it now reaches its end after the next leg leaves from there; else ``None``."""
    legs = _all_legs(connection, leg.booking_id)
    later = [g for g in legs if g.seq > leg.seq]
    if not later:
        return why
    nxt, service, next_service = later[0], services.get(leg.line_id), services.get(later[0].line_id)
    if service is None or next_service is None:
        return why
    arrive = leg.departs_at + dt.timedelta(hours=leg_stops(service, leg)[-1][1] + closure.delay_hours)
    leaves = nxt.departs_at + dt.timedelta(hours=leg_stops(next_service, nxt)[0][2] - next_service.cutoff_h)
    if arrive <= leaves:
        return None
    return f"{why}, after its next leg's cut-off ({nxt.ref})"


def _legs(connection: Connection, closure: Closure, booking_id: int | None = None) -> list[_Leg]:
    """The legs of confirmed bookings that may meet ``closure``."""
    d, bl, b = s.departures.c, s.booking_legs.c, s.bookings.c
    query = (
        select(bl.booking_id, bl.seq, d.ref, d.line_id, d.departs_at, d.status, bl.from_place, bl.to_place)
        .join(s.departures, d.id == bl.departure_id)
        .join(s.bookings, b.id == bl.booking_id)
        .where(b.status == "confirmed", d.departs_at >= closure.start - _LOOKBACK, d.departs_at < closure.end)
        .order_by(bl.booking_id, bl.seq)
    )
    if booking_id is not None:
        query = query.where(bl.booking_id == booking_id)
    if closure.kind in ("delay", "departure"):
        query = query.where(
            d.line_id == (closure.target if closure.kind == "delay" else closure.target.split("@")[0])
        )
    return [_Leg(*row) for row in connection.execute(query)]


def _all_legs(connection: Connection, booking_id: int) -> list[_Leg]:
    d, bl = s.departures.c, s.booking_legs.c
    query = (
        select(bl.booking_id, bl.seq, d.ref, d.line_id, d.departs_at, d.status, bl.from_place, bl.to_place)
        .join(s.departures, d.id == bl.departure_id)
        .where(bl.booking_id == booking_id)
        .order_by(bl.seq)
    )
    return [_Leg(*row) for row in connection.execute(query)]


def _position(
    connection: Connection, bundle: Bundle, legs: Sequence[_Leg], as_of: dt.datetime
) -> tuple[str | None, dt.datetime, str | None, bool]:
    """Where the cargo is at ``as_of`` and from when it can move on; its destination; and whether it is
    already there."""
    services = {svc.id: svc for svc in bundle.services}
    first, last = legs[0], legs[-1]
    last_service = services.get(last.line_id)
    destination = last.to_place or (last_service.stops[-1].terminal_id if last_service else None)
    e, d = s.events.c, s.departures.c
    event = connection.execute(
        select(e.place, e.event_at, e.event_type, e.event_code, d.ref)
        .outerjoin(s.departures, d.id == e.departure_id)
        .where(e.booking_id == first.booking_id, e.classifier == "ACT", e.event_at <= as_of)
        .order_by(e.event_at.desc(), e.id.desc())
        .limit(1)
    ).first()
    if event is not None:
        place = event.place
        terminal = next((t.id for t in bundle.terminals.values() if place in (t.id, t.locode)), place)
        if (event.event_type, event.event_code) == ("TRANSPORT", "DEPA"):
            aboard = _next_stop(services, legs, event.ref, terminal, event.event_at)
            if aboard is not None:
                return aboard[0], max(aboard[1], as_of), destination, False
        return terminal, max(event.event_at, as_of), destination, terminal == destination
    first_service = services.get(first.line_id)
    origin = first.from_place or (first_service.stops[0].terminal_id if first_service else None)
    cutoff = dt.timedelta(hours=first_service.cutoff_h if first_service else 0)
    return origin, max(as_of, first.departs_at - cutoff), destination, False


def _next_stop(
    services: Mapping[str, Service], legs: Sequence[_Leg], ref: str | None, place: str, left: dt.datetime
) -> tuple[str, dt.datetime] | None:
    """Where cargo that left ``place`` at ``left`` is next off the truck: its leg's next stop, at its
    timetable time from the actual departure. The leg is the event's departure ``ref``, or (an event that
    names none) the last leg to have left by then with ``place`` on it. ``None`` if no leg has ``place`` as a
    stop before its end."""

    def stops_of(leg: _Leg) -> list[tuple[str, float, float]]:
        service = services.get(leg.line_id)
        return leg_stops(service, leg) if service is not None else []

    def passes(leg: _Leg) -> bool:
        return place in [name for name, _, _ in stops_of(leg)][:-1]

    if ref is not None:
        leg = next((g for g in legs if g.ref == ref and passes(g)), None)
    else:
        leg = next((g for g in reversed(legs) if g.departs_at <= left and passes(g)), None)
    if leg is None:
        return None
    stops = stops_of(leg)
    at = [name for name, _, _ in stops].index(place)
    return stops[at + 1][0], left + dt.timedelta(hours=stops[at + 1][1] - stops[at][2])


def _cargo_text(cargo_class: str) -> str:
    return cargo_class if cargo_class in ("general", "reefer") or cargo_class.startswith("dg:") else "general"


def _options(
    bundle: Bundle, booking: Booking, place: str, destination: str, ready: dt.datetime, availability: Any
) -> tuple[tuple[dict[str, Any], ...], tuple[dict[str, Any], ...]]:
    """The best options (route JSON) from ``place`` to ``destination``, or the reasons there are none."""
    from intermodal.planners.routing import find_routes
    from intermodal.planners.shipments import make_shipment

    if booking.cargo_class == "dangerous":
        return (), (
            {
                "code": "cargo_class_unknown",
                "text": "the booking says 'dangerous' without its class: no route can be checked for it",
            },
        )
    try:
        shipment = make_shipment(
            bundle,
            teu=float(booking.teu),
            tonnes=float(booking.tonnes),
            cargo=_cargo_text(booking.cargo_class),
            value=float(booking.value)
            if booking.value and booking.currency == bundle.manifest.currency
            else None,
            ready=ready,
        )
        result = find_routes(
            bundle,
            place,
            destination,
            shipment,
            objective="fastest",
            limit=OPTIONS_PER_BOOKING,
            availability=availability,
            # one search per broken booking, a hundred for a border closure: the compiled search repays
            # its load at once (it gives the same options as the plain one)
            engine="compiled",
        )
    except NoRouteError as error:
        codes = [d.get("code", "no_route") for d in error.details] if error.details else []
        texts = list(error.reasons)
        return (), tuple(
            {"code": codes[i] if i < len(codes) else "no_route", "text": text} for i, text in enumerate(texts)
        )
    except InputError as error:
        return (), tuple({"code": "bad_position", "text": str(problem)} for problem in error.problems)
    return tuple(result.to_dict()["options"]), ()


def _broken(
    ledger: Ledger,
    bundle: Bundle,
    closures: Sequence[Closure],
    as_of: dt.datetime,
    *,
    booking_id: int | None = None,
    options: bool = True,
) -> list[BrokenBooking]:
    services = {svc.id: svc for svc in bundle.services}
    links = link_ids(bundle)
    found: dict[int, tuple[_Leg, str]] = {}
    positions: dict[int, tuple[Booking, str | None, dt.datetime, str | None]] = {}
    with ledger.reading() as connection:
        for closure in closures:
            for leg in _legs(connection, closure, booking_id):
                if leg.booking_id in found:
                    continue
                why = leg_breaks(closure, leg, services.get(leg.line_id), links, as_of)
                if why is not None and closure.kind == "delay":
                    why = _late_for_next(connection, services, closure, leg, why)
                if why is not None:
                    found[leg.booking_id] = (leg, f"disruption {closure.id}: {why}")
        for bid in sorted(found):
            legs = _all_legs(connection, bid)
            place, ready, destination, arrived = _position(connection, bundle, legs, as_of)
            if arrived:
                del found[bid]
                continue
            positions[bid] = (_booking(connection, _find_booking(connection, bid)), place, ready, destination)
    if not positions:
        return []
    availability = None
    if options:
        readies = [ready for _, _, ready, _ in positions.values()]
        availability = read_availability(
            ledger, start=min(readies) - dt.timedelta(days=1), end=max(readies) + dt.timedelta(days=32)
        )
    out = []
    for n, (bid, (booking, place, ready, destination)) in enumerate(positions.items()):
        leg, why = found[bid]
        choices: tuple[dict[str, Any], ...] = ()
        reasons: tuple[dict[str, Any], ...] = ()
        if place is None or destination is None:
            reasons = ({"code": "position_unknown", "text": "the booking names no places to search between"},)
        elif options and n >= MAX_SEARCHED:
            reasons = (
                {
                    "code": "not_searched",
                    "text": f"only the first {MAX_SEARCHED} broken bookings are searched in one answer; "
                    "rebooking this one searches it",
                },
            )
        elif options:
            choices, reasons = _options(bundle, booking, place, destination, ready, availability)
        out.append(BrokenBooking(booking, leg.ref, why, place, ready, destination, choices, reasons))
    return out


def disruption_impact(
    ledger: Ledger,
    bundle: Bundle,
    key: int | str,
    *,
    as_of: dt.datetime | str | None = None,
    options: bool = True,
) -> DisruptionImpact:
    """The bookings disruption ``key`` breaks at ``as_of`` (default: the clock), each with its options from
    the cargo's current position (every open disruption applied) or the reasons there are none."""
    moment = parse_time(as_of, zone="Asia/Shanghai", field="as_of") if as_of is not None else utc_now()
    disruption = get_disruption(ledger, key)
    broken = _broken(ledger, bundle, [disruption.closure()], moment, options=options)
    return DisruptionImpact(disruption, moment, tuple(broken))


def booking_impact(
    ledger: Ledger, bundle: Bundle, booking: int | str, *, as_of: dt.datetime | str | None = None
) -> BrokenBooking | None:
    """How the open disruptions break one booking, with its options; ``None`` if none breaks it."""
    moment = parse_time(as_of, zone="Asia/Shanghai", field="as_of") if as_of is not None else utc_now()
    with ledger.reading() as connection:
        row = _find_booking(connection, booking)
        if row is None:
            raise LedgerError(Problem("unknown booking", field="booking", found=str(booking)))
        closures = [
            d.closure()
            for d in (
                _from_row(r)
                for r in connection.execute(select(s.disruptions).where(s.disruptions.c.status == "open"))
            )
        ]
    found = _broken(ledger, bundle, closures, moment, booking_id=row.id)
    return found[0] if found else None


# rebooking


def rebook(
    ledger: Ledger,
    booking: int | str,
    itinerary: Mapping[str, Any],
    *,
    bundle: Bundle | None = None,
    now: dt.datetime | None = None,
    as_of: dt.datetime | None = None,
) -> tuple[Booking, bool]:
    """Move a booking onto ``itinerary`` (a route option's JSON) in one transaction.

    Its legs not yet travelled are released: those on departures still ``scheduled`` and, with ``as_of`` (a
    replay of the past, whose departures have since left), those leaving after ``as_of``. A travelled leg that
    the cargo is taken off part way (the itinerary starts at one of its stops) is cut short there. The
    itinerary's scheduled legs are taken (a timetable departure the ledger lacks is made, as a booking makes
    it; the room and the cargo rules are checked as for a booking); a planned (PLN) departed and arrived event
    is recorded per new leg. A booking already riding exactly these departures is left as it is (``False``): a
    repeat changes nothing.

    Raises
    ------
    LedgerError
        An unknown or cancelled booking, or an unknown departure.
    CapacityError
        A new leg lacks the room; nothing changes.
    """

    def work(connection: Connection) -> tuple[Booking, bool]:
        row = _find_booking(connection, booking)
        if row is None:
            raise LedgerError(Problem("unknown booking", field="booking", found=str(booking)))
        if row.status != "confirmed":
            raise LedgerError(Problem(f"the booking is {row.status}", field="booking", found=str(booking)))
        current = _booking(connection, row)
        request = request_from_itinerary(
            itinerary,
            idempotency_key=row.idempotency_key,
            shipper=row.shipper,
            teu=Decimal(row.teu),
            tonnes=current.tonnes,
            cargo_class=row.cargo_class,
            customs_status=row.customs_status,
        )
        legs = _all_legs(connection, row.id)

        def travelled(leg: _Leg) -> bool:
            return leg.status != "scheduled" and (as_of is None or leg.departs_at <= as_of)

        kept = [leg for leg in legs if travelled(leg)]
        released = [leg for leg in legs if not travelled(leg)]
        rows = departure_rows(connection, request, bundle=bundle)
        if [leg.ref for leg in released] == [r.ref for r in rows]:
            return current, False
        if any(r.ref in {leg.ref for leg in kept} for r in rows):
            raise LedgerError(
                Problem("the new itinerary rides a departure the booking has already taken", field="option")
            )
        if bundle is not None and (refused := _service_problems(bundle, request, rows, Decimal(row.teu))):
            raise LedgerError(refused)
        ids = {
            r.ref: r.id
            for r in connection.execute(
                select(s.departures.c.ref, s.departures.c.id).where(
                    s.departures.c.ref.in_([leg.ref for leg in released])
                )
            )
        }
        if kept and bundle is not None and (cut := _cut_at(bundle, kept[-1], itinerary)) is not None:
            connection.execute(
                s.booking_legs.update()
                .where(s.booking_legs.c.booking_id == row.id, s.booking_legs.c.seq == kept[-1].seq)
                .values(to_place=cut)
            )
        reefer = is_reefer(row.cargo_class)
        for leg in released:
            connection.execute(
                s.departures.update()
                .where(s.departures.c.id == ids[leg.ref])
                .values(
                    booked_teu=s.departures.c.booked_teu - row.teu,
                    booked_kg=s.departures.c.booked_kg - row.weight_kg,
                    booked_reefer_teu=s.departures.c.booked_reefer_teu - (row.teu if reefer else 0),
                )
            )
            connection.execute(
                s.booking_legs.delete().where(
                    s.booking_legs.c.booking_id == row.id, s.booking_legs.c.seq == leg.seq
                )
            )
        check_room(
            connection,
            rows,
            Decimal(row.teu),
            int(row.weight_kg),
            now=now,
            reefer=reefer,
            places=request.legs,
            bundle=bundle,
        )
        r_list = list(rows)
        start = max((leg.seq for leg in kept), default=-1) + 1
        _take_legs(
            connection, row.id, request.legs, r_list, row.teu, row.weight_kg, reefer=reefer, first_seq=start
        )
        scheduled: list[Mapping[str, Any]] = [
            g for g in itinerary.get("legs", []) if isinstance(g, Mapping) and g.get("service")
        ]
        for planned, r in zip(scheduled, r_list, strict=True):
            for kind, when, place in (
                ("departed", planned.get("depart"), planned.get("from")),
                ("arrived", planned.get("arrive"), planned.get("to")),
            ):
                if when and place:
                    zone = bundle.terminals[place].timezone if bundle and place in bundle.terminals else "UTC"
                    insert_event(
                        connection,
                        kind,
                        at=when,
                        place=place,
                        zone=zone,
                        equipment_ref=None,
                        booking=row.id,
                        departure=r.id,
                        classifier="PLN",
                    )
        fresh = connection.execute(select(s.bookings).where(s.bookings.c.id == row.id)).one()
        return _booking(connection, fresh), True

    return ledger.write(work)


def rebook_option(
    ledger: Ledger,
    bundle: Bundle,
    booking: int | str,
    option: int,
    *,
    as_of: dt.datetime | str | None = None,
) -> tuple[Booking, BrokenBooking]:
    """Rebook a booking that an open disruption breaks onto its option ``option`` (1 = the first listed).

    Raises
    ------
    RebookError
        The booking is not broken by any open disruption (so a repeated rebooking is refused: the first one
        moved it off the disruption), or has no such option.
    """
    if problem := quantity_problem(option, field="option", maximum=OPTIONS_PER_BOOKING):
        raise LedgerError(problem)
    impact = booking_impact(ledger, bundle, booking, as_of=as_of)
    if impact is None:
        raise RebookError(
            Problem(
                "no open disruption breaks this booking: nothing to rebook",
                field="booking",
                found=str(booking),
                expected="a booking listed by `intermodal disruption add` or `disruption show`",
            )
        )
    if option > len(impact.options):
        reasons = "; ".join(r["text"] for r in impact.reasons)
        raise RebookError(
            Problem(
                f"the booking has {len(impact.options)} options" + (f" ({reasons})" if reasons else ""),
                field="option",
                found=str(option),
                expected=f"1 to {len(impact.options)}"
                if impact.options
                else "another disruption first cleared",
            )
        )
    moment = parse_time(as_of, zone="Asia/Shanghai", field="as_of") if as_of is not None else None
    moved, _ = rebook(ledger, booking, impact.options[option - 1], bundle=bundle, as_of=moment)
    return moved, impact


def _cut_at(bundle: Bundle, leg: _Leg, itinerary: Mapping[str, Any]) -> str | None:
    """The stop where the itinerary takes the cargo off a travelled ``leg`` part way, or ``None``."""
    legs = itinerary.get("legs")
    start = legs[0].get("from") if isinstance(legs, list) and legs and isinstance(legs[0], Mapping) else None
    service = next((svc for svc in bundle.services if svc.id == leg.line_id), None)
    if service is None or not isinstance(start, str):
        return None
    names = [name for name, _, _ in leg_stops(service, leg)]
    return start if start in names[1:-1] else None
