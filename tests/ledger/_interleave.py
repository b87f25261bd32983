"""Workers and a checker for test_interleavings.py, run in spawned processes against one ledger.

A *program* is a list of operations, each a tuple whose first item names its kind in :data:`OPERATIONS`. Each
worker process runs one program and returns a log (one dict per operation) that the test checks afterwards;
a checker process reads the ledger's room in single statements while the workers run.

To add an operation kind: write ``_kind(state, *args) -> dict`` beside the others, add it to
:data:`OPERATIONS`, and give it a strategy in the test's ``OPERATION_STRATEGIES``.

The workers' scenario is Chongqing with the highway shuttles powering 1 TEU of reefer boxes of their 2
(:data:`SHUTTLE_PLUGS_TEU`), so that reefer searches, quotes and bookings run out of plugs while TEU are left.

Holds lapse on a shared, fast clock (:func:`clock`): the ledger's API takes an injected ``now`` but holds for
whole minutes only, so every process of a run reads the same clock, which starts at the real time when the
run starts and runs :data:`SPEED` times faster: a 1-minute hold lapses after a second. Every ledger call that
judges holds is given it (a call left on the real clock would count more holds live, never fewer).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, text

import intermodal as im
from intermodal.exceptions import CapacityError, IntermodalError, NoRouteError, QuoteError
from intermodal.io.scenarios import load_scenario
from intermodal.ledger import (
    Ledger,
    book,
    book_many,
    book_quote,
    cancel_booking,
    create_quote,
    expire_quotes,
    open_ledger,
    release_quote,
)
from intermodal.ledger._schema import UTCDateTime
from intermodal.ledger.availability import read_availability
from intermodal.ledger.bookings import request_from_itinerary
from intermodal.ledger.schedule import schedule_departures
from intermodal.model import Bundle
from intermodal.planners.routing import search_window

#: The first service date a program touches; programs stay within a few days of it.
BASE_DAY = dt.date(2020, 4, 3)
#: Pairs whose options ride the 2-TEU highway shuttles, so that a few bookings fill them.
PAIRS = (("nanpeng", "bangkok"), ("nanpeng", "hanoi"), ("nanpeng", "kuala-lumpur"), ("nanpeng", "singapore"))
SHIPPER = "Interleave"
#: How much faster than real time the run's clock goes.
SPEED = 60.0
#: The reefer plugs of the workers' highway shuttles: scarcer than their 2 TEU, so that plugs run out first.
SHUTTLE_PLUGS_TEU = 1.0


def scenario() -> Bundle:
    """Chongqing, its highway shuttles powering :data:`SHUTTLE_PLUGS_TEU` of reefer boxes."""
    bundle = load_scenario("chongqing")
    services = tuple(
        dataclasses.replace(svc, reefer_plugs_teu=SHUTTLE_PLUGS_TEU) if svc.id.startswith("shuttle-") else svc
        for svc in bundle.services
    )
    return dataclasses.replace(bundle, services=services)


def clock(start_at: float) -> dt.datetime:
    """The run's clock: the real time at ``start_at`` (a Unix time all its processes share), then faster."""
    now = time.time()
    return dt.datetime.fromtimestamp(start_at + (now - start_at) * SPEED, dt.UTC)


#: Per departure, in ONE statement (one snapshot on both backends): its counters, its capacity and reefer
#: plugs, what its confirmed bookings (and their reefer boxes) add up to, and the holds of quotes live at
#: ``:now`` (open, and valid after it).
ROOM_SQL = text(
    """
    SELECT d.ref, d.status, d.capacity_teu, d.booked_teu, d.capacity_kg, d.booked_kg,
           d.reefer_plugs_teu, d.booked_reefer_teu,
           COALESCE(b.teu, 0) AS sum_teu, COALESCE(b.kg, 0) AS sum_kg, COALESCE(b.reefer, 0) AS sum_reefer,
           COALESCE(h.teu, 0) AS held_teu, COALESCE(h.kg, 0) AS held_kg, COALESCE(h.reefer, 0) AS held_reefer
    FROM departures d
    LEFT JOIN (
        SELECT l.departure_id, SUM(k.teu) AS teu, SUM(k.weight_kg) AS kg,
               SUM(CASE WHEN k.cargo_class = 'reefer' THEN k.teu ELSE 0 END) AS reefer
        FROM booking_legs l JOIN bookings k ON k.id = l.booking_id
        WHERE k.status = 'confirmed'
        GROUP BY l.departure_id
    ) b ON b.departure_id = d.id
    LEFT JOIN (
        SELECT l.departure_id, SUM(q.teu) AS teu, SUM(q.weight_kg) AS kg,
               SUM(CASE WHEN q.cargo_class = 'reefer' THEN q.teu ELSE 0 END) AS reefer
        FROM quote_legs l JOIN quotes q ON q.id = l.quote_id
        WHERE q.status = 'open' AND q.valid_until > :now
        GROUP BY l.departure_id
    ) h ON h.departure_id = d.id
    """
).bindparams(bindparam("now", type_=UTCDateTime()))


def _teu(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def _real_time() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def read_room(ledger: Ledger, now: Callable[[], dt.datetime] = _real_time) -> tuple[dt.datetime, list[Any]]:
    """:data:`ROOM_SQL`'s rows, and the instant at which it counted holds live: ``now()`` read once the
    snapshot is taken, so that every commit in the snapshot judged holds at that instant or before it (and
    an earlier instant sees more holds live, never fewer)."""
    with ledger.reading() as connection:
        connection.execute(text("SELECT 1 FROM departures LIMIT 1")).all()  # the snapshot starts here
        at = now()
        return at, connection.execute(ROOM_SQL, {"now": at}).all()


def room_violations(ledger: Ledger, now: Callable[[], dt.datetime] = _real_time) -> tuple[int, list[str]]:
    """How many departures the ledger holds, and every one whose counters are not the sums of its confirmed
    bookings, go below zero, or, with the holds live at ``now()`` (see :func:`read_room`), exceed its
    capacity or its reefer plugs; all read in one snapshot."""
    at, rows = read_room(ledger, now)
    found = []
    for r in rows:
        booked, capacity, summed, held = (
            _teu(r.booked_teu),
            _teu(r.capacity_teu),
            _teu(r.sum_teu),
            _teu(r.held_teu),
        )
        held_kg = int(r.held_kg)
        if booked != summed or int(r.booked_kg) != int(r.sum_kg):
            found.append(f"{r.ref}: counters {booked} TEU/{r.booked_kg} kg, bookings {summed}/{r.sum_kg}")
        if booked < 0 or int(r.booked_kg) < 0 or booked + held > capacity:
            found.append(f"{r.ref} at {at}: booked {booked} TEU + held {held} of {capacity}")
        if int(r.booked_kg) + held_kg > int(r.capacity_kg):
            found.append(f"{r.ref} at {at}: booked {r.booked_kg} kg + held {held_kg} of {r.capacity_kg}")
        cold, cold_summed, cold_held = _teu(r.booked_reefer_teu), _teu(r.sum_reefer), _teu(r.held_reefer)
        if cold != cold_summed or cold < 0:
            found.append(f"{r.ref}: reefer counter {cold} TEU, reefer bookings {cold_summed}")
        if r.reefer_plugs_teu is not None and cold + cold_held > _teu(r.reefer_plugs_teu):
            found.append(f"{r.ref} at {at}: reefer {cold} + held {cold_held} of {r.reefer_plugs_teu} plugs")
    return len(rows), found


# The audit: a trigger logs every committed change of a departure's counters, so that the test sees each
# state a departure was ever in, not only those the checker happened to sample.

_AUDIT_TABLE = """
CREATE TABLE room_audit (
    id {serial},
    departure_id INTEGER NOT NULL,
    old_teu NUMERIC NOT NULL, new_teu NUMERIC NOT NULL, capacity_teu NUMERIC NOT NULL,
    old_kg BIGINT NOT NULL, new_kg BIGINT NOT NULL, capacity_kg BIGINT NOT NULL,
    old_reefer NUMERIC NOT NULL, new_reefer NUMERIC NOT NULL, plugs_teu NUMERIC
)"""
_AUDIT_VALUES = (
    "(departure_id, old_teu, new_teu, capacity_teu, old_kg, new_kg, capacity_kg, "
    "old_reefer, new_reefer, plugs_teu) VALUES "
    "(OLD.id, OLD.booked_teu, NEW.booked_teu, NEW.capacity_teu, "
    "OLD.booked_kg, NEW.booked_kg, NEW.capacity_kg, "
    "OLD.booked_reefer_teu, NEW.booked_reefer_teu, NEW.reefer_plugs_teu)"
)
# And a second trigger logs each committed hold with its departure's bookings and all the holds live at the
# quote's own instant (its created_at: the writer's clock), the new one among them.
_HOLD_AUDIT_TABLE = """
CREATE TABLE hold_audit (
    id {serial},
    departure_id INTEGER NOT NULL, quote_id INTEGER NOT NULL,
    booked_teu NUMERIC NOT NULL, held_teu NUMERIC NOT NULL, capacity_teu NUMERIC NOT NULL,
    booked_kg BIGINT NOT NULL, held_kg BIGINT NOT NULL, capacity_kg BIGINT NOT NULL,
    booked_reefer NUMERIC NOT NULL, held_reefer NUMERIC NOT NULL, plugs_teu NUMERIC
)"""
_HOLD_AUDIT_INSERT = """
INSERT INTO hold_audit
    (departure_id, quote_id, booked_teu, held_teu, capacity_teu, booked_kg, held_kg, capacity_kg,
     booked_reefer, held_reefer, plugs_teu)
SELECT d.id, n.id, d.booked_teu, h.teu, d.capacity_teu, d.booked_kg, h.kg, d.capacity_kg,
       d.booked_reefer_teu, h.reefer, d.reefer_plugs_teu
FROM departures d, quotes n, (
    SELECT COALESCE(SUM(q.teu), 0) AS teu, COALESCE(SUM(q.weight_kg), 0) AS kg,
           COALESCE(SUM(CASE WHEN q.cargo_class = 'reefer' THEN q.teu ELSE 0 END), 0) AS reefer
    FROM quote_legs l JOIN quotes q ON q.id = l.quote_id
    WHERE l.departure_id = NEW.departure_id AND q.status = 'open'
      AND q.valid_until > (SELECT created_at FROM quotes WHERE id = NEW.quote_id)
) h
WHERE d.id = NEW.departure_id AND n.id = NEW.quote_id"""
AUDIT_DDL = {
    "sqlite": [
        _AUDIT_TABLE.format(serial="INTEGER PRIMARY KEY AUTOINCREMENT"),
        "CREATE TRIGGER room_audit AFTER UPDATE OF booked_teu, booked_kg ON departures "
        f"BEGIN INSERT INTO room_audit {_AUDIT_VALUES}; END",
        _HOLD_AUDIT_TABLE.format(serial="INTEGER PRIMARY KEY AUTOINCREMENT"),
        f"CREATE TRIGGER hold_audit AFTER INSERT ON quote_legs BEGIN {_HOLD_AUDIT_INSERT}; END",
    ],
    "postgresql": [
        _AUDIT_TABLE.format(serial="BIGSERIAL PRIMARY KEY"),
        "CREATE FUNCTION room_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"INSERT INTO room_audit {_AUDIT_VALUES}; RETURN NEW; END $$",
        "CREATE TRIGGER room_audit AFTER UPDATE OF booked_teu, booked_kg ON departures "
        "FOR EACH ROW EXECUTE FUNCTION room_audit()",
        _HOLD_AUDIT_TABLE.format(serial="BIGSERIAL PRIMARY KEY"),
        "CREATE FUNCTION hold_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"{_HOLD_AUDIT_INSERT}; RETURN NEW; END $$",
        "CREATE TRIGGER hold_audit AFTER INSERT ON quote_legs FOR EACH ROW EXECUTE FUNCTION hold_audit()",
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
    start_at: float
    options: list[Any] = field(default_factory=list)
    shipment: Any = None
    number: int = 0
    quotes: list[int] = field(default_factory=list)

    def key(self) -> str:
        return booking_key(self.run, self.worker, self.number)

    def now(self) -> dt.datetime:
        return clock(self.start_at)


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
    snapshot = read_availability(state.ledger, start=start, end=end, now=state.now())
    by_ref = {room.ref: room for room in snapshot.rooms.values()}
    capacity = {svc.id: svc.capacity_teu for svc in state.bundle.services}
    plugs = {svc.id: svc.reefer_plugs_teu for svc in state.bundle.services}
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
                    "want_reefer": shipment.cargo.reefer,
                    # None: the ledger does not hold it yet, so the timetable's capacity is its room
                    "snapshot": None
                    if room is None
                    else {
                        "free_teu": room.free_teu,
                        "free_kg": room.free_kg,
                        "free_reefer": room.free_reefer,
                        "runs": room.runs,
                    },
                    "timetable_teu": capacity[leg.service],
                    "timetable_plugs": plugs[leg.service],
                    "answer_teu": leg.free_teu,
                    "answer_kg": leg.free_kg,
                    "answer_reefer": leg.free_reefer,
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
            request = request_from_itinerary(
                option.to_dict(rank=1, summary=""),
                teu=str(shipment.teu),
                tonnes=f"{shipment.tonnes:.3f}",
                cargo_class=shipment.cargo.kind.value,
                **common,
            )
            # book_itinerary, with the run's clock for judging holds
            (made,) = book_many(state.ledger, [request], bundle=state.bundle, now=state.now())
        else:
            refs = _departure_refs(state.ledger)
            if not refs:
                return {"key": key, "outcome": "nothing to book"}
            ref = refs[pick % len(refs)]
            made = book(state.ledger, departures=[ref], teu=teu, tonnes=teu, now=state.now(), **common)
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


def _departure_refs(ledger: Ledger) -> list[str]:
    with ledger.reading() as connection:
        return list(connection.execute(text("SELECT ref FROM departures ORDER BY id")).scalars())


def _one_leg(ref: str) -> dict[str, Any]:
    """A priced one-leg option in the route JSON's shape on the departure ``ref``."""
    leg = {
        "mode": "road",
        "service": ref.split("@", 1)[0],
        "departure": ref,
        "cost": 100.0,
        "currency": "CNY",
    }
    return {"rank": 1, "legs": [leg], "hubs": []}


def _quote(state: _State, pick: int, teu: int, minutes: int) -> dict[str, Any]:
    """Quote (holding its room for ``minutes`` of the run's clock) an option the last search found, else a
    random departure."""
    try:
        if state.options:
            shipment = state.shipment
            quote = create_quote(
                state.ledger,
                state.options[pick % len(state.options)].to_dict(rank=1, summary=""),
                teu=str(shipment.teu),
                tonnes=f"{shipment.tonnes:.3f}",
                cargo_class=shipment.cargo.kind.value,
                hold_minutes=minutes,
                bundle=state.bundle,
                now=state.now(),
            )
        else:
            refs = _departure_refs(state.ledger)
            if not refs:
                return {"outcome": "nothing to quote"}
            option = _one_leg(refs[pick % len(refs)])
            quote = create_quote(
                state.ledger, option, teu=teu, tonnes=teu, hold_minutes=minutes, now=state.now()
            )
    except CapacityError as error:
        return {"outcome": "full", "reason": str(error)[:300]}
    state.quotes.append(quote.id)
    return {"outcome": "quoted", "quote": quote.id, "valid_until": quote.valid_until.isoformat()}


def _book_quote(state: _State, pick: int) -> dict[str, Any]:
    """Book one of this worker's quotes (one that may have lapsed, been released or booked already)."""
    key = state.key()
    if not state.quotes:
        return {"key": key, "outcome": "no quote"}
    quote_id = state.quotes[pick % len(state.quotes)]
    common = {"idempotency_key": key, "shipper": SHIPPER, "customs_status": "bonded"}
    try:
        made = book_quote(state.ledger, quote_id, now=state.now(), **common)
    except QuoteError as error:
        return {"key": key, "quote": quote_id, "outcome": "refused", "reason": str(error)[:300]}
    except CapacityError as error:
        return {"key": key, "quote": quote_id, "outcome": "full", "reason": str(error)[:300]}
    return {"key": key, "quote": quote_id, "outcome": "booked", "legs": list(made.departures)}


def _release(state: _State, pick: int) -> dict[str, Any]:
    """Release one of this worker's quotes."""
    if not state.quotes:
        return {"outcome": "no quote"}
    quote_id = state.quotes[pick % len(state.quotes)]
    try:
        _, released = release_quote(state.ledger, quote_id, now=state.now())
    except QuoteError as error:
        return {"quote": quote_id, "outcome": "refused", "reason": str(error)[:300]}
    return {"quote": quote_id, "outcome": "released" if released else "not open"}


def _expire(state: _State) -> dict[str, Any]:
    """Sweep the quotes past their time (for the record: a lapsed hold counts for nothing already)."""
    return {"outcome": "swept", "expired": expire_quotes(state.ledger, now=state.now())}


def _pause(state: _State, ms: int) -> dict[str, Any]:
    time.sleep(ms / 1000)
    return {}


#: Operation kinds by name.
OPERATIONS: dict[str, Callable[..., dict[str, Any]]] = {
    "schedule": _schedule,
    "route": _route,
    "book": _book,
    "cancel": _cancel,
    "quote": _quote,
    "book_quote": _book_quote,
    "release": _release,
    "expire": _expire,
    "pause": _pause,
}

_BUNDLE: Bundle | None = None
_LEDGERS: dict[str, Ledger] = {}


def warm_up() -> None:
    """Pool initializer: load the scenario and run one search, so that no operation pays for either."""
    global _BUNDLE
    _BUNDLE = scenario()
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
    state = _State(_ledger(url), _BUNDLE, run, worker, start_at)
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


def run_checker(url: str, stop_file: str, max_seconds: float, start_at: float) -> dict[str, Any]:
    """Read the room (bookings and the holds live on the run's clock) over and over until ``stop_file``
    exists; return how often and what was wrong."""
    ledger = _ledger(url)
    snapshots = 0
    found: list[str] = []
    ends = time.monotonic() + max_seconds
    while not os.path.exists(stop_file) and time.monotonic() < ends:
        _, wrong = room_violations(ledger, lambda: clock(start_at))
        snapshots += 1
        found += [f"snapshot {snapshots}: {w}" for w in wrong]
        time.sleep(0.005)
    return {"snapshots": snapshots, "violations": found[:50]}
