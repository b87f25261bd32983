"""p_on_time: the Monte Carlo against closed forms, the timetable's 0/1, and the reliable objective."""

from __future__ import annotations

import datetime as dt
import math
from statistics import NormalDist

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intermodal.io import load_scenario
from intermodal.model import ElementEmissions, HubOperation, Itinerary, Leg, Mode, Names, Reliability, Spread
from intermodal.planners.reliability import on_time_probability, timetable_hours, with_p_on_time
from intermodal.planners.routing import Objective, find_routes
from intermodal.planners.shipments import make_shipment

T0 = dt.datetime(2020, 1, 6, 2, 0, tzinfo=dt.UTC)


def _leg(service: str | None, start_h: float, end_h: float) -> Leg:
    return Leg(
        mode=Mode.ROAD,
        from_id="a",
        to_id="b",
        from_name=Names("a", "a"),
        to_name=Names("b", "b"),
        from_tz="UTC",
        to_tz="UTC",
        depart=T0 + dt.timedelta(hours=start_h),
        arrive=T0 + dt.timedelta(hours=end_h),
        distance_km=100.0,
        cost=1.0,
        emissions=ElementEmissions(0.0, 0.0),
        service=service,
    )


def _hub(kind: str, terminal: str, start_h: float, end_h: float) -> HubOperation:
    return HubOperation(
        kind,
        terminal,
        Names(terminal, terminal),
        "UTC",
        T0 + dt.timedelta(hours=start_h),
        T0 + dt.timedelta(hours=end_h),
        0.0,
        ElementEmissions(0.0, 0.0),
    )


def _lognormal_cdf(x: float, spread: Spread) -> float:
    """The plain reference: P(T <= x) for a lognormal T."""
    if spread.sigma == 0:
        return 1.0 if spread.median_h <= x else 0.0
    return NormalDist().cdf(math.log(x / spread.median_h) / spread.sigma)


@settings(max_examples=40, deadline=None)
@given(
    median=st.floats(5, 200),
    sigma=st.floats(0.02, 0.8),
    share=st.floats(0.1, 1.0),
    slack=st.floats(-0.5, 0.8),
)
def test_one_ride_matches_the_lognormal_it_is_drawn_from(
    median: float, sigma: float, share: float, slack: float
) -> None:
    # a ride on `share` of a service planned at 100 h: its time is share * median * lognormal
    planned = 100.0 * share
    ride = Itinerary((_leg("svc", 0.0, planned),), (), "CNY")
    spread = Spread(median, sigma, n=50, planned_h=100.0)
    due_h = share * median * (1 + slack)
    p = on_time_probability(ride, T0 + dt.timedelta(hours=due_h), Reliability(services={"svc": spread}))
    expected = _lognormal_cdf(due_h / share, spread)
    assert p is not None
    assert abs(p - expected) < 0.035  # 4000 runs: the standard error is at most 0.008


@settings(max_examples=25, deadline=None)
@given(m1=st.floats(1, 50), m2=st.floats(1, 50), sigma=st.floats(0.05, 0.6), q=st.floats(0.05, 0.95))
def test_hub_and_crossing_in_a_row_match_a_direct_simulation(
    m1: float, m2: float, sigma: float, q: float
) -> None:
    # handling then a truck crossing's clearance, both planned to start at once (so neither waits for its
    # planned start): the arrival is the truck's hour plus the sum of two lognormal draws
    hubs = (_hub("handling", "h", 1.0, 1.0), _hub("clearance", "c", 1.0, 1.0))
    it = Itinerary((_leg(None, 0.0, 1.0),), hubs, "CNY")
    fitted = Reliability(crossings={"c": Spread(m2, sigma)}, hubs={"h": Spread(m1, sigma)})
    rng = np.random.default_rng(1)
    total = (
        1.0
        + m1 * np.exp(sigma * rng.standard_normal(200_000))
        + m2 * np.exp(sigma * rng.standard_normal(200_000))
    )
    due_h = float(np.quantile(total, q))
    p = on_time_probability(it, T0 + dt.timedelta(hours=due_h), fitted)
    assert p is not None and abs(p - q) < 0.035


def test_without_spreads_the_answer_is_the_timetables() -> None:
    it = Itinerary((_leg("svc", 0.0, 45.0),), (_hub("handling", "h", 45.0, 47.0),), "CNY")
    assert on_time_probability(it, T0 + dt.timedelta(hours=47), None) == 1.0
    assert on_time_probability(it, T0 + dt.timedelta(hours=46.9), Reliability()) == 0.0
    assert on_time_probability(it, None, None) is None
    # spreads of other services change nothing
    other = Reliability(services={"elsewhere": Spread(10.0, 0.5, planned_h=10.0)})
    assert on_time_probability(it, T0 + dt.timedelta(hours=47), other) == 1.0


def test_a_clearance_aboard_is_inside_the_rides_measured_time() -> None:
    ride = _leg("svc", 0.0, 45.0)
    aboard = _hub("clearance", "youyiguan", 23.0, 40.0)
    fitted = Reliability(
        services={"svc": Spread(45.0, 0.1, planned_h=45.0)}, crossings={"youyiguan": Spread(500.0, 0.1)}
    )
    due = T0 + dt.timedelta(hours=45.0)
    p = on_time_probability(Itinerary((ride,), (aboard,), "CNY"), due, fitted)
    # a 500 h clearance would make it late for sure, were it counted again on top of the ride
    assert p == pytest.approx(0.5, abs=0.03)


def test_the_same_question_gets_the_same_answer() -> None:
    it = Itinerary((_leg("svc", 0.0, 45.0),), (), "CNY")
    fitted = Reliability(services={"svc": Spread(45.0, 0.2, planned_h=45.0)})
    due = T0 + dt.timedelta(hours=47)
    assert on_time_probability(it, due, fitted) == on_time_probability(it, due, fitted)


@settings(max_examples=20, deadline=None)
@given(a=st.floats(30, 80), b=st.floats(30, 80))
def test_a_later_due_time_is_never_less_likely(a: float, b: float) -> None:
    it = Itinerary((_leg("svc", 0.0, 45.0),), (_hub("handling", "h", 45.0, 47.0),), "CNY")
    fitted = Reliability(services={"svc": Spread(46.0, 0.15, planned_h=45.0)}, hubs={"h": Spread(3.0, 0.4)})
    pa = on_time_probability(it, T0 + dt.timedelta(hours=min(a, b)), fitted)
    pb = on_time_probability(it, T0 + dt.timedelta(hours=max(a, b)), fitted)
    assert pa is not None and pb is not None and pa <= pb


def test_route_options_carry_p_on_time_and_reliable_ranks_by_it() -> None:
    bundle = load_scenario("chongqing")
    shipment = make_shipment(bundle, teu=2, ready="2020-04-03T08:00+08:00", due="2020-04-06T20:00+07:00")
    # a slow, spread-out east line and a steady east double line
    fitted = Reliability(
        services={
            "shuttle-east": Spread(60.0, 0.3, n=100, planned_h=45.0),
            "shuttle-east-double": Spread(44.5, 0.05, n=100, planned_h=44.5),
        }
    )
    result = find_routes(
        bundle, "nanpeng", "hanoi", shipment, objective="reliable", reliability=fitted, fold=None
    )
    probabilities = [o.p_on_time for o in result.options]
    assert all(p is not None and 0.0 <= p <= 1.0 for p in probabilities)
    assert probabilities == sorted(probabilities, reverse=True)  # type: ignore[type-var]
    assert result.objective is Objective.RELIABLE
    assert len(set(probabilities)) > 1  # the spreads tell the options apart
    doc = result.to_dict()
    assert [o["total"]["p_on_time"] for o in doc["options"]] == [round(p, 3) for p in probabilities]  # type: ignore[arg-type]
    # without spreads: the timetable's answer, 1 for each (the search keeps only those due in time)
    plain = find_routes(bundle, "nanpeng", "hanoi", shipment, fold=None)
    assert {o.p_on_time for o in plain.options} == {1.0}
    # without a due time there is nothing to be on time for
    open_ended = make_shipment(bundle, teu=2, ready="2020-04-03T08:00+08:00")
    assert {o.p_on_time for o in find_routes(bundle, "nanpeng", "hanoi", open_ended).options} == {None}
    unranked = find_routes(bundle, "nanpeng", "hanoi", open_ended, objective="reliable")
    assert any("give one (--due)" in note for note in unranked.notes)


def test_spreads_follow_the_timetable_in_use() -> None:
    # set against the bundle's own timetable: a ride keeps its share whatever planned_h the file said
    bundle = load_scenario("chongqing")
    planned = timetable_hours(bundle)
    assert planned["shuttle-east"] == 45.0
    it = Itinerary((_leg("shuttle-east", 0.0, 45.0),), (), "CNY")
    stale = Reliability(services={"shuttle-east": Spread(45.0, 0.1, planned_h=90.0)})
    (with_p,) = with_p_on_time([it], T0 + dt.timedelta(hours=45.0), stale, bundle)
    assert with_p.p_on_time == pytest.approx(0.5, abs=0.03)
