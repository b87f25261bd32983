"""CSV import and export of departures, bookings and events.

Exports write what :func:`export_csv` documents per table, times in each row's own zone with its offset. An
import is one transaction: every row goes in, or (if any row has a problem) none does, and the error lists the
problems of every row with its file, row number and column. An exported file imports back as it was.

Columns (``*`` = required on import):

- departures: ``line*, departs*, zone, vehicle, capacity_teu, capacity_kg, status, reefer_plugs_teu`` (export
  adds ``ref``, ``booked_teu``, ``booked_kg``, ``booked_reefer_teu``)
- bookings: ``idempotency_key*, departures*`` (refs or ids, ``;``-separated, in travel order), ``shipper*,
  teu*, tonnes*, value, currency, cargo_class, customs_status*, equipment_ref, status, places`` (per leg
  ``from>to``, ``;``-separated)
- events: ``kind*, at*, zone, place*, equipment_ref, booking`` (idempotency key), ``departure`` (ref),
  ``classifier``
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Collection
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Connection, select

from intermodal.exceptions import InputError, LedgerError, Problem, ShipmentError
from intermodal.ledger import _schema as s
from intermodal.ledger._files import output_file, write_problem
from intermodal.ledger._storage import Ledger
from intermodal.ledger._values import whole_number
from intermodal.ledger.bookings import BookingRequest, LegRef, _book_one, _cancel_row, _find_booking
from intermodal.ledger.departures import _create, departure_from_row
from intermodal.ledger.events import event_from_row, insert_event
from intermodal.model.bounds import MAX_CAPACITY_KG

__all__ = ["TABLES", "export_csv", "import_csv"]

Table = Literal["departures", "bookings", "events"]
TABLES: tuple[str, ...] = ("departures", "bookings", "events")

_COLUMNS: dict[str, list[str]] = {
    "departures": [
        "ref",
        "line",
        "departs",
        "zone",
        "vehicle",
        "capacity_teu",
        "capacity_kg",
        "booked_teu",
        "booked_kg",
        "status",
        "reefer_plugs_teu",
        "booked_reefer_teu",
    ],
    "bookings": [
        "idempotency_key",
        "departures",
        "shipper",
        "teu",
        "tonnes",
        "value",
        "currency",
        "cargo_class",
        "customs_status",
        "equipment_ref",
        "status",
        "places",
    ],
    "events": ["kind", "at", "zone", "place", "equipment_ref", "booking", "departure", "classifier"],
}
_REQUIRED: dict[str, list[str]] = {
    "departures": ["line", "departs"],
    # customs status too: an import states it as a new booking does, never assumed cleared
    "bookings": ["idempotency_key", "departures", "shipper", "teu", "tonnes", "customs_status"],
    "events": ["kind", "at", "place"],
}


def _check_table(table: str) -> None:
    if table not in TABLES:
        raise LedgerError(Problem("unknown table", field="table", found=table, expected=", ".join(TABLES)))


def export_csv(ledger: Ledger, table: Table, path: str | os.PathLike[str]) -> int:
    """Write every row of ``table`` (departures, bookings or events) to a CSV file; returns the count.

    The file's folder must exist: a missing one is a :class:`LedgerError` naming ``path``, not a new folder.
    """
    _check_table(table)
    target = output_file(path, field="path")
    with ledger.reading() as connection:
        records = _records(connection, table)
    try:
        with target.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=_COLUMNS[table])
            writer.writeheader()
            writer.writerows(records)
    except OSError as error:
        raise write_problem(error, target, field="path") from None
    return len(records)


def _records(connection: Connection, table: str) -> list[dict[str, Any]]:
    if table == "departures":
        out = []
        for row in connection.execute(select(s.departures).order_by(s.departures.c.id)):
            d = departure_from_row(row)
            out.append(
                {
                    "ref": d.ref,
                    "line": d.line_id,
                    "departs": d.departs_local.isoformat(),
                    "zone": d.zone,
                    "vehicle": d.vehicle or "",
                    "capacity_teu": str(d.capacity_teu),
                    "capacity_kg": d.capacity_kg,
                    "booked_teu": str(d.booked_teu),
                    "booked_kg": d.booked_kg,
                    "status": d.status,
                    "reefer_plugs_teu": "" if d.reefer_plugs_teu is None else str(d.reefer_plugs_teu),
                    "booked_reefer_teu": str(d.booked_reefer_teu),
                }
            )
        return out
    if table == "bookings":
        refs: dict[int, list[str]] = {}
        places: dict[int, list[str]] = {}
        legs = select(
            s.booking_legs.c.booking_id,
            s.departures.c.ref,
            s.booking_legs.c.from_place,
            s.booking_legs.c.to_place,
        ).join(s.departures, s.departures.c.id == s.booking_legs.c.departure_id)
        for booking_id, ref, start, end in connection.execute(
            legs.order_by(s.booking_legs.c.booking_id, s.booking_legs.c.seq)
        ):
            refs.setdefault(booking_id, []).append(ref)
            places.setdefault(booking_id, []).append(f"{start or ''}>{end or ''}")
        out = []
        for row in connection.execute(select(s.bookings).order_by(s.bookings.c.id)):
            out.append(
                {
                    "idempotency_key": row.idempotency_key,
                    "departures": ";".join(refs.get(row.id, [])),
                    "shipper": row.shipper,
                    "teu": str(row.teu),
                    "tonnes": f"{row.weight_kg / 1000:.3f}",
                    "value": f"{row.value_minor // 100}.{row.value_minor % 100:02d}",
                    "currency": row.currency,
                    "cargo_class": row.cargo_class,
                    "customs_status": row.customs_status,
                    "equipment_ref": row.equipment_ref or "",
                    "status": row.status,
                    # where the cargo boards and leaves each leg: the file imports back as the same booking
                    "places": ";".join(places.get(row.id, [])),
                }
            )
        return out
    keys = dict(connection.execute(select(s.bookings.c.id, s.bookings.c.idempotency_key)).all())
    deps = dict(connection.execute(select(s.departures.c.id, s.departures.c.ref)).all())
    out = []
    for row in connection.execute(select(s.events).order_by(s.events.c.id)):
        e = event_from_row(row)
        out.append(
            {
                "kind": e.kind,
                "at": e.event_local.isoformat(),
                "zone": e.zone,
                "place": e.place,
                "equipment_ref": e.equipment_ref or "",
                "booking": keys.get(e.booking_id, "") if e.booking_id else "",
                "departure": deps.get(e.departure_id, "") if e.departure_id else "",
                "classifier": e.classifier,
            }
        )
    return out


def import_csv(
    ledger: Ledger,
    table: Table,
    path: str | os.PathLike[str],
    *,
    history: bool = False,
    places: Collection[str] | None = None,
) -> int:
    """Add the rows of a CSV file to ``table``, all or none; returns how many rows went in.

    Parameters
    ----------
    ledger
        The open ledger.
    table
        ``departures``, ``bookings`` or ``events``.
    path
        The CSV file (UTF-8, header row first).
    history
        The rows record the past: bookings may sit on departures that have already left. Without it, bookings
        need ``scheduled`` departures, as new bookings do.
    places
        For events: the places they may be at (:func:`~intermodal.ledger.known_places`); ``None`` takes any.

    Raises
    ------
    InputError
        Any row's problems (a :class:`~intermodal.exceptions.LedgerError`,
        :class:`~intermodal.exceptions.CapacityError` or :class:`~intermodal.exceptions.ShipmentError`), each
        with the file, row and column; nothing was written.
    """
    _check_table(table)
    source = Path(path)
    try:
        with source.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = list(reader.fieldnames or [])
            rows = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as error:  # unreadable, not UTF-8, or not CSV
        raise LedgerError(
            Problem(
                "cannot read the file", file=str(source), found=str(error)[:200], expected="a UTF-8 CSV file"
            )
        ) from None
    missing = [c for c in _REQUIRED[table] if c not in header]
    if missing:
        raise LedgerError(
            Problem("missing columns", file=source.name, row=0, found=", ".join(missing), expected="see docs")
        )
    handler: Callable[[Connection, dict[str, str]], None] = {
        "departures": _import_departure,
        "bookings": lambda c, r: _import_booking(c, r, history=history),
        "events": lambda c, r: _import_event(c, r, places),
    }[table]

    def work(connection: Connection) -> int:
        problems: list[Problem] = []
        error_type: type[InputError] = LedgerError
        for number, row in enumerate(rows, start=1):
            clean = {k: (v or "").strip() for k, v in row.items() if k is not None}
            try:
                with connection.begin_nested():
                    handler(connection, clean)
            except InputError as error:
                error_type = type(error) if not problems else error_type
                problems += [replace(p, file=source.name, row=number) for p in error.problems]
        if problems:
            raise error_type(problems)
        return len(rows)

    return ledger.write(work)


def _opt(row: dict[str, str], key: str) -> str | None:
    value = row.get(key, "")
    return value or None


def _import_departure(connection: Connection, row: dict[str, str]) -> None:
    _create(
        connection,
        line_id=row["line"],
        departs=row["departs"],
        vehicle=_opt(row, "vehicle"),
        capacity_teu=_opt(row, "capacity_teu"),
        capacity_kg=(
            whole_number(row["capacity_kg"], field="capacity_kg", maximum=MAX_CAPACITY_KG)
            if row.get("capacity_kg")
            else None
        ),
        status=row.get("status") or "scheduled",
        reefer_plugs_teu=_opt(row, "reefer_plugs_teu"),
    )


def _legs(row: dict[str, str]) -> tuple[LegRef, ...]:
    refs = [ref.strip() for ref in row["departures"].split(";") if ref.strip()]
    places = [p.split(">") for p in (row.get("places") or "").split(";")] if row.get("places") else []
    if len(places) != len(refs) or any(len(p) != 2 for p in places):
        return tuple(LegRef(ref) for ref in refs)
    return tuple(
        LegRef(ref, a.strip() or None, b.strip() or None) for ref, (a, b) in zip(refs, places, strict=True)
    )


def _import_booking(connection: Connection, row: dict[str, str], *, history: bool) -> None:
    request = BookingRequest(
        idempotency_key=row["idempotency_key"],
        legs=_legs(row),
        shipper=row["shipper"],
        teu=row["teu"],
        tonnes=row["tonnes"],
        value=row.get("value") or "0",
        currency=row.get("currency") or "CNY",
        cargo_class=row.get("cargo_class") or "general",
        customs_status=row["customs_status"],
        equipment_ref=_opt(row, "equipment_ref"),
    )
    if problems := request.problems():
        raise ShipmentError(problems)
    booking = _book_one(connection, request.checked(), history=history)
    status = row.get("status") or "confirmed"
    if status == "cancelled" and not booking.replayed:
        _cancel_row(connection, _find_booking(connection, booking.id))
    elif status not in ("confirmed", "cancelled"):
        raise LedgerError(
            Problem("unknown status", field="status", found=status, expected="confirmed or cancelled")
        )


def _import_event(connection: Connection, row: dict[str, str], places: Collection[str] | None) -> None:
    # the checks of record_event, so that an imported event is as sound as a recorded one
    insert_event(
        connection,
        row["kind"],
        at=row["at"],
        place=row["place"],
        zone=row.get("zone") or "Asia/Shanghai",
        equipment_ref=_opt(row, "equipment_ref"),
        booking=_opt(row, "booking"),
        departure=_opt(row, "departure"),
        classifier=row.get("classifier") or "ACT",
        places=places,
    )
