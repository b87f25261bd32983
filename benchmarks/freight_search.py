"""The freight Pareto search: the plain reference vs the compiled engine, on the same graphs and queries.

One command runs both engines on the same search graphs, the same random queries and the same machine::

    uv run python benchmarks/freight_search.py                         # 500 Chongqing + 200 + 30 NYC queries
    uv run python benchmarks/freight_search.py --chongqing 50 --nyc 20 --nyc-horizon 5  # quicker

Engines:

- ``reference``: :func:`intermodal.engines.reference.pareto_search`, plain Python;
- ``compiled``: :class:`intermodal.engines.freight.FreightSearch`, the graph flattened once, then a numba
  kernel per query. Compilation is excluded (one warm-up query first, not timed); the one-off flattening is
  reported on its own.

Workloads, each on the graph the planner builds (``intermodal.planners.routing._Network``):

- ``chongqing``: the embedded scenario. One graph per cargo (general, reefer: reefer cargo has other
  terminals and services) over April and May 2020; queries between random terminals, with a random cargo,
  ready at a random time in April 2020, no due time, started and ended as the planner does.
- ``nyc``: tests/data/gtfs/nyc_subway_gtfs.zip imported as a bundle
  (:func:`intermodal.io.gtfs.import_gtfs`), its trips expanded for a weekday morning (Wed 8 Jan 2025,
  05:00-13:00 New York); queries between random stations, ready at a random time between 06:00 and 10:00,
  due 1-2 h later, started in the yard and ended aboard or on foot, as the planner does for a passenger feed.
- ``nyc_horizon``: the same feed and queries without a due time, on the trips of the planner's default
  30-day horizon: what ``intermodal route`` on the feed searches (the ABOARD states number ~300,000).

Agreement is the share of queries whose journeys (criteria and moves) are equal in both engines. Times are
wall-clock per query (median, p95); the ratio is reference over compiled. Results go to
``benchmarks/results/freight_search.json`` and ``benchmarks/results/freight_search.md``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

import intermodal as im
from _common import machine, stats, timed
from intermodal.engines.freight import FreightSearch
from intermodal.engines.reference import ROAD, SearchGraph, pareto_search
from intermodal.exceptions import LimitError
from intermodal.io.gtfs import import_gtfs
from intermodal.planners.places import Place
from intermodal.planners.routing import _Network

RESULTS = Path(__file__).resolve().parent / "results"
FEED = Path(__file__).resolve().parents[1] / "tests/data/gtfs/nyc_subway_gtfs.zip"
NYC_ZONE = ZoneInfo("America/New_York")
NYC_DAY = datetime(2025, 1, 8, tzinfo=NYC_ZONE)
CQ_ZONE = ZoneInfo("Asia/Shanghai")


def _graph(bundle: im.Bundle, shipment: im.Shipment, start_s: int, end_s: int) -> SearchGraph:
    """The planner's search graph for ``shipment`` with the trips under way in ``[start_s, end_s]``."""
    ids = list(bundle.terminals)
    # the places only add nodes when they are coordinates; terminals leave the graph the same for all pairs
    net = _Network(bundle, shipment, Place(ids[0], terminal_id=ids[0]), Place(ids[1], terminal_id=ids[1]))
    net.expand(start_s, end_s)
    return net.graph


def _query(graph: SearchGraph, a: int, b: int, ready_s: int, due_s: int | None) -> dict[str, Any]:
    # as the planner asks: door to door by truck where the terminals take trucks, else yard to aboard
    return {
        "origin": a,
        "destination": b,
        "ready_s": ready_s,
        "due_s": due_s,
        "start_mode": ROAD if graph.truck_ok[a] else None,
        "handle_at_destination": bool(graph.truck_ok[b]),
    }


def run(
    name: str, graphs: dict[str, SearchGraph], queries: list[tuple[str, dict[str, Any]]], max_labels: int
) -> dict[str, Any]:
    """Both engines on every query, in turn; timings, agreement and the one-off costs."""
    flatten_ms: dict[str, float] = {}
    engines: dict[str, FreightSearch] = {}
    for key, graph in graphs.items():
        flatten_ms[key], engines[key] = timed(partial(FreightSearch, graph))
    # the first call loads (or compiles) the kernel: not a query's cost
    key0, q0 = queries[0]
    warmup_ms, _ = _measure(engines[key0].search, q0, max_labels)
    ref_ms: list[float] = []
    fast_ms: list[float] = []
    agree = found = limited = journeys = 0
    for key, q in queries:
        graph, engine = graphs[key], engines[key]
        t_ref, ref = _measure(partial(pareto_search, graph), q, max_labels)
        t_fast, fast = _measure(engine.search, q, max_labels)
        if isinstance(ref, LimitError) or isinstance(fast, LimitError):
            limited += 1
            agree += isinstance(ref, LimitError) and isinstance(fast, LimitError) and str(ref) == str(fast)
            continue
        ref_ms.append(t_ref)
        fast_ms.append(t_fast)
        agree += ref == fast
        found += bool(ref)
        journeys += len(ref)
    r, f = stats(ref_ms), stats(fast_ms)
    g = next(iter(graphs.values()))
    return {
        "name": name,
        "graphs": {
            key: {
                "terminals": gr.n,
                "modes": int(gr.handle_s.shape[1]),
                "services": len(gr.timetable.stops),
                "dated_trips": gr.timetable.n_trips,
                "states": engines[key].n_states,
            }
            for key, gr in graphs.items()
        },
        "queries": len(queries),
        "answered": len(ref_ms),
        "with_journeys": found,
        "journeys": journeys,
        "limit_errors": limited,
        "agreement": agree / len(queries),
        "agree": agree,
        "flatten_ms": flatten_ms,
        "warmup_ms": warmup_ms,
        "reference": r,
        "compiled": f,
        "ratio_median": r["median_ms"] / f["median_ms"] if f else None,
        "ratio_p95": r["p95_ms"] / f["p95_ms"] if f else None,
        "ratio_total": sum(ref_ms) / sum(fast_ms) if fast_ms else None,
        "terminals": g.n,
    }


def _measure(search: Callable[..., Any], q: dict[str, Any], max_labels: int) -> tuple[float, Any]:
    """The wall time of one query in ms, and its journeys or the LimitError it raised."""
    t = time.perf_counter()
    try:
        out = search(**q, max_labels=max_labels)
    except LimitError as e:
        out = e
    return (time.perf_counter() - t) * 1000, out


Workload = tuple[dict[str, SearchGraph], list[tuple[str, dict[str, Any]]], dict[str, Any]]


def chongqing(count: int, rng: np.random.Generator) -> Workload:
    bundle = im.load_scenario("chongqing")
    start = datetime(2020, 4, 1, tzinfo=CQ_ZONE)
    start_s = int(start.timestamp())
    # April's ready times plus the planner's 30-day horizon
    end_s = int((start + timedelta(days=61)).timestamp())
    setup: dict[str, Any] = {}
    graphs = {}
    for cargo in ("general", "reefer"):
        shipment = im.make_shipment(bundle, teu=2, cargo=cargo, ready=start.isoformat())
        setup[f"graph_{cargo}_ms"], graphs[cargo] = timed(partial(_graph, bundle, shipment, start_s, end_s))
    queries = []
    n = len(bundle.terminals)
    for _ in range(count):
        cargo = str(rng.choice(["general", "reefer"]))
        a, b = (int(x) for x in rng.choice(n, size=2, replace=False))
        ready = start_s + int(rng.integers(0, 30 * 86400))
        queries.append((cargo, _query(graphs[cargo], a, b, ready, None)))
    return graphs, queries, setup


def nyc(count: int, rng: np.random.Generator) -> Workload:
    setup: dict[str, Any] = {}
    setup["import_gtfs_ms"], bundle = timed(lambda: import_gtfs(FEED))
    start = NYC_DAY + timedelta(hours=5)
    shipment = im.make_shipment(bundle, teu=1, cargo="general", ready=start.isoformat())
    start_s = int(start.timestamp())
    setup["graph_ms"], graph = timed(lambda: _graph(bundle, shipment, start_s, start_s + 8 * 3600))
    queries = []
    for _ in range(count):
        a, b = (int(x) for x in rng.choice(graph.n, size=2, replace=False))
        ready = start_s + 3600 + int(rng.integers(0, 4 * 3600))
        due = ready + int(rng.integers(3600, 7200 + 1))
        queries.append(("weekday", _query(graph, a, b, ready, due)))
    return {"weekday": graph}, queries, setup


def nyc_horizon(count: int, rng: np.random.Generator) -> Workload:
    setup: dict[str, Any] = {}
    setup["import_gtfs_ms"], bundle = timed(lambda: import_gtfs(FEED))
    start = NYC_DAY + timedelta(hours=5)
    shipment = im.make_shipment(bundle, teu=1, cargo="general", ready=start.isoformat())
    start_s = int(start.timestamp())
    # what a route query without a due time expands: the planner's 30-day horizon
    setup["graph_ms"], graph = timed(lambda: _graph(bundle, shipment, start_s, start_s + 30 * 86400))
    queries = []
    for _ in range(count):
        a, b = (int(x) for x in rng.choice(graph.n, size=2, replace=False))
        ready = start_s + 3600 + int(rng.integers(0, 4 * 3600))
        queries.append(("30 days", _query(graph, a, b, ready, None)))
    return {"30 days": graph}, queries, setup


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--chongqing", type=int, default=500, help="queries on the Chongqing scenario")
    ap.add_argument("--nyc", type=int, default=200, help="queries on the NYC subway feed")
    ap.add_argument(
        "--nyc-horizon", type=int, default=30, help="NYC queries without a due time, on 30 days of trips"
    )
    ap.add_argument("--max-labels", type=int, default=200_000, help="each search's label cap")
    ap.add_argument("--seed", type=int, default=20200403)
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    results: dict[str, Any] = {
        "command": "uv run python benchmarks/freight_search.py " + " ".join(sys.argv[1:]),
        "generated": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine("numba"),
        "workloads": {},
    }
    workloads = (
        ("chongqing", args.chongqing, chongqing),
        ("nyc", args.nyc, nyc),
        ("nyc_horizon", args.nyc_horizon, nyc_horizon),
    )
    for name, count, make in workloads:
        if count <= 0:
            continue
        print(f"{name}: building the graph and {count} queries", flush=True)
        graphs, queries, setup = make(count, rng)
        r = run(name, graphs, queries, args.max_labels)
        r["setup_ms"] = setup
        results["workloads"][name] = r
        ref, fast = r["reference"], r["compiled"]
        print(
            f"  reference median {ref['median_ms']:.2f} ms, p95 {ref['p95_ms']:.2f} ms; compiled median "
            f"{fast['median_ms']:.3f} ms, p95 {fast['p95_ms']:.3f} ms; ratio {r['ratio_median']:.0f}x; "
            f"agreement {r['agree']}/{r['queries']}",
            flush=True,
        )
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "freight_search.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    (args.out / "freight_search.md").write_text(markdown(results), encoding="utf-8")
    print(f"wrote {args.out / 'freight_search.md'}")


def markdown(results: dict[str, Any]) -> str:
    """The results as a Markdown page."""
    m = results["machine"]
    lines = [
        "# Freight search benchmark: the plain reference vs the compiled engine",
        "",
        f"`{results['command']}` ({results['generated']}; {m['cpu']}, {m['cores']} cores; Python "
        f"{m['python']}, numba {m['numba']})",
        "",
        "Both engines answer the same queries on the same planner graph, one after the other. The compiled "
        "engine's times exclude its one-off costs: flattening the graph (once per graph) and loading the "
        "kernel (the warm-up query). Agreement: the journeys, moves included, are equal.",
        "",
        "| workload | queries | engine | median ms | p95 ms | mean ms | reference / compiled | agreement |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, r in results["workloads"].items():
        ref, fast = r["reference"], r["compiled"]
        lines.append(
            f"| {name} | {r['answered']} | reference (Python) | {ref['median_ms']:.2f} | {ref['p95_ms']:.2f} "
            f"| {ref['mean_ms']:.2f} | | |"
        )
        lines.append(
            f"| {name} | {r['answered']} | compiled (numba) | {fast['median_ms']:.3f} | {fast['p95_ms']:.3f} "
            f"| {fast['mean_ms']:.3f} | {r['ratio_median']:.0f}x median, {r['ratio_p95']:.0f}x p95 "
            f"| {r['agree']}/{r['queries']} |"
        )
    lines += ["", "## Workloads", ""]
    for name, r in results["workloads"].items():
        graphs = "; ".join(
            f"{key}: {g['terminals']} terminals, {g['modes']} modes, {g['services']} services, "
            f"{g['dated_trips']} dated trips, {g['states']:,} search states"
            for key, g in r["graphs"].items()
        )
        flat = ", ".join(f"{key} {ms:.0f} ms" for key, ms in r["flatten_ms"].items())
        setup = ", ".join(
            f"{k.removesuffix('_ms').replace('_', ' ')} {v:.0f} ms" for k, v in r["setup_ms"].items()
        )
        lines += [
            f"- **{name}**: {graphs}. {r['with_journeys']} of {r['answered']} queries found journeys "
            f"({r['journeys']} in all); {r['limit_errors']} hit the label cap. One-off: flattening {flat}; "
            f"first compiled query (it loads the kernel in the first workload) {r['warmup_ms']:.0f} ms; "
            f"{setup}.",
        ]
    lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
