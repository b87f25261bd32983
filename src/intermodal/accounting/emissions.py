"""Emissions of transport chain elements, by the GLEC Framework v3 / ISO 14083 method.

A leg's emissions are its activity (tonne-km, or TEU-km for container ships) times an intensity factor,
after the adjustments that apply (region, temperature control). A hub operation's are tonnes or containers
handled times a hub factor. WTW = WTT + TTW throughout.
"""

from __future__ import annotations

from dataclasses import dataclass

from intermodal.model import EmissionFactor, FactorTable, FactorUnit, Mode

__all__ = ["Emissions", "Intensity", "hub_emissions", "hub_intensity", "leg_emissions", "transport_intensity"]


@dataclass(frozen=True)
class Intensity:
    """A factor resolved for one use: the base factor, the adjustments applied, and the result.

    ``wtt`` and ``ttw`` are in the unit of the factor (g per t-km or TEU-km, kg per t or container).
    """

    factor_id: str
    unit: FactorUnit
    wtt: float
    ttw: float
    multiplier: float
    adjustments: tuple[str, ...]
    source: str
    measured: bool

    @property
    def wtw(self) -> float:
        return self.wtt + self.ttw


@dataclass(frozen=True)
class Emissions:
    """kg CO2e of one element, with the activity it was computed on."""

    wtt_kg: float
    ttw_kg: float
    activity: float
    activity_unit: str

    @property
    def wtw_kg(self) -> float:
        return self.wtt_kg + self.ttw_kg


ZERO = Emissions(0.0, 0.0, 0.0, "")


def _resolve(factor: EmissionFactor, factors: FactorTable, reefer: bool) -> EmissionFactor:
    if reefer and factor.reefer_variant:
        return factors[factor.reefer_variant]
    return factor


def transport_intensity(
    factors: FactorTable, factor_id: str, *, mode: Mode, region: str, reefer: bool
) -> Intensity:
    """The intensity of a leg of ``mode`` under ``factor_id``, adjusted for region and reefer cargo.

    A factor with a reefer variant (GLEC's reefer container-ship rows) is replaced by it for reefer cargo,
    and the ``cargo=reefer`` multipliers are then not applied again.
    """
    base = factors[factor_id]
    used = _resolve(base, factors, reefer)
    multiplier = 1.0
    applied: list[str] = []
    for adj in factors.adjustments:
        if adj.mode is not mode:
            continue
        if adj.condition == "cargo=reefer" and not (reefer and used is base):
            continue
        if adj.condition.startswith("region=") and adj.condition[7:] != region:
            continue
        multiplier *= adj.multiplier
        applied.append(adj.id)
    return Intensity(
        factor_id=used.id,
        unit=used.unit,
        wtt=used.wtt * multiplier,
        ttw=used.ttw * multiplier,
        multiplier=multiplier,
        adjustments=tuple(applied),
        source=used.source,
        measured=used.measured,
    )


def hub_intensity(factors: FactorTable, factor_id: str, *, reefer: bool) -> Intensity:
    """The intensity of a hub operation (transshipment, port terminal), reefer variant where given."""
    used = _resolve(factors[factor_id], factors, reefer)
    return Intensity(used.id, used.unit, used.wtt, used.ttw, 1.0, (), used.source, used.measured)


def leg_emissions(intensity: Intensity, *, distance_km: float, teu: float, tonnes: float) -> Emissions:
    """Emissions of moving ``teu`` boxes holding ``tonnes`` over ``distance_km`` (grams to kg)."""
    if intensity.unit is FactorUnit.G_PER_TEU_KM:
        activity, unit = teu * distance_km, "TEU-km"
    elif intensity.unit is FactorUnit.G_PER_TONNE_KM:
        activity, unit = tonnes * distance_km, "t-km"
    else:
        raise ValueError(f"{intensity.factor_id} is a hub factor ({intensity.unit}), not a transport one")
    return Emissions(intensity.wtt * activity / 1000.0, intensity.ttw * activity / 1000.0, activity, unit)


def hub_emissions(intensity: Intensity, *, teu: float, tonnes: float) -> Emissions:
    """Emissions of handling the shipment once at a hub (kg factors; containers counted as TEU)."""
    if intensity.unit is FactorUnit.KG_PER_TONNE:
        activity, unit = tonnes, "t"
    elif intensity.unit is FactorUnit.KG_PER_CONTAINER:
        activity, unit = teu, "TEU"
    else:
        raise ValueError(f"{intensity.factor_id} is a transport factor ({intensity.unit}), not a hub one")
    return Emissions(intensity.wtt * activity, intensity.ttw * activity, activity, unit)
