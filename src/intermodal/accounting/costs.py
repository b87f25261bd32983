"""Costs of transport chain elements, in the bundle's currency: legs, hub handling, border clearance."""

from __future__ import annotations

from intermodal.model import BorderCrossing, CostUnit, Link, ModeHandling, Service, Terminal

__all__ = ["clearance_cost", "handling_cost", "link_cost", "service_cost"]


def link_cost(link: Link, *, teu: float, tonnes: float, distance_km: float | None = None) -> float:
    """What a flexible (trucked) leg over ``link`` costs: its rate per TEU-km or t-km, plus fixed charges."""
    km = link.distance_km if distance_km is None else distance_km
    quantity = teu if link.cost_unit is CostUnit.TEU_KM else tonnes
    return link.cost_per_unit * quantity * km + link.fixed_cost_per_teu * teu


def service_cost(service: Service, *, distance_km: float, teu: float) -> float:
    """The fare for riding ``service`` over ``distance_km``: per TEU-km plus a fixed charge per TEU."""
    return (service.cost_per_teu_km * distance_km + service.fixed_cost_per_teu) * teu


def handling_cost(terminal: Terminal, *, teu: float, rule: ModeHandling | None = None) -> float:
    """Moving the shipment from one vehicle to another at ``terminal``, by ``rule`` where one applies."""
    if rule is not None and rule.handling_cost_per_teu is not None:
        return rule.handling_cost_per_teu * teu
    return terminal.handling_cost_per_teu * teu


def clearance_cost(crossing: BorderCrossing, *, teu: float) -> float:
    """Customs clearance of the shipment at a crossing."""
    return crossing.clearance_cost_per_teu * teu
