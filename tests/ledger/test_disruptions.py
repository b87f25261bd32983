"""Disruptions and rebooking: what a closure, a cancellation or a delay breaks, the options from where the
cargo is, searches that respect open disruptions, and rebooking in one transaction (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

import intermodal as im
from intermodal.exceptions import CapacityError, DisruptedError, LedgerError, NoRouteError, RebookError
from intermodal.io.scenarios import load_scenario
from intermodal.ledger import (
    Ledger,
    book,
    booking_eta,
    get_booking,
    get_departure,
    list_events,
    load_demo,
    open_ledger,
    record_event,
    set_departure_status,
)
from intermodal.ledger.availability import read_availability
from intermodal.ledger.disruptions import (
    add_disruption,
    booking_impact,
    clear_disruption,
    disruption_impact,
    list_disruptions,
    rebook,
    rebook_option,
)
from intermodal.ledger.schedule import schedule_departures
from intermodal.model import Bundle

READY = "2020-04-06T08:00+08:00"
CLOSED = {"start": "2020-04-05T00:00+08:00", "end": "2020-04-20T00:00+08:00"}
YOUYIGUAN_LINES = {"shuttle-east", "shuttle-asia-europe"}  # the demo's lines whose trucks cross at Youyiguan


@pytest.fixture(scope="module")
def chongqing() -> Bundle:
    return load_scenario("chongqing")


def _options(
    bundle: Bundle, ledger: Ledger, to: str, *, ready: str = READY, due: str | None = None
) -> im.RouteResult:
    shipment = im.make_shipment(bundle, teu=2, ready=ready, due=due)
    start = dt.datetime(2020, 4, 5, tzinfo=dt.UTC)
    availability = read_availability(ledger, start=start, end=start + dt.timedelta(days=40))
    return im.find_routes(bundle, "nanpeng", to, shipment, objective="fastest", availability=availability)


def _places(option: im.Itinerary) -> set[str]:
    return {p for leg in option.legs for p in (leg.from_id, *leg.via, leg.to_id)}


def _at_youyiguan(bundle: Bundle, leg: dict) -> dt.datetime:
    """When a leg of a route answer is at Youyiguan (by its service's timetable); 1970 if never."""
    places = [leg["from"], *leg.get("via", []), leg["to"]]
    if "youyiguan" not in places:
        return dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    depart = dt.datetime.fromisoformat(leg["depart"])
    if not leg["service"]:  # a truck: at one end of its drive
        return depart if leg["from"] == "youyiguan" else dt.datetime.fromisoformat(leg["arrive"])
    stops = {stop.terminal_id: stop for stop in bundle.service(leg["service"]).stops}
    offset = stops["youyiguan"].arrive_offset_h - stops[leg["from"]].depart_offset_h
    return depart + dt.timedelta(hours=offset)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, chongqing: Bundle) -> tuple[Ledger, im.ledger.Booking]:
    path = tmp_path_factory.mktemp("demo") / "ledger.sqlite3"
    ledger = open_ledger(path)
    load_demo(ledger, quarters=["2020Q1"])
    return ledger, add_disruption(
        ledger,
        chongqing,
        kind="crossing",
        target="youyiguan",
        start="2020-02-01T00:00+08:00",
        end="2020-03-15T00:00+08:00",
        as_of="2020-02-01T00:00+08:00",
        note="COVID-19 border closure (the issue's test case)",
    )


def test_closing_youyiguan_gives_every_booking_that_used_it_an_alternative_or_a_named_reason(
    demo: tuple[Ledger, object], chongqing: Bundle
) -> None:
    ledger, impact = demo
    broken = impact.broken  # type: ignore[attr-defined]
    assert len(broken) > 50
    start = dt.datetime(2020, 2, 1, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    reopens = dt.datetime(2020, 3, 15, tzinfo=start.tzinfo)
    for item in broken:
        assert item.options or item.reasons, item.booking.idempotency_key
        assert all(reason["code"] and reason["text"] for reason in item.reasons)
        line = get_departure(ledger, item.departure).line_id
        assert line in YOUYIGUAN_LINES
        for option in item.options:  # no alternative is at Youyiguan while it is closed
            for leg in option["legs"]:
                assert not start <= _at_youyiguan(chongqing, leg) < reopens, leg
    assert sum(bool(item.options) for item in broken) > len(broken) * 0.9
    # every booking whose East-line truck leaves well inside the window is listed; none on the Dongxing line
    listed = {item.booking.id for item in broken}
    for booking in im.ledger.list_bookings(ledger, status="confirmed"):
        departure = get_departure(ledger, booking.departures[0])
        inside = (
            dt.datetime(2020, 2, 1, tzinfo=dt.UTC)
            <= departure.departs_at
            < dt.datetime(2020, 3, 12, tzinfo=dt.UTC)
        )
        if departure.line_id == "shuttle-east" and inside:
            assert booking.id in listed
        if departure.line_id == "shuttle-east-double":
            assert booking.id not in listed


def test_one_answer_searches_at_most_max_searched_bookings_and_says_so_for_the_rest(
    demo: tuple[Ledger, object], chongqing: Bundle, monkeypatch: pytest.MonkeyPatch
) -> None:
    from intermodal.ledger import disruptions

    ledger, impact = demo
    monkeypatch.setattr(disruptions, "MAX_SEARCHED", 3)
    again = disruption_impact(ledger, chongqing, impact.disruption.id, as_of="2020-02-01T00:00+08:00")  # type: ignore[attr-defined]
    assert [b.booking.id for b in again.broken] == [b.booking.id for b in impact.broken]  # type: ignore[attr-defined]
    assert [b.options for b in again.broken[:3]] == [b.options for b in impact.broken[:3]]  # type: ignore[attr-defined]
    assert all(not b.options and b.reasons[0]["code"] == "not_searched" for b in again.broken[3:])


def test_a_booking_not_yet_started_is_searched_from_its_origin_and_one_under_way_from_its_last_event(
    demo: tuple[Ledger, object],
) -> None:
    ledger, impact = demo
    for item in impact.broken:  # type: ignore[attr-defined]
        events = [
            e
            for e in list_events(ledger, booking=item.booking.id)
            if e.classifier == "ACT" and e.event_at <= impact.as_of  # type: ignore[attr-defined]
        ]
        if events and events[-1].event_code == "DEPA":  # aboard: off the truck at the leg's next stop
            assert item.position != events[-1].place and item.ready >= impact.as_of  # type: ignore[attr-defined]
        elif events:
            assert item.position == events[-1].place
            assert item.ready == max(events[-1].event_at, impact.as_of)  # type: ignore[attr-defined]
        else:
            departure = get_departure(ledger, item.booking.departures[0])
            assert item.ready == max(impact.as_of, departure.departs_at - dt.timedelta(hours=3))  # type: ignore[attr-defined]


def test_a_closure_in_the_past_breaks_nothing_now(demo: tuple[Ledger, object], chongqing: Bundle) -> None:
    ledger, impact = demo
    later = disruption_impact(ledger, chongqing, impact.disruption.id)  # type: ignore[attr-defined]
    assert later.broken == ()


def test_searches_avoid_an_open_closure_until_it_is_cleared(ledger: Ledger, chongqing: Bundle) -> None:
    schedule_departures(ledger, chongqing, start=dt.date(2020, 4, 6), end=dt.date(2020, 4, 12))
    before = _options(chongqing, ledger, "hanoi")
    assert "youyiguan" in _places(before.options[0])
    made = add_disruption(ledger, chongqing, kind="crossing", target="youyiguan", **CLOSED, as_of=READY)
    during = _options(chongqing, ledger, "hanoi")
    assert all("youyiguan" not in _places(option) for option in during.options)
    assert any(f"disruption {made.disruption.id}" in note for note in during.notes)
    assert during.options[0].arrive > before.options[0].arrive
    _, changed = clear_disruption(ledger, made.disruption.id)
    assert changed and not clear_disruption(ledger, made.disruption.id)[1]
    after = _options(chongqing, ledger, "hanoi")
    assert after.options[0].to_dict()["legs"] == before.options[0].to_dict()["legs"]
    assert [d.status for d in list_disruptions(ledger)] == ["cleared"]


def test_a_delay_makes_the_delayed_trip_arrive_exactly_that_late(ledger: Ledger, chongqing: Bundle) -> None:
    before = _options(chongqing, ledger, "vientiane").options[0]
    assert [leg.service for leg in before.legs] == ["shuttle-middle"]
    window = {"start": "2020-04-07T00:00+08:00", "end": "2020-04-08T00:00+08:00"}
    # the Singapore line calls at Vientiane at the same hours: both run late, or it would take the lead
    for service in ("shuttle-middle", "shuttle-singapore"):
        add_disruption(ledger, chongqing, kind="delay", target=service, hours=6, **window, options=False)
    late = _options(chongqing, ledger, "vientiane").options[0]
    assert late.legs[0].depart == before.legs[0].depart
    assert late.arrive - before.arrive == dt.timedelta(hours=6)
    # a trip leaving after the window runs to time
    after = _options(chongqing, ledger, "vientiane", ready="2020-04-08T08:00+08:00").options[0]
    assert after.arrive - after.legs[0].depart == before.arrive - before.legs[0].depart


def test_a_cancelled_departure_is_not_offered(ledger: Ledger, chongqing: Bundle) -> None:
    before = _options(chongqing, ledger, "bangkok").options[0]
    ref = before.legs[0].departure
    assert ref is not None
    add_disruption(ledger, chongqing, kind="departure", target=ref, options=False)
    after = _options(chongqing, ledger, "bangkok")
    assert all(leg.departure != ref for option in after.options for leg in option.legs)


def test_with_no_way_around_the_reason_names_the_disruption(ledger: Ledger, chongqing: Bundle) -> None:
    made = add_disruption(ledger, chongqing, kind="terminal", target="vientiane", **CLOSED, options=False)
    with pytest.raises(NoRouteError) as caught:  # due before it reopens
        _options(chongqing, ledger, "vientiane", due="2020-04-19T00:00+08:00")
    assert caught.value.details[0]["code"] == "disrupted"
    assert caught.value.details[0]["disruption"] == made.disruption.id


def _east_booking(ledger: Ledger, bundle: Bundle) -> im.ledger.Booking:
    schedule_departures(ledger, bundle, start=dt.date(2020, 4, 6), end=dt.date(2020, 4, 8))
    return book(
        ledger,
        idempotency_key="east-1",
        departures=[im.ledger.LegRef("shuttle-east@2020-04-06T20:00+08:00", "nanpeng", "hanoi")],
        shipper="Fruit Co",
        teu=2,
        tonnes="17.2",
        customs_status="bonded",
        bundle=bundle,
    )


def test_rebooking_moves_the_booking_in_one_transaction_and_refuses_a_repeat(
    ledger: Ledger, chongqing: Bundle
) -> None:
    booked = _east_booking(ledger, chongqing)
    old = booked.departures[0]
    impact = add_disruption(ledger, chongqing, kind="crossing", target="youyiguan", **CLOSED, as_of=READY)
    [item] = impact.broken
    assert item.booking.id == booked.id and item.position == "nanpeng" and item.destination == "hanoi"
    option = item.options[0]
    moved, was = rebook_option(ledger, chongqing, booked.id, 1, as_of=READY)
    assert was.options[0] == option
    new_refs = [leg["departure"] for leg in option["legs"] if leg["service"]]
    assert list(moved.departures) == new_refs
    assert get_departure(ledger, old).booked_teu == 0
    for ref in new_refs:
        assert get_departure(ledger, ref).booked_teu == Decimal(2)
    planned = [e for e in list_events(ledger, booking=booked.id) if e.classifier == "PLN"]
    assert [e.kind for e in planned] == ["departed", "arrived"] * len(new_refs)
    # the booking no longer meets the disruption: a second rebooking is refused, and the same move is a no-op
    assert booking_impact(ledger, chongqing, booked.id, as_of=READY) is None
    with pytest.raises(RebookError, match="no open disruption breaks this booking"):
        rebook_option(ledger, chongqing, booked.id, 1, as_of=READY)
    again, changed = rebook(ledger, booked.id, option, bundle=chongqing)
    assert not changed and again.departures == moved.departures


def test_a_replay_rebooks_a_leg_that_left_after_as_of_and_releases_it(
    ledger: Ledger, chongqing: Bundle
) -> None:
    # the demo's history: every departure has since left and arrived, but as of READY this one had not
    booked = _east_booking(ledger, chongqing)
    old = booked.departures[0]
    set_departure_status(ledger, old, "departed")
    set_departure_status(ledger, old, "arrived")
    add_disruption(ledger, chongqing, kind="crossing", target="youyiguan", **CLOSED, as_of=READY)
    moved, item = rebook_option(ledger, chongqing, booked.id, 1, as_of=READY)
    new_refs = [leg["departure"] for leg in item.options[0]["legs"] if leg["service"]]
    assert list(moved.departures) == new_refs and old not in moved.departures
    assert get_departure(ledger, old).booked_teu == 0


def test_cargo_aboard_a_departed_truck_is_rerouted_from_its_next_stop_and_its_leg_cut_there(
    ledger: Ledger, chongqing: Bundle
) -> None:
    booked = _east_booking(ledger, chongqing)
    old = booked.departures[0]
    left = dt.datetime(2020, 4, 6, 20, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    record_event(ledger, "departed", at=left, place="nanpeng", booking=booked.id)
    set_departure_status(ledger, old, "departed")
    as_of = left + dt.timedelta(hours=4)  # on the road to Nanning, the first stop
    stops = {stop.terminal_id: stop for stop in chongqing.service("shuttle-east").stops}
    at_nanning = left + dt.timedelta(
        hours=stops["nanning"].arrive_offset_h - stops["nanpeng"].depart_offset_h
    )
    impact = add_disruption(ledger, chongqing, kind="crossing", target="youyiguan", **CLOSED, as_of=as_of)
    [item] = impact.broken
    assert (item.position, item.ready) == ("nanning", at_nanning)  # not Nanpeng, which the truck has left
    assert item.options and all(option["legs"][0]["from"] == "nanning" for option in item.options)
    moved, _ = rebook_option(ledger, chongqing, booked.id, 1, as_of=as_of)
    assert moved.departures[0] == old  # travelled as far as Nanning: kept, and its room with it
    assert get_departure(ledger, old).booked_teu == Decimal(2)
    places = [stop.place for stop in booking_eta(ledger, booked.id, chongqing, store=False).stops]
    assert places[:2] == ["nanpeng", "nanning"] and "youyiguan" not in places and places[-1] == "hanoi"


def test_a_rebooked_plan_is_each_planned_event_once(ledger: Ledger, chongqing: Bundle) -> None:
    from intermodal.ledger import booking_events, export_dcsa

    booked = _east_booking(ledger, chongqing)
    add_disruption(ledger, chongqing, kind="crossing", target="youyiguan", **CLOSED, as_of=READY)
    rebook_option(ledger, chongqing, booked.id, 1, as_of=READY)
    stored = [e for e in list_events(ledger, booking=booked.id) if e.classifier == "PLN"]
    assert stored  # the rebooking recorded its legs' plan
    planned = booking_events(ledger, booked.id, chongqing)["PLN"]
    stops = [(e.event_code, e.place, e.event_at) for e in planned]
    assert len(stops) == len(set(stops)) and {e.id for e in stored} <= {e.id for e in planned}
    messages = export_dcsa(ledger, booking=booked.id, bundle=chongqing, planned=True)
    keys = [
        (m["transportEventTypeCode"], m["eventDateTime"], m["transportCall"]["transportCallID"])
        for m in messages
        if m["eventClassifierCode"] == "PLN"
    ]
    assert len(keys) == len(set(keys)) == len(stops)


def test_rebooking_reefer_cargo_moves_its_reefer_plugs_too(ledger: Ledger, chongqing: Bundle) -> None:
    schedule_departures(ledger, chongqing, start=dt.date(2020, 4, 6), end=dt.date(2020, 4, 8))
    old = "shuttle-east@2020-04-06T20:00+08:00"
    booked = book(
        ledger,
        idempotency_key="east-cold",
        departures=[im.ledger.LegRef(old, "nanpeng", "hanoi")],
        shipper="Fruit Co",
        teu=2,
        tonnes="17.2",
        cargo_class="reefer",
        customs_status="bonded",
        bundle=chongqing,
    )
    assert get_departure(ledger, old).booked_reefer_teu == Decimal(2)
    add_disruption(ledger, chongqing, kind="crossing", target="youyiguan", **CLOSED, as_of=READY)
    moved, _ = rebook_option(ledger, chongqing, booked.id, 1, as_of=READY)
    # the plugs go with the boxes: given back on the old departure, taken on each new one that counts them
    assert get_departure(ledger, old).booked_reefer_teu == 0
    for ref in moved.departures:
        new = get_departure(ledger, ref)
        assert new.booked_reefer_teu == (Decimal(2) if new.reefer_plugs_teu is not None else 0)
        assert new.booked_teu == Decimal(2)


def test_a_rebooking_whose_new_leg_has_no_room_leaves_the_old_booking_intact(
    ledger: Ledger, chongqing: Bundle
) -> None:
    booked = _east_booking(ledger, chongqing)
    impact = add_disruption(ledger, chongqing, kind="crossing", target="youyiguan", **CLOSED, as_of=READY)
    option = impact.broken[0].options[0]
    taken = next(leg["departure"] for leg in option["legs"] if leg["service"])
    room = get_departure(ledger, taken).free_teu
    book(
        ledger,
        idempotency_key="someone-else",
        departures=[taken],
        shipper="Other Co",
        teu=room,
        tonnes="1",
        customs_status="cleared",
    )
    events_before = list_events(ledger, booking=booked.id)
    with pytest.raises(CapacityError):
        rebook(ledger, booked.id, option, bundle=chongqing)
    assert get_booking(ledger, booked.id).departures == booked.departures
    assert get_departure(ledger, booked.departures[0]).booked_teu == Decimal(2)
    assert get_departure(ledger, taken).booked_teu == room
    assert list_events(ledger, booking=booked.id) == events_before


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "bridge", "target": "x"}, "kind"),
        ({"kind": "crossing", "target": "atlantis", **CLOSED}, "target"),
        ({"kind": "link", "target": "nowhere", **CLOSED}, "target"),
        ({"kind": "departure", "target": "shuttle-east@2020-04-06T21:00+08:00"}, "target"),
        ({"kind": "crossing", "target": "mohan", "start": CLOSED["end"], "end": CLOSED["start"]}, "end"),
        ({"kind": "crossing", "target": "mohan", "start": "2020-01-01", "end": "2022-01-01"}, "end"),
        ({"kind": "crossing", "target": "mohan", "start": "1900-01-01", "end": "2020-01-01"}, "start"),
        ({"kind": "crossing", "target": "mohan"}, "start"),
        ({"kind": "delay", "target": "shuttle-east", **CLOSED}, "hours"),
        ({"kind": "delay", "target": "shuttle-east", **CLOSED, "hours": 0}, "hours"),
        ({"kind": "delay", "target": "shuttle-east", **CLOSED, "hours": 10_000}, "hours"),
        ({"kind": "crossing", "target": "mohan", **CLOSED, "hours": 3}, "hours"),
        ({"kind": "delay", "target": "shuttle-nowhere", **CLOSED, "hours": 3}, "target"),
    ],
)
def test_bad_disruptions_are_refused_naming_the_field_and_write_nothing(
    sqlite_ledger: Ledger, chongqing: Bundle, fields: dict[str, object], field: str
) -> None:
    with pytest.raises(LedgerError) as caught:
        add_disruption(sqlite_ledger, chongqing, **fields)  # type: ignore[arg-type]
    assert caught.value.problems[0].field == field
    assert list_disruptions(sqlite_ledger) == []


def test_a_timetable_departure_the_ledger_lacks_can_be_cancelled(
    sqlite_ledger: Ledger, chongqing: Bundle
) -> None:
    made = add_disruption(
        sqlite_ledger,
        chongqing,
        kind="departure",
        target="shuttle-east@2020-04-06T20:00+08:00",
        options=False,
    )
    assert made.disruption.ends_at - made.disruption.starts_at == dt.timedelta(minutes=1)


def test_unknown_ids_are_named(sqlite_ledger: Ledger, chongqing: Bundle, tmp_path: Path) -> None:
    with pytest.raises(LedgerError, match="unknown disruption"):
        clear_disruption(sqlite_ledger, 99)
    with pytest.raises(LedgerError, match="unknown booking"):
        rebook_option(sqlite_ledger, chongqing, "nobody", 1)
    with pytest.raises(LedgerError, match="option"):
        rebook_option(sqlite_ledger, chongqing, "nobody", 0)


def test_a_delay_breaks_a_booking_only_past_its_next_legs_cut_off_or_on_its_last_leg(
    sqlite_ledger: Ledger, chongqing: Bundle
) -> None:
    # East Ring to Luohuang by 16:00 on the 6th; the rail-sea train leaves there at 19:00 on the 7th, its
    # cut-off 6 h before: 21 h of slack
    booked = book(
        sqlite_ledger,
        idempotency_key="two-legs",
        departures=[
            im.ledger.LegRef("eastring-shuttle@2020-04-06T13:00+08:00", "nanpeng-station", "luohuang"),
            im.ledger.LegRef("railsea-south@2020-04-07T16:00+08:00", "luohuang", "qinzhou"),
        ],
        shipper="Fruit Co",
        teu=2,
        tonnes="17.2",
        customs_status="bonded",
        bundle=chongqing,
    )
    first = {
        "start": "2020-04-06T12:00+08:00",
        "end": "2020-04-06T14:00+08:00",
        "as_of": READY,
        "options": False,
    }
    absorbed = add_disruption(
        sqlite_ledger, chongqing, kind="delay", target="eastring-shuttle", hours=21, **first
    )
    assert absorbed.broken == ()  # 21 h late still makes the cut-off
    clear_disruption(sqlite_ledger, absorbed.disruption.id)
    missed = add_disruption(
        sqlite_ledger, chongqing, kind="delay", target="eastring-shuttle", hours=22, **first
    )
    [item] = missed.broken
    assert item.booking.id == booked.id and "cut-off" in item.why
    clear_disruption(sqlite_ledger, missed.disruption.id)
    last = {**first, "start": "2020-04-07T12:00+08:00", "end": "2020-04-07T18:00+08:00"}
    [late] = add_disruption(
        sqlite_ledger, chongqing, kind="delay", target="railsea-south", hours=1, **last
    ).broken
    assert late.booking.id == booked.id and late.departure.startswith("railsea-south")


# bookings and quotes made directly (not from a search) respect open disruptions too

EAST = "shuttle-east@2020-04-06T20:00+08:00"  # its trucks cross at Youyiguan on 2020-04-07


def _book_east(ledger: Ledger, bundle: Bundle, key: str) -> im.ledger.Booking:
    return book(
        ledger,
        idempotency_key=key,
        departures=[im.ledger.LegRef(EAST, "nanpeng", "hanoi")],
        shipper="Fruit Co",
        teu=2,
        tonnes="17.2",
        customs_status="bonded",
        bundle=bundle,
    )


def test_a_booking_through_a_closed_crossing_is_refused_until_the_closure_is_cleared(
    ledger: Ledger, chongqing: Bundle
) -> None:
    schedule_departures(ledger, chongqing, start=dt.date(2020, 4, 6), end=dt.date(2020, 4, 8))
    made = add_disruption(ledger, chongqing, kind="crossing", target="youyiguan", **CLOSED, options=False)
    with pytest.raises(DisruptedError) as caught:
        _book_east(ledger, chongqing, "east-closed")
    [problem] = caught.value.problems
    assert problem.field == "legs[0].departure" and problem.found == EAST
    assert "passes youyiguan at 2020-04-07" in problem.message
    assert f"closed by disruption {made.disruption.id} (crossing youyiguan closed" in problem.message
    assert get_departure(ledger, EAST).booked_teu == 0  # nothing written
    clear_disruption(ledger, made.disruption.id)
    assert _book_east(ledger, chongqing, "east-closed").departures == (EAST,)


def test_a_closure_elsewhere_on_the_trip_or_outside_the_leg_refuses_nothing(
    ledger: Ledger, chongqing: Bundle
) -> None:
    schedule_departures(ledger, chongqing, start=dt.date(2020, 4, 6), end=dt.date(2020, 4, 8))
    # the closure ends before the truck reaches Youyiguan; and a delay never refuses a booking
    add_disruption(
        ledger,
        chongqing,
        kind="crossing",
        target="youyiguan",
        start="2020-04-01T00:00+08:00",
        end="2020-04-06T00:00+08:00",
        options=False,
    )
    window = {"start": "2020-04-06T00:00+08:00", "end": "2020-04-07T00:00+08:00"}
    add_disruption(ledger, chongqing, kind="delay", target="shuttle-east", hours=6, **window, options=False)
    assert _book_east(ledger, chongqing, "east-open").departures == (EAST,)


def test_a_cancelled_departure_refuses_a_booking_and_a_quote_but_not_a_history_import(
    ledger: Ledger, chongqing: Bundle, tmp_path: Path
) -> None:
    from intermodal.ledger import create_departure
    from intermodal.ledger.exchange import import_csv
    from intermodal.ledger.quotes import create_quote

    departure = create_departure(ledger, "shuttle-middle", "2020-04-03T09:00+08:00")
    made = add_disruption(ledger, chongqing, kind="departure", target=departure.ref, options=False)
    with pytest.raises(DisruptedError, match=f"cancelled by disruption {made.disruption.id}"):
        book(
            ledger,
            idempotency_key="k",
            departures=[departure.ref],
            shipper="A",
            teu=1,
            tonnes=1,
            customs_status="cleared",
        )
    leg = {"service": "shuttle-middle", "departure": departure.ref, "cost": 1.0, "currency": "CNY"}
    with pytest.raises(DisruptedError):
        create_quote(ledger, {"legs": [leg]}, teu=1, tonnes=1)
    csv = tmp_path / "bookings.csv"
    csv.write_text(
        "idempotency_key,departures,shipper,teu,tonnes,customs_status\n"
        f"old-1,{departure.ref},A,1,1,cleared\n",
        encoding="utf-8",
    )
    with pytest.raises(DisruptedError):  # an import of new bookings is refused as a booking is
        import_csv(ledger, "bookings", csv)
    assert import_csv(ledger, "bookings", csv, history=True) == 1  # what happened, happened
    assert get_departure(ledger, departure.ref).booked_teu == 1


def test_a_quote_through_a_closed_crossing_is_refused_and_its_booking_too_once_one_opens(
    ledger: Ledger, chongqing: Bundle
) -> None:
    from intermodal.ledger.quotes import book_quote, create_quote

    schedule_departures(ledger, chongqing, start=dt.date(2020, 4, 6), end=dt.date(2020, 4, 8))
    option = {
        "legs": [
            {"service": "shuttle-east", "departure": EAST, "from": "nanpeng", "to": "hanoi", "cost": 1.0}
            | {"currency": "CNY"}
        ]
    }
    quote = create_quote(ledger, option, teu=1, tonnes=1, bundle=chongqing)
    made = add_disruption(ledger, chongqing, kind="crossing", target="youyiguan", **CLOSED, options=False)
    with pytest.raises(DisruptedError, match="passes youyiguan"):
        create_quote(ledger, option, teu=1, tonnes=1, bundle=chongqing)
    terms = {"idempotency_key": "q", "shipper": "A", "customs_status": "cleared"}
    with pytest.raises(DisruptedError, match=f"disruption {made.disruption.id}"):
        book_quote(ledger, quote.id, bundle=chongqing, **terms)
    clear_disruption(ledger, made.disruption.id)
    assert book_quote(ledger, quote.id, bundle=chongqing, **terms).departures == (EAST,)
