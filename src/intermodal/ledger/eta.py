"""Planned events and ETAs of bookings: what was planned, what happened, and when the cargo will arrive.

A booking's **plan** is derived, not stored: each leg rides a departure of a line, and the line's service in
the scenario's timetable says when that departure reaches and leaves each stop. The plan is the booking's
``DEPA`` at the stop it boards and ``ARRI`` at the stop it leaves the vehicle, with every stop in between
(``ARRI`` then ``DEPA``); these are its ``PLN`` events.

Its **ETA** is the actual events so far (``ACT`` ``ARRI``/``DEPA`` of the booking, or of a departure it
rides) and the plan for the rest, pushed back by the delay that is left. A run between two stops takes the
time the plan gives it. At a stop, the cargo waits for its planned departure: it needs only its least dwell
there (customs clearance at a border crossing; handling, plus clearance at a crossing, when it changes
vehicle; nothing when it stays aboard through an ordinary stop), so the rest of the planned stop is **slack**
and absorbs a delay first. So a truck 6 h late into Mohan, where the stop is all clearance, leaves 6 h late,
makes up 2 h of the 2 h rest at Vientiane and 1 h of the 9 h stop at Nong Khai (8 h clearance), and reaches
Bangkok 3 h late. An early arrival never makes a departure leave before its time.

Each new ETA is stored as an ``EST`` ``ARRI`` event at the destination (none while it has not changed).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, or_, select

from intermodal.exceptions import LedgerError, Problem
from intermodal.ledger import _schema as s
from intermodal.ledger._storage import Ledger
from intermodal.ledger._values import zone_info
from intermodal.ledger.events import Event, event_from_row, insert_event
from intermodal.model import Bundle

__all__ = [
    "Eta",
    "EtaStop",
    "PlanPoint",
    "booking_eta",
    "booking_events",
    "estimate_times",
    "plan_points",
    "planned_events",
]


@dataclass(frozen=True)
class PlanPoint:
    """One planned moment of a booking: its vehicle arrives at (``ARRI``) or leaves (``DEPA``) a place.

    ``min_dwell_h`` is, on a ``DEPA`` that follows an ``ARRI`` at the same place, the least time the cargo
    must stay there; the planned stop beyond it is slack.
    """

    code: str
    place: str
    zone: str
    planned: dt.datetime
    departure_id: int
    departure_ref: str
    min_dwell_h: float = 0.0

    def is_stop_exit(self, before: PlanPoint | None) -> bool:
        """Whether this point leaves a stop that ``before`` arrived at (so the stop's slack applies)."""
        return (
            before is not None
            and self.code == "DEPA"
            and before.code == "ARRI"
            and before.place == self.place
        )


def _booking_row(connection: Connection, booking: int | str) -> Any:
    from intermodal.ledger.bookings import _find_booking

    row = _find_booking(connection, booking)
    if row is None:
        raise LedgerError(Problem("unknown booking", field="booking", found=str(booking)))
    return row


def _legs(connection: Connection, booking_id: int) -> list[Any]:
    return list(
        connection.execute(
            select(s.booking_legs, s.departures.c.ref, s.departures.c.line_id, s.departures.c.departs_at)
            .join(s.departures, s.booking_legs.c.departure_id == s.departures.c.id)
            .where(s.booking_legs.c.booking_id == booking_id)
            .order_by(s.booking_legs.c.seq)
        ).all()
    )


def _least_dwell(bundle: Bundle, place: str, *, transfer: bool) -> float:
    crossing = bundle.crossings.get(place)
    clearance = crossing.clearance_h if crossing is not None else 0.0
    if not transfer:
        return clearance
    terminal = bundle.terminals.get(place)
    return clearance + (terminal.handling_h if terminal is not None else 0.0)


def _points_of(connection: Connection, booking_row: Any, bundle: Bundle) -> list[PlanPoint]:
    services = {svc.id: svc for svc in bundle.services}
    points: list[PlanPoint] = []
    problems = []
    for number, leg in enumerate(_legs(connection, booking_row.id)):
        where = f"legs[{number}]"
        service = services.get(leg.line_id)
        if service is None:
            problems.append(
                Problem(
                    "the booking's line is not in the scenario, so its plan is unknown",
                    field=where,
                    found=leg.line_id,
                    expected="a line of the scenario's timetable",
                )
            )
            continue
        stops = [stop.terminal_id for stop in service.stops]
        start = (
            stops.index(leg.from_place) if leg.from_place in stops else (0 if leg.from_place is None else -1)
        )
        end = (
            stops.index(leg.to_place)
            if leg.to_place in stops
            else (len(stops) - 1 if leg.to_place is None else -1)
        )
        if start < 0 or end < 0 or end <= start:
            problems.append(
                Problem(
                    "the booking's leg does not follow its line's stops",
                    field=where,
                    found=f"{leg.from_place} → {leg.to_place} on {leg.ref}",
                    expected=" → ".join(stops),
                )
            )
            continue
        origin = service.stops[0].depart_offset_h

        def at(hours: float, departs: dt.datetime = leg.departs_at, origin: float = origin) -> dt.datetime:
            return departs + dt.timedelta(hours=hours - origin)

        for k in range(start, end + 1):
            stop = service.stops[k]
            terminal = bundle.terminals.get(stop.terminal_id)
            zone = terminal.timezone if terminal is not None else "UTC"
            common = {"place": stop.terminal_id, "zone": zone, "departure_id": leg.departure_id}
            if k > start:
                points.append(
                    PlanPoint("ARRI", planned=at(stop.arrive_offset_h), departure_ref=leg.ref, **common)
                )
            if k < end:
                before = points[-1] if points else None
                planned = at(stop.depart_offset_h)
                transfer = k == start and before is not None and before.place == stop.terminal_id
                dwell = 0.0
                if k > start or transfer:
                    assert before is not None
                    least = _least_dwell(bundle, stop.terminal_id, transfer=transfer)
                    # the plan is trusted: never more dwell than the stop it planned
                    dwell = max(0.0, min(least, (planned - before.planned).total_seconds() / 3600))
                points.append(
                    PlanPoint("DEPA", planned=planned, departure_ref=leg.ref, min_dwell_h=dwell, **common)
                )
    if problems:
        raise LedgerError(problems)
    return points


def plan_points(ledger: Ledger, booking: int | str, bundle: Bundle) -> list[PlanPoint]:
    """A booking's plan (see the module docstring), in time order.

    Raises
    ------
    LedgerError
        An unknown booking, or a leg whose line the scenario does not run or whose stops it does not follow.
    """
    with ledger.reading() as connection:
        return _points_of(connection, _booking_row(connection, booking), bundle)


def _planned_event(point: PlanPoint, booking_row: Any) -> Event:
    return Event(
        id=None,
        kind="departed" if point.code == "DEPA" else "arrived",
        event_type="TRANSPORT",
        event_code=point.code,
        classifier="PLN",
        event_at=point.planned,
        zone=point.zone,
        place=point.place,
        equipment_ref=booking_row.equipment_ref,
        booking_id=booking_row.id,
        departure_id=point.departure_id,
        recorded_at=booking_row.created_at,
    )


def planned_events_in(connection: Connection, booking_id: int, bundle: Bundle) -> list[Event]:
    """:func:`planned_events` inside an open transaction, less those a stored ``PLN`` event already states."""
    row = _booking_row(connection, booking_id)
    stored = [
        event_from_row(r)
        for r in connection.execute(
            select(s.events).where(s.events.c.booking_id == row.id, s.events.c.classifier == "PLN")
        )
    ]
    return _not_stored([_planned_event(point, row) for point in _points_of(connection, row, bundle)], stored)


def _not_stored(planned: Sequence[Event], stored: Sequence[Event]) -> list[Event]:
    """The derived planned events that no stored ``PLN`` event (a rebooking records its legs' plan) states
    already: the same code at the same place and time is one planned event, not two."""
    have = {(e.event_code, e.place, e.event_at) for e in stored if e.classifier == "PLN"}
    return [e for e in planned if (e.event_code, e.place, e.event_at) not in have]


def planned_events(ledger: Ledger, booking: int | str, bundle: Bundle) -> list[Event]:
    """A booking's ``PLN`` events: its plan as DCSA transport events (``id`` ``None``: derived, not rows)."""
    with ledger.reading() as connection:
        row = _booking_row(connection, booking)
        return [_planned_event(point, row) for point in _points_of(connection, row, bundle)]


def estimate_times(points: Sequence[PlanPoint], actual: Sequence[dt.datetime | None]) -> list[dt.datetime]:
    """The estimated time of each plan point: its actual time where there is one, else the estimate before it
    carried forward (a run takes its planned time; a stop's slack absorbs delay first)."""
    out: list[dt.datetime] = []
    for i, point in enumerate(points):
        if actual[i] is not None:
            out.append(actual[i])  # type: ignore[arg-type]
        elif i == 0:
            out.append(point.planned)
        elif point.is_stop_exit(points[i - 1]):
            out.append(max(point.planned, out[-1] + dt.timedelta(hours=point.min_dwell_h)))
        else:
            out.append(out[-1] + (point.planned - points[i - 1].planned))
    return out


@dataclass(frozen=True)
class EtaStop:
    """One point of a booking's plan with its estimate: ``actual`` when an ``ACT`` event gives its time."""

    code: str
    place: str
    zone: str
    planned: dt.datetime
    estimated: dt.datetime
    actual: bool
    slack_h: float | None

    def to_dict(self) -> dict[str, Any]:
        zone = zone_info(self.zone)
        return {
            "eventTypeCode": self.code,
            "place": self.place,
            "planned": self.planned.astimezone(zone).isoformat(),
            "estimated": self.estimated.astimezone(zone).isoformat(),
            "delay_h": round((self.estimated - self.planned).total_seconds() / 3600, 2),
            "actual": self.actual,
            "slack_h": self.slack_h,
        }


@dataclass(frozen=True)
class Eta:
    """A booking's estimated arrival at its destination, how it was reached, and the EST event stored."""

    booking_id: int
    booking_key: str
    destination: str
    zone: str
    planned: dt.datetime
    estimated: dt.datetime
    arrived: bool
    stops: tuple[EtaStop, ...]
    stored: Event | None

    @property
    def delay_h(self) -> float:
        return (self.estimated - self.planned).total_seconds() / 3600

    def to_dict(self) -> dict[str, Any]:
        zone = zone_info(self.zone)
        return {
            "booking_id": self.booking_id,
            "booking": self.booking_key,
            "destination": self.destination,
            "planned": self.planned.astimezone(zone).isoformat(),
            "eta": self.estimated.astimezone(zone).isoformat(),
            "eta_utc": self.estimated.astimezone(dt.UTC).isoformat(),
            "delay_h": round(self.delay_h, 2),
            "arrived": self.arrived,
            "stops": [stop.to_dict() for stop in self.stops],
            "stored_event": self.stored.to_dict() if self.stored is not None else None,
        }


def _actual_times(
    connection: Connection, booking_row: Any, points: Sequence[PlanPoint], bundle: Bundle
) -> list[dt.datetime | None]:
    """The time of each plan point that an ``ACT`` transport event of the booking (or of a departure it rides,
    recorded for the whole vehicle) gives; the latest recorded wins where several do."""
    departure_ids = sorted({p.departure_id for p in points})
    rows = connection.execute(
        select(s.events)
        .where(
            s.events.c.classifier == "ACT",
            s.events.c.event_type == "TRANSPORT",
            or_(
                s.events.c.booking_id == booking_row.id,
                s.events.c.departure_id.in_(departure_ids) & s.events.c.booking_id.is_(None),
            ),
        )
        .order_by(s.events.c.id)
    ).all()
    names: dict[str, set[str]] = {}
    for point in points:
        terminal = bundle.terminals.get(point.place)
        names[point.place] = {point.place} | (
            {terminal.locode} if terminal is not None and terminal.locode else set()
        )
    found: list[dt.datetime | None] = [None] * len(points)
    for row in rows:  # in recording order, so a later correction replaces an earlier report
        for i, point in enumerate(points):
            if (
                row.event_code == point.code
                and row.place in names[point.place]
                and (row.departure_id is None or row.departure_id == point.departure_id)
            ):
                found[i] = row.event_at
                break
    return found


def _eta(connection: Connection, booking: int | str, bundle: Bundle, *, store: bool) -> Eta:
    row = _booking_row(connection, booking)
    if row.status == "cancelled":
        raise LedgerError(
            Problem("the booking is cancelled: it has no ETA", field="booking", found=str(booking))
        )
    points = _points_of(connection, row, bundle)
    actual = _actual_times(connection, row, points, bundle)
    estimated = estimate_times(points, actual)
    stops = []
    for i, point in enumerate(points):
        slack = None
        if point.is_stop_exit(points[i - 1] if i else None):
            stay = (point.planned - points[i - 1].planned).total_seconds() / 3600
            slack = round(stay - point.min_dwell_h, 2)
        stops.append(
            EtaStop(
                point.code, point.place, point.zone, point.planned, estimated[i], actual[i] is not None, slack
            )
        )
    last = points[-1]
    arrived = actual[-1] is not None
    stored = None
    if store and not arrived:
        previous = connection.execute(
            select(s.events.c.event_at)
            .where(
                s.events.c.booking_id == row.id,
                s.events.c.classifier == "EST",
                s.events.c.event_code == "ARRI",
                s.events.c.place == last.place,
            )
            .order_by(s.events.c.id.desc())
            .limit(1)
        ).scalar()
        if previous != estimated[-1]:
            stored = insert_event(
                connection,
                "arrived",
                at=estimated[-1],
                place=last.place,
                zone=last.zone,
                equipment_ref=None,
                booking=row.id,
                departure=last.departure_id,
                classifier="EST",
            )
    return Eta(
        row.id,
        row.idempotency_key,
        last.place,
        last.zone,
        last.planned,
        estimated[-1],
        arrived,
        tuple(stops),
        stored,
    )


def booking_eta(ledger: Ledger, booking: int | str, bundle: Bundle, *, store: bool = True) -> Eta:
    """A booking's ETA at its destination (see the module docstring); a new one is stored as an ``EST`` event.

    Parameters
    ----------
    booking
        Its id or idempotency key.
    bundle
        The scenario whose timetable gives the plan.
    store
        Record the ETA as an ``EST`` ``ARRI`` event when it differs from the last one stored (none once the
        cargo has arrived).

    Raises
    ------
    LedgerError
        An unknown or cancelled booking, or one whose plan the scenario cannot give.
    """
    if store:
        return ledger.write(lambda connection: _eta(connection, booking, bundle, store=True))
    with ledger.reading() as connection:
        return _eta(connection, booking, bundle, store=False)


def booking_events(ledger: Ledger, booking: int | str, bundle: Bundle | None) -> dict[str, list[Event]]:
    """A booking's events kept apart by classifier: ``PLN`` (derived from its plan when ``bundle`` is given,
    and any stored), ``EST`` (intermodal's estimates) and ``ACT`` (from the field), each in time order."""
    with ledger.reading() as connection:
        row = _booking_row(connection, booking)
        stored = [
            event_from_row(r)
            for r in connection.execute(
                select(s.events)
                .where(s.events.c.booking_id == row.id)
                .order_by(s.events.c.event_at, s.events.c.id)
            )
        ]
        planned = (
            [_planned_event(p, row) for p in _points_of(connection, row, bundle)]
            if bundle is not None
            else []
        )
    apart: dict[str, list[Event]] = {"PLN": _not_stored(planned, stored), "EST": [], "ACT": []}
    for event in stored:
        apart[event.classifier].append(event)
    apart["PLN"].sort(key=lambda e: e.event_at)
    return apart
