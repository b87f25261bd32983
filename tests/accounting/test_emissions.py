"""Worked examples written out by hand from the GLEC v3.0 tables, checked to the gram, and the invariants."""

from __future__ import annotations

import dataclasses
import math

import pytest

import intermodal as im
from intermodal.accounting import hub_emissions, hub_intensity, leg_emissions, transport_intensity
from intermodal.model import Itinerary, Mode

READY = "2020-04-03T08:00+08:00"
GRAM = 0.001  # kg

# GLEC Framework v3.0 (2024-02-04), by hand:
TRUCK_WTT, TRUCK_TTW = 22.0, 73.0  # Table 8 p.92, articulated truck, g/t-km
ASIA, REEFER = 1.22, 1.12  # p.94
IWW_WTT, IWW_TTW = 6.3, 20.7  # Table 2 p.86, 110 m container vessel, g/t-km
SEA_WTT, SEA_TTW = 21.5, 136.4  # Table 17 p.100, intra-Southeast Asia container ship, g/TEU-km
TRANSSHIP, TRANSSHIP_MIXED = 0.6, 2.2  # Table 3 p.87, kg/t
MARITIME_TERMINAL = 10.7  # Table 3 p.87, kg per container (counted per TEU)
# China electric rail: 6.4 g/t-km (Table 5, EU 2020 grid) / 275 g/kWh (EU grid, assumption) x 536.6 g/kWh
CN_RAIL = 12.49
TONNES = 2 * 8.6  # 2 TEU at the scenario's 8.6 t/TEU (seed: 6,900 t / 806 TEU)


@pytest.fixture(scope="module")
def bundle() -> im.Bundle:
    return im.load_scenario("chongqing")


def option_with(result: im.RouteResult, services: list[str | None]) -> Itinerary:
    for it in result.options:
        if [g.service for g in it.legs] == services:
            return it
    raise AssertionError(
        f"no option rides {services}: {[[g.service for g in o.legs] for o in result.options]}"
    )


def check(actual: float, expected: float) -> None:
    assert actual == pytest.approx(expected, abs=GRAM)


def test_reefer_truck_chongqing_hanoi(bundle: im.Bundle) -> None:
    s = im.make_shipment(bundle, teu=2, cargo="reefer", ready=READY)
    it = option_with(im.find_routes(bundle, "nanpeng", "hanoi", s), ["shuttle-east-double"])
    (leg,) = it.legs
    assert leg.distance_km == 900 + 180 + 320  # Nanpeng-Nanning-Dongxing-Hanoi
    tkm = TONNES * 1400
    check(leg.emissions.wtt_kg, tkm * TRUCK_WTT * ASIA * REEFER / 1000)  # 723.864 kg
    check(leg.emissions.ttw_kg, tkm * TRUCK_TTW * ASIA * REEFER / 1000)  # 2,401.913 kg
    handling = [h for h in it.hubs if h.kind == "handling"]
    assert [h.terminal_id for h in handling] == ["nanpeng", "hanoi"]
    for h in handling:  # reefer cargo: GLEC's mixed ambient/temperature-controlled hub factor
        check(h.emissions.wtw_kg, TONNES * TRANSSHIP_MIXED)
    check(it.co2e_kg_wtw, tkm * (TRUCK_WTT + TRUCK_TTW) * ASIA * REEFER / 1000 + 2 * TONNES * TRANSSHIP_MIXED)


def test_rail_sea_chongqing_qinzhou_singapore(bundle: im.Bundle) -> None:
    s = im.make_shipment(bundle, teu=2, ready=READY)
    it = option_with(
        im.find_routes(bundle, "tuanjiecun", "singapore", s), ["railsea-south", "sea-qinzhou-singapore"]
    )
    rail, sea = it.legs
    assert rail.distance_km == 1445 and sea.distance_km == 2600
    check(rail.emissions.wtt_kg, TONNES * 1445 * CN_RAIL / 1000)  # 310.426 kg, all upstream
    check(rail.emissions.ttw_kg, 0.0)
    check(sea.emissions.wtt_kg, 2 * 2600 * SEA_WTT / 1000)  # 111.800 kg
    check(sea.emissions.ttw_kg, 2 * 2600 * SEA_TTW / 1000)  # 709.280 kg
    hubs = {h.terminal_id: h.emissions.wtw_kg for h in it.hubs if h.kind == "handling"}
    check(hubs["tuanjiecun"], TONNES * TRANSSHIP)  # 10.320 kg
    check(hubs["qinzhou"], 2 * MARITIME_TERMINAL)  # 21.400 kg
    check(hubs["singapore"], 2 * MARITIME_TERMINAL)
    check(it.co2e_kg_wtw, 1184.626)


def test_yangtze_barge_with_transshipment_at_shanghai(bundle: im.Bundle) -> None:
    s = im.make_shipment(bundle, teu=2, ready=READY)
    it = option_with(im.find_routes(bundle, "foeryan", "shanghai", s), ["yangtze-down"])
    (barge,) = it.legs
    assert barge.distance_km == 45 + 2400 and barge.via == ("guoyuan",)
    check(barge.emissions.wtt_kg, TONNES * 2445 * IWW_WTT / 1000)  # 264.940 kg
    check(barge.emissions.ttw_kg, TONNES * 2445 * IWW_TTW / 1000)  # 870.518 kg
    port = [h for h in it.hubs if h.terminal_id == "shanghai"]
    check(port[0].emissions.wtw_kg, 2 * MARITIME_TERMINAL)
    check(it.co2e_kg_wtw, 264.94 + 870.5178 + TONNES * TRANSSHIP + 2 * MARITIME_TERMINAL)


def test_totals_are_sums_and_wtw_is_wtt_plus_ttw(bundle: im.Bundle) -> None:
    s = im.make_shipment(bundle, teu=2, cargo="reefer", ready=READY)
    for dest in ("bangkok", "singapore", "yangon", "shanghai"):
        for it in im.find_routes(bundle, "nanpeng", dest, s).options:
            elements = [*it.legs, *it.hubs]
            assert math.isclose(it.co2e_kg_wtw, sum(e.emissions.wtw_kg for e in elements))
            assert math.isclose(it.co2e_kg_wtt, sum(e.emissions.wtt_kg for e in elements))
            for e in elements:
                assert math.isclose(e.emissions.wtw_kg, e.emissions.wtt_kg + e.emissions.ttw_kg)


def test_doubling_the_cargo_doubles_tonne_km_emissions(bundle: im.Bundle) -> None:
    truck = transport_intensity(
        bundle.factors, "road_truck_container", mode=Mode.ROAD, region="asia", reefer=False
    )
    one = leg_emissions(truck, distance_km=1000, teu=1, tonnes=8.6)
    two = leg_emissions(truck, distance_km=1000, teu=2, tonnes=17.2)
    assert two.wtw_kg == pytest.approx(2 * one.wtw_kg) and two.activity == pytest.approx(2 * one.activity)
    # and through the whole planner: the same route with twice the boxes and tonnes
    small = im.make_shipment(bundle, teu=1, ready=READY)
    big = dataclasses.replace(small, teu=2.0, tonnes=2 * small.tonnes)
    a = option_with(
        im.find_routes(bundle, "tuanjiecun", "singapore", small), ["railsea-south", "sea-qinzhou-singapore"]
    )
    b = option_with(
        im.find_routes(bundle, "tuanjiecun", "singapore", big), ["railsea-south", "sea-qinzhou-singapore"]
    )
    for leg_a, leg_b in zip(a.legs, b.legs, strict=True):
        assert leg_b.emissions.wtw_kg == pytest.approx(2 * leg_a.emissions.wtw_kg)


def test_reefer_variant_replaces_rather_than_adjusts(bundle: im.Bundle) -> None:
    ship = transport_intensity(
        bundle.factors, "sea_container_intra_sea", mode=Mode.SEA, region="asia", reefer=True
    )
    assert ship.factor_id == "sea_container_intra_sea_reefer" and ship.wtw == pytest.approx(254.9)
    assert ship.adjustments == ()
    hub = hub_intensity(bundle.factors, "hub_transshipment", reefer=True)
    assert hub_emissions(hub, teu=1, tonnes=10).wtw_kg == pytest.approx(22.0)
