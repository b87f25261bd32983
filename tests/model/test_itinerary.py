"""An itinerary's totals are sums of its elements, whether read before or after it is replaced; its document
shows each time in the zone of the place it happens at."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from intermodal.model import ElementEmissions, HubOperation, Inventory, Itinerary, Leg, Mode, Names

T0 = datetime(2020, 3, 28, 22, 0, tzinfo=UTC)


def leg(start_h: float, hours: float, cost: float, co2e: float, to_tz: str = "Asia/Shanghai") -> Leg:
    place = Names("a", "甲")
    return Leg(
        mode=Mode.ROAD,
        from_id="a",
        to_id="b",
        from_name=place,
        to_name=place,
        from_tz="Asia/Shanghai",
        to_tz=to_tz,
        depart=T0 + timedelta(hours=start_h),
        arrive=T0 + timedelta(hours=start_h + hours),
        distance_km=100.0,
        cost=cost,
        emissions=ElementEmissions(wtt_kg=co2e / 4, ttw_kg=co2e * 3 / 4),
    )


def hub(start_h: float, hours: float, cost: float) -> HubOperation:
    return HubOperation(
        "handling",
        "b",
        Names("b", "乙"),
        "Europe/Berlin",
        T0 + timedelta(hours=start_h),
        T0 + timedelta(hours=start_h + hours),
        cost,
        ElementEmissions(wtt_kg=1.0, ttw_kg=2.0),
    )


def test_totals_are_the_sums_of_the_elements() -> None:
    it = Itinerary((leg(0, 5, 100.0, 40.0), leg(6, 2, 50.0, 8.0)), (hub(5, 1, 20.0),), "CNY")
    assert it.cost == 170.0
    assert it.distance_km == 200.0
    assert it.co2e_kg_wtw == 40.0 + 8.0 + 3.0
    assert it.co2e_kg_wtt == 10.0 + 2.0 + 1.0
    assert it.depart == T0 and it.arrive == T0 + timedelta(hours=8)
    assert it.duration_h == 8.0


def test_a_replaced_itinerary_computes_its_own_totals() -> None:
    """Totals are kept once computed (an itinerary is immutable): a copy with other elements or carrying
    has the totals of what it holds, not those read from the original."""
    it = Itinerary((leg(0, 5, 100.0, 40.0),), (), "CNY")
    assert (it.cost, it.arrive, it.co2e_kg_wtw) == (100.0, T0 + timedelta(hours=5), 40.0)
    carried = dataclasses.replace(it, inventory=Inventory(value=1e6, rate_per_year=0.1, days=1.0, cost=274.0))
    assert carried.cost == 374.0
    longer = dataclasses.replace(it, legs=(*it.legs, leg(5, 3, 10.0, 2.0)))
    assert (longer.cost, longer.arrive, longer.co2e_kg_wtw) == (110.0, T0 + timedelta(hours=8), 42.0)
    assert it.cost == 100.0


def test_reading_a_total_changes_neither_equality_nor_hash() -> None:
    a = Itinerary((leg(0, 5, 100.0, 40.0),), (hub(5, 1, 20.0),), "CNY")
    b = Itinerary((leg(0, 5, 100.0, 40.0),), (hub(5, 1, 20.0),), "CNY")
    assert a.cost == 120.0 and a.arrive == T0 + timedelta(hours=6)
    assert a == b and hash(a) == hash(b)
    assert dataclasses.asdict(a) == dataclasses.asdict(b)


def test_the_document_shows_each_time_in_its_places_zone() -> None:
    """A time shown twice (the leg's arrival, the handling's start) is written in each place's own zone;
    Berlin moves its clocks on 29 March 2020 at 01:00 UTC, during the handling."""
    it = Itinerary((leg(0, 2, 100.0, 40.0, to_tz="Europe/Berlin"),), (hub(2, 2, 20.0),), "CNY")
    doc = it.to_dict(rank=1)
    (g,) = doc["legs"]
    (h,) = doc["hubs"]
    assert g["depart"] == "2020-03-29T06:00:00+08:00"
    assert g["arrive"] == h["start"] == "2020-03-29T01:00:00+01:00"
    assert h["end"] == "2020-03-29T04:00:00+02:00"
    assert doc["total"]["depart"] == g["depart"]
    assert doc["total"]["arrive"] == "2020-03-29T04:00:00+02:00"
    assert doc["total"]["cost"] == 120.0
