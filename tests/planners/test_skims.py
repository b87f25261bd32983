"""Every skim cell is the best ``find_routes`` answer for its pair over the window (the documented rule)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import intermodal as im
from intermodal.exceptions import InputError, NoRouteError
from intermodal.model.demand import Zone
from intermodal.planners.skims import METRICS, option_metrics, skim

MINI = Path(__file__).resolve().parents[1] / "io" / "bundles" / "mini"
BUNDLE = im.load_bundle(MINI)
PLACES = [Zone(1, "Hub", "hub"), Zone(2, "Station", "station"), Zone(3, "Border", "border")]
PLACES += [Zone(4, "City", "city"), Zone(5, "Near the hub", None, 29.2, 106.2)]


def _by_find_routes(origin: str, destination: str, shipment: im.Shipment, days: float) -> list[float]:
    """The rule, stated on find_routes itself: each metric's least value over the window's Pareto options."""
    if origin == destination:
        return [0.0] * len(METRICS)
    try:
        result = im.find_routes(
            BUNDLE,
            origin,
            destination,
            shipment,
            range_days=days,
            fold=None,
            limit=10_000,
            engine="reference",
        )
    except NoRouteError:
        return [math.nan] * len(METRICS)
    values = [option_metrics(o) for o in result.options]
    return [min(v[m] for v in values) for m in METRICS]


@settings(max_examples=40, deadline=None)
@given(
    picks=st.lists(st.sampled_from(PLACES), min_size=1, max_size=6),
    cargo=st.sampled_from(["general", "reefer", "dg:3", "dg:1"]),
    days=st.sampled_from([0.5, 1.0, 2.0, 3.0]),
    day=st.integers(min_value=0, max_value=6),
    teu=st.sampled_from([1.0, 2.0, 7.5]),
    engine=st.sampled_from(["reference", "compiled"]),
)
def test_every_cell_is_the_best_find_routes_answer(
    picks: list[Zone], cargo: str, days: float, day: int, teu: float, engine: str
) -> None:
    # the same place may stand for several zones (ids differ): they share a row and a column
    zones = [Zone(i + 1, z.name, z.terminal_id, z.lat, z.lon) for i, z in enumerate(picks)]
    shipment = im.make_shipment(BUNDLE, teu=teu, cargo=cargo, ready=f"2020-04-{6 + day:02d}T03:00+08:00")
    # one one-to-many search a ready time, on either engine, against one find_routes a pair
    result = skim(BUNDLE, zones, shipment, window_days=days, metrics=METRICS, engine=engine)
    for i, a in enumerate(zones):
        for j, b in enumerate(zones):
            expected = _by_find_routes(a.place, b.place, shipment, days)
            found = [float(result.values[m][i, j]) for m in METRICS]
            np.testing.assert_allclose(
                found, expected, rtol=1e-12, atol=1e-9, err_msg=f"{a.place} -> {b.place}"
            )


def test_a_pair_without_a_route_is_missing_and_counted() -> None:
    shipment = im.make_shipment(BUNDLE, teu=1, cargo="dg:1", ready="2020-04-06T00:00+08:00")
    result = skim(BUNDLE, PLACES[:4], shipment, window_days=1, metrics=["time"], engine="reference")
    # no terminal takes class 1: only trucks between the hub and the station, and the border and the city
    assert math.isnan(result.values["time"][0, 3])
    assert result.missing == 8 and result.notes


def test_metrics_and_zones_out_of_reach_are_refused() -> None:
    shipment = im.make_shipment(BUNDLE, teu=1, ready="2020-04-06T00:00+08:00")
    with pytest.raises(InputError) as err:
        skim(BUNDLE, PLACES, shipment, metrics=["speed"])
    assert err.value.problems[0].field == "metrics"
    far = Zone(9, "Far away", None, 51.5, 0.0)
    with pytest.raises(InputError) as err:
        skim(BUNDLE, [PLACES[0], far], shipment)
    assert "Far away" in err.value.problems[0].message


def test_the_best_of_each_metric_may_be_a_different_option() -> None:
    shipment = im.make_shipment(BUNDLE, teu=1, ready="2020-04-06T00:00+08:00")
    result = skim(BUNDLE, [PLACES[0], PLACES[3]], shipment, window_days=3, metrics=["time", "cost"])
    options = im.find_routes(
        BUNDLE, "hub", "city", shipment, range_days=3, fold=None, limit=1000, engine="reference"
    ).options
    fastest = min(options, key=lambda o: option_metrics(o)["time"])
    cheapest = min(options, key=lambda o: o.cost)
    assert result.values["time"][0, 1] == pytest.approx(option_metrics(fastest)["time"])
    assert result.values["cost"][0, 1] == pytest.approx(cheapest.cost)
    assert result.values["time"][0, 1] <= option_metrics(cheapest)["time"]
