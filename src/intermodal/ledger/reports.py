"""Throughput reports: trips, TEU, tonnes, cargo value and load factor by line or month, with growth.

Every number is computed from the ledger's rows when the report is asked for; nothing is stored or typed in.

What counts:

- a *trip* is a departure whose status is ``departed`` or ``arrived``, counted in the period of its service
date
  (the line's local calendar); scheduled and cancelled departures do not count;
- *TEU* and *tonnes* are the confirmed bookings carried on those trips (a booking over two legs counts on
each:
  it is throughput on both);
- *cargo value* counts each confirmed booking once, on its first leg, in the report's currency; bookings in
  other currencies are left out and a note says how many;
- *load factor* is TEU carried over the TEU capacity of the trips.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import and_, case, func, select

from intermodal.exceptions import LedgerError, Problem
from intermodal.ledger import _schema as s
from intermodal.ledger._storage import Ledger
from intermodal.ledger._values import currency_problem, minor_to_money
from intermodal.ledger.periods import Period, parse_period

__all__ = [
    "DEFAULT_CURRENCY",
    "METRICS",
    "ReportRow",
    "Throughput",
    "ThroughputReport",
    "growth",
    "report_currencies",
    "throughput_report",
]

#: The measures a report gives, in order.
METRICS: tuple[str, ...] = ("trips", "teu", "tonnes", "value")
_COUNTED = ("departed", "arrived")
#: The currency a report sums in unless asked otherwise, and the one it can always report (as zero).
DEFAULT_CURRENCY = "CNY"


@dataclass(frozen=True)
class Throughput:
    """What a set of trips carried."""

    trips: int = 0
    teu: Decimal = Decimal(0)
    weight_kg: int = 0
    value_minor: int = 0
    capacity_teu: Decimal = Decimal(0)

    @property
    def tonnes(self) -> Decimal:
        return (Decimal(self.weight_kg) / 1000).quantize(Decimal("0.001"))

    @property
    def value(self) -> Decimal:
        return minor_to_money(self.value_minor)

    @property
    def load_factor(self) -> float | None:
        """TEU carried over TEU offered, or ``None`` with no trips."""
        return float(self.teu / self.capacity_teu) if self.capacity_teu else None

    def metric(self, name: str) -> Decimal:
        return {
            "trips": Decimal(self.trips),
            "teu": self.teu,
            "tonnes": self.tonnes,
            "value": self.value,
        }[name]

    def __add__(self, other: Throughput) -> Throughput:
        return Throughput(
            self.trips + other.trips,
            self.teu + other.teu,
            self.weight_kg + other.weight_kg,
            self.value_minor + other.value_minor,
            self.capacity_teu + other.capacity_teu,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "trips": self.trips,
            "teu": float(self.teu),
            "tonnes": float(self.tonnes),
            "value": float(self.value),
            "capacity_teu": float(self.capacity_teu),
            "load_factor": None if self.load_factor is None else round(self.load_factor, 4),
        }


def growth(current: Throughput, base: Throughput) -> dict[str, float | None]:
    """Relative change of each metric (0.18 = +18 %), ``None`` where the base is zero."""
    result: dict[str, float | None] = {}
    for name in METRICS:
        before = base.metric(name)
        result[name] = None if before == 0 else float(current.metric(name) / before - 1)
    return result


@dataclass(frozen=True)
class ReportRow:
    """One row: a line, a month or the total, in the period, the period before and the same period a year
    ago."""

    key: str
    label: str
    label_zh: str
    current: Throughput
    previous: Throughput
    year_ago: Throughput

    @property
    def period_growth(self) -> dict[str, float | None]:
        """Period over period (this quarter against the quarter before)."""
        return growth(self.current, self.previous)

    @property
    def year_growth(self) -> dict[str, float | None]:
        """Year over year (this quarter against the same quarter a year before)."""
        return growth(self.current, self.year_ago)

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "label_zh": self.label_zh,
            **self.current.to_dict(),
            "previous": self.previous.to_dict(),
            "year_ago": self.year_ago.to_dict(),
            "growth_pop": _rounded(self.period_growth),
            "growth_yoy": _rounded(self.year_growth),
        }


def _rounded(values: dict[str, float | None]) -> dict[str, float | None]:
    return {k: None if v is None else round(v, 4) for k, v in values.items()}


@dataclass(frozen=True)
class ThroughputReport:
    """A throughput report, ready to print, serialise or plot."""

    period: Period
    by: str | None
    line: str | None
    currency: str
    rows: tuple[ReportRow, ...]
    total: ReportRow
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (growth as fractions: 1.18 = +118 %)."""
        return {
            "period": self.period.label,
            "start": self.period.start.isoformat(),
            "end": self.period.end.isoformat(),
            "previous_period": self.period.previous().label,
            "year_ago_period": self.period.year_ago().label,
            "by": self.by,
            "line": self.line,
            "currency": self.currency,
            "rows": [row.to_dict() for row in self.rows],
            "total": self.total.to_dict(),
            "notes": list(self.notes),
        }

    def to_records(self) -> list[dict[str, Any]]:
        """One flat record per row and the total, for CSV."""
        records = []
        for row in (*self.rows, self.total):
            record: dict[str, Any] = {"period": self.period.label, "key": row.key, "label": row.label}
            record.update(row.current.to_dict())
            record["currency"] = self.currency
            for name, value in row.period_growth.items():
                record[f"{name}_pop"] = None if value is None else round(value, 4)
            for name, value in row.year_growth.items():
                record[f"{name}_yoy"] = None if value is None else round(value, 4)
            records.append(record)
        return records


@dataclass
class _Daily:
    """Daily sums per line over a window, from which any period inside it is added up."""

    by_day: dict[tuple[str, dt.date], Throughput]
    other_currency: int

    def total(self, period: Period, services: Collection[str] | None = None) -> Throughput:
        result = Throughput()
        for (line_id, day), amount in self.by_day.items():
            if period.start <= day < period.end and (services is None or line_id in services):
                result = result + amount
        return result


def _daily(
    ledger: Ledger, start: dt.date, end: dt.date, currency: str, services: Collection[str] | None
) -> _Daily:
    d, b, bl = s.departures, s.bookings, s.booking_legs
    in_window = and_(d.c.service_date >= start, d.c.service_date < end, d.c.status.in_(_COUNTED))
    if services is not None:
        in_window = and_(in_window, d.c.line_id.in_(list(services)))
    trips = (
        select(d.c.line_id, d.c.service_date, func.count(d.c.id), func.sum(d.c.capacity_teu))
        .where(in_window)
        .group_by(d.c.line_id, d.c.service_date)
    )
    counts_value = and_(bl.c.seq == 0, b.c.currency == currency)
    cargo = (
        select(
            d.c.line_id,
            d.c.service_date,
            func.sum(b.c.teu),
            func.sum(b.c.weight_kg),
            func.sum(case((counts_value, b.c.value_minor), else_=0)),
            func.sum(case((and_(bl.c.seq == 0, b.c.currency != currency), 1), else_=0)),
        )
        .select_from(d.join(bl, bl.c.departure_id == d.c.id).join(b, b.c.id == bl.c.booking_id))
        .where(in_window, b.c.status == "confirmed")
        .group_by(d.c.line_id, d.c.service_date)
    )
    by_day: dict[tuple[str, dt.date], Throughput] = defaultdict(Throughput)
    other = 0
    with ledger.reading() as connection:
        for line_id, day, count, capacity in connection.execute(trips):
            by_day[(line_id, day)] = by_day[(line_id, day)] + Throughput(
                trips=int(count), capacity_teu=Decimal(capacity or 0)
            )
        for line_id, day, teu, kg, minor, foreign in connection.execute(cargo):
            by_day[(line_id, day)] = by_day[(line_id, day)] + Throughput(
                teu=Decimal(teu or 0), weight_kg=int(kg or 0), value_minor=int(minor or 0)
            )
            other += int(foreign or 0)
    return _Daily(dict(by_day), other)


def report_currencies(ledger: Ledger) -> list[str]:
    """The currencies a report can sum values in: :data:`DEFAULT_CURRENCY` and every one a booking uses."""
    with ledger.reading() as connection:
        used = set(connection.execute(select(s.bookings.c.currency).distinct()).scalars())
    return sorted(used | {DEFAULT_CURRENCY})


def _check_currency(ledger: Ledger, currency: str) -> None:
    if problem := currency_problem(currency):
        raise LedgerError(problem)
    if currency == DEFAULT_CURRENCY:
        return
    known = report_currencies(ledger)
    if currency not in known:
        # a valid code that no booking uses would report every value as 0: say so instead
        raise LedgerError(
            Problem(
                "no booking in the ledger is in this currency",
                field="currency",
                found=currency,
                expected=" or ".join(known),
            )
        )


def throughput_report(
    ledger: Ledger,
    period: Period | str,
    *,
    line: str | None = None,
    by: Literal["line", "month"] | None = None,
    currency: str = "CNY",
) -> ThroughputReport:
    """Compute a throughput report from the ledger.

    Parameters
    ----------
    ledger
        The open ledger.
    period
        A :class:`~intermodal.ledger.periods.Period` or its text: ``2020Q1``, ``2020-03``, ``2020H1``,
        ``2020``.
    line
        Only this commercial line (``shuttle-east``: both directions) or one service (``shuttle-east-nb``).
    by
        Split into rows by ``line`` or by ``month``; ``None`` gives the total only.
    currency
        The currency whose cargo values are summed: an ISO 4217 code, either :data:`DEFAULT_CURRENCY` or one
        that a booking in the ledger uses (see :func:`report_currencies`).

    Returns
    -------
    ThroughputReport
        Rows and the total, each with the period before and the same period a year earlier.

    Raises
    ------
    LedgerError
        A bad period, an unknown line, an unknown ``by``, or a currency that is not an ISO 4217 code or that
        no booking uses.
    """
    if isinstance(period, str):
        period = parse_period(period)
    _check_currency(ledger, currency)
    if by not in (None, "line", "month"):
        raise LedgerError(Problem("unknown grouping", field="by", found=str(by), expected="line or month"))
    from intermodal.ledger.lines import list_lines

    services = {item.id: item for item in list_lines(ledger)}
    groups: dict[str, list[str]] = defaultdict(list)
    for item in services.values():
        groups[item.commercial_line or item.id].append(item.id)
    chosen: set[str] | None = None
    if line is not None:
        chosen = set(groups.get(line, [])) or ({line} if line in services else set())
        if not chosen:
            known = ", ".join(sorted(groups))
            raise LedgerError(Problem("unknown line", field="line", found=line, expected=known))
    start = min(period.previous().start, period.year_ago().start)
    daily = _daily(ledger, start, period.end, currency, chosen)

    def names(key: str) -> tuple[str, str]:
        # A commercial line is named after its service of the same id (the outbound one), if there is one.
        item = services.get(key) or services[sorted(groups[key])[0]]
        return item.name_en, item.name_zh

    def row(key: str, label: str, label_zh: str, p: Period, only: Collection[str] | None) -> ReportRow:
        return ReportRow(
            key,
            label,
            label_zh,
            daily.total(p, only),
            daily.total(p.previous(), only),
            daily.total(p.year_ago(), only),
        )

    rows: list[ReportRow] = []
    if by == "line":
        keys = sorted(k for k, members in groups.items() if chosen is None or set(members) & chosen)
        rows = [row(k, *names(k), period, set(groups[k]) & (chosen or set(groups[k]))) for k in keys]
    elif by == "month":
        rows = [row(m.label, m.label, m.label, m, chosen) for m in period.month_periods()]
    if line is None:
        total_label, total_zh = "All lines", "全部线路"
    else:
        total_label, total_zh = (
            names(line) if line in groups else (services[line].name_en, services[line].name_zh)
        )
    total = row("total", total_label, total_zh, period, chosen)
    notes = []
    if daily.other_currency:
        notes.append(f"{daily.other_currency} bookings not in {currency} are left out of the value")
    return ThroughputReport(period, by, line, currency, tuple(rows), total, tuple(notes))
