"""intermodal: road-rail-water freight networks, door-to-door routes by time, cost and CO2e, and operations.

The curated public API; everything else is internal and may change::

    import intermodal as im
    bundle = im.load_scenario("chongqing")
    shipment = im.make_shipment(bundle, teu=2, cargo="reefer", ready="2020-04-03T08:00+08:00")
    result = im.find_routes(bundle, "nanpeng", "bangkok", shipment, objective="pareto")
    for option in result.options:
        print(option.duration_h, option.cost, option.co2e_kg_wtw)
"""

from typing import TYPE_CHECKING, Any

from intermodal.exceptions import (
    BundleError,
    FactorError,
    InputError,
    IntermodalError,
    NoRouteError,
    PlaceError,
    Problem,
    ShipmentError,
)

if TYPE_CHECKING:
    from intermodal.io import list_scenarios, load_bundle, load_scenario, validate_bundle
    from intermodal.model import Availability, Bundle, Cargo, Itinerary, Mode, Reliability, Shipment
    from intermodal.planners.options import FoldMargins
    from intermodal.planners.routing import Objective, RouteResult, find_routes
    from intermodal.planners.search_network import SearchNetwork, compile_search
    from intermodal.planners.shipments import make_shipment

# Imported on first use, so that the CLI, the ledger's worker processes and ``import intermodal`` start fast
# (numpy and the planners cost about a second and a half).
_LAZY = {
    "list_scenarios": "intermodal.io",
    "load_bundle": "intermodal.io",
    "load_scenario": "intermodal.io",
    "validate_bundle": "intermodal.io",
    "Availability": "intermodal.model",
    "Bundle": "intermodal.model",
    "Cargo": "intermodal.model",
    "Itinerary": "intermodal.model",
    "Mode": "intermodal.model",
    "Reliability": "intermodal.model",
    "Shipment": "intermodal.model",
    "FoldMargins": "intermodal.planners.options",
    "Objective": "intermodal.planners.routing",
    "RouteResult": "intermodal.planners.routing",
    "find_routes": "intermodal.planners.routing",
    "SearchNetwork": "intermodal.planners.search_network",
    "compile_search": "intermodal.planners.search_network",
    "make_shipment": "intermodal.planners.shipments",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'intermodal' has no attribute {name!r}")


__version__ = "0.1.0"

__all__ = [
    "Availability",
    "Bundle",
    "BundleError",
    "Cargo",
    "FactorError",
    "FoldMargins",
    "InputError",
    "IntermodalError",
    "Itinerary",
    "Mode",
    "NoRouteError",
    "Objective",
    "PlaceError",
    "Problem",
    "Reliability",
    "RouteResult",
    "SearchNetwork",
    "Shipment",
    "ShipmentError",
    "__version__",
    "compile_search",
    "find_routes",
    "list_scenarios",
    "load_bundle",
    "load_scenario",
    "make_shipment",
    "validate_bundle",
]
