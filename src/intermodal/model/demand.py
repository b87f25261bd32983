"""Zones, origin-destination demand and the parameters of mode and route choice (docs/skims.md).

A zone is where demand starts or ends. It stands on the network as one place that ``find_routes`` accepts: a
terminal, or a point (latitude, longitude) that reaches the nearest road terminals by truck, as a "lat,lon"
route query does. Skims and assignment route between these places.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from intermodal.model.shipment import Cargo

__all__ = ["ChoiceParams", "DemandCell", "Zone"]


@dataclass(frozen=True)
class Zone:
    """One zone: a positive integer id (the OMX mapping's key), a name, and its place on the network."""

    id: int
    name: str
    terminal_id: str | None = None
    lat: float | None = None
    lon: float | None = None
    source: str = "assumption"

    @property
    def place(self) -> str:
        """The place as a route query names it: the terminal id, or ``"lat,lon"``."""
        if self.terminal_id is not None:
            return self.terminal_id
        return f"{self.lat},{self.lon}"


@dataclass(frozen=True)
class DemandCell:
    """TEU of one cargo class to move from one zone to another in one period.

    ``tonnes`` is what the file gave, or the TEU times the scenario's tonnes per TEU. ``period`` is the first
    day of the period (the assignment's window starts there), or ``None`` when the file does not say.
    """

    origin: int
    destination: int
    cargo: Cargo
    teu: float
    tonnes: float
    period: date | None = None


@dataclass(frozen=True)
class ChoiceParams:
    """How shippers choose between a pair's options (a choice.toml file; docs/skims.md).

    Generalized cost per TEU = cost + ``value_of_time`` x door-to-door hours + ``carbon_price`` x tonnes
    CO2e (WTW). A multinomial logit gives option ``i`` the share ``exp(V_i) / sum_j exp(V_j)`` with
    ``V_i = -scale * cost_i / 1000 + asc[mode_i]``.
    """

    value_of_time: float = 10.0
    carbon_price: float = 0.0
    scale: float = 0.5
    asc: dict[str, float] = field(default_factory=dict)
    #: what a TEU left behind costs, per TEU: the not-carried "option" of every pair
    not_carried_cost: float = 100_000.0
    #: the first step of the price of a departure's room, per TEU (later steps shrink as 1/k)
    capacity_penalty: float = 5_000.0
    iterations: int = 500
    gap: float = 1e-3
    sources: dict[str, str] = field(default_factory=dict)
