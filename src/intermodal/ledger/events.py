"""Container and shipment events, as DCSA Track & Trace 2.2.0 events.

Each event has a time (stored in UTC, shown in its place's zone), a place (a terminal id or UN/LOCODE) and an
equipment reference (the container number). The ledger's event names map to DCSA 2.2.0's ``eventType`` and
code; each code is in the standard's code list for its type (docs/ledger.md has the table with what each
export carries):

======================  ==========  ====  ===================================================================
name                    eventType   code  what 2.2.0 asks beyond the code
======================  ==========  ====  ===================================================================
``gate-in``             EQUIPMENT   GTIN  ``emptyIndicatorCode`` (LADEN for a booking's box)
``loaded``              EQUIPMENT   LOAD  as gate-in
``departed``            TRANSPORT   DEPA  a ``transportCall``: the departure, its ``modeOfTransport``
``arrived``             TRANSPORT   ARRI  as departed
``customs-hold``        SHIPMENT    HOLD  ``documentTypeCode`` CUS (customs inspection) and a ``documentID``
``customs-released``    SHIPMENT    RELS  as customs-hold; a shipment event is actual only
``inspected``           EQUIPMENT   INSP  as gate-in
``discharged``          EQUIPMENT   DISC  as gate-in
``gate-out``            EQUIPMENT   GTOT  as gate-in
======================  ==========  ====  ===================================================================

Classifiers: ``ACT`` (actual, from the field), ``EST`` (estimated: the ETAs :mod:`intermodal.ledger.eta`
stores) and ``PLN`` (planned: derived from a booking's departures and the timetable, see
:func:`intermodal.ledger.eta.planned_events`). :func:`export_dcsa` writes 2.2.0 JSON and :func:`import_dcsa`
reads it, checked against the standard's own schemas.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from intermodal.exceptions import LedgerError, Problem
from intermodal.ledger import _dcsa
from intermodal.ledger import _schema as s
from intermodal.ledger._storage import Ledger
from intermodal.ledger._values import checked_limit, equipment_problem, parse_time, utc_now, zone_info
from intermodal.ledger.departures import find_departure_row
from intermodal.model import Bundle
from intermodal.model.bounds import id_problem

__all__ = [
    "CLASSIFIERS",
    "EVENT_KINDS",
    "MAX_IMPORT_BYTES",
    "MAX_IMPORT_EVENTS",
    "Event",
    "export_dcsa",
    "import_dcsa",
    "known_places",
    "list_events",
    "record_event",
]

#: The ledger's event names and their DCSA 2.2.0 (eventType, code).
EVENT_KINDS: dict[str, tuple[str, str]] = {
    "gate-in": ("EQUIPMENT", "GTIN"),
    "loaded": ("EQUIPMENT", "LOAD"),
    "departed": ("TRANSPORT", "DEPA"),
    "arrived": ("TRANSPORT", "ARRI"),
    "customs-hold": ("SHIPMENT", "HOLD"),
    "customs-released": ("SHIPMENT", "RELS"),
    "inspected": ("EQUIPMENT", "INSP"),
    "discharged": ("EQUIPMENT", "DISC"),
    "gate-out": ("EQUIPMENT", "GTOT"),
}
_KIND_OF = {(event_type, code): name for name, (event_type, code) in EVENT_KINDS.items()}
#: DCSA's event classifiers: actual (from the field), estimated (by intermodal), planned (from the booking).
CLASSIFIERS = ("ACT", "EST", "PLN")
#: The document a customs event is about: DCSA documentTypeCode CUS (customs inspection).
CUSTOMS_DOCUMENT = "CUS"
#: The most an import takes: a file of this many bytes, and this many events in it.
MAX_IMPORT_BYTES = 16 * 1024 * 1024
MAX_IMPORT_EVENTS = 20_000
_MAX_MESSAGE_BYTES = 64 * 1024


@dataclass(frozen=True)
class Event:
    """An event. ``event_at`` is aware UTC; :attr:`event_local` shows it in the place's zone.

    ``id`` is the ledger's row id, ``None`` for a planned event derived from a booking (not a row).
    ``event_uuid`` is DCSA's ``eventID``.
    """

    id: int | None
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
    event_uuid: str | None = None
    document_type: str | None = None
    document_id: str | None = None
    empty_indicator: str | None = None
    recorded_at: dt.datetime | None = None

    @property
    def event_local(self) -> dt.datetime:
        return self.event_at.astimezone(zone_info(self.zone))

    @property
    def dcsa_id(self) -> str:
        """DCSA's ``eventID``: the one stored, or (a row written before the ledger kept them, a planned
        event) one derived from what identifies it, the same at every export."""
        if self.event_uuid:
            return self.event_uuid
        if self.id is not None:
            return _dcsa.derived_uuid("event", self.id)
        return _dcsa.derived_uuid(
            "planned",
            self.booking_id,
            self.departure_id,
            self.place,
            self.event_code,
            self.event_at.isoformat(),
        )

    def to_dict(self) -> dict[str, Any]:
        """The DCSA-like fields (``eventType``, ``eventClassifierCode``...) plus the ledger's own."""
        return {
            "id": self.id,
            "eventID": self.dcsa_id,
            "kind": self.kind,
            "eventType": self.event_type,
            "eventTypeCode": self.event_code,
            "eventClassifierCode": self.classifier,
            "eventDateTime": self.event_local.isoformat(),
            "eventDateTimeUTC": self.event_at.isoformat(),
            "location": self.place,
            "equipmentReference": self.equipment_ref,
            "documentTypeCode": self.document_type,
            "documentID": self.document_id,
            "booking_id": self.booking_id,
            "departure_id": self.departure_id,
        }


def event_from_row(row: Any) -> Event:
    return Event(
        id=row.id,
        kind=_KIND_OF.get((row.event_type, row.event_code), row.event_code),
        event_type=row.event_type,
        event_code=row.event_code,
        classifier=row.classifier,
        event_at=row.event_at,
        zone=row.zone,
        place=row.place,
        equipment_ref=row.equipment_ref,
        booking_id=row.booking_id,
        departure_id=row.departure_id,
        event_uuid=row.event_uuid,
        document_type=row.document_type,
        document_id=row.document_id,
        empty_indicator=row.empty_indicator,
        recorded_at=row.recorded_at,
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
    document_id: str | None = None,
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
        DCSA's ``ACT`` (actual, the default), ``EST`` (estimated) or ``PLN`` (planned). A shipment event
        (``customs-hold``, ``customs-released``) is a document's status, which DCSA dates when it happens:
        it is ``ACT`` only.
    places
        The places an event may be at (:func:`known_places` of the scenario the ledger runs); ``None`` takes
        ``place`` as given (an import of another system's history).
    document_id
        A shipment event's document, e.g. the customs declaration's number; the booking's idempotency key
        (or the container number) when omitted.

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
            document_id=document_id,
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
    document_id: str | None = None,
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
    elif kind in EVENT_KINDS and EVENT_KINDS[kind][0] == "SHIPMENT" and classifier != "ACT":
        problems.append(
            Problem(
                "a shipment event is a document's status, dated when it happens",
                field="classifier",
                found=classifier,
                expected="ACT",
            )
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
    if document_id is not None and not 0 < len(document_id) <= 100:
        problems.append(
            Problem(
                "a document id of 1 to 100 characters is needed", field="document_id", found=document_id[:40]
            )
        )
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
    equipment = equipment_ref or (booking_row.equipment_ref if booking_row is not None else None)
    document_type = document = empty = None
    if event_type == "SHIPMENT":
        document_type = CUSTOMS_DOCUMENT
        document = document_id or (booking_row.idempotency_key[:100] if booking_row is not None else None)
        document = document or equipment or departure_row.ref[:100]  # type: ignore[union-attr]
    elif event_type == "EQUIPMENT":
        # a box that rides a booking carries its cargo; one without a booking is moved empty
        empty = "LADEN" if booking_row is not None else "EMPTY"
    return _insert(
        connection,
        {
            "event_type": event_type,
            "event_code": code,
            "classifier": classifier,
            "event_at": moment,
            "zone": zone,
            "place": place,
            "equipment_ref": equipment,
            "booking_id": booking_row.id if booking_row is not None else None,
            "departure_id": departure_row.id if departure_row is not None else None,
            "event_uuid": str(uuid.uuid4()),
            "document_type": document_type,
            "document_id": document,
            "empty_indicator": empty,
        },
    )


def _insert(connection: Connection, values: Mapping[str, Any]) -> Event:
    inserted = connection.execute(s.events.insert().values(**values, recorded_at=utc_now()))
    new_id = inserted.inserted_primary_key[0]  # type: ignore[index]
    return event_from_row(connection.execute(select(s.events).where(s.events.c.id == new_id)).one())


def known_places(bundle: Bundle) -> frozenset[str]:
    """The places an event can be at in ``bundle``: each terminal's id and UN/LOCODE."""
    return frozenset(t.id for t in bundle.terminals.values()) | frozenset(
        t.locode for t in bundle.terminals.values() if t.locode
    )


def _events_query(
    *,
    equipment_ref: str | None = None,
    booking: int | None = None,
    departure: int | None = None,
    classifier: str | None = None,
) -> Any:
    for key, what in ((booking, "booking"), (departure, "departure")):
        if key is not None and (problem := id_problem(key, field=what, what=what)):
            raise LedgerError(problem)
    if classifier is not None and classifier not in CLASSIFIERS:
        raise LedgerError(
            Problem("unknown classifier", field="classifier", found=classifier, expected="ACT/EST/PLN")
        )
    query = select(s.events).order_by(s.events.c.event_at, s.events.c.id)
    if equipment_ref is not None:
        query = query.where(s.events.c.equipment_ref == equipment_ref)
    if booking is not None:
        query = query.where(s.events.c.booking_id == booking)
    if departure is not None:
        query = query.where(s.events.c.departure_id == departure)
    if classifier is not None:
        query = query.where(s.events.c.classifier == classifier)
    return query


def list_events(
    ledger: Ledger,
    *,
    equipment_ref: str | None = None,
    booking: int | None = None,
    departure: int | None = None,
    classifier: str | None = None,
    limit: int | None = None,
) -> list[Event]:
    """Events in time order, optionally for one container, booking (id), departure (id) or classifier."""
    query = _events_query(
        equipment_ref=equipment_ref, booking=booking, departure=departure, classifier=classifier
    )
    if limit is not None:
        query = query.limit(checked_limit(limit))
    with ledger.reading() as connection:
        return [event_from_row(row) for row in connection.execute(query)]


# --- DCSA Track & Trace 2.2.0 JSON -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    """What the DCSA messages of some events need from the rest of the ledger and from the scenario."""

    departures: Mapping[int, Any]
    booking_keys: Mapping[int, str]
    legs: Mapping[int, Sequence[Any]]
    bundle: Bundle | None

    def terminal(self, place: str) -> Any:
        if self.bundle is None:
            return None
        found = self.bundle.terminals.get(place)
        if found is None:
            found = next((t for t in self.bundle.terminals.values() if t.locode == place), None)
        return found

    def mode(self, line_id: str) -> str | None:
        if self.bundle is None:
            return None
        service = next((svc for svc in self.bundle.services if svc.id == line_id), None)
        return _dcsa.MODE_OF_TRANSPORT.get(str(service.mode)) if service is not None else None

    def departure_of(self, event: Event) -> Any:
        """The departure a transport event is about: its own, or its booking's leg that leaves (DEPA) or
        reaches (ARRI) the event's place, or the booking's only leg."""
        if event.departure_id is not None:
            return self.departures.get(event.departure_id)
        legs = self.legs.get(event.booking_id or 0, ())
        end = "from_place" if event.event_code == "DEPA" else "to_place"
        matching = [leg for leg in legs if getattr(leg, end) == event.place]
        if not matching and len(legs) == 1:
            matching = list(legs)
        return self.departures.get(matching[0].departure_id) if matching else None


def _context(connection: Connection, events: Sequence[Event], bundle: Bundle | None) -> _Context:
    booking_ids = sorted({e.booking_id for e in events if e.booking_id is not None})
    legs: dict[int, list[Any]] = {}
    keys: dict[int, str] = {}
    for start in range(0, len(booking_ids), 500):  # IN lists of bounded length on every backend
        chunk = booking_ids[start : start + 500]
        keys.update(
            connection.execute(
                select(s.bookings.c.id, s.bookings.c.idempotency_key).where(s.bookings.c.id.in_(chunk))
            ).all()
        )
        for leg in connection.execute(
            select(s.booking_legs)
            .where(s.booking_legs.c.booking_id.in_(chunk))
            .order_by(s.booking_legs.c.booking_id, s.booking_legs.c.seq)
        ):
            legs.setdefault(leg.booking_id, []).append(leg)
    departure_ids = {e.departure_id for e in events if e.departure_id is not None}
    departure_ids |= {leg.departure_id for rows in legs.values() for leg in rows}
    departures: dict[int, Any] = {}
    ordered = sorted(departure_ids)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        for row in connection.execute(select(s.departures).where(s.departures.c.id.in_(chunk))):
            departures[row.id] = row
    return _Context(departures, keys, legs, bundle)


def _location(place: str, context: _Context) -> dict[str, Any]:
    terminal = context.terminal(place)
    location: dict[str, Any] = {"locationName": (terminal.name_en if terminal is not None else place)[:100]}
    locode = terminal.locode if terminal is not None and terminal.locode else None
    if locode is None and _dcsa.looks_like_locode(place):
        locode = place
    if terminal is not None:
        location["latitude"] = f"{terminal.lat:.4f}"
        location["longitude"] = f"{terminal.lon:.4f}"
    if locode:
        location["UNLocationCode"] = locode
    return location


def _transport_call(event: Event, departure: Any, mode: str, context: _Context) -> dict[str, Any]:
    terminal = context.terminal(event.place)
    call: dict[str, Any] = {
        # one call per departure and place: the same id on its DEPA and on every box's events there
        "transportCallID": _dcsa.derived_uuid("call", departure.ref, event.place),
        "modeOfTransport": mode,
        "otherFacility": event.place[:50],
    }
    locode = terminal.locode if terminal is not None and terminal.locode else None
    if locode is None and _dcsa.looks_like_locode(event.place):
        locode = event.place
    if locode:
        call["UNLocationCode"] = locode
    if terminal is not None and (kind := _dcsa.facility_type(str(terminal.kind))):
        call["facilityTypeCode"] = kind
    return call


def _references(event: Event, context: _Context) -> dict[str, Any]:
    out: dict[str, Any] = {}
    key = context.booking_keys.get(event.booking_id or 0)
    if key is not None:
        out["documentReferences"] = [{"documentReferenceType": "BKG", "documentReferenceValue": key}]
    if event.equipment_ref:
        out["references"] = [{"referenceType": "EQ", "referenceValue": event.equipment_ref}]
    return out


def _message(event: Event, context: _Context, problems: list[Problem]) -> dict[str, Any] | None:
    """The DCSA 2.2.0 message of one event, or ``None`` (and a problem) if the ledger lacks what it needs."""
    where = f"events[{event.id}]" if event.id is not None else f"planned[{event.place}]"
    created = event.recorded_at or event.event_at
    message: dict[str, Any] = {
        "eventID": event.dcsa_id,
        "eventCreatedDateTime": _dcsa.utc_text(created),
        "eventType": event.event_type,
        "eventClassifierCode": event.classifier,
        "eventDateTime": event.event_local.isoformat(),
    }
    if event.event_type == "TRANSPORT":
        departure = context.departure_of(event)
        mode = context.mode(departure.line_id) if departure is not None else None
        if departure is None or mode is None:
            problems.append(
                Problem(
                    "a transport event needs its departure, and the departure's line its mode, to export",
                    field=where,
                    found=f"{event.kind} at {event.place}"
                    + (f" on {departure.ref}" if departure is not None else ", no departure"),
                    expected="an event recorded with its departure, on a line of the scenario",
                )
            )
            return None
        message["transportEventTypeCode"] = event.event_code
        message["transportCall"] = _transport_call(event, departure, mode, context)
        message.update(_references(event, context))
    elif event.event_type == "SHIPMENT":
        # 2.2.0: a shipment event's eventDateTime is the moment the document's status changed
        message["eventCreatedDateTime"] = message["eventDateTime"]
        message["shipmentEventTypeCode"] = event.event_code
        message["documentTypeCode"] = event.document_type or CUSTOMS_DOCUMENT
        document = event.document_id or context.booking_keys.get(event.booking_id or 0) or event.equipment_ref
        message["documentID"] = document or where
        if event.equipment_ref:
            message["references"] = [{"referenceType": "EQ", "referenceValue": event.equipment_ref}]
    else:
        message["equipmentEventTypeCode"] = event.event_code
        if event.equipment_ref:
            message["equipmentReference"] = event.equipment_ref
        message["emptyIndicatorCode"] = event.empty_indicator or (
            "LADEN" if event.booking_id is not None else "EMPTY"
        )
        message["eventLocation"] = _location(event.place, context)
        departure = context.departures.get(event.departure_id) if event.departure_id else None
        mode = context.mode(departure.line_id) if departure is not None else None
        if departure is not None and mode is not None:
            message["transportCall"] = _transport_call(event, departure, mode, context)
        message.update(_references(event, context))
    return message


def export_dcsa(
    ledger: Ledger,
    *,
    booking: int | str | None = None,
    bundle: Bundle | None = None,
    classifier: str | None = None,
    planned: bool = False,
    limit: int | None = None,
    equipment_ref: str | None = None,
    departure: int | None = None,
) -> list[dict[str, Any]]:
    """Events as DCSA Track & Trace 2.2.0 messages (the body of its ``GET /v2/events``), in time order.

    Parameters
    ----------
    booking
        Only this booking's events (id or idempotency key).
    bundle
        The scenario the ledger runs: it gives a transport call's ``modeOfTransport`` (from the line's
        service) and a place's UN/LOCODE, name and coordinates.
    classifier
        Only ``ACT``, ``EST`` or ``PLN`` events.
    planned
        Add each exported booking's planned (``PLN``) events, derived from its departures and the timetable
        (needs ``bundle``; see :func:`intermodal.ledger.eta.planned_events`).
    limit
        At most this many stored events.
    equipment_ref, departure
        Only this container's events, or this departure's (id).

    An imported event exports as the message it came in. Every message validates against the 2.2.0 schema of
    its ``eventType`` (tests/ledger/test_events.py holds that).

    Raises
    ------
    LedgerError
        An unknown booking, or events the standard cannot express as the ledger holds them (a transport event
        whose departure is unknown, or whose line the scenario does not run), each named.
    """
    from intermodal.ledger.bookings import _find_booking
    from intermodal.ledger.eta import planned_events_in

    with ledger.reading() as connection:
        booking_id = None
        if booking is not None:
            row = _find_booking(connection, booking)
            if row is None:
                raise LedgerError(Problem("unknown booking", field="booking", found=str(booking)))
            booking_id = row.id
        query = _events_query(
            booking=booking_id, classifier=classifier, equipment_ref=equipment_ref, departure=departure
        )
        if limit is not None:
            query = query.limit(checked_limit(limit))
        rows = connection.execute(query).all()
        stored = [event_from_row(row) for row in rows]
        messages_in = {row.id: row.message for row in rows if row.message}
        events = list(stored)
        if planned and classifier in (None, "PLN"):
            if bundle is None:
                raise LedgerError(
                    Problem(
                        "planned events need the scenario's timetable", field="planned", expected="a bundle"
                    )
                )
            ids = (
                [booking_id]
                if booking_id is not None
                else sorted({e.booking_id for e in stored if e.booking_id})
            )
            for one in ids:
                events += planned_events_in(connection, one, bundle)
            events.sort(key=lambda e: (e.event_at, e.id if e.id is not None else -1))
        context = _context(connection, events, bundle)
    problems: list[Problem] = []
    out = []
    for event in events:
        if event.id is not None and event.id in messages_in:
            out.append(json.loads(messages_in[event.id]))
            continue
        message = _message(event, context, problems)
        if message is not None:
            out.append(message)
    if problems:
        raise LedgerError(problems)
    return out


@dataclass(frozen=True)
class ImportResult:
    """What :func:`import_dcsa` did: events added, and events the ledger already had (same eventID and
    message: a file imported twice adds nothing)."""

    added: int
    known: int

    def to_dict(self) -> dict[str, int]:
        return {"added": self.added, "known": self.known}


def _read_messages(source: str | Path | bytes | Sequence[Any] | Mapping[str, Any], file: str) -> list[Any]:
    if isinstance(source, (str, Path)):
        path = Path(source)
        try:
            size = path.stat().st_size
        except OSError as error:
            raise LedgerError(Problem("cannot read the file", file=file, found=error.strerror)) from None
        if size > MAX_IMPORT_BYTES:
            raise LedgerError(
                Problem(
                    "the file is too large",
                    file=file,
                    found=f"{size} bytes",
                    expected=f"at most {MAX_IMPORT_BYTES}",
                )
            )
        source = path.read_bytes()
    if isinstance(source, bytes):
        if len(source) > MAX_IMPORT_BYTES:
            raise LedgerError(
                Problem(
                    "the file is too large",
                    file=file,
                    found=f"{len(source)} bytes",
                    expected=f"at most {MAX_IMPORT_BYTES}",
                )
            )
        try:
            source = json.loads(source)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            line = getattr(error, "lineno", None)
            raise LedgerError(
                Problem(
                    "not JSON", file=file, row=line, found=str(error)[:120], expected="DCSA events as JSON"
                )
            ) from None
    if isinstance(source, Mapping):
        return [source]  # one event, as GET /v2/events/{eventID} and a subscription push send it
    if not isinstance(source, Sequence) or isinstance(source, str):
        raise LedgerError(Problem("DCSA events come as a JSON list of event objects", file=file))
    if len(source) > MAX_IMPORT_EVENTS:
        raise LedgerError(
            Problem(
                "too many events", file=file, found=str(len(source)), expected=f"at most {MAX_IMPORT_EVENTS}"
            )
        )
    return list(source)


def _place_of(message: Mapping[str, Any]) -> str:
    """Where a DCSA event happened, as the ledger keys places: a UN/LOCODE, else the facility's name."""
    call = message.get("transportCall") or {}
    location = message.get("eventLocation") or {}
    for value in (
        location.get("UNLocationCode"),
        call.get("UNLocationCode"),
        (call.get("location") or {}).get("UNLocationCode"),
        location.get("locationName"),
        call.get("otherFacility"),
    ):
        if isinstance(value, str) and value.strip():
            return value.strip()[:64]
    return ""  # a shipment event has no place in 2.2.0


def _import_values(
    message: Mapping[str, Any], *, file: str, where: str, problems: list[Problem]
) -> dict[str, Any] | None:
    before = len(problems)
    problems += _dcsa.schema_problems(message, file=file, where=where)
    if len(problems) > before:
        return None
    event_type = message["eventType"]
    code = message.get(_dcsa.CODE_FIELD[event_type]) or message.get("eventTypeCode")
    if not isinstance(code, str) or not code:
        problems.append(
            Problem("the event has no code", file=file, field=f"{where}.{_dcsa.CODE_FIELD[event_type]}")
        )
        return None
    try:
        moment = parse_time(message["eventDateTime"], zone="UTC", field=f"{where}.eventDateTime")
    except LedgerError as error:
        problems += [
            Problem(p.message, file=file, field=p.field, found=p.found, expected=p.expected)
            for p in error.problems
        ]
        return None
    if moment.tzinfo is None:
        problems.append(
            Problem(
                "a DCSA time needs its offset",
                file=file,
                field=f"{where}.eventDateTime",
                found=message["eventDateTime"],
            )
        )
        return None
    equipment = message.get("equipmentReference")
    equipment_field = f"{where}.equipmentReference"
    if equipment is None:
        for k, reference in enumerate(message.get("references") or []):
            if reference.get("referenceType") == "EQ":
                equipment = reference.get("referenceValue")
                equipment_field = f"{where}.references[{k}].referenceValue"
                break
    if equipment is not None and (problem := equipment_problem(str(equipment), field=equipment_field)):
        problems.append(
            Problem(
                problem.message,
                file=file,
                field=problem.field,
                found=problem.found,
                expected=problem.expected,
            )
        )
        return None
    event_id = message.get("eventID")
    if event_id is not None:
        try:
            event_id = str(uuid.UUID(str(event_id)))
        except ValueError:
            problems.append(
                Problem("an eventID is a UUID", file=file, field=f"{where}.eventID", found=str(event_id)[:40])
            )
            return None
    text = json.dumps(message, sort_keys=True, ensure_ascii=False)
    if len(text.encode()) > _MAX_MESSAGE_BYTES:
        problems.append(
            Problem(
                "the event is too large",
                file=file,
                field=where,
                expected=f"at most {_MAX_MESSAGE_BYTES} bytes",
            )
        )
        return None
    # an event about one of the ledger's own bookings (by its key) is filed under it: see import_dcsa
    keys = [
        r.get("documentReferenceValue")
        for r in message.get("documentReferences") or []
        if r.get("documentReferenceType") == "BKG"
    ]
    if message.get("documentTypeCode") == "BKG":
        keys.append(message.get("documentID"))
    document_id = message.get("documentID")
    return {
        "event_type": event_type,
        "event_code": code,
        "classifier": message["eventClassifierCode"],
        "event_at": moment,
        # the message keeps its own local offset; the row shows the time in UTC
        "zone": "UTC",
        "place": _place_of(message),
        "equipment_ref": equipment,
        "booking_keys": [key for key in keys if isinstance(key, str) and key],
        "departure_id": None,
        "event_uuid": event_id or str(uuid.uuid4()),
        "document_type": message.get("documentTypeCode"),
        "document_id": document_id[:100] if isinstance(document_id, str) else None,
        "empty_indicator": message.get("emptyIndicatorCode"),
        "message": text,
    }


def _lookup(connection: Connection, key: Any, value: Any, wanted: Sequence[str]) -> dict[str, Any]:
    """``{key: value}`` of the rows whose ``key`` is one of ``wanted``, in IN lists of bounded length."""
    found: dict[str, Any] = {}
    for start in range(0, len(wanted), 500):
        found.update(connection.execute(select(key, value).where(key.in_(wanted[start : start + 500]))).all())
    return found


def import_dcsa(
    ledger: Ledger,
    source: str | Path | bytes | Sequence[Any] | Mapping[str, Any],
    *,
    file: str | None = None,
) -> ImportResult:
    """Add DCSA Track & Trace 2.2.0 events (a JSON file, its bytes, or parsed JSON) to the ledger.

    Each event is checked against the 2.2.0 schema of its ``eventType`` and the ledger's bounds (times 1970 to
    2100 with their offset, ISO 6346 container numbers, UUID eventIDs, at most :data:`MAX_IMPORT_EVENTS`
    events in at most :data:`MAX_IMPORT_BYTES`). The import is one transaction: if any event is wrong, none
    goes in, and each problem names the file, the event's index and the field. An event whose eventID the
    ledger already holds with the same message is skipped (a file imported twice adds nothing); with another
    message it is refused. An event that names one of the ledger's bookings (a ``BKG`` document reference
    equal to its idempotency key) is filed under it. The message is kept and exports unchanged.

    Raises
    ------
    LedgerError
        Every problem found, none written.
    """
    name = file or (Path(source).name if isinstance(source, (str, Path)) else "request")
    messages = _read_messages(source, name)

    def work(connection: Connection) -> ImportResult:
        problems: list[Problem] = []
        rows = []
        seen: dict[str, int] = {}
        for index, message in enumerate(messages):
            values = _import_values(message, file=name, where=f"[{index}]", problems=problems)
            if values is None:
                continue
            if (first := seen.get(values["event_uuid"])) is not None:
                problems.append(
                    Problem(
                        "the same eventID twice",
                        file=name,
                        field=f"[{index}].eventID",
                        found=f"also [{first}]",
                    )
                )
                continue
            seen[values["event_uuid"]] = index
            rows.append((index, values))
        # one query per 500 ids or keys, not one per event: an import is thousands of events
        stored = _lookup(
            connection, s.events.c.event_uuid, s.events.c.message, [v["event_uuid"] for _, v in rows]
        )
        keys = sorted({key for _, values in rows for key in values["booking_keys"]})
        booking_ids = _lookup(connection, s.bookings.c.idempotency_key, s.bookings.c.id, keys)
        added = known = 0
        fresh = []
        for index, values in rows:
            ours = [booking_ids[key] for key in values.pop("booking_keys") if key in booking_ids]
            values["booking_id"] = ours[0] if ours else None
            before = stored.get(values["event_uuid"])
            if before is None:
                fresh.append(values)
            elif before == values["message"]:
                known += 1
            else:
                problems.append(
                    Problem(
                        "this eventID is in the ledger with another content",
                        file=name,
                        field=f"[{index}].eventID",
                        found=values["event_uuid"],
                        expected="a new eventID, or the same event as before",
                    )
                )
        if problems:
            raise LedgerError(problems)
        now = utc_now()
        if fresh:
            connection.execute(s.events.insert(), [{**values, "recorded_at": now} for values in fresh])
            added = len(fresh)
        return ImportResult(added, known)

    return ledger.write(work)
