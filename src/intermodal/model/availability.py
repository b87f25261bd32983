"""Room left on dated departures, as plain data the search can take without knowing the ledger.

The ledger sits above the planners, so the planners never read it: a service asks the ledger for an
:class:`Availability` (one consistent snapshot) and hands it to the search, which treats a departure without
room for the shipment as not there (design.md, "The operating loop").
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

__all__ = ["Availability", "DepartureRoom"]


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
        # bookings are stored to 0.01 TEU and whole kg: compare with that much slack, not float noise
        if teu > self.free_teu + 1e-9 or kg > self.free_kg + 1e-6:
            return False
        return not (reefer and self.free_reefer is not None and teu > self.free_reefer + 1e-9)


@dataclass(frozen=True)
class Availability:
    """The room on every departure the ledger knows in a window, taken in one snapshot.

    A departure is keyed by its service id and the UTC epoch second it leaves its first stop, which is how the
    timetable names a dated trip. A trip the ledger does not hold has the timetable's own capacity.

    Parameters
    ----------
    taken_at
        When the snapshot was read (aware).
    rooms
        By ``(service id, departure epoch second)``.
    """

    taken_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    rooms: Mapping[tuple[str, int], DepartureRoom] = field(default_factory=dict)

    def room(self, service_id: str, departs_s: int) -> DepartureRoom | None:
        """The room on this trip, or ``None`` when the ledger does not hold it."""
        return self.rooms.get((service_id, int(departs_s)))

    def fits(self, service_id: str, departs_s: int, teu: float, kg: float, *, reefer: bool = False) -> bool:
        """Whether the shipment fits on this trip (a trip the ledger does not hold always does)."""
        room = self.room(service_id, departs_s)
        return room is None or room.fits(teu, kg, reefer=reefer)

    def __post_init__(self) -> None:
        if self.taken_at.tzinfo is None:
            raise ValueError("taken_at must be timezone-aware")
        for key, room in self.rooms.items():
            if not all(math.isfinite(v) for v in (room.free_teu, room.free_kg)):
                raise ValueError(f"room of {key} is not finite")
