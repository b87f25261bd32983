"""On the real feeds (NYC subway 2025, Cairns 2014): the compiled scans equal the time-expanded oracle.

Each feed is searched on two days, the second a calendar_dates exception (a holiday on the Sunday timetable),
each with its trips past midnight, by 1,000 random earliest-arrival queries (all stops compared) and 100
Pareto queries, leaving between 04:00 and 23:00 local time. Cairns has stops where trips do not pick up or
set down (GTFS pickup_type / drop_off_type 1), which every engine must respect.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from intermodal.engines.csa import INF, earliest_arrival, journey
from intermodal.engines.pareto import pareto_journey, pareto_transfers
from intermodal.engines.time_expanded import (
    TimeExpandedGraph,
    build_time_expanded,
    earliest_arrival_te,
    pareto_transfers_te,
)
from intermodal.io.gtfs import import_gtfs
from intermodal.network.connections import Connections, compile_connections

FEEDS = Path(__file__).resolve().parents[1] / "data/gtfs"

# feed, local start of the window (the day before a holiday run on the Sunday timetable), zone
CASES = {
    "nyc": ("nyc_subway_gtfs.zip", datetime(2024, 12, 24), "America/New_York"),
    "cairns": ("cairns_gtfs.zip", datetime(2014, 6, 8), "Australia/Brisbane"),
}


Day = tuple[Connections, TimeExpandedGraph, int]


@pytest.fixture(scope="module", params=sorted(CASES))
def feed(request: pytest.FixtureRequest) -> tuple[str, list[Day]]:
    """Per day, the connections from local midnight to 04:00 the next day, and the oracle's graph."""
    name, day, zone = CASES[request.param]
    bundle = import_gtfs(FEEDS / name)
    days = []
    for offset in (0, 1):
        start = (day + timedelta(days=offset)).replace(tzinfo=ZoneInfo(zone))
        conns = compile_connections(bundle, start=start, end=start + timedelta(hours=28))
        days.append((conns, build_time_expanded(conns), int(start.timestamp())))
    return request.param, days


def test_cairns_stops_that_do_not_pick_up_or_set_down_are_in_the_comparison(
    feed: tuple[str, list[Day]],
) -> None:
    # Cairns marks some stops pickup_type / drop_off_type 1, so the queries below meet those rules too
    name, days = feed
    if name == "cairns":
        for c, _, _ in days:
            assert not c.pickup.all() and not c.dropoff.all()
    else:
        assert all(c.pickup.all() and c.dropoff.all() for c, _, _ in days)


def test_thousand_earliest_arrival_queries_equal_the_oracle(feed: tuple[str, list[Day]]) -> None:
    name, days = feed
    rng = np.random.default_rng(20250108)
    reached = 0
    for q in range(1000):
        c, graph, t_start = days[q % 2]
        origin, target = (int(x) for x in rng.integers(c.n_stops, size=2))
        t0 = t_start + int(rng.integers(4 * 3600, 23 * 3600))
        want = earliest_arrival_te(graph, c, origin, t0)
        got = earliest_arrival(c, origin, t0)
        assert np.array_equal(np.minimum(got.arrival_s, INF), np.minimum(want, INF)), (name, origin, t0)
        one = earliest_arrival(c, origin, t0, target=target)
        assert one.arrival_s[target] == want[target], (name, origin, target, t0)
        if target != origin and want[target] < INF:
            reached += 1
            legs = journey(c, one, target)
            assert legs[0].from_stop == origin and legs[-1].to_stop == target
            assert legs[-1].arrive_s == want[target] and legs[0].depart_s >= t0
            for before, after in itertools.pairwise(legs):
                assert after.depart_s >= before.arrive_s
    assert reached > 300  # many queries have answers, so the comparison means something


def test_pareto_queries_equal_the_layered_oracle(feed: tuple[str, list[Day]]) -> None:
    name, days = feed
    max_trips = 4
    layered = [build_time_expanded(c, layers=max_trips + 1) for c, _, _ in days]
    rng = np.random.default_rng(7)
    for q in range(100):
        (c, _, t_start), graph = days[q % 2], layered[q % 2]
        origin, target = (int(x) for x in rng.integers(c.n_stops, size=2))
        t0 = t_start + int(rng.integers(4 * 3600, 23 * 3600))
        got = pareto_transfers(c, origin, t0, target=target, max_trips=max_trips)
        front = got.front(target)
        assert front == pareto_transfers_te(graph, c, origin, t0, target), (name, origin, target, t0)
        for trips, arrival in front:
            legs = pareto_journey(c, got, target, trips)
            assert sum(leg.kind == "trip" for leg in legs) == trips
            assert not legs or legs[-1].arrive_s == arrival
