"""Scenario comparison: an empty patch changes nothing, a closed link changes only the pairs that used it."""

from __future__ import annotations

import datetime as dt
import itertools
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import intermodal as im
from intermodal.io.patch import apply_patches, parse_patch
from intermodal.model import Cargo, CargoKind, Leg
from intermodal.model.demand import ChoiceParams, DemandCell, Zone
from intermodal.planners.compare import Comparison, compare

MINI = Path(__file__).resolve().parents[1] / "io" / "bundles" / "mini"
ZONES = [
    Zone(1, "Hub", "hub"),
    Zone(2, "Station", "station"),
    Zone(3, "Border", "border"),
    Zone(4, "City", "city"),
]
START = dt.datetime(2020, 4, 6)
PARAMS = ChoiceParams(value_of_time=20.0, carbon_price=0.0, scale=1.0, iterations=200)
EMPTY = parse_patch('[patch]\nname = "nothing"\ntitle_en = "No change"\nsource = "test"\n', file="empty.toml")
CLOSED = parse_patch(
    '[patch]\nname = "tunnel"\ntitle_en = "Tunnel road closed"\nsource = "test"\n'
    '[[close]]\nlink = "hub-border"\n',
    file="tunnel.toml",
)


@cache
def _bundles() -> tuple[im.Bundle, im.Bundle, im.Bundle]:
    return im.load_bundle(MINI), apply_patches(MINI, [EMPTY]), apply_patches(MINI, [CLOSED])


def _cells(amounts: list[tuple[int, int, float]]) -> list[DemandCell]:
    return [DemandCell(o, d, Cargo(CargoKind.GENERAL), teu, teu * 8.6) for o, d, teu in amounts if o != d]


def _compare(cells: list[DemandCell], *scenarios: im.Bundle, method: str = "logit") -> Comparison:
    base = _bundles()[0]
    return compare(
        base, scenarios, ZONES, cells, PARAMS, start=START, window_days=2, method=method, engine="reference"
    )


CELLS = st.lists(
    st.tuples(st.integers(1, 4), st.integers(1, 4), st.floats(min_value=0.5, max_value=120.0)),
    min_size=1,
    max_size=4,
)


@settings(max_examples=15, deadline=None)
@given(amounts=CELLS, method=st.sampled_from(["aon", "logit"]))
def test_an_empty_patch_gives_zero_differences_everywhere(
    amounts: list[tuple[int, int, float]], method: str
) -> None:
    cells = _cells(amounts)
    if not cells:
        return
    result = _compare(cells, _bundles()[1], method=method)
    doc = result.scenario_dict(0)
    assert doc["pairs_changed"] == 0
    assert all(v == 0 for v in doc["totals_change"].values())
    assert all(row["teu_change"] == 0 and row["share_change"] == 0 for row in doc["mode_split"].values())
    assert all(row["teu_change"] == 0 for row in doc["services"])
    assert all(f["properties"]["teu_change"] == 0 for f in result.geojson(0)["features"])
    for pair in doc["pairs"]:
        assert pair["carried_teu"]["change"] == 0 and not pair["by_mode"]["change"]
        assert all(pair[k]["change"] in (0, None) for k in ("time_h", "cost", "co2e_kg"))


@settings(max_examples=10, deadline=None)
@given(
    amounts=st.lists(
        st.tuples(st.integers(1, 4), st.integers(1, 4), st.floats(0.1, 1.0)), min_size=1, max_size=4
    )
)
def test_closing_a_link_changes_only_the_pairs_whose_flows_used_it(
    amounts: list[tuple[int, int, float]],
) -> None:
    # small demand: no departure is full, so pairs interact only through the closed link
    cells = _cells(amounts)
    if not cells:
        return
    base, _, closed = _bundles()
    from intermodal.planners.assignment import pair_options

    options = pair_options(base, ZONES, cells, start=START, window_days=2, engine="reference")
    result = _compare(cells, closed)
    for pair, row in zip(options, result.pair_rows(0), strict=True):
        used = any(
            leg.mode is im.Mode.ROAD and {"hub", "border"} <= {leg.from_id, *leg.via, leg.to_id}
            for option in pair.options
            for leg in option.legs
        )
        if not used:
            assert not row["changed"], row


def test_totals_are_the_sums_of_the_pairs() -> None:
    result = _compare(_cells([(1, 4, 3.0), (2, 4, 1.0), (4, 1, 2.0)]), _bundles()[2])
    for side in (result.base, result.scenarios[0]):
        for key in ("demand_teu", "carried_teu", "not_carried_teu", "cost", "co2e_kg", "teu_hours"):
            assert side.totals[key] == pytest.approx(sum(p[key] for p in side.pairs))
        assert sum(side.mode_split.values()) == pytest.approx(side.totals["demand_teu"])


def test_closing_the_tunnel_road_moves_the_pair_that_used_it() -> None:
    result = _compare(_cells([(1, 3, 1.0), (3, 4, 1.0)]), _bundles()[2])
    hub_border, border_city = result.pair_rows(0)
    assert hub_border["changed"] and hub_border["time_h"]["change"] > 0
    assert not border_city["changed"]
    changed = {
        (f["properties"]["from"], f["properties"]["to"]): f["properties"]
        for f in result.geojson()["features"]
    }
    assert any(p["teu_change"] < 0 and p["mode"] == "road" for p in changed.values())


def test_closing_the_longzhouwan_tunnel_changes_only_the_pairs_whose_flows_used_it() -> None:
    # Chongqing's own what-if, one day and a TEU a pair (the search is about a second a pair a week)
    base = im.load_scenario("chongqing")
    closed = im.load_scenario("chongqing", ["longzhouwan-tunnel-closed"])
    zones = [Zone(1, "Nanpeng", "nanpeng"), Zone(2, "Fo'eryan", "foeryan"), Zone(3, "Hanoi", "hanoi")]
    cells = [DemandCell(1, d, Cargo(CargoKind.GENERAL), 1.0, 8.6) for d in (2, 3)]
    start = dt.datetime(2020, 4, 6)
    result = compare(base, [closed], zones, cells, PARAMS, start=start, window_days=1)
    from intermodal.planners.assignment import pair_options

    for pair, row in zip(
        pair_options(base, zones, cells, start=start, window_days=1), result.pair_rows(0), strict=True
    ):
        tunnel = any(_crosses(leg, "nanpeng", "foeryan") for option in pair.options for leg in option.legs)
        assert row["changed"] == tunnel, row
    assert result.pair_rows(0)[0]["time_h"]["change"] > 0  # to Fo'eryan by the surface road: slower


def _crosses(leg: Leg, a: str, b: str) -> bool:
    """Whether a road leg runs directly between ``a`` and ``b`` (by either road between them)."""
    path = [leg.from_id, *leg.via, leg.to_id]
    return leg.mode is im.Mode.ROAD and any({x, y} == {a, b} for x, y in itertools.pairwise(path))
