"""A 200 x 200 freight skim on Chongqing: the skim path against separate ``find_routes`` calls, checked equal.

One command, one run::

    uv run python benchmarks/skims.py                  # 200 zones, 7 days, 200 sampled separate calls
    uv run python benchmarks/skims.py --zones 60 --sample 40 --window 2   # quicker

Workload: the embedded ``chongqing`` scenario, 1 TEU of general cargo ready from Monday 6 April 2020 00:00
(Chongqing) at any time over the window, metrics time, cost and CO2e. The 200 zones stand on the scenario's
31 terminals: zone k is on terminal k mod 31 (a zone system finer than the network, each zone's centroid tied
to one terminal, as NODUS ties zones to nodes of its virtual network).

- ``skim``: :func:`intermodal.planners.skims.skim`, the whole 200 x 200 matrix. Zones on one place share a
  row: each of the 31 distinct places is an origin once, and one one-to-many search a ready time answers
  its whole row (on one network shared by every origin).
- ``separate``: one ``find_routes`` range query for each zone pair, as a user without skims would run
  40,000 of them. They take hours, so a random sample of pairs is timed and the mean is multiplied by
  40,000 (pairs on the same terminal cost nothing: their cell is 0 without a search). The extrapolation
  is stated as such in the results.

Both use the compiled search, warmed up first (its loading is not timed). On the sample, every cell of the
separate calls must equal the skim's, by the rule of docs/skims.md. A second ratio compares the cost of one
searched pair in each path, which shows what the shared rows bring and what they do not.

Results go to ``benchmarks/results/skims.json`` and ``benchmarks/results/skims.md``, and its tables to
the README between its ``skims`` marks (``--no-readme``: not).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

import intermodal as im
from intermodal.exceptions import NoRouteError
from intermodal.model.demand import Zone
from intermodal.planners.skims import option_metrics, skim

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, write_readme_tables

RESULTS = Path(__file__).resolve().parent / "results"
METRICS = ("time", "cost", "co2e")


def zones_on_terminals(bundle: im.Bundle, n: int) -> list[Zone]:
    """``n`` zones, zone k (from 1) on the k-th terminal, cycling through them."""
    terminals = list(bundle.terminals)
    return [
        Zone(k + 1, f"zone {k + 1} ({terminals[k % len(terminals)]})", terminals[k % len(terminals)])
        for k in range(n)
    ]


def separate(bundle: im.Bundle, a: Zone, b: Zone, shipment: im.Shipment, days: float) -> list[float]:
    """One pair the way a caller without skims gets it: one find_routes range query, the rule applied."""
    if a.place == b.place:
        return [0.0] * len(METRICS)
    try:
        result = im.find_routes(
            bundle, a.place, b.place, shipment, range_days=days, fold=None, limit=100_000, engine="compiled"
        )
    except NoRouteError:
        return [math.nan] * len(METRICS)
    values = [option_metrics(o) for o in result.options]
    return [min(v[m] for v in values) for m in METRICS]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--zones", type=int, default=200)
    parser.add_argument("--window", type=float, default=7.0, help="days")
    parser.add_argument("--sample", type=int, default=200, help="separate calls timed")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--no-readme", action="store_true", help="leave the README as it is")
    args = parser.parse_args()
    bundle = im.load_scenario("chongqing")
    zones = zones_on_terminals(bundle, args.zones)
    ready = datetime.fromisoformat("2020-04-06T00:00+08:00")
    shipment = im.make_shipment(bundle, teu=1, cargo="general", ready=ready)

    t = time.perf_counter()
    im.find_routes(bundle, "nanpeng", "hanoi", shipment, engine="compiled")  # loads the compiled kernel
    warmup_s = time.perf_counter() - t
    print(f"warm-up (kernel load) {warmup_s:.1f} s", flush=True)

    t = time.perf_counter()
    done = [0]

    def progress(i: int, n: int) -> None:
        done[0] = n
        if i % 5 == 0 or i == n:
            print(f"skim: {i}/{n} origins, {time.perf_counter() - t:.0f} s", flush=True)

    result = skim(
        bundle,
        zones,
        shipment,
        window_days=args.window,
        metrics=METRICS,
        engine="compiled",
        progress=progress,
    )
    skim_s = time.perf_counter() - t
    places = done[0]

    rng = random.Random(args.seed)
    pairs = [(rng.randrange(len(zones)), rng.randrange(len(zones))) for _ in range(args.sample)]
    pairs = [(i, j) for i, j in pairs if i != j]
    times, searched, agree, worst = [], 0, 0, 0.0
    for n, (i, j) in enumerate(pairs, 1):
        t = time.perf_counter()
        cell = separate(bundle, zones[i], zones[j], shipment, args.window)
        times.append(time.perf_counter() - t)
        searched += zones[i].place != zones[j].place
        mine = [float(result.values[m][i, j]) for m in METRICS]
        same = all(
            (math.isnan(x) and math.isnan(y)) or math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9)
            for x, y in zip(mine, cell, strict=True)
        )
        agree += same
        if not same:
            worst = max(worst, max(abs(x - y) for x, y in zip(mine, cell, strict=True)))
        if n % 20 == 0:
            print(f"separate: {n}/{len(pairs)} calls, {sum(times):.0f} s", flush=True)
    cells = len(zones) * (len(zones) - 1)
    mean_s = float(np.mean(times))
    separate_s = mean_s * cells
    per_pair_skim = skim_s / max(1, places * (places - 1))
    per_pair_separate = sum(times) / max(1, searched)
    results: dict[str, Any] = {
        "command": "uv run python benchmarks/skims.py " + " ".join(sys.argv[1:]),
        "generated": datetime.now().isoformat(timespec="seconds"),
        "machine": machine("numba"),
        "zones": len(zones),
        "distinct_places": places,
        "window_days": args.window,
        "metrics": list(METRICS),
        "warmup_s": round(warmup_s, 2),
        "skim_s": round(skim_s, 1),
        "skim_missing_pairs": result.missing,
        "separate_sample": len(pairs),
        "separate_sample_searched": searched,
        "separate_mean_ms": round(1000 * mean_s, 1),
        "separate_median_ms": round(1000 * float(np.median(times)), 1),
        "separate_extrapolated_s": round(separate_s, 0),
        "ratio": round(separate_s / skim_s, 2),
        "per_searched_pair_skim_ms": round(1000 * per_pair_skim, 1),
        "per_searched_pair_separate_ms": round(1000 * per_pair_separate, 1),
        "per_searched_pair_ratio": round(per_pair_separate / per_pair_skim, 2),
        "agreement": f"{agree}/{len(pairs)}",
        "max_abs_difference": worst,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "skims.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    (args.out / "skims.md").write_text(markdown(results), encoding="utf-8")
    if not args.no_readme:
        write_readme_tables("skims", markdown(results))
    print(markdown(results))


def _met(ratio: float) -> str:
    return "met" if ratio >= 20 else "NOT met"


def markdown(r: dict[str, Any]) -> str:
    """The results as a Markdown page; its table goes to the README."""
    m = r["machine"]
    cells = r["zones"] * (r["zones"] - 1)
    return "\n".join(
        [
            "# Skims: the skim path against separate find_routes calls",
            "",
            f"`{r['command']}` ({r['generated']}; {m['cpu']}, {m['cores']} cores; Python {m['python']}, "
            f"numba {m['numba']}). Chongqing, {r['zones']} zones on {r['distinct_places']} terminals, "
            f"1 TEU general cargo ready over {r['window_days']:g} days from 2020-04-06, metrics "
            f"{', '.join(r['metrics'])}; the compiled search in both, loaded first ({r['warmup_s']} s, "
            "not timed).",
            "",
            "| method | cells | wall time s | per searched pair ms | agreement |",
            "|---|---:|---:|---:|---|",
            "| skim (rows shared by zones on one place; one one-to-many search a ready time per origin) | "
            f"{cells:,} | "
            f"{r['skim_s']:,.0f} | {r['per_searched_pair_skim_ms']:,.0f} | reference |",
            f"| separate find_routes calls, {r['separate_sample']} timed, mean x {cells:,} (extrapolated) | "
            f"{cells:,} | {r['separate_extrapolated_s']:,.0f} | {r['per_searched_pair_separate_ms']:,.0f} | "
            f"{r['agreement']} cells equal |",
            "",
            "| ratio (same run) | value |",
            "|---|---:|",
            f"| separate (extrapolated) / skim, whole matrix | {r['ratio']:g} |",
            f"| separate / skim, per searched pair | {r['per_searched_pair_ratio']:g} |",
            "",
            "Target, at least 20x the separate calls: "
            f"whole matrix {_met(r['ratio'])} ({r['ratio']:g}x); per searched pair "
            f"(one call per distinct place pair) {_met(r['per_searched_pair_ratio'])} "
            f"({r['per_searched_pair_ratio']:g}x).",
            "",
        ]
    )


if __name__ == "__main__":
    main()
