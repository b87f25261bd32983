"""ETAs: actual events so far plus the planned rest, the slack at each stop used up first; stored as EST."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intermodal.exceptions import LedgerError
from intermodal.io import load_scenario
from intermodal.ledger import (
    Booking,
    Ledger,
    LegRef,
    book,
    booking_eta,
    booking_events,
    cancel_booking,
    list_bookings,
    list_events,
    load_demo,
    plan_points,
    record_event,
)
from intermodal.ledger.eta import estimate_times
from intermodal.model import Bundle

DEPARTURE = "shuttle-middle@2020-04-03T09:00+08:00"
HOUR = dt.timedelta(hours=1)


@pytest.fixture(scope="module")
def bundle() -> Bundle:
    return load_scenario("chongqing")


def _middle_line_booking(ledger: Ledger, bundle: Bundle, key: str = "eta-1") -> Booking:
    return book(
        ledger,
        idempotency_key=key,
        departures=[LegRef(DEPARTURE, "nanpeng", "bangkok")],
        shipper="Fruit Co",
        teu=2,
        tonnes=17,
        equipment_ref="DEMU3054382",
        customs_status="bonded",
        bundle=bundle,
    )


def _timetable(bundle: Bundle) -> dict[str, tuple[float, float]]:
    """The Middle line's (arrive, depart) offsets by stop, read from the scenario, not from the ETA code."""
    service = next(s for s in bundle.services if s.id == "shuttle-middle")
    return {stop.terminal_id: (stop.arrive_offset_h, stop.depart_offset_h) for stop in service.stops}


def _slack_from(bundle: Bundle, place: str) -> float:
    """The slack of every stop from ``place`` on: the planned stop less its customs clearance."""
    stops = _timetable(bundle)
    names = list(stops)
    total = 0.0
    for name in names[names.index(place) : -1]:
        arrive, depart = stops[name]
        crossing = bundle.crossings.get(name)
        total += depart - arrive - (crossing.clearance_h if crossing else 0.0)
    return total


def test_an_arrival_at_mohan_6_h_late_moves_the_bangkok_eta_by_6_h_less_the_slack(
    ledger: Ledger, bundle: Bundle
) -> None:
    b = _middle_line_booking(ledger, bundle)
    on_time = booking_eta(ledger, b.id, bundle)
    leaves = dt.datetime(2020, 4, 3, 1, 0, tzinfo=dt.UTC)
    arrive_h, _ = _timetable(bundle)["bangkok"]
    assert on_time.estimated == on_time.planned == leaves + arrive_h * HOUR
    assert on_time.destination == "bangkok" and not on_time.arrived

    mohan_h, _ = _timetable(bundle)["mohan"]
    record_event(ledger, "departed", at="2020-04-03T09:00", place="nanpeng", booking=b.id)
    record_event(ledger, "arrived", at=leaves + (mohan_h + 6) * HOUR, place="mohan", booking=b.id)
    late = booking_eta(ledger, b.id, bundle)
    slack = _slack_from(bundle, "mohan")
    assert 0 < slack < 6  # the delay is more than the slack: it is used up, and the rest carries on
    assert late.estimated - on_time.estimated == (6 - slack) * HOUR
    assert late.estimated - on_time.estimated == 3 * HOUR  # Mohan 0 h, Vientiane 2 h, Nong Khai 1 h
    mohan = next(stop for stop in late.stops if stop.place == "mohan" and stop.code == "ARRI")
    assert mohan.actual and mohan.estimated - mohan.planned == 6 * HOUR

    # each new ETA is stored once as an EST arrival at Bangkok
    estimates = list_events(ledger, booking=b.id, classifier="EST")
    assert [(e.event_code, e.place, e.event_at) for e in estimates] == [
        ("ARRI", "bangkok", on_time.estimated),
        ("ARRI", "bangkok", late.estimated),
    ]
    assert late.stored is not None and late.stored.id == estimates[-1].id
    assert booking_eta(ledger, b.id, bundle).stored is None  # unchanged: nothing new
    assert len(list_events(ledger, booking=b.id, classifier="EST")) == 2


def test_a_delay_within_the_slack_leaves_the_eta_alone_and_early_never_leaves_early(
    ledger: Ledger, bundle: Bundle
) -> None:
    b = _middle_line_booking(ledger, bundle)
    planned = booking_eta(ledger, b.id, bundle, store=False)
    leaves = dt.datetime(2020, 4, 3, 1, 0, tzinfo=dt.UTC)
    vientiane_h, _ = _timetable(bundle)["vientiane"]
    record_event(
        ledger,
        "arrived",
        at=leaves + (vientiane_h + 1.5) * HOUR,
        place="LAVTE",
        booking=b.id,
        zone="Asia/Vientiane",
    )  # its UN/LOCODE names the same stop
    assert booking_eta(ledger, b.id, bundle, store=False).estimated == planned.estimated
    record_event(
        ledger,
        "arrived",
        at=leaves + (vientiane_h - 5) * HOUR,
        place="vientiane",
        booking=b.id,
        zone="Asia/Vientiane",
    )  # a correction: 5 h early; the truck still leaves on time
    assert booking_eta(ledger, b.id, bundle, store=False).estimated == planned.estimated
    assert list_events(ledger, classifier="EST") == []


@settings(max_examples=60, deadline=None)
@given(delay_h=st.floats(min_value=-20, max_value=60, allow_nan=False).map(lambda h: round(h, 2)))
def test_the_eta_shift_is_the_delay_less_the_slack_stop_by_stop(delay_h: float) -> None:
    """Property: against a plain reference, the residual delay after each stop is max(0, delay - slack)."""
    bundle = load_scenario("chongqing")
    points = _points(bundle)
    index = next(i for i, p in enumerate(points) if p.place == "mohan" and p.code == "ARRI")
    actual: list[dt.datetime | None] = [None] * len(points)
    actual[index] = points[index].planned + delay_h * HOUR
    shift = estimate_times(points, actual)[-1] - points[-1].planned
    stops = _timetable(bundle)
    residual = delay_h
    for name in list(stops)[list(stops).index("mohan") : -1]:
        arrive, depart = stops[name]
        crossing = bundle.crossings.get(name)
        residual = max(0.0, residual - (depart - arrive - (crossing.clearance_h if crossing else 0.0)))
    assert abs(shift.total_seconds() / 3600 - residual) < 1e-6


_POINTS: list = []


def _points(bundle: Bundle) -> list:
    # one plan for the property test, made once: a booking in a throwaway SQLite ledger
    if not _POINTS:
        import tempfile
        from pathlib import Path

        from intermodal.ledger import CHONGQING_SHUTTLE_LINES, open_ledger, upsert_lines

        with tempfile.TemporaryDirectory() as folder:
            ledger = open_ledger(Path(folder) / "plan.sqlite3")
            upsert_lines(ledger, CHONGQING_SHUTTLE_LINES)
            b = _middle_line_booking(ledger, bundle)
            _POINTS.extend(plan_points(ledger, b.id, bundle))
            ledger.dispose()
    return _POINTS


def test_the_plan_follows_the_timetable(ledger: Ledger, bundle: Bundle) -> None:
    b = _middle_line_booking(ledger, bundle)
    points = plan_points(ledger, b.id, bundle)
    stops = _timetable(bundle)
    leaves = dt.datetime(2020, 4, 3, 1, 0, tzinfo=dt.UTC)
    expected = [("DEPA", "nanpeng", leaves)]
    for name, (arrive, depart) in list(stops.items())[1:]:
        expected.append(("ARRI", name, leaves + arrive * HOUR))
        if name != "bangkok":
            expected.append(("DEPA", name, leaves + depart * HOUR))
    assert [(p.code, p.place, p.planned) for p in points] == expected
    assert [p.planned for p in points] == sorted(p.planned for p in points)


def test_planned_estimated_and_actual_events_are_kept_apart(ledger: Ledger, bundle: Bundle) -> None:
    b = _middle_line_booking(ledger, bundle)
    record_event(ledger, "departed", at="2020-04-03T10:00", place="nanpeng", booking=b.id)
    booking_eta(ledger, b.id, bundle)
    apart = booking_events(ledger, b.id, bundle)
    assert [len(apart[c]) for c in ("PLN", "EST", "ACT")] == [len(plan_points(ledger, b.id, bundle)), 1, 1]
    assert {e.classifier for c in apart for e in apart[c]} == {"PLN", "EST", "ACT"}
    assert all(e.classifier == c for c in apart for e in apart[c])
    assert all(e.id is None for e in apart["PLN"])  # derived from the plan, not rows
    # the ETA moved with the 1 h late departure: a run takes its planned time, Kunming's 1 h slack absorbs it
    assert booking_eta(ledger, b.id, bundle, store=False).delay_h == 0


def test_an_eta_needs_a_live_booking_whose_line_the_scenario_runs(ledger: Ledger, bundle: Bundle) -> None:
    with pytest.raises(LedgerError, match="unknown booking"):
        booking_eta(ledger, "nobody", bundle)
    b = _middle_line_booking(ledger, bundle)
    cancel_booking(ledger, b.id)
    with pytest.raises(LedgerError, match="cancelled"):
        booking_eta(ledger, b.id, bundle)


def test_the_demo_ledger_has_etas_and_an_eta_moves_when_a_late_event_is_added(
    sqlite_ledger: Ledger, bundle: Bundle
) -> None:
    load_demo(sqlite_ledger, quarters=["2020Q1"])
    demo = next(b for b in list_bookings(sqlite_ledger) if b.departures[0].startswith("shuttle-middle@"))
    eta = booking_eta(sqlite_ledger, demo.id, bundle)
    # the arrival at the destination (the demo also records the arrival at its line's border crossing)
    arrival = next(
        e
        for e in list_events(sqlite_ledger, booking=demo.id)
        if e.event_code == "ARRI" and e.place == eta.destination
    )
    assert eta.arrived and eta.estimated == arrival.event_at and eta.stored is None
    apart = booking_events(sqlite_ledger, demo.id, bundle)
    assert len(apart["ACT"]) == 8 and apart["EST"] == [] and len(apart["PLN"]) == 10

    fresh = _middle_line_booking(sqlite_ledger, bundle, key="after-demo")
    before = booking_eta(sqlite_ledger, fresh.id, bundle)
    leaves = dt.datetime(2020, 4, 3, 1, 0, tzinfo=dt.UTC)
    record_event(sqlite_ledger, "arrived", at=leaves + 37 * HOUR, place="mohan", booking=fresh.id)
    after = booking_eta(sqlite_ledger, fresh.id, bundle)
    assert after.estimated - before.estimated == 3 * HOUR
    assert after.stored is not None and after.stored.classifier == "EST"
