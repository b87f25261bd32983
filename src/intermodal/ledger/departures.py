"""Departures: one trip of a line at a time, with its vehicle, capacity and status.

A departure's ``ref`` is the id the route engine gives it (``shuttle-middle@2020-04-03T09:00+08:00``: the line
and its local departure time), so an itinerary from ``intermodal route`` names the departures it would use.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import Connection, func, select

from intermodal.exceptions import LedgerError, Problem
from intermodal.ledger import _schema as s
from intermodal.ledger._storage import Ledger
from intermodal.ledger._values import checked_limit, parse_time, teu_decimal, utc_now, zone_info
from intermodal.ledger.availability import Held, held_room
from intermodal.model.bounds import MAX_CAPACITY_KG, MAX_CAPACITY_TEU, id_problem, quantity_problem

__all__ = [
    "DEPARTURE_STATUSES",
    "Departure",
    "create_departure",
    "departure_ref",
    "get_departure",
    "list_departures",
    "set_departure_status",
]

DepartureStatus = Literal["scheduled", "departed", "arrived", "cancelled"]
DEPARTURE_STATUSES: tuple[str, ...] = ("scheduled", "departed", "arrived", "cancelled")
# Where a departure may go next; "arrived" and "cancelled" are final.
_NEXT: dict[str, set[str]] = {
    "scheduled": {"departed", "cancelled"},
    "departed": {"arrived"},
    "arrived": set(),
    "cancelled": set(),
}


def departure_ref(line_id: str, departs_at: dt.datetime, zone: str) -> str:
    """The departure id the route engine uses: ``<line>@<local time to the minute, with offset>``."""
    local = departs_at.astimezone(zone_info(zone))
    return f"{line_id}@{local.isoformat(timespec='minutes')}"


@dataclass(frozen=True)
class Departure:
    """One departure as stored. Times are aware UTC; :attr:`departs_local` shows them in the line's zone."""

    id: int
    ref: str
    line_id: str
    service_date: dt.date
    departs_at: dt.datetime
    zone: str
    vehicle: str | None
    capacity_teu: Decimal
    capacity_kg: int
    booked_teu: Decimal
    booked_kg: int
    status: str
    #: what open quotes hold on it now (room no one else may take until they lapse)
    held_teu: Decimal = Decimal(0)
    held_kg: int = 0
    #: the reefer boxes it can power, in TEU (``None``: not counted), and what reefer bookings and holds use
    reefer_plugs_teu: Decimal | None = None
    booked_reefer_teu: Decimal = Decimal(0)
    held_reefer_teu: Decimal = Decimal(0)

    @property
    def departs_local(self) -> dt.datetime:
        """The departure time in its terminal's zone."""
        return self.departs_at.astimezone(zone_info(self.zone))

    @property
    def free_teu(self) -> Decimal:
        """Capacity less bookings and live holds: what a search may offer and a booking may take."""
        return self.capacity_teu - self.booked_teu - self.held_teu

    @property
    def free_kg(self) -> int:
        return self.capacity_kg - self.booked_kg - self.held_kg

    @property
    def free_reefer(self) -> Decimal | None:
        """Reefer plugs left (TEU) after reefer bookings and live reefer holds; ``None`` when not counted."""
        if self.reefer_plugs_teu is None:
            return None
        return self.reefer_plugs_teu - self.booked_reefer_teu - self.held_reefer_teu

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields: times in ISO 8601 with the terminal's offset, TEU as numbers."""
        return {
            "id": self.id,
            "ref": self.ref,
            "line": self.line_id,
            "service_date": self.service_date.isoformat(),
            "departs": self.departs_local.isoformat(),
            "departs_utc": self.departs_at.isoformat(),
            "zone": self.zone,
            "vehicle": self.vehicle,
            "capacity_teu": float(self.capacity_teu),
            "capacity_kg": self.capacity_kg,
            "booked_teu": float(self.booked_teu),
            "booked_kg": self.booked_kg,
            "held_teu": float(self.held_teu),
            "free_teu": float(self.free_teu),
            "reefer_plugs_teu": _number(self.reefer_plugs_teu),
            "booked_reefer_teu": float(self.booked_reefer_teu),
            "held_reefer_teu": float(self.held_reefer_teu),
            "free_reefer": _number(self.free_reefer),
            "status": self.status,
        }


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


_NOTHING_HELD = Held()


def departure_from_row(row: Any, held: Held = _NOTHING_HELD) -> Departure:
    plugs = row.reefer_plugs_teu
    return Departure(
        id=row.id,
        ref=row.ref,
        line_id=row.line_id,
        service_date=row.service_date,
        departs_at=row.departs_at,
        zone=row.zone,
        vehicle=row.vehicle,
        capacity_teu=Decimal(row.capacity_teu).quantize(Decimal("0.01")),
        capacity_kg=int(row.capacity_kg),
        booked_teu=Decimal(row.booked_teu).quantize(Decimal("0.01")),
        booked_kg=int(row.booked_kg),
        status=row.status,
        held_teu=Decimal(held.teu).quantize(Decimal("0.01")),
        held_kg=int(held.kg),
        reefer_plugs_teu=None if plugs is None else Decimal(plugs).quantize(Decimal("0.01")),
        booked_reefer_teu=Decimal(row.booked_reefer_teu).quantize(Decimal("0.01")),
        held_reefer_teu=Decimal(held.reefer).quantize(Decimal("0.01")),
    )


def _create(
    connection: Connection,
    *,
    line_id: str,
    departs: Any,
    vehicle: str | None,
    capacity_teu: Any,
    capacity_kg: int | None,
    status: str,
    reefer_plugs_teu: Any = None,
) -> Departure:
    line = connection.execute(select(s.lines).where(s.lines.c.id == line_id)).first()
    if line is None:
        raise LedgerError(
            Problem("unknown line", field="line", found=line_id, expected="a line in the ledger")
        )
    problems: list[Problem] = []
    try:
        departs_at = parse_time(departs, zone=line.zone, field="departs")
    except LedgerError as error:
        problems += error.problems
    teu = line.capacity_teu if capacity_teu is None else capacity_teu
    try:
        teu = teu_decimal(teu, field="capacity_teu", maximum=MAX_CAPACITY_TEU)
    except LedgerError as error:
        problems += error.problems
    if capacity_kg is not None:
        kg = capacity_kg
    elif capacity_teu is None or problems:
        kg = line.capacity_kg
    else:  # a bigger or smaller vehicle than the line's default carries proportionally more or less weight
        kg = int(Decimal(line.capacity_kg) * teu / Decimal(line.capacity_teu))
    if problem := quantity_problem(kg, field="capacity_kg", maximum=MAX_CAPACITY_KG):
        problems.append(problem)
    plugs = _plugs(reefer_plugs_teu, line.reefer_plugs_teu, teu, problems)
    if status not in DEPARTURE_STATUSES:
        problems.append(Problem("unknown status", field="status", found=status, expected=", ".join(_NEXT)))
    if problems:
        raise LedgerError(problems)
    ref = departure_ref(line_id, departs_at, line.zone)
    if connection.execute(select(s.departures.c.id).where(s.departures.c.ref == ref)).first():
        raise LedgerError(Problem("this departure already exists", field="departs", found=ref))
    values = {
        "ref": ref,
        "line_id": line_id,
        "service_date": departs_at.astimezone(zone_info(line.zone)).date(),
        "departs_at": departs_at,
        "zone": line.zone,
        "vehicle": vehicle,
        "capacity_teu": teu,
        "capacity_kg": int(kg),
        "reefer_plugs_teu": plugs,
        "status": status,
        "created_at": utc_now(),
    }
    inserted = connection.execute(s.departures.insert().values(**values))
    new_id = inserted.inserted_primary_key[0]  # type: ignore[index]
    row = connection.execute(select(s.departures).where(s.departures.c.id == new_id)).one()
    return departure_from_row(row)


def _plugs(given: Any, line_default: Any, capacity: Any, problems: list[Problem]) -> Decimal | None:
    """A departure's reefer plugs: as given (at most its capacity), else the line's (cut to its capacity)."""
    if given is None:
        if line_default is None:
            return None
        plugs = Decimal(line_default)
        # a smaller vehicle than the line's default cannot power more boxes than it carries
        return min(plugs, capacity) if isinstance(capacity, Decimal) else plugs
    try:
        plugs = teu_decimal(given, field="reefer_plugs_teu", maximum=MAX_CAPACITY_TEU, zero=True)
    except LedgerError as error:
        problems += error.problems
        return None
    if isinstance(capacity, Decimal) and plugs > capacity:
        problems.append(
            Problem(
                "more reefer plugs than the departure carries",
                field="reefer_plugs_teu",
                found=f"{float(plugs):g}",
                expected=f"at most its capacity, {float(capacity):g} TEU",
            )
        )
    return plugs


def create_departure(
    ledger: Ledger,
    line_id: str,
    departs: dt.datetime | str,
    *,
    vehicle: str | None = None,
    capacity_teu: Decimal | int | str | None = None,
    capacity_kg: int | None = None,
    status: DepartureStatus = "scheduled",
    reefer_plugs_teu: Decimal | int | str | None = None,
) -> Departure:
    """Schedule a departure of a line.

    Parameters
    ----------
    ledger
        The open ledger.
    line_id
        A line already in the ledger (see :func:`~intermodal.ledger.upsert_lines`).
    departs
        When it leaves: an aware datetime or ISO 8601 text; a time without offset is read in the line's zone.
    vehicle
        The truck's plate, train or vessel.
    capacity_teu, capacity_kg
        What this departure can carry; ``None`` takes the line's default (for kg, scaled to ``capacity_teu``).
    status
        Normally ``scheduled``; history may be entered as ``departed`` or ``arrived``.
    reefer_plugs_teu
        The reefer boxes it can power, in TEU (0 to its capacity); ``None`` takes the line's default, if it
        has one (cut to the capacity), and otherwise plugs are not counted on this departure.

    Raises
    ------
    LedgerError
        Unknown line, bad capacity or time, or a departure of the same line at the same minute already exists.
    """
    return ledger.write(
        lambda c: _create(
            c,
            line_id=line_id,
            departs=departs,
            vehicle=vehicle,
            capacity_teu=capacity_teu,
            capacity_kg=capacity_kg,
            status=status,
            reefer_plugs_teu=reefer_plugs_teu,
        )
    )


def find_departure_row(connection: Connection, key: int | str, *, field: str = "departure") -> Any:
    """The departure row with this id or ref, or ``None``.

    A ref whose time is written with another offset (``shuttle-east@2020-04-03T01:00Z``) still finds the
    departure leaving at that instant. An id no database holds raises :class:`LedgerError` naming ``field``.
    """
    if isinstance(key, int) or (isinstance(key, str) and key.isascii() and key.isdigit()):
        if problem := id_problem(key, field=field, what="departure"):
            raise LedgerError(problem)
        return connection.execute(select(s.departures).where(s.departures.c.id == int(key))).first()
    row = connection.execute(select(s.departures).where(s.departures.c.ref == key)).first()
    if row is None and "@" in key:
        line_id, _, when = key.partition("@")
        try:
            moment = dt.datetime.fromisoformat(when)
        except ValueError:
            return None
        if moment.tzinfo is None:
            return None
        row = connection.execute(
            select(s.departures).where(s.departures.c.line_id == line_id, s.departures.c.departs_at == moment)
        ).first()
    return row


def get_departure(ledger: Ledger, key: int | str) -> Departure:
    """One departure by its id or ref; raises :class:`~intermodal.exceptions.LedgerError` if unknown."""
    with ledger.reading() as connection:
        row = find_departure_row(connection, key)
        held = held_room(connection, [row.id], now=utc_now()) if row is not None else {}
    if row is None:
        raise LedgerError(Problem("unknown departure", field="departure", found=str(key)))
    return departure_from_row(row, held.get(row.id, _NOTHING_HELD))


def list_departures(
    ledger: Ledger,
    *,
    line_id: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    statuses: Sequence[str] | None = None,
    limit: int | None = None,
) -> list[Departure]:
    """Departures in time order, filtered by line, service date range ``[start, end)`` and status."""
    query = select(s.departures).order_by(s.departures.c.departs_at, s.departures.c.id)
    if line_id is not None:
        query = query.where(s.departures.c.line_id == line_id)
    if start is not None:
        query = query.where(s.departures.c.service_date >= start)
    if end is not None:
        query = query.where(s.departures.c.service_date < end)
    if statuses is not None:
        query = query.where(s.departures.c.status.in_(list(statuses)))
    if limit is not None:
        query = query.limit(checked_limit(limit))
    with ledger.reading() as connection:
        rows = connection.execute(query).all()
        held = held_room(connection, [r.id for r in rows], now=utc_now()) if rows else {}
    return [departure_from_row(r, held.get(r.id, _NOTHING_HELD)) for r in rows]


def count_departures(ledger: Ledger) -> int:
    with ledger.reading() as connection:
        return int(connection.execute(select(func.count()).select_from(s.departures)).scalar_one())


def set_departure_status(ledger: Ledger, key: int | str, status: DepartureStatus) -> Departure:
    """Move a departure on: scheduled → departed → arrived, or scheduled → cancelled.

    Cancelling a departure that still has bookings is refused: cancel or move the bookings first.
    """

    def work(connection: Connection) -> Departure:
        row = find_departure_row(connection, key)
        if row is None:
            raise LedgerError(Problem("unknown departure", field="departure", found=str(key)))
        if status not in _NEXT.get(row.status, set()):
            raise LedgerError(
                Problem(
                    f"a {row.status} departure cannot become {status}",
                    field="status",
                    found=status,
                    expected=", ".join(sorted(_NEXT[row.status])) or "nothing (final)",
                )
            )
        if status == "cancelled" and Decimal(row.booked_teu) > 0:
            raise LedgerError(Problem("the departure still has bookings", field="departure", found=row.ref))
        connection.execute(s.departures.update().where(s.departures.c.id == row.id).values(status=status))
        return departure_from_row(
            connection.execute(select(s.departures).where(s.departures.c.id == row.id)).one()
        )

    return ledger.write(work)
