"""Checks and conversions of the ledger's quantities: TEU, tonnes, money, time zones and times."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from intermodal.exceptions import LedgerError, Problem
from intermodal.model.bounds import MAX_ID, MAX_TEU, MAX_TONNES, MAX_VALUE, quantity_problem, time_problem

_QUARTER = Decimal("0.25")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
# ISO 6346: a three-letter owner code, the category (U freight container, J detachable equipment, Z trailer or
# chassis), a six-digit serial and a check digit
_CONTAINER = re.compile(r"^[A-Z]{3}[UJZ][0-9]{7}$")


def to_decimal(value: Any, *, field: str) -> Decimal:
    """A Decimal from an int, str or Decimal (a float goes through its shortest repr, ``0.1`` stays
    ``0.1``)."""
    try:
        number = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError):
        raise LedgerError(Problem("not a number", field=field, found=str(value))) from None
    if not number.is_finite():
        raise LedgerError(Problem("not a finite number", field=field, found=str(value)))
    return number


def decimals(number: Decimal) -> int:
    """How many decimal places ``number`` needs (``1.500``: 1), read from its digits without arithmetic.

    Arithmetic would round: ``Decimal("1e-999999999") * 100`` underflows to 0 in the default context, so a
    value finer than a cent would be stored as nothing instead of being refused.
    """
    _, digits, exponent = number.as_tuple()
    assert isinstance(exponent, int)  # a finite number (to_decimal checks)
    significant = "".join(map(str, digits)).rstrip("0")
    if not significant:
        return 0
    return max(0, -(exponent + len(digits) - len(significant)))


def teu_problem(
    value: Any, *, field: str = "teu", maximum: int = MAX_TEU, zero: bool = False
) -> Problem | None:
    """Why ``value`` is not a TEU count above 0 (or at least 0, with ``zero``), at most ``maximum``, in
    quarter steps; or ``None``."""
    try:
        number = to_decimal(value, field=field)
    except LedgerError as error:
        return error.problems[0]
    if problem := quantity_problem(number, field=field, maximum=maximum, zero=zero):
        return problem
    if decimals(number) > 2 or number % _QUARTER != 0:
        return Problem(
            "TEU comes in quarter steps",
            field=field,
            found=str(value),
            expected="a multiple of 0.25 (40 ft = 2)",
        )
    return None


def teu_decimal(value: Any, *, field: str = "teu", maximum: int = MAX_TEU, zero: bool = False) -> Decimal:
    """A checked TEU count (see :func:`teu_problem`), normalised to two decimals."""
    problem = teu_problem(value, field=field, maximum=maximum, zero=zero)
    if problem:
        raise LedgerError(problem)
    return to_decimal(value, field=field).quantize(Decimal("0.01"))


def tonnes_to_kg(value: Any, *, field: str = "tonnes") -> tuple[int | None, Problem | None]:
    """Whole kg from tonnes above 0 (cargo without weight books nothing), given to at most three decimals."""
    try:
        number = to_decimal(value, field=field)
    except LedgerError as error:
        return None, error.problems[0]
    if problem := quantity_problem(number, field=field, maximum=MAX_TONNES):
        return None, problem
    if decimals(number) > 3:
        return None, Problem(
            "weight finer than 1 kg", field=field, found=str(value), expected="<= 3 decimals"
        )
    return int(number * 1000), None


def money_to_minor(value: Any, *, field: str = "value") -> tuple[int | None, Problem | None]:
    """Whole minor units (fen, cents) from an amount from 0 to :data:`MAX_VALUE`, to at most two decimals."""
    try:
        number = to_decimal(value, field=field)
    except LedgerError as error:
        return None, error.problems[0]
    if problem := quantity_problem(number, field=field, maximum=MAX_VALUE, zero=True):
        return None, problem
    if decimals(number) > 2:
        return None, Problem("value finer than 0.01", field=field, found=str(value), expected="<= 2 decimals")
    return int(number * 100), None


def check_digit(body: str) -> int:
    """The ISO 6346 check digit of an owner code, category letter and six-digit serial (``CSQU305438``: 3)."""
    values = []
    for char in body:
        if char.isdigit():
            values.append(int(char))
        else:
            # Letters count from 10 and skip multiples of 11.
            n = ord(char) - ord("A") + 10
            n += (n - 1) // 10
            values.append(n)
    return sum(v * 2**i for i, v in enumerate(values)) % 11 % 10


def equipment_problem(value: str, *, field: str = "equipment_ref") -> Problem | None:
    """Why ``value`` is not an ISO 6346 container number with its check digit, or ``None``.

    A mistyped container number would file its events under a box that does not exist; the check digit
    catches one wrong character and most swapped pairs.
    """
    expected = "an ISO 6346 container number: owner code, U/J/Z, 6 digits, check digit (CSQU3054383)"
    if not _CONTAINER.match(value):
        return Problem("not a container number", field=field, found=value[:40], expected=expected)
    if check_digit(value[:10]) != int(value[10]):
        return Problem(
            "wrong check digit",
            field=field,
            found=value,
            expected=f"{value[:10]}{check_digit(value[:10])} (ISO 6346)",
        )
    return None


def whole_number(value: Any, *, field: str, maximum: int) -> int:
    """A whole number above 0 and at most ``maximum`` from text or a number; else :class:`LedgerError`."""
    number = to_decimal(value, field=field)
    if problem := quantity_problem(number, field=field, maximum=maximum):
        raise LedgerError(problem)
    if decimals(number) > 0:
        raise LedgerError(
            Problem("not a whole number", field=field, found=str(value), expected="such as 28000")
        )
    return int(number)


def checked_limit(limit: int, *, field: str = "limit") -> int:
    """``limit`` if it is a row count a database can take (1 to :data:`MAX_ID`); else :class:`LedgerError`."""
    if problem := quantity_problem(limit, field=field, maximum=MAX_ID):
        raise LedgerError(problem)
    return limit


def minor_to_money(minor: int) -> Decimal:
    """The Decimal amount of whole minor units."""
    return (Decimal(int(minor)) / 100).quantize(Decimal("0.01"))


def currency_problem(value: Any, *, field: str = "currency") -> Problem | None:
    if not isinstance(value, str) or not _CURRENCY.match(value):
        return Problem("not an ISO 4217 currency code", field=field, found=str(value), expected="e.g. CNY")
    return None


def zone_info(name: str, *, field: str = "zone") -> ZoneInfo:
    """The IANA zone ``name``; raises :class:`LedgerError` if there is none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long for a file name
        raise LedgerError(
            Problem("unknown time zone", field=field, found=name[:64], expected="an IANA zone")
        ) from None


def parse_time(value: Any, *, zone: str, field: str) -> dt.datetime:
    """An aware datetime from a datetime or ISO 8601 text; a naive one is read in ``zone`` (local time).

    Dates outside the bounds of :mod:`intermodal.model.bounds` (1970 to 2100) are refused.
    """
    if isinstance(value, dt.datetime):
        moment = value
    else:
        try:
            moment = dt.datetime.fromisoformat(str(value))
        except ValueError:
            raise LedgerError(
                Problem(
                    "not an ISO 8601 time", field=field, found=str(value), expected="2020-04-03T09:00+08:00"
                )
            ) from None
    if problem := time_problem(moment, field=field):
        raise LedgerError(problem)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone_info(zone))
    return moment


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
