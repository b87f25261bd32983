"""Export a route option as an iLEAP ShipmentFootprint with its transport chain elements (TCEs).

iLEAP extends the PACT data exchange with logistics emissions per ISO 14083 / GLEC. A footprint is wrapped
as a PACT DataModelExtension. iLEAP numbers are decimal strings; masses are kg and emissions kg CO2e.
"""

from __future__ import annotations

from typing import Any

__all__ = ["shipment_footprint"]

SPEC_VERSION = "2.0.0"
DATA_SCHEMA = "https://api.ileap.sine.dev/shipment-footprint.json"


def _dec(x: float, places: int = 3) -> str:
    """A decimal string as iLEAP wants it: ``^-?\\d+(\\.\\d+)?$``, no exponent."""
    text = f"{x:.{places}f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def shipment_footprint(option: dict[str, Any], *, shipment_id: str, tonnes: float) -> dict[str, Any]:
    """The iLEAP ShipmentFootprint of one option of the route JSON (docs/json-output.md).

    Each leg becomes a TCE with a ``tocId`` (its service, or its emission factor for a truck), each hub
    operation a TCE with a ``hocId``; ``prevTceIds`` chain them in time order.
    """
    mass = _dec(tonnes * 1000)
    elements = [("leg", e, e["depart"]) for e in option["legs"]] + [
        ("hub", e, e["start"]) for e in option["hubs"]
    ]
    elements.sort(key=lambda item: item[2])
    tces: list[dict[str, Any]] = []
    for n, (kind, e, _) in enumerate(elements, start=1):
        tce: dict[str, Any] = {
            "tceId": f"{shipment_id}-{n}",
            "prevTceIds": [tces[-1]["tceId"]] if tces else [],
            "shipmentId": shipment_id,
            "mass": mass,
            "co2eWTW": _dec(e["co2e_kg_wtw"]),
            "co2eTTW": _dec(e["co2e_kg_ttw"]),
        }
        if kind == "leg":
            tce["tocId"] = e["service"] or e["emission_factor"] or e["mode"]
            tce["distance"] = {"actual": _dec(e["distance_km"])}
            tce["transportActivity"] = _dec(tonnes * e["distance_km"])
            tce["departureAt"] = e["depart"]
            tce["arrivalAt"] = e["arrive"]
            tce["origin"] = {"locationName": e["from_name"]["en"], "locationId": e["from"]}
            tce["destination"] = {"locationName": e["to_name"]["en"], "locationId": e["to"]}
        else:
            tce["hocId"] = f"{e['kind']}:{e['terminal']}"
        tces.append(tce)
    return {
        "specVersion": SPEC_VERSION,
        "dataSchema": DATA_SCHEMA,
        "data": {"mass": mass, "shipmentId": shipment_id, "tces": tces},
    }
