"""Emission factor tables: every number with its source (GLEC Framework v3 / ISO 14083)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from intermodal.model.network import Mode

__all__ = ["Adjustment", "EmissionFactor", "FactorTable", "FactorUnit"]


class FactorUnit(StrEnum):
    """The activity an emission factor is per."""

    G_PER_TONNE_KM = "g/t-km"
    G_PER_TEU_KM = "g/TEU-km"
    KG_PER_TONNE = "kg/t"
    KG_PER_CONTAINER = "kg/container"


@dataclass(frozen=True)
class EmissionFactor:
    """An emission intensity, split well-to-tank (WTT) and tank-to-wheel (TTW).

    Attributes
    ----------
    id
        Referenced by links, services and terminals.
    mode
        The transport mode, or ``None`` for a hub operation.
    unit
        What the factor is per: a tonne-km or TEU-km for legs, a tonne or a container for hubs.
    wtt, ttw
        g (legs) or kg (hubs) CO2e per unit. WTW is their sum.
    reefer_variant
        Id of the factor that replaces this one for temperature-controlled cargo, where the source gives one
        (GLEC gives reefer container-ship factors). Without it, reefer adjustments apply.
    source
        Publication, table and page, or ``assumption``/``derived: ...``.
    measured
        True for a carrier's measured factor (ISO 14083 prefers these to defaults).
    """

    id: str
    mode: Mode | None
    unit: FactorUnit
    wtt: float
    ttw: float
    description: str
    source: str
    reefer_variant: str | None = None
    measured: bool = False

    @property
    def wtw(self) -> float:
        return self.wtt + self.ttw


@dataclass(frozen=True)
class Adjustment:
    """A multiplier on the transport factors of one mode when a condition holds.

    ``condition`` is ``region=<name>`` (matched against the bundle's region) or ``cargo=reefer``.
    """

    id: str
    mode: Mode
    condition: str
    multiplier: float
    description: str
    source: str


@dataclass(frozen=True)
class FactorTable:
    """The emission factors and adjustments of a bundle."""

    factors: Mapping[str, EmissionFactor]
    adjustments: tuple[Adjustment, ...] = ()
    #: ids of rows that failed validation (only while loading; a loaded bundle has none)
    broken: frozenset[str] = frozenset()

    def __getitem__(self, factor_id: str) -> EmissionFactor:
        return self.factors[factor_id]

    def __contains__(self, factor_id: object) -> bool:
        return factor_id in self.factors
