"""The watchdog thread that sets a deadline's stop flag when its time is up."""

from __future__ import annotations

import gc
import threading
import time
import weakref

from intermodal.engines._deadlines import watch
from intermodal.engines.reference import Deadline


def _flagged_within(deadline: Deadline, seconds: float) -> bool:
    ends = time.monotonic() + seconds
    while time.monotonic() < ends:
        if deadline.flag[0]:
            return True
        time.sleep(0.005)
    return bool(deadline.flag[0])


def test_each_flag_is_set_at_its_own_time_whatever_the_order_of_watching() -> None:
    late, early = Deadline(0.6), Deadline(0.1)
    start = time.monotonic()
    watch(late, start + 0.6)
    watch(early, start + 0.1)  # earlier than the one the thread waits for: it must wake
    assert _flagged_within(early, 5)
    assert time.monotonic() - start >= 0.1
    assert not late.flag[0]
    assert _flagged_within(late, 5)
    assert time.monotonic() - start >= 0.6


def test_one_thread_watches_every_deadline() -> None:
    deadlines = [Deadline(0.05) for _ in range(50)]
    for d in deadlines:
        watch(d, time.monotonic() + 0.05)
    assert sum(t.name == "intermodal-deadlines" for t in threading.enumerate()) == 1
    assert all(_flagged_within(d, 5) for d in deadlines)


def test_a_deadline_nobody_holds_is_not_kept() -> None:
    deadline = Deadline(3600)
    watch(deadline, time.monotonic() + 3600)
    ref = weakref.ref(deadline)
    del deadline
    gc.collect()
    assert ref() is None
