"""Folding options: a subset of the Pareto set, each folded option behind a kept one, none at zero margins."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intermodal.exceptions import ShipmentError
from intermodal.model import ElementEmissions, Itinerary, Leg, Mode, Names
from intermodal.planners import options as options_module
from intermodal.planners.options import DEFAULT_FOLD, FoldMargins, fold_margins, fold_options

T0 = datetime(2020, 4, 3, tzinfo=UTC)
#: (arrival hours, cost, CO2e kg, ready-by hours or None)
Point = tuple[int, int, int, int | None]


def option(arrive_h: float, cost: float, co2e: float, ready_h: float | None = None) -> Itinerary:
    """A one-leg option with these criteria."""
    place = Names("a", "a")
    leg = Leg(
        mode=Mode.ROAD,
        from_id="a",
        to_id="b",
        from_name=place,
        to_name=place,
        from_tz="UTC",
        to_tz="UTC",
        depart=T0,
        arrive=T0 + timedelta(hours=arrive_h),
        distance_km=100.0,
        cost=cost,
        emissions=ElementEmissions(wtt_kg=0.0, ttw_kg=co2e),
    )
    ready = None if ready_h is None else T0 + timedelta(hours=ready_h)
    return Itinerary((leg,), (), "CNY", ready_by=ready)


def criteria(it: Itinerary) -> list[tuple[float, float]]:
    """(value, margin unit) per criterion, all 'less is better'."""
    out = [
        (it.arrive.timestamp() / 3600, 1.0),
        (it.cost, it.cost / 100),
        (it.co2e_kg_wtw, it.co2e_kg_wtw / 100),
    ]
    if it.ready_by is not None:
        out.append((-it.ready_by.timestamp() / 3600, 1.0))
    return out


def folds(b: Itinerary, a: Itinerary, m: FoldMargins) -> bool:
    """The definition of the module docstring, written out for each criterion."""
    scale = [m.hours, m.cost_pct, m.co2e_pct, m.hours]
    pairs = list(zip(criteria(b), criteria(a), scale, strict=False))
    within = all(vb <= va + unit * s + 1e-6 for (vb, _), (va, unit), s in pairs)
    beyond = any(vb < va - unit * s - 1e-6 for (vb, _), (va, unit), s in pairs)
    return within and beyond


def pareto(options: list[Itinerary]) -> list[Itinerary]:
    """The options no other option dominates (zero margins)."""
    zero = FoldMargins(0, 0, 0)
    return [a for a in options if not any(folds(b, a, zero) for b in options)]


points = st.lists(
    st.tuples(
        st.integers(0, 400),
        st.integers(1000, 30000),
        st.integers(100, 7000),
        st.integers(0, 168),
    ),
    min_size=1,
    max_size=25,
)
margins = st.builds(
    FoldMargins,
    hours=st.sampled_from([0.0, 0.5, 1.0, 6.0, 48.0]),
    cost_pct=st.sampled_from([0.0, 1.0, 5.0, 20.0]),
    co2e_pct=st.sampled_from([0.0, 1.0, 5.0, 20.0]),
)


@settings(max_examples=200, deadline=None)
@given(points=points, m=margins, profile=st.booleans())
def test_folding_keeps_a_subset_and_folds_each_behind_a_kept_option(
    points: list[Point], m: FoldMargins, profile: bool
) -> None:
    front = pareto([option(a, c, e, r if profile else None) for a, c, e, r in points])
    kept, folded = fold_options(front, m)
    assert kept, "something is always kept"
    assert {id(o) for o in kept} | {id(o) for o in folded} == {id(o) for o in front}
    assert not {id(o) for o in kept} & {id(o) for o in folded}
    for a in folded:
        assert any(folds(b, a, m) for b in kept), "a folded option without a kept option that folds it"


@settings(max_examples=100, deadline=None)
@given(points=points, m=margins, profile=st.booleans())
def test_the_choice_on_lists_folds_as_the_relation_kept_whole_and_computed_in_blocks(
    points: list[Point], m: FoldMargins, profile: bool
) -> None:
    # a route's few options choose on lists, some more keep the whole fold relation in numpy, a range
    # query's thousands compute it in blocks
    front = pareto([option(a, c, e, r if profile else None) for a, c, e, r in points])
    few = fold_options(front, m)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(options_module, "_FEW", 0)
        whole = fold_options(front, m)
        patch.setattr(options_module, "_BLOCK", 2)
        blocks = fold_options(front, m)
    ids = [[[id(o) for o in part] for part in folded] for folded in (few, whole, blocks)]
    assert ids[0] == ids[1] == ids[2]


@settings(max_examples=100, deadline=None)
@given(points=points, profile=st.booleans())
def test_zero_margins_fold_nothing_of_a_pareto_set(points: list[Point], profile: bool) -> None:
    front = pareto([option(a, c, e, r if profile else None) for a, c, e, r in points])
    kept, folded = fold_options(front, FoldMargins(0, 0, 0))
    assert folded == [] and kept == front


def test_an_option_hardly_greener_but_days_later_and_dearer_is_folded() -> None:
    # the README query's third option beside its second: +96 h and +1,041 CNY to save 24 kg (1.1 %)
    rail_sea = option(258.5, 15125, 2158.78)
    eastring = option(354.5, 16166, 2134.63)
    assert fold_options([rail_sea, eastring], FoldMargins(1, 1, 1.2)) == ([rail_sea], [eastring])
    # a saving beyond the margin is an option worth showing
    assert fold_options([rail_sea, eastring], FoldMargins(1, 1, 1)) == ([rail_sea, eastring], [])


def test_a_later_ready_time_counts_in_a_range_query() -> None:
    # the same shuttle, caught 1.4 h later by a truck to Kunming for 780 CNY more
    shuttle = option(100, 27000, 6327.23, ready_h=20)
    truck = option(100, 27780, 6327.23, ready_h=21.4)
    assert fold_options([shuttle, truck], FoldMargins(1.5, 1, 1)) == ([shuttle], [truck])
    assert fold_options([shuttle, truck], FoldMargins(1, 1, 1)) == ([shuttle, truck], [])


def test_the_kept_option_is_the_one_nothing_folds() -> None:
    # b is within the margins of a everywhere and 5 % cheaper: a is folded though it arrives first
    a = option(10, 10500, 1000)
    b = option(10.5, 10000, 1000)
    assert fold_options([a, b], DEFAULT_FOLD) == ([b], [a])


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"hours": -1}, "fold_hours"),
        ({"cost_pct": float("nan")}, "fold_cost_pct"),
        ({"co2e_pct": 101}, "fold_co2e_pct"),
    ],
)
def test_a_bad_margin_names_its_field(kwargs: dict[str, float], field: str) -> None:
    with pytest.raises(ShipmentError) as err:
        fold_margins(**kwargs)
    assert [p.field for p in err.value.problems] == [field]


def test_all_options_take_no_margins() -> None:
    assert fold_margins(all_options=True) is None
    assert fold_margins() == DEFAULT_FOLD
    assert fold_margins(hours=3) == FoldMargins(3, DEFAULT_FOLD.cost_pct, DEFAULT_FOLD.co2e_pct)
    with pytest.raises(ShipmentError, match="not both"):
        fold_margins(hours=3, all_options=True)
