"""Executors: Ray tasks give the same skims and comparisons as the same work in this process."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

import intermodal as im
from intermodal.exceptions import InputError
from intermodal.io.patch import apply_patches, parse_patch
from intermodal.model import Cargo, CargoKind
from intermodal.model.demand import ChoiceParams, DemandCell, Zone
from intermodal.planners._executor import InProcess, RayExecutor, make_executor
from intermodal.planners.compare import compare
from intermodal.planners.skims import skim

MINI = Path(__file__).resolve().parents[1] / "io" / "bundles" / "mini"
ZONES = [
    Zone(1, "Hub", "hub"),
    Zone(2, "Station", "station"),
    Zone(3, "Border", "border"),
    Zone(4, "City", "city"),
]
START = dt.datetime(2020, 4, 6)


def _square(shared: int, item: int) -> int:
    return shared * item * item


def test_in_process_runs_each_item_in_order_and_reports_progress() -> None:
    seen: list[tuple[int, int]] = []
    assert InProcess().map(_square, 2, [1, 2, 3], lambda d, n: seen.append((d, n))) == [2, 8, 18]
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_an_unknown_executor_or_an_address_without_ray_is_named() -> None:
    with pytest.raises(InputError, match="executor"):
        make_executor("dask")
    with pytest.raises(InputError, match="address"):
        make_executor("local", "10.0.0.1:6379")


@pytest.mark.ray
def test_ray_tasks_give_the_same_skim_and_comparison(local_ray: None) -> None:
    bundle = im.load_bundle(MINI)
    ray = RayExecutor()
    shipment = im.make_shipment(bundle, teu=1, cargo="general", ready="2020-04-06T00:00+08:00")
    metrics = ("time", "cost", "co2e", "distance", "transfers")
    here = skim(bundle, ZONES, shipment, window_days=2, metrics=metrics, engine="reference")
    there = skim(bundle, ZONES, shipment, window_days=2, metrics=metrics, engine="reference", executor=ray)
    for m in metrics:
        np.testing.assert_array_equal(here.values[m], there.values[m])
    closed = parse_patch(
        '[patch]\nname = "c"\ntitle_en = "c"\nsource = "t"\n[[close]]\nlink = "hub-border"\n'
    )
    scenarios = [apply_patches(MINI, [closed])]
    cells = [
        DemandCell(1, 4, Cargo(CargoKind.GENERAL), 3.0, 25.8),
        DemandCell(2, 3, Cargo(CargoKind.GENERAL), 1.0, 8.6),
    ]
    params = ChoiceParams(value_of_time=20.0, scale=1.0, iterations=100)
    args = (bundle, scenarios, ZONES, cells, params)
    local = compare(*args, start=START, window_days=2, engine="reference")
    remote = compare(*args, start=START, window_days=2, engine="reference", executor=ray)
    assert remote.to_dict() == local.to_dict()
    assert remote.geojson(0) == local.geojson(0)
    assert local.scenario_dict(0)["pairs_changed"] >= 1
