"""A booking process for the concurrency and crash tests; run as a script, never imported by pytest.

    python _booker.py race URL SINGLE_REF LEG_A_REF LEG_B_REF WORKER ATTEMPTS START_AT
    python _booker.py crash URL LEG_A_REF LEG_B_REF PREFIX
    python _booker.py cancel URL START_AT KEY...

``race`` tries ATTEMPTS one-TEU bookings (alternately on SINGLE and on the two legs A+B), a quarter of them
under keys shared by every worker, all from START_AT (a Unix time, so that the workers collide), and prints
what it got as JSON. ``crash`` books batches of three two-leg bookings forever, one transaction per batch,
printing each batch's id once it is committed; the test kills it with SIGKILL. ``cancel`` cancels every KEY
from START_AT and prints the keys whose capacity this process released.
"""

from __future__ import annotations

import json
import sys
import time

from intermodal.exceptions import CapacityError
from intermodal.ledger import BookingRequest, LegRef, book, book_many, cancel_booking, open_ledger


def race(url: str, single: str, leg_a: str, leg_b: str, worker: str, attempts: int, start_at: float) -> None:
    ledger = open_ledger(url, migrate_schema=False)
    time.sleep(max(0.0, start_at - time.time()))
    result: dict[str, list[str]] = {"booked": [], "full": [], "replayed": []}
    plan = [(f"w{worker}-{i}", [single] if i % 2 == 0 else [leg_a, leg_b]) for i in range(attempts)]
    plan[::4] = [(f"shared-{i}", [single]) for i in range(len(plan[::4]))]
    for key, legs in plan:
        try:
            made = book(
                ledger,
                idempotency_key=key,
                departures=legs,
                shipper="Race",
                teu=1,
                tonnes=1,
                customs_status="cleared",
            )
        except CapacityError:
            result["full"].append(key)
        else:
            result["replayed" if made.replayed else "booked"].append(key)
    print(json.dumps(result), flush=True)


def crash(url: str, leg_a: str, leg_b: str, prefix: str) -> None:
    ledger = open_ledger(url, migrate_schema=False)
    batch = 0
    while True:
        requests = [
            BookingRequest(
                f"{prefix}-{batch}-{j}",
                (LegRef(leg_a), LegRef(leg_b)),
                "Crash",
                teu=1,
                tonnes=1,
                customs_status="cleared",
            )
            for j in range(3)
        ]
        book_many(ledger, requests)
        print(f"{prefix}-{batch}", flush=True)
        batch += 1


def cancel(url: str, start_at: float, keys: list[str]) -> None:
    ledger = open_ledger(url, migrate_schema=False)
    time.sleep(max(0.0, start_at - time.time()))
    released = [key for key in keys if cancel_booking(ledger, key)[1]]
    print(json.dumps(released), flush=True)


if __name__ == "__main__":
    mode, *args = sys.argv[1:]
    if mode == "race":
        race(args[0], args[1], args[2], args[3], args[4], int(args[5]), float(args[6]))
    elif mode == "cancel":
        cancel(args[0], float(args[1]), args[2:])
    else:
        crash(*args)
