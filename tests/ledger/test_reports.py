"""Reports: what counts, that rows add up to the total, and that growth is computed from the rows."""

from __future__ import annotations

from decimal import Decimal

import pytest

from intermodal.exceptions import LedgerError
from intermodal.ledger import (
    Ledger,
    Line,
    book,
    cancel_booking,
    create_departure,
    report_currencies,
    set_departure_status,
    throughput_report,
    upsert_lines,
)


def _trip(
    ledger: Ledger,
    line: str,
    when: str,
    loads: list[tuple[int, int, int]],
    *,
    status: str = "arrived",
    currency: str = "CNY",
) -> None:
    departure = create_departure(ledger, line, when, capacity_teu=4)
    for teu, tonnes, value in loads:
        book(
            ledger,
            idempotency_key=f"{departure.ref}-{teu}-{tonnes}-{value}",
            departures=[departure.ref],
            shipper="X",
            teu=teu,
            tonnes=tonnes,
            value=value,
            currency=currency,
            customs_status="cleared",
        )
    if status in ("departed", "arrived"):
        set_departure_status(ledger, departure.ref, "departed")
    if status == "arrived":
        set_departure_status(ledger, departure.ref, "arrived")


@pytest.fixture
def small(ledger: Ledger) -> Ledger:
    """Hand-made history: the totals are worked out in each test by hand."""
    _trip(ledger, "shuttle-east", "2019-02-10T09:00", [(2, 10, 100)])  # a year before
    _trip(ledger, "shuttle-east", "2019-12-31T23:00", [(1, 4, 40)])  # the quarter before (local date)
    _trip(ledger, "shuttle-east", "2020-01-05T09:00", [(2, 15, 300), (1, 5, 50)])
    _trip(ledger, "shuttle-middle", "2020-03-31T23:30", [(2, 20, 1000)], status="departed")
    _trip(ledger, "shuttle-middle", "2020-02-01T09:00", [(2, 9, 9)], status="scheduled")  # not a trip yet
    _trip(ledger, "shuttle-west", "2020-02-02T09:00", [(1, 3, 7)], currency="USD")
    _trip(ledger, "shuttle-west", "2020-04-01T00:30", [(2, 2, 2)])  # next quarter, local time
    return ledger


def test_the_total_counts_trips_that_ran_and_their_cargo(small: Ledger) -> None:
    report = throughput_report(small, "2020Q1")
    total = report.total.current
    assert total.trips == 3
    assert total.teu == 2 + 1 + 2 + 1
    assert total.tonnes == 15 + 5 + 20 + 3
    assert total.value == 300 + 50 + 1000  # the USD booking is left out of the CNY value, and said so
    assert report.notes == ("1 bookings not in CNY are left out of the value",)
    assert total.capacity_teu == 12 and total.load_factor == pytest.approx(0.5)
    assert report.total.previous.trips == 1 and report.total.year_ago.trips == 1
    assert report.total.year_growth["trips"] == pytest.approx(2.0)
    assert report.total.year_growth["value"] == pytest.approx(1350 / 100 - 1)
    assert report.total.period_growth["tonnes"] == pytest.approx(43 / 4 - 1)


@pytest.mark.parametrize("by", ["line", "month"])
def test_rows_add_up_to_the_total(small: Ledger, by: str) -> None:
    report = throughput_report(small, "2020Q1", by=by)  # type: ignore[arg-type]
    # A month's "previous" is the month before it; those do not tile the quarter before. The rest must add up.
    for attr in ("current", "year_ago") if by == "month" else ("current", "previous", "year_ago"):
        summed = sum((getattr(row, attr) for row in report.rows), type(report.total.current)())
        assert summed == getattr(report.total, attr), attr
    if by == "month":
        assert [row.key for row in report.rows] == ["2020-01", "2020-02", "2020-03"]
        assert report.rows[0].previous.trips == 1  # December 2019
    else:
        assert len(report.rows) == 6


def test_one_line_and_growth_from_nothing(small: Ledger) -> None:
    report = throughput_report(small, "2020Q1", line="shuttle-middle")
    assert report.total.current.trips == 1
    assert report.total.year_growth["trips"] is None  # no middle-line trips a year before: no ratio
    with pytest.raises(LedgerError, match="unknown line"):
        throughput_report(small, "2020Q1", line="shuttle-moon")
    with pytest.raises(LedgerError, match="grouping"):
        throughput_report(small, "2020Q1", by="week")  # type: ignore[arg-type]


def test_cancelled_bookings_and_departures_do_not_count(ledger: Ledger) -> None:
    kept = create_departure(ledger, "shuttle-east", "2020-01-10T09:00")
    gone = create_departure(ledger, "shuttle-east", "2020-01-11T09:00")
    b = book(
        ledger,
        idempotency_key="b",
        departures=[kept.ref],
        shipper="X",
        teu=1,
        tonnes=1,
        value=10,
        customs_status="cleared",
    )
    book(
        ledger,
        idempotency_key="c",
        departures=[kept.ref],
        shipper="X",
        teu=1,
        tonnes=2,
        value=20,
        customs_status="cleared",
    )
    cancel_booking(ledger, b.id)
    set_departure_status(ledger, kept.ref, "departed")
    set_departure_status(ledger, gone.ref, "cancelled")
    total = throughput_report(ledger, "2020-01").total.current
    assert (total.trips, total.teu, total.tonnes, total.value) == (1, 1, 2, Decimal(20))


def test_the_report_serialises(small: Ledger) -> None:
    report = throughput_report(small, "2020Q1", by="line")
    data = report.to_dict()
    assert data["period"] == "2020Q1" and data["year_ago_period"] == "2019Q1"
    assert data["total"]["trips"] == 3 and len(data["rows"]) == 6
    records = report.to_records()
    assert records[-1]["key"] == "total" and records[-1]["trips_yoy"] == pytest.approx(2.0)


def test_both_directions_of_a_line_report_as_one(ledger: Ledger) -> None:
    upsert_lines(
        ledger,
        [
            Line(
                "shuttle-east-nb",
                "East line (Hanoi-Chongqing)",
                "东线（北上）",
                zone="Asia/Ho_Chi_Minh",
                commercial_line="shuttle-east",
            )
        ],
    )
    _trip(ledger, "shuttle-east", "2020-01-05T09:00", [(2, 10, 10)])
    _trip(ledger, "shuttle-east-nb", "2020-01-06T08:00", [(1, 5, 5)])
    _trip(ledger, "shuttle-west", "2020-01-07T08:00", [(1, 1, 1)])
    report = throughput_report(ledger, "2020Q1", by="line")
    east = next(row for row in report.rows if row.key == "shuttle-east")
    assert east.current.trips == 2 and east.current.teu == 3
    assert "shuttle-east-nb" not in {row.key for row in report.rows}
    assert throughput_report(ledger, "2020Q1", line="shuttle-east").total.current.trips == 2
    assert throughput_report(ledger, "2020Q1", line="shuttle-east-nb").total.current.trips == 1


def test_a_report_sums_values_only_in_a_currency_the_ledger_holds(small: Ledger) -> None:
    assert report_currencies(small) == ["CNY", "USD"]
    usd = throughput_report(small, "2020Q1", currency="USD")
    assert usd.total.current.value == 7 and usd.currency == "USD"
    for shapeless in ("cny", "US", "EURO", "12A", ""):
        with pytest.raises(LedgerError, match="ISO 4217") as caught:
            throughput_report(small, "2020Q1", currency=shapeless)
        assert caught.value.problems[0].field == "currency"
    with pytest.raises(LedgerError, match="no booking in the ledger is in this currency") as caught:
        throughput_report(small, "2020Q1", currency="EUR")
    [problem] = caught.value.problems
    assert (problem.field, problem.found, problem.expected) == ("currency", "EUR", "CNY or USD")


def test_an_empty_ledger_reports_in_the_default_currency(ledger: Ledger) -> None:
    assert report_currencies(ledger) == ["CNY"]
    assert throughput_report(ledger, "2020Q1").total.current.value == 0
