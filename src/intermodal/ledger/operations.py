"""The operations board: what an operator watches at one instant, read from the ledger.

Three parts, each from a ledger function that already exists:

- **departures** leaving today and tomorrow (local days of the hub's zone), each with its capacity, what is
  booked, what open quotes hold and what is free (:func:`list_departures`);
- **bookings in transit**: confirmed bookings whose first departure has left by the instant (its planned time
  has passed) within the last :data:`TRANSIT_LOOKBACK_DAYS` days and that have not arrived (no actual arrival
  at the destination, and not every departure ``arrived``), each with its ETA and delay
  (:func:`booking_eta`, **read only**: the board never stores an ``EST`` event, however often it is asked)
  and where the cargo is by that estimate;
- **open disruptions**, each with the bookings it breaks at the instant (:func:`disruption_impact` without
  options: the options are one route search per booking, asked for one booking at a time with
  :func:`booking_impact`).

Nothing here writes to the ledger.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, func, select

from intermodal.exceptions import LedgerError
from intermodal.ledger import _schema as s
from intermodal.ledger._storage import Ledger
from intermodal.ledger._values import parse_time, utc_now, zone_info
from intermodal.ledger.bookings import Booking, _booking, _leg_refs
from intermodal.ledger.departures import Departure, list_departures
from intermodal.ledger.disruptions import DisruptionImpact, disruption_impact, list_disruptions
from intermodal.ledger.eta import Eta, EtaStop, booking_eta
from intermodal.model import Bundle

__all__ = [
    "MAX_BOARD_ROWS",
    "TRANSIT_LOOKBACK_DAYS",
    "Board",
    "InTransit",
    "Position",
    "operations_board",
    "position_at",
]

#: How long before the instant a booking's first departure may have left and still be watched in transit:
#: the longest line runs about 6 days; a booking a month overdue with no news is a matter for its records.
TRANSIT_LOOKBACK_DAYS = 30
#: The most departures, and the most bookings in transit, that one board lists (the rest are counted).
MAX_BOARD_ROWS = 500


@dataclass(frozen=True)
class Position:
    """Where the cargo is by its estimate: at ``place`` (``to`` is ``place``), or ``fraction`` of the way
    from ``place`` to ``to``."""

    place: str
    to: str
    fraction: float

    @property
    def moving(self) -> bool:
        return self.place != self.to

    def to_dict(self) -> dict[str, Any]:
        return {"from": self.place, "to": self.to, "fraction": self.fraction, "moving": self.moving}


def position_at(stops: Sequence[EtaStop], at: dt.datetime) -> Position:
    """Where the cargo is at ``at`` by the estimated times of its ETA's stops (their order is the plan's).

    Before the first point it waits at its origin; after an ``ARRI`` it is at that stop until the next point;
    after a ``DEPA`` it is on the way to the next stop, the share of the run's estimated time gone; past the
    last point it is at its destination.
    """
    if not stops:
        raise ValueError("a plan has at least one point")
    if at < stops[0].estimated:
        return Position(stops[0].place, stops[0].place, 0.0)
    last = max(i for i, stop in enumerate(stops) if stop.estimated <= at)
    here = stops[last]
    if last == len(stops) - 1 or here.code == "ARRI":
        return Position(here.place, here.place, 0.0)
    ahead = stops[last + 1]
    run = (ahead.estimated - here.estimated).total_seconds()
    gone = (at - here.estimated).total_seconds()
    fraction = min(1.0, gone / run) if run > 0 else 1.0
    return Position(here.place, ahead.place, round(fraction, 3))


@dataclass(frozen=True)
class InTransit:
    """A booking under way: its ETA (``None`` with ``problem`` when the scenario cannot plan it) and where
    its cargo is by that estimate."""

    booking: Booking
    eta: Eta | None
    position: Position | None
    problem: str | None = None

    def to_dict(self) -> dict[str, Any]:
        eta = self.eta.to_dict() if self.eta is not None else None
        if eta is not None:
            del eta["stored_event"]  # the board never stores one
        return {
            "booking": self.booking.to_dict(),
            "eta": eta,
            "position": self.position.to_dict() if self.position is not None else None,
            "problem": self.problem,
        }


@dataclass(frozen=True)
class Board:
    """The operations board at ``at`` (see the module docstring)."""

    at: dt.datetime
    zone: str
    days: tuple[dt.date, dt.date]
    departures: tuple[Departure, ...]
    in_transit: tuple[InTransit, ...]
    disruptions: tuple[DisruptionImpact, ...]
    more_departures: int = 0
    more_in_transit: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "at": self.at.astimezone(zone_info(self.zone)).isoformat(),
            "zone": self.zone,
            "days": [day.isoformat() for day in self.days],
            "departures": [d.to_dict() for d in self.departures],
            "more_departures": self.more_departures,
            "in_transit": [b.to_dict() for b in self.in_transit],
            "more_in_transit": self.more_in_transit,
            "disruptions": [
                {**impact.disruption.to_dict(), "broken": [b.to_dict() for b in impact.broken]}
                for impact in self.disruptions
            ],
        }


def _departures_on(ledger: Ledger, first: dt.datetime, end: dt.datetime) -> tuple[tuple[Departure, ...], int]:
    # service dates are local to each line's origin: a day either side catches every zone, then the times cut
    found = list_departures(
        ledger, start=first.date() - dt.timedelta(days=1), end=end.date() + dt.timedelta(days=1)
    )
    inside = [d for d in found if first <= d.departs_at < end]
    return tuple(inside[:MAX_BOARD_ROWS]), max(0, len(inside) - MAX_BOARD_ROWS)


def _candidates(ledger: Ledger, at: dt.datetime) -> tuple[list[Booking], int]:
    """Confirmed bookings whose first departure left in the lookback and whose departures have not all
    arrived, by first departure."""
    bl, d, b = s.booking_legs.c, s.departures.c, s.bookings.c
    first = func.min(d.departs_at)
    arrived = func.sum(case((d.status == "arrived", 1), else_=0))
    query = (
        select(bl.booking_id)
        .join(s.departures, d.id == bl.departure_id)
        .join(s.bookings, and_(b.id == bl.booking_id, b.status == "confirmed"))
        .group_by(bl.booking_id)
        .having(
            first <= at,
            first > at - dt.timedelta(days=TRANSIT_LOOKBACK_DAYS),
            arrived < func.count(),
        )
        .order_by(first, bl.booking_id)
    )
    with ledger.reading() as connection:
        ids = [row[0] for row in connection.execute(query)]
        shown = ids[:MAX_BOARD_ROWS]
        rows = (
            {r.id: r for r in connection.execute(select(s.bookings).where(b.id.in_(shown)))} if shown else {}
        )
        refs = _leg_refs(connection, shown) if shown else {}
        found = [_booking(connection, rows[i], refs=refs[i]) for i in shown]
    return found, len(ids) - len(shown)


def operations_board(
    ledger: Ledger,
    bundle: Bundle,
    *,
    at: dt.datetime | str | None = None,
    zone: str = "Asia/Shanghai",
) -> Board:
    """The operations board at ``at`` (default: the clock). Reads only.

    Parameters
    ----------
    ledger, bundle
        The open ledger and the scenario whose timetable plans its bookings.
    at
        The instant, ISO 8601 (without an offset: in ``zone``); dates 1970 to 2100.
    zone
        The hub's IANA zone: "today" and "tomorrow" are its local days.

    Raises
    ------
    LedgerError
        A bad ``at`` or ``zone``.
    """
    local = zone_info(zone)
    moment = parse_time(at, zone=zone, field="at") if at is not None else utc_now()
    today = moment.astimezone(local).date()
    tomorrow = today + dt.timedelta(days=1)
    start = dt.datetime.combine(today, dt.time(), local)
    end = dt.datetime.combine(tomorrow + dt.timedelta(days=1), dt.time(), local)
    departures, more_departures = _departures_on(ledger, start, end)

    in_transit = []
    candidates, more_in_transit = _candidates(ledger, moment)
    for booking in candidates:
        try:
            eta = booking_eta(ledger, booking.id, bundle, store=False)
        except LedgerError as error:
            in_transit.append(InTransit(booking, None, None, problem=str(error)))
            continue
        if not eta.arrived:
            in_transit.append(InTransit(booking, eta, position_at(eta.stops, moment)))

    impacts = tuple(
        disruption_impact(ledger, bundle, d.id, as_of=moment, options=False)
        for d in list_disruptions(ledger, status="open")
    )
    return Board(
        at=moment,
        zone=zone,
        days=(today, tomorrow),
        departures=departures,
        in_transit=tuple(in_transit),
        disruptions=impacts,
        more_departures=more_departures,
        more_in_transit=more_in_transit,
    )
