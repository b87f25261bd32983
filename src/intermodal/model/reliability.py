"""How long things really take: lognormal times per service, crossing and hub, measured or assumed.

A :class:`Spread` is a lognormal time in hours: half the draws fall below ``median_h``, and ``sigma`` is the
spread of the time's logarithm (0.1: about two thirds of the draws within ±10 % of the median). The ledger's
calibration (:mod:`intermodal.ledger.calibration`) fits them; the planners turn them into the probability of
arriving by a due time (:mod:`intermodal.planners.reliability`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from statistics import NormalDist

__all__ = ["LoadFactor", "Reliability", "Spread"]


@dataclass(frozen=True)
class Spread:
    """A lognormal time in hours, with how many observations it was fitted from and where it comes from.

    Attributes
    ----------
    median_h
        Half of the times are shorter.
    sigma
        The standard deviation of the time's natural logarithm (0: always ``median_h``).
    n
        The observations it was fitted from (0 for an assumption).
    source
        ``measured: ledger 2019, n = 412`` or ``assumption: ...``.
    planned_h
        For a service: the timetable's end-to-end time the fit is set against, so a ride on part of the
        service scales by ``median_h / planned_h``. ``None`` for crossings and hubs.
    """

    median_h: float
    sigma: float
    n: int = 0
    source: str = "assumption"
    planned_h: float | None = None

    def __post_init__(self) -> None:
        if not (math.isfinite(self.median_h) and self.median_h > 0):
            raise ValueError(f"median_h must be a positive number of hours, not {self.median_h!r}")
        if not (math.isfinite(self.sigma) and self.sigma >= 0):
            raise ValueError(f"sigma must be 0 or more, not {self.sigma!r}")
        if self.planned_h is not None and not (math.isfinite(self.planned_h) and self.planned_h > 0):
            raise ValueError(f"planned_h must be a positive number of hours, not {self.planned_h!r}")

    def quantile(self, q: float) -> float:
        """The time (hours) that a share ``q`` of the draws stay below."""
        return self.median_h * math.exp(self.sigma * NormalDist().inv_cdf(q))


@dataclass(frozen=True)
class LoadFactor:
    """The share of a service's capacity its departures really carried (booked TEU / capacity TEU)."""

    mean: float
    n: int
    source: str = "assumption"


@dataclass(frozen=True)
class Reliability:
    """The time spreads of a network's services, crossings and hubs (by id), and its measured load factors.

    An element without a spread keeps its timetable time exactly.
    """

    services: Mapping[str, Spread] = field(default_factory=dict)
    crossings: Mapping[str, Spread] = field(default_factory=dict)
    hubs: Mapping[str, Spread] = field(default_factory=dict)
    load_factors: Mapping[str, LoadFactor] = field(default_factory=dict)
    #: what the spreads were fitted from, e.g. ``ledger 2019``; empty for assumptions
    period: str = ""

    def __bool__(self) -> bool:
        return bool(self.services or self.crossings or self.hubs)
