"""The model: plain, immutable data about a freight network (layer 1).

Terminals, links, services, border crossings and factor tables, gathered in a :class:`Bundle`. The model is
validated once, when it is loaded by :mod:`intermodal.io`; everything above trusts it. It imports nothing from
intermodal but :mod:`intermodal.exceptions`.
"""

from intermodal.model.availability import Availability, DepartureRoom
from intermodal.model.bundle import Access, Bundle, Manifest
from intermodal.model.factors import Adjustment, EmissionFactor, FactorTable, FactorUnit
from intermodal.model.itinerary import ElementEmissions, HubOperation, Inventory, Itinerary, Leg, Names
from intermodal.model.network import (
    BorderCrossing,
    Calendar,
    CostUnit,
    Link,
    Mode,
    ModeHandling,
    Service,
    ServiceStop,
    Terminal,
)
from intermodal.model.reliability import LoadFactor, Reliability, Spread
from intermodal.model.shipment import Cargo, CargoKind, ContainerConversions, Shipment
from intermodal.model.tariffs import Equipment, RateUnit, Tariff, choose_tariff, equipment_for

__all__ = [
    "Access",
    "Adjustment",
    "Availability",
    "BorderCrossing",
    "Bundle",
    "Calendar",
    "Cargo",
    "CargoKind",
    "ContainerConversions",
    "CostUnit",
    "DepartureRoom",
    "ElementEmissions",
    "EmissionFactor",
    "Equipment",
    "FactorTable",
    "FactorUnit",
    "HubOperation",
    "Inventory",
    "Itinerary",
    "Leg",
    "Link",
    "LoadFactor",
    "Manifest",
    "Mode",
    "ModeHandling",
    "Names",
    "RateUnit",
    "Reliability",
    "Service",
    "ServiceStop",
    "Shipment",
    "Spread",
    "Tariff",
    "Terminal",
    "choose_tariff",
    "equipment_for",
]
