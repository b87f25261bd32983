"""The room left on the ledger's departures, read in one snapshot for the route search."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from sqlalchemy import select

from intermodal.exceptions import LedgerError, Problem
from intermodal.ledger import _schema as s
from intermodal.ledger._storage import Ledger
from intermodal.model.availability import Availability, DepartureRoom

__all__ = ["read_availability"]


def read_availability(
    ledger: Ledger,
    *,
    start: dt.datetime,
    end: dt.datetime,
    lines: Iterable[str] | None = None,
) -> Availability:
    """Free TEU and kg on every departure leaving between ``start`` and ``end`` (aware), in one snapshot.

    Parameters
    ----------
    ledger
        The open ledger.
    start, end
        The window of departure times (UTC instants; any zone).
    lines
        Only these lines (service ids); default every line.

    Returns
    -------
    Availability
        Keyed by (line id, departure epoch second); a departure that is not ``scheduled`` (gone, cancelled)
        does not run.
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise LedgerError(Problem("the window needs aware times", field="start", found=str(start)))
    query = select(s.departures).where(s.departures.c.departs_at >= start, s.departures.c.departs_at <= end)
    if lines is not None:
        query = query.where(s.departures.c.line_id.in_(list(lines)))
    with ledger.reading() as connection:
        taken_at = dt.datetime.now(dt.UTC)
        rows = connection.execute(query).all()
    rooms = {}
    for row in rows:
        rooms[(row.line_id, int(row.departs_at.timestamp()))] = DepartureRoom(
            ref=row.ref,
            free_teu=float(Decimal(row.capacity_teu) - Decimal(row.booked_teu)),
            free_kg=float(row.capacity_kg - row.booked_kg),
            runs=row.status == "scheduled",
        )
    return Availability(taken_at=taken_at, rooms=rooms)
