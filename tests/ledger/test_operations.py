"""The operations board: departures with their loads, bookings in transit with their ETAs, open disruptions
with the bookings they break; it reads only."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intermodal.exceptions import LedgerError
from intermodal.io import load_scenario
from intermodal.ledger import (
    Ledger,
    LegRef,
    add_disruption,
    book,
    booking_eta,
    list_departures,
    list_events,
    record_event,
)
from intermodal.ledger.eta import EtaStop
from intermodal.ledger.operations import operations_board, position_at
from intermodal.ledger.schedule import schedule_departures
from intermodal.model import Bundle

MIDDLE = "shuttle-middle@2020-04-03T09:00+08:00"
EAST = "shuttle-east@2020-04-05T10:00+08:00"
CST = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture(scope="module")
def bundle() -> Bundle:
    return load_scenario("chongqing")


@pytest.fixture
def busy(ledger: Ledger, bundle: Bundle) -> Ledger:
    """The timetable of 2 to 6 April 2020, a Middle-line box under way and an East-line box to come."""
    schedule_departures(ledger, bundle, start=dt.date(2020, 4, 2), end=dt.date(2020, 4, 6))
    book(
        ledger,
        idempotency_key="middle-1",
        departures=[LegRef(MIDDLE, "nanpeng", "bangkok")],
        shipper="Fruit Co",
        teu=2,
        tonnes=17,
        customs_status="bonded",
        bundle=bundle,
        now=dt.datetime(2020, 4, 1, tzinfo=dt.UTC),
    )
    book(
        ledger,
        idempotency_key="east-1",
        departures=[EAST],
        shipper="Tea Co",
        teu=1,
        tonnes=9,
        customs_status="cleared",
        bundle=bundle,
        now=dt.datetime(2020, 4, 1, tzinfo=dt.UTC),
    )
    return ledger


def test_departures_are_today_and_tomorrow_in_the_hub_zone_with_their_loads(
    busy: Ledger, bundle: Bundle
) -> None:
    at = dt.datetime(2020, 4, 4, 12, 0, tzinfo=CST)
    board = operations_board(busy, bundle, at=at)
    assert board.days == (dt.date(2020, 4, 4), dt.date(2020, 4, 5))
    start, end = dt.datetime(2020, 4, 4, tzinfo=CST), dt.datetime(2020, 4, 6, tzinfo=CST)
    assert board.departures and all(start <= d.departs_at < end for d in board.departures)
    refs = [d.ref for d in board.departures]
    assert EAST in refs and MIDDLE not in refs
    # every departure of the timetable in those two days is there, whatever its origin's zone
    every = {r.ref for r in list_departures(busy) if start <= r.departs_at < end}
    assert set(refs) == every
    east = next(d for d in board.departures if d.ref == EAST)
    assert float(east.booked_teu) == 1.0
    for d in board.departures:
        assert d.booked_teu + d.held_teu + d.free_teu == d.capacity_teu
    assert [d.departs_at for d in board.departures] == sorted(d.departs_at for d in board.departures)


def test_in_transit_has_the_eta_and_delay_and_never_stores_an_estimate(busy: Ledger, bundle: Bundle) -> None:
    # 6 h late into Mohan (planned 2020-04-04 16:00): Bangkok 3 h late (docs/ledger.md, "ETAs")
    record_event(busy, "arrived", at="2020-04-04T22:00+08:00", place="mohan", booking="middle-1")
    at = dt.datetime(2020, 4, 5, 0, 0, tzinfo=CST)
    board = operations_board(busy, bundle, at=at)
    [moving] = board.in_transit
    assert moving.booking.idempotency_key == "middle-1" and moving.eta is not None
    assert moving.eta.delay_h == pytest.approx(booking_eta(busy, "middle-1", bundle, store=False).delay_h)
    assert moving.eta.delay_h == pytest.approx(3.0)
    # at midnight the box is waiting at Mohan for its clearance, by its estimate
    assert moving.position is not None and moving.position.place == moving.position.to == "mohan"
    assert list_events(busy, classifier="EST") == []
    doc = board.to_dict()["in_transit"][0]
    assert doc["eta"]["delay_h"] == 3.0 and "stored_event" not in doc["eta"]
    # the East box leaves on the 5th at 10:00: not yet under way
    assert "east-1" not in {b.booking.idempotency_key for b in board.in_transit}


def test_arrived_and_long_gone_bookings_are_not_in_transit(busy: Ledger, bundle: Bundle) -> None:
    record_event(busy, "arrived", at="2020-04-07T12:00+07:00", place="bangkok", booking="middle-1")
    board = operations_board(busy, bundle, at=dt.datetime(2020, 4, 7, 18, tzinfo=CST))
    # the East box is due in Hanoi by its plan, but no arrival is reported: it stays on the board, there
    [waiting] = board.in_transit
    assert waiting.booking.idempotency_key == "east-1" and waiting.eta is not None
    assert not waiting.eta.arrived and waiting.position is not None
    assert waiting.position.place == waiting.position.to == "hanoi"
    later = operations_board(busy, bundle, at=dt.datetime(2020, 6, 1, tzinfo=CST))
    assert later.in_transit == () and later.departures == ()


def test_open_disruptions_list_the_bookings_they_break_without_searching(
    busy: Ledger, bundle: Bundle
) -> None:
    add_disruption(
        busy,
        bundle,
        kind="crossing",
        target="youyiguan",
        start="2020-04-05T00:00+08:00",
        end="2020-04-20T00:00+08:00",
        as_of="2020-04-04T12:00+08:00",
        options=False,
    )
    board = operations_board(busy, bundle, at="2020-04-04T12:00+08:00")
    [impact] = board.disruptions
    assert impact.disruption.target == "youyiguan"
    assert [b.booking.idempotency_key for b in impact.broken] == ["east-1"]
    assert impact.broken[0].options == () and impact.broken[0].reasons == ()
    assert board.to_dict()["disruptions"][0]["broken"][0]["idempotency_key"] == "east-1"


def test_a_bad_instant_names_its_field(busy: Ledger, bundle: Bundle) -> None:
    with pytest.raises(LedgerError) as caught:
        operations_board(busy, bundle, at="yesterday")
    assert caught.value.problems[0].field == "at"
    with pytest.raises(LedgerError) as caught:
        operations_board(busy, bundle, at="1900-01-01T00:00")
    assert caught.value.problems[0].field == "at"


T0 = dt.datetime(2020, 4, 3, tzinfo=dt.UTC)


def _stops(gaps: list[int]) -> list[EtaStop]:
    """DEPA, ARRI, DEPA, ARRI ... at places p0, p1, ..., ``gaps`` hours apart."""
    stops, when = [], T0
    for i, gap in enumerate(gaps):
        code = "DEPA" if i % 2 == 0 else "ARRI"
        place = f"p{(i + 1) // 2}"
        stops.append(EtaStop(code, place, "UTC", when, when, False, None))
        when += dt.timedelta(hours=gap)
    return stops


@given(st.lists(st.integers(1, 48), min_size=2, max_size=9), st.integers(-10, 400))
def test_position_is_where_the_times_say(gaps: list[int], hours: int) -> None:
    stops = _stops(gaps)
    at = T0 + dt.timedelta(hours=hours)
    where = position_at(stops, at)
    # a plain reading: the last point passed, and whether the cargo is between two places
    passed = [s for s in stops if s.estimated <= at]
    if not passed:
        assert (where.place, where.to, where.fraction) == ("p0", "p0", 0.0)
        return
    here = passed[-1]
    assert where.place == here.place
    if here is stops[-1] or here.code == "ARRI":
        assert where.to == here.place and not where.moving
    else:
        ahead = stops[len(passed)]
        assert where.to == ahead.place and where.moving
        share = (at - here.estimated) / (ahead.estimated - here.estimated)
        assert where.fraction == pytest.approx(share, abs=1e-3)
        assert 0 <= where.fraction < 1
