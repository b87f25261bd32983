"""Disruptions as plain data the route search can take: what is closed, cancelled or late, and when.

The ledger stores disruptions and sits above the planners, so it hands the open ones to the search inside
an :class:`~intermodal.model.Availability` snapshot, the same way it hands over the room left on departures:
every search that reads the ledger's room (``route --db``, quotes, the API, rebooking) respects them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

__all__ = ["DISRUPTION_KINDS", "Closure"]

#: What a disruption can name: a link, a terminal or a border crossing closed for a window; one departure
#: cancelled; a service whose trips leaving in the window run late by some hours.
DISRUPTION_KINDS: tuple[str, ...] = ("link", "terminal", "crossing", "departure", "delay")


@dataclass(frozen=True)
class Closure:
    """One open disruption, as the search sees it.

    Parameters
    ----------
    id
        The ledger's disruption id (named in notes and no-route reasons).
    kind
        One of :data:`DISRUPTION_KINDS`.
    target
        The link id, terminal id (a crossing is its terminal), departure ref (``service@local time``) or,
        for a delay, the service id.
    start, end
        The window ``[start, end)`` (aware). A link, terminal or crossing may not be passed in it; a delay
        holds for the trips that leave their first stop in it. A cancelled departure ignores it.
    delay_hours
        For ``delay``: how late every stop after the first is reached.
    source
        Where the closure comes from: a bundle's ``closures.csv`` row cites one; the ledger's leave it empty.
    """

    id: int
    kind: str
    target: str
    start: dt.datetime
    end: dt.datetime
    delay_hours: float = 0.0
    source: str = ""

    def __post_init__(self) -> None:
        if self.kind not in DISRUPTION_KINDS:
            raise ValueError(f"unknown disruption kind {self.kind!r}")
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("a disruption's window needs aware times")

    def covers(self, when: dt.datetime) -> bool:
        """Whether ``when`` falls in the window."""
        return self.start <= when < self.end

    def overlaps(self, start: dt.datetime, end: dt.datetime) -> bool:
        """Whether the window meets ``[start, end]``."""
        return self.start <= end and start < self.end

    def describe(self) -> str:
        """A short English phrase: ``crossing youyiguan closed 2020-02-01T00:00+08:00 to ...``."""
        if self.kind == "departure":
            return f"departure {self.target} cancelled"
        window = f"{self.start.isoformat(timespec='minutes')} to {self.end.isoformat(timespec='minutes')}"
        if self.kind == "delay":
            return f"service {self.target} {self.delay_hours:g} h late for trips leaving {window}"
        return f"{self.kind} {self.target} closed {window}"
