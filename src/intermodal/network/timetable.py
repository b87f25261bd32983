"""Scheduled services expanded into dated trips over a time window, as flat arrays in UTC seconds."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from intermodal.model import Service, Terminal

__all__ = ["Timetable", "expand_timetable"]


@dataclass(frozen=True)
class Timetable:
    """Dated trips of a bundle's services in a window.

    A trip's time at stop ``k`` is ``trip_start[i] + arrive_s[s][k]`` (or ``depart_s``), in UTC epoch seconds,
    where ``s = trip_service[i]``. Trips are sorted by ``trip_start``.

    Attributes
    ----------
    services
        The services, indexed by ``trip_service``.
    stops
        Per service, the terminal index of each stop.
    arrive_s, depart_s
        Per service, stop offsets in seconds from the departure at the first stop.
    trip_service, trip_start
        One entry per dated trip.
    board_ok, alight_ok
        Per service, whether cargo may board (pick up) and leave (drop off) at each stop.
    """

    services: tuple[Service, ...]
    stops: tuple[np.ndarray, ...]
    arrive_s: tuple[np.ndarray, ...]
    depart_s: tuple[np.ndarray, ...]
    trip_service: np.ndarray
    trip_start: np.ndarray
    board_ok: tuple[np.ndarray, ...] = ()
    alight_ok: tuple[np.ndarray, ...] = ()

    def __post_init__(self) -> None:
        # a timetable built by hand may leave the stop rules out: every stop then allows both
        every = tuple(np.ones(len(st), dtype=np.bool_) for st in self.stops)
        if not self.board_ok:
            object.__setattr__(self, "board_ok", every)
        if not self.alight_ok:
            object.__setattr__(self, "alight_ok", every)

    @property
    def n_trips(self) -> int:
        return int(self.trip_service.shape[0])


def expand_timetable(
    services: Sequence[Service],
    terminals: Mapping[str, Terminal],
    terminal_index: Mapping[str, int],
    *,
    start: datetime,
    end: datetime,
) -> Timetable:
    """Every trip of ``services`` that is under way at some time in ``[start, end]``.

    Departure times are local to each service's first stop and become UTC here, so a daylight-saving change
    moves the UTC time of a trip, as it should.
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be timezone-aware")
    stops, arrive, depart, board_ok, alight_ok = [], [], [], [], []
    trip_service: list[int] = []
    trip_start: list[int] = []
    t0, t1 = start.timestamp(), end.timestamp()
    for index, service in enumerate(services):
        stops.append(np.array([terminal_index[s.terminal_id] for s in service.stops], dtype=np.int32))
        arrive.append(np.array([round(s.arrive_offset_h * 3600) for s in service.stops], dtype=np.int64))
        depart.append(np.array([round(s.depart_offset_h * 3600) for s in service.stops], dtype=np.int64))
        board_ok.append(np.array([s.pickup for s in service.stops], dtype=np.bool_))
        alight_ok.append(np.array([s.dropoff for s in service.stops], dtype=np.bool_))
        span = int(depart[-1][-1] if depart[-1][-1] > arrive[-1][-1] else arrive[-1][-1])
        zone = ZoneInfo(terminals[service.stops[0].terminal_id].timezone)
        day = (start - timedelta(seconds=span) - timedelta(days=1)).astimezone(zone).date()
        last = (end + timedelta(days=1)).astimezone(zone).date()
        while day <= last:
            if service.calendar.runs_on(day):
                for clock in service.departures:
                    # GTFS times past midnight are offsets into the next day, hence timedelta, not replace()
                    local = datetime(day.year, day.month, day.day, tzinfo=zone) + timedelta(
                        hours=clock.hour, minutes=clock.minute, seconds=clock.second
                    )
                    first = local.astimezone(UTC).timestamp()
                    if first <= t1 and first + span >= t0:
                        trip_service.append(index)
                        trip_start.append(int(first))
            day += timedelta(days=1)
    order = np.argsort(np.array(trip_start, dtype=np.int64), kind="stable")
    return Timetable(
        services=tuple(services),
        stops=tuple(stops),
        arrive_s=tuple(arrive),
        depart_s=tuple(depart),
        trip_service=np.array(trip_service, dtype=np.int32)[order],
        trip_start=np.array(trip_start, dtype=np.int64)[order],
        board_ok=tuple(board_ok),
        alight_ok=tuple(alight_ok),
    )
