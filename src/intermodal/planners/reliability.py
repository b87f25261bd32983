"""The probability that an itinerary arrives by its due time, from the spreads of its legs and hubs.

The itinerary is run many times (Monte Carlo, a fixed seed, so the same question gets the same answer). Each
run walks its elements in time order; an element starts when the cargo is there, never before its planned
start (a scheduled departure keeps its time, a truck its slot), and lasts:

- a ride on a service with a spread: its timetable time × ``median_h / planned_h`` × a lognormal draw
  (the service's end-to-end spread, so a ride on part of it scales with its share of the timetable);
- handling at a hub with a dwell spread, or clearance at a crossing with one: a draw of that spread;
- a clearance during a service's stop: nothing of its own (the service's measured transit includes it);
- storage: nothing of its own (waiting for the next departure is the next element's planned start);
- anything else: its planned time.

A missed connection is taken as the departure leaving late by the time missed: the model does not search for
the next trip, so it overstates the probability when connections are tight. Without any spread the answer is
the timetable's: 1 when the planned arrival is by the due time, else 0.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime

import numpy as np

from intermodal.model import Bundle, HubOperation, Itinerary, Leg, Reliability, Spread

__all__ = ["DEFAULT_SAMPLES", "on_time_probability", "timetable_hours", "with_p_on_time"]

#: Runs per itinerary: the answer's standard error is at most 0.5 / sqrt(4000), about 0.008.
DEFAULT_SAMPLES = 4000
_SEED = 20190101


def _aboard(hub: HubOperation, legs: tuple[Leg, ...]) -> bool:
    return any(leg.service is not None and leg.depart <= hub.start and hub.end <= leg.arrive for leg in legs)


def on_time_probability(
    itinerary: Itinerary,
    due: datetime | None,
    fitted: Reliability | None,
    *,
    samples: int = DEFAULT_SAMPLES,
    seed: int = _SEED,
) -> float | None:
    """The share of simulated runs of ``itinerary`` that arrive by ``due`` (see the module docstring).

    Parameters
    ----------
    itinerary
        The option.
    due
        The latest arrival; ``None``: there is nothing to be on time for, and the answer is ``None``.
    fitted
        The spreads of services, crossings and hubs (``intermodal calibrate``); ``None`` or empty gives the
        timetable's 0 or 1.
    samples
        Monte Carlo runs.
    seed
        The random seed: the same seed, the same answer.
    """
    if due is None:
        return None
    if samples < 1:
        raise ValueError("samples must be at least 1")
    t0 = itinerary.depart
    limit_h = (due - t0).total_seconds() / 3600.0
    if not fitted:
        return 1.0 if itinerary.arrive <= due else 0.0
    rng = np.random.default_rng(seed)

    def hours(a: datetime, b: datetime) -> float:
        return (b - a).total_seconds() / 3600.0

    def draw(spread: Spread, scale: float = 1.0) -> np.ndarray:
        return spread.median_h * scale * np.exp(spread.sigma * rng.standard_normal(samples))

    elements: list[tuple[datetime, float | np.ndarray]] = []
    for leg in itinerary.legs:
        planned = hours(leg.depart, leg.arrive)
        spread = fitted.services.get(leg.service) if leg.service is not None else None
        if spread is not None and spread.planned_h:
            elements.append((leg.depart, draw(spread, planned / spread.planned_h)))
        else:
            elements.append((leg.depart, planned))
    for hub in itinerary.hubs:
        if hub.kind == "storage" or (hub.kind == "clearance" and _aboard(hub, itinerary.legs)):
            continue
        table = fitted.crossings if hub.kind == "clearance" else fitted.hubs
        spread = table.get(hub.terminal_id)
        elements.append((hub.start, draw(spread) if spread is not None else hours(hub.start, hub.end)))
    # in time order; at one instant a hub (ending at the departure) before the leg is the itinerary's order
    elements.sort(key=lambda e: e[0])
    t = np.zeros(samples)
    for start, duration in elements:
        t = np.maximum(t, hours(t0, start)) + duration
    return float(np.mean(t <= limit_h + 1e-9))


def timetable_hours(bundle: Bundle) -> dict[str, float]:
    """Each service's timetable time in hours, from its first stop's departure to its last stop's arrival:
    the ``planned_h`` a service's measured spread is set against."""
    return {
        s.id: s.stops[-1].arrive_offset_h - s.stops[0].depart_offset_h
        for s in bundle.services
        if len(s.stops) > 1 and s.stops[-1].arrive_offset_h > s.stops[0].depart_offset_h
    }


def with_p_on_time(
    options: Sequence[Itinerary], due: datetime, fitted: Reliability | None, bundle: Bundle
) -> list[Itinerary]:
    """``options``, each with its ``p_on_time`` by ``due``.

    A service's spread is set against ``bundle``'s own timetable (``planned_h`` from
    :func:`timetable_hours`), so a ride keeps its share of the measured time whether or not the timetable has
    been moved to the measured medians (the calibration's patch) since.
    """
    if fitted:
        planned = timetable_hours(bundle)
        fitted = dataclasses.replace(
            fitted,
            services={
                sid: dataclasses.replace(spread, planned_h=planned.get(sid, spread.planned_h))
                for sid, spread in fitted.services.items()
            },
        )
    return [dataclasses.replace(it, p_on_time=on_time_probability(it, due, fitted)) for it in options]
