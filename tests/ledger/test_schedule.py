"""Departures from the timetable: ``schedule_departures`` on the Chongqing scenario, SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from intermodal.exceptions import LedgerError
from intermodal.io.scenarios import load_scenario
from intermodal.ledger import Ledger, book, bookings, cancel_booking, create_departure, list_departures
from intermodal.ledger import _schema as s
from intermodal.ledger import schedule as schedule_mod
from intermodal.ledger.lines import line_from_service
from intermodal.ledger.schedule import schedule_departures
from intermodal.model import Bundle

WEEK = (dt.date(2020, 4, 6), dt.date(2020, 4, 12))


@pytest.fixture(scope="module")
def chongqing() -> Bundle:
    return load_scenario("chongqing")


def _moved(bundle: Bundle, service_id: str, **changes: object) -> Bundle:
    services = tuple(dataclasses.replace(s, **changes) if s.id == service_id else s for s in bundle.services)
    return dataclasses.replace(bundle, services=services)


def _book(ledger: Ledger, ref: str, teu: str = "2") -> None:
    book(
        ledger,
        idempotency_key=f"k-{ref}",
        departures=[ref],
        shipper="test",
        teu=teu,
        tonnes="5",
        customs_status="cleared",
    )


def test_a_week_gives_every_dated_trip_once_and_a_second_run_changes_nothing(
    ledger: Ledger, chongqing: Bundle
) -> None:
    first = schedule_departures(ledger, chongqing, start=WEEK[0], end=WEEK[1])
    assert first.created and not first.updated and not first.removed and not first.conflicts
    stored = list_departures(ledger, start=WEEK[0], end=WEEK[1] + dt.timedelta(days=1))
    assert sorted(d.ref for d in stored) == sorted(first.created)
    assert all(WEEK[0] <= d.service_date <= WEEK[1] for d in stored)
    # the six southbound shuttle lines run about five departures a day between them (scenario-facts.md)
    south = [d for d in stored if d.line_id.startswith("shuttle-") and not d.line_id.endswith("-nb")]
    assert 4 * 7 <= len(south) <= 6 * 7
    # every departure is a trip of the timetable: 2 TEU a shuttle truck, at a time the service lists
    middle = [d for d in stored if d.line_id == "shuttle-middle"]
    service = chongqing.service("shuttle-middle")
    assert middle and all(d.capacity_teu == Decimal(str(service.capacity_teu)) for d in middle)
    assert {d.departs_local.time() for d in middle} <= set(service.departures)

    again = schedule_departures(ledger, chongqing, start=WEEK[0], end=WEEK[1])
    assert not again.changed and not again.conflicts
    assert again.unchanged == len(first.created)


def test_unbooked_departures_follow_the_timetable_and_booked_ones_are_conflicts(
    ledger: Ledger, chongqing: Bundle
) -> None:
    schedule_departures(ledger, chongqing, start=WEEK[0], end=WEEK[1], services=["shuttle-middle"])
    before = list_departures(ledger, line_id="shuttle-middle")
    booked = before[0]
    _book(ledger, booked.ref, "1")
    later = tuple(
        (dt.datetime.combine(dt.date(2020, 1, 1), t) + dt.timedelta(hours=1)).time()
        for t in chongqing.service("shuttle-middle").departures
    )
    changed = _moved(chongqing, "shuttle-middle", departures=later)
    result = schedule_departures(ledger, changed, start=WEEK[0], end=WEEK[1], services=["shuttle-middle"])
    assert set(result.removed) == {d.ref for d in before[1:]}
    assert len(result.created) == len(before)
    assert [c.ref for c in result.conflicts] == [booked.ref]
    assert "no longer" in result.conflicts[0].reason
    after = {d.ref: d for d in list_departures(ledger, line_id="shuttle-middle")}
    assert booked.ref in after and after[booked.ref].booked_teu == Decimal(1)
    moved = [d for d in after.values() if d.ref != booked.ref]
    assert {d.departs_local.time() for d in moved} == set(later)


def test_a_departure_kept_with_nothing_booked_says_what_names_it(ledger: Ledger, chongqing: Bundle) -> None:
    """A departure the timetable drops stays while a cancelled booking (or an event, or a quote) names it; the
    conflict says which, since its 0 TEU booked would not explain why it was kept."""
    schedule_departures(ledger, chongqing, start=WEEK[0], end=WEEK[0], services=["shuttle-middle"])
    (kept,) = list_departures(ledger, line_id="shuttle-middle")
    _book(ledger, kept.ref, "1")
    cancel_booking(ledger, f"k-{kept.ref}")
    later = tuple(
        (dt.datetime.combine(dt.date(2020, 1, 1), t) + dt.timedelta(hours=1)).time()
        for t in chongqing.service("shuttle-middle").departures
    )
    changed = _moved(chongqing, "shuttle-middle", departures=later)
    result = schedule_departures(ledger, changed, start=WEEK[0], end=WEEK[0], services=["shuttle-middle"])
    assert [(c.ref, c.booked_teu) for c in result.conflicts] == [(kept.ref, 0.0)]
    assert result.conflicts[0].reason.endswith("; a cancelled booking names it")
    assert kept.ref in {d.ref for d in list_departures(ledger, line_id="shuttle-middle")}


def test_a_smaller_vehicle_updates_free_departures_and_reports_booked_ones_over_it(
    ledger: Ledger, chongqing: Bundle
) -> None:
    schedule_departures(ledger, chongqing, start=WEEK[0], end=WEEK[1], services=["shuttle-middle"])
    full, *rest = list_departures(ledger, line_id="shuttle-middle")
    _book(ledger, full.ref, "2")
    smaller = _moved(chongqing, "shuttle-middle", capacity_teu=1.0)
    result = schedule_departures(ledger, smaller, start=WEEK[0], end=WEEK[1], services=["shuttle-middle"])
    assert set(result.updated) == {d.ref for d in rest}
    assert [c.ref for c in result.conflicts] == [full.ref]
    assert "below what is booked" in result.conflicts[0].reason
    stored = {d.ref: d for d in list_departures(ledger, line_id="shuttle-middle")}
    assert stored[full.ref].capacity_teu == Decimal(2)
    assert all(stored[d.ref].capacity_teu == Decimal(1) for d in rest)


def test_departures_entered_by_hand_are_never_removed(ledger: Ledger, chongqing: Bundle) -> None:
    extra = create_departure(ledger, "shuttle-middle", "2020-04-07T15:30+08:00")
    result = schedule_departures(ledger, chongqing, start=WEEK[0], end=WEEK[1], services=["shuttle-middle"])
    assert extra.ref not in result.removed
    assert extra.ref in {d.ref for d in list_departures(ledger, line_id="shuttle-middle")}


def test_bad_windows_and_services_are_named(sqlite_ledger: Ledger, chongqing: Bundle) -> None:
    with pytest.raises(LedgerError) as caught:
        schedule_departures(sqlite_ledger, chongqing, start=WEEK[1], end=WEEK[0], services=["nope"])
    fields = {(p.field, p.found) for p in caught.value.problems}
    assert ("services", "nope") in fields and ("to", WEEK[0].isoformat()) in fields
    with pytest.raises(LedgerError, match="at most 366 days"):
        schedule_departures(sqlite_ledger, chongqing, start=dt.date(2020, 1, 1), end=dt.date(2029, 1, 1))
    assert list_departures(sqlite_ledger) == []


def test_a_departure_another_writer_made_first_is_booked_not_refused(
    ledger: Ledger, chongqing: Bundle, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two bookings (or a booking and ``ledger schedule``) making the same timetable departure at once: the
    one that looked before the other committed must book the departure the other made, not fail on its ref.
    Found on PostgreSQL by test_interleavings.py; made certain here by hiding the row from the first look."""
    schedule_departures(ledger, chongqing, start=WEEK[0], end=WEEK[0], services=["shuttle-middle"])
    ref = list_departures(ledger, line_id="shuttle-middle")[0].ref
    looked = bookings.find_departure_row
    calls = iter(range(10**6))
    monkeypatch.setattr(
        bookings, "find_departure_row", lambda *a, **k: None if next(calls) == 0 else looked(*a, **k)
    )
    made = book(
        ledger,
        idempotency_key="late",
        departures=[ref],
        shipper="t",
        teu="1",
        tonnes="5",
        bundle=chongqing,
        customs_status="cleared",
    )
    assert made.departures == (ref,)
    stored = list_departures(ledger, line_id="shuttle-middle")
    assert [(d.ref, d.booked_teu) for d in stored] == [(ref, 1)]
    # and a schedule run that finds its trips made meanwhile counts them as there, not as created
    with ledger.reading() as connection:
        row = connection.execute(select(s.departures).where(s.departures.c.ref == ref)).one()
    line = line_from_service(next(v for v in chongqing.services if v.id == "shuttle-middle"))
    trip = schedule_mod._Trip(line, row.departs_at, row.service_date)
    assert ledger.write(lambda connection: schedule_mod.insert_trips(connection, {ref: trip})) == []


def test_departures_take_the_timetables_plugs_and_follow_a_change_unless_reefer_is_booked_over_it(
    ledger: Ledger, chongqing: Bundle
) -> None:
    schedule_departures(ledger, chongqing, start=WEEK[0], end=WEEK[1], services=["railsea-south"])
    first, *rest = list_departures(ledger, line_id="railsea-south")
    assert all(d.reefer_plugs_teu == 20 and d.free_reefer == 20 for d in [first, *rest])
    for n in range(6):
        book(ledger, idempotency_key=f"cold-{n}", departures=[first.ref], shipper="t", teu=2, tonnes=9,
             cargo_class="reefer", customs_status="cleared")  # fmt: skip
    fewer = _moved(chongqing, "railsea-south", reefer_plugs_teu=10.0)
    result = schedule_departures(ledger, fewer, start=WEEK[0], end=WEEK[1], services=["railsea-south"])
    assert set(result.updated) == {d.ref for d in rest}
    assert [c.ref for c in result.conflicts] == [first.ref]
    assert "reefer plugs are below the 12 TEU of reefer booked" in result.conflicts[0].reason
    stored = {d.ref: d for d in list_departures(ledger, line_id="railsea-south")}
    assert stored[first.ref].reefer_plugs_teu == 20 and stored[first.ref].free_reefer == 8
    assert all(stored[d.ref].reefer_plugs_teu == 10 for d in rest)
    again = schedule_departures(ledger, fewer, start=WEEK[0], end=WEEK[1], services=["railsea-south"])
    assert not again.updated and len(again.conflicts) == 1  # idempotent: the same conflict, nothing moved
