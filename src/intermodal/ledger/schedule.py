"""Departures from the timetable: every dated trip of a scenario's services becomes a ledger departure.

:func:`schedule_departures` makes the ledger's departures in a window of service dates agree with the
timetable, in one transaction. It is idempotent: a second run changes nothing. When the timetable changes,
departures that nobody booked follow it (a trip that moved or went away is removed, its capacity is updated),
and departures that hold bookings are left as they are and reported as conflicts, never moved silently.
Only departures the timetable made are ever removed; one entered by hand (``ledger add-departure``) stays.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.dialects import postgresql, sqlite

from intermodal.exceptions import LedgerError, Problem
from intermodal.ledger import _schema as s
from intermodal.ledger._storage import Ledger
from intermodal.ledger._values import teu_decimal, utc_now, zone_info
from intermodal.ledger.departures import departure_ref
from intermodal.ledger.lines import Line, _upsert, line_from_service
from intermodal.model import Bundle, Service
from intermodal.network.timetable import expand_timetable

__all__ = ["ScheduleConflict", "ScheduleResult", "schedule_departures"]

#: A window longer than this is refused: a year of the Chongqing timetable is about 12,000 departures, and a
#: longer one is almost always a typing slip (2029 for 2020) that would write a decade of rows.
MAX_SCHEDULE_DAYS = 366


@dataclass(frozen=True)
class ScheduleConflict:
    """A booked departure that the timetable would move, shrink or remove; it was left as it is."""

    ref: str
    booked_teu: float
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"departure": self.ref, "booked_teu": self.booked_teu, "reason": self.reason}


@dataclass(frozen=True)
class ScheduleResult:
    """What :func:`schedule_departures` did, by departure ref."""

    start: dt.date
    end: dt.date
    created: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    unchanged: int = 0
    conflicts: tuple[ScheduleConflict, ...] = field(default=())

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.removed)

    def to_dict(self) -> dict[str, Any]:
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "created": len(self.created),
            "updated": len(self.updated),
            "removed": len(self.removed),
            "unchanged": self.unchanged,
            "conflicts": [c.to_dict() for c in self.conflicts],
        }


@dataclass(frozen=True)
class _Trip:
    line: Line
    departs_at: dt.datetime
    service_date: dt.date


def _line(bundle: Bundle, service: Service) -> Line:
    return line_from_service(service, zone=bundle.terminals[service.stops[0].terminal_id].timezone)


def _trips(bundle: Bundle, services: Iterable[Service], start: dt.date, end: dt.date) -> dict[str, _Trip]:
    """The dated trips whose service date (local date at the first stop) is in ``[start, end]``, by ref."""
    services = list(services)
    index = {t: i for i, t in enumerate(bundle.terminals)}
    # a day either side: zones east and west of UTC put a trip's local date a day off its UTC date
    window_start = dt.datetime.combine(start - dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    window_end = dt.datetime.combine(end + dt.timedelta(days=2), dt.time(), tzinfo=dt.UTC)
    table = expand_timetable(services, bundle.terminals, index, start=window_start, end=window_end)
    lines = {svc.id: _line(bundle, svc) for svc in services}
    trips: dict[str, _Trip] = {}
    for k in range(table.n_trips):
        service = table.services[int(table.trip_service[k])]
        line = lines[service.id]
        departs_at = dt.datetime.fromtimestamp(int(table.trip_start[k]), dt.UTC)
        service_date = departs_at.astimezone(zone_info(line.zone)).date()
        if start <= service_date <= end:
            trips[departure_ref(line.id, departs_at, line.zone)] = _Trip(line, departs_at, service_date)
    return trips


def schedule_departures(
    ledger: Ledger,
    bundle: Bundle,
    *,
    start: dt.date,
    end: dt.date,
    services: Iterable[str] | None = None,
) -> ScheduleResult:
    """Make the ledger's departures of ``bundle``'s services for service dates ``start..end`` (inclusive)
    agree with its timetable.

    Parameters
    ----------
    ledger
        The open ledger.
    bundle
        The scenario whose services and calendars give the trips; its services become ledger lines (names and
        default capacity refreshed).
    start, end
        The first and last service date (the local date at a trip's first stop).
    services
        Only these service ids; default every service of the bundle.

    Returns
    -------
    ScheduleResult
        The refs created, updated (capacity, reefer plugs) and removed, how many were already right, and the
        conflicts: booked departures that the timetable no longer has, or whose new capacity (or reefer plugs)
        is below what is booked.

    Raises
    ------
    LedgerError
        An unknown service id, ``end`` before ``start``, or a window over :data:`MAX_SCHEDULE_DAYS`.
    """
    problems: list[Problem] = []
    by_id = {svc.id: svc for svc in bundle.services}
    wanted_ids = list(services) if services is not None else list(by_id)
    for sid in wanted_ids:
        if sid not in by_id:
            problems.append(
                Problem(
                    "unknown service", field="services", found=sid, expected=f"a service of {bundle.name}"
                )
            )
    if end < start:
        problems.append(Problem("the window ends before it starts", field="to", found=end.isoformat()))
    elif (end - start).days + 1 > MAX_SCHEDULE_DAYS:
        problems.append(
            Problem(
                f"a window of {(end - start).days + 1} days",
                field="to",
                found=end.isoformat(),
                expected=f"at most {MAX_SCHEDULE_DAYS} days; schedule a long period in parts",
            )
        )
    if problems:
        raise LedgerError(problems)
    chosen = [by_id[sid] for sid in wanted_ids]
    trips = _trips(bundle, chosen, start, end)
    lines = [_line(bundle, svc) for svc in chosen]

    def work(connection: Connection) -> ScheduleResult:
        _upsert(connection, lines)
        query = select(s.departures).where(
            s.departures.c.line_id.in_([line.id for line in lines]),
            s.departures.c.service_date >= start,
            s.departures.c.service_date <= end,
        )
        if connection.dialect.name == "postgresql":
            # a booking racing this run locks the same rows; the database's checks back this up
            query = query.with_for_update()
        existing = {row.ref: row for row in connection.execute(query.order_by(s.departures.c.id))}
        updated: list[str] = []
        removed: list[str] = []
        conflicts: list[ScheduleConflict] = []
        unchanged = 0
        for ref, row in existing.items():
            booked = Decimal(row.booked_teu)
            if ref in trips:
                trip = trips[ref]
                capacity = teu_decimal(trip.line.capacity_teu, field="capacity_teu")
                kg = int(trip.line.capacity_kg or 0)
                plugs = trip.line.reefer_plugs_teu
                stored_plugs = None if row.reefer_plugs_teu is None else Decimal(row.reefer_plugs_teu)
                if row.status != "scheduled" or (
                    Decimal(row.capacity_teu) == capacity and row.capacity_kg == kg and stored_plugs == plugs
                ):
                    unchanged += 1
                elif booked > capacity or row.booked_kg > kg:
                    conflicts.append(
                        ScheduleConflict(
                            ref,
                            float(booked),
                            f"the timetable's capacity {capacity:g} TEU / {kg:,} kg is below what is booked",
                        )
                    )
                elif plugs is not None and Decimal(row.booked_reefer_teu) > plugs:
                    conflicts.append(
                        ScheduleConflict(
                            ref,
                            float(booked),
                            f"the timetable's {float(plugs):g} TEU of reefer plugs are below the "
                            f"{float(row.booked_reefer_teu):g} TEU of reefer booked",
                        )
                    )
                else:
                    connection.execute(
                        s.departures.update()
                        .where(s.departures.c.id == row.id)
                        .values(capacity_teu=capacity, capacity_kg=kg, reefer_plugs_teu=plugs)
                    )
                    updated.append(ref)
            elif row.origin != "timetable" or row.status != "scheduled":
                continue  # entered by hand, or history: not the timetable's to remove
            elif booked > 0 or (named := _referenced(connection, row.id)):
                why = "the timetable no longer has this departure"
                if booked == 0:  # kept for what names it, not for cargo: say so, or "0 booked" reads wrong
                    why += f"; {named} names it"
                conflicts.append(ScheduleConflict(ref, float(booked), why))
            else:
                connection.execute(s.departures.delete().where(s.departures.c.id == row.id))
                removed.append(ref)
        fresh = {}
        for ref, trip in trips.items():
            if ref in existing:
                continue
            if connection.execute(select(s.departures.c.id).where(s.departures.c.ref == ref)).first():
                unchanged += 1  # outside the window by its stored service date, yet the same departure
                continue
            fresh[ref] = trip
        created = insert_trips(connection, fresh)
        unchanged += len(fresh) - len(created)  # a booking made them since we looked
        return ScheduleResult(
            start=start,
            end=end,
            created=tuple(sorted(created)),
            updated=tuple(sorted(updated)),
            removed=tuple(sorted(removed)),
            unchanged=unchanged,
            conflicts=tuple(sorted(conflicts, key=lambda c: c.ref)),
        )

    return ledger.write(work)


def insert_trips(connection: Connection, trips: dict[str, _Trip]) -> list[str]:
    """Store dated trips as scheduled departures the timetable made (their lines must be in the ledger); the
    refs stored.

    A trip that another writer stored since the caller looked (two bookings making the same departure, or a
    booking racing ``ledger schedule``, on PostgreSQL) is left as that writer made it rather than refused.
    """
    if not trips:
        return []
    now = utc_now()
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    stored = connection.execute(
        insert(s.departures)
        .on_conflict_do_nothing(index_elements=[s.departures.c.ref])
        .returning(s.departures.c.ref),
        [
            {
                "ref": ref,
                "line_id": trip.line.id,
                "service_date": trip.service_date,
                "departs_at": trip.departs_at,
                "zone": trip.line.zone,
                "vehicle": None,
                "capacity_teu": teu_decimal(trip.line.capacity_teu, field="capacity_teu"),
                "capacity_kg": int(trip.line.capacity_kg or 0),
                "reefer_plugs_teu": trip.line.reefer_plugs_teu,
                "status": "scheduled",
                "origin": "timetable",
                "created_at": now,
            }
            for ref, trip in trips.items()
        ],
    )
    return list(stored.scalars())


def timetable_departure(connection: Connection, bundle: Bundle, ref: str) -> Any:
    """The departure ``ref`` (``service@local time``), made from ``bundle``'s timetable if the ledger does not
    have it yet; ``None`` when the timetable has no such trip.

    Booking an option does not wait for ``ledger schedule``: the departures it rides are made on the way.
    """
    line_id, _, when = ref.partition("@")
    service = next((svc for svc in bundle.services if svc.id == line_id), None)
    try:
        moment = dt.datetime.fromisoformat(when)
    except ValueError:
        return None
    if service is None or moment.tzinfo is None:
        return None
    line = _line(bundle, service)
    day = moment.astimezone(zone_info(line.zone)).date()
    trip = next(
        (t for t in _trips(bundle, [service], day, day).values() if t.departs_at == moment),
        None,
    )
    if trip is None:
        return None
    _upsert(connection, [line])
    stored = departure_ref(line.id, trip.departs_at, line.zone)
    insert_trips(connection, {stored: trip})
    return connection.execute(select(s.departures).where(s.departures.c.ref == stored)).one()


def _referenced(connection: Connection, departure_id: int) -> str | None:
    """What names the departure, if anything (then it is not removed): a (cancelled) booking, an event or a
    quote."""
    leg = select(s.booking_legs.c.booking_id).where(s.booking_legs.c.departure_id == departure_id).limit(1)
    event = select(s.events.c.id).where(s.events.c.departure_id == departure_id).limit(1)
    hold = select(s.quote_legs.c.quote_id).where(s.quote_legs.c.departure_id == departure_id).limit(1)
    for what, query in (("a cancelled booking", leg), ("an event", event), ("a quote", hold)):
        if connection.execute(query).first() is not None:
            return what
    return None
