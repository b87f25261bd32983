"""The ledger's availability snapshot: free room per departure, cancelled ones closed, on both backends."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
from typing import Any

from sqlalchemy import event

from intermodal.ledger import Ledger, book, create_departure, create_quote, set_departure_status
from intermodal.ledger.availability import read_availability

T0 = dt.datetime(2020, 4, 3, 1, 0, tzinfo=dt.UTC)


def test_free_room_is_capacity_less_bookings_and_a_cancelled_departure_does_not_run(ledger: Ledger) -> None:
    first = create_departure(ledger, "shuttle-middle", T0)
    second = create_departure(ledger, "shuttle-middle", T0 + dt.timedelta(hours=5))
    outside = create_departure(ledger, "shuttle-east", T0 + dt.timedelta(days=3))
    book(
        ledger,
        idempotency_key="a",
        departures=[first.ref],
        shipper="s",
        teu="1.5",
        tonnes="12",
        customs_status="cleared",
    )
    set_departure_status(ledger, second.ref, "cancelled")
    seen = read_availability(ledger, start=T0, end=T0 + dt.timedelta(days=1))
    room = seen.room("shuttle-middle", int(T0.timestamp()))
    assert room is not None and room.ref == first.ref
    assert (room.free_teu, room.free_kg) == (0.5, first.capacity_kg - 12_000)
    assert not seen.fits("shuttle-middle", int(T0.timestamp()), 1.0, 1.0)
    assert seen.fits("shuttle-middle", int(T0.timestamp()), 0.5, 1.0)
    cancelled = seen.room("shuttle-middle", int(second.departs_at.timestamp()))
    assert cancelled is not None and not cancelled.runs
    assert seen.room("shuttle-east", int(outside.departs_at.timestamp())) is None


def test_the_read_finds_its_window_through_an_index_and_misses_no_departure_at_its_edges(
    sqlite_ledger: Ledger,
) -> None:
    """Every live route query reads the room: it must not scan all the ledger's departures (it did, since
    departs_at has no index), and the service-date bound it uses must not lose a trip whose local date is a
    day off the UTC one."""
    early = create_departure(sqlite_ledger, "shuttle-middle", "2020-04-03T00:30+08:00")  # 2 April in UTC
    late = create_departure(sqlite_ledger, "shuttle-middle", "2020-04-04T23:30+08:00")
    statements: list[tuple[str, Any]] = []

    def keep(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if "FROM departures" in statement:
            statements.append((statement, parameters))

    engine = sqlite_ledger.read_engine
    event.listen(engine, "before_cursor_execute", keep)
    try:
        seen = read_availability(sqlite_ledger, start=early.departs_at, end=late.departs_at)
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    assert {room.ref for room in seen.rooms.values()} == {early.ref, late.ref}
    ((statement, parameters),) = statements
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
        plan = " ".join(str(row[-1]) for row in rows)
    assert "USING INDEX ix_departures_service_date" in plan, plan


def test_reads_reuse_a_pooled_connection_and_see_each_new_commit(sqlite_ledger: Ledger) -> None:
    """SQLite reads come from a pool (a connection per read cost as much as the query), yet each read is a
    fresh snapshot: a pooled connection ends its read transaction when it goes back."""
    departure = create_departure(sqlite_ledger, "shuttle-middle", T0)
    opened: list[Any] = []
    event.listen(sqlite_ledger.read_engine, "connect", lambda *args: opened.append(args))
    window = {"start": T0, "end": T0 + dt.timedelta(hours=1)}
    rooms = []
    for n in range(3):
        rooms.append(read_availability(sqlite_ledger, **window).room("shuttle-middle", int(T0.timestamp())))
        book(
            sqlite_ledger,
            idempotency_key=f"k{n}",
            departures=[departure.ref],
            shipper="s",
            teu="0.5",
            tonnes="1",
            customs_status="cleared",
        )
    assert [room.free_teu for room in rooms if room is not None] == [2.0, 1.5, 1.0]
    assert len(opened) <= 1


def test_a_forked_child_opens_its_own_read_connection(sqlite_ledger: Ledger) -> None:
    """A SQLite handle must never cross a fork: the child's read drops the inherited one and opens another."""
    departure = create_departure(sqlite_ledger, "shuttle-middle", T0)
    read_availability(sqlite_ledger, start=T0, end=T0)  # the parent's connection now sits in the pool
    _FORKED[:] = [sqlite_ledger]
    with multiprocessing.get_context("fork").Pool(1) as pool:
        free_teu, child, opener = pool.apply(_read_in_child, (departure.ref,))
    assert free_teu == 2.0
    assert opener == child != os.getpid()
    assert _opener(sqlite_ledger) == os.getpid()  # and the parent's own connection is still good


#: the ledger a forked child inherits (an engine cannot be pickled, and must not be: the child reopens)
_FORKED: list[Ledger] = []


def _opener(ledger: Ledger) -> int:
    """The process that opened the connection a read gets."""
    with ledger.reading() as connection:
        return int(connection.connection._connection_record.info["pid"])  # type: ignore[attr-defined]


def _read_in_child(ref: str) -> tuple[float, int, int]:
    (ledger,) = _FORKED
    room = read_availability(ledger, start=T0, end=T0).room("shuttle-middle", int(T0.timestamp()))
    assert room is not None and room.ref == ref
    return room.free_teu, os.getpid(), _opener(ledger)


def test_free_reefer_plugs_are_plugs_less_reefer_bookings_and_live_reefer_holds(ledger: Ledger) -> None:
    counted = create_departure(ledger, "shuttle-middle", T0, capacity_teu=4, reefer_plugs_teu=3)
    uncounted = create_departure(ledger, "shuttle-middle", T0 + dt.timedelta(hours=5), capacity_teu=4)
    book(
        ledger,
        idempotency_key="a",
        departures=[counted.ref],
        shipper="s",
        teu=1,
        tonnes=8,
        cargo_class="reefer",
        customs_status="cleared",
    )
    book(
        ledger,
        idempotency_key="b",
        departures=[counted.ref],
        shipper="s",
        teu=1,
        tonnes=8,
        customs_status="cleared",
    )  # dry: no plugs
    leg = {"service": "shuttle-middle", "departure": counted.ref, "cost": 1.0, "currency": "CNY"}
    now = dt.datetime.now(dt.UTC)
    create_quote(ledger, {"legs": [leg]}, teu="1.5", tonnes=1, cargo_class="reefer", now=now)
    seen = read_availability(ledger, start=T0, end=T0 + dt.timedelta(days=1), now=now)
    room = seen.room("shuttle-middle", int(T0.timestamp()))
    assert room is not None and (room.free_teu, room.free_reefer) == (0.5, 0.5)
    assert seen.fits("shuttle-middle", int(T0.timestamp()), 0.5, 1.0, reefer=True)
    later = seen.room("shuttle-middle", int(uncounted.departs_at.timestamp()))
    assert later is not None and later.free_reefer is None  # not counted: reefer may take all 4 TEU
    assert seen.fits("shuttle-middle", int(uncounted.departs_at.timestamp()), 4.0, 1.0, reefer=True)
    # once the quote lapses its plugs are free again, without any job having run
    lapsed = read_availability(
        ledger, start=T0, end=T0 + dt.timedelta(days=1), now=now + dt.timedelta(days=1)
    )
    again = lapsed.room("shuttle-middle", int(T0.timestamp()))
    assert again is not None and (again.free_teu, again.free_reefer) == (2.0, 2.0)
