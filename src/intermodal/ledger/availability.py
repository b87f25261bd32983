"""The room left on the ledger's departures, read in one snapshot for the route search.

Room is capacity less bookings less live holds, in TEU, in kg and, where a departure counts them, in reefer
plugs (TEU of reefer boxes it can power: plugs less reefer bookings less live reefer holds). A hold is a
quote's claim on a departure (``quote_legs``): it is live while its quote is ``open`` and its ``valid_until``
is still ahead, so an expired hold counts for nothing here or in a booking's check, whether or not a sweep
has marked its quote ``expired`` yet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from decimal import Decimal
from typing import NamedTuple

import numpy as np
from sqlalchemy import BigInteger, Connection, Float, cast, extract, func, select

from intermodal.exceptions import LedgerError, Problem
from intermodal.ledger import _schema as s
from intermodal.ledger._storage import Ledger
from intermodal.ledger.lines import DEFAULT_KG_PER_TEU
from intermodal.model.availability import Availability, RoomTable
from intermodal.model.disruptions import Closure

__all__ = ["Held", "held_room", "open_closures", "read_availability"]


def open_closures(connection: Connection, start: dt.datetime, end: dt.datetime) -> tuple[Closure, ...]:
    """The open disruptions whose window meets ``[start, end]``, as the search takes them."""
    d = s.disruptions.c
    rows = connection.execute(
        select(s.disruptions).where(d.status == "open", d.starts_at <= end, d.ends_at > start).order_by(d.id)
    ).all()
    return tuple(
        Closure(
            id=row.id,
            kind=row.kind,
            target=row.target,
            start=row.starts_at,
            end=row.ends_at,
            delay_hours=float(row.delay_hours or 0),
        )
        for row in rows
    )


class Held(NamedTuple):
    """What live quotes hold on one departure: TEU, kg, and reefer plugs (TEU of reefer boxes)."""

    teu: Decimal = Decimal(0)
    kg: int = 0
    reefer: Decimal = Decimal(0)


def held_room(
    connection: Connection,
    departure_ids: Collection[int] | None,
    *,
    now: dt.datetime,
    except_quote: int | None = None,
) -> dict[int, Held]:
    """TEU, kg and reefer plugs held by live quotes on each departure (all of them for ``None``), at the
    instant ``now``.

    ``except_quote`` leaves out one quote's own hold: the quote that is being booked.
    """
    q = s.quotes.c
    query = (
        select(s.quote_legs.c.departure_id, func.sum(q.teu), func.sum(q.weight_kg), func.sum(q.reefer_teu))
        .join(s.quotes, s.quotes.c.id == s.quote_legs.c.quote_id)
        .where(s.quotes.c.status == "open", s.quotes.c.valid_until > now)
        .group_by(s.quote_legs.c.departure_id)
    )
    if departure_ids is not None:
        query = query.where(s.quote_legs.c.departure_id.in_(list(departure_ids)))
    if except_quote is not None:
        query = query.where(s.quotes.c.id != except_quote)
    return {
        departure_id: Held(Decimal(teu or 0), int(kg or 0), Decimal(reefer or 0))
        for departure_id, teu, kg, reefer in connection.execute(query)
    }


def read_availability(
    ledger: Ledger,
    *,
    start: dt.datetime,
    end: dt.datetime,
    lines: Iterable[str] | None = None,
    now: dt.datetime | None = None,
) -> Availability:
    """Free TEU, kg and reefer plugs on every departure leaving between ``start`` and ``end`` (aware), in one
    snapshot.

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
        Keyed by (line id, departure epoch second); free room is capacity less bookings less live holds, and
        free reefer plugs are plugs less reefer bookings less live reefer holds (``None`` where the departure
        does not count plugs). A departure that is not ``scheduled`` (gone, cancelled) does not run. Its
        ``closures`` are the open disruptions in the window (``ledger.disruptions``); searches respect them.
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise LedgerError(Problem("the window needs aware times", field="start", found=str(start)))
    d = s.departures.c
    # the key's epoch second taken by the database: a datetime per row, made and converted, cost more
    if ledger.dialect == "postgresql":
        departs_s = cast(func.floor(extract("epoch", d.departs_at)), BigInteger)  # stored as naive UTC
    else:
        departs_s = cast(func.strftime("%s", d.departs_at), BigInteger)
    taken_at = now or dt.datetime.now(dt.UTC)
    q = s.quotes.c
    held = (
        select(
            s.quote_legs.c.departure_id,
            func.sum(q.teu).label("teu"),
            func.sum(q.weight_kg).label("kg"),
            func.sum(q.reefer_teu).label("reefer"),
        )
        .join(s.quotes, q.id == s.quote_legs.c.quote_id)
        .where(q.status == "open", q.valid_until > taken_at)
        .group_by(s.quote_legs.c.departure_id)
        .subquery()
    )
    # Only the columns the room needs, its differences taken by the database: every live route query pays for
    # this read, and whole rows (each a Decimal and a datetime more) made it cost as much as the search.
    # TEU are stored to 0.01, so the float of the difference is the float of the exact value. The live holds
    # join in the same statement: one snapshot by construction, and one round trip rather than two.
    query = (
        select(
            d.ref,
            d.line_id,
            departs_s,
            d.status,
            cast(d.capacity_teu - d.booked_teu - func.coalesce(held.c.teu, 0), Float).label("free_teu"),
            (d.capacity_kg - d.booked_kg - func.coalesce(held.c.kg, 0)).label("free_kg"),
            # NULL plugs (not counted) stay NULL, and become NaN in the table
            cast(d.reefer_plugs_teu - d.booked_reefer_teu - func.coalesce(held.c.reefer, 0), Float).label(
                "free_reefer"
            ),
        )
        .outerjoin(held, held.c.departure_id == d.id)
        .where(
            d.departs_at >= start,
            d.departs_at <= end,
            # departs_at has no index; the service date (a local date, so within a day of the UTC one) has
            # one, and without it every read scanned all of the ledger's departures
            d.service_date >= start.astimezone(dt.UTC).date() - dt.timedelta(days=1),
            d.service_date <= end.astimezone(dt.UTC).date() + dt.timedelta(days=1),
        )
    )
    if lines is not None:
        query = query.where(d.line_id.in_(list(lines)))
    with ledger.reading() as connection:
        rows = connection.execute(query).all()
        # the open disruptions in the same snapshot: a search against the ledger never passes what is closed
        closures = open_closures(connection, start, end)
    # columns, not an object per departure: the search asks about them all at once (RoomTable)
    columns = zip(*rows, strict=True) if rows else [()] * 7
    refs, line_ids, departs, statuses, free_teu, free_kg, free_reefer = columns
    rooms = RoomTable(
        list(zip(line_ids, map(int, departs), strict=True)),
        refs,
        np.array(free_teu, dtype=np.float64),
        np.array(free_kg, dtype=np.float64),
        [status == "scheduled" for status in statuses],
        np.array([np.nan if v is None else v for v in free_reefer], dtype=np.float64),
    )
    # a departure not made yet gets its line's default weight when a booking makes it (lines.Line)
    return Availability(taken_at=taken_at, rooms=rooms, closures=closures, kg_per_teu=DEFAULT_KG_PER_TEU)
