"""Quotes: line items that add up to the fen, holds that count everywhere until they lapse by time, booking a
quote all legs or none and once per key, and holds plus bookings never over capacity under racing processes.
On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

import intermodal as im
from intermodal.exceptions import CapacityError, LedgerError, QuoteError, ReeferPlugsError, ShipmentError
from intermodal.io.scenarios import load_scenario
from intermodal.ledger import (
    Departure,
    Ledger,
    book,
    book_quote,
    create_departure,
    create_quote,
    expire_quotes,
    get_departure,
    get_quote,
    list_bookings,
    list_departures,
    list_quotes,
    quote_route,
    release_quote,
    set_departure_status,
)
from intermodal.ledger import _schema as s
from intermodal.ledger.availability import read_availability
from intermodal.model import Bundle

# quotes are made at the real time, so that a booking without an injected clock sees their holds live
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


def _option(*departures: Departure, cost: float = 1000.005) -> dict[str, Any]:
    legs = [
        {
            "mode": "road",
            "service": d.line_id,
            "departure": d.ref,
            "from": f"a{n}",
            "to": f"a{n + 1}",
            "cost": cost,
            "currency": "CNY",
            "co2e_kg_wtw": 10.004,
            "co2e_kg_ttw": 8.0,
        }
        for n, d in enumerate(departures)
    ]
    hubs = [
        {"kind": "clearance", "terminal": "mohan", "cost": 0.125, "currency": "CNY", "co2e_kg_wtw": 0.0},
        {"kind": "handling", "terminal": "a1", "cost": 0.115, "currency": "CNY", "co2e_kg_wtw": 1.5},
    ]
    return {"rank": 1, "legs": legs, "hubs": hubs}


def _quote(ledger: Ledger, *departures: Departure, teu: str = "1", **kw: Any) -> im.ledger.Quote:
    return create_quote(ledger, _option(*departures), teu=teu, tonnes="1", now=kw.pop("now", NOW), **kw)


def _room(ledger: Ledger, departure: Departure, now: dt.datetime) -> float:
    start = departure.departs_at - dt.timedelta(hours=1)
    snapshot = read_availability(ledger, start=start, end=start + dt.timedelta(hours=2), now=now)
    room = snapshot.room(departure.line_id, int(departure.departs_at.timestamp()))
    assert room is not None
    return room.free_teu


def _held_plus_booked(ledger: Ledger, now: dt.datetime) -> dict[str, Decimal]:
    """Each departure's booked TEU plus its live holds, from the tables themselves."""
    with ledger.reading() as connection:
        held = dict(
            connection.execute(
                select(s.quote_legs.c.departure_id, func.sum(s.quotes.c.teu))
                .join(s.quotes, s.quotes.c.id == s.quote_legs.c.quote_id)
                .where(s.quotes.c.status == "open", s.quotes.c.valid_until > now)
                .group_by(s.quote_legs.c.departure_id)
            ).all()
        )
        return {
            row.ref: Decimal(row.booked_teu) + Decimal(held.get(row.id) or 0)
            for row in connection.execute(select(s.departures))
        }


def test_line_items_add_up_to_the_total_to_the_fen(ledger: Ledger) -> None:
    a = create_departure(ledger, "shuttle-east", "2020-05-01T09:00", capacity_teu=4)
    b = create_departure(ledger, "shuttle-west", "2020-05-02T09:00", capacity_teu=4)
    quote = _quote(ledger, a, b, hold_minutes=45)
    # each item rounds half up to the fen; the total is their sum, so nothing is left over anywhere
    assert [line.amount for line in quote.lines] == [
        Decimal("1000.01"),
        Decimal("1000.01"),
        Decimal("0.13"),
        Decimal("0.12"),
    ]
    assert quote.total == sum(line.amount for line in quote.lines) == Decimal("2000.27")
    assert quote.price_currency == "CNY"
    # each item's CO2e to 0.01 first, like the route JSON: 10.00 + 10.00 + 0 + 1.50
    assert (quote.co2e_kg_wtw, quote.co2e_kg_ttw) == (Decimal("21.50"), Decimal("16.00"))
    assert quote.valid_until == NOW + dt.timedelta(minutes=45)
    assert quote.status == "open" and quote.departures == (a.ref, b.ref)
    doc = quote.to_dict()
    assert doc["total"] == "2000.27" and [i["amount"] for i in doc["line_items"]][-1] == "0.12"
    assert get_quote(ledger, quote.id, now=NOW) == quote


def test_a_hold_counts_in_availability_and_in_bookings_until_it_lapses(ledger: Ledger) -> None:
    dep = create_departure(ledger, "shuttle-east", "2020-05-01T09:00", capacity_teu=3)
    quote = _quote(ledger, dep, teu="2", hold_minutes=30)
    assert _room(ledger, dep, NOW) == 1.0
    assert get_departure(ledger, dep.ref).booked_teu == 0  # held, not booked
    with pytest.raises(CapacityError, match="held by quotes"):
        book(
            ledger,
            idempotency_key="k",
            departures=[dep.ref],
            shipper="x",
            teu=2,
            tonnes=1,
            customs_status="cleared",
        )
    with pytest.raises(CapacityError):  # a second quote cannot take held room either
        _quote(ledger, dep, teu="2", now=NOW + dt.timedelta(minutes=5))
    # one second before the end the hold still counts; at valid_until it counts for nothing, without a sweep
    assert _room(ledger, dep, quote.valid_until - dt.timedelta(seconds=1)) == 1.0
    assert _room(ledger, dep, quote.valid_until) == 3.0
    assert get_quote(ledger, quote.id, now=quote.valid_until).status == "expired"
    # the booking's own check, at the quote's valid_until, sees the hold has lapsed
    terms = {"departures": [dep.ref], "shipper": "x", "teu": 2, "tonnes": 1, "customs_status": "cleared"}
    made = book(ledger, idempotency_key="k", now=quote.valid_until, **terms)
    assert made.teu == 2
    assert expire_quotes(ledger, now=quote.valid_until) == 1
    assert [q.id for q in list_quotes(ledger, status="expired")] == [quote.id]


def test_booking_a_quote_takes_its_own_hold_once_per_key(ledger: Ledger) -> None:
    a = create_departure(ledger, "shuttle-east", "2020-05-01T09:00", capacity_teu=2)
    b = create_departure(ledger, "shuttle-west", "2020-05-02T09:00", capacity_teu=2)
    quote = _quote(ledger, a, b, teu="2")
    inside = NOW + dt.timedelta(minutes=10)
    terms = {"shipper": "ACME", "customs_status": "bonded", "now": inside}
    first = book_quote(ledger, quote.id, idempotency_key="order-1", **terms)
    again = book_quote(ledger, quote.id, idempotency_key="order-1", **terms)
    assert (again.id, again.replayed, first.replayed) == (first.id, True, False)
    assert first.departures == (a.ref, b.ref) and first.teu == 2 and first.weight_kg == 1000
    assert [get_departure(ledger, d.ref).booked_teu for d in (a, b)] == [2, 2]
    done = get_quote(ledger, quote.id, now=inside)
    assert (done.status, done.booking_id) == ("booked", first.id)
    assert _held_plus_booked(ledger, inside) == {a.ref: 2, b.ref: 2}  # the hold became the booking
    with pytest.raises(QuoteError, match="booked already"):
        book_quote(ledger, quote.id, idempotency_key="order-2", **terms)
    with pytest.raises(LedgerError, match="different booking"):
        book_quote(ledger, quote.id, idempotency_key="order-1", shipper="Other", customs_status="bonded")
    with pytest.raises(QuoteError, match="cancel its booking"):
        release_quote(ledger, quote.id, now=inside)
    assert len(list_bookings(ledger)) == 1


def test_a_quote_books_all_legs_or_none(ledger: Ledger) -> None:
    a = create_departure(ledger, "shuttle-east", "2020-05-01T09:00", capacity_teu=2)
    b = create_departure(ledger, "shuttle-west", "2020-05-02T09:00", capacity_teu=2)
    quote = _quote(ledger, a, b)
    set_departure_status(ledger, b.ref, "cancelled")
    with pytest.raises(LedgerError, match="cancelled"):
        book_quote(ledger, quote.id, idempotency_key="k", shipper="x", customs_status="cleared", now=NOW)
    assert get_departure(ledger, a.ref).booked_teu == 0 and list_bookings(ledger) == []
    assert get_quote(ledger, quote.id, now=NOW).status == "open"
    # a quote on a full second leg holds nothing on the first either
    c = create_departure(ledger, "shuttle-middle", "2020-05-03T09:00", capacity_teu=1)
    with pytest.raises(CapacityError):
        _quote(ledger, a, c, teu="2")
    assert _room(ledger, a, NOW) == 1.0  # only the first quote's hold


def test_an_expired_or_released_quote_is_refused_and_frees_its_room(ledger: Ledger) -> None:
    dep = create_departure(ledger, "shuttle-east", "2020-05-01T09:00", capacity_teu=2)
    old = _quote(ledger, dep, hold_minutes=5)
    late = NOW + dt.timedelta(minutes=5)
    with pytest.raises(QuoteError, match="expired; quote again") as caught:
        book_quote(ledger, old.id, idempotency_key="k", shipper="x", customs_status="cleared", now=late)
    assert caught.value.expired
    fresh = _quote(ledger, dep, teu="2", now=late)  # the lapsed hold left the room to a new quote
    released, changed = release_quote(ledger, fresh.id, now=late)
    assert changed and released.status == "released" and _room(ledger, dep, late) == 2.0
    assert release_quote(ledger, fresh.id, now=late)[1] is False  # a retried release is harmless
    with pytest.raises(QuoteError) as refused:
        book_quote(ledger, fresh.id, idempotency_key="k", shipper="x", customs_status="cleared", now=late)
    assert not refused.value.expired
    assert [q.status for q in list_quotes(ledger, now=late)] == ["expired", "released"]


def test_bad_quotes_name_the_field_and_write_nothing(ledger: Ledger) -> None:
    dep = create_departure(ledger, "shuttle-east", "2020-05-01T09:00", capacity_teu=2)
    option = _option(dep)
    option["legs"][0]["cost"] = "lots"
    option["hubs"][0]["currency"] = "USD"
    with pytest.raises(ShipmentError) as caught:
        create_quote(ledger, option, teu="-1", tonnes="1", now=NOW)
    fields = {p.field for p in caught.value.problems}
    assert {"legs[0].cost", "legs", "teu"} <= fields
    with pytest.raises(ShipmentError, match="hold_minutes"):
        create_quote(ledger, _option(dep), teu="1", tonnes="1", hold_minutes=0)
    with pytest.raises(LedgerError, match="unknown departure"):
        create_quote(ledger, {"legs": [{**_option(dep)["legs"][0], "departure": "nope@x"}]}, teu=1, tonnes=1)
    with pytest.raises(LedgerError, match="unknown quote"):
        get_quote(ledger, 999)
    assert list_quotes(ledger) == []


@pytest.fixture(scope="module")
def chongqing() -> Bundle:
    return load_scenario("chongqing")


def test_a_route_option_is_quoted_and_the_search_sees_its_hold(ledger: Ledger, chongqing: Bundle) -> None:
    shipment = im.make_shipment(chongqing, teu=2, cargo="reefer", ready="2020-04-03T08:00+08:00")
    doc = im.find_routes(chongqing, "nanpeng", "bangkok", shipment).to_dict()
    option = doc["options"][1]  # several scheduled legs, made from the timetable on the way
    quote = quote_route(ledger, doc, rank=option["rank"], bundle=chongqing)
    scheduled = [leg["departure"] for leg in option["legs"] if leg["service"]]
    assert list(quote.departures) == scheduled
    assert {d.ref for d in list_departures(ledger)} == set(scheduled)
    assert len(quote.lines) == len(option["legs"]) + len(option["hubs"])
    assert quote.total == sum(line.amount for line in quote.lines)
    assert abs(float(quote.total) - option["total"]["cost"]) < 0.01 * len(quote.lines)
    assert quote.cargo_class == "reefer" and quote.teu == 2
    start = dt.datetime(2020, 4, 2, tzinfo=dt.UTC)
    snapshot = read_availability(ledger, start=start, end=start + dt.timedelta(days=40))
    rooms = {room.ref: room for room in snapshot.rooms.values()}
    capacity = {d.ref: d.capacity_teu for d in list_departures(ledger)}
    assert all(rooms[ref].free_teu == float(capacity[ref]) - 2 for ref in scheduled)
    with pytest.raises(ShipmentError, match="no option of this rank"):
        quote_route(ledger, doc, rank=99)
    with pytest.raises(ShipmentError):  # the scenario's rules: general cargo is fine, dangerous goods not
        create_quote(ledger, option, teu=2, tonnes=40, cargo_class="dangerous", bundle=chongqing)


# Under load: real processes racing for the last slots, against SQLite and PostgreSQL.

_QUOTER = Path(__file__).with_name("_quoter.py")


@pytest.mark.timeout(180)
def test_racing_quotes_and_bookings_never_exceed_capacity(ledger: Ledger, ledger_url: str) -> None:
    workers, attempts, capacity = 4, 6, 5
    a = create_departure(ledger, "shuttle-east", "2020-05-01T09:00", capacity_teu=capacity)
    b = create_departure(ledger, "shuttle-west", "2020-05-02T09:00", capacity_teu=50)
    start_at = time.time() + 3
    processes = [
        subprocess.Popen(
            [sys.executable, str(_QUOTER), ledger_url, a.ref, b.ref, str(w), str(attempts), str(start_at)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for w in range(workers)
    ]
    results = []
    for process in processes:
        out, _ = process.communicate(timeout=150)
        assert process.returncode == 0
        results.append(json.loads(out))
    held = sum(len(r["held"]) for r in results)
    booked = sum(len(r["booked"]) for r in results)
    # demand (24 one-TEU requests) is above capacity: every slot is taken, by a booking or a live hold, and
    # not one more; a quote that was booked counts once
    assert held + booked == capacity
    now = dt.datetime.now(dt.UTC)
    assert _held_plus_booked(ledger, now)[a.ref] == capacity
    assert get_departure(ledger, a.ref).booked_teu == booked
    assert len(list_bookings(ledger, status="confirmed")) == booked


def test_a_departure_listed_shows_what_live_quotes_hold_on_it(ledger: Ledger) -> None:
    a = create_departure(ledger, "shuttle-east", "2020-05-03T09:00", capacity_teu=4)
    _quote(ledger, a, teu="1.5", hold_minutes=30)
    shown = get_departure(ledger, a.ref)
    assert (shown.held_teu, shown.free_teu) == (Decimal("1.5"), Decimal("2.5"))
    assert shown.to_dict()["held_teu"] == 1.5 and shown.to_dict()["free_teu"] == 2.5
    (listed,) = [d for d in list_departures(ledger, line_id="shuttle-east") if d.ref == a.ref]
    assert listed.free_teu == Decimal("2.5") and listed.free_kg == a.capacity_kg - 1000


def test_a_reefer_quote_holds_plugs_and_a_booking_of_it_takes_them_once(ledger: Ledger) -> None:
    dep = create_departure(ledger, "shuttle-east", "2020-05-01T09:00", capacity_teu=4, reefer_plugs_teu=2)
    held = _quote(ledger, dep, teu="2", cargo_class="reefer")
    assert get_departure(ledger, dep.ref).held_reefer_teu == 2
    with pytest.raises(ReeferPlugsError, match="reefer plugs"):  # 2 TEU free, but no plugs
        _quote(ledger, dep, teu="1", cargo_class="reefer")
    with pytest.raises(ReeferPlugsError, match=r"\(2\.00 held by quotes\)"):
        book(
            ledger,
            idempotency_key="x",
            departures=[dep.ref],
            shipper="s",
            teu=1,
            tonnes=1,
            cargo_class="reefer",
            customs_status="cleared",
        )
    assert _quote(ledger, dep, teu="2").teu == 2  # general cargo still fits
    book_quote(ledger, held.id, idempotency_key="k", shipper="s", customs_status="bonded", now=NOW)
    shown = get_departure(ledger, dep.ref)
    assert (shown.booked_reefer_teu, shown.held_reefer_teu, shown.free_reefer) == (2, 0, 0)
