"""A quoting and booking process for the concurrency test; run as a script, never imported by pytest.

    python _quoter.py URL REF_A REF_B WORKER ATTEMPTS START_AT

From START_AT (a Unix time, so that the workers collide) it makes ATTEMPTS one-TEU requests on departure A, in
turn: a direct booking, a quote on A and B that it then books, and a quote on A that it leaves holding. It
prints the keys of what it booked, the ids of the quotes it left holding, and what was full, as JSON.
"""

from __future__ import annotations

import json
import sys
import time

from intermodal.exceptions import CapacityError
from intermodal.ledger import book, book_quote, create_quote, open_ledger


def _option(*refs: str) -> dict[str, object]:
    legs = [
        {"mode": "road", "service": ref.split("@")[0], "departure": ref, "cost": 10.0, "currency": "CNY"}
        for ref in refs
    ]
    return {"legs": legs, "hubs": []}


def race(url: str, ref_a: str, ref_b: str, worker: str, attempts: int, start_at: float) -> None:
    ledger = open_ledger(url, migrate_schema=False)
    time.sleep(max(0.0, start_at - time.time()))
    result: dict[str, list[str]] = {"booked": [], "held": [], "full": []}
    for i in range(attempts):
        key = f"w{worker}-{i}"
        try:
            if i % 3 == 0:
                book(
                    ledger,
                    idempotency_key=key,
                    departures=[ref_a],
                    shipper="Race",
                    teu=1,
                    tonnes=1,
                    customs_status="cleared",
                )
                result["booked"].append(key)
            elif i % 3 == 1:
                quote = create_quote(ledger, _option(ref_a, ref_b), teu=1, tonnes=1)
                book_quote(ledger, quote.id, idempotency_key=key, shipper="Race", customs_status="cleared")
                result["booked"].append(key)
            else:
                quote = create_quote(ledger, _option(ref_a), teu=1, tonnes=1, hold_minutes=60)
                result["held"].append(str(quote.id))
        except CapacityError:
            result["full"].append(key)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    url, ref_a, ref_b, worker, attempts, start_at = sys.argv[1:]
    race(url, ref_a, ref_b, worker, int(attempts), float(start_at))
