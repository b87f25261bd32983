"""Events: DCSA codes, UTC storage shown in the place's zone, attached to bookings and departures."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft4Validator
from referencing import Registry
from referencing.jsonschema import DRAFT4

from intermodal.exceptions import LedgerError
from intermodal.io import load_scenario
from intermodal.ledger import (
    EVENT_KINDS,
    Booking,
    Ledger,
    LegRef,
    book,
    booking_eta,
    create_departure,
    export_dcsa,
    import_dcsa,
    known_places,
    list_events,
    record_event,
)
from intermodal.model import Bundle


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
        customs_status="cleared",
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


# --- DCSA Track & Trace 2.2.0 -------------------------------------------------------------------------------

DCSA = Path(__file__).resolve().parents[1] / "data" / "dcsa"


@pytest.fixture(scope="module")
def bundle() -> Bundle:
    return load_scenario("chongqing")


def _validator(name: str) -> Draft4Validator:
    # The published YAML itself (not the package's JSON copy), with every $ref resolved inside it.
    document = yaml.safe_load((DCSA / "TNT_v2.2.0-resolved.yaml").read_text(encoding="utf-8"))
    registry: Registry[Any] = Registry().with_resource("urn:tnt", DRAFT4.create_resource(document))
    return Draft4Validator({"$ref": f"urn:tnt#/components/schemas/{name}"}, registry=registry)


def _booked_trip(ledger: Ledger, bundle: Bundle, key: str = "dcsa-1") -> Booking:
    """A booking on the Middle line, Nanpeng to Bangkok, from the timetable."""
    return book(
        ledger,
        idempotency_key=key,
        departures=[LegRef("shuttle-middle@2020-04-03T09:00+08:00", "nanpeng", "bangkok")],
        shipper="Fruit Co",
        teu=2,
        tonnes=17,
        equipment_ref="DEMU3054382",
        customs_status="bonded",
        bundle=bundle,
    )


def test_every_kind_of_event_exports_as_valid_dcsa_2_2_0(ledger: Ledger, bundle: Bundle) -> None:
    b = _booked_trip(ledger, bundle)
    places = known_places(bundle)
    stamps = {
        "gate-in": ("2020-04-03T04:00", "nanpeng", "Asia/Shanghai"),
        "loaded": ("2020-04-03T07:00", "nanpeng", "Asia/Shanghai"),
        "departed": ("2020-04-03T09:05", "nanpeng", "Asia/Shanghai"),
        "customs-hold": ("2020-04-04T17:00", "mohan", "Asia/Shanghai"),
        "inspected": ("2020-04-04T18:00", "mohan", "Asia/Shanghai"),
        "customs-released": ("2020-04-05T02:00", "mohan", "Asia/Shanghai"),
        "arrived": ("2020-04-07T09:00", "bangkok", "Asia/Bangkok"),
        "discharged": ("2020-04-07T10:00", "bangkok", "Asia/Bangkok"),
        "gate-out": ("2020-04-07T12:00", "bangkok", "Asia/Bangkok"),
    }
    assert set(stamps) == set(EVENT_KINDS)  # a new kind must be added here, and so checked
    for kind, (at, place, zone) in stamps.items():
        record_event(ledger, kind, at=at, place=place, zone=zone, booking=b.id, places=places)
        if kind == "departed":
            booking_eta(ledger, b.id, bundle)  # stores an EST while the truck is on its way
    # an empty box moved without a booking, and an estimate
    record_event(
        ledger,
        "gate-out",
        at="2020-04-08T09:00",
        place="bangkok",
        zone="Asia/Bangkok",
        equipment_ref="CSQU3054383",
        places=places,
    )
    messages = export_dcsa(ledger, bundle=bundle, planned=True)
    validators = {
        t: _validator(name)
        for t, name in (
            ("TRANSPORT", "transportEvent"),
            ("SHIPMENT", "shipmentEvent"),
            ("EQUIPMENT", "equipmentEvent"),
        )
    }
    for message in messages:
        errors = [e.message for e in validators[message["eventType"]].iter_errors(message)]
        assert errors == [], (message, errors)
    kinds = {(m["eventType"], m["eventClassifierCode"]) for m in messages}
    assert kinds >= {
        ("TRANSPORT", "PLN"),
        ("TRANSPORT", "EST"),
        ("TRANSPORT", "ACT"),
        ("SHIPMENT", "ACT"),
        ("EQUIPMENT", "ACT"),
    }
    by_code = {
        m.get("shipmentEventTypeCode") or m.get("equipmentEventTypeCode") or m["transportEventTypeCode"]: m
        for m in messages
        if m["eventClassifierCode"] == "ACT"
    }
    released = by_code["RELS"]
    # customs released is a shipment RELS event about a customs (CUS) document, dated when it happened
    assert (released["documentTypeCode"], released["documentID"]) == ("CUS", "dcsa-1")
    assert released["eventCreatedDateTime"] == released["eventDateTime"] == "2020-04-05T02:00:00+08:00"
    assert by_code["HOLD"]["documentTypeCode"] == "CUS"
    assert by_code["LOAD"]["emptyIndicatorCode"] == "LADEN"
    assert by_code["DEPA"]["transportCall"]["modeOfTransport"] == "TRUCK"
    assert by_code["DEPA"]["documentReferences"] == [
        {"documentReferenceType": "BKG", "documentReferenceValue": "dcsa-1"}
    ]
    arrival = by_code["ARRI"]
    assert arrival["transportCall"]["UNLocationCode"] == "THBKK"
    assert arrival["eventDateTime"] == "2020-04-07T09:00:00+07:00"
    empty = [m for m in messages if m.get("equipmentReference") == "CSQU3054383"]
    assert [m["emptyIndicatorCode"] for m in empty] == ["EMPTY"]
    assert len({m["eventID"] for m in messages}) == len(messages)
    assert export_dcsa(ledger, bundle=bundle, planned=True) == messages  # ids are stable


def test_a_customs_event_names_its_declaration_when_given(ledger: Ledger, bundle: Bundle) -> None:
    b = _booked_trip(ledger, bundle)
    record_event(
        ledger, "customs-released", at="2020-04-05T02:00", place="mohan", booking=b.id, document_id="DEC-001"
    )
    [message] = export_dcsa(ledger, bundle=bundle)
    assert (message["documentTypeCode"], message["documentID"]) == ("CUS", "DEC-001")
    assert message["references"] == [{"referenceType": "EQ", "referenceValue": "DEMU3054382"}]
    with pytest.raises(LedgerError, match="document id"):
        record_event(
            ledger, "customs-hold", at="2020-04-05T02:00", place="mohan", booking=b.id, document_id=""
        )


def test_a_shipment_event_is_actual_only(ledger: Ledger) -> None:
    with pytest.raises(LedgerError, match="document's status"):
        record_event(
            ledger,
            "customs-released",
            at="2020-04-05T02:00",
            place="mohan",
            equipment_ref="DEMU3054382",
            classifier="EST",
        )


def test_a_transport_event_without_its_departure_is_named_at_export(ledger: Ledger, bundle: Bundle) -> None:
    record_event(ledger, "arrived", at="2020-04-07T09:00", place="bangkok", equipment_ref="DEMU3054382")
    with pytest.raises(LedgerError, match="needs its departure") as caught:
        export_dcsa(ledger, bundle=bundle)
    assert caught.value.problems[0].field == "events[1]"


def test_the_standards_example_messages_import_and_export_unchanged(ledger: Ledger) -> None:
    path = DCSA / "tnt-220-response.json"
    result = import_dcsa(ledger, path)
    examples = json.loads(path.read_text(encoding="utf-8"))
    assert (result.added, result.known) == (len(examples), 0)
    stored = list_events(ledger)
    assert {(e.event_type, e.event_code, e.classifier) for e in stored} == {
        ("TRANSPORT", "ARRI", "ACT"),
        ("SHIPMENT", "DRFT", "ACT"),
        ("EQUIPMENT", "LOAD", "EST"),
    }
    assert {e.equipment_ref for e in stored} == {"APZU4812090"}
    assert {e.place for e in stored if e.event_type != "SHIPMENT"} == {"FRPAR"}
    first = next(e for e in stored if e.event_uuid == "3cecb101-7a1a-43a4-9d62-e88a131651e2")
    assert first.event_at == dt.datetime(2021, 1, 9, 13, 12, 56, tzinfo=dt.UTC)
    assert sorted(export_dcsa(ledger), key=lambda m: m["eventID"]) == sorted(
        examples, key=lambda m: m["eventID"]
    )
    again = import_dcsa(ledger, path)  # the same file twice adds nothing
    assert (again.added, again.known) == (0, len(examples))


def test_an_event_about_a_ledger_booking_is_filed_under_it(ledger: Ledger, bundle: Bundle) -> None:
    b = _booked_trip(ledger, bundle, key="ABC123123123")
    import_dcsa(ledger, DCSA / "tnt-220-response.json")
    assert {e.booking_id for e in list_events(ledger) if e.event_type != "SHIPMENT"} == {b.id}


def test_bad_dcsa_events_are_named_by_file_index_and_field_and_nothing_is_written(
    ledger: Ledger, tmp_path: Path
) -> None:
    examples = json.loads((DCSA / "tnt-220-response.json").read_text(encoding="utf-8"))
    bad = [dict(m) for m in examples[:4]]
    bad[0]["eventClassifierCode"] = "MAYBE"
    del bad[1]["documentTypeCode"]
    bad[2]["eventDateTime"] = "1900-01-01T00:00:00+01:00"
    # a transport event names its box in references; this one has a wrong check digit
    bad[3]["references"] = [{"referenceType": "EQ", "referenceValue": "APZU4812091"}]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(LedgerError) as caught:
        import_dcsa(ledger, path)
    found = {(p.file, p.field) for p in caught.value.problems}
    assert ("bad.json", "[0].eventClassifierCode") in found
    assert ("bad.json", "[1].documentTypeCode") in found
    assert ("bad.json", "[2].eventDateTime") in found
    assert ("bad.json", "[3].references[0].referenceValue") in found
    assert list_events(ledger) == []
    path.write_text("[{", encoding="utf-8")
    with pytest.raises(LedgerError, match="not JSON"):
        import_dcsa(ledger, path)
    with pytest.raises(LedgerError, match="the same eventID twice"):
        import_dcsa(ledger, [examples[0], examples[0]])
    changed = dict(examples[0], changeRemark="Fog")
    import_dcsa(ledger, [examples[0]])
    with pytest.raises(LedgerError, match="another content"):
        import_dcsa(ledger, [changed])


def test_an_import_is_bounded_in_size_and_count(
    ledger: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from intermodal.ledger import events as module

    monkeypatch.setattr(module, "MAX_IMPORT_EVENTS", 2)
    examples = json.loads((DCSA / "tnt-220-response.json").read_text(encoding="utf-8"))
    with pytest.raises(LedgerError, match="too many events"):
        import_dcsa(ledger, examples)
    monkeypatch.setattr(module, "MAX_IMPORT_BYTES", 100)
    with pytest.raises(LedgerError, match="too large"):
        import_dcsa(ledger, DCSA / "tnt-220-response.json")


def test_the_packaged_schemas_are_the_published_ones() -> None:
    from intermodal.ledger._dcsa import SCHEMA_FILE

    published = yaml.safe_load((DCSA / "TNT_v2.2.0-resolved.yaml").read_text(encoding="utf-8"))
    packaged = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert packaged["info"]["version"] == published["info"]["version"] == "2.2.0"
    # YAML timestamps in examples became text in the JSON; everything else is the same
    assert (
        json.loads(json.dumps(published["components"]["schemas"], default=str))
        == packaged["components"]["schemas"]
    )
