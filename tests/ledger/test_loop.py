"""The loop: the timetable makes departures, a booking takes room, the search sees only room that is there,
and the ledger refuses what the planner refuses. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest

import intermodal as im
from intermodal.exceptions import LedgerError, NoRouteError, ReeferPlugsError, ShipmentError
from intermodal.io.scenarios import load_scenario
from intermodal.ledger import Ledger, book, book_itinerary, get_departure, list_departures
from intermodal.ledger.availability import read_availability
from intermodal.ledger.schedule import schedule_departures
from intermodal.model import Bundle

READY = "2020-04-03T08:00+08:00"
DAY = dt.date(2020, 4, 3)


@pytest.fixture(scope="module")
def chongqing() -> Bundle:
    return load_scenario("chongqing")


def _snapshot(ledger: Ledger) -> im.Availability:
    start = dt.datetime(2020, 4, 2, tzinfo=dt.UTC)
    return read_availability(ledger, start=start, end=start + dt.timedelta(days=40))


def _middle_options(bundle: Bundle, ledger: Ledger) -> im.RouteResult:
    shipment = im.make_shipment(bundle, teu=2, cargo="reefer", ready=READY)
    return im.find_routes(bundle, "nanpeng", "bangkok", shipment, availability=_snapshot(ledger))


def test_a_full_departure_is_no_longer_offered_and_the_answer_says_why(
    ledger: Ledger, chongqing: Bundle
) -> None:
    schedule_departures(ledger, chongqing, start=DAY, end=DAY + dt.timedelta(days=6))
    before = _middle_options(chongqing, ledger)
    first = next(o for o in before.options if [g.service for g in o.legs] == ["shuttle-middle"])
    leg = first.legs[0]
    assert leg.free_teu == 2.0 and leg.free_kg == 28_000.0
    assert get_departure(ledger, leg.departure).ref == leg.departure  # the ledger's own ref
    book(
        ledger,
        idempotency_key="fill",
        departures=[leg.departure],
        shipper="test",
        teu="2",
        tonnes="17.2",
        cargo_class="reefer",
        customs_status="bonded",
        bundle=chongqing,
    )
    after = _middle_options(chongqing, ledger)
    assert all(g.departure != leg.departure for o in after.options for g in o.legs)
    # another shuttle line leaves for Bangkok at the same hour: the fastest option takes it instead
    assert after.options[0].legs[0].departure != leg.departure
    assert after.options[0].arrive == first.arrive

    # fill every departure that can arrive by a due time only that morning's trucks meet: then the answer
    # names the full departures and the next with room
    due = (first.arrive + dt.timedelta(hours=1)).isoformat()
    shipment = im.make_shipment(chongqing, teu=2, cargo="reefer", ready=READY, due=due)
    for n in range(10):
        try:
            found = im.find_routes(chongqing, "nanpeng", "bangkok", shipment, availability=_snapshot(ledger))
        except NoRouteError as error:
            caught = error
            break
        taken = [g.departure for g in found.options[0].legs if g.service]
        book(
            ledger,
            idempotency_key=f"fill-{n}",
            departures=taken,
            shipper="t",
            teu="2",
            tonnes="9",
            customs_status="bonded",
            bundle=chongqing,
        )
    else:
        pytest.fail("the departures never filled")
    full = [d for d in caught.details if d["code"] == "departures_full"]
    assert full and all(d["full"] >= 1 and d["next"] for d in full)
    assert any(r.startswith("all ") and "are full; the next with room leaves" in r for r in caught.reasons)


def test_booking_makes_the_departures_it_needs_from_the_timetable(ledger: Ledger, chongqing: Bundle) -> None:
    shipment = im.make_shipment(chongqing, teu=2, cargo="reefer", ready=READY)
    option = im.find_routes(chongqing, "nanpeng", "bangkok", shipment).options[
        1
    ]  # rail and sea, several legs
    assert list_departures(ledger) == []
    booking = book_itinerary(
        ledger,
        option.to_dict(rank=1, summary=""),
        idempotency_key="rail-sea",
        shipper="test",
        teu="2",
        tonnes="17.2",
        cargo_class="reefer",
        customs_status="bonded",
        bundle=chongqing,
    )
    made = list_departures(ledger)
    assert {d.ref for d in made} == {g.departure for g in option.legs if g.service}
    assert all(d.booked_teu == 2 for d in made) and set(booking.departures) == {d.ref for d in made}
    with pytest.raises(LedgerError, match="unknown departure"):  # not a trip of the timetable
        book(
            ledger,
            idempotency_key="x",
            departures=["shuttle-middle@2020-04-03T03:17+08:00"],
            shipper="t",
            teu="1",
            tonnes="1",
            customs_status="cleared",
            bundle=chongqing,
        )


def test_the_ledger_refuses_what_the_planner_refuses(sqlite_ledger: Ledger, chongqing: Bundle) -> None:
    schedule_departures(sqlite_ledger, chongqing, start=DAY, end=DAY, services=["shuttle-middle"])
    ref = list_departures(sqlite_ledger, line_id="shuttle-middle")[0].ref
    common = {"departures": [ref], "shipper": "t", "customs_status": "bonded", "bundle": chongqing}
    with pytest.raises(LedgerError, match=r"does not carry dangerous goods of class 1\.1"):
        book(sqlite_ledger, idempotency_key="dg", teu="1", tonnes="5", cargo_class="dg:1.1", **common)
    with pytest.raises(ShipmentError, match="more than a TEU can carry"):
        book(sqlite_ledger, idempotency_key="heavy", teu="1", tonnes="40", **common)
    with pytest.raises(ShipmentError, match="dangerous-goods class is needed"):
        book(sqlite_ledger, idempotency_key="vague", teu="1", tonnes="5", cargo_class="dangerous", **common)
    # the planner gives the same answer: no middle-line option for class 1.1
    shipment = im.make_shipment(chongqing, teu=1, cargo="dg:1.1", ready=READY)
    try:
        offered = im.find_routes(chongqing, "nanpeng", "bangkok", shipment).options
    except NoRouteError:
        offered = ()
    assert not [o for o in offered if "shuttle-middle" in {g.service for g in o.legs}]
    assert get_departure(sqlite_ledger, ref).booked_teu == 0  # nothing was written
    ok = book(sqlite_ledger, idempotency_key="dg3", teu="1", tonnes="5", cargo_class="dg:3", **common)
    assert ok.teu == 1


def test_a_departure_whose_plugs_are_booked_is_offered_to_general_cargo_only(
    ledger: Ledger, chongqing: Bundle
) -> None:
    """The regression: reefer bookings take a train's 20 TEU of plugs; a reefer route no longer offers that
    train, a general-cargo route still does, and the ledger refuses one more reefer box on it."""
    schedule_departures(ledger, chongqing, start=DAY, end=DAY + dt.timedelta(days=6))
    reefer = im.make_shipment(chongqing, teu=2, cargo="reefer", ready=READY)
    general = im.make_shipment(chongqing, teu=2, ready=READY)
    before = im.find_routes(chongqing, "nanpeng", "bangkok", reefer, availability=_snapshot(ledger))
    leg = next(g for o in before.options for g in o.legs if g.service == "railsea-south")
    assert (leg.free_teu, leg.free_reefer) == (100.0, 20.0)
    common = {"departures": [leg.departure], "shipper": "t", "customs_status": "bonded", "bundle": chongqing}
    for n in range(10):
        book(ledger, idempotency_key=f"cold-{n}", teu="2", tonnes="17.2", cargo_class="reefer", **common)
    shown = get_departure(ledger, leg.departure)
    assert (shown.booked_reefer_teu, shown.free_reefer, shown.free_teu) == (20, 0, 80)

    after = im.find_routes(chongqing, "nanpeng", "bangkok", reefer, availability=_snapshot(ledger))
    assert after.options and all(g.departure != leg.departure for o in after.options for g in o.legs)
    still = im.find_routes(chongqing, "nanpeng", "bangkok", general, availability=_snapshot(ledger))
    offered = [g for o in still.options for g in o.legs if g.departure == leg.departure]
    assert offered and all((g.free_teu, g.free_reefer) == (80.0, 0.0) for g in offered)

    with pytest.raises(ReeferPlugsError, match="not enough reefer plugs left"):
        book(ledger, idempotency_key="one-more", teu="1", tonnes="5", cargo_class="reefer", **common)
    assert book(ledger, idempotency_key="dry", teu="2", tonnes="17", **common).teu == 2


def test_a_heavy_shipment_is_offered_only_departures_the_ledger_will_take(
    ledger: Ledger, chongqing: Bundle
) -> None:
    """The regression: 40 t in 2 TEU is within a box's limit, but a shuttle truck carries 28 t. With one day
    scheduled, the search left that day's trucks out by their kg, then offered the next day's truck, not made
    yet, that the ledger refused to book ("not enough weight left")."""
    schedule_departures(ledger, chongqing, start=DAY, end=DAY)
    heavy = im.make_shipment(chongqing, teu=2, tonnes=40, ready=READY)
    found = im.find_routes(chongqing, "nanpeng", "bangkok", heavy, availability=_snapshot(ledger))
    rides = [g for o in found.options for g in o.legs if g.service]
    assert rides and not [g for g in rides if g.service.startswith("shuttle")]
    assert all(g.free_kg is not None and g.free_kg >= 40_000 for g in rides)  # made or not, its kg is said
    assert any("40 t" in note and "shuttle" in note for note in found.notes)
    for n, option in enumerate(found.options):
        booking = book_itinerary(
            ledger,
            option.to_dict(rank=n + 1, summary=""),
            idempotency_key=f"heavy-{n}",
            shipper="t",
            teu="2",
            tonnes="40",
            customs_status="bonded",
            bundle=chongqing,
        )
        assert booking.teu == 2
    # a light shipment still gets the shuttle, and its leg says the 28 t the ledger will give the truck
    light = im.make_shipment(chongqing, teu=2, tonnes=17.2, ready=READY)
    legs = [
        g
        for o in im.find_routes(
            chongqing, "nanpeng", "bangkok", light, availability=_snapshot(ledger)
        ).options
        for g in o.legs
    ]
    assert any(g.service == "shuttle-middle" and g.free_kg == 28_000 for g in legs)
