"""Calibration: the network's real times and loads, fitted from the ledger's actual events.

For the departures of a period (by service date) this reads the ``ACT`` events and the bookings and fits:

- **transit per service**: from the trip's first departure (DEPA) to its last arrival (ARRI), one sample
  a trip;
- **clearance per border crossing**: from the box's arrival (ARRI) at a crossing on the way (not where its
  trip starts or ends) to its customs release (RELS) there, one sample a box;
- **dwell per hub**: a box's gate-in (GTIN) to its departure (DEPA) where the trip starts, and its arrival
  (ARRI) to its gate-out (GTOT) where the trip ends, one sample each;
- **load factor per service**: booked TEU over capacity TEU, one sample a departure.

Times are fitted as lognormal (:class:`~intermodal.model.Spread`, by the mean and standard deviation of their
logarithms: the maximum-likelihood fit). An element with fewer than ``min_n`` samples is not fitted (too few
to say anything) and is listed in :attr:`Calibration.skipped`; a period without ``min_n`` trips is refused.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from intermodal.exceptions import LedgerError, Problem
from intermodal.ledger import _schema as s
from intermodal.ledger._storage import Ledger
from intermodal.ledger.periods import parse_period
from intermodal.model import ElementEmissions, Itinerary, Leg, Mode, Names
from intermodal.model.reliability import LoadFactor, Reliability, Spread
from intermodal.planners.reliability import on_time_probability

__all__ = ["CHECK_SLACK_H", "MIN_SAMPLES", "BrierScores", "Calibration", "calibrate", "check_forecasts"]

#: Fewer samples than this fit nothing: with 20 the median of a spread of 0.3 is known to about ±7 %.
MIN_SAMPLES = 20


@dataclass(frozen=True)
class Calibration:
    """What :func:`calibrate` measured."""

    reliability: Reliability
    #: the trips (departures with events) and events the fit read
    trips: int
    events: int
    #: elements with too few samples, as ``"kind id: n = 3"``
    skipped: tuple[str, ...] = ()


def _fit(hours: list[float], source: str, planned_h: float | None = None) -> Spread:
    logs = [math.log(h) for h in hours]
    mu = statistics.fmean(logs)
    sigma = statistics.stdev(logs) if len(logs) > 1 else 0.0
    return Spread(math.exp(mu), sigma, n=len(hours), source=source, planned_h=planned_h)


def _hours(a: dt.datetime, b: dt.datetime) -> float:
    return (b - a).total_seconds() / 3600.0


def calibrate(
    ledger: Ledger,
    period: str,
    *,
    crossings: Collection[str],
    planned_h: Mapping[str, float],
    min_n: int = MIN_SAMPLES,
) -> Calibration:
    """Fit transit, clearance, dwell and load factors from the ledger's actual events in ``period``.

    Parameters
    ----------
    ledger
        The open ledger.
    period
        ``2019``, ``2019H1``, ``2019Q1`` or ``2019-03``: the departures whose service date falls in it.
    crossings
        The ids of the network's border crossings (``bundle.crossings``): events there are clearances.
    planned_h
        Each service's timetable time end to end, in hours; a service's fit keeps it as ``planned_h``, so
        that a ride on part of the service scales with it. A service not named here is not fitted.
    min_n
        The fewest samples an element is fitted from (at least 2).

    Raises
    ------
    LedgerError
        The period is not one, or it holds fewer than ``min_n`` trips with actual events (says n).
    """
    if min_n < 2:
        raise ValueError("min_n must be at least 2")
    chosen = parse_period(period)
    label = f"ledger {chosen.label}"
    query = (
        select(
            s.events.c.departure_id,
            s.events.c.equipment_ref,
            s.events.c.event_code,
            s.events.c.place,
            s.events.c.event_at,
            s.departures.c.line_id,
        )
        .join(s.departures, s.departures.c.id == s.events.c.departure_id)
        .where(
            s.events.c.classifier == "ACT",
            s.departures.c.service_date >= chosen.start,
            s.departures.c.service_date < chosen.end,
            s.departures.c.status != "cancelled",
        )
    )
    loads = select(s.departures.c.line_id, s.departures.c.booked_teu, s.departures.c.capacity_teu).where(
        s.departures.c.service_date >= chosen.start,
        s.departures.c.service_date < chosen.end,
        s.departures.c.status != "cancelled",
    )
    with ledger.reading() as connection:
        rows = connection.execute(query).all()
        load_rows = connection.execute(loads).all()

    # one box on one trip: its events by code and place (the first of each, should a code repeat)
    boxes: dict[tuple[int, str], dict[tuple[str, str], dt.datetime]] = defaultdict(dict)
    line_of: dict[int, str] = {}
    for departure_id, equipment, code, place, at, line_id in rows:
        line_of[departure_id] = line_id
        seen = boxes[(departure_id, equipment or "")]
        if (code, place) not in seen or at < seen[(code, place)]:
            seen[(code, place)] = at
    trips = len(line_of)
    if trips < min_n:
        raise LedgerError(
            Problem(
                "too few trips with actual events to fit",
                field="period",
                found=f"{chosen.label}: n = {trips}",
                expected=f"at least {min_n} trips with ACT events (intermodal ledger event, or demo-data)",
            )
        )

    transit: dict[int, tuple[dt.datetime, dt.datetime]] = {}
    clearance: dict[str, list[float]] = defaultdict(list)
    dwell: dict[str, list[float]] = defaultdict(list)
    for (departure_id, _), seen in boxes.items():
        departs = [(at, place) for (code, place), at in seen.items() if code == "DEPA"]
        arrives = [(at, place) for (code, place), at in seen.items() if code == "ARRI"]
        if not (departs and arrives):
            continue
        # the trip runs from its first departure to its last arrival; a crossing between them is a stop
        (leave, start), (reach, end) = min(departs), max(arrives)
        if reach <= leave:
            continue
        first, last = transit.get(departure_id, (leave, reach))
        transit[departure_id] = (min(first, leave), max(last, reach))
        if ("GTIN", start) in seen and seen[("GTIN", start)] < leave:
            dwell[start].append(_hours(seen[("GTIN", start)], leave))
        if ("GTOT", end) in seen and seen[("GTOT", end)] > reach:
            dwell[end].append(_hours(reach, seen[("GTOT", end)]))
        for at, place in arrives:
            released = seen.get(("RELS", place))
            if place in crossings and place not in (start, end) and released is not None and released > at:
                clearance[place].append(_hours(at, released))

    by_service: dict[str, list[float]] = defaultdict(list)
    for departure_id, (leave, reach) in transit.items():
        if reach > leave:
            by_service[line_of[departure_id]].append(_hours(leave, reach))
    skipped: list[str] = []

    def fitted(
        kind: str, samples: Mapping[str, list[float]], planned: Mapping[str, float] | None
    ) -> dict[str, Spread]:
        out = {}
        for key in sorted(samples):
            values = samples[key]
            if planned is not None and key not in planned:
                skipped.append(f"{kind} {key}: not in the network's timetable")
            elif len(values) < min_n:
                skipped.append(f"{kind} {key}: n = {len(values)}")
            else:
                source = f"measured: {label}, n = {len(values)}"
                out[key] = _fit(values, source, None if planned is None else planned[key])
        return out

    load_samples: dict[str, list[float]] = defaultdict(list)
    for line_id, booked, capacity in load_rows:
        if capacity:
            load_samples[line_id].append(float(booked) / float(capacity))
    load_factors = {
        line_id: LoadFactor(statistics.fmean(values), len(values), f"measured: {label}, n = {len(values)}")
        for line_id, values in sorted(load_samples.items())
        if len(values) >= min_n
    }
    reliability = Reliability(
        services=fitted("service", by_service, planned_h),
        crossings=fitted("crossing", clearance, None),
        hubs=fitted("hub", dwell, None),
        load_factors=load_factors,
        period=label,
    )
    return Calibration(reliability, trips, len(rows), tuple(skipped))


@dataclass(frozen=True)
class BrierScores:
    """How well on-time probabilities forecast the trips of a period: the mean of (p − on time)², lower is
    better; 0.25 is what always answering 0.5 scores."""

    calibrated: float
    timetable: float
    trips: int
    #: the share of the trips that arrived by their due time
    on_time: float


#: The due times a check gives the trips in turn: the timetable's arrival plus this many hours.
CHECK_SLACK_H: tuple[float, ...] = (0.0, 3.0, 6.0, 12.0, 24.0)


def check_forecasts(
    ledger: Ledger,
    period: str,
    reliability: Reliability,
    *,
    planned_h: Mapping[str, float],
    slack_h: Sequence[float] = CHECK_SLACK_H,
    samples: int = 2000,
) -> BrierScores:
    """Score the on-time probabilities of ``reliability``, and the timetable's, on the trips of ``period``.

    Each trip with actual events (its first departure and last arrival) is given a due time, the timetable's
    arrival plus the next of ``slack_h`` in turn (trips in departure order); it is on time when it arrived by
    it. The forecast is :func:`~intermodal.planners.reliability.on_time_probability` of the trip as the
    timetable plans it, with ``reliability`` and without (the timetable's 0 or 1). Use a period the
    calibration did not read (held out).

    Raises
    ------
    LedgerError
        The period is not one, or it holds no trip of a service in ``planned_h``.
    """
    chosen = parse_period(period)
    query = (
        select(
            s.departures.c.id,
            s.departures.c.line_id,
            s.events.c.event_code,
            s.events.c.place,
            s.events.c.event_at,
            s.events.c.zone,
        )
        .join(s.departures, s.departures.c.id == s.events.c.departure_id)
        .where(
            s.events.c.classifier == "ACT",
            s.events.c.event_code.in_(("DEPA", "ARRI")),
            s.departures.c.service_date >= chosen.start,
            s.departures.c.service_date < chosen.end,
            s.departures.c.status != "cancelled",
        )
    )
    with ledger.reading() as connection:
        rows = connection.execute(query).all()
    trips: dict[int, dict[str, Any]] = {}
    for departure_id, line_id, code, place, at, zone in rows:
        trip = trips.setdefault(departure_id, {"line": line_id, "DEPA": None, "ARRI": None})
        if code == "DEPA" and (trip["DEPA"] is None or at < trip["DEPA"][0]):
            trip["DEPA"] = (at, place, zone)
        if code == "ARRI" and (trip["ARRI"] is None or at > trip["ARRI"][0]):
            trip["ARRI"] = (at, place, zone)
    usable = sorted(
        (t["DEPA"], t["ARRI"], t["line"])
        for t in trips.values()
        if t["DEPA"] and t["ARRI"] and t["line"] in planned_h and t["ARRI"][0] > t["DEPA"][0]
    )
    if not usable:
        raise LedgerError(
            Problem(
                "no trips with actual departures and arrivals to check",
                field="period",
                found=f"{chosen.label}: n = 0",
                expected="a period of the ledger with ACT events on the network's services",
            )
        )
    calibrated = timetable = hits = 0.0
    for i, ((leave, start, start_zone), (reached, end, end_zone), line) in enumerate(usable):
        planned_arrival = leave + dt.timedelta(hours=planned_h[line])
        due = planned_arrival + dt.timedelta(hours=slack_h[i % len(slack_h)])
        ride = Itinerary(
            legs=(
                Leg(
                    mode=Mode.ROAD,
                    from_id=start,
                    to_id=end,
                    from_name=Names(start, start),
                    to_name=Names(end, end),
                    from_tz=start_zone,
                    to_tz=end_zone,
                    depart=leave,
                    arrive=planned_arrival,
                    distance_km=0.0,
                    cost=0.0,
                    emissions=ElementEmissions(0.0, 0.0),
                    service=line,
                ),
            ),
            hubs=(),
            currency="CNY",
        )
        outcome = 1.0 if reached <= due else 0.0
        p = on_time_probability(ride, due, reliability, samples=samples)
        q = on_time_probability(ride, due, None)
        assert p is not None and q is not None  # a due time was given
        calibrated += (p - outcome) ** 2
        timetable += (q - outcome) ** 2
        hits += outcome
    n = len(usable)
    return BrierScores(calibrated / n, timetable / n, n, hits / n)
