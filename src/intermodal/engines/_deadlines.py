"""The thread that stops compiled searches when their deadline passes.

Apart from the engines' modules, so that a thread found in them is one running a search.
"""

from __future__ import annotations

import heapq
import itertools
import os
import threading
import time
import weakref

from intermodal.engines.reference import Deadline

__all__ = ["watch"]


class _Watchdog:
    """One thread that sets the stop flag of each deadline when its time is up, for every compiled search.

    The kernel cannot read a clock without the GIL, so another thread must set the flag it polls. A timer per
    search cost a thread start, and a switch to it, on every query. A deadline stays watched until its time
    even when its searches end sooner: setting the flag of a deadline that has passed changes nothing, since
    :meth:`Deadline.expired` then sets it too. Deadlines are held weakly, so a finished query's is not kept.
    """

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Start afresh: in a forked child, the parent's thread is gone and its lock may be held for good."""
        self._due: list[tuple[float, int, weakref.ref[Deadline]]] = []
        self._order = itertools.count()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def watch(self, deadline: Deadline, ends: float) -> None:
        """Set ``deadline``'s flag at ``ends`` (``time.monotonic()`` seconds)."""
        with self._wake:
            if len(self._due) > 10_000:  # long deadlines of finished queries: drop those nobody holds
                self._due = [due for due in self._due if due[2]() is not None]
                heapq.heapify(self._due)
            heapq.heappush(self._due, (ends, next(self._order), weakref.ref(deadline)))
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="intermodal-deadlines", daemon=True)
                self._thread.start()
            elif self._due[0][0] == ends:
                self._wake.notify()

    def _loop(self) -> None:
        with self._wake:
            while True:
                now = time.monotonic()
                while self._due and self._due[0][0] <= now:
                    deadline = heapq.heappop(self._due)[2]()
                    if deadline is not None:
                        deadline.time_up()
                self._wake.wait(self._due[0][0] - now if self._due else None)


_watchdog = _Watchdog()
os.register_at_fork(after_in_child=_watchdog.reset)


def watch(deadline: Deadline, ends: float) -> None:
    """Set ``deadline``'s stop flag at ``ends`` (``time.monotonic()`` seconds), from the watchdog thread."""
    _watchdog.watch(deadline, ends)
