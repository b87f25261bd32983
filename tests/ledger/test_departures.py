"""Departures: refs the route engine understands, local service dates, status moves, capacity defaults."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from intermodal.exceptions import LedgerError
from intermodal.ledger import (
    Ledger,
    Line,
    book,
    create_departure,
    get_departure,
    list_departures,
    set_departure_status,
    upsert_lines,
)


def test_a_departure_takes_its_lines_defaults_and_local_date(ledger: Ledger) -> None:
    late = create_departure(ledger, "shuttle-east", "2020-03-31T23:30")  # local: still March in Chongqing
    assert late.service_date == dt.date(2020, 3, 31)
    assert late.departs_at == dt.datetime(2020, 3, 31, 15, 30, tzinfo=dt.UTC)
    assert (late.capacity_teu, late.capacity_kg) == (Decimal(2), 28_000)
    big = create_departure(ledger, "shuttle-east", "2020-04-01T09:00", capacity_teu=4)
    assert big.capacity_kg == 56_000  # scaled with the TEU
    assert get_departure(ledger, big.id) == get_departure(ledger, big.ref) == big
    assert [d.ref for d in list_departures(ledger, start=dt.date(2020, 4, 1))] == [big.ref]


def test_departure_problems_are_reported(ledger: Ledger) -> None:
    create_departure(ledger, "shuttle-east", "2020-04-01T09:00")
    with pytest.raises(LedgerError, match="already exists"):
        create_departure(ledger, "shuttle-east", "2020-04-01T01:00Z")  # the same instant, written in UTC
    with pytest.raises(LedgerError, match="unknown line"):
        create_departure(ledger, "shuttle-moon", "2020-04-01T09:00")
    with pytest.raises(LedgerError) as caught:
        create_departure(ledger, "shuttle-east", "2020-04-02T09:00", capacity_teu=-1, capacity_kg=0)
    assert {p.field for p in caught.value.problems} == {"capacity_teu", "capacity_kg"}
    with pytest.raises(LedgerError, match="unknown departure"):
        get_departure(ledger, "shuttle-east@2031-01-01T00:00+08:00")


def test_status_moves_forward_only_and_a_booked_trip_cannot_be_cancelled(ledger: Ledger) -> None:
    d = create_departure(ledger, "shuttle-west", "2020-04-01T09:00")
    book(
        ledger,
        idempotency_key="k",
        departures=[d.ref],
        shipper="X",
        teu=1,
        tonnes=1,
        customs_status="cleared",
    )
    with pytest.raises(LedgerError, match="still has bookings"):
        set_departure_status(ledger, d.ref, "cancelled")
    with pytest.raises(LedgerError, match="cannot become"):
        set_departure_status(ledger, d.ref, "arrived")
    assert set_departure_status(ledger, d.ref, "departed").status == "departed"
    assert set_departure_status(ledger, d.ref, "arrived").status == "arrived"
    with pytest.raises(LedgerError, match="cannot become"):
        set_departure_status(ledger, d.ref, "departed")


@pytest.mark.parametrize(
    ("departs", "capacity_teu", "capacity_kg", "fields"),
    [
        ("1900-04-03T09:00", None, None, {"departs"}),  # a typing slip for 2020, not history
        ("9999-12-31T23:59+14:00", None, None, {"departs"}),
        ("0001-01-01T00:00-12:00", None, None, {"departs"}),
        ("2020-04-03T09:00", "1e30", None, {"capacity_teu"}),
        ("2020-04-03T09:00", None, 10**30, {"capacity_kg"}),
        ("2020-04-03T09:00", "100000.25", 2**63, {"capacity_teu", "capacity_kg"}),
    ],
)
def test_dates_and_capacities_out_of_bounds_are_named_and_nothing_is_written(
    ledger: Ledger, departs: str, capacity_teu: str | None, capacity_kg: int | None, fields: set[str]
) -> None:
    with pytest.raises(LedgerError) as caught:
        create_departure(ledger, "shuttle-east", departs, capacity_teu=capacity_teu, capacity_kg=capacity_kg)
    assert {p.field for p in caught.value.problems} == fields
    assert list_departures(ledger) == []


@pytest.mark.parametrize("key", [2**63, "99999999999999999999999", "9" * 5000])
def test_an_id_beyond_64_bits_is_an_unknown_departure(ledger: Ledger, key: int | str) -> None:
    with pytest.raises(LedgerError, match="unknown departure: no id is that large"):
        get_departure(ledger, key)
    with pytest.raises(LedgerError, match="unknown departure"):
        set_departure_status(ledger, key, "departed")


def test_reefer_plugs_come_from_the_line_or_the_option_and_never_exceed_the_capacity(ledger: Ledger) -> None:
    upsert_lines(
        ledger, [Line("reefer-line", "Reefer line", capacity_teu=Decimal(4), reefer_plugs_teu=Decimal(3))]
    )
    assert create_departure(ledger, "reefer-line", "2020-04-01T09:00").reefer_plugs_teu == 3  # the line's
    small = create_departure(ledger, "reefer-line", "2020-04-02T09:00", capacity_teu=2)
    assert small.reefer_plugs_teu == 2  # cut to the smaller vehicle
    chosen = create_departure(ledger, "reefer-line", "2020-04-03T09:00", reefer_plugs_teu="0.5")
    assert chosen.to_dict()["reefer_plugs_teu"] == 0.5 and chosen.to_dict()["free_reefer"] == 0.5
    assert (
        create_departure(ledger, "shuttle-east", "2020-04-01T09:00").reefer_plugs_teu is None
    )  # none counted
    with pytest.raises(LedgerError) as caught:
        create_departure(ledger, "reefer-line", "2020-04-04T09:00", reefer_plugs_teu=5)
    (problem,) = caught.value.problems
    assert (problem.field, problem.message) == (
        "reefer_plugs_teu",
        "more reefer plugs than the departure carries",
    )
    for bad in ("-1", "0.3", "1e9"):
        with pytest.raises(LedgerError, match="reefer_plugs_teu"):
            create_departure(ledger, "reefer-line", "2020-04-04T09:00", reefer_plugs_teu=bad)
    assert len(list_departures(ledger, line_id="reefer-line")) == 3  # nothing more was written
