"""The compiled connection scan (earliest arrival and Pareto over trips) against the time-expanded oracle."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intermodal.engines.csa import INF, Leg, earliest_arrival, journey
from intermodal.engines.pareto import pareto_journey, pareto_transfers
from intermodal.engines.time_expanded import build_time_expanded, earliest_arrival_te, pareto_transfers_te
from intermodal.model import (
    Bundle,
    Calendar,
    CostUnit,
    FactorTable,
    Link,
    Manifest,
    Mode,
    Service,
    ServiceStop,
    Terminal,
)
from intermodal.network.connections import Connections, compile_connections

DAY = datetime(2025, 1, 6, tzinfo=UTC)
T0 = int(DAY.timestamp())
EVERY_DAY = Calendar(frozenset(range(7)), date(2025, 1, 1), date(2025, 1, 31))


def _terminal(i: int, change_s: int) -> Terminal:
    return Terminal(
        id=f"s{i}",
        name_en=f"s{i}",
        name_zh=f"s{i}",
        lat=0.0,
        lon=i * 0.01,
        timezone="UTC",
        country="ZZ",
        modes=frozenset({Mode.RAIL, Mode.WALK}),
        handling_h=change_s / 3600,
    )


def _service(
    sid: str,
    stops: list[int],
    hops: list[int],
    dwells: list[int],
    departs: list[int],
    cutoff_s: int = 0,
    pickup: list[bool] | None = None,
    dropoff: list[bool] | None = None,
) -> Service:
    out, t = [], 0
    for k, s in enumerate(stops):
        arrive = t
        t += dwells[k] if 0 < k < len(stops) - 1 else 0
        up = True if pickup is None else pickup[k]
        down = True if dropoff is None else dropoff[k]
        out.append(ServiceStop(f"s{s}", arrive / 3600, t / 3600, pickup=up, dropoff=down))
        if k < len(hops):
            t += hops[k]
    return Service(
        id=sid,
        name_en=sid,
        name_zh=sid,
        mode=Mode.RAIL,
        carrier="test",
        stops=tuple(out),
        departures=tuple(sorted({time(d // 3600, d // 60 % 60, d % 60) for d in departs})),
        calendar=EVERY_DAY,
        capacity_teu=1.0,
        cutoff_h=cutoff_s / 3600,
        cost_per_teu_km=0.0,
        emission_factor="none",
    )


def _walk(a: int, b: int, seconds: int) -> Link:
    return Link(
        id=f"w{a}-{b}",
        from_id=f"s{a}",
        to_id=f"s{b}",
        mode=Mode.WALK,
        distance_km=0.1,
        duration_h=seconds / 3600,
        cost_per_unit=0.0,
        cost_unit=CostUnit.TEU_KM,
        emission_factor="",
        bidirectional=False,
    )


def make_connections(
    n_stops: int, services: list[Service], walks: list[Link], change: list[int]
) -> Connections:
    bundle = Bundle(
        manifest=Manifest(name="t", title_en="t", title_zh="t"),
        terminals={f"s{i}": _terminal(i, change[i]) for i in range(n_stops)},
        links=tuple(walks),
        services=tuple(services),
        crossings={},
        factors=FactorTable({}),
    )
    return compile_connections(bundle, start=DAY, end=DAY + timedelta(hours=6))


@st.composite
def timetables(draw: st.DrawFn, rules: bool = False) -> Connections:
    """Random timetables; with ``rules``, random pickup/drop-off flags and walks that chain."""
    n = draw(st.integers(3, 8))
    services = []
    for i in range(draw(st.integers(1, 6))):
        length = draw(st.integers(2, 5))
        stops = draw(st.lists(st.integers(0, n - 1), min_size=length, max_size=length))
        stops = [s for k, s in enumerate(stops) if k == 0 or s != stops[k - 1]]
        if len(stops) < 2:
            stops = [0, 1]
        # zero-duration hops and dwells on purpose: they are where scans go wrong
        hops = draw(
            st.lists(st.sampled_from([0, 0, 60, 300, 600]), min_size=len(stops) - 1, max_size=len(stops) - 1)
        )
        dwells = draw(st.lists(st.sampled_from([0, 0, 30, 60]), min_size=len(stops), max_size=len(stops)))
        departs = draw(st.lists(st.integers(0, 48).map(lambda m: m * 300), min_size=1, max_size=6))
        cutoff = draw(st.sampled_from([0, 0, 0, 60, 300]))
        up = down = None
        if rules:
            # mostly allowed, so that journeys still exist
            flags = st.lists(st.sampled_from([True, True, False]), min_size=len(stops), max_size=len(stops))
            up, down = draw(flags), draw(flags)
        services.append(_service(f"r{i}", stops, hops, dwells, departs, cutoff, up, down))
    pairs = draw(
        st.lists(
            st.tuples(st.integers(0, n - 1), st.integers(0, n - 1), st.sampled_from([30, 60, 240])),
            max_size=8 if rules else 4,
        )
    )
    if rules:
        # a chain of walks through distinct stops, so that walks must be chained to reach its end
        chain = draw(st.permutations(range(n)))[: draw(st.integers(3, n))]
        pairs += [(a, b, draw(st.sampled_from([30, 60, 240]))) for a, b in itertools.pairwise(chain)]
    walks = [_walk(a, b, s) for a, b, s in {(a, b, s) for a, b, s in pairs if a != b}]
    walks = list({(w.from_id, w.to_id): w for w in walks}.values())
    change = draw(st.lists(st.sampled_from([0, 0, 60, 180]), min_size=n, max_size=n))
    return make_connections(n, services, walks, change)


def check_journey(c: Connections, legs: list[Leg], origin: int, t0: int, target: int, arrival: int) -> None:
    """Recompute the journey from its legs: times chain, changes respected, trips ridden as scheduled."""
    assert legs[0].from_stop == origin and legs[-1].to_stop == target and legs[-1].arrive_s == arrival
    here, now, after_trip = origin, t0, False
    for leg in legs:
        assert leg.from_stop == here
        if leg.kind == "walk":
            assert leg.depart_s >= now
            lo, hi = c.foot_start[here], c.foot_start[here + 1]
            assert leg.to_stop in c.foot_to[lo:hi].tolist()
            walk = int(c.foot_s[lo:hi][c.foot_to[lo:hi] == leg.to_stop][0])
            assert leg.arrive_s == leg.depart_s + walk
            after_trip = False
        else:
            need = now + (int(c.change_s[here]) if after_trip else 0)
            assert leg.depart_s - int(c.cutoff_s[leg.board_conn]) >= need
            b, a = leg.board_conn, leg.alight_conn
            assert c.pickup[b] and c.dropoff[a]  # boarded where it picks up, left where it sets down
            assert c.trip[b] == c.trip[a] == leg.trip and c.seq[b] <= c.seq[a]
            assert c.dep_s[b] == leg.depart_s and c.arr_s[a] == leg.arrive_s
            after_trip = True
        here, now = leg.to_stop, leg.arrive_s


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(timetables(), st.data())
def test_earliest_arrival_equals_the_time_expanded_oracle(c: Connections, data: st.DataObject) -> None:
    graph = build_time_expanded(c)
    for _ in range(5):
        origin = data.draw(st.integers(0, c.n_stops - 1))
        t0 = T0 + data.draw(st.integers(0, 5 * 3600))
        ref = earliest_arrival_te(graph, c, origin, t0)
        got = earliest_arrival(c, origin, t0)
        assert np.array_equal(np.minimum(got.arrival_s, INF), np.minimum(ref, INF))
        for target in range(c.n_stops):
            one = earliest_arrival(c, origin, t0, target=target)
            assert one.arrival_s[target] == ref[target]
            if target != origin and ref[target] < INF:
                check_journey(c, journey(c, one, target), origin, t0, target, int(ref[target]))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(timetables(), st.data())
def test_pareto_over_trips_equals_the_layered_oracle(c: Connections, data: st.DataObject) -> None:
    max_trips = 4
    graph = build_time_expanded(c, layers=max_trips + 1)
    for _ in range(4):
        origin = data.draw(st.integers(0, c.n_stops - 1))
        target = data.draw(st.integers(0, c.n_stops - 1))
        t0 = T0 + data.draw(st.integers(0, 5 * 3600))
        want = pareto_transfers_te(graph, c, origin, t0, target)
        for tgt in (target, -1):
            got = pareto_transfers(c, origin, t0, target=tgt, max_trips=max_trips)
            assert got.front(target) == want
            for trips, arrival in got.front(target):
                legs = pareto_journey(c, got, target, trips)
                assert sum(leg.kind == "trip" for leg in legs) == trips
                if legs:
                    check_journey(c, legs, origin, t0, target, arrival)


def test_change_time_applies_between_trips_not_within_one() -> None:
    # s0 -> s1 on r0 arriving 00:10; r1 leaves s1 at 00:11; change at s1 is 3 min, so r1 is missed
    r0 = _service("r0", [0, 1, 2], [600, 600], [0, 0, 0], [0])
    r1 = _service("r1", [1, 3], [60], [0, 0], [660, 1200])
    c = make_connections(4, [r0, r1], [], [0, 180, 0, 0])
    res = earliest_arrival(c, 0, T0, target=3)
    assert res.arrival_s[3] == T0 + 1260  # the 00:20 departure
    assert res.arrival_s[2] == T0 + 1200  # staying on r0 needs no change time
    legs = journey(c, res, 3)
    assert [leg.trip for leg in legs] == [c.trip[legs[0].board_conn], c.trip[legs[1].board_conn]]
    assert legs[1].depart_s == T0 + 1200


def test_a_footpath_reaches_a_stop_no_trip_serves() -> None:
    r0 = _service("r0", [0, 1], [600], [0, 0], [0])
    c = make_connections(3, [r0], [_walk(1, 2, 240)], [0, 0, 0])
    res = earliest_arrival(c, 0, T0)
    assert res.arrival_s[2] == T0 + 840
    assert [leg.kind for leg in journey(c, res, 2)] == ["trip", "walk"]


def test_unreachable_stop_and_bad_origin() -> None:
    r0 = _service("r0", [0, 1], [600], [0, 0], [0])
    c = make_connections(3, [r0], [], [0, 0, 0])
    res = earliest_arrival(c, 1, T0)
    assert res.arrival_s[0] == INF and res.arrival_s[1] == T0
    with pytest.raises(ValueError, match="not reached"):
        journey(c, res, 0)
    with pytest.raises(IndexError):
        earliest_arrival(c, 7, T0)


def test_pareto_keeps_a_slower_journey_with_fewer_trips() -> None:
    slow = _service("slow", [0, 2], [3600], [0, 0], [0])
    a = _service("a", [0, 1], [300], [0, 0], [0])
    b = _service("b", [1, 2], [300], [0, 0], [600])
    c = make_connections(3, [slow, a, b], [], [0, 0, 0])
    front = pareto_transfers(c, 0, T0, target=2).front(2)
    assert front == [(1, T0 + 3600), (2, T0 + 900)]


def test_zero_duration_hops_of_two_trips_in_the_same_second_chain() -> None:
    # b is listed first, so its hop is scanned before a's; b is still caught at s1 in the same second
    b = _service("b", [1, 2], [0], [0, 0], [600])
    a = _service("a", [0, 1], [0], [0, 0], [600])
    c = make_connections(3, [b, a], [], [0, 0, 0])
    assert earliest_arrival(c, 0, T0).arrival_s[2] == T0 + 600
    assert pareto_transfers(c, 0, T0, target=2).front(2) == [(2, T0 + 600)]


def test_a_query_may_raise_every_change_time() -> None:
    r0 = _service("r0", [0, 1], [600], [0, 0], [0])
    r1 = _service("r1", [1, 2], [60], [0, 0], [660, 1200])
    c = make_connections(3, [r0, r1], [], [0, 0, 0])
    assert earliest_arrival(c, 0, T0).arrival_s[2] == T0 + 720
    assert earliest_arrival(c, 0, T0, min_change_s=120).arrival_s[2] == T0 + 1260
    front = pareto_transfers(c, 0, T0, target=2, min_change_s=120).front(2)
    assert front == [(2, T0 + 1260)]
    legs = journey(c, earliest_arrival(c, 0, T0, target=2), 2)
    assert [c.service_of(leg.trip).id for leg in legs] == ["r0", "r1"]
    assert c.trip_start_s(legs[1].trip) == T0 + 660


def test_a_cut_off_closes_the_gate_before_departure() -> None:
    # the train leaves s1 at 00:20 but its gate closes 15 min before; the truck-like r0 arrives at 00:10
    r0 = _service("r0", [0, 1], [600], [0, 0], [0])
    train = _service("train", [1, 2], [600], [0, 0], [1200, 3600], cutoff_s=900)
    c = make_connections(3, [r0, train], [], [0, 0, 0])
    res = earliest_arrival(c, 0, T0, target=2)
    assert res.arrival_s[2] == T0 + 4200  # the 01:00 train; the 00:20 one closed at 00:05
    assert earliest_arrival(c, 1, T0 + 300).arrival_s[2] == T0 + 1800  # ready at 00:05: just in time
    assert pareto_transfers(c, 0, T0, target=2).front(2) == [(2, T0 + 4200)]
    graph = build_time_expanded(c)
    assert earliest_arrival_te(graph, c, 0, T0)[2] == T0 + 4200


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(timetables(rules=True), st.data())
def test_pickup_drop_off_and_chained_walks_equal_the_oracle(c: Connections, data: st.DataObject) -> None:
    """Earliest arrival and the Pareto set with stop rules and chained walks, against the oracle.

    The oracle chains the footpaths as given (``raw_foot_*``); the scans read their closure.
    """
    max_trips = 4
    graph = build_time_expanded(c)
    layered = build_time_expanded(c, layers=max_trips + 1)
    for _ in range(4):
        origin = data.draw(st.integers(0, c.n_stops - 1))
        t0 = T0 + data.draw(st.integers(0, 5 * 3600))
        ref = earliest_arrival_te(graph, c, origin, t0)
        got = earliest_arrival(c, origin, t0)
        assert np.array_equal(np.minimum(got.arrival_s, INF), np.minimum(ref, INF))
        for target in range(c.n_stops):
            one = earliest_arrival(c, origin, t0, target=target)
            assert one.arrival_s[target] == ref[target]
            if target != origin and ref[target] < INF:
                check_journey(c, journey(c, one, target), origin, t0, target, int(ref[target]))
            want = pareto_transfers_te(layered, c, origin, t0, target)
            front = pareto_transfers(c, origin, t0, target=target, max_trips=max_trips)
            assert front.front(target) == want
            for trips, arrival in want:
                legs = pareto_journey(c, front, target, trips)
                assert sum(leg.kind == "trip" for leg in legs) == trips
                if legs:
                    check_journey(c, legs, origin, t0, target, arrival)


def test_walks_chain_into_one_footpath() -> None:
    # r0 reaches s1 at 00:10; walks s1 -> s2 -> s3 (2 + 2 min) catch r1 at s3 at 00:15
    r0 = _service("r0", [0, 1], [600], [0, 0], [0])
    r1 = _service("r1", [3, 4], [300], [0, 0], [900])
    c = make_connections(5, [r0, r1], [_walk(1, 2, 120), _walk(2, 3, 120)], [0, 0, 0, 0, 0])
    closed = {(a, int(c.foot_to[f]), int(c.foot_s[f])) for a in range(5)
              for f in range(int(c.foot_start[a]), int(c.foot_start[a + 1]))}  # fmt: skip
    assert closed == {(1, 2, 120), (2, 3, 120), (1, 3, 240)}
    assert c.raw_foot_to.tolist() == [2, 3]  # the footpaths as given stay beside the closure
    res = earliest_arrival(c, 0, T0, target=4)
    assert res.arrival_s[4] == T0 + 1200
    legs = journey(c, res, 4)
    assert [(leg.kind, leg.from_stop, leg.to_stop) for leg in legs] == [
        ("trip", 0, 1),
        ("walk", 1, 3),
        ("trip", 3, 4),
    ]
    assert legs[1].arrive_s == T0 + 840
    assert earliest_arrival(c, 1, T0).arrival_s[3] == T0 + 240  # from the origin too
    assert pareto_transfers(c, 0, T0, target=4).front(4) == [(2, T0 + 1200)]
    assert earliest_arrival_te(build_time_expanded(c), c, 0, T0)[4] == T0 + 1200


def test_a_trip_boards_only_where_it_picks_up_and_leaves_only_where_it_sets_down() -> None:
    # r0 runs s0 -> s1 -> s2 but picks up nothing at s1 and sets nothing down there
    r0 = _service("r0", [0, 1, 2], [600, 600], [0, 0, 0], [0], pickup=[True, False, True],
                  dropoff=[True, False, True])  # fmt: skip
    late = _service("late", [1, 2], [600], [0, 0], [3600])
    c = make_connections(3, [r0, late], [], [0, 0, 0])
    assert c.pickup.tolist() == [True, False, True] and c.dropoff.tolist() == [False, True, True]
    from_s0 = earliest_arrival(c, 0, T0)
    assert from_s0.arrival_s[1] == INF  # ridden through, not reached
    assert from_s0.arrival_s[2] == T0 + 1200  # riding through s1 is allowed
    # at s1 at 00:00 the 00:10 departure of r0 cannot be boarded: the next trip is the 01:00 one
    assert earliest_arrival(c, 1, T0, target=2).arrival_s[2] == T0 + 4200
    assert pareto_transfers(c, 1, T0, target=2).front(2) == [(1, T0 + 4200)]
    graph = build_time_expanded(c)
    assert earliest_arrival_te(graph, c, 1, T0)[2] == T0 + 4200
    assert earliest_arrival_te(graph, c, 0, T0)[1] == INF


def test_a_journey_boarded_after_a_walk_does_not_loop_through_zero_duration_hops() -> None:
    # the trip runs s0 -> s1 -> s0 -> s1 -> s0 all at 00:15; walked to s1 by 00:00:30, the cargo boards
    # there, and the same trip sets down at s1 in the same second: the journey must start with the walk
    loop = _service("loop", [0, 1, 0, 1, 0], [0, 0, 0, 0], [0] * 5, [900])
    c = make_connections(3, [loop], [_walk(2, 1, 30)], [0, 0, 0])
    res = earliest_arrival(c, 2, T0, target=0)
    assert res.arrival_s[0] == T0 + 900
    legs = journey(c, res, 0)
    assert [(leg.kind, leg.from_stop, leg.to_stop) for leg in legs] == [("walk", 2, 1), ("trip", 1, 0)]
    check_journey(c, legs, 2, T0, 0, T0 + 900)
    assert earliest_arrival_te(build_time_expanded(c), c, 2, T0)[0] == T0 + 900
