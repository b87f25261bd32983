"""Costs of chain elements: tariffs (flat, per TEU-km, minimum, surcharges), storage, inventory carrying."""

from __future__ import annotations

from datetime import date

import pytest

from intermodal.accounting.costs import inventory_cost, storage_cost, tariff_charges
from intermodal.model import Equipment, RateUnit, Tariff, choose_tariff, equipment_for


def test_a_rate_per_box_counts_boxes_and_meets_its_minimum() -> None:
    forty = Tariff("t", service="s", equipment=Equipment.FORTY, rate=1000, rate_unit=RateUnit.BOX)
    assert tariff_charges(forty, teu=4, reefer=False, dg=False) == (2000.0, 0.0)  # two 40-ft boxes
    floor = Tariff("t", service="s", rate=100, rate_unit=RateUnit.TEU, minimum_charge=500)
    assert tariff_charges(floor, teu=2, reefer=False, dg=False) == (500.0, 0.0)


def test_surcharges_apply_to_their_cargo_only() -> None:
    km = Tariff(
        "t", line="l", rate=2.0, rate_unit=RateUnit.TEU_KM, fixed_per_teu=100,
        reefer_surcharge_per_teu=300, dg_surcharge_per_teu=50,
    )  # fmt: skip
    assert tariff_charges(km, teu=2, reefer=False, dg=False) == (200.0, 4.0)
    assert tariff_charges(km, teu=2, reefer=True, dg=False) == (800.0, 4.0)
    assert tariff_charges(km, teu=2, reefer=False, dg=True) == (300.0, 4.0)


def test_storage_is_charged_past_the_free_days_pro_rata() -> None:
    yard = Tariff("y", terminal="port", storage_per_teu_day=20, free_days=3)
    assert storage_cost(yard, teu=2, seconds=2 * 86400) == 0.0
    assert storage_cost(yard, teu=2, seconds=4.5 * 86400) == pytest.approx(20 * 2 * 1.5)


def test_inventory_carrying_is_value_times_rate_times_time() -> None:
    assert inventory_cost(10_000_000, 0.10, seconds=365 * 86400) == pytest.approx(1_000_000)
    assert inventory_cost(10_000_000, 0.10, seconds=86400) == pytest.approx(1_000_000 / 365)


def test_the_most_specific_row_valid_on_the_day_and_in_the_weight_band_prices() -> None:
    rows = [
        Tariff("any", service="s", rate=1, valid_from=date(2020, 1, 1), valid_to=date(2020, 12, 31)),
        Tariff("light", service="s", equipment=Equipment.FORTY, weight_to_t=20, rate=2,
               valid_from=date(2020, 1, 1), valid_to=date(2020, 12, 31)),
        Tariff("heavy", service="s", equipment=Equipment.FORTY, weight_from_t=20, rate=3,
               valid_from=date(2020, 1, 1), valid_to=date(2020, 12, 31)),
        Tariff("cold", service="s", equipment=Equipment.REEFER, rate=4,
               valid_from=date(2021, 1, 1), valid_to=date(2021, 12, 31)),
    ]  # fmt: skip
    day = date(2020, 6, 1)

    def pick(teu: float, tonnes: float, reefer: bool = False, on: date = day) -> str | None:
        found = choose_tariff(rows, teu=teu, tonnes=tonnes, reefer=reefer, day=on)
        return None if found is None else found.id

    assert pick(2, 15) == "light"  # one 40-ft box of 15 t
    assert pick(2, 50) == "heavy"  # 25 t in it
    assert pick(1, 5) == "any"  # a 20-ft box: no 20 row
    assert pick(2, 15, reefer=True) == "any"  # the reefer row holds only in 2021
    assert pick(2, 15, reefer=True, on=date(2021, 3, 1)) == "cold"
    assert pick(2, 15, on=date(2022, 1, 1)) is None  # no row holds: the service's own rates
    assert equipment_for(3, reefer=False) == (Equipment.TWENTY, Equipment.ANY)
