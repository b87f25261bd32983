"""Costs of transport chain elements, in the bundle's currency: legs, hub handling, border clearance,
tariffs, storage in a yard and the cargo's inventory carrying."""

from __future__ import annotations

from intermodal.model import (
    BorderCrossing,
    CostUnit,
    Link,
    ModeHandling,
    RateUnit,
    Service,
    Tariff,
    Terminal,
)

__all__ = [
    "clearance_cost",
    "handling_cost",
    "inventory_cost",
    "link_cost",
    "service_cost",
    "storage_cost",
    "tariff_charges",
]

#: seconds in a day and in a year of 365 days: storage is charged per day, carrying per year
DAY_S = 86_400.0
YEAR_S = 365.0 * DAY_S


def link_cost(link: Link, *, teu: float, tonnes: float, distance_km: float | None = None) -> float:
    """What a flexible (trucked) leg over ``link`` costs: its rate per TEU-km or t-km, plus fixed charges."""
    km = link.distance_km if distance_km is None else distance_km
    quantity = teu if link.cost_unit is CostUnit.TEU_KM else tonnes
    return link.cost_per_unit * quantity * km + link.fixed_cost_per_teu * teu


def service_cost(service: Service, *, distance_km: float, teu: float) -> float:
    """The fare for riding ``service`` over ``distance_km``: per TEU-km plus a fixed charge per TEU."""
    return (service.cost_per_teu_km * distance_km + service.fixed_cost_per_teu) * teu


def tariff_charges(tariff: Tariff, *, teu: float, reefer: bool, dg: bool) -> tuple[float, float]:
    """What riding under ``tariff`` costs the shipment: ``(flat charge, charge per km)``.

    The flat charge is the rate per box or per TEU (at least the minimum charge) plus the fixed charge and
    the reefer and dangerous-goods surcharges per TEU that apply; a TEU-km rate is charged per km ridden.
    A minimum charge goes only with a flat rate (the loader sees to it), since a TEU-km charge depends on
    where cargo leaves.
    """
    surcharge = tariff.fixed_per_teu + (tariff.reefer_surcharge_per_teu if reefer else 0.0)
    surcharge += tariff.dg_surcharge_per_teu if dg else 0.0
    if tariff.rate_unit is RateUnit.TEU_KM:
        return surcharge * teu, tariff.rate * teu
    # the loader refuses a rate per box of "any" equipment
    units = teu / tariff.equipment.teu if tariff.rate_unit is RateUnit.BOX else teu
    return max(tariff.rate * units, tariff.minimum_charge) + surcharge * teu, 0.0


def storage_cost(tariff: Tariff, *, teu: float, seconds: float) -> float:
    """Storage of the shipment in a yard for ``seconds``, past the tariff's free days, pro rata."""
    return storage_rate_s(tariff, teu=teu) * max(0.0, seconds - tariff.free_days * DAY_S)


def storage_rate_s(tariff: Tariff, *, teu: float) -> float:
    """The storage of the shipment per second past the free days."""
    return tariff.storage_per_teu_day * teu / DAY_S


def inventory_cost(value: float, rate_per_year: float, *, seconds: float) -> float:
    """Carrying cargo worth ``value`` for ``seconds`` at an annual rate (capital, insurance, decay)."""
    return value * rate_per_year * max(0.0, seconds) / YEAR_S


def handling_cost(terminal: Terminal, *, teu: float, rule: ModeHandling | None = None) -> float:
    """Moving the shipment from one vehicle to another at ``terminal``, by ``rule`` where one applies."""
    if rule is not None and rule.handling_cost_per_teu is not None:
        return rule.handling_cost_per_teu * teu
    return terminal.handling_cost_per_teu * teu


def clearance_cost(crossing: BorderCrossing, *, teu: float) -> float:
    """Customs clearance of the shipment at a crossing."""
    return crossing.clearance_cost_per_teu * teu
