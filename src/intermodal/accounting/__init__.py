"""Cost and emission accounting (layer 2): ISO 14083 / GLEC transport chain elements from factors.

Pure functions of the model: the planners use them for edge weights and for the breakdown of an itinerary.
Nothing here knows about search.
"""

from intermodal.accounting.costs import clearance_cost, handling_cost, link_cost, service_cost
from intermodal.accounting.emissions import (
    Emissions,
    Intensity,
    hub_emissions,
    hub_intensity,
    leg_emissions,
    transport_intensity,
)

__all__ = [
    "Emissions",
    "Intensity",
    "clearance_cost",
    "handling_cost",
    "hub_emissions",
    "hub_intensity",
    "leg_emissions",
    "link_cost",
    "service_cost",
    "transport_intensity",
]
