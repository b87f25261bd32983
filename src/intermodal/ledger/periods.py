"""Reporting periods: a year (``2020``), a half (``2020H1``), a quarter (``2020Q1``) or a month
(``2020-03``)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

from intermodal.exceptions import LedgerError, Problem

__all__ = ["Period", "parse_period"]

PeriodKind = Literal["year", "half", "quarter", "month"]
_MONTHS: dict[str, int] = {"year": 12, "half": 6, "quarter": 3, "month": 1}
_PATTERN = re.compile(r"^(\d{4})(?:([QqHh])([1-4])|-(\d{1,2}))?$")


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True, order=True)
class Period:
    """A calendar period ``[start, end)`` of service dates, in the line's local calendar."""

    start: dt.date
    kind: PeriodKind

    @property
    def months(self) -> int:
        return _MONTHS[self.kind]

    @property
    def end(self) -> dt.date:
        """The first day after the period."""
        return _add_months(self.start, self.months)

    @property
    def label(self) -> str:
        y, m = self.start.year, self.start.month
        if self.kind == "year":
            return f"{y}"
        if self.kind == "half":
            return f"{y}H{(m - 1) // 6 + 1}"
        if self.kind == "quarter":
            return f"{y}Q{(m - 1) // 3 + 1}"
        return f"{y}-{m:02d}"

    def previous(self) -> Period:
        """The period of the same length just before (for period-over-period growth)."""
        return Period(_add_months(self.start, -self.months), self.kind)

    def year_ago(self) -> Period:
        """The same period one year earlier (for year-over-year growth)."""
        return Period(_add_months(self.start, -12), self.kind)

    def month_periods(self) -> list[Period]:
        """The months of this period, in order."""
        return [Period(_add_months(self.start, i), "month") for i in range(self.months)]

    def __str__(self) -> str:
        return self.label


def parse_period(text: str) -> Period:
    """Read ``2020``, ``2020H1``, ``2020Q1`` or ``2020-03``.

    Raises
    ------
    LedgerError
        The text is none of these.
    """
    match = _PATTERN.match(text.strip())
    bad = LedgerError(
        Problem("not a period", field="period", found=text, expected="2020, 2020H1, 2020Q1 or 2020-03")
    )
    if not match:
        raise bad
    year = int(match.group(1))
    # "0000" matches the pattern but is no calendar year; and a report compares with the year before
    if not dt.MINYEAR + 1 <= year <= dt.MAXYEAR - 1:
        raise bad
    letter, number, month = match.group(2), match.group(3), match.group(4)
    if month is not None:
        if not 1 <= int(month) <= 12:
            raise bad
        return Period(dt.date(year, int(month), 1), "month")
    if letter is None:
        return Period(dt.date(year, 1, 1), "year")
    if letter.upper() == "H":
        if int(number) > 2:
            raise bad
        return Period(dt.date(year, 6 * (int(number) - 1) + 1, 1), "half")
    return Period(dt.date(year, 3 * (int(number) - 1) + 1, 1), "quarter")
