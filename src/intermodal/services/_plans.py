"""What the CLI and the API both do around a plan: the ledger's room for it, booking it, its rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from intermodal.exceptions import LedgerError
from intermodal.ledger import BookingRequest, Ledger, LegRef, book_many, get_booking
from intermodal.ledger.availability import read_availability
from intermodal.model import Availability, Bundle
from intermodal.model.orders import Order
from intermodal.planners.plan import Plan

__all__ = ["ROW_COLUMNS", "already_booked", "book_plan", "plan_rows", "room_for"]


def _key(order_id: str, n: int) -> str:
    return f"plan-{order_id}-{n}"


def already_booked(ledger: Ledger, orders: Sequence[Order]) -> list[str]:
    """The orders an earlier booking of a plan already holds: booking a plan twice books nothing new."""
    found = []
    for order in orders:
        try:
            get_booking(ledger, _key(order.id, 0))
        except LedgerError:
            continue
        found.append(order.id)
    return found


def room_for(ledger: Ledger, orders: Sequence[Order]) -> Availability:
    """The ledger's room on every departure the orders' candidates could ride (a day before, a week after)."""
    start = min(o.ready for o in orders) - dt.timedelta(days=1)
    end = max(o.due for o in orders) + dt.timedelta(days=8)
    return read_availability(ledger, start=start, end=end)


def book_plan(ledger: Ledger, plan: Plan, bundle: Bundle, customs: str) -> int:
    """Book every carried order of ``plan`` in one transaction, all or nothing; returns the bookings made.

    Each order's share is booked under the idempotency key ``plan-ORDER-N``, so booking the same plan again
    answers the same bookings.
    """
    requests = []
    for line in plan.orders:
        for n, (share, it) in enumerate(line.itineraries):
            teu = Decimal(str(round(share * line.order.teu * 4) / 4))  # the ledger books quarter TEU
            if teu <= 0:
                continue
            requests.append(
                BookingRequest(
                    idempotency_key=_key(line.order.id, n),
                    legs=tuple(LegRef(str(g.departure), g.from_id, g.to_id) for g in it.legs if g.service),
                    shipper=f"order {line.order.id}",
                    teu=teu,
                    tonnes=Decimal(str(round(share * line.order.tonnes, 3))),
                    value=Decimal(str(round(share * line.order.value, 2))),
                    currency=plan.currency,
                    cargo_class=str(line.order.cargo),
                    customs_status=customs,
                )
            )
    return len(book_many(ledger, requests, bundle=bundle))


#: one row per order's option (or per order left behind) in a CSV or Parquet plan
ROW_COLUMNS = [
    "order",
    "from",
    "to",
    "teu",
    "carried",
    "share",
    "option",
    "departures",
    "depart",
    "arrive",
    "cost",
    "co2e_kg",
    "late_h",
    "reason",
    "first_come",
    "first_come_cost",
]


def plan_rows(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The plan JSON's orders as flat rows: one per option an order rides, one for an order left behind."""
    rows = []
    for o in doc["orders"]:
        for opt in o["options"] or [{}]:
            rows.append(
                {
                    "order": o["order"],
                    "from": o["from"],
                    "to": o["to"],
                    "teu": float(o["teu"]),
                    "carried": float(o["carried"]),
                    "share": float(opt.get("share", 0.0)),
                    "option": opt.get("summary", ""),
                    "departures": " ".join(opt.get("departures", [])),
                    "depart": opt.get("depart", ""),
                    "arrive": opt.get("arrive", ""),
                    "cost": float(o["cost"]),
                    "co2e_kg": float(o["co2e_kg"]),
                    "late_h": float(o["late_h"]),
                    "reason": o["reason"] or "",
                    "first_come": o["first_come"]["summary"] or "",
                    "first_come_cost": float(o["first_come"]["cost"]),
                }
            )
    return rows
