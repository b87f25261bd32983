"""The loop's invariants under random interleavings across processes, on SQLite and PostgreSQL.

Hypothesis writes one program per worker (schedule a window, search with the ledger's room, book what the
search found or any departure, quote (holding room) what it found or any departure, book or release one of
its quotes, sweep lapsed quotes, cancel what some worker booked, pause); spawned worker processes run them at
once against one ledger while a checker process reads the room over and over. Holds lapse on the run's fast
clock (_interleave.clock: an injected ``now`` that all processes share, since a hold lasts whole minutes),
so a 1- or 2-minute hold lapses within the run. Then:

- no search proposed room that was not there: every scheduled leg of every option had room for the shipment
  in the snapshot the search was given, bookings and live holds taken off (and the answer reports that
  snapshot's room);
- no reefer search proposed a departure without the reefer plugs for it (the workers' shuttles power 1 TEU
  of reefer boxes of their 2, so plugs run out while TEU are left);
- holds plus bookings never exceed a departure's capacity, nor reefer holds plus reefer bookings its reefer
  plugs, and its counters always equal its confirmed bookings: at every instant the checker sampled (the
  holds live on the clock when it read), and at the end; every committed change of the counters (a
  test-only trigger logs each one) follows on the one before (no lost update) and stays within capacity and
  plugs; every committed hold (a second trigger logs each one) fit beside the bookings and the holds live at
  its quote's own instant;
- every booking that succeeded fit at its commit (its change is in that log, within capacity);
- a quote is booked at most once, never after it was released, and a lapsed, released or booked quote is
  refused with the reason; a quote of live room is refused only for want of it;
- each cancellation released its booking exactly once, however many workers cancelled it.

``INTERMODAL_INTERLEAVE_EXAMPLES`` sets how many random program sets each backend runs (default 4, which
keeps each backend well under a minute).
"""

from __future__ import annotations

import datetime as dt
import importlib
import multiprocessing
import os
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from intermodal.ledger import Ledger
from intermodal.ledger.availability import read_availability
from intermodal.ledger.lines import DEFAULT_KG_PER_TEU

WORKERS = 3
MAX_OPS = 14
EXAMPLES = int(os.environ.get("INTERMODAL_INTERLEAVE_EXAMPLES", "4"))

#: One strategy per operation kind of _interleave.OPERATIONS (the tuple's first item names it).
OPERATION_STRATEGIES = {
    "schedule": st.tuples(st.just("schedule"), st.integers(0, 3), st.integers(0, 2)),
    "route": st.tuples(
        st.just("route"),
        st.integers(0, 3),  # origin and destination pair
        st.integers(0, 36),  # ready, hours after the first day's 08:00 UTC
        st.sampled_from([1, 2]),  # TEU
        st.sampled_from(["general", "reefer"]),
    ),
    "book": st.tuples(st.just("book"), st.integers(0, 9), st.sampled_from([1, 2])),
    "cancel": st.tuples(st.just("cancel"), st.integers(0, WORKERS - 1), st.integers(0, MAX_OPS - 1)),
    # hold minutes on the run's clock: a second or two of real time
    "quote": st.tuples(st.just("quote"), st.integers(0, 9), st.sampled_from([1, 2]), st.integers(1, 2)),
    "book_quote": st.tuples(st.just("book_quote"), st.integers(0, 9)),
    "release": st.tuples(st.just("release"), st.integers(0, 9)),
    "expire": st.tuples(st.just("expire")),
    "pause": st.tuples(st.just("pause"), st.integers(0, 30)),
}
_S = OPERATION_STRATEGIES
# searches, quotes and bookings are what contend, so they come up most
_operation = st.one_of(
    _S["route"],
    _S["book"],
    _S["route"],
    _S["book"],
    _S["quote"],
    _S["quote"],
    _S["book_quote"],
    _S["release"],
    _S["expire"],
    _S["cancel"],
    _S["schedule"],
    _S["pause"],
)
_programs = st.lists(st.lists(_operation, min_size=4, max_size=MAX_OPS), min_size=WORKERS, max_size=WORKERS)

#: Every worker searches the same few hours and books what it found: they collide on the same shuttles.
_CONTENDED_BOOKINGS = [
    [
        ("schedule", 0, 1),
        ("route", 0, 0, 2, "general"),
        ("book", w, 2),
        ("route", 0, 0, 1, "reefer"),
        ("book", w + 1, 1),
        ("book", 0, 1),
        ("cancel", (w + 1) % WORKERS, 2),
        ("route", 1, 2, 2, "general"),
        ("book", 0, 2),
        ("cancel", (w + 1) % WORKERS, 2),
        ("route", 0, 0, 2, "general"),
        ("book", 1, 2),
    ]
    for w in range(WORKERS)
]

#: Every worker holds the same shuttle, lets a hold lapse, books and releases: holds, bookings and lapses
#: collide on the same departures.
_CONTENDED_HOLDS = [
    [
        ("schedule", 0, 1),
        ("route", 0, 0, 2, "general"),
        ("quote", 0, 2, 1),  # the first option rides a 2-TEU shuttle: one worker's hold fills it
        ("route", 0, 0, 1, "general"),
        ("quote", 0, 1, 2),
        ("book", 0, 1),
        ("book_quote", 0),
        ("pause", 30),
        ("quote", 0, 2, 1),
        ("release", 1),
        ("route", 0, 0, 2, "general"),
        ("book", w, 2),
        ("expire",),
        ("book_quote", 2),
    ]
    for w in range(WORKERS)
]


#: Every worker searches 1 TEU of reefer, quotes and books it: reefer holds and bookings collide on the
#: shuttles' single TEU of plugs while general cargo still takes their other TEU.
_CONTENDED_PLUGS = [
    [
        ("schedule", 0, 1),
        ("route", 0, 0, 1, "reefer"),
        ("quote", w, 1, 2),
        ("route", 0, 0, 1, "reefer"),
        ("book", 0, 1),
        ("route", 0, 0, 1, "general"),
        ("book", 0, 1),
        ("book_quote", 0),
        ("route", 0, 0, 1, "reefer"),
        ("book", w, 1),
        ("cancel", (w + 1) % WORKERS, 4),
        ("route", 0, 0, 1, "reefer"),
        ("quote", 0, 1, 1),
    ]
    for w in range(WORKERS)
]


@pytest.fixture
def interleave(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    # spawned children import the worker module by name: its folder must be on the path they inherit
    monkeypatch.syspath_prepend(str(Path(__file__).parent))
    return importlib.import_module("_interleave")


@pytest.fixture
def pool(interleave: ModuleType) -> Iterator[Any]:
    """Spawned processes, each with the scenario loaded and one search run: the workers and the checker."""
    context = multiprocessing.get_context("spawn")
    with context.Pool(WORKERS + 1, initializer=interleave.warm_up) as workers:
        yield workers


@pytest.fixture
def audited(ledger: Ledger, interleave: ModuleType) -> Ledger:
    interleave.install_audit(ledger)
    return ledger


_runs = iter(range(10**6))


@pytest.mark.timeout(300)
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@example(programs=_CONTENDED_BOOKINGS)
@example(programs=_CONTENDED_HOLDS)
@example(programs=_CONTENDED_PLUGS)
@given(programs=_programs)
def test_no_interleaving_proposes_or_takes_room_that_is_not_there(
    audited: Ledger, ledger_url: str, pool: Any, interleave: ModuleType, tmp_path: Path, programs: list
) -> None:
    run = next(_runs)
    # the examples share one ledger, and each run's fast clock starts afresh at the real time: the holds an
    # earlier run took far ahead on its own clock would come back to life on this one, so they go first
    audited.write(lambda c: c.execute(text("UPDATE quotes SET status = 'released' WHERE status = 'open'")))
    stop = tmp_path / f"stop-{run}"
    start_at = time.time() + 0.3
    checker = pool.apply_async(interleave.run_checker, (ledger_url, str(stop), 120.0, start_at))
    running = [
        pool.apply_async(interleave.run_program, (ledger_url, run, w, program, start_at))
        for w, program in enumerate(programs)
    ]
    try:
        logs = [r.get(timeout=120) for r in running]
    finally:
        stop.touch()
    sampled = checker.get(timeout=30)

    errors = [f"w{w}: {op}" for w, log in enumerate(logs) for op in log if op.get("outcome") == "error"]
    assert not errors, errors
    assert sampled["snapshots"] >= 1 and not sampled["violations"], sampled["violations"]
    _searches_proposed_only_room_that_was_there(logs)
    _quotes_were_booked_once_and_refused_for_a_reason(logs)
    _cancels_released_once(logs)
    _every_committed_change_fit(audited, interleave)
    _every_committed_hold_fit(audited, interleave)
    _, wrong = interleave.room_violations(audited, lambda: interleave.clock(start_at))
    assert not wrong, wrong
    _the_snapshot_reads_the_room(audited, interleave, interleave.clock(start_at))


def _searches_proposed_only_room_that_was_there(logs: list[list[dict[str, Any]]]) -> None:
    for op in (op for log in logs for op in log if op["kind"] == "route"):
        for leg in op["legs"]:
            room = leg["snapshot"]
            if room is None:  # not in the ledger when the search read it: the timetable's whole capacity
                assert leg["timetable_teu"] >= leg["want_teu"], leg
                assert leg["answer_teu"] == leg["timetable_teu"], leg
                # and the weight the ledger makes it with, which the shipment must fit
                assert leg["answer_kg"] == leg["timetable_teu"] * DEFAULT_KG_PER_TEU, leg
                assert leg["want_kg"] <= leg["answer_kg"] + 1e-6, leg
                assert leg["answer_reefer"] == leg["timetable_plugs"], leg
                if leg["want_reefer"] and leg["timetable_plugs"] is not None:
                    assert leg["timetable_plugs"] >= leg["want_teu"], leg
                continue
            assert room["runs"], leg
            assert room["free_teu"] >= leg["want_teu"] - 1e-9, leg
            assert room["free_kg"] >= leg["want_kg"] - 1e-6, leg
            if leg["want_reefer"] and room["free_reefer"] is not None:
                assert room["free_reefer"] >= leg["want_teu"] - 1e-9, leg
            assert (leg["answer_teu"], leg["answer_kg"], leg["answer_reefer"]) == (
                room["free_teu"],
                room["free_kg"],
                room["free_reefer"],
            ), leg
    for op in (op for log in logs for op in log if op["kind"] == "book"):
        assert op["outcome"] in ("booked", "full", "nothing to book"), op
        if op["outcome"] == "full":  # refused for want of room, not for a clash between writers
            assert "not enough" in op["reason"], op


def _the_snapshot_reads_the_room(ledger: Ledger, interleave: ModuleType, now: dt.datetime) -> None:
    """Once the writers have stopped, the searches' snapshot says what the counters, bookings and the holds
    live at ``now`` say."""
    start = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    snapshot = read_availability(ledger, start=start, end=start.replace(year=2100), now=now)
    _, rows = interleave.read_room(ledger, lambda: now)
    assert len(snapshot.rooms) == len(rows)
    by_ref = {room.ref: room for room in snapshot.rooms.values()}
    teu = interleave._teu
    for row in rows:
        room = by_ref[row.ref]
        assert room.runs == (row.status == "scheduled"), row.ref
        free_teu = teu(row.capacity_teu) - teu(row.sum_teu) - teu(row.held_teu)
        assert (room.free_teu, room.free_kg) == (
            float(free_teu),
            float(int(row.capacity_kg) - int(row.sum_kg) - int(row.held_kg)),
        )
        plugs = row.reefer_plugs_teu
        free_reefer = None if plugs is None else teu(plugs) - teu(row.sum_reefer) - teu(row.held_reefer)
        assert room.free_reefer == (None if free_reefer is None else float(free_reefer)), row.ref


def _quotes_were_booked_once_and_refused_for_a_reason(logs: list[list[dict[str, Any]]]) -> None:
    booked: Counter[int] = Counter()
    for log in logs:
        released: set[int] = set()
        for op in log:
            if op["kind"] == "quote":
                assert op["outcome"] in ("quoted", "full", "nothing to quote"), op
                if op["outcome"] == "full":
                    assert "not enough" in op["reason"], op
            elif op["kind"] == "release":
                assert op["outcome"] in ("released", "not open", "refused", "no quote"), op
                if op["outcome"] == "released":
                    released.add(op["quote"])
                if op["outcome"] == "refused":
                    assert "booked" in op["reason"], op
            elif op["kind"] == "book_quote":
                assert op["outcome"] in ("booked", "refused", "full", "no quote"), op
                if op["outcome"] == "booked":
                    assert op["quote"] not in released, op
                    booked[op["quote"]] += 1
                elif op["outcome"] == "refused":
                    assert any(why in op["reason"] for why in ("expired", "released", "booked")), op
                elif op["outcome"] == "full":
                    # a hold lapsed on the clock the booker read, and others took its room since
                    assert "not enough" in op["reason"], op
            elif op["kind"] == "expire":
                assert op["outcome"] == "swept", op
    assert all(n == 1 for n in booked.values()), booked


def _cancels_released_once(logs: list[list[dict[str, Any]]]) -> None:
    cancelled = [op for log in logs for op in log if op["kind"] == "cancel" and op["outcome"] == "cancelled"]
    releases = Counter(op["key"] for op in cancelled if op["released"])
    assert set(releases) == {op["key"] for op in cancelled}
    assert all(n == 1 for n in releases.values()), releases


def _every_committed_change_fit(ledger: Ledger, interleave: ModuleType) -> None:
    """Each logged change of a departure's counters starts where the one before ended, stays within capacity,
    and there is one increase per booking leg and one decrease per cancelled booking's leg."""
    with ledger.reading() as connection:
        audit = connection.execute(text("SELECT * FROM room_audit ORDER BY id")).all()
        legs = connection.execute(
            text("SELECT l.departure_id, k.status FROM booking_legs l JOIN bookings k ON k.id = l.booking_id")
        ).all()
    teu = interleave._teu
    last: dict[int, tuple[Decimal, int]] = {}
    ups: Counter[int] = Counter()
    downs: Counter[int] = Counter()
    for row in audit:
        old, new = (teu(row.old_teu), int(row.old_kg)), (teu(row.new_teu), int(row.new_kg))
        assert last.get(row.departure_id, (Decimal(0), 0)) == old, (
            f"a lost update on departure {row.departure_id}"
        )
        assert Decimal(0) <= new[0] <= teu(row.capacity_teu), row
        assert 0 <= new[1] <= int(row.capacity_kg), row
        assert Decimal(0) <= teu(row.new_reefer) <= new[0], row
        assert row.plugs_teu is None or teu(row.new_reefer) <= teu(row.plugs_teu), row
        (ups if new[0] > old[0] else downs)[row.departure_id] += 1
        last[row.departure_id] = new
    booked: defaultdict[int, int] = defaultdict(int)
    released: defaultdict[int, int] = defaultdict(int)
    for departure_id, status in legs:
        booked[departure_id] += 1
        released[departure_id] += status == "cancelled"
    assert dict(ups) == {k: v for k, v in booked.items() if v}
    assert dict(downs) == {k: v for k, v in released.items() if v}


def _every_committed_hold_fit(ledger: Ledger, interleave: ModuleType) -> None:
    """Each hold, as it was committed, fit beside its departure's bookings and every hold live at its quote's
    instant (its own among them); and the log has one entry per hold."""
    with ledger.reading() as connection:
        audit = connection.execute(text("SELECT * FROM hold_audit ORDER BY id")).all()
        holds = connection.execute(text("SELECT COUNT(*) FROM quote_legs")).scalar_one()
    teu = interleave._teu
    assert len(audit) == holds
    for row in audit:
        assert teu(row.booked_teu) + teu(row.held_teu) <= teu(row.capacity_teu), row
        assert int(row.booked_kg) + int(row.held_kg) <= int(row.capacity_kg), row
        if row.plugs_teu is not None:
            assert teu(row.booked_reefer) + teu(row.held_reefer) <= teu(row.plugs_teu), row
        assert teu(row.held_teu) > 0, row  # its own hold is live at its own instant
