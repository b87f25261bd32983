"""Assignment: demand is conserved, departures hold their room, choices follow the documented rules."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import intermodal as im
from intermodal.exceptions import InputError
from intermodal.model import Cargo, CargoKind
from intermodal.model.demand import ChoiceParams, DemandCell, Zone
from intermodal.planners.assignment import (
    NOT_CARRIED,
    PairOptions,
    assign,
    calibrate,
    generalized_cost,
    mode_class,
    pair_options,
)
from intermodal.planners.skims import option_metrics

MINI = Path(__file__).resolve().parents[1] / "io" / "bundles" / "mini"
BUNDLE = im.load_bundle(MINI)
ZONES = [
    Zone(1, "Hub", "hub"),
    Zone(2, "Station", "station"),
    Zone(3, "Border", "border"),
    Zone(4, "City", "city"),
]
START = dt.datetime(2020, 4, 6)
PARAMS = ChoiceParams(value_of_time=20.0, carbon_price=100.0, scale=1.0, iterations=500)


@cache
def _options(origin: int, destination: int, cargo: str) -> tuple[im.Itinerary, ...]:
    cell = DemandCell(origin, destination, _cargo(cargo), 1.0, 8.6)
    (pair,) = pair_options(BUNDLE, ZONES, [cell], start=START, window_days=7, engine="reference")
    return pair.options


def _cargo(text: str) -> Cargo:
    return Cargo(CargoKind.DANGEROUS, "3") if text == "dg:3" else Cargo(CargoKind(text))


def _pairs(amounts: list[tuple[int, int, str, float]]) -> list[PairOptions]:
    return [
        PairOptions(DemandCell(o, d, _cargo(c), teu, teu * 8.6), _options(o, d, c))
        for o, d, c, teu in amounts
        if o != d
    ]


CELLS = st.tuples(
    st.sampled_from([1, 2, 3, 4]),
    st.sampled_from([1, 2, 3, 4]),
    st.sampled_from(["general", "reefer", "dg:3"]),
    st.floats(min_value=0.5, max_value=400.0),
)


@settings(max_examples=40, deadline=None)
@given(cells=st.lists(CELLS, min_size=1, max_size=6), method=st.sampled_from(["aon", "logit"]))
def test_demand_is_conserved_and_no_departure_carries_more_than_its_room(
    cells: list[tuple[int, int, str, float]], method: str
) -> None:
    pairs = _pairs(cells)
    if not pairs:
        return
    result = assign(BUNDLE, pairs, PARAMS, method=method)
    for pair, flows, left in zip(result.pairs, result.flows, result.not_carried, strict=True):
        assert all(f >= -1e-12 for f in flows) and left >= -1e-12
        assert sum(flows) + left == pytest.approx(pair.cell.teu, rel=1e-9)
    # the loads, counted again from the options' legs
    loads: dict[str, float] = {}
    for pair, flows in zip(result.pairs, result.flows, strict=True):
        for option, teu in zip(pair.options, flows, strict=True):
            for ref in {g.departure for g in option.legs if g.service}:
                assert ref is not None
                loads[ref] = loads.get(ref, 0.0) + teu
    capacity = {s.id: s.capacity_teu for s in BUNDLE.services}
    for ref, load in loads.items():
        service, cap, reported, _ = result.departures[ref]
        assert cap == capacity[service]
        assert reported == pytest.approx(load, abs=1e-9)
        assert load <= cap + 1e-6
    split = result.mode_split()
    assert sum(split.values()) == pytest.approx(sum(p.cell.teu for p in result.pairs))


def test_totals_by_mode_are_the_sum_of_the_options_carried() -> None:
    pairs = _pairs([(1, 4, "general", 120.0), (4, 1, "reefer", 10.0), (2, 3, "dg:3", 30.0)])
    result = assign(BUNDLE, pairs, PARAMS, method="logit")
    co2e = sum(
        teu * option.co2e_kg_wtw
        for pair, flows in zip(result.pairs, result.flows, strict=True)
        for option, teu in zip(pair.options, flows, strict=True)
    )
    by_mode = result.by_mode()
    assert sum(row["co2e_kg"] for row in by_mode.values()) == pytest.approx(co2e)
    tkm = sum(
        teu * 8.6 * option.distance_km
        for pair, flows in zip(result.pairs, result.flows, strict=True)
        for option, teu in zip(pair.options, flows, strict=True)
    )
    assert sum(row["tkm"] for row in by_mode.values()) == pytest.approx(tkm)
    geo = result.geojson()
    assert geo["type"] == "FeatureCollection" and geo["features"]
    assert all(f["geometry"]["type"] == "LineString" for f in geo["features"])


def test_without_capacity_all_or_nothing_takes_the_least_generalized_cost() -> None:
    (pair,) = _pairs([(1, 4, "general", 500.0)])
    result = assign(BUNDLE, [pair], PARAMS, method="aon", capacity=False)
    costs = [generalized_cost(o, PARAMS) for o in pair.options]
    best = int(np.argmin(costs))
    assert result.flows[0][best] == 500.0 and sum(result.flows[0]) == 500.0


def test_without_capacity_the_logit_shares_are_its_formula() -> None:
    (pair,) = _pairs([(1, 4, "general", 10.0)])
    params = dataclasses.replace(PARAMS, asc={"rail": 0.7})
    result = assign(BUNDLE, [pair], params, method="logit", capacity=False)
    v = [
        -params.scale * generalized_cost(o, params) / 1000 + params.asc.get(mode_class(o), 0.0)
        for o in pair.options
    ]
    v.append(-params.scale * params.not_carried_cost / 1000)
    top = max(v)
    weights = [math.exp(x - top) for x in v]
    expected = [10.0 * w / sum(weights) for w in weights[:-1]]
    np.testing.assert_allclose(result.flows[0], expected, rtol=1e-9)


def test_generalized_cost_is_cost_plus_time_and_carbon() -> None:
    option = _options(1, 4, "general")[0]
    hours = option_metrics(option)["time"]
    assert generalized_cost(option, PARAMS) == pytest.approx(
        option.cost + 20.0 * hours + 100.0 * option.co2e_kg_wtw / 1000
    )


def test_overflow_moves_to_the_next_best_option() -> None:
    # far more than the week's trains hold: the rest goes by truck, and the trains run full
    (pair,) = _pairs([(2, 4, "general", 1000.0)])
    free = assign(BUNDLE, [pair], PARAMS, method="aon", capacity=False)
    held = assign(BUNDLE, [pair], PARAMS, method="aon")
    assert free.mode_split().get("rail", 0.0) == 1000.0
    rail = held.mode_split().get("rail", 0.0)
    trains = [d for d in held.departures.values() if d[0] == "train"]
    assert 0 < rail <= sum(cap for _, cap, _, _ in trains) + 1e-6
    assert held.mode_split()["road"] > 0
    assert all(load <= cap + 1e-6 for _, cap, load, _ in held.departures.values())
    assert held.gap < 0.01


def test_a_pair_without_options_is_not_carried() -> None:
    pairs = [PairOptions(DemandCell(1, 4, Cargo(), 5.0, 43.0), ())]
    result = assign(BUNDLE, pairs, PARAMS)
    assert result.not_carried == (5.0,) and result.mode_split() == {NOT_CARRIED: 5.0}


def test_demand_of_a_zone_to_itself_has_no_option_and_a_note_says_so() -> None:
    cell = DemandCell(1, 1, Cargo(), 2.5, 21.5)
    pairs = pair_options(BUNDLE, ZONES, [cell], start=START, window_days=2, engine="reference")
    assert pairs[0].options == ()
    result = assign(BUNDLE, [*pairs, *_pairs([(1, 4, "general", 1.0)])], PARAMS)
    assert result.not_carried[0] == 2.5
    assert any(n.startswith("2.500 TEU had no option") and "zone to itself" in n for n in result.notes)


def test_calibration_meets_shares_the_options_can_reach() -> None:
    pairs = _pairs([(1, 4, "general", 20.0), (2, 4, "general", 20.0)])
    before = assign(BUNDLE, pairs, PARAMS, capacity=False).mode_split()
    observed = {"road": 0.5, "rail": 0.5}
    fit = calibrate(BUNDLE, pairs, PARAMS, observed, capacity=False)
    assert fit.after["road"] == pytest.approx(0.5, abs=1e-3)
    assert before["road"] / 40 != pytest.approx(0.5, abs=1e-2)
    with pytest.raises(InputError):
        calibrate(BUNDLE, pairs, PARAMS, {"road": -1.0})


def test_an_unknown_method_is_refused() -> None:
    with pytest.raises(InputError):
        assign(BUNDLE, [], PARAMS, method="gravity")


def _total_gc(result: Any) -> float:
    """The assignment's total generalized cost, not carried included, at the documented costs."""
    total = 0.0
    for pair, flows, left in zip(result.pairs, result.flows, result.not_carried, strict=True):
        total += sum(t * generalized_cost(o, PARAMS) for o, t in zip(pair.options, flows, strict=True))
        total += left * PARAMS.not_carried_cost
    return total


@settings(max_examples=25, deadline=None)
@given(cells=st.lists(CELLS, min_size=1, max_size=6))
def test_the_lp_holds_every_room_and_costs_no_more_than_all_or_nothing(
    cells: list[tuple[int, int, str, float]],
) -> None:
    pairs = _pairs(cells)
    if not pairs:
        return
    lp = assign(BUNDLE, pairs, PARAMS, method="lp")
    aon = assign(BUNDLE, pairs, PARAMS, method="aon")
    for pair, flows, left in zip(lp.pairs, lp.flows, lp.not_carried, strict=True):
        assert all(f >= 0 for f in flows) and sum(flows) + left == pytest.approx(pair.cell.teu, rel=1e-9)
    assert all(load <= cap + 1e-6 for _, cap, load, _ in lp.departures.values())
    # the exact optimum within the rooms: never dearer than the iterative answer, which holds them too
    assert _total_gc(lp) <= _total_gc(aon) * (1 + 1e-9) + 1e-6
    assert lp.gap == 0


def test_the_lp_without_capacity_is_all_or_nothing_and_prices_a_full_departure() -> None:
    pairs = _pairs([(1, 4, "general", 3.0), (2, 4, "reefer", 2.0)])
    free = assign(BUNDLE, pairs, PARAMS, method="lp", capacity=False)
    assert _total_gc(free) == pytest.approx(
        _total_gc(assign(BUNDLE, pairs, PARAMS, method="aon", capacity=False))
    )
    (pair,) = _pairs([(2, 4, "general", 1000.0)])
    held = assign(BUNDLE, [pair], PARAMS, method="lp")
    trains = [d for d in held.departures.values() if d[0] == "train"]
    assert 0 < held.mode_split().get("rail", 0.0) == pytest.approx(sum(cap for _, cap, _, _ in trains))
    assert any(price > 0 for _, cap, load, price in trains if load >= cap - 1e-6)


def test_the_lp_refuses_demand_too_large_for_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import intermodal.planners.assignment as assignment

    monkeypatch.setattr(assignment, "LP_MAX_OPTIONS", 2)
    with pytest.raises(InputError, match="too much demand for the LP") as caught:
        assign(BUNDLE, _pairs([(1, 4, "general", 3.0)]), PARAMS, method="lp")
    assert caught.value.problems[0].field == "method"
