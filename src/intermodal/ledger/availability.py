"""The room left on the ledger's departures, read in one snapshot for the route search."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import BigInteger, Float, cast, extract, func, select

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
    d = s.departures.c
    # the key's epoch second taken by the database: a datetime per row, made and converted, cost more
    if ledger.dialect == "postgresql":
        departs_s = cast(func.floor(extract("epoch", d.departs_at)), BigInteger)  # stored as naive UTC
    else:
        departs_s = cast(func.strftime("%s", d.departs_at), BigInteger)
    # Only the columns the room needs, its differences taken by the database: every live route query pays for
    # this read, and whole rows (each a Decimal and a datetime more) made it cost as much as the search.
    # TEU are stored to 0.01, so the float of the difference is the float of the exact value.
    query = select(
        d.ref,
        d.line_id,
        departs_s,
        d.status,
        cast(d.capacity_teu - d.booked_teu, Float).label("free_teu"),
        (d.capacity_kg - d.booked_kg).label("free_kg"),
    ).where(
        d.departs_at >= start,
        d.departs_at <= end,
        # departs_at has no index; the service date (a local date, so within a day of the UTC one) has
        # one, and without it every read scanned all of the ledger's departures
        d.service_date >= start.astimezone(dt.UTC).date() - dt.timedelta(days=1),
        d.service_date <= end.astimezone(dt.UTC).date() + dt.timedelta(days=1),
    )
    if lines is not None:
        query = query.where(d.line_id.in_(list(lines)))
    with ledger.reading() as connection:
        taken_at = dt.datetime.now(dt.UTC)
        rows = connection.execute(query).all()
    rooms = {
        (line_id, int(departs)): DepartureRoom(
            ref=ref, free_teu=float(free_teu), free_kg=float(free_kg), runs=status == "scheduled"
        )
        for ref, line_id, departs, status, free_teu, free_kg in rows
    }
    return Availability(taken_at=taken_at, rooms=rooms)
