"""The ledger's availability snapshot: free room per departure, cancelled ones closed, on both backends."""

from __future__ import annotations

import datetime as dt

from intermodal.ledger import Ledger, book, create_departure, set_departure_status
from intermodal.ledger.availability import read_availability

T0 = dt.datetime(2020, 4, 3, 1, 0, tzinfo=dt.UTC)


def test_free_room_is_capacity_less_bookings_and_a_cancelled_departure_does_not_run(ledger: Ledger) -> None:
    first = create_departure(ledger, "shuttle-middle", T0)
    second = create_departure(ledger, "shuttle-middle", T0 + dt.timedelta(hours=5))
    outside = create_departure(ledger, "shuttle-east", T0 + dt.timedelta(days=3))
    book(ledger, idempotency_key="a", departures=[first.ref], shipper="s", teu="1.5", tonnes="12")
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
