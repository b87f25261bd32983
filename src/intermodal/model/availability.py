"""Room left on dated departures, as plain data the search can take without knowing the ledger.

The ledger sits above the planners, so the planners never read it: a service asks the ledger for an
:class:`Availability` (one consistent snapshot) and hands it to the search, which treats a departure without
room for the shipment as not there (design.md, "The operating loop").
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt

from intermodal.model.disruptions import Closure

__all__ = ["Availability", "DepartureRoom", "RoomTable"]

#: bookings are stored to 0.01 TEU and whole kg: room is compared with that much slack, not float noise
_TEU_SLACK = 1e-9
_KG_SLACK = 1e-6


@dataclass(frozen=True)
class DepartureRoom:
    """What one dated departure can still take, and whether it runs.

    Parameters
    ----------
    ref
        The ledger's departure ref (``shuttle-middle@2020-04-03T09:00+08:00``).
    free_teu, free_kg
        Capacity less bookings and live holds.
    free_reefer
        Reefer plugs left, in TEU; ``None`` where the ledger does not count them (the TEU limit still holds).
    runs
        ``False`` for a cancelled departure, or one already gone: it takes nothing.
    """

    ref: str
    free_teu: float
    free_kg: float
    free_reefer: float | None = None
    runs: bool = True

    def fits(self, teu: float, kg: float, *, reefer: bool = False) -> bool:
        """Whether a shipment of ``teu`` and ``kg`` (reefer or not) still fits on this departure."""
        if not self.runs:
            return False
        if teu > self.free_teu + _TEU_SLACK or kg > self.free_kg + _KG_SLACK:
            return False
        return not (reefer and self.free_reefer is not None and teu > self.free_reefer + _TEU_SLACK)


class RoomTable(Mapping[tuple[str, int], DepartureRoom]):
    """Many departures' room as columns, a :class:`DepartureRoom` made only for the keys looked up.

    A live route query reads the room of every departure in its window (hundreds) and the search asks whether
    the shipment fits each trip: columns answer that at once (:meth:`Availability.fits_each`), where an
    object per departure cost as much as the query's read.

    Parameters
    ----------
    keys
        ``(service id, departure epoch second)`` per departure; a key given twice keeps its last row.
    refs, free_teu, free_kg, runs
        The ledger ref, free TEU and kg and whether it runs, per departure in the order of ``keys``.
    free_reefer
        Reefer plugs left in TEU, per departure; NaN where the ledger does not count them (``None`` in a
        :class:`DepartureRoom`). Default: counted nowhere.
    """

    def __init__(
        self,
        keys: Sequence[tuple[str, int]],
        refs: Sequence[str],
        free_teu: npt.ArrayLike,
        free_kg: npt.ArrayLike,
        runs: npt.ArrayLike,
        free_reefer: npt.ArrayLike | None = None,
    ) -> None:
        self.refs = list(refs)
        self.free_teu = np.asarray(free_teu, dtype=np.float64)
        self.free_kg = np.asarray(free_kg, dtype=np.float64)
        self.runs = np.asarray(runs, dtype=np.bool_)
        self.free_reefer = (
            np.full(len(self.refs), np.nan)
            if free_reefer is None
            else np.asarray(free_reefer, dtype=np.float64)
        )
        columns = (self.refs, self.free_teu, self.free_kg, self.runs, self.free_reefer)
        if any(len(column) != len(keys) for column in columns):
            raise ValueError("a room table needs one ref, free TEU, free kg, runs and free reefer per key")
        self.index = {key: i for i, key in enumerate(keys)}
        if len(self.index) < len(keys):  # the rows a repeated key shadows go, so that row i is key i
            rows = np.fromiter(self.index.values(), dtype=np.intp, count=len(self.index))
            self.refs = [self.refs[i] for i in rows]
            self.free_teu, self.free_kg, self.runs = self.free_teu[rows], self.free_kg[rows], self.runs[rows]
            self.free_reefer = self.free_reefer[rows]
            self.index = {key: i for i, key in enumerate(self.index)}

    def __getitem__(self, key: tuple[str, int]) -> DepartureRoom:
        i = self.index[key]
        plugs = float(self.free_reefer[i])
        return DepartureRoom(
            self.refs[i],
            float(self.free_teu[i]),
            float(self.free_kg[i]),
            free_reefer=None if math.isnan(plugs) else plugs,
            runs=bool(self.runs[i]),
        )

    def __iter__(self) -> Iterator[tuple[str, int]]:
        return iter(self.index)

    def __len__(self) -> int:
        return len(self.index)

    def fits_each(
        self,
        keys: Iterable[tuple[str, int]],
        teu: float,
        kg: float,
        *,
        reefer: bool = False,
        unmade_kg: npt.ArrayLike | None = None,
    ) -> npt.NDArray[np.bool_]:
        """:meth:`DepartureRoom.fits` for each key; a key the table does not hold fits when ``kg`` is within
        its ``unmade_kg`` (one limit per key, NaN for none; default no limit)."""
        found = np.fromiter((self.index.get(key, -1) for key in keys), dtype=np.intp)
        held = found >= 0
        at = found[held]
        fits = np.ones(len(found), dtype=np.bool_)
        if unmade_kg is not None:
            limit = np.asarray(unmade_kg, dtype=np.float64)[~held]
            fits[~held] = np.isnan(limit) | (kg <= limit + _KG_SLACK)
        fits[held] = (
            self.runs[at] & (teu <= self.free_teu[at] + _TEU_SLACK) & (kg <= self.free_kg[at] + _KG_SLACK)
        )
        if (
            reefer
        ):  # plugs not counted (NaN) never refuse: the TEU limit holds, as DepartureRoom.fits with None
            plugs = self.free_reefer[at]
            fits[held] &= np.isnan(plugs) | (teu <= plugs + _TEU_SLACK)
        return fits


@dataclass(frozen=True)
class Availability:
    """The room on every departure the ledger knows in a window, taken in one snapshot.

    A departure is keyed by its service id and the UTC epoch second it leaves its first stop, which is how the
    timetable names a dated trip. A trip the ledger does not hold has the timetable's own capacity, and the
    weight the ledger gives a departure it makes from the timetable (``kg_per_teu``).

    Parameters
    ----------
    taken_at
        When the snapshot was read (aware).
    rooms
        By ``(service id, departure epoch second)``.
    closures
        The ledger's open disruptions (closed links, terminals and crossings, cancelled departures, delays);
        the search does not pass what is closed and runs delayed trips late.
    kg_per_teu
        The weight, per TEU of its service's capacity, that the ledger gives a departure it makes from the
        timetable when a booking or quote first rides it; ``None``: such a trip has no weight limit. Without
        it a search would offer a heavy shipment a trip whose booking the ledger then refuses.
    """

    taken_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    rooms: Mapping[tuple[str, int], DepartureRoom] = field(default_factory=dict)
    closures: tuple[Closure, ...] = ()
    kg_per_teu: float | None = None

    def room(self, service_id: str, departs_s: int) -> DepartureRoom | None:
        """The room on this trip, or ``None`` when the ledger does not hold it."""
        return self.rooms.get((service_id, int(departs_s)))

    def unmade_kg(self, capacity_teu: float) -> float | None:
        """The weight a trip the ledger does not hold yet will take, for a service of ``capacity_teu``;
        ``None`` where no limit is known."""
        return None if self.kg_per_teu is None else capacity_teu * self.kg_per_teu

    def fits(
        self,
        service_id: str,
        departs_s: int,
        teu: float,
        kg: float,
        *,
        reefer: bool = False,
        capacity_teu: float | None = None,
    ) -> bool:
        """Whether the shipment fits on this trip; a trip the ledger does not hold fits within the weight it
        will have (:meth:`unmade_kg` of the service's ``capacity_teu``, when given)."""
        room = self.room(service_id, departs_s)
        if room is not None:
            return room.fits(teu, kg, reefer=reefer)
        limit = None if capacity_teu is None else self.unmade_kg(capacity_teu)
        return limit is None or kg <= limit + _KG_SLACK

    def fits_each(
        self,
        keys: Iterable[tuple[str, int]],
        teu: float,
        kg: float,
        *,
        reefer: bool = False,
        capacity_teu: npt.ArrayLike | None = None,
    ) -> npt.NDArray[np.bool_]:
        """:meth:`fits` for each ``(service id, departure epoch second)`` key, as an array of bools;
        ``capacity_teu`` gives each key's service capacity (for the trips the ledger does not hold)."""
        keys = list(keys)
        if isinstance(self.rooms, RoomTable):
            unmade = None
            if capacity_teu is not None and self.kg_per_teu is not None:
                unmade = np.asarray(capacity_teu, dtype=np.float64) * self.kg_per_teu
            return self.rooms.fits_each(keys, teu, kg, reefer=reefer, unmade_kg=unmade)
        caps = [None] * len(keys) if capacity_teu is None else [float(c) for c in np.asarray(capacity_teu)]
        return np.fromiter(
            (
                self.fits(s, t, teu, kg, reefer=reefer, capacity_teu=c)
                for (s, t), c in zip(keys, caps, strict=True)
            ),
            dtype=np.bool_,
            count=len(keys),
        )

    def __post_init__(self) -> None:
        if self.taken_at.tzinfo is None:
            raise ValueError("taken_at must be timezone-aware")
        if self.kg_per_teu is not None and not (math.isfinite(self.kg_per_teu) and self.kg_per_teu > 0):
            raise ValueError("kg_per_teu must be a positive number")
        if isinstance(self.rooms, RoomTable):
            table = self.rooms
            # NaN plugs mean "not counted"; an infinite number is no room at all
            good = np.isfinite(table.free_teu) & np.isfinite(table.free_kg) & ~np.isinf(table.free_reefer)
            if not good.all():
                key = list(table.index)[int(np.flatnonzero(~good)[0])]
                raise ValueError(f"room of {key} is not finite")
            return
        for key, room in self.rooms.items():
            plugs = () if room.free_reefer is None else (room.free_reefer,)
            if not all(math.isfinite(v) for v in (room.free_teu, room.free_kg, *plugs)):
                raise ValueError(f"room of {key} is not finite")
