"""Container and shipment events, in the shape of DCSA Track & Trace events.

Each event has a time (stored in UTC, shown in its place's zone), a place (a terminal id or UN/LOCODE) and an
equipment reference (the container number). The ledger's event names map to DCSA's ``eventType`` and code:

========================  ==========  ====
name                      eventType   code
========================  ==========  ====
``gate-in``               EQUIPMENT   GTIN
``loaded``                EQUIPMENT   LOAD
``departed``              TRANSPORT   DEPA
``arrived``               TRANSPORT   ARRI
``customs-released``      SHIPMENT    RELS
``discharged``            EQUIPMENT   DISC
``gate-out``              EQUIPMENT   GTOT
========================  ==========  ====
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from intermodal.exceptions import LedgerError, Problem
from intermodal.ledger import _schema as s
from intermodal.ledger._storage import Ledger
from intermodal.ledger._values import checked_limit, equipment_problem, parse_time, utc_now, zone_info
from intermodal.ledger.departures import find_departure_row
from intermodal.model import Bundle
from intermodal.model.bounds import id_problem

__all__ = ["EVENT_KINDS", "Event", "known_places", "list_events", "record_event"]

#: The ledger's event names and their DCSA (eventType, code).
EVENT_KINDS: dict[str, tuple[str, str]] = {
    "gate-in": ("EQUIPMENT", "GTIN"),
    "loaded": ("EQUIPMENT", "LOAD"),
    "departed": ("TRANSPORT", "DEPA"),
    "arrived": ("TRANSPORT", "ARRI"),
    "customs-released": ("SHIPMENT", "RELS"),
    "discharged": ("EQUIPMENT", "DISC"),
    "gate-out": ("EQUIPMENT", "GTOT"),
}
_KIND_OF = {code: name for name, (_, code) in EVENT_KINDS.items()}
CLASSIFIERS = ("ACT", "EST", "PLN")


@dataclass(frozen=True)
class Event:
    """A recorded event. ``event_at`` is aware UTC; :attr:`event_local` shows it in the place's zone."""

    id: int
    kind: str
    event_type: str
    event_code: str
    classifier: str
    event_at: dt.datetime
    zone: str
    place: str
    equipment_ref: str | None
    booking_id: int | None
    departure_id: int | None

    @property
    def event_local(self) -> dt.datetime:
        return self.event_at.astimezone(zone_info(self.zone))

    def to_dict(self) -> dict[str, Any]:
        """The DCSA-like fields (``eventType``, ``eventClassifierCode``...) plus the ledger's own."""
        return {
            "id": self.id,
            "kind": self.kind,
            "eventType": self.event_type,
            "eventTypeCode": self.event_code,
            "eventClassifierCode": self.classifier,
            "eventDateTime": self.event_local.isoformat(),
            "eventDateTimeUTC": self.event_at.isoformat(),
            "location": self.place,
            "equipmentReference": self.equipment_ref,
            "booking_id": self.booking_id,
            "departure_id": self.departure_id,
        }


def event_from_row(row: Any) -> Event:
    return Event(
        id=row.id,
        kind=_KIND_OF.get(row.event_code, row.event_code),
        event_type=row.event_type,
        event_code=row.event_code,
        classifier=row.classifier,
        event_at=row.event_at,
        zone=row.zone,
        place=row.place,
        equipment_ref=row.equipment_ref,
        booking_id=row.booking_id,
        departure_id=row.departure_id,
    )


def record_event(
    ledger: Ledger,
    kind: str,
    *,
    at: dt.datetime | str,
    place: str,
    zone: str = "Asia/Shanghai",
    equipment_ref: str | None = None,
    booking: int | str | None = None,
    departure: int | str | None = None,
    classifier: str = "ACT",
    places: Collection[str] | None = None,
) -> Event:
    """Record one event.

    Parameters
    ----------
    kind
        One of :data:`EVENT_KINDS` (``gate-in``, ``loaded``, ...).
    at
        When: an aware datetime or ISO 8601 text; without an offset it is read in ``zone``.
    place
        Where: a terminal id or UN/LOCODE.
    zone
        The IANA zone of ``place``, in which the event is shown.
    equipment_ref
        The container number; taken from the booking when omitted.
    booking, departure
        The booking (id or idempotency key) and departure (id or ref) the event belongs to, if any.
    classifier
        DCSA's ``ACT`` (actual, the default), ``EST`` (estimated) or ``PLN`` (planned).
    places
        The places an event may be at (:func:`known_places` of the scenario the ledger runs); ``None`` takes
        ``place`` as given (an import of another system's history).

    Raises
    ------
    LedgerError
        Unknown kind, zone, place, booking or departure, or no equipment, booking or departure to attach the
        event to.
    """
    return ledger.write(
        lambda connection: insert_event(
            connection,
            kind,
            at=at,
            place=place,
            zone=zone,
            equipment_ref=equipment_ref,
            booking=booking,
            departure=departure,
            classifier=classifier,
            places=places,
        )
    )


def insert_event(
    connection: Connection,
    kind: str,
    *,
    at: dt.datetime | str,
    place: str,
    zone: str,
    equipment_ref: str | None,
    booking: int | str | None,
    departure: int | str | None,
    classifier: str,
    places: Collection[str] | None = None,
) -> Event:
    """Check and insert one event in an open write transaction (see :func:`record_event`)."""
    from intermodal.ledger.bookings import _find_booking

    problems = []
    if kind not in EVENT_KINDS:
        problems.append(Problem("unknown event", field="kind", found=kind, expected=", ".join(EVENT_KINDS)))
    if classifier not in CLASSIFIERS:
        problems.append(
            Problem("unknown classifier", field="classifier", found=classifier, expected="ACT/EST/PLN")
        )
    if not place:
        problems.append(Problem("an event needs a place", field="place"))
    elif places is not None and place not in places:
        some = ", ".join(sorted(places)[:6])
        problems.append(
            Problem(
                "unknown place",
                field="place",
                found=place,
                expected=f"a terminal id or UN/LOCODE such as {some}",
            )
        )
    if equipment_ref is None and booking is None and departure is None:
        problems.append(
            Problem("an event needs an equipment reference, a booking or a departure", field="kind")
        )
    if equipment_ref is not None and (problem := equipment_problem(equipment_ref)):
        problems.append(problem)
    moment = None
    try:
        zone_info(zone)
        moment = parse_time(at, zone=zone, field="at")
    except LedgerError as error:
        problems += error.problems
    if problems or moment is None:
        raise LedgerError(problems)
    booking_row = departure_row = None
    if booking is not None:
        booking_row = _find_booking(connection, booking)
        if booking_row is None:
            raise LedgerError(Problem("unknown booking", field="booking", found=str(booking)))
    if departure is not None:
        departure_row = find_departure_row(connection, departure)
        if departure_row is None:
            raise LedgerError(Problem("unknown departure", field="departure", found=str(departure)))
    event_type, code = EVENT_KINDS[kind]
    inserted = connection.execute(
        s.events.insert().values(
            event_type=event_type,
            event_code=code,
            classifier=classifier,
            event_at=moment,
            zone=zone,
            place=place,
            equipment_ref=equipment_ref or (booking_row.equipment_ref if booking_row is not None else None),
            booking_id=booking_row.id if booking_row is not None else None,
            departure_id=departure_row.id if departure_row is not None else None,
            recorded_at=utc_now(),
        )
    )
    new_id = inserted.inserted_primary_key[0]  # type: ignore[index]
    return event_from_row(connection.execute(select(s.events).where(s.events.c.id == new_id)).one())


def known_places(bundle: Bundle) -> frozenset[str]:
    """The places an event can be at in ``bundle``: each terminal's id and UN/LOCODE."""
    return frozenset(t.id for t in bundle.terminals.values()) | frozenset(
        t.locode for t in bundle.terminals.values() if t.locode
    )


def list_events(
    ledger: Ledger,
    *,
    equipment_ref: str | None = None,
    booking: int | None = None,
    departure: int | None = None,
    limit: int | None = None,
) -> list[Event]:
    """Events in time order, optionally for one container, booking (id) or departure (id)."""
    for key, what in ((booking, "booking"), (departure, "departure")):
        if key is not None and (problem := id_problem(key, field=what, what=what)):
            raise LedgerError(problem)
    query = select(s.events).order_by(s.events.c.event_at, s.events.c.id)
    if equipment_ref is not None:
        query = query.where(s.events.c.equipment_ref == equipment_ref)
    if booking is not None:
        query = query.where(s.events.c.booking_id == booking)
    if departure is not None:
        query = query.where(s.events.c.departure_id == departure)
    if limit is not None:
        query = query.limit(checked_limit(limit))
    with ledger.reading() as connection:
        return [event_from_row(row) for row in connection.execute(query)]
