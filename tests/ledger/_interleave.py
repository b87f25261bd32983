"""Workers and a checker for test_interleavings.py, run in spawned processes against one ledger.

A *program* is a list of operations, each a tuple whose first item names its kind in :data:`OPERATIONS`. Each
worker process runs one program and returns a log (one dict per operation) that the test checks afterwards;
a checker process reads the ledger's room in single statements while the workers run.

To add an operation kind (quote and hold, hold expiry): write ``_quote(state, *args) -> dict`` beside the
others, add it to :data:`OPERATIONS`, give it a strategy in the test's ``OPERATION_STRATEGIES``, and make
:data:`ROOM_SQL` count live holds beside confirmed bookings.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import text

import intermodal as im
from intermodal.exceptions import CapacityError, IntermodalError, NoRouteError
from intermodal.io.scenarios import load_scenario
from intermodal.ledger import Ledger, book, book_itinerary, cancel_booking, open_ledger
from intermodal.ledger.availability import read_availability
from intermodal.ledger.schedule import schedule_departures
from intermodal.model import Bundle
from intermodal.planners.routing import search_window

#: The first service date a program touches; programs stay within a few days of it.
BASE_DAY = dt.date(2020, 4, 3)
#: Pairs whose options ride the 2-TEU highway shuttles, so that a few bookings fill them.
PAIRS = (("nanpeng", "bangkok"), ("nanpeng", "hanoi"), ("nanpeng", "kuala-lumpur"), ("nanpeng", "singapore"))
SHIPPER = "Interleave"

#: Per departure, in ONE statement (one snapshot on both backends): its counters, its capacity, and what its
#: confirmed bookings add up to. Live holds join the sums here when the ledger has them.
ROOM_SQL = text(
    """
    SELECT d.ref, d.status, d.capacity_teu, d.booked_teu, d.capacity_kg, d.booked_kg,
           COALESCE(b.teu, 0) AS sum_teu, COALESCE(b.kg, 0) AS sum_kg
    FROM departures d
    LEFT JOIN (
        SELECT l.departure_id, SUM(k.teu) AS teu, SUM(k.weight_kg) AS kg
        FROM booking_legs l JOIN bookings k ON k.id = l.booking_id
        WHERE k.status = 'confirmed'
        GROUP BY l.departure_id
    ) b ON b.departure_id = d.id
    """
)


def _teu(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def room_violations(ledger: Ledger) -> tuple[int, list[str]]:
    """How many departures the ledger holds, and every one whose counters are not the sums of its confirmed
    bookings or exceed its capacity (or go below zero), read in one statement."""
    with ledger.reading() as connection:
        rows = connection.execute(ROOM_SQL).all()
    found = []
    for r in rows:
        booked, capacity, summed = _teu(r.booked_teu), _teu(r.capacity_teu), _teu(r.sum_teu)
        if booked != summed or int(r.booked_kg) != int(r.sum_kg):
            found.append(f"{r.ref}: counters {booked} TEU/{r.booked_kg} kg, bookings {summed}/{r.sum_kg}")
        if not (0 <= booked <= capacity and 0 <= int(r.booked_kg) <= int(r.capacity_kg)):
            found.append(f"{r.ref}: booked {booked} TEU/{r.booked_kg} kg of {capacity}/{r.capacity_kg}")
    return len(rows), found


# The audit: a trigger logs every committed change of a departure's counters, so that the test sees each
# state a departure was ever in, not only those the checker happened to sample.

_AUDIT_TABLE = """
CREATE TABLE room_audit (
    id {serial},
    departure_id INTEGER NOT NULL,
    old_teu NUMERIC NOT NULL, new_teu NUMERIC NOT NULL, capacity_teu NUMERIC NOT NULL,
    old_kg BIGINT NOT NULL, new_kg BIGINT NOT NULL, capacity_kg BIGINT NOT NULL
)"""
_AUDIT_VALUES = (
    "(departure_id, old_teu, new_teu, capacity_teu, old_kg, new_kg, capacity_kg) VALUES "
    "(OLD.id, OLD.booked_teu, NEW.booked_teu, NEW.capacity_teu, "
    "OLD.booked_kg, NEW.booked_kg, NEW.capacity_kg)"
)
AUDIT_DDL = {
    "sqlite": [
        _AUDIT_TABLE.format(serial="INTEGER PRIMARY KEY AUTOINCREMENT"),
        "CREATE TRIGGER room_audit AFTER UPDATE OF booked_teu, booked_kg ON departures "
        f"BEGIN INSERT INTO room_audit {_AUDIT_VALUES}; END",
    ],
    "postgresql": [
        _AUDIT_TABLE.format(serial="BIGSERIAL PRIMARY KEY"),
        "CREATE FUNCTION room_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"INSERT INTO room_audit {_AUDIT_VALUES}; RETURN NEW; END $$",
        "CREATE TRIGGER room_audit AFTER UPDATE OF booked_teu, booked_kg ON departures "
        "FOR EACH ROW EXECUTE FUNCTION room_audit()",
    ],
}


def install_audit(ledger: Ledger) -> None:
    """Add the audit table and trigger to a test ledger (never to a real one)."""

    def work(connection: Any) -> None:
        for statement in AUDIT_DDL[ledger.dialect]:
            connection.exec_driver_sql(statement)

    ledger.write(work)


# The worker processes.


@dataclass
class _State:
    """What one worker remembers between its operations."""

    ledger: Ledger
    bundle: Bundle
    run: int
    worker: int
    options: list[Any] = field(default_factory=list)
    shipment: Any = None
    number: int = 0

    def key(self) -> str:
        return booking_key(self.run, self.worker, self.number)


def booking_key(run: int, worker: int, number: int) -> str:
    """The idempotency key of operation ``number`` of ``worker`` in program set ``run``."""
    return f"r{run}-w{worker}-{number}"


def _schedule(state: _State, day: int, days: int) -> dict[str, Any]:
    start = BASE_DAY + dt.timedelta(days=day)
    done = schedule_departures(state.ledger, state.bundle, start=start, end=start + dt.timedelta(days=days))
    return {"created": len(done.created), "conflicts": len(done.conflicts)}


def _route(state: _State, pair: int, ready_h: int, teu: int, cargo: str) -> dict[str, Any]:
    origin, destination = PAIRS[pair % len(PAIRS)]
    ready = dt.datetime.combine(BASE_DAY, dt.time(8), dt.UTC) + dt.timedelta(hours=ready_h)
    shipment = im.make_shipment(state.bundle, teu=teu, cargo=cargo, ready=ready)
    start, end = search_window(shipment)
    snapshot = read_availability(state.ledger, start=start, end=end)
    by_ref = {room.ref: room for room in snapshot.rooms.values()}
    capacity = {svc.id: svc.capacity_teu for svc in state.bundle.services}
    try:
        found = im.find_routes(state.bundle, origin, destination, shipment, availability=snapshot)
    except NoRouteError as error:
        state.options, state.shipment = [], None
        return {"options": 0, "legs": [], "reason": str(error)[:200]}
    state.options, state.shipment = list(found.options), shipment
    legs = []
    for option in found.options:
        for leg in option.legs:
            if not leg.service:
                continue  # a truck that leaves when the cargo is ready holds no room
            room = by_ref.get(leg.departure)
            legs.append(
                {
                    "ref": leg.departure,
                    "want_teu": shipment.teu,
                    "want_kg": shipment.tonnes * 1000.0,
                    # None: the ledger does not hold it yet, so the timetable's capacity is its room
                    "snapshot": None
                    if room is None
                    else {"free_teu": room.free_teu, "free_kg": room.free_kg, "runs": room.runs},
                    "timetable_teu": capacity[leg.service],
                    "answer_teu": leg.free_teu,
                    "answer_kg": leg.free_kg,
                }
            )
    return {"options": len(found.options), "legs": legs}


def _book(state: _State, pick: int, teu: int) -> dict[str, Any]:
    """Book an option the last search found (even one found long ago), else a random departure."""
    key = state.key()
    common: dict[str, Any] = {"idempotency_key": key, "shipper": SHIPPER, "customs_status": "bonded"}
    try:
        if state.options:
            option = state.options[pick % len(state.options)]
            shipment = state.shipment
            made = book_itinerary(
                state.ledger,
                option.to_dict(rank=1, summary=""),
                teu=str(shipment.teu),
                tonnes=f"{shipment.tonnes:.3f}",
                cargo_class=shipment.cargo.kind.value,
                bundle=state.bundle,
                **common,
            )
        else:
            with state.ledger.reading() as connection:
                refs = connection.execute(text("SELECT ref FROM departures ORDER BY id")).scalars().all()
            if not refs:
                return {"key": key, "outcome": "nothing to book"}
            made = book(state.ledger, departures=[refs[pick % len(refs)]], teu=teu, tonnes=teu, **common)
    except CapacityError as error:
        return {"key": key, "outcome": "full", "reason": str(error)[:300]}
    return {"key": key, "outcome": "booked", "legs": list(made.departures), "teu": str(made.teu)}


def _cancel(state: _State, worker: int, number: int) -> dict[str, Any]:
    """Cancel what another (or this) worker's operation ``number`` booked, if it booked anything."""
    key = booking_key(state.run, worker, number)
    try:
        booking, released = cancel_booking(state.ledger, key)
    except IntermodalError as error:
        if "unknown booking" not in str(error):
            raise
        return {"key": key, "outcome": "unknown"}
    return {"key": key, "outcome": "cancelled", "released": released, "teu": str(booking.teu)}


def _pause(state: _State, ms: int) -> dict[str, Any]:
    time.sleep(ms / 1000)
    return {}


#: Operation kinds by name. Quotes and holds go here as ``"quote"`` and ``"expire"`` (see the module doc).
OPERATIONS: dict[str, Callable[..., dict[str, Any]]] = {
    "schedule": _schedule,
    "route": _route,
    "book": _book,
    "cancel": _cancel,
    "pause": _pause,
}

_BUNDLE: Bundle | None = None
_LEDGERS: dict[str, Ledger] = {}


def warm_up() -> None:
    """Pool initializer: load the scenario and run one search, so that no operation pays for either."""
    global _BUNDLE
    _BUNDLE = load_scenario("chongqing")
    shipment = im.make_shipment(_BUNDLE, teu=1, ready="2020-04-03T08:00+08:00")
    im.find_routes(_BUNDLE, *PAIRS[0], shipment)


def _ledger(url: str) -> Ledger:
    if url not in _LEDGERS:
        _LEDGERS[url] = open_ledger(url, migrate_schema=False)
    return _LEDGERS[url]


def run_program(
    url: str, run: int, worker: int, program: list[tuple[Any, ...]], start_at: float
) -> list[dict[str, Any]]:
    """Run ``program`` from ``start_at`` (a Unix time shared by the workers, so that they collide)."""
    assert _BUNDLE is not None, "the pool's initializer is warm_up"
    state = _State(_ledger(url), _BUNDLE, run, worker)
    time.sleep(max(0.0, start_at - time.time()))
    log = []
    for number, (kind, *args) in enumerate(program):
        state.number = number
        began = time.monotonic()
        try:
            record = OPERATIONS[kind](state, *args)
        except Exception as error:  # the test names every unexpected failure; the worker goes on
            record = {"outcome": "error", "error": f"{type(error).__name__}: {str(error)[:300]}"}
        log.append({"kind": kind, "args": list(args), "ms": (time.monotonic() - began) * 1000, **record})
    return log


def run_checker(url: str, stop_file: str, max_seconds: float) -> dict[str, Any]:
    """Read the room over and over until ``stop_file`` exists; return how often and what was wrong."""
    ledger = _ledger(url)
    snapshots = 0
    found: list[str] = []
    ends = time.monotonic() + max_seconds
    while not os.path.exists(stop_file) and time.monotonic() < ends:
        _, wrong = room_violations(ledger)
        snapshots += 1
        found += [f"snapshot {snapshots}: {w}" for w in wrong]
        time.sleep(0.005)
    return {"snapshots": snapshots, "violations": found[:50]}
