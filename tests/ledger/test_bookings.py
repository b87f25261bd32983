"""Bookings: capacity never exceeded, all legs or none, idempotent retries, cancel releases exactly once."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from intermodal.exceptions import CapacityError, InputError, LedgerError, ReeferPlugsError, ShipmentError
from intermodal.ledger import (
    Booking,
    Ledger,
    book,
    book_itinerary,
    book_many,
    cancel_booking,
    create_departure,
    get_booking,
    get_departure,
    list_bookings,
    open_ledger,
    set_departure_status,
)
from intermodal.ledger import _schema as s
from intermodal.ledger.bookings import BookingRequest, LegRef


def _counters_match_bookings(ledger: Ledger) -> None:
    """Each departure's booked TEU and kg equal the sums over its confirmed bookings, within capacity."""
    with ledger.reading() as connection:
        sums = {
            row.departure_id: (Decimal(row.teu), int(row.kg))
            for row in connection.execute(
                select(
                    s.booking_legs.c.departure_id,
                    func.sum(s.bookings.c.teu).label("teu"),
                    func.sum(s.bookings.c.weight_kg).label("kg"),
                )
                .join(s.bookings, s.bookings.c.id == s.booking_legs.c.booking_id)
                .where(s.bookings.c.status == "confirmed")
                .group_by(s.booking_legs.c.departure_id)
            )
        }
        for row in connection.execute(select(s.departures)):
            teu, kg = sums.get(row.id, (Decimal(0), 0))
            assert Decimal(row.booked_teu) == teu, row.ref
            assert int(row.booked_kg) == kg, row.ref
            assert Decimal(row.booked_teu) <= Decimal(row.capacity_teu), row.ref
            assert int(row.booked_kg) <= int(row.capacity_kg), row.ref
        reefer = dict(
            connection.execute(
                select(s.booking_legs.c.departure_id, func.sum(s.bookings.c.teu))
                .join(s.bookings, s.bookings.c.id == s.booking_legs.c.booking_id)
                .where(s.bookings.c.status == "confirmed", func.lower(s.bookings.c.cargo_class) == "reefer")
                .group_by(s.booking_legs.c.departure_id)
            ).all()
        )
        for row in connection.execute(select(s.departures)):
            assert Decimal(row.booked_reefer_teu) == Decimal(reefer.get(row.id) or 0), row.ref


def _count(ledger: Ledger, table: object) -> int:
    with ledger.reading() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_booking_reserves_capacity_and_refuses_the_excess(ledger: Ledger) -> None:
    d = create_departure(ledger, "shuttle-middle", "2020-04-03T09:00", capacity_teu=4)
    first = book(
        ledger,
        idempotency_key="a",
        departures=[d.ref],
        shipper="Fruit Co",
        teu=2,
        tonnes="17.2",
        customs_status="cleared",
    )
    book(
        ledger,
        idempotency_key="b",
        departures=[d.id],
        shipper="Fruit Co",
        teu="1.5",
        tonnes=3,
        customs_status="cleared",
    )
    assert get_departure(ledger, d.ref).free_teu == Decimal("0.5")
    with pytest.raises(CapacityError) as caught:
        book(
            ledger,
            idempotency_key="c",
            departures=[d.ref],
            shipper="X",
            teu=1,
            tonnes=1,
            customs_status="cleared",
        )
    assert "not enough TEU" in str(caught.value)
    assert isinstance(caught.value, InputError)  # the CLI exits 2, the API answers 4xx
    assert get_booking(ledger, "a").departures == (d.ref,)
    assert first.tonnes == Decimal("17.200")
    assert _count(ledger, s.bookings) == 2
    _counters_match_bookings(ledger)


def test_weight_capacity_is_enforced_too(ledger: Ledger) -> None:
    d = create_departure(ledger, "shuttle-east", "2020-04-03T10:00", capacity_kg=20_000)
    with pytest.raises(CapacityError, match="weight"):
        book(
            ledger,
            idempotency_key="heavy",
            departures=[d.ref],
            shipper="Steel",
            teu=1,
            tonnes="20.001",
            customs_status="cleared",
        )
    assert _count(ledger, s.bookings) == 0


def test_multi_leg_booking_is_all_or_nothing(ledger: Ledger) -> None:
    a = create_departure(ledger, "shuttle-east", "2020-04-03T09:00")
    b = create_departure(ledger, "shuttle-middle", "2020-04-05T09:00", capacity_teu=1)
    with pytest.raises(CapacityError):
        book(
            ledger,
            idempotency_key="two-legs",
            departures=[a.ref, b.ref],
            shipper="X",
            teu=2,
            tonnes=10,
            customs_status="cleared",
        )
    assert get_departure(ledger, a.ref).booked_teu == 0
    assert _count(ledger, s.bookings) == 0 and _count(ledger, s.booking_legs) == 0
    made = book(
        ledger,
        idempotency_key="fits",
        departures=[a.ref, b.ref],
        shipper="X",
        teu=1,
        tonnes=5,
        customs_status="cleared",
    )
    assert made.departures == (a.ref, b.ref)
    _counters_match_bookings(ledger)


def test_a_batch_with_one_bad_booking_writes_nothing(ledger: Ledger) -> None:
    d = create_departure(ledger, "shuttle-west", "2020-04-03T09:00")
    good = BookingRequest("ok", (LegRef(d.ref),), "X", teu=1, tonnes=1, customs_status="cleared")
    unknown = BookingRequest(
        "lost",
        (LegRef("shuttle-west@2031-01-01T00:00+08:00"),),
        "X",
        teu=1,
        tonnes=1,
        customs_status="cleared",
    )
    with pytest.raises(LedgerError, match="unknown departure"):
        book_many(ledger, [good, unknown])
    assert _count(ledger, s.bookings) == 0
    assert get_departure(ledger, d.ref).booked_teu == 0


def test_a_retry_returns_the_first_booking_and_a_reused_key_is_refused(ledger: Ledger) -> None:
    d = create_departure(ledger, "shuttle-east", "2020-04-03T09:00")
    request = {
        "departures": [d.ref],
        "shipper": "X",
        "teu": 1,
        "tonnes": 2,
        "value": "100.10",
        "customs_status": "cleared",
    }
    first = book(ledger, idempotency_key="k", **request)  # type: ignore[arg-type]
    again = book(ledger, idempotency_key="k", **request)  # type: ignore[arg-type]
    assert again.replayed and not first.replayed
    assert again.id == first.id
    assert get_departure(ledger, d.ref).booked_teu == 1
    with pytest.raises(LedgerError, match="different booking"):
        book(
            ledger,
            idempotency_key="k",
            departures=[d.ref],
            shipper="X",
            teu=2,
            tonnes=2,
            value="100.10",
            customs_status="cleared",
        )
    assert _count(ledger, s.bookings) == 1
    _counters_match_bookings(ledger)


def test_cancelling_releases_capacity_exactly_once(ledger: Ledger) -> None:
    d = create_departure(ledger, "shuttle-east", "2020-04-03T09:00")
    other = book(
        ledger,
        idempotency_key="stay",
        departures=[d.ref],
        shipper="X",
        teu=1,
        tonnes=3,
        customs_status="cleared",
    )
    gone = book(
        ledger,
        idempotency_key="go",
        departures=[d.ref],
        shipper="X",
        teu=1,
        tonnes=4,
        customs_status="cleared",
    )
    cancelled, released = cancel_booking(ledger, gone.id)
    assert released and cancelled.status == "cancelled" and cancelled.cancelled_at is not None
    cancelled_again, released_again = cancel_booking(ledger, "go")
    assert not released_again and cancelled_again.status == "cancelled"
    after = get_departure(ledger, d.ref)
    assert after.booked_teu == other.teu and after.booked_kg == other.weight_kg
    assert [b.idempotency_key for b in list_bookings(ledger, departure=d.ref, status="confirmed")] == ["stay"]
    with pytest.raises(LedgerError, match="unknown booking"):
        cancel_booking(ledger, "never-made")
    _counters_match_bookings(ledger)


def test_a_booking_without_its_customs_status_is_refused_and_nothing_is_written(ledger: Ledger) -> None:
    # issue 11: the Python API, like the CLI and the web API, never books cargo as cleared by default
    d = create_departure(ledger, "shuttle-middle", "2020-04-03T09:00")  # Chongqing to Bangkok: two borders
    with pytest.raises(TypeError, match="customs_status"):
        book(ledger, idempotency_key="a", departures=[d.ref], shipper="X", teu=1, tonnes=1)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="customs_status"):
        BookingRequest("a", (LegRef(d.ref),), "X", teu=1, tonnes=1)  # type: ignore[call-arg]
    option = _route_option({"service": "shuttle-middle", "departure": d.ref})
    with pytest.raises(TypeError, match="customs_status"):
        book_itinerary(ledger, option, idempotency_key="a", shipper="X", teu=1, tonnes=1)
    for unstated in (None, "", " "):
        with pytest.raises(ShipmentError) as caught:
            book(
                ledger,
                idempotency_key="a",
                departures=[d.ref],
                shipper="X",
                teu=1,
                tonnes=1,
                customs_status=unstated,  # type: ignore[arg-type]
            )
        [problem] = caught.value.problems
        assert (problem.field, problem.expected) == ("customs_status", "bonded or cleared")
        assert "needed" in problem.message
    with pytest.raises(ShipmentError) as caught:
        book(
            ledger,
            idempotency_key="a",
            departures=[d.ref],
            shipper="X",
            teu=1,
            tonnes=1,
            customs_status="Cleared",
        )
    [problem] = caught.value.problems
    assert (problem.field, problem.message, problem.found) == (
        "customs_status",
        "unknown customs status",
        "Cleared",
    )
    assert _count(ledger, s.bookings) == 0 and get_departure(ledger, d.ref).booked_teu == 0
    made = book(
        ledger, idempotency_key="a", departures=[d.ref], shipper="X", teu=1, tonnes=1, customs_status="bonded"
    )
    assert made.customs_status == get_booking(ledger, "a").customs_status == "bonded"


def test_bad_input_lists_every_problem_and_writes_nothing(ledger: Ledger) -> None:
    d = create_departure(ledger, "shuttle-east", "2020-04-03T09:00")
    with pytest.raises(ShipmentError) as caught:
        book(
            ledger,
            idempotency_key="",
            departures=[d.ref],
            shipper=" ",
            teu=-2,
            tonnes="1.0005",
            value="-1",
            currency="yuan",
            customs_status="smuggled",
        )
    fields = {p.field for p in caught.value.problems}
    assert {"idempotency_key", "shipper", "teu", "tonnes", "value", "currency", "customs_status"} <= fields
    with pytest.raises(ShipmentError, match="quarter steps"):
        book(
            ledger,
            idempotency_key="q",
            departures=[d.ref],
            shipper="X",
            teu="0.3",
            tonnes=1,
            customs_status="cleared",
        )
    assert _count(ledger, s.bookings) == 0


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("teu", "1e30", "too large"),
        ("teu", "-0", "greater than 0"),
        ("teu", "9" * 5000, "too large"),
        ("tonnes", "0", "greater than 0"),  # cargo that weighs nothing books no truck
        ("tonnes", "1e30", "too large"),
        ("value", "1e30", "too large"),
        ("value", "NaN", "not a finite number"),
        ("value", "1e-999999999", "finer than 0.01"),
        ("equipment_ref", "NOTACONTAINER", "not a container number"),
        ("equipment_ref", "CSQU3054384", "wrong check digit"),
    ],
)
def test_quantities_out_of_bounds_are_named_and_nothing_is_written(
    ledger: Ledger, field: str, value: str, says: str
) -> None:
    d = create_departure(ledger, "shuttle-east", "2020-04-03T09:00")
    request = {"teu": 1, "tonnes": 1, "customs_status": "cleared", field: value}
    with pytest.raises(ShipmentError) as caught:
        book(ledger, idempotency_key="b", departures=[d.ref], shipper="X", **request)
    [problem] = caught.value.problems
    assert problem.field == field and says in problem.message
    assert _count(ledger, s.bookings) == 0


def test_a_valid_container_number_and_zero_value_are_booked(ledger: Ledger) -> None:
    d = create_departure(ledger, "shuttle-east", "2020-04-03T09:00")
    made = book(
        ledger,
        idempotency_key="c",
        departures=[d.ref],
        shipper="X",
        teu=1,
        tonnes=1,
        value="-0",
        equipment_ref="CSQU3054383",
        customs_status="cleared",
    )
    assert made.equipment_ref == "CSQU3054383" and made.value == 0


def test_an_id_beyond_64_bits_is_named_in_a_booking_and_in_a_lookup(ledger: Ledger) -> None:
    d = create_departure(ledger, "shuttle-east", "2020-04-03T09:00")
    with pytest.raises(LedgerError) as caught:
        book(
            ledger,
            idempotency_key="x",
            departures=[d.id, 2**63],
            shipper="X",
            teu=1,
            tonnes=1,
            customs_status="cleared",
        )
    [problem] = caught.value.problems
    assert problem.field == "legs[1].departure" and "no id is that large" in problem.message
    with pytest.raises(LedgerError, match="unknown booking: no id is that large"):
        get_booking(ledger, 2**64)
    with pytest.raises(LedgerError, match="unknown booking"):  # digits beyond any id may be a key
        get_booking(ledger, "99999999999999999999999")
    made = book(
        ledger,
        idempotency_key="99999999999999999999999",
        departures=[d.id],
        shipper="X",
        teu=1,
        tonnes=1,
        customs_status="cleared",
    )
    assert get_booking(ledger, "99999999999999999999999") == made
    with pytest.raises(LedgerError, match="unknown departure: no id is that large"):
        list_bookings(ledger, departure="99999999999999999999999")


def test_bookings_need_a_scheduled_departure(ledger: Ledger) -> None:
    d = create_departure(ledger, "shuttle-east", "2020-04-03T09:00")
    set_departure_status(ledger, d.ref, "departed")
    with pytest.raises(CapacityError, match="departed"):
        book(
            ledger,
            idempotency_key="late",
            departures=[d.ref],
            shipper="X",
            teu=1,
            tonnes=1,
            customs_status="cleared",
        )


def _route_option(*legs: dict[str, object]) -> dict[str, object]:
    """An option as `intermodal route --format json` gives it (docs/json-output.md), trimmed."""
    return {"rank": 1, "id": "b6a1f0c2", "legs": list(legs), "hubs": [], "total": {}}


def test_an_itinerary_from_the_route_engine_books_its_scheduled_legs(ledger: Ledger) -> None:
    east = create_departure(ledger, "shuttle-middle", "2020-04-03T09:00")
    asia = create_departure(ledger, "shuttle-asia-europe", "2020-04-06T08:00", capacity_teu=1)
    option = _route_option(
        {
            "mode": "road",
            "service": None,
            "departure": None,
            "from": "factory",
            "to": "nanpeng",
            "depart": "2020-04-03T06:00:00+08:00",
        },
        {
            "mode": "road",
            "service": "shuttle-middle",
            "departure": "shuttle-middle@2020-04-03T09:00+08:00",
            "from": "nanpeng",
            "to": "mohan",
            "depart": "2020-04-03T09:00:00+08:00",
        },
        # No departure id: found from the service and its depart time (given here in UTC).
        {
            "mode": "road",
            "service": "shuttle-asia-europe",
            "departure": None,
            "from": "mohan",
            "to": "bangkok",
            "depart": "2020-04-06T01:00:00+00:00",
        },
    )
    made = book_itinerary(
        ledger, option, idempotency_key="route-1", shipper="Fruit", teu=1, tonnes=8, customs_status="cleared"
    )
    assert made.departures == (east.ref, asia.ref)
    with pytest.raises(CapacityError):
        book_itinerary(
            ledger,
            option,
            idempotency_key="route-2",
            shipper="Fruit",
            teu=1,
            tonnes=8,
            customs_status="cleared",
        )
    assert get_departure(ledger, east.ref).booked_teu == 1  # the failed second booking reserved nothing
    with pytest.raises(ShipmentError, match="no scheduled leg"):
        flexible_only = _route_option({"service": None})
        book_itinerary(
            ledger, flexible_only, idempotency_key="x", shipper="X", teu=1, tonnes=1, customs_status="cleared"
        )
    _counters_match_bookings(ledger)


def test_an_itinerary_on_an_unknown_departure_books_nothing(ledger: Ledger) -> None:
    create_departure(ledger, "shuttle-middle", "2020-04-03T09:00")
    option = _route_option(
        {"service": "shuttle-middle", "departure": "shuttle-middle@2020-04-03T09:00+08:00"},
        {"service": "shuttle-west", "departure": "shuttle-west@2020-04-09T09:00+08:00"},
    )
    with pytest.raises(LedgerError, match="unknown departure"):
        book_itinerary(
            ledger, option, idempotency_key="r", shipper="X", teu=1, tonnes=1, customs_status="cleared"
        )
    assert _count(ledger, s.bookings) == 0


_ops = st.lists(
    st.one_of(
        st.tuples(st.just("book"), st.integers(0, 2), st.sampled_from(["0.25", "1", "2", "2.25", "3"])),
        st.tuples(st.just("cancel"), st.integers(0, 30), st.just("")),
        st.tuples(st.just("retry"), st.integers(0, 30), st.just("")),
    ),
    max_size=25,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=_ops)
def test_no_sequence_of_bookings_cancels_and_retries_overbooks(sqlite_ledger: Ledger, ops: list) -> None:
    """Against a plain-Python model: whatever happens, counters equal bookings and stay within capacity."""
    ledger = sqlite_ledger
    # A fresh set of departures for each example, one of them tight.
    hour = _count(ledger, s.departures)
    refs = [
        create_departure(ledger, "shuttle-east", f"2021-01-01T{hour % 24:02d}:00", capacity_teu=5).ref
        if hour < 24
        else create_departure(
            ledger, "shuttle-west", f"2021-01-{2 + hour // 24:02d}T{hour % 24:02d}:00", capacity_teu=5
        ).ref
        for hour in range(hour, hour + 3)
    ]
    model_free = [Decimal(5)] * 3
    made: list[tuple[str, int, Decimal]] = []
    for number, (op, target, teu) in enumerate(ops):
        if op == "book":
            key = f"{refs[0]}-{number}"
            try:
                book(
                    ledger,
                    idempotency_key=key,
                    departures=[refs[target]],
                    shipper="X",
                    teu=teu,
                    tonnes=1,
                    customs_status="cleared",
                )
            except CapacityError:
                assert model_free[target] < Decimal(teu)
            else:
                assert model_free[target] >= Decimal(teu)
                model_free[target] -= Decimal(teu)
                made.append((key, target, Decimal(teu)))
        elif made:
            key, where, size = made[target % len(made)]
            if op == "cancel":
                _, released = cancel_booking(ledger, key)
                if released:
                    model_free[where] += size
            else:
                booking = get_booking(ledger, key)
                if booking.status == "confirmed":
                    again = book(
                        ledger,
                        idempotency_key=key,
                        departures=[refs[where]],
                        shipper="X",
                        teu=size,
                        tonnes=1,
                        customs_status="cleared",
                    )
                    assert again.replayed
    for ref, free in zip(refs, model_free, strict=True):
        assert get_departure(ledger, ref).free_teu == free
    _counters_match_bookings(ledger)


# Under load and faults: real processes, against SQLite and PostgreSQL.

_BOOKER = Path(__file__).with_name("_booker.py")


@pytest.mark.timeout(180)
def test_concurrent_processes_never_overbook_at_the_edge_of_capacity(ledger: Ledger, ledger_url: str) -> None:
    workers, attempts = 5, 12
    single = create_departure(ledger, "shuttle-east", "2020-05-01T09:00", capacity_teu=12)
    leg_a = create_departure(ledger, "shuttle-middle", "2020-05-01T10:00", capacity_teu=7)
    leg_b = create_departure(ledger, "shuttle-west", "2020-05-02T10:00", capacity_teu=30)
    start_at = time.time() + 3
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                str(_BOOKER),
                "race",
                ledger_url,
                single.ref,
                leg_a.ref,
                leg_b.ref,
                str(w),
                str(attempts),
                str(start_at),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        for w in range(workers)
    ]
    results = []
    for process in processes:
        out, _ = process.communicate(timeout=150)
        assert process.returncode == 0
        results.append(json.loads(out))
    booked = [key for r in results for key in r["booked"]]
    replayed = [key for r in results for key in r["replayed"]]
    # Demand (18 distinct one-TEU requests for 12 single slots, 30 for 7 two-leg slots) is above capacity:
    # every slot is sold, and not one more.
    assert get_departure(ledger, single.ref).booked_teu == 12
    assert get_departure(ledger, leg_a.ref).booked_teu == 7
    assert get_departure(ledger, leg_b.ref).booked_teu == 7  # the two-leg bookings stopped where leg A filled
    assert len(booked) == len(set(booked)) == 12 + 7
    # A key shared by all workers is booked once; the others got that same booking back, or found it full.
    for key in {k for k in booked + replayed if k.startswith("shared-")}:
        assert booked.count(key) == 1
    confirmed = list_bookings(ledger, status="confirmed")
    assert sorted(b.idempotency_key for b in confirmed) == sorted(booked)
    assert all(len(b.departures) == (2 if leg_a.ref in b.departures else 1) for b in confirmed)
    _counters_match_bookings(ledger)


@pytest.mark.timeout(180)
def test_a_killed_writer_leaves_every_committed_batch_and_no_partial_one(
    ledger: Ledger, ledger_url: str
) -> None:
    leg_a = create_departure(ledger, "shuttle-east", "2020-06-01T09:00", capacity_teu=5000)
    leg_b = create_departure(ledger, "shuttle-middle", "2020-06-03T09:00", capacity_teu=5000)
    committed: list[str] = []
    rng = random.Random(14083)
    for round_ in range(2):
        writer = subprocess.Popen(
            [sys.executable, str(_BOOKER), "crash", ledger_url, leg_a.ref, leg_b.ref, f"r{round_}"],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert writer.stdout is not None
        for _ in range(5 + rng.randrange(10)):
            line = writer.stdout.readline().strip()
            assert line, "the writer stopped before it was killed"
            committed.append(line)
        time.sleep(rng.uniform(0, 0.05))  # land the kill anywhere in the next batch
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait(timeout=30)
        committed += [line.strip() for line in writer.stdout if line.strip()]
        writer.stdout.close()

        with open_ledger(ledger_url) as reopened:
            batches: dict[str, list[Booking]] = {}
            for booking in list_bookings(reopened):
                batches.setdefault(booking.idempotency_key.rsplit("-", 1)[0], []).append(booking)
            assert set(committed) <= set(batches), "a committed batch was lost"
            for batch, bookings in batches.items():
                assert len(bookings) == 3, f"batch {batch} is partial"
                assert all(b.departures == (leg_a.ref, leg_b.ref) for b in bookings)
            _counters_match_bookings(reopened)
            if reopened.dialect == "sqlite":
                with reopened.reading() as connection:
                    assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    assert len(committed) >= 10


@pytest.mark.timeout(180)
def test_concurrent_cancels_release_each_booking_once(ledger: Ledger, ledger_url: str) -> None:
    departure = create_departure(ledger, "shuttle-west", "2020-07-01T09:00", capacity_teu=10)
    keys = [f"c{i}" for i in range(10)]
    for key in keys:
        book(
            ledger,
            idempotency_key=key,
            departures=[departure.ref],
            shipper="X",
            teu=1,
            tonnes=2,
            customs_status="cleared",
        )
    start_at = time.time() + 3
    processes = [
        subprocess.Popen(
            [sys.executable, str(_BOOKER), "cancel", ledger_url, str(start_at), *keys[w:], *keys[:w]],
            stdout=subprocess.PIPE,
            text=True,
        )
        for w in range(3)
    ]
    released = []
    for process in processes:
        out, _ = process.communicate(timeout=150)
        assert process.returncode == 0
        released += json.loads(out)
    assert sorted(released) == sorted(keys)  # each booking released by exactly one of the three
    after = get_departure(ledger, departure.ref)
    assert (after.booked_teu, after.booked_kg) == (0, 0)
    _counters_match_bookings(ledger)


def test_reefer_bookings_take_plugs_and_cancelling_gives_them_back(ledger: Ledger) -> None:
    d = create_departure(ledger, "shuttle-middle", "2020-04-03T09:00", capacity_teu=4, reefer_plugs_teu=2)
    cold = {
        "departures": [d.ref],
        "shipper": "Fruit Co",
        "tonnes": 9,
        "cargo_class": "reefer",
        "customs_status": "cleared",
    }
    book(ledger, idempotency_key="a", teu="1.5", **cold)
    book(
        ledger,
        idempotency_key="dry",
        departures=[d.ref],
        shipper="X",
        teu=1,
        tonnes=1,
        customs_status="cleared",
    )  # takes no plugs
    shown = get_departure(ledger, d.ref)
    assert (shown.booked_reefer_teu, shown.free_reefer, shown.free_teu) == (
        Decimal("1.5"),
        Decimal("0.5"),
        1.5,
    )
    with pytest.raises(ReeferPlugsError) as caught:
        book(ledger, idempotency_key="b", teu=1, **cold)
    assert "not enough reefer plugs left" in str(caught.value) and "0.50 TEU of plugs free" in str(
        caught.value
    )
    assert get_departure(ledger, d.ref).booked_teu == Decimal("2.5")  # nothing was written
    cancel_booking(ledger, "a")
    assert get_departure(ledger, d.ref).free_reefer == 2
    # the class as the planner reads it: "Reefer" is reefer cargo too
    assert book(ledger, idempotency_key="b", teu=1, **{**cold, "cargo_class": "Reefer"}).teu == 1
    assert get_departure(ledger, d.ref).free_reefer == 1
    _counters_match_bookings(ledger)


def test_a_departure_that_counts_no_plugs_takes_reefer_up_to_its_teu(ledger: Ledger) -> None:
    d = create_departure(ledger, "shuttle-middle", "2020-04-03T09:00", capacity_teu=2)
    assert d.reefer_plugs_teu is None and d.free_reefer is None and d.to_dict()["free_reefer"] is None
    book(
        ledger,
        idempotency_key="a",
        departures=[d.ref],
        shipper="F",
        teu=2,
        tonnes=9,
        cargo_class="reefer",
        customs_status="cleared",
    )
    assert get_departure(ledger, d.ref).booked_reefer_teu == 2
    with pytest.raises(CapacityError) as caught:  # the TEU run out, not plugs: the plain capacity problem
        book(
            ledger,
            idempotency_key="b",
            departures=[d.ref],
            shipper="F",
            teu=1,
            tonnes=1,
            cargo_class="reefer",
            customs_status="cleared",
        )
    assert not isinstance(caught.value, ReeferPlugsError)


def test_the_database_refuses_reefer_beyond_the_plugs_even_if_the_code_did_not(ledger: Ledger) -> None:
    d = create_departure(ledger, "shuttle-middle", "2020-04-03T09:00", capacity_teu=4, reefer_plugs_teu=1)
    with pytest.raises(IntegrityError), ledger.engine.begin() as connection:
        connection.execute(s.departures.update().where(s.departures.c.id == d.id).values(booked_reefer_teu=2))
