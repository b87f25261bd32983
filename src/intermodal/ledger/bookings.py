"""Bookings: a shipment that reserves capacity on one or more departures, all or nothing.

The invariants (tests/ledger check each under concurrent processes and kill -9):

- no departure is ever booked over its capacity in TEU or kg, nor over its reefer plugs with reefer cargo;
- a booking reserves every leg or none;
- an idempotency key books at most once: the same request again returns the first booking, a different request
  with the same key is refused;
- cancelling releases a booking's capacity exactly once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError

from intermodal.exceptions import (
    CapacityError,
    DisruptedError,
    LedgerError,
    Problem,
    ReeferPlugsError,
    ShipmentError,
)
from intermodal.ledger import _schema as s
from intermodal.ledger._storage import Ledger
from intermodal.ledger._values import (
    checked_limit,
    currency_problem,
    equipment_problem,
    minor_to_money,
    money_to_minor,
    parse_time,
    teu_problem,
    to_decimal,
    tonnes_to_kg,
    utc_now,
)
from intermodal.ledger.availability import Held, held_room
from intermodal.ledger.departures import find_departure_row
from intermodal.ledger.schedule import timetable_departure
from intermodal.model import Bundle, Cargo
from intermodal.model.bounds import id_problem
from intermodal.model.disruptions import Closure
from intermodal.model.rules import load_problems, service_problems, terminal_problems
from intermodal.planners.disruptions import BookedLeg, leg_breaks, link_ids
from intermodal.planners.shipments import parse_cargo

__all__ = [
    "Booking",
    "BookingRequest",
    "LegRef",
    "book",
    "book_itinerary",
    "book_many",
    "cancel_booking",
    "get_booking",
    "list_bookings",
    "request_from_itinerary",
]

CustomsStatus = Literal["bonded", "cleared"]
CUSTOMS_STATUSES = ("bonded", "cleared")


@dataclass(frozen=True)
class LegRef:
    """One leg of a booking: the departure it rides (id or ref), and where the cargo gets on and off."""

    departure: int | str
    from_place: str | None = None
    to_place: str | None = None


@dataclass(frozen=True)
class BookingRequest:
    """What a shipper asks to book. Checked by :meth:`problems` before anything is written.

    Parameters
    ----------
    idempotency_key
        Chosen by the client, unique per booking it means to make: a retried request with the same key and
        body returns the booking already made.
    legs
        The departures to reserve, in travel order.
    shipper
        Who ships.
    teu
        Containers in TEU, in quarter steps (a 40-ft box is 2).
    tonnes
        Gross cargo weight, to the kg.
    value
        Declared cargo value, to 0.01, in ``currency``.
    cargo_class
        ``general``, ``reefer``, ``dangerous`` or another class the operator uses.
    customs_status
        ``bonded`` (under customs control, e.g. in the bonded logistics center) or ``cleared``. Keyword only
        and required: cargo is never assumed cleared (a cross-border leg needs its status stated).
    equipment_ref
        The container number, if known.
    """

    idempotency_key: str
    legs: tuple[LegRef, ...]
    shipper: str
    teu: Decimal | int | str
    tonnes: Decimal | int | str
    value: Decimal | int | str = Decimal(0)
    currency: str = "CNY"
    cargo_class: str = "general"
    # keyword only, so that it can be required after the fields with defaults without moving positional ones
    customs_status: str = field(kw_only=True)
    equipment_ref: str | None = None

    def problems(self) -> list[Problem]:
        """Every reason this request cannot be booked as it stands (empty if none)."""
        found: list[Problem] = []
        if not self.idempotency_key or len(self.idempotency_key) > 200:
            found.append(
                Problem("an idempotency key of 1 to 200 characters is needed", field="idempotency_key")
            )
        if not self.legs:
            found.append(Problem("a booking needs at least one departure", field="legs"))
        keys = [str(leg.departure) for leg in self.legs]
        if len(set(keys)) != len(keys):
            found.append(Problem("a departure appears twice", field="legs", found=", ".join(keys)))
        if not self.shipper or not self.shipper.strip():
            found.append(Problem("a shipper is needed", field="shipper"))
        if problem := teu_problem(self.teu):
            found.append(problem)
        found += [p for p in (tonnes_to_kg(self.tonnes)[1], money_to_minor(self.value)[1]) if p]
        if problem := currency_problem(self.currency):
            found.append(problem)
        if not self.cargo_class or len(self.cargo_class) > 32:
            found.append(Problem("a cargo class of 1 to 32 characters is needed", field="cargo_class"))
        if self.customs_status is None or not str(self.customs_status).strip():
            # a None or blank status (an empty CSV cell, an unset variable) is unstated, not unknown
            found.append(
                Problem(
                    "a customs status is needed: it is stated, never assumed",
                    field="customs_status",
                    expected=" or ".join(CUSTOMS_STATUSES),
                )
            )
        elif self.customs_status not in CUSTOMS_STATUSES:
            found.append(
                Problem(
                    "unknown customs status",
                    field="customs_status",
                    found=str(self.customs_status),
                    expected=" or ".join(CUSTOMS_STATUSES),
                )
            )
        if self.equipment_ref is not None and (problem := equipment_problem(self.equipment_ref)):
            found.append(problem)
        return found

    def checked(self) -> _Checked:
        """The request in stored units; raises :class:`~intermodal.exceptions.ShipmentError` if it has
        problems."""
        if problems := self.problems():
            raise ShipmentError(problems)
        kg, _ = tonnes_to_kg(self.tonnes)
        minor, _ = money_to_minor(self.value)
        assert kg is not None and minor is not None
        return _Checked(self, to_decimal(self.teu, field="teu").quantize(Decimal("0.01")), kg, minor)


@dataclass(frozen=True)
class _Checked:
    request: BookingRequest
    teu: Decimal
    weight_kg: int
    value_minor: int

    def request_hash(self) -> str:
        r = self.request
        return request_digest(
            legs=[(str(leg.departure), leg.from_place, leg.to_place) for leg in r.legs],
            shipper=r.shipper,
            teu=self.teu,
            weight_kg=self.weight_kg,
            value_minor=self.value_minor,
            currency=r.currency,
            cargo_class=r.cargo_class,
            customs_status=r.customs_status,
            equipment_ref=r.equipment_ref,
        )


def request_digest(
    *,
    legs: Sequence[tuple[str, str | None, str | None]],
    shipper: str,
    teu: Decimal,
    weight_kg: int,
    value_minor: int,
    currency: str,
    cargo_class: str,
    customs_status: str,
    equipment_ref: str | None,
) -> str:
    """What makes two booking requests the same, for idempotency: a retry must match it exactly."""
    body = {
        "legs": [list(leg) for leg in legs],
        "shipper": shipper,
        "teu": str(teu),
        "weight_kg": weight_kg,
        "value_minor": value_minor,
        "currency": currency,
        "cargo_class": cargo_class,
        "customs_status": customs_status,
        "equipment_ref": equipment_ref,
    }
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class Booking:
    """A stored booking. ``replayed`` is true when a retried request returned a booking made earlier."""

    id: int
    idempotency_key: str
    shipper: str
    cargo_class: str
    teu: Decimal
    weight_kg: int
    value: Decimal
    currency: str
    customs_status: str
    equipment_ref: str | None
    status: str
    created_at: dt.datetime
    cancelled_at: dt.datetime | None
    departures: tuple[str, ...] = field(default=())
    replayed: bool = False

    @property
    def tonnes(self) -> Decimal:
        return (Decimal(self.weight_kg) / 1000).quantize(Decimal("0.001"))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields; money as a string so that no cent is lost to floats."""
        return {
            "id": self.id,
            "idempotency_key": self.idempotency_key,
            "shipper": self.shipper,
            "cargo_class": self.cargo_class,
            "teu": float(self.teu),
            "tonnes": float(self.tonnes),
            "value": str(self.value),
            "currency": self.currency,
            "customs_status": self.customs_status,
            "equipment_ref": self.equipment_ref,
            "status": self.status,
            "created_at": self.created_at.isoformat(),
            "cancelled_at": self.cancelled_at.isoformat() if self.cancelled_at else None,
            "departures": list(self.departures),
            "replayed": self.replayed,
        }


def _leg_refs(connection: Connection, booking_ids: Sequence[int]) -> dict[int, list[str]]:
    """The departure refs of each booking, in leg order, in one query."""
    refs: dict[int, list[str]] = {i: [] for i in booking_ids}
    query = (
        select(s.booking_legs.c.booking_id, s.departures.c.ref)
        .join(s.departures, s.booking_legs.c.departure_id == s.departures.c.id)
        .where(s.booking_legs.c.booking_id.in_(list(booking_ids)))
        .order_by(s.booking_legs.c.booking_id, s.booking_legs.c.seq)
    )
    for booking_id, ref in connection.execute(query):
        refs[booking_id].append(ref)
    return refs


def _booking(
    connection: Connection, row: Any, *, replayed: bool = False, refs: Sequence[str] | None = None
) -> Booking:
    if refs is None:
        refs = _leg_refs(connection, [row.id])[row.id]
    return Booking(
        id=row.id,
        idempotency_key=row.idempotency_key,
        shipper=row.shipper,
        cargo_class=row.cargo_class,
        teu=Decimal(row.teu).quantize(Decimal("0.01")),
        weight_kg=int(row.weight_kg),
        value=minor_to_money(row.value_minor),
        currency=row.currency,
        customs_status=row.customs_status,
        equipment_ref=row.equipment_ref,
        status=row.status,
        created_at=row.created_at,
        cancelled_at=row.cancelled_at,
        departures=tuple(refs),
        replayed=replayed,
    )


def _cargo(cargo_class: str) -> Cargo | Problem:
    """The planner's cargo for a ledger cargo class; an operator's own class (``ecommerce``) is general."""
    if cargo_class == "dangerous":
        return Problem(
            "the dangerous-goods class is needed to check the rules",
            field="cargo_class",
            found=cargo_class,
            expected="dg:CLASS, such as dg:3 or dg:2.1",
        )
    try:
        return parse_cargo(cargo_class, field="cargo_class")
    except ShipmentError as error:
        if cargo_class.lower().startswith("dg:"):
            return error.problems[0]
        return Cargo()


def is_reefer(cargo_class: str) -> bool:
    """Whether a ledger cargo class is reefer cargo, read as the planner reads it: it then takes plugs."""
    cargo = _cargo(cargo_class)
    return isinstance(cargo, Cargo) and cargo.reefer


def _cargo_problems(bundle: Bundle, request: BookingRequest) -> list[Problem]:
    """What the route planner would refuse about this request, before any departure is looked at."""
    cargo = _cargo(request.cargo_class)
    if isinstance(cargo, Problem):
        return [cargo]
    problems = []
    try:
        teu = float(to_decimal(request.teu, field="teu"))
        tonnes = float(to_decimal(request.tonnes, field="tonnes"))
    except LedgerError:
        return []  # the request's own checks name these
    problems += load_problems(teu, tonnes, bundle.manifest)
    for number, leg in enumerate(request.legs):
        for end, place in (("from_place", leg.from_place), ("to_place", leg.to_place)):
            terminal = bundle.terminals.get(place or "")
            if terminal is not None:
                problems += terminal_problems(terminal, cargo, field=f"legs[{number}].{end}")
    return problems


def _service_problems(
    bundle: Bundle, request: BookingRequest, rows: Sequence[Any], teu: Decimal
) -> list[Problem]:
    """The legs whose service does not carry this cargo, by the planner's own rules."""
    cargo = _cargo(request.cargo_class)
    if isinstance(cargo, Problem):
        return [cargo]
    services = {svc.id: svc for svc in bundle.services}
    problems = []
    for number, row in enumerate(rows):
        service = services.get(row.line_id)
        if service is not None:  # a line the scenario does not run (entered by hand) has no rules to check
            problems += service_problems(service, cargo, teu=float(teu), field=f"legs[{number}].departure")
    return problems


def departure_rows(connection: Connection, request: BookingRequest, *, bundle: Bundle | None) -> list[Any]:
    """The departure row of each leg, in leg order; one the ledger lacks is made from ``bundle``'s timetable.

    Raises :class:`~intermodal.exceptions.LedgerError` naming every leg whose departure is unknown.
    """
    rows = []
    unknown = []
    for number, leg in enumerate(request.legs):
        where = f"legs[{number}].departure"
        try:
            row = find_departure_row(connection, leg.departure, field=where)
        except LedgerError as error:
            unknown += error.problems
            continue
        if row is None and bundle is not None and isinstance(leg.departure, str):
            row = timetable_departure(connection, bundle, leg.departure)
        if row is None:
            unknown.append(Problem("unknown departure", field=where, found=str(leg.departure)))
        rows.append(row)
    if unknown:
        raise LedgerError(unknown)
    return rows


def open_closures(connection: Connection) -> list[Closure]:
    """The open disruptions, as the search and :func:`disruption_problems` take them."""
    d = s.disruptions.c
    rows = connection.execute(select(s.disruptions).where(d.status == "open").order_by(d.id))
    return [Closure(r.id, r.kind, r.target, r.starts_at, r.ends_at, float(r.delay_hours or 0)) for r in rows]


def disruption_problems(
    connection: Connection,
    rows: Sequence[Any],
    places: Sequence[LegRef] | None,
    bundle: Bundle | None,
) -> list[Problem]:
    """One problem per leg that rides a cancelled departure or passes a link, terminal or crossing while an
    open disruption closes it. A delay refuses nothing: the trip still runs.

    ``places`` (in leg order) say where the cargo gets on and off: a closure elsewhere on the trip does not
    touch it. Without ``bundle`` a service's stops are unknown, so only cancelled departures are found.
    """
    closures = [c for c in open_closures(connection) if c.kind != "delay"]
    if not closures:
        return []
    services = {svc.id: svc for svc in bundle.services} if bundle is not None else {}
    links = link_ids(bundle) if bundle is not None else {}
    problems = []
    for number, row in enumerate(rows):
        place = places[number] if places is not None and number < len(places) else None
        leg = BookedLeg(
            row.ref,
            row.line_id,
            row.departs_at,
            place.from_place if place is not None else None,
            place.to_place if place is not None else None,
        )
        for closure in closures:
            why = leg_breaks(closure, leg, services.get(row.line_id), links)
            if why is None:
                continue
            if closure.kind == "departure":
                text = f"departure {row.ref} is cancelled by disruption {closure.id}"
            else:
                text = f"departure {why}, closed by disruption {closure.id} ({closure.describe()})"
            problems.append(
                Problem(
                    text,
                    field=f"legs[{number}].departure",
                    found=row.ref,
                    expected="a departure no open disruption stops (intermodal disruption list)",
                )
            )
            break
    return problems


def check_room(
    connection: Connection,
    rows: Sequence[Any],
    teu: Decimal,
    weight_kg: int,
    *,
    history: bool = False,
    except_quote: int | None = None,
    now: dt.datetime | None = None,
    reefer: bool = False,
    places: Sequence[LegRef] | None = None,
    bundle: Bundle | None = None,
) -> None:
    """Lock the departures ``rows`` and check that each still has ``teu`` and ``weight_kg`` free, and, for
    ``reefer`` cargo, ``teu`` of reefer plugs where the departure counts them; and that no open disruption
    stops a leg (:func:`disruption_problems`; ``places`` and ``bundle`` as it takes them), unless the
    booking is ``history``: past operations happened whatever is closed now.

    Free is capacity less bookings less the holds of live quotes (but ``except_quote``'s own), counted inside
    the lock, so that bookings and holds together never exceed capacity: SQLite's ``BEGIN IMMEDIATE`` already
    holds the database's write lock; on PostgreSQL every writer, booking or quoting, locks the departure rows
    in id order (so two of them over the same departures cannot deadlock) before it sums the holds.

    Raises
    ------
    DisruptedError
        An open disruption stops a leg, every such leg named.
    CapacityError
        A departure lacks the room, every one named (:class:`~intermodal.exceptions.ReeferPlugsError` when
        only reefer plugs are short); or (``LedgerError``) it has left or is cancelled.
    """
    ids = sorted({row.id for row in rows})
    if connection.dialect.name == "postgresql":
        locked = connection.execute(
            select(s.departures)
            .where(s.departures.c.id.in_(ids))
            .order_by(s.departures.c.id)
            .with_for_update()
        ).all()
    else:
        locked = connection.execute(select(s.departures).where(s.departures.c.id.in_(ids))).all()
    by_id = {row.id: row for row in locked}
    # checked inside the lock, as the room is: a disruption added meanwhile waits for this writer or is seen
    if not history and (disrupted := disruption_problems(connection, rows, places, bundle)):
        raise DisruptedError(disrupted)
    held = held_room(connection, ids, now=now or utc_now(), except_quote=except_quote)

    problems = []
    short_of_plugs = []
    for number, leg_row in enumerate(rows):
        row = by_id[leg_row.id]
        where = f"legs[{number}].departure"
        # History (an import of past operations) may sit on trips that have left; new bookings may not.
        if row.status == "cancelled" or (row.status != "scheduled" and not history):
            problems.append(Problem(f"the departure is {row.status}", field=where, found=row.ref))
            continue
        held_teu, held_kg, held_reefer = held.get(row.id, Held())
        free_teu = Decimal(row.capacity_teu) - Decimal(row.booked_teu) - held_teu
        if teu > free_teu:
            problems.append(
                Problem(
                    "not enough TEU left",
                    field=where,
                    found=f"{row.ref}: {free_teu} free"
                    + (f" ({held_teu} held by quotes)" if held_teu else ""),
                    expected=f"{teu}",
                )
            )
        free_kg = int(row.capacity_kg) - int(row.booked_kg) - held_kg
        if weight_kg > free_kg:
            problems.append(
                Problem(
                    "not enough weight left",
                    field=where,
                    found=f"{row.ref}: {free_kg} kg free"
                    + (f" ({held_kg} kg held by quotes)" if held_kg else ""),
                    expected=f"{weight_kg} kg",
                )
            )
        if reefer and row.reefer_plugs_teu is not None:
            free_plugs = Decimal(row.reefer_plugs_teu) - Decimal(row.booked_reefer_teu) - held_reefer
            if teu > free_plugs:
                short_of_plugs.append(
                    Problem(
                        "not enough reefer plugs left",
                        field=where,
                        found=f"{row.ref}: {free_plugs} TEU of plugs free"
                        + (f" ({held_reefer} held by quotes)" if held_reefer else ""),
                        expected=f"{teu} TEU of reefer",
                    )
                )
    if problems or short_of_plugs:
        raise (CapacityError if problems else ReeferPlugsError)(problems + short_of_plugs)


def _book_one(
    connection: Connection,
    checked: _Checked,
    *,
    history: bool = False,
    bundle: Bundle | None = None,
    quote_id: int | None = None,
    now: dt.datetime | None = None,
) -> Booking:
    request = checked.request
    digest = checked.request_hash()
    existing = connection.execute(
        select(s.bookings).where(s.bookings.c.idempotency_key == request.idempotency_key)
    ).first()
    if existing is not None:
        if existing.request_hash != digest:
            raise LedgerError(
                Problem(
                    "this idempotency key was used for a different booking",
                    field="idempotency_key",
                    found=request.idempotency_key,
                    expected="a new key, or the same request as before",
                )
            )
        return _booking(connection, existing, replayed=True)

    rows = departure_rows(connection, request, bundle=bundle)
    if bundle is not None and (refused := _service_problems(bundle, request, rows, checked.teu)):
        raise LedgerError(refused)
    reefer = is_reefer(request.cargo_class)
    check_room(
        connection,
        rows,
        checked.teu,
        checked.weight_kg,
        history=history,
        except_quote=quote_id,
        now=now,
        reefer=reefer,
        places=request.legs,
        bundle=bundle,
    )

    booking_id = connection.execute(
        s.bookings.insert().values(
            idempotency_key=request.idempotency_key,
            request_hash=digest,
            shipper=request.shipper.strip(),
            cargo_class=request.cargo_class,
            teu=checked.teu,
            weight_kg=checked.weight_kg,
            value_minor=checked.value_minor,
            currency=request.currency,
            customs_status=request.customs_status,
            equipment_ref=request.equipment_ref,
            status="confirmed",
            created_at=utc_now(),
        )
    ).inserted_primary_key[0]  # type: ignore[index]
    _take_legs(connection, booking_id, request.legs, rows, checked.teu, checked.weight_kg, reefer=reefer)
    created = connection.execute(select(s.bookings).where(s.bookings.c.id == booking_id)).one()
    return _booking(connection, created)


def _take_legs(
    connection: Connection,
    booking_id: int,
    legs: Sequence[Any],
    rows: Sequence[Any],
    teu: Decimal,
    weight_kg: int,
    *,
    reefer: bool,
    first_seq: int = 0,
) -> None:
    """Record a booking's ``legs`` on the departure ``rows`` (numbered from ``first_seq``) and take their
    room, reefer plugs too for ``reefer`` cargo; the caller has checked the room (:func:`check_room`), in the
    same transaction."""
    connection.execute(
        s.booking_legs.insert(),
        [
            {
                "booking_id": booking_id,
                "seq": first_seq + n,
                "departure_id": row.id,
                "from_place": leg.from_place,
                "to_place": leg.to_place,
            }
            for n, (leg, row) in enumerate(zip(legs, rows, strict=True))
        ],
    )
    for row in rows:
        connection.execute(
            s.departures.update()
            .where(s.departures.c.id == row.id)
            .values(
                booked_teu=s.departures.c.booked_teu + teu,
                booked_kg=s.departures.c.booked_kg + weight_kg,
                booked_reefer_teu=s.departures.c.booked_reefer_teu + (teu if reefer else 0),
            )
        )


def book_many(
    ledger: Ledger,
    requests: Iterable[BookingRequest],
    *,
    bundle: Bundle | None = None,
    now: dt.datetime | None = None,
) -> list[Booking]:
    """Book several requests in one transaction: all of them, or (on any error) none.

    With the scenario's ``bundle``, the ledger refuses what the route planner refuses, through the same cargo
    rules (:mod:`intermodal.model.rules`): a service that does not carry the cargo's reefer or dangerous-goods
    class, more TEU than one departure carries, a terminal that cannot handle the cargo, more tonnes per TEU
    than a box holds; and a departure the ledger does not have yet is made from the bundle's timetable when it
    is one of its trips (booking does not wait for ``ledger schedule``). Room held by a quote that is live at
    ``now`` (default: the clock) is not free.

    Raises
    ------
    ShipmentError
        A request is malformed (negative TEU, unknown customs status...). Every request's problems are listed.
    LedgerError
        An unknown departure, a departure that has left, or an idempotency key reused for a different request.
    CapacityError
        A leg does not have the TEU or weight left.
    """
    items = list(requests)
    problems: list[Problem] = []
    for number, request in enumerate(items):
        for problem in request.problems():
            problems.append(
                replace(problem, field=f"[{number}].{problem.field}") if len(items) > 1 else problem
            )
    if bundle is not None:
        for number, request in enumerate(items):
            prefix = f"[{number}]." if len(items) > 1 else ""
            problems += [replace(p, field=prefix + (p.field or "")) for p in _cargo_problems(bundle, request)]
    if problems:
        raise ShipmentError(problems)
    checked = [request.checked() for request in items]

    def work(connection: Connection) -> list[Booking]:
        return [_book_one(connection, item, bundle=bundle, now=now) for item in checked]

    try:
        return ledger.write(work)
    except IntegrityError as error:
        # PostgreSQL: another process inserted the same idempotency key after our check. Run again: the check
        # now sees that booking and returns it (same body) or refuses (different body).
        if "idempotency_key" not in str(error.orig):
            raise CapacityError(Problem("the database refused the booking", found=str(error.orig))) from None
        return ledger.write(work)


def book(
    ledger: Ledger,
    *,
    idempotency_key: str,
    departures: Sequence[int | str | LegRef],
    shipper: str,
    teu: Decimal | int | str,
    tonnes: Decimal | int | str,
    value: Decimal | int | str = Decimal(0),
    currency: str = "CNY",
    cargo_class: str = "general",
    customs_status: str,
    equipment_ref: str | None = None,
    bundle: Bundle | None = None,
    now: dt.datetime | None = None,
) -> Booking:
    """Book a shipment on one or more departures (ids or refs), reserving every one or none.

    Returns the new booking, or the earlier one (``replayed=True``) if this key was already booked with the
    same request. ``customs_status`` (``bonded`` or ``cleared``) is required: cargo is never assumed cleared.
    Raises as :func:`book_many` does.
    """
    legs = tuple(leg if isinstance(leg, LegRef) else LegRef(leg) for leg in departures)
    request = BookingRequest(
        idempotency_key=idempotency_key,
        legs=legs,
        shipper=shipper,
        teu=teu,
        tonnes=tonnes,
        value=value,
        currency=currency,
        cargo_class=cargo_class,
        customs_status=customs_status,
        equipment_ref=equipment_ref,
    )
    return book_many(ledger, [request], bundle=bundle, now=now)[0]


def request_from_itinerary(
    itinerary: Mapping[str, Any],
    *,
    idempotency_key: str,
    shipper: str,
    teu: Decimal | int | str,
    tonnes: Decimal | int | str,
    value: Decimal | int | str = Decimal(0),
    currency: str = "CNY",
    cargo_class: str = "general",
    customs_status: str,
    equipment_ref: str | None = None,
) -> BookingRequest:
    """A booking request for an itinerary in the route JSON's shape (docs/json-output.md).

    Each leg with a ``service`` reserves its ``departure`` (the ref ``service@local-time``; if that is absent,
    the service's departure at the leg's ``depart`` time). Flexible legs (``service`` null: a truck that
    leaves when the cargo is ready) reserve nothing. ``customs_status`` is required, as for :func:`book`.
    """
    legs = itinerary.get("legs") if isinstance(itinerary, Mapping) else None
    if not isinstance(legs, Sequence) or not legs:
        raise ShipmentError(Problem("an itinerary needs a list of legs", field="legs"))
    refs: list[LegRef] = []
    problems = []
    for number, leg in enumerate(legs):
        if not isinstance(leg, Mapping):
            problems.append(Problem("a leg must be an object", field=f"legs[{number}]"))
            continue
        service = leg.get("service")
        if not service:
            continue
        ref = leg.get("departure")
        if not ref:
            depart = leg.get("depart")
            if not depart:
                problems.append(
                    Problem("a scheduled leg needs a departure or depart time", field=f"legs[{number}]")
                )
                continue
            try:
                moment = parse_time(depart, zone="UTC", field=f"legs[{number}].depart")
            except LedgerError as error:
                problems += error.problems
                continue
            ref = f"{service}@{moment.isoformat(timespec='minutes')}"
        refs.append(LegRef(str(ref), leg.get("from"), leg.get("to")))
    if problems:
        raise ShipmentError(problems)
    if not refs:
        raise ShipmentError(Problem("the itinerary has no scheduled leg to book", field="legs"))
    return BookingRequest(
        idempotency_key=idempotency_key,
        legs=tuple(refs),
        shipper=shipper,
        teu=teu,
        tonnes=tonnes,
        value=value,
        currency=currency,
        cargo_class=cargo_class,
        customs_status=customs_status,
        equipment_ref=equipment_ref,
    )


def book_itinerary(
    ledger: Ledger, itinerary: Mapping[str, Any], *, bundle: Bundle | None = None, **booking: Any
) -> Booking:
    """Book an itinerary as the route engine returns it; every scheduled leg or nothing.

    ``booking`` takes the keyword arguments of :func:`request_from_itinerary` (``idempotency_key``,
    ``shipper``, ``teu``, ``tonnes``, ``customs_status``, ...); ``bundle`` as for :func:`book_many`.
    """
    return book_many(ledger, [request_from_itinerary(itinerary, **booking)], bundle=bundle)[0]


def cancel_booking(ledger: Ledger, key: int | str) -> tuple[Booking, bool]:
    """Cancel a booking (by id or idempotency key) and release its capacity.

    Returns
    -------
    (Booking, bool)
        The booking, and whether this call released its capacity: ``False`` when it was already cancelled, so
        capacity is released exactly once however often a cancel is retried.
    """

    def work(connection: Connection) -> tuple[Booking, bool]:
        row = _find_booking(connection, key)
        if row is None:
            raise LedgerError(Problem("unknown booking", field="booking", found=str(key)))
        changed = _cancel_row(connection, row)
        fresh = connection.execute(select(s.bookings).where(s.bookings.c.id == row.id)).one()
        return _booking(connection, fresh), changed

    return ledger.write(work)


def _cancel_row(connection: Connection, row: Any) -> bool:
    """Cancel a confirmed booking and release its legs; ``False`` (no change) if already cancelled."""
    changed = connection.execute(
        s.bookings.update()
        .where(s.bookings.c.id == row.id, s.bookings.c.status == "confirmed")
        .values(status="cancelled", cancelled_at=utc_now())
    ).rowcount
    if changed == 1:
        legs = (
            connection.execute(
                select(s.booking_legs.c.departure_id).where(s.booking_legs.c.booking_id == row.id)
            )
            .scalars()
            .all()
        )
        for departure_id in legs:
            connection.execute(
                s.departures.update()
                .where(s.departures.c.id == departure_id)
                .values(
                    booked_teu=s.departures.c.booked_teu - row.teu,
                    booked_kg=s.departures.c.booked_kg - row.weight_kg,
                    booked_reefer_teu=s.departures.c.booked_reefer_teu
                    - (row.teu if is_reefer(row.cargo_class) else 0),
                )
            )
    return changed == 1


def _find_booking(connection: Connection, key: int | str, *, field: str = "booking") -> Any:
    if isinstance(key, int):
        if problem := id_problem(key, field=field, what="booking"):
            raise LedgerError(problem)
        return connection.execute(select(s.bookings).where(s.bookings.c.id == key)).first()
    # digits that are no id (beyond 64 bits) may still be an idempotency key
    if key.isascii() and key.isdigit() and id_problem(key, field=field, what="booking") is None:
        row = connection.execute(select(s.bookings).where(s.bookings.c.id == int(key))).first()
        if row is not None:
            return row
    return connection.execute(select(s.bookings).where(s.bookings.c.idempotency_key == key)).first()


def get_booking(ledger: Ledger, key: int | str) -> Booking:
    """One booking by id or idempotency key; raises :class:`~intermodal.exceptions.LedgerError` if unknown."""
    with ledger.reading() as connection:
        row = _find_booking(connection, key)
        if row is None:
            raise LedgerError(Problem("unknown booking", field="booking", found=str(key)))
        return _booking(connection, row)


def list_bookings(
    ledger: Ledger, *, departure: int | str | None = None, status: str | None = None, limit: int | None = None
) -> list[Booking]:
    """Bookings by id, optionally only those on one departure or with one status."""
    query = select(s.bookings).order_by(s.bookings.c.id)
    with ledger.reading() as connection:
        if departure is not None:
            row = find_departure_row(connection, departure)
            if row is None:
                raise LedgerError(Problem("unknown departure", field="departure", found=str(departure)))
            query = query.where(
                s.bookings.c.id.in_(
                    select(s.booking_legs.c.booking_id).where(s.booking_legs.c.departure_id == row.id)
                )
            )
        if status is not None:
            query = query.where(s.bookings.c.status == status)
        if limit is not None:
            query = query.limit(checked_limit(limit))
        rows = connection.execute(query).all()
        refs = _leg_refs(connection, [row.id for row in rows]) if rows else {}
        return [_booking(connection, row, refs=refs[row.id]) for row in rows]
