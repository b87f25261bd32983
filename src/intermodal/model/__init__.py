"""The model: plain, immutable data about a freight network (layer 1).

Terminals, links, services, border crossings and factor tables, gathered in a :class:`Bundle`. The model is
validated once, when it is loaded by :mod:`intermodal.io`; everything above trusts it. It imports nothing from
intermodal but :mod:`intermodal.exceptions`.
"""

from intermodal.model.availability import Availability, DepartureRoom
from intermodal.model.bundle import Access, Bundle, Manifest
from intermodal.model.factors import Adjustment, EmissionFactor, FactorTable, FactorUnit
from intermodal.model.itinerary import ElementEmissions, HubOperation, Itinerary, Leg, Names
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
from intermodal.model.shipment import Cargo, CargoKind, ContainerConversions, Shipment

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
    "FactorTable",
    "FactorUnit",
    "HubOperation",
    "Itinerary",
    "Leg",
    "Link",
    "Manifest",
    "Mode",
    "ModeHandling",
    "Names",
    "Service",
    "ServiceStop",
    "Shipment",
    "Terminal",
]
