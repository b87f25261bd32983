"""The bounds of every date, duration, quantity and id that comes in from a user.

The CLI, the API and the ledger all check their input here, so a value refused by one is refused by all, with
the same words. Each check returns a :class:`~intermodal.exceptions.Problem` naming the field, what was found
and what was expected, or ``None``; the caller raises it as its error (``ShipmentError``, ``LedgerError``).

The limits are far wider than any real shipment, but narrow enough that the arithmetic done on an accepted
value (a ready time plus the search horizon, tonnes to kg, money to minor units, a row id in a database) can
never leave the range of its type.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

from intermodal.exceptions import Problem

__all__ = [
    "EARLIEST_DATE",
    "LATEST_DATE",
    "MAX_CAPACITY_KG",
    "MAX_CAPACITY_TEU",
    "MAX_CARBON_PRICE",
    "MAX_ID",
    "MAX_SEARCH_DAYS",
    "MAX_TEU",
    "MAX_TONNES",
    "MAX_VALUE",
    "MAX_WINDOW_DAYS",
    "id_problem",
    "quantity_problem",
    "time_problem",
    "window_problem",
]

#: Operations and queries happen between these dates (inclusive, as written, in the time's own zone). Nothing
#: in freight predates Unix time, and plans reach decades ahead at most; within these dates every zone
#: conversion and every added horizon stays far inside ``datetime``'s years 1 to 9999, and a date before 1970
#: (``1900`` for ``2020``) is a typing slip, not a record.
EARLIEST_DATE = dt.date(1970, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)

#: The longest ready-to-due window a route query may ask for: the timetable is expanded over the whole window,
#: so a decade would run for minutes and exhaust a server (the API's default limit since it had one).
MAX_WINDOW_DAYS = 60.0
#: The furthest a search looks past the ready time: the window, or the no-route explanation's 60-day retry,
#: plus a range query's 60 days. ``LATEST_DATE`` plus this stays a valid date (tests/model/test_bounds.py).
MAX_SEARCH_DAYS = MAX_WINDOW_DAYS + 60.0

#: One shipment or booking: more TEU than a big container ship carries in one call is a typing slip.
MAX_TEU = 10_000
#: One departure's capacity: above the largest container ship afloat (about 24,000 TEU).
MAX_CAPACITY_TEU = 100_000
#: One shipment's cargo weight: above the deadweight of the largest bulk carriers (about 400,000 t).
MAX_TONNES = 1_000_000
#: One departure's weight capacity in kg: the same million tonnes.
MAX_CAPACITY_KG = 10**9
#: A declared cargo value, in its currency: a thousand trillion. In minor units (x 100) it stays far below
#: the 64-bit integers the ledger stores money in.
MAX_VALUE = 10**15
#: A carbon price per tonne of CO2e: a hundred times the highest price any scheme has set (about 1,000 CNY/t
#: in the EU ETS at its peak); beyond it every option's cost is the carbon cost, and sums lose precision.
MAX_CARBON_PRICE = 100_000
#: Row ids are signed 64-bit integers in SQLite and PostgreSQL (BIGINT): no row has a larger id.
MAX_ID = 2**63 - 1


def _shown(value: object) -> str:
    # a value as found, cut short: a 5,000-digit number is named, not echoed
    text = str(value)
    return text if len(text) <= 40 else f"{text[:20]}... ({len(text)} characters)"


def time_problem(when: dt.datetime | dt.date, *, field: str) -> Problem | None:
    """Why ``when`` is outside :data:`EARLIEST_DATE` to :data:`LATEST_DATE`, or ``None``.

    The date is taken as written (in the time's own zone), so an aware time near a bound still converts to
    UTC and back without leaving the range of ``datetime``.
    """
    day = when.date() if isinstance(when, dt.datetime) else when
    if EARLIEST_DATE <= day <= LATEST_DATE:
        return None
    return Problem(
        "date out of range",
        field=field,
        found=when.isoformat(),
        expected=f"a date from {EARLIEST_DATE.isoformat()} to {LATEST_DATE.isoformat()}",
    )


def window_problem(
    ready: dt.datetime, due: dt.datetime, *, field: str = "due", max_days: float = MAX_WINDOW_DAYS
) -> Problem | None:
    """Why ``due`` is too far after ``ready`` for a search (more than ``max_days``), or ``None``.

    Two naive times, or two aware ones, are compared as they are; a naive one beside an aware one is read in
    the same zone (the planner gives it the origin's zone later, so the window differs by an offset at most).
    """
    if (ready.tzinfo is None) != (due.tzinfo is None):
        ready, due = ready.replace(tzinfo=None), due.replace(tzinfo=None)
    if (due - ready).total_seconds() <= max_days * 86400:
        return None
    return Problem(
        "due is too far after ready",
        field=field,
        found=due.isoformat(),
        expected=f"at most {max_days:g} days after ready",
    )


def quantity_problem(
    value: float | Decimal | int,
    *,
    field: str,
    maximum: float | Decimal | int,
    zero: bool = False,
) -> Problem | None:
    """Why ``value`` is not a finite number above 0 (or at least 0, with ``zero``) and at most ``maximum``.

    Checked before any arithmetic on the value: ``1e30`` TEU would overflow a Decimal quantization, an integer
    column or a float sum further on.
    """
    expected = f"a number from 0 to {maximum:,}" if zero else f"a number > 0 and <= {maximum:,}"
    finite = value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)
    if not finite:
        return Problem("not a finite number", field=field, found=_shown(value), expected=expected)
    if value < 0 or (value == 0 and not zero):
        message = "must be at least 0" if zero else "must be greater than 0"
        return Problem(message, field=field, found=_shown(value), expected=expected)
    if value > maximum:
        return Problem("too large", field=field, found=_shown(value), expected=expected)
    return None


def id_problem(key: int | str, *, field: str, what: str) -> Problem | None:
    """Why ``key`` (an int, or ASCII digits) cannot be the id of a stored ``what``, or ``None``.

    An id must lie from 1 to :data:`MAX_ID`. The message starts with "unknown", as for an id in range that is
    not stored: to a user both are ids the ledger does not have.
    """
    text = str(key) if isinstance(key, int) else key.lstrip("0") or "0"
    # a long string of digits is never turned into an int: Python refuses those above 4,300 digits
    if len(text) <= 19 and 1 <= int(text) <= MAX_ID:
        return None
    return Problem(
        f"unknown {what}: ids start at 1"
        if text == "0" or text.startswith("-")
        else f"unknown {what}: no id is that large",
        field=field,
        found=_shown(text),
        expected=f"an id from 1 to {MAX_ID} (signed 64 bit)",
    )
