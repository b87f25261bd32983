"""The room left on the ledger's departures, read in one snapshot for the route search.

Room is capacity less bookings less live holds. A hold is a quote's claim on a departure (``quote_legs``): it
is live while its quote is ``open`` and its ``valid_until`` is still ahead, so an expired hold counts for
nothing here or in a booking's check, whether or not a sweep has marked its quote ``expired`` yet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from decimal import Decimal

from sqlalchemy import Connection, func, select

from intermodal.exceptions import LedgerError, Problem
from intermodal.ledger import _schema as s
from intermodal.ledger._storage import Ledger
from intermodal.model.availability import Availability, DepartureRoom

__all__ = ["held_room", "read_availability"]


def held_room(
    connection: Connection,
    departure_ids: Collection[int] | None,
    *,
    now: dt.datetime,
    except_quote: int | None = None,
) -> dict[int, tuple[Decimal, int]]:
    """TEU and kg held by live quotes on each departure (all of them for ``None``), at the instant ``now``.

    ``except_quote`` leaves out one quote's own hold: the quote that is being booked.
    """
    query = (
        select(s.quote_legs.c.departure_id, func.sum(s.quotes.c.teu), func.sum(s.quotes.c.weight_kg))
        .join(s.quotes, s.quotes.c.id == s.quote_legs.c.quote_id)
        .where(s.quotes.c.status == "open", s.quotes.c.valid_until > now)
        .group_by(s.quote_legs.c.departure_id)
    )
    if departure_ids is not None:
        query = query.where(s.quote_legs.c.departure_id.in_(list(departure_ids)))
    if except_quote is not None:
        query = query.where(s.quotes.c.id != except_quote)
    return {
        departure_id: (Decimal(teu or 0), int(kg or 0)) for departure_id, teu, kg in connection.execute(query)
    }


def read_availability(
    ledger: Ledger,
    *,
    start: dt.datetime,
    end: dt.datetime,
    lines: Iterable[str] | None = None,
    now: dt.datetime | None = None,
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
    now
        The instant at which holds are judged live (default: the clock); tests inject it.

    Returns
    -------
    Availability
        Keyed by (line id, departure epoch second); free room is capacity less bookings less live holds. A
        departure that is not ``scheduled`` (gone, cancelled) does not run.
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise LedgerError(Problem("the window needs aware times", field="start", found=str(start)))
    query = select(s.departures).where(s.departures.c.departs_at >= start, s.departures.c.departs_at <= end)
    if lines is not None:
        query = query.where(s.departures.c.line_id.in_(list(lines)))
    with ledger.reading() as connection:
        taken_at = now or dt.datetime.now(dt.UTC)
        rows = connection.execute(query).all()
        # the holds in the same snapshot as the bookings, so that the two never count one claim twice
        held = held_room(connection, None, now=taken_at) if rows else {}  # live holds are few
    rooms = {}
    for row in rows:
        held_teu, held_kg = held.get(row.id, (Decimal(0), 0))
        rooms[(row.line_id, int(row.departs_at.timestamp()))] = DepartureRoom(
            ref=row.ref,
            free_teu=float(Decimal(row.capacity_teu) - Decimal(row.booked_teu) - held_teu),
            free_kg=float(row.capacity_kg - row.booked_kg - held_kg),
            runs=row.status == "scheduled",
        )
    return Availability(taken_at=taken_at, rooms=rooms)
