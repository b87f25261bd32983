"""Events: DCSA codes, UTC storage shown in the place's zone, attached to bookings and departures."""

from __future__ import annotations

import datetime as dt

import pytest

from intermodal.exceptions import LedgerError
from intermodal.io import load_scenario
from intermodal.ledger import (
    EVENT_KINDS,
    Ledger,
    book,
    create_departure,
    known_places,
    list_events,
    record_event,
)


def test_events_carry_dcsa_codes_and_local_times(ledger: Ledger) -> None:
    d = create_departure(ledger, "shuttle-middle", "2020-04-03T09:00")
    b = book(
        ledger,
        idempotency_key="k",
        departures=[d.ref],
        shipper="X",
        teu=2,
        tonnes=9,
        equipment_ref="DEMU3054382",
    )
    record_event(ledger, "gate-in", at="2020-04-03T05:00", place="nanpeng", booking="k")
    record_event(
        ledger, "departed", at="2020-04-03T09:02+08:00", place="nanpeng", departure=d.ref, booking=b.id
    )
    record_event(ledger, "arrived", at="2020-04-07T08:00", place="bangkok", zone="Asia/Bangkok", booking="k")
    events = list_events(ledger, booking=b.id)
    assert [e.event_code for e in events] == ["GTIN", "DEPA", "ARRI"]
    assert [e.event_type for e in events] == ["EQUIPMENT", "TRANSPORT", "TRANSPORT"]
    assert all(e.equipment_ref == "DEMU3054382" for e in events)  # taken from the booking
    assert events[2].event_at == dt.datetime(2020, 4, 7, 1, 0, tzinfo=dt.UTC)
    assert events[2].to_dict()["eventDateTime"] == "2020-04-07T08:00:00+07:00"
    assert events[1].departure_id == d.id
    assert list_events(ledger, equipment_ref="DEMU3054382") == events


def test_bad_events_are_refused_and_nothing_is_written(ledger: Ledger) -> None:
    with pytest.raises(LedgerError) as caught:
        record_event(ledger, "teleported", at="2020-04-03T05:00", place="", classifier="MAYBE")
    assert {p.field for p in caught.value.problems} >= {"kind", "classifier", "place"}
    with pytest.raises(LedgerError, match="unknown booking"):
        record_event(ledger, "gate-in", at="2020-04-03T05:00", place="nanpeng", booking="nobody")
    with pytest.raises(LedgerError, match="time zone"):
        record_event(
            ledger, "gate-in", at="2020-04-03T05:00", place="x", zone="Mars/Olympus", equipment_ref="C"
        )
    with pytest.raises(LedgerError, match="ISO 8601"):
        record_event(ledger, "gate-in", at="yesterday", place="x", equipment_ref="C")
    assert list_events(ledger) == []
    assert set(EVENT_KINDS) >= {"gate-in", "loaded", "departed", "arrived", "customs-released", "discharged"}


def test_events_are_bounded_in_time_place_and_container_number(ledger: Ledger) -> None:
    places = frozenset({"nanpeng", "CNCKG"})
    with pytest.raises(LedgerError) as caught:
        record_event(
            ledger,
            "gate-in",
            at="1900-01-01T00:00",
            place="nowhere",
            equipment_ref="NOTACONTAINER",
            places=places,
        )
    assert {p.field for p in caught.value.problems} == {"at", "place", "equipment_ref"}
    with pytest.raises(LedgerError, match="unknown booking: no id is that large"):
        record_event(ledger, "gate-in", at="2020-04-03T05:00", place="nanpeng", booking=2**63, places=places)
    with pytest.raises(LedgerError, match="unknown departure: no id is that large"):
        record_event(ledger, "gate-in", at="2020-04-03T05:00", place="nanpeng", departure="9" * 30)
    assert list_events(ledger) == []
    made = record_event(
        ledger, "gate-in", at="2020-04-03T05:00", place="CNCKG", equipment_ref="CSQU3054383", places=places
    )
    assert made.place == "CNCKG"


def test_the_known_places_of_a_scenario_are_its_terminal_ids_and_locodes() -> None:
    places = known_places(load_scenario("chongqing"))
    assert {"nanpeng", "bangkok", "CNCKG"} <= places and "nowhere" not in places
