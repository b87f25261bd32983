"""Room on a departure: what fits, with the ledger's rounding and a cancelled departure."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intermodal.model.availability import Availability, DepartureRoom, RoomTable


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


_rooms = st.lists(
    st.tuples(
        st.sampled_from(["shuttle-middle", "shuttle-east"]),
        st.integers(0, 5),  # departure second: few, so that keys repeat and lookups hit
        st.floats(-1, 3, allow_nan=False),
        st.floats(-1_000, 30_000, allow_nan=False),
        st.booleans(),
        st.one_of(st.none(), st.floats(-1, 3, allow_nan=False)),  # reefer plugs left, or not counted
    ),
    max_size=12,
)


@given(
    rows=_rooms,
    teu=st.sampled_from([0.25, 1.0, 2.0]),
    kg=st.floats(0, 60_000),
    reefer=st.booleans(),
    kg_per_teu=st.one_of(st.none(), st.sampled_from([14_000.0, 20_000.0])),
)
def test_a_room_table_answers_as_its_rooms_do(
    rows: list[tuple[str, int, float, float, bool, float | None]],
    teu: float,
    kg: float,
    reefer: bool,
    kg_per_teu: float | None,
) -> None:
    """The columns the ledger's read gives the search say what one DepartureRoom per departure would say,
    a repeated key keeping its last row as a dict would."""
    keys = [(line, second) for line, second, *_ in rows]
    table = RoomTable(
        keys,
        [f"{line}@{second}" for line, second, *_ in rows],
        [r[2] for r in rows],
        [r[3] for r in rows],
        [r[4] for r in rows],
        [float("nan") if r[5] is None else r[5] for r in rows],
    )
    rooms = {
        (line, second): DepartureRoom(f"{line}@{second}", free_teu, free_kg, free_reefer=plugs, runs=runs)
        for line, second, free_teu, free_kg, runs, plugs in rows
    }
    assert dict(table) == rooms
    asked = [(line, second) for line in ("shuttle-middle", "shuttle-east", "other") for second in range(6)]
    each = Availability(rooms=table).fits_each(asked, teu, kg, reefer=reefer)
    assert each.tolist() == [Availability(rooms=rooms).fits(*key, teu, kg, reefer=reefer) for key in asked]
    assert Availability(rooms=rooms).fits_each(asked, teu, kg, reefer=reefer).tolist() == each.tolist()
    # with the weight the ledger gives a departure it has not made yet, per key's service capacity
    capacity = [2.0 if line.startswith("shuttle") else 3.0 for line, _ in asked]
    by_table = Availability(rooms=table, kg_per_teu=kg_per_teu)
    by_dict = Availability(rooms=rooms, kg_per_teu=kg_per_teu)
    weighed = by_table.fits_each(asked, teu, kg, reefer=reefer, capacity_teu=capacity)
    one_by_one = [
        by_dict.fits(*key, teu, kg, reefer=reefer, capacity_teu=c)
        for key, c in zip(asked, capacity, strict=True)
    ]
    assert weighed.tolist() == one_by_one
    assert by_dict.fits_each(asked, teu, kg, reefer=reefer, capacity_teu=capacity).tolist() == one_by_one
    for key, c, fits, plain in zip(asked, capacity, weighed, each, strict=True):
        if key in rooms or kg_per_teu is None:
            assert fits == plain  # a departure the ledger holds answers by its own room
        else:
            assert fits == (kg <= c * kg_per_teu + 1e-6)  # the ledger's whole kg, as DepartureRoom.fits


def test_a_trip_the_ledger_has_not_made_takes_the_weight_the_ledger_will_give_it() -> None:
    """The ledger makes a timetable departure with kg_per_teu per TEU of capacity: a search must not offer a
    heavier shipment a trip whose booking the ledger would refuse."""
    seen = Availability(kg_per_teu=14_000)
    assert seen.unmade_kg(2.0) == 28_000
    assert seen.fits("shuttle-middle", 1, 2.0, 28_000, capacity_teu=2.0)
    assert not seen.fits("shuttle-middle", 1, 2.0, 28_001, capacity_teu=2.0)
    assert seen.fits("shuttle-middle", 1, 2.0, 40_000)  # no capacity given: no limit known
    assert Availability().unmade_kg(2.0) is None and Availability().fits("x", 1, 2.0, 1e9, capacity_teu=2.0)
    with pytest.raises(ValueError, match="kg_per_teu"):
        Availability(kg_per_teu=0)


def test_a_room_table_needs_finite_room_and_a_row_per_key() -> None:
    with pytest.raises(ValueError, match=r"\('b', 2\) is not finite"):
        Availability(
            rooms=RoomTable([("a", 1), ("b", 2)], ["a@1", "b@2"], [1.0, 1.0], [1.0, float("inf")], [1, 1])
        )
    with pytest.raises(ValueError, match="one ref"):
        RoomTable([("a", 1)], ["a@1", "b@2"], [1.0], [1.0], [True])


def test_reefer_cargo_needs_plugs_where_they_are_counted_and_general_cargo_never_does() -> None:
    keys = [("railsea-south", 1), ("railsea-south", 2), ("railsea-south", 3)]
    table = RoomTable(
        keys, ["a", "b", "c"], [80.0, 80.0, 80.0], [1e6] * 3, [True] * 3, [0.0, 2.0, float("nan")]
    )
    seen = Availability(rooms=table)
    assert seen.fits_each(keys, 2.0, 9_000, reefer=True).tolist() == [False, True, True]
    assert seen.fits_each(keys, 2.0, 9_000).tolist() == [True, True, True]
    assert [table[key].free_reefer for key in keys] == [0.0, 2.0, None]
    with pytest.raises(ValueError, match="not finite"):
        Availability(rooms=RoomTable(keys[:1], ["a"], [1.0], [1.0], [True], [float("inf")]))
    with pytest.raises(ValueError, match="free reefer"):
        RoomTable(keys[:1], ["a"], [1.0], [1.0], [True], [1.0, 2.0])
