"""The iLEAP ShipmentFootprint export keeps every element and every gram."""

from __future__ import annotations

import re
from decimal import Decimal

import intermodal as im
from intermodal.io.ileap import shipment_footprint

DECIMAL = re.compile(r"^-?\d+(\.\d+)?$")


def test_footprint_has_a_tce_per_element_and_the_same_totals() -> None:
    b = im.load_scenario()
    s = im.make_shipment(b, teu=2, cargo="reefer", ready="2020-04-03T08:00+08:00")
    doc = im.find_routes(b, "nanpeng", "bangkok", s).to_dict()
    option = doc["options"][1]
    fp = shipment_footprint(option, shipment_id="S1", tonnes=doc["query"]["tonnes"])
    tces = fp["data"]["tces"]
    assert len(tces) == len(option["legs"]) + len(option["hubs"])
    assert sum(Decimal(t["co2eWTW"]) for t in tces) == sum(
        Decimal(str(e["co2e_kg_wtw"])) for e in (*option["legs"], *option["hubs"])
    )
    assert fp["data"]["mass"] == "17200"
    for i, t in enumerate(tces):
        assert t["prevTceIds"] == ([tces[i - 1]["tceId"]] if i else [])
        assert ("tocId" in t) != ("hocId" in t)
        for key in ("mass", "co2eWTW", "co2eTTW"):
            assert DECIMAL.match(t[key]), (key, t[key])
