"""Terminal opening hours as UTC windows over a time span, for the engines."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

__all__ = ["opening_windows"]


def opening_windows(
    hours: Sequence[tuple[frozenset[int], int, int]], timezone: str, *, start: datetime, end: datetime
) -> np.ndarray | None:
    """Sorted, disjoint ``(open_s, close_s)`` UTC rows covering ``[start, end]``; ``None`` when always open.

    ``hours`` are (weekdays with Monday = 0, from minute, to minute) in the terminal's local time, so a
    daylight-saving change moves the UTC windows as it should.
    """
    if not hours:
        return None
    zone = ZoneInfo(timezone)
    day = (start - timedelta(days=1)).astimezone(zone).date()
    last = (end + timedelta(days=1)).astimezone(zone).date()
    rows: list[tuple[int, int]] = []
    while day <= last:
        midnight = datetime(day.year, day.month, day.day, tzinfo=zone)
        for days, a, b in hours:
            if day.weekday() in days:
                opens = (midnight + timedelta(minutes=a)).timestamp()
                closes = (midnight + timedelta(minutes=b)).timestamp()
                rows.append((int(opens), int(closes)))
        day += timedelta(days=1)
    rows.sort()
    merged: list[list[int]] = []
    for a, b in rows:
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return np.array(merged, dtype=np.int64).reshape(-1, 2)
