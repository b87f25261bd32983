"""The public API is curated: this list changes only on purpose."""

import intermodal


def test_public_api_is_exactly_this() -> None:
    assert sorted(intermodal.__all__) == sorted(
        [
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
    )
    for name in intermodal.__all__:
        assert hasattr(intermodal, name), name
