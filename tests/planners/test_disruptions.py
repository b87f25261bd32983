"""Disruptions applied to one search: which trips a closure stops, how late a delay makes a trip, which roads
are not driven."""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intermodal.io.scenarios import load_scenario
from intermodal.model import Bundle
from intermodal.model.disruptions import Closure
from intermodal.network.timetable import Timetable, expand_timetable
from intermodal.planners.disruptions import (
    BookedLeg,
    apply_closures,
    drive_closure,
    leg_breaks,
    link_ids,
    trip_key,
)

CST = dt.timezone(dt.timedelta(hours=8))
# shuttle-east leaves Nanpeng 10:00 and 20:00; its trucks are at Youyiguan from +23 h to +40 h
DAY = dt.datetime(2020, 4, 6, tzinfo=CST)


@pytest.fixture(scope="module")
def chongqing() -> Bundle:
    return load_scenario("chongqing")


def _east(bundle: Bundle) -> tuple[Timetable, list[str]]:
    ids = list(bundle.terminals)
    index = {t: i for i, t in enumerate(ids)}
    east = [bundle.service("shuttle-east")]
    tt = expand_timetable(east, bundle.terminals, index, start=DAY, end=DAY + dt.timedelta(hours=23))
    keep = tt.trip_start >= int(DAY.timestamp())  # only the day's own trips
    tt = Timetable(
        tt.services, tt.stops, tt.arrive_s, tt.depart_s, tt.trip_service[keep], tt.trip_start[keep]
    )
    return tt, ids


def _starts(tt: Timetable) -> list[dt.datetime]:
    return [dt.datetime.fromtimestamp(int(t), CST) for t in tt.trip_start]


def test_a_trip_at_a_closed_crossing_in_the_window_is_taken_out(chongqing: Bundle) -> None:
    tt, ids = _east(chongqing)
    assert [t.hour for t in _starts(tt)] == [10, 20]
    # 10:00 trip: at Youyiguan 04-07 09:00 to 04-08 02:00; the 20:00 trip from 04-07 19:00
    closed = Closure(1, "crossing", "youyiguan", DAY + dt.timedelta(hours=33), DAY + dt.timedelta(hours=43))
    out, taken = apply_closures(tt, [closed], chongqing, ids)
    assert [t.hour for t in _starts(out)] == [20]
    assert taken == [(1, 0)]
    elsewhere = Closure(2, "crossing", "mohan", DAY, DAY + dt.timedelta(days=5))
    assert apply_closures(tt, [elsewhere], chongqing, ids)[1] == []


def test_a_cancelled_departure_is_that_trip_alone(chongqing: Bundle) -> None:
    tt, ids = _east(chongqing)
    ref = "shuttle-east@2020-04-06T20:00+08:00"
    assert trip_key(ref) == ("shuttle-east", int(dt.datetime(2020, 4, 6, 12, tzinfo=dt.UTC).timestamp()))
    assert trip_key("shuttle-east") is None and trip_key("x@2020-04-06T20:00") is None
    out, taken = apply_closures(
        tt, [Closure(3, "departure", ref, DAY, DAY + dt.timedelta(minutes=1))], chongqing, ids
    )
    assert [t.hour for t in _starts(out)] == [10] and [k for _, k in taken] == [1]


@settings(max_examples=25, deadline=None)
@given(hours=st.floats(min_value=0.25, max_value=72), late=st.integers(min_value=0, max_value=1))
def test_a_delay_moves_every_later_stop_of_the_delayed_trip_by_exactly_its_hours(
    hours: float, late: int
) -> None:
    bundle = load_scenario("chongqing")
    tt, ids = _east(bundle)
    leaves = _starts(tt)[late]
    delay = Closure(4, "delay", "shuttle-east", leaves, leaves + dt.timedelta(minutes=1), delay_hours=hours)
    out, taken = apply_closures(tt, [delay], bundle, ids)
    assert taken == [] and np.array_equal(out.trip_start, tt.trip_start)
    for k in range(tt.n_trips):
        before, after = int(tt.trip_service[k]), int(out.trip_service[k])
        shift = round(hours * 3600) if k == late else 0
        assert out.depart_s[after][0] == tt.depart_s[before][0]  # it leaves on time: the same ledger ref
        assert list(out.arrive_s[after][1:] - tt.arrive_s[before][1:]) == [shift] * (
            len(tt.stops[before]) - 1
        )


def test_a_road_to_a_closed_crossing_is_not_driven_while_it_is_closed(chongqing: Bundle) -> None:
    road = next(link for link in chongqing.links if link.id == "nanning-youyiguan")
    closed = Closure(5, "crossing", "youyiguan", DAY, DAY + dt.timedelta(days=3))
    assert drive_closure(road, [closed], DAY - dt.timedelta(days=1), DAY) == closed
    assert drive_closure(road, [closed], DAY + dt.timedelta(days=3), DAY + dt.timedelta(days=9)) is None
    by_id = Closure(6, "link", "nanning-youyiguan", DAY, DAY + dt.timedelta(days=1))
    assert drive_closure(road, [by_id], DAY, DAY + dt.timedelta(days=30)) == by_id


def test_the_bundles_closures_join_the_ledgers_in_one_snapshot() -> None:
    import dataclasses
    from pathlib import Path

    from intermodal.io import load_bundle
    from intermodal.model import Availability
    from intermodal.planners.disruptions import with_bundle_closures
    from intermodal.planners.routing import find_routes
    from intermodal.planners.shipments import make_shipment

    mini = load_bundle(Path(__file__).parents[1] / "io" / "bundles" / "mini")
    zone = dt.timezone(dt.timedelta(hours=8))
    t0 = dt.datetime(2020, 4, 1, tzinfo=zone)
    ledger = Availability(closures=(Closure(7, "terminal", "station", t0, t0 + dt.timedelta(days=1)),))
    assert with_bundle_closures(mini, None) is None and with_bundle_closures(mini, ledger) is ledger
    road = Closure(
        -2, "link", "hub-border", dt.datetime(2020, 4, 1, tzinfo=zone), dt.datetime(2020, 5, 1, tzinfo=zone)
    )
    closed = dataclasses.replace(mini, closures=(road,))
    merged = with_bundle_closures(closed, ledger)
    assert merged is not None and merged.closures == (road, *ledger.closures)
    alone = with_bundle_closures(closed, None)
    assert alone is not None and alone.closures == (road,) and not alone.rooms
    # and the search applies it as it would the ledger's, naming the row that kept the road out
    shipment = make_shipment(closed, teu=2, ready="2020-04-06T08:00+08:00")
    result = find_routes(closed, "hub", "border", shipment, fold=None, engine="reference")
    assert not any(
        g.mode.value == "road" and {g.from_id, g.to_id} == {"hub", "border"}
        for o in result.options
        for g in o.legs
    )
    assert any(
        n.startswith("closure on line 2 of closures.csv (link hub-border closed") for n in result.notes
    )
    as_ledger = find_routes(
        mini,
        "hub",
        "border",
        shipment,
        fold=None,
        engine="reference",
        availability=Availability(closures=(road,)),
    )

    def shown(options: object) -> list[tuple[object, ...]]:
        return [(o.depart, o.arrive, o.cost, o.co2e_kg_wtw) for o in options]  # type: ignore[attr-defined]

    assert shown(as_ledger.options) == shown(result.options) and result.options


@settings(max_examples=40, deadline=None)
@given(
    kind=st.sampled_from(["crossing", "terminal", "link", "departure"]),
    start_h=st.integers(-24, 90),
    hours=st.integers(1, 72),
)
def test_a_whole_booked_leg_breaks_exactly_when_the_search_drops_its_trip(
    chongqing: Bundle, kind: str, start_h: int, hours: int
) -> None:
    # the ledger's check of a booking (leg_breaks) and the search's (close_trips) must agree on a whole trip
    tt, ids = _east(chongqing)
    service = chongqing.service("shuttle-east")
    first = dt.datetime.fromtimestamp(int(tt.trip_start[0]), dt.UTC).astimezone(CST)
    links = link_ids(chongqing)
    stops = [stop.terminal_id for stop in service.stops]
    target = {
        "crossing": "youyiguan",
        "terminal": stops[1],
        "link": next(links[pair] for pair in itertools.pairwise(stops) if pair in links),  # one it drives
        "departure": f"shuttle-east@{first.isoformat(timespec='minutes')}",
    }[kind]
    start = DAY + dt.timedelta(hours=start_h)
    closure = Closure(1, kind, target, start, start + dt.timedelta(hours=hours))
    dropped = {k for _, k in apply_closures(tt, [closure], chongqing, ids)[1]}
    for k in range(tt.n_trips):
        leaves = dt.datetime.fromtimestamp(int(tt.trip_start[k]), dt.UTC).astimezone(CST)
        leg = BookedLeg(f"shuttle-east@{leaves.isoformat(timespec='minutes')}", "shuttle-east", leaves)
        why = leg_breaks(closure, leg, service, links)
        assert (why is not None) == (k in dropped), (k, why)
        if why is not None and kind != "departure":
            assert why.startswith(leg.ref)
