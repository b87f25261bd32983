"""Room on a departure: what fits, with the ledger's rounding and a cancelled departure."""

from __future__ import annotations

from datetime import datetime

import pytest

from intermodal.model.availability import Availability, DepartureRoom


def test_a_shipment_fits_only_in_the_room_left() -> None:
    room = DepartureRoom(
        "shuttle-middle@2020-04-03T09:00+08:00", free_teu=1.0, free_kg=14_000, free_reefer=0.0
    )
    assert room.fits(1.0, 14_000)
    assert not room.fits(1.25, 10_000)
    assert not room.fits(1.0, 14_001)
    assert not room.fits(1.0, 1_000, reefer=True)  # no plugs left
    assert not DepartureRoom("x@1", 2.0, 28_000, runs=False).fits(0.25, 1)


def test_a_trip_the_ledger_does_not_hold_keeps_the_timetable_capacity() -> None:
    seen = Availability(rooms={("shuttle-middle", 1_585_875_600): DepartureRoom("r", 0.0, 0.0)})
    assert not seen.fits("shuttle-middle", 1_585_875_600, 1.0, 1.0)
    assert seen.fits("shuttle-middle", 1_585_875_601, 1.0, 1.0)
    assert seen.room("shuttle-east", 1_585_875_600) is None


def test_a_snapshot_needs_an_aware_time_and_finite_room() -> None:
    with pytest.raises(ValueError, match="aware"):
        Availability(taken_at=datetime(2020, 1, 1))
    with pytest.raises(ValueError, match="finite"):
        Availability(rooms={("a", 1): DepartureRoom("a@1", float("nan"), 1.0)})
