"""The demo history: calibrated to the seed's 2020Q1 figures, computed from its rows, deterministic."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from intermodal.exceptions import LedgerError
from intermodal.ledger import (
    CHONGQING_SHUTTLE_LINES,
    DEMO_TARGETS,
    Ledger,
    Line,
    book,
    cancel_booking,
    create_departure,
    list_bookings,
    load_demo,
    open_ledger,
    set_departure_status,
    throughput_report,
)
from intermodal.ledger import _schema as s
from intermodal.ledger.demo import _check_digit, _container_number

# The seed (a Chongqing newspaper, April 2020): Q1 2020 of the ASEAN highway shuttle.
SEED_TRIPS, SEED_TEU, SEED_TONNES, SEED_VALUE_CNY = 403, 806, 6_900, 167_000_000
SEED_YOY = {"trips": 1.18, "tonnes": 2.86, "value": 0.91}  # "about +118 %, +286 %, +91 %"


def _assert_seed_figures(ledger: Ledger) -> None:
    total = throughput_report(ledger, "2020Q1").total
    assert total.current.trips == SEED_TRIPS
    assert total.current.teu == SEED_TEU
    assert total.current.tonnes == pytest.approx(Decimal(SEED_TONNES), rel=Decimal("0.005"))
    assert total.current.value == pytest.approx(Decimal(SEED_VALUE_CNY), rel=Decimal("0.005"))
    for metric, expected in SEED_YOY.items():
        assert total.year_growth[metric] == pytest.approx(expected, abs=0.01), metric


def test_the_2020q1_report_reproduces_the_seed(ledger: Ledger) -> None:
    summary = load_demo(ledger, with_events=False)
    assert summary.departures == sum(t.trips for t in DEMO_TARGETS.values())
    _assert_seed_figures(ledger)


def test_changing_the_data_changes_the_report(sqlite_ledger: Ledger) -> None:
    ledger = sqlite_ledger
    load_demo(ledger, quarters=["2019Q1", "2020Q1"], with_events=False)
    before = throughput_report(ledger, "2020Q1").total.current
    victim = next(b for b in list_bookings(ledger, limit=400) if b.departures[0].split("@")[1] >= "2020")
    cancel_booking(ledger, victim.id)
    after_cancel = throughput_report(ledger, "2020Q1").total.current
    assert after_cancel.teu == before.teu - victim.teu
    assert after_cancel.weight_kg == before.weight_kg - victim.weight_kg
    assert after_cancel.value == before.value - victim.value
    extra = create_departure(ledger, "shuttle-west", "2020-02-29T23:59")
    book(
        ledger,
        idempotency_key="extra",
        departures=[extra.ref],
        shipper="X",
        teu=2,
        tonnes=20,
        value=1000,
        customs_status="cleared",
    )
    set_departure_status(ledger, extra.ref, "departed")
    after_trip = throughput_report(ledger, "2020Q1").total.current
    assert after_trip.trips == before.trips + 1
    assert after_trip.teu == after_cancel.teu + 2
    assert after_trip.value == after_cancel.value + 1000


def test_the_demo_is_deterministic_per_seed(tmp_path: Path) -> None:
    def rows(path: Path, seed: int) -> list[tuple[object, ...]]:
        with open_ledger(path) as ledger:
            load_demo(ledger, seed=seed, quarters=["2020Q1"], with_events=False)
            with ledger.reading() as connection:
                query = select(
                    s.bookings.c.idempotency_key,
                    s.bookings.c.shipper,
                    s.bookings.c.weight_kg,
                    s.bookings.c.value_minor,
                    s.bookings.c.equipment_ref,
                ).order_by(s.bookings.c.id)
                return [tuple(r) for r in connection.execute(query)]

    first, again, other = rows(tmp_path / "a.db", 7), rows(tmp_path / "b.db", 7), rows(tmp_path / "c.db", 8)
    assert first == again
    assert first != other
    # Calibration holds whatever the seed: the totals are fitted, not the draws.
    assert sum(r[2] for r in first) == sum(r[2] for r in other) == SEED_TONNES * 1000  # type: ignore[misc]


def test_the_demo_keeps_every_ledger_invariant(sqlite_ledger: Ledger) -> None:
    ledger = sqlite_ledger
    summary = load_demo(ledger, quarters=["2020Q1"])
    with ledger.reading() as connection:
        over = connection.execute(
            select(func.count())
            .select_from(s.departures)
            .where(s.departures.c.booked_teu > s.departures.c.capacity_teu)
        ).scalar_one()
        per_booking = connection.execute(
            select(s.events.c.booking_id, func.count()).group_by(s.events.c.booking_id)
        ).all()
        containers = connection.execute(select(s.bookings.c.equipment_ref)).scalars().all()
    assert over == 0
    # six events at the ends and two at the border crossing, which every shuttle line passes (DEMO_TIMES)
    assert summary.events == 8 * summary.bookings
    assert {count for _, count in per_booking} == {8}
    # each box's events, in the order recorded, run forward in time: the crossing lies inside the trip
    with ledger.reading() as connection:
        rows = connection.execute(
            select(s.events.c.booking_id, s.events.c.event_code, s.events.c.event_at).order_by(s.events.c.id)
        ).all()
    by_box: dict[int, list[tuple[str, Any]]] = {}
    for booking_id, code, at in rows:
        by_box.setdefault(booking_id, []).append((code, at))
    for events in by_box.values():
        assert [code for code, _ in events] == [
            "GTIN",
            "LOAD",
            "DEPA",
            "ARRI",
            "RELS",
            "ARRI",
            "RELS",
            "GTOT",
        ]
        times = [at for _, at in events]
        assert times == sorted(times) and len(set(times)) == len(times)
    assert len(set(containers)) == len(containers)
    assert all(int(c[10]) == _check_digit(c[:10]) for c in containers)


def test_iso_6346_check_digits() -> None:
    # CSQU3054383 is the standard's own example.
    assert _check_digit("CSQU305438") == 3
    assert _container_number(305438)[:10] == "DEMU305438"


def test_the_demo_replaces_an_earlier_demo_but_not_real_data(sqlite_ledger: Ledger) -> None:
    ledger = sqlite_ledger
    load_demo(ledger, quarters=["2020Q1"], with_events=False)
    load_demo(ledger, quarters=["2020Q1"], with_events=False)  # replaced, not doubled
    assert throughput_report(ledger, "2020Q1").total.current.trips == SEED_TRIPS
    create_departure(ledger, "shuttle-east", "2021-01-01T09:00")
    with pytest.raises(LedgerError, match="not the demo"):
        load_demo(ledger, quarters=["2020Q1"], with_events=False)
    load_demo(ledger, quarters=["2020Q1"], with_events=False, reset=True)
    assert throughput_report(ledger, "2020Q1").total.current.trips == SEED_TRIPS


def test_the_demo_takes_the_lines_it_is_given(sqlite_ledger: Ledger) -> None:
    ledger = sqlite_ledger
    two = [Line("shuttle-east", "East", "东线", capacity_teu=Decimal(4)), Line("new-line", "New", "新线")]
    load_demo(ledger, two, quarters=["2020Q1"], with_events=False)
    report = throughput_report(ledger, "2020Q1", by="line")
    used = {row.key for row in report.rows if row.current.trips}
    assert used == {"shuttle-east", "new-line"}
    assert report.total.current.trips == SEED_TRIPS
    too_small = [Line("tiny", "Tiny", capacity_teu=Decimal(1))]
    with pytest.raises(LedgerError, match="2 TEU"):
        load_demo(ledger, too_small, reset=True)
    assert {line.id for line in CHONGQING_SHUTTLE_LINES} >= {"shuttle-east", "shuttle-west"}


def test_the_built_in_lines_start_where_the_scenarios_services_do() -> None:
    # a line's zone is its origin's, and the demo runs a line from its origin: a wrong zone reverses its trips
    from intermodal.io import load_scenario

    bundle = load_scenario("chongqing")
    for line in CHONGQING_SHUTTLE_LINES:
        origin = bundle.service(line.id).stops[0].terminal_id
        assert line.zone == bundle.terminals[origin].timezone, line.id
