"""Periods: parsing, bounds, the period before and a year ago."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intermodal.exceptions import LedgerError
from intermodal.ledger import parse_period


@pytest.mark.parametrize(
    ("text", "start", "end", "previous", "year_ago"),
    [
        ("2020Q1", dt.date(2020, 1, 1), dt.date(2020, 4, 1), "2019Q4", "2019Q1"),
        ("2020q4", dt.date(2020, 10, 1), dt.date(2021, 1, 1), "2020Q3", "2019Q4"),
        ("2020-03", dt.date(2020, 3, 1), dt.date(2020, 4, 1), "2020-02", "2019-03"),
        ("2020-1", dt.date(2020, 1, 1), dt.date(2020, 2, 1), "2019-12", "2019-01"),
        ("2020H2", dt.date(2020, 7, 1), dt.date(2021, 1, 1), "2020H1", "2019H2"),
        ("2020", dt.date(2020, 1, 1), dt.date(2021, 1, 1), "2019", "2019"),
    ],
)
def test_periods_parse(text: str, start: dt.date, end: dt.date, previous: str, year_ago: str) -> None:
    period = parse_period(text)
    assert (period.start, period.end) == (start, end)
    assert period.previous().label == previous
    assert period.year_ago().label == year_ago


@pytest.mark.parametrize("text", ["2020Q5", "2020-13", "2020H3", "Q1 2020", "", "20201"])
def test_bad_periods_are_refused(text: str) -> None:
    with pytest.raises(LedgerError, match="not a period"):
        parse_period(text)


@given(year=st.integers(1971, 2200), kind=st.sampled_from(["Q1", "Q2", "Q3", "Q4", "H1", "H2", ""]))
def test_months_tile_the_period_and_labels_round_trip(year: int, kind: str) -> None:
    period = parse_period(f"{year}{kind}")
    assert parse_period(period.label) == period
    months = period.month_periods()
    assert months[0].start == period.start and months[-1].end == period.end
    assert all(a.end == b.start for a, b in itertools.pairwise(months))
    assert period.previous().end == period.start


def test_year_zero_is_not_a_period() -> None:
    with pytest.raises(LedgerError):
        parse_period("0000")


@pytest.mark.parametrize("text", ["0001", "0001Q1", "0001-01", "0001H1"])
def test_year_one_is_not_a_period_since_a_report_compares_with_the_year_before(text: str) -> None:
    with pytest.raises(LedgerError, match="not a period"):
        parse_period(text)
