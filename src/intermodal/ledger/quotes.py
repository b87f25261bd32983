"""Quotes: the price of one route option for one shipment, holding room on its departures for a while.

A quote lists one line item per leg and per hub operation of the option, each rounded to the fen (0.01); its
total is *defined* as the sum of those rounded items, so the items always add up to the total exactly. It
gives the option's CO2e (WTW, with TTW beside it) and a ``valid_until``.

Making a quote takes a hold on every scheduled leg's departure in the same transaction, checked like a
booking (free = capacity − booked − live holds, under the same locks; a reefer quote holds reefer plugs as
well, where a departure counts them), all or none. A hold is one row per
departure in ``quote_legs``; the held amount is the quote's TEU and kg. It is live while the quote is ``open``
and ``valid_until`` is ahead, so expiry needs no background job: a hold past its time counts for nothing in
:func:`~intermodal.ledger.availability.read_availability` or in a booking's check. :func:`expire_quotes` only
marks such quotes ``expired`` for the record.

Why a table of holds rather than ``held_teu`` columns on the departure: a column would have to be decremented
when a hold lapses, which needs a job to run on time, and until it ran the room would be wrong; summing the
live holds inside the locked transaction is always right, and live holds are few (they last minutes).

Booking a quote (:func:`book_quote`; it lives here because quotes build on bookings, never the reverse)
turns the hold into a booking in one transaction. An expired quote is refused
(:class:`~intermodal.exceptions.QuoteError`), even if the room is still free: the price expires with the hold,
so the client quotes again.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError

from intermodal.exceptions import LedgerError, Problem, QuoteError, ShipmentError
from intermodal.ledger import _schema as s
from intermodal.ledger._storage import Ledger
from intermodal.ledger._values import (
    checked_limit,
    currency_problem,
    minor_to_money,
    utc_now,
)
from intermodal.ledger.bookings import (
    Booking,
    BookingRequest,
    LegRef,
    _book_one,
    _cargo_problems,
    _service_problems,
    check_room,
    departure_rows,
    is_reefer,
    request_from_itinerary,
)
from intermodal.model import Bundle
from intermodal.model.bounds import id_problem

__all__ = [
    "DEFAULT_HOLD_MINUTES",
    "MAX_HOLD_MINUTES",
    "QUOTE_STATUSES",
    "Quote",
    "QuoteLine",
    "book_quote",
    "create_quote",
    "expire_quotes",
    "get_quote",
    "list_quotes",
    "quote_route",
    "release_quote",
]

#: How long a quote holds its room unless told otherwise.
DEFAULT_HOLD_MINUTES = 30
#: The longest hold: a day. Longer would let a quote sit on room nobody books.
MAX_HOLD_MINUTES = 24 * 60
QUOTE_STATUSES = ("open", "booked", "expired", "released")
_FEN = Decimal("0.01")


@dataclass(frozen=True)
class QuoteLine:
    """One line item: a leg (``kind`` ``leg``) or a hub operation (``handling``, ``clearance``)."""

    kind: str
    description: str
    amount: Decimal

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "description": self.description, "amount": str(self.amount)}


@dataclass(frozen=True)
class Quote:
    """A stored quote. ``status`` is as of when it was read: an open quote past ``valid_until`` reads
    ``expired`` (its hold counts for nothing) whether or not a sweep has marked it."""

    id: int
    status: str
    cargo_class: str
    teu: Decimal
    weight_kg: int
    value: Decimal
    currency: str
    lines: tuple[QuoteLine, ...]
    total: Decimal
    price_currency: str
    co2e_kg_wtw: Decimal
    co2e_kg_ttw: Decimal
    created_at: dt.datetime
    valid_until: dt.datetime
    closed_at: dt.datetime | None
    booking_id: int | None
    departures: tuple[str, ...]
    option: Mapping[str, Any]

    @property
    def tonnes(self) -> Decimal:
        return (Decimal(self.weight_kg) / 1000).quantize(Decimal("0.001"))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields; money as strings so that no fen is lost to floats."""
        return {
            "id": self.id,
            "status": self.status,
            "line_items": [line.to_dict() for line in self.lines],
            "total": str(self.total),
            "currency": self.price_currency,
            "co2e_kg_wtw": float(self.co2e_kg_wtw),
            "co2e_kg_ttw": float(self.co2e_kg_ttw),
            "created_at": self.created_at.isoformat(),
            "valid_until": self.valid_until.isoformat(),
            "closed_at": self.closed_at.isoformat() if self.closed_at else None,
            "booking_id": self.booking_id,
            "departures": list(self.departures),
            "shipment": {
                "teu": float(self.teu),
                "tonnes": float(self.tonnes),
                "cargo": self.cargo_class,
                "value": str(self.value),
                "currency": self.currency,
            },
            "option": dict(self.option),
        }


def _amount(value: Any, field: str) -> Decimal | Problem:
    """A non-negative finite amount from the route JSON, rounded half up to the fen."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        return Problem("not a number", field=field, found=repr(value)[:40], expected="a number >= 0")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return Problem("not a number", field=field, found=str(value)[:40], expected="a number >= 0")
    if not number.is_finite() or number < 0 or number > 10**13:
        return Problem("not a finite amount", field=field, found=str(value)[:40], expected="0 to 1e13")
    return number.quantize(_FEN, rounding=ROUND_HALF_UP)


def _place(item: Mapping[str, Any], key: str) -> str:
    return str(item.get(key) or "?")


def price_option(option: Mapping[str, Any]) -> tuple[list[QuoteLine], str, Decimal, Decimal]:
    """The line items of a route option (route JSON), their currency and the CO2e WTW and TTW.

    Raises :class:`~intermodal.exceptions.ShipmentError` naming each element whose cost or CO2e is missing or
    not a number, or whose currency differs from the rest.
    """
    problems: list[Problem] = []
    lines: list[QuoteLine] = []
    currencies: set[str] = set()
    co2e = {"wtw": Decimal(0), "ttw": Decimal(0)}
    elements: list[tuple[str, Any]] = [(f"legs[{i}]", leg) for i, leg in enumerate(option.get("legs") or [])]
    elements += [(f"hubs[{i}]", hub) for i, hub in enumerate(option.get("hubs") or [])]
    for where, item in elements:
        if not isinstance(item, Mapping):
            problems.append(Problem("must be an object", field=where))
            continue
        if where.startswith("legs"):
            kind = "leg"
            service = item.get("service") or "truck"
            description = (
                f"{item.get('mode') or '?'} {service}: {_place(item, 'from')} → {_place(item, 'to')}"
            )
        else:
            kind = str(item.get("kind") or "hub")[:16]
            description = f"{kind} at {_place(item, 'terminal')}"
        amount = _amount(item.get("cost"), f"{where}.cost")
        if isinstance(amount, Problem):
            problems.append(amount)
        else:
            lines.append(QuoteLine(kind, description, amount))
        currency = item.get("currency")
        if problem := currency_problem(currency, field=f"{where}.currency"):
            problems.append(problem)
        else:
            currencies.add(str(currency))
        for part in ("wtw", "ttw"):
            found = _amount(item.get(f"co2e_kg_{part}", 0), f"{where}.co2e_kg_{part}")
            if isinstance(found, Problem):
                problems.append(found)
            else:
                co2e[part] += found
    if not elements:
        problems.append(Problem("an option needs its legs", field="legs"))
    if len(currencies) > 1:
        problems.append(
            Problem(
                "the option's prices are in more than one currency",
                field="legs",
                found=", ".join(sorted(currencies)),
                expected="one currency",
            )
        )
    if problems:
        raise ShipmentError(problems)
    return lines, currencies.pop(), co2e["wtw"], co2e["ttw"]


def _hold_minutes(minutes: Any) -> int:
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= MAX_HOLD_MINUTES:
        raise ShipmentError(
            Problem(
                "not a hold time",
                field="hold_minutes",
                found=str(minutes),
                expected=f"whole minutes from 1 to {MAX_HOLD_MINUTES}",
            )
        )
    return minutes


def create_quote(
    ledger: Ledger,
    option: Mapping[str, Any],
    *,
    teu: Decimal | int | float | str,
    tonnes: Decimal | int | float | str,
    cargo_class: str = "general",
    value: Decimal | int | float | str = Decimal(0),
    currency: str = "CNY",
    hold_minutes: int = DEFAULT_HOLD_MINUTES,
    bundle: Bundle | None = None,
    now: dt.datetime | None = None,
) -> Quote:
    """Quote a route option (route JSON, or ``Itinerary.to_dict()``) for a shipment, holding its room.

    Parameters
    ----------
    ledger
        The open ledger.
    option
        One option as ``intermodal route --format json`` gives it: its legs (with ``departure`` refs) and
        hubs, each with ``cost``, ``currency`` and CO2e.
    teu, tonnes, cargo_class, value, currency
        The shipment, as for a booking.
    hold_minutes
        How long the quote holds its room and its price (1 minute to a day).
    bundle
        The scenario: its cargo rules are checked as a booking checks them, and a departure of its timetable
        that the ledger does not have yet is made.
    now
        The quote's creation instant (default: the clock); tests inject it.

    Returns
    -------
    Quote
        The new quote, ``open``, with its hold on every scheduled leg's departure.

    Raises
    ------
    ShipmentError
        The option or the shipment is malformed, or breaks the cargo rules; every problem is named.
    LedgerError
        A departure is unknown, cancelled or gone.
    CapacityError
        A departure lacks the room, counting bookings and other live holds; nothing is held.
    """
    minutes = _hold_minutes(hold_minutes)
    problems: list[Problem] = []
    try:
        lines, price_currency, wtw, ttw = price_option(option)
    except ShipmentError as error:
        problems += error.problems
    try:
        # the shipment is checked exactly as a booking's: a request with a stand-in key, shipper and customs
        # status (a quote holds room and a price; the cargo's customs status is stated when it is booked,
        # book_quote requires it, and no check of a quote depends on it)
        request = request_from_itinerary(
            option,
            idempotency_key="quote",
            shipper="quote",
            teu=str(teu),
            tonnes=str(tonnes),
            value=str(value),
            currency=currency,
            cargo_class=cargo_class,
            customs_status="cleared",
        )
    except ShipmentError as error:
        problems += error.problems
    else:
        problems += request.problems()
        if bundle is not None:
            problems += _cargo_problems(bundle, request)
    if problems:
        raise ShipmentError(problems)
    checked = request.checked()
    created = now or utc_now()
    if created.tzinfo is None:
        raise LedgerError(Problem("the quote time must be aware", field="now", found=str(created)))
    valid_until = created + dt.timedelta(minutes=minutes)
    stored_option = json.dumps(option, ensure_ascii=False, sort_keys=True, allow_nan=False)

    def work(connection: Connection) -> Quote:
        rows = departure_rows(connection, request, bundle=bundle)
        if bundle is not None and (refused := _service_problems(bundle, request, rows, checked.teu)):
            raise LedgerError(refused)
        reefer = is_reefer(cargo_class)
        check_room(
            connection,
            rows,
            checked.teu,
            checked.weight_kg,
            now=created,
            reefer=reefer,
            places=request.legs,
            bundle=bundle,
        )
        quote_id = connection.execute(
            s.quotes.insert().values(
                cargo_class=cargo_class,
                teu=checked.teu,
                weight_kg=checked.weight_kg,
                value_minor=checked.value_minor,
                currency=currency,
                total_minor=sum(int(line.amount * 100) for line in lines),
                price_currency=price_currency,
                co2e_kg_wtw=wtw,
                co2e_kg_ttw=ttw,
                option_json=stored_option,
                status="open",
                created_at=created,
                valid_until=valid_until,
                reefer_teu=checked.teu if reefer else 0,
            )
        ).inserted_primary_key[0]  # type: ignore[index]
        connection.execute(
            s.quote_lines.insert(),
            [
                {
                    "quote_id": quote_id,
                    "seq": seq,
                    "kind": line.kind,
                    "description": line.description,
                    "amount_minor": int(line.amount * 100),
                }
                for seq, line in enumerate(lines)
            ],
        )
        connection.execute(
            s.quote_legs.insert(),
            [
                {
                    "quote_id": quote_id,
                    "seq": seq,
                    "departure_id": row.id,
                    "from_place": leg.from_place,
                    "to_place": leg.to_place,
                }
                for seq, (leg, row) in enumerate(zip(request.legs, rows, strict=True))
            ],
        )
        return _quote(connection, _quote_row(connection, quote_id), now=created)

    return ledger.write(work)


def quote_route(
    ledger: Ledger,
    route: Mapping[str, Any],
    *,
    rank: int = 1,
    hold_minutes: int = DEFAULT_HOLD_MINUTES,
    bundle: Bundle | None = None,
    now: dt.datetime | None = None,
) -> Quote:
    """Quote the option of rank ``rank`` of a route answer (the route JSON), for the shipment of its query.

    The shipment (TEU, tonnes, cargo, value, currency) is the one the route was searched for (``query``).
    Raises as :func:`create_quote` does, and :class:`~intermodal.exceptions.ShipmentError` when the answer
    has no such option or no query.
    """
    options = route.get("options")
    query = route.get("query")
    if not isinstance(options, Sequence) or not isinstance(query, Mapping):
        raise ShipmentError(
            Problem("not a route answer", field="route", expected="the route JSON, with query and options")
        )
    option = next((o for o in options if isinstance(o, Mapping) and o.get("rank") == rank), None)
    if option is None:
        raise ShipmentError(
            Problem(
                "no option of this rank",
                field="option",
                found=str(rank),
                expected=f"1 to {len(options)}" if options else "a route with options",
            )
        )
    tonnes = _rounded(query.get("tonnes"), "0.001")
    return create_quote(
        ledger,
        option,
        teu=str(query.get("teu")),
        tonnes=tonnes,
        cargo_class=str(query.get("cargo") or "general"),
        value=_rounded(query.get("value") or 0, "0.01"),
        currency=str(query.get("currency") or "CNY"),
        hold_minutes=hold_minutes,
        bundle=bundle,
        now=now,
    )


def _rounded(value: Any, step: str) -> str:
    """A float from the route JSON to the ledger's step (kg, fen): the search's own tonnes are floats."""
    if isinstance(value, float) and math.isfinite(value):
        return str(Decimal(str(value)).quantize(Decimal(step), rounding=ROUND_HALF_UP))
    return str(value)


def _quote_row(connection: Connection, quote_id: int | str, *, lock: bool = False) -> Any:
    if isinstance(quote_id, str):
        if not (quote_id.isascii() and quote_id.isdigit()):
            raise LedgerError(Problem("unknown quote", field="quote", found=quote_id, expected="a quote id"))
        quote_id = int(quote_id)
    if problem := id_problem(quote_id, field="quote", what="quote"):
        raise LedgerError(problem)
    query = select(s.quotes).where(s.quotes.c.id == quote_id)
    if lock and connection.dialect.name == "postgresql":
        query = query.with_for_update()
    row = connection.execute(query).first()
    if row is None:
        raise LedgerError(Problem("unknown quote", field="quote", found=str(quote_id)))
    return row


def quote_legs(connection: Connection, quote_id: int) -> list[Any]:
    """The quote's held departures in leg order: (ref, from_place, to_place)."""
    return list(
        connection.execute(
            select(s.departures.c.ref, s.quote_legs.c.from_place, s.quote_legs.c.to_place)
            .join(s.departures, s.departures.c.id == s.quote_legs.c.departure_id)
            .where(s.quote_legs.c.quote_id == quote_id)
            .order_by(s.quote_legs.c.seq)
        ).all()
    )


def status_at(row: Any, now: dt.datetime) -> str:
    """The quote's status at ``now``: an open quote past its time is expired."""
    return "expired" if row.status == "open" and row.valid_until <= now else str(row.status)


def _quote(connection: Connection, row: Any, *, now: dt.datetime | None = None) -> Quote:
    lines = connection.execute(
        select(s.quote_lines).where(s.quote_lines.c.quote_id == row.id).order_by(s.quote_lines.c.seq)
    ).all()
    return Quote(
        id=row.id,
        status=status_at(row, now or utc_now()),
        cargo_class=row.cargo_class,
        teu=Decimal(row.teu).quantize(_FEN),
        weight_kg=int(row.weight_kg),
        value=minor_to_money(row.value_minor),
        currency=row.currency,
        lines=tuple(
            QuoteLine(line.kind, line.description, minor_to_money(line.amount_minor)) for line in lines
        ),
        total=minor_to_money(row.total_minor),
        price_currency=row.price_currency,
        co2e_kg_wtw=Decimal(row.co2e_kg_wtw).quantize(_FEN),
        co2e_kg_ttw=Decimal(row.co2e_kg_ttw).quantize(_FEN),
        created_at=row.created_at,
        valid_until=row.valid_until,
        closed_at=row.closed_at,
        booking_id=row.booking_id,
        departures=tuple(leg.ref for leg in quote_legs(connection, row.id)),
        option=json.loads(row.option_json),
    )


def get_quote(ledger: Ledger, quote_id: int | str, *, now: dt.datetime | None = None) -> Quote:
    """One quote by id; raises :class:`~intermodal.exceptions.LedgerError` if unknown."""
    with ledger.reading() as connection:
        return _quote(connection, _quote_row(connection, quote_id), now=now)


def list_quotes(
    ledger: Ledger, *, status: str | None = None, limit: int | None = None, now: dt.datetime | None = None
) -> list[Quote]:
    """Quotes by id, newest last; ``status`` as of ``now`` (an open quote past its time is ``expired``)."""
    if status is not None and status not in QUOTE_STATUSES:
        raise LedgerError(
            Problem("unknown quote status", field="status", found=status, expected=" | ".join(QUOTE_STATUSES))
        )
    moment = now or utc_now()
    query = select(s.quotes).order_by(s.quotes.c.id)
    if status == "open":
        query = query.where(s.quotes.c.status == "open", s.quotes.c.valid_until > moment)
    elif status == "expired":
        query = query.where(
            (s.quotes.c.status == "expired")
            | ((s.quotes.c.status == "open") & (s.quotes.c.valid_until <= moment))
        )
    elif status is not None:
        query = query.where(s.quotes.c.status == status)
    if limit is not None:
        query = query.limit(checked_limit(limit))
    with ledger.reading() as connection:
        return [_quote(connection, row, now=moment) for row in connection.execute(query).all()]


def release_quote(
    ledger: Ledger, quote_id: int | str, *, now: dt.datetime | None = None
) -> tuple[Quote, bool]:
    """Release a quote's hold at once (the client chose otherwise).

    Returns
    -------
    (Quote, bool)
        The quote, and whether this call released it: ``False`` when it was already released or expired, so a
        retried release is harmless.

    Raises
    ------
    QuoteError
        The quote was booked: cancel the booking instead.
    """
    moment = now or utc_now()

    def work(connection: Connection) -> tuple[Quote, bool]:
        row = _quote_row(connection, quote_id, lock=True)
        if row.status == "booked":
            raise QuoteError(
                Problem(
                    "the quote is booked; cancel its booking to free the room",
                    field="quote",
                    found=f"quote {row.id}, booking {row.booking_id}",
                )
            )
        changed = (
            row.status == "open"
            and row.valid_until > moment
            and connection.execute(
                s.quotes.update()
                .where(s.quotes.c.id == row.id, s.quotes.c.status == "open")
                .values(status="released", closed_at=moment)
            ).rowcount
            == 1
        )
        return _quote(connection, _quote_row(connection, row.id), now=moment), bool(changed)

    return ledger.write(work)


def expire_quotes(ledger: Ledger, *, now: dt.datetime | None = None) -> int:
    """Mark open quotes past their time ``expired``; returns how many. Only for the record: an expired hold
    already counts for nothing, so nothing depends on this running."""
    moment = now or utc_now()

    def work(connection: Connection) -> int:
        return int(
            connection.execute(
                s.quotes.update()
                .where(s.quotes.c.status == "open", s.quotes.c.valid_until <= moment)
                .values(status="expired", closed_at=moment)
            ).rowcount
        )

    return ledger.write(work)


def book_quote(
    ledger: Ledger,
    quote_id: int | str,
    *,
    idempotency_key: str,
    shipper: str,
    customs_status: str,
    equipment_ref: str | None = None,
    now: dt.datetime | None = None,
    bundle: Bundle | None = None,
) -> Booking:
    """Book every leg of a quote in one transaction, turning its hold into a booking; all or none.

    With ``bundle`` (the scenario), a link, terminal or crossing closed since the quote was made refuses it
    as it refuses a booking; a departure cancelled since is refused with or without it.

    The booking is the one :func:`~intermodal.ledger.book` would make for the quote's departures and shipment
    with the same key, so the same key again returns it (``replayed=True``) and a different booking with that
    key is refused. The quote's own hold is room it may take; other quotes' live holds are not.

    Raises
    ------
    QuoteError
        The quote expired (``expired=True``: quote again; its price lapsed with its hold), was released,
        or was booked under another key.
    ShipmentError
        The key, shipper, customs status or equipment is malformed.
    LedgerError
        The quote is unknown, or a departure has been cancelled or has left since.
    DisruptedError
        An open disruption stops a leg (added since the quote was made).
    """

    def work(connection: Connection) -> Booking:
        moment = now or utc_now()
        row = _quote_row(connection, quote_id, lock=True)
        legs = tuple(LegRef(leg.ref, leg.from_place, leg.to_place) for leg in quote_legs(connection, row.id))
        request = BookingRequest(
            idempotency_key=idempotency_key,
            legs=legs,
            shipper=shipper,
            teu=Decimal(row.teu).quantize(_FEN),
            tonnes=Decimal(int(row.weight_kg)) / 1000,
            value=minor_to_money(row.value_minor),
            currency=row.currency,
            cargo_class=row.cargo_class,
            customs_status=customs_status,
            equipment_ref=equipment_ref,
        )
        checked = request.checked()
        status = status_at(row, moment)
        if status == "booked":
            booked = connection.execute(select(s.bookings).where(s.bookings.c.id == row.booking_id)).one()
            if booked.idempotency_key != idempotency_key:
                raise QuoteError(
                    Problem(
                        "the quote is booked already, under another key",
                        field="quote",
                        found=f"quote {row.id}, booking {row.booking_id}",
                    )
                )
            return _book_one(connection, checked)  # the retry: the same booking, or a refusal of another body
        if status != "open":
            raise QuoteError(
                Problem(
                    f"the quote is {status}" + ("; quote again" if status == "expired" else ""),
                    field="quote",
                    found=f"quote {row.id}, valid until {row.valid_until.isoformat()}",
                ),
                expired=status == "expired",
            )
        booking = _book_one(connection, checked, quote_id=row.id, now=moment, bundle=bundle)
        if booking.replayed:  # the key made an identical booking before, not from this quote
            raise LedgerError(
                Problem(
                    "this idempotency key was used for another booking",
                    field="idempotency_key",
                    found=idempotency_key,
                    expected="a new key",
                )
            )
        connection.execute(
            s.quotes.update()
            .where(s.quotes.c.id == row.id)
            .values(status="booked", booking_id=booking.id, closed_at=moment)
        )
        return booking

    try:
        return ledger.write(work)
    except IntegrityError as error:
        # PostgreSQL: another process inserted the same key after our check; run again as book_many does
        if "idempotency_key" not in str(error.orig):
            raise
        return ledger.write(work)
