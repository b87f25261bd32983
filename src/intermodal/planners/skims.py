"""Skims: zone-to-zone matrices of the best door-to-door time, cost, CO2e, distance and transfers.

The rule for "best" (docs/skims.md): for each pair of zones, the options are the Pareto set that
``find_routes`` returns for cargo ready at any time in the window (a range query, nothing folded). Each
metric's cell is the least value of that metric over those options, so the time cell is the fastest option's
time and the cost cell the cheapest option's cost, which may be two different options. A zone to itself is 0
in every metric; a pair without any option is NaN (missing).

Time is door to door: from the latest time the cargo may be ready for the option (its ``ready_by``), or its
departure when that is sooner (a truck-only option leaves whenever the cargo is ready), to its arrival.
Transfers are the transport legs less one.

Every origin's row is computed by :func:`_skim_origin`, with one one-to-many search a ready time.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from intermodal.exceptions import InputError, Problem
from intermodal.model import Bundle, Itinerary, Mode, Shipment
from intermodal.model.demand import Zone
from intermodal.planners._executor import Executor, InProcess
from intermodal.planners._query import _Network
from intermodal.planners._solve import _profile_many
from intermodal.planners.places import great_circle_km, resolve_place

__all__ = ["METRICS", "UNITS", "Skim", "option_metrics", "skim"]

#: the metrics a skim can hold, in this order
METRICS = ("time", "cost", "co2e", "distance", "transfers")
#: the unit of each metric (cost is in the bundle's currency)
UNITS = {"time": "h", "cost": "currency", "co2e": "kg CO2e WTW", "distance": "km", "transfers": "transfers"}

#: how far past the window's end a cell's options may arrive: find_routes's default horizon
_HORIZON_DAYS = 30.0
#: the cap on one search's work: find_routes's default
_MAX_LABELS = 200_000


@dataclass(frozen=True)
class Skim:
    """The matrices of one skim: ``values[metric][i, j]`` from ``zones[i]`` to ``zones[j]`` (NaN: none)."""

    scenario: str
    zones: tuple[Zone, ...]
    metrics: tuple[str, ...]
    values: dict[str, np.ndarray]
    start: datetime
    window_days: float
    cargo: str
    teu: float
    currency: str
    #: pairs of distinct places with no option in the window
    missing: int = 0
    notes: tuple[str, ...] = field(default=())

    def units(self) -> dict[str, str]:
        """Each metric's unit, the currency named."""
        return {m: self.currency if UNITS[m] == "currency" else UNITS[m] for m in self.metrics}


def option_metrics(option: Itinerary) -> dict[str, float]:
    """One option's value in every metric (see the module's rule)."""
    # a truck-only option can leave whenever the cargo is ready: its ready-by is the window's end, and it is
    # timed from its departure; a scheduled one is timed for cargo ready at its ready-by
    start = min(option.depart, option.ready_by or option.depart)
    return {
        "time": (option.arrive - start).total_seconds() / 3600.0,
        "cost": option.cost,
        "co2e": option.co2e_kg_wtw,
        "distance": option.distance_km,
        "transfers": float(max(0, len(option.legs) - 1)),
    }


def _best(options: Sequence[Itinerary], metrics: Sequence[str]) -> list[float]:
    """Each metric's least value over ``options``; NaN when there are none."""
    if not options:
        return [math.nan] * len(metrics)
    values = [option_metrics(o) for o in options]
    return [min(v[m] for v in values) for m in metrics]


def _skim_origin(
    bundle: Bundle,
    origin: str,
    destinations: Sequence[str],
    shipment: Shipment,
    *,
    window_days: float,
    engine: str = "auto",
) -> list[list[Itinerary]]:
    """The Pareto options over the window from ``origin`` to each of ``destinations`` (none: no route).

    What ``find_routes`` answers for each pair as a range query (nothing folded), from one one-to-many
    search on one network a ready time (:func:`~intermodal.planners._solve._profile_many`), not one range
    query a destination. Every origin's network holds every place, so a skim's origins share one network.
    """
    o = resolve_place(bundle, origin, field="from")
    others = [d for d in dict.fromkeys(destinations) if d != origin]
    if not others:
        return [[] for _ in destinations]
    places = [resolve_place(bundle, d, field="to") for d in others]
    net = _Network(
        bundle,
        shipment,
        o,
        places[0],
        carbon_price=bundle.manifest.carbon_price_per_t or 0.0,
        engine=engine,
        destinations=[o, *places],  # the same nodes from every origin: one network for the skim
    )
    ready_s = int(net.shipment.ready.timestamp())
    window_s = int(window_days * 86400)
    net.expand(ready_s, ready_s + window_s + int(_HORIZON_DAYS * 86400))
    nodes = [net.net.node(p, outbound=False) for p in places]
    rows = _profile_many(net, nodes, ready_s, ready_s + window_s, max_labels=_MAX_LABELS)
    by_place = dict(zip(others, rows, strict=True))
    return [by_place.get(d, []) for d in destinations]


@dataclass(frozen=True)
class _RowJob:
    """What every origin's row shares: sent once to the workers of a cluster."""

    bundle: Bundle
    places: tuple[str, ...]
    shipment: Shipment
    window_days: float
    metrics: tuple[str, ...]
    engine: str


def _skim_row(job: _RowJob, origin: str) -> list[list[float]]:
    """One origin's row of the skim: each metric's best value to each place (a task of :func:`skim`)."""
    row = _skim_origin(
        job.bundle, origin, job.places, job.shipment, window_days=job.window_days, engine=job.engine
    )
    return [_best(options, job.metrics) for options in row]


def check_zones(bundle: Bundle, zones: Sequence[Zone]) -> None:
    """Every zone's place is one a route query accepts: a point within a truck's reach of a road terminal.

    Raises
    ------
    InputError
        Naming each zone that is not.
    """
    access = bundle.manifest.access
    road = [t for t in bundle.terminals.values() if Mode.ROAD in t.modes]
    problems = []
    for zone in zones:
        if zone.terminal_id is not None or zone.lat is None or zone.lon is None:
            continue
        lat, lon = zone.lat, zone.lon
        km = min((great_circle_km(lat, lon, t.lat, t.lon) * access.circuity for t in road), default=math.inf)
        if km > access.max_km:
            problems.append(
                Problem(
                    f"zone {zone.id} ({zone.name}) is too far from the network: {km:.0f} km by road",
                    field="zone",
                    found=zone.place,
                    expected=f"a place within {access.max_km:g} km by road of a terminal",
                )
            )
    if problems:
        raise InputError(problems)


def skim(
    bundle: Bundle,
    zones: Sequence[Zone],
    shipment: Shipment,
    *,
    window_days: float = 7.0,
    metrics: Sequence[str] = ("time", "cost", "co2e"),
    engine: str = "auto",
    progress: Callable[[int, int], None] | None = None,
    executor: Executor | None = None,
) -> Skim:
    """The skim between ``zones`` for ``shipment`` (its size, cargo class and the window's start, ``ready``).

    Zones on the same place share their row and column: each distinct place is searched once as an origin.

    Parameters
    ----------
    bundle
        The network.
    zones
        The zones, each with its place.
    shipment
        What one cell's options carry, and from when (its ready time starts the window).
    window_days
        The options are those for cargo ready at any time in this many days from the ready time.
    metrics
        Some of :data:`METRICS`.
    engine
        As for :func:`~intermodal.planners.routing.find_routes`.
    progress
        Called with (origins done, origins) after each distinct origin.
    executor
        Where the origins' rows are computed, one task each (default: in this process, one after another);
        every executor gives the same skim.

    Raises
    ------
    InputError
        An unknown metric, or a zone the network cannot reach.
    """
    unknown = [m for m in metrics if m not in METRICS]
    if unknown or not metrics:
        raise InputError(
            Problem("unknown metric", field="metrics", found=",".join(unknown), expected=", ".join(METRICS))
        )
    check_zones(bundle, zones)
    places = list(dict.fromkeys(z.place for z in zones))
    at = {p: i for i, p in enumerate(places)}
    n = len(places)
    grid = np.full((len(metrics), n, n), math.nan)
    job = _RowJob(bundle, tuple(places), shipment, window_days, tuple(metrics), engine)
    rows = (executor or InProcess()).map(_skim_row, job, places, progress)
    for i, row in enumerate(rows):
        for j, best in enumerate(row):
            grid[:, i, j] = 0.0 if i == j else best
    missing = int(np.isnan(grid[0]).sum())
    index = np.array([at[z.place] for z in zones], dtype=np.int64)
    values = {m: grid[k][np.ix_(index, index)] for k, m in enumerate(metrics)}
    notes = []
    if missing:
        notes.append(f"{missing} of {n * (n - 1)} pairs of places have no option in the window (NaN)")
    if len(places) < len(zones):
        notes.append(f"{len(zones)} zones on {len(places)} distinct places: zones on one place share a row")
    return Skim(
        scenario=bundle.name,
        zones=tuple(zones),
        metrics=tuple(metrics),
        values=values,
        start=shipment.ready,
        window_days=window_days,
        cargo=str(shipment.cargo),
        teu=shipment.teu,
        currency=bundle.manifest.currency,
        missing=missing,
        notes=tuple(notes),
    )
