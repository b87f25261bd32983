"""Timetable queries on the NYC subway feed: intermodal vs the time-expanded scipy oracle vs pyraptor.

One command runs every method on the same timetable, the same random queries and the same machine::

    uv run --group bench python benchmarks/timetable.py    # 1,000 EA + 500 Pareto queries
    uv run --group bench python benchmarks/timetable.py --queries 100 --pareto 50 --pyraptor 5

pyraptor 1.3.10 imports ``attr`` without declaring ``attrs``, so the ``bench`` group installs attrs; without
it the pyraptor rows say why they are empty.

The feed (tests/data/gtfs/nyc_subway_gtfs.zip, routes 1 and 2) is imported with
:func:`intermodal.io.gtfs.import_gtfs` and expanded for one weekday (Wed 8 Jan 2025, trips past midnight
included). Queries leave a random station at a random time between 05:00 and 23:00 for a random station.

Methods:

- ``intermodal``: the compiled connection scan (:mod:`intermodal.engines.csa`), one-to-one (it stops once
  the target is settled) and one-to-all; the Pareto search over (arrival, trips)
  (:mod:`intermodal.engines.pareto`).
- ``oracle``: :mod:`intermodal.engines.time_expanded`, scipy's Dijkstra on the time-expanded graph
  (one-to-all; for Pareto, on a graph layered by trips).
- ``pyraptor`` (PyPI, pure Python): its GTFS reader is tried on the feed as it stands and the error recorded;
  its RAPTOR and McRAPTOR then run on a timetable built from the same dated trips through its own data
  structures. pyraptor knows no per-station change time, so its answers are checked against intermodal run
  with change times of zero; its timings cover ``--pyraptor`` of the queries (it is slow).

Agreement is the share of queries whose arrival (or Pareto set) equals the reference. Results go to
``benchmarks/results/timetable.json`` and ``benchmarks/results/timetable.md``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import sys
import tempfile
import zipfile
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from _common import machine, stats, timed
from intermodal.engines.csa import INF, earliest_arrival
from intermodal.engines.pareto import pareto_transfers
from intermodal.engines.time_expanded import build_time_expanded, earliest_arrival_te, pareto_transfers_te
from intermodal.io.gtfs import import_gtfs
from intermodal.network.connections import Connections, compile_connections

RESULTS = Path(__file__).resolve().parent / "results"
FEED = Path(__file__).resolve().parents[1] / "tests/data/gtfs/nyc_subway_gtfs.zip"
DAY = datetime(2025, 1, 8, tzinfo=ZoneInfo("America/New_York"))
MAX_TRIPS = 5
# Published London figures (20k stops, 5M departures), other machines: Delling et al. 2012 (RAPTOR,
# McRAPTOR), Dibbelt et al. 2013 (CSA).
PUBLISHED = {"CSA": 1.8, "RAPTOR": 7.3, "McRAPTOR": 107.0}


def try_pyraptor_reader() -> str:
    """Run pyraptor's own GTFS reader on the feed as it stands; the error it raises, or ``"ok"``."""
    with tempfile.TemporaryDirectory() as tmp:
        zipfile.ZipFile(FEED).extractall(tmp)
        try:
            # pandas comes in through this import; pyraptor pins pandas < 2, built for numpy 1
            from pyraptor.gtfs.timetable import gtfs_to_pyraptor_timetable, read_gtfs_timetable

            gtfs = read_gtfs_timetable(tmp, DAY.strftime("%Y%m%d"), ["MTA New York City Transit"])
            gtfs_to_pyraptor_timetable(gtfs)
        except Exception as err:  # the point is to record whatever it raises
            return f"{type(err).__name__}: {err}"
    return "ok"


def pyraptor_timetable(c: Connections) -> tuple[Any, list[Any]]:
    """The same dated trips as pyraptor structures: one station with one stop per intermodal stop."""
    from pyraptor.model.structures import (
        Routes,
        Station,
        Stations,
        Stop,
        Stops,
        Timetable,
        Transfers,
        Trip,
        Trips,
        TripStopTime,
        TripStopTimes,
    )

    stations, stops = Stations(), Stops()
    by_index = []
    for sid in c.stop_ids:
        station = stations.add(Station(sid, sid))
        stop = Stop(sid, sid, station, "1")
        station.add_stop(stop)
        by_index.append(stops.add(stop))
    tt = c.timetable
    trips, times, routes = Trips(), TripStopTimes(), Routes()
    for i in range(tt.n_trips):
        s = int(tt.trip_service[i])
        start = int(tt.trip_start[i])
        trip = Trip()
        for k, stop_index in enumerate(tt.stops[s].tolist()):
            st = TripStopTime(
                trip,
                k,
                by_index[stop_index],
                start + int(tt.arrive_s[s][k]),
                start + int(tt.depart_s[s][k]),
                0,
            )
            times.add(st)
            trip.add_stop_time(st)
        trips.add(trip)
        routes.add(trip)
    return (
        Timetable(
            stations=stations, stops=stops, trips=trips, trip_stop_times=times, routes=routes,
            transfers=Transfers(),
        ),
        by_index,
    )  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--queries", type=int, default=1000, help="earliest-arrival queries")
    ap.add_argument("--pareto", type=int, default=500, help="Pareto queries")
    ap.add_argument("--pyraptor", type=int, default=-1, help="queries of each kind pyraptor runs (-1: all)")
    ap.add_argument("--seed", type=int, default=20250108)
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args()

    setup: dict[str, float] = {}
    setup["import_gtfs_ms"], bundle = timed(lambda: import_gtfs(FEED))
    setup["compile_connections_ms"], c = timed(
        lambda: compile_connections(bundle, start=DAY, end=DAY + timedelta(days=1))
    )
    setup["oracle_graph_ms"], graph = timed(lambda: build_time_expanded(c))
    setup["oracle_layered_graph_ms"], layered = timed(lambda: build_time_expanded(c, layers=MAX_TRIPS + 1))
    rng = np.random.default_rng(args.seed)
    day0 = int(DAY.timestamp())

    def draw(n: int) -> list[tuple[int, int, int]]:
        out: list[tuple[int, int, int]] = []
        while len(out) < n:
            o, d = (int(x) for x in rng.integers(c.n_stops, size=2))
            if o != d:
                out.append((o, d, day0 + int(rng.integers(5 * 3600, 23 * 3600))))
        return out

    ea_queries, pareto_queries = draw(args.queries), draw(args.pareto)
    # compile the kernels (numba caches them on disk) before timing anything
    earliest_arrival(c, 0, day0, target=1)
    pareto_transfers(c, 0, day0, target=1, max_trips=MAX_TRIPS)

    times: dict[str, list[float]] = {k: [] for k in ("ea_one", "ea_all", "oracle", "pareto", "oracle_pareto")}
    agree = {"ea_one": 0, "ea_all": 0, "pareto": 0}
    for o, d, t0 in ea_queries:
        ms_ref, ref = timed(partial(earliest_arrival_te, graph, c, o, t0))
        ms_one, one = timed(partial(earliest_arrival, c, o, t0, target=d))
        ms_all, full = timed(partial(earliest_arrival, c, o, t0))
        times["oracle"].append(ms_ref)
        times["ea_one"].append(ms_one)
        times["ea_all"].append(ms_all)
        agree["ea_one"] += int(one.arrival_s[d] == ref[d])
        agree["ea_all"] += int(np.array_equal(np.minimum(full.arrival_s, INF), np.minimum(ref, INF)))
    for o, d, t0 in pareto_queries:
        ms_ref, want = timed(partial(pareto_transfers_te, layered, c, o, t0, d))
        ms_p, got = timed(partial(pareto_transfers, c, o, t0, target=d, max_trips=MAX_TRIPS))
        times["oracle_pareto"].append(ms_ref)
        times["pareto"].append(ms_p)
        agree["pareto"] += int(got.front(d) == want)

    n_py = None if args.pyraptor < 0 else args.pyraptor
    pyr = run_pyraptor(c, ea_queries[:n_py], pareto_queries[:n_py])
    report = {
        "generated": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(["uv run --group bench python benchmarks/timetable.py", *sys.argv[1:]]),
        "machine": machine("scipy", "numba"),
        "feed": {
            "file": FEED.name,
            "day": DAY.date().isoformat(),
            "stops": c.n_stops,
            "dated_trips": c.n_trips,
            "connections": c.n_connections,
            "oracle_nodes": graph.graph.shape[0],
            "oracle_edges": int(graph.graph.nnz),
        },
        "setup_ms": setup,
        "earliest_arrival": {
            "queries": len(ea_queries),
            "intermodal_one_to_one": stats(times["ea_one"]),
            "intermodal_one_to_all": stats(times["ea_all"]),
            "oracle_one_to_all": stats(times["oracle"]),
            "agreement_one_to_one": agree["ea_one"] / len(ea_queries),
            "agreement_one_to_all": agree["ea_all"] / len(ea_queries),
            "speedup_median_one_to_one": statistics.median(times["oracle"])
            / statistics.median(times["ea_one"]),
            "speedup_median_one_to_all": statistics.median(times["oracle"])
            / statistics.median(times["ea_all"]),
        },
        "pareto": {
            "queries": len(pareto_queries),
            "max_trips": MAX_TRIPS,
            "criteria": "arrival time, number of trips",
            "intermodal": stats(times["pareto"]),
            "oracle_layered": stats(times["oracle_pareto"]),
            "agreement": agree["pareto"] / len(pareto_queries),
            "pareto_over_earliest_arrival_median": statistics.median(times["pareto"])
            / statistics.median(times["ea_one"]),
            "pareto_over_earliest_arrival_p95": float(
                np.percentile(times["pareto"], 95) / np.percentile(times["ea_one"], 95)
            ),
        },
        "pyraptor": pyr,
        "published_london_ms": PUBLISHED,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "timetable.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    (args.out / "timetable.md").write_text(markdown(report), encoding="utf-8")
    print(markdown(report))


def run_pyraptor(
    c: Connections, ea_queries: list[tuple[int, int, int]], pareto_queries: list[tuple[int, int, int]]
) -> dict[str, Any]:
    """pyraptor's RAPTOR and McRAPTOR on the same trips, checked against intermodal with zero change times."""
    out: dict[str, Any] = {"reader_on_feed": try_pyraptor_reader(), "raptor": {}, "mcraptor": {}}
    try:
        from loguru import logger
        from pyraptor.model.mcraptor import McRaptorAlgorithm
        from pyraptor.model.raptor import RaptorAlgorithm
    except ImportError as err:
        out["note"] = (
            f"pyraptor's algorithms cannot be imported ({type(err).__name__}: {err}); pyraptor 1.3.10 "
            "imports attr without declaring attrs, which the bench group installs: `uv run --group bench`"
        )
        return out
    logger.disable("pyraptor")
    ms, (tt, stops) = timed(lambda: pyraptor_timetable(c))
    out["build_ms"] = ms
    zero = dataclasses.replace(c, change_s=np.zeros_like(c.change_s))
    ea_ms, ea_ok = [], 0
    for o, d, t0 in ea_queries:
        ms, bags = timed(partial(RaptorAlgorithm(tt).run, [stops[o]], t0, MAX_TRIPS))
        # the best over all rounds: pyraptor leaves the rounds after its last active one empty
        got = min(bags[k][stops[d]].earliest_arrival_time for k in bags)
        want = int(earliest_arrival(zero, o, t0, target=d).arrival_s[d])
        ea_ms.append(ms)
        ea_ok += int(got == want or (got >= 2147483647 and want >= INF))
    mc_ms, mc_ok = [], 0
    for o, d, t0 in pareto_queries:
        ms, (bags, _) = timed(partial(McRaptorAlgorithm(tt).run, [stops[o]], t0, MAX_TRIPS))
        labels = sorted(
            {(lb.n_trips, lb.earliest_arrival_time) for k in bags for lb in bags[k][stops[d]].labels}
        )
        front: list[tuple[int, int]] = []
        for k, t in labels:
            if not front or t < front[-1][1]:
                front.append((k, t))
        want_front = pareto_transfers(zero, o, t0, target=d, max_trips=MAX_TRIPS).front(d)
        mc_ms.append(ms)
        mc_ok += int(front == want_front)
    out["raptor"] = stats(ea_ms) | {"agreement": ea_ok / max(1, len(ea_queries))}
    out["mcraptor"] = stats(mc_ms) | {"agreement": mc_ok / max(1, len(pareto_queries))}
    out["note"] = "see PYRAPTOR_NOTE in benchmarks/timetable.py"
    return out


PYRAPTOR_NOTE = (
    "pyraptor 1.3.10: its GTFS reader fails on the feed as it stands ({reader}): it pins pandas < 2, "
    "whose build does not load with numpy 2; and by its code it is written for the Dutch NS feed: it "
    "selects trip_short_name, stop_code and platform_code, which this feed lacks, and reads service days "
    "from calendar_dates.txt only, while this feed keeps its weekly pattern in calendar.txt. Its RAPTOR "
    "and McRAPTOR (which import attr without declaring attrs; the bench group installs it) ran on the same "
    "dated trips built through its own data structures (one stop per station, no change time), on {n_ea} EA "
    "and {n_mc} Pareto queries (the first of the queries above), checked against intermodal with change "
    "times of zero. Its arrival is the best over all its rounds: it leaves the rounds after its last "
    "active one empty."
)
LONDON_NOTE = (
    "Published figures for London (20k stops, 5M departures; Delling et al. 2012, Dibbelt et al. 2013), "
    "measured on other machines and on a network far larger than these two lines, for scale only: {figures}."
)


def markdown(r: dict[str, Any]) -> str:
    """The results as a Markdown page."""
    ea, pa, py, f, m = r["earliest_arrival"], r["pareto"], r["pyraptor"], r["feed"], r["machine"]

    def row(name: str, s: dict[str, float], agreement: str, ratio: str = "") -> str:
        if not s:
            return f"| {name} | - | - | - | {agreement} | {ratio} |"
        return f"| {name} | {s['n']} | {s['median_ms']:.3f} | {s['p95_ms']:.3f} | {agreement} | {ratio} |"

    def share(d: dict[str, Any], key: str = "agreement", mark: str = "") -> str:
        return f"{d[key]:.1%}{mark}" if key in d else "not run"

    oracle = ea["oracle_one_to_all"]["median_ms"]
    one = ea["intermodal_one_to_one"]["median_ms"]
    py_ea, py_mc = py.get("raptor", {}), py.get("mcraptor", {})
    setup = ", ".join(
        f"{k.removesuffix('_ms').replace('_', ' ')} {v:.0f} ms" for k, v in r["setup_ms"].items()
    )
    lines = [
        "# Timetable benchmark: NYC subway (routes 1 and 2)",
        "",
        f"`{r['command']}` ({r['generated']}; {m['cpu']}, {m['cores']} cores; Python {m['python']}, "
        f"numba {m['numba']}, scipy {m['scipy']})",
        "",
        f"{f['file']}, {f['day']}: {f['stops']} stations, {f['dated_trips']} dated trips, "
        f"{f['connections']} connections; oracle graph {f['oracle_nodes']} nodes, {f['oracle_edges']} edges.",
        "",
        "## Earliest arrival",
        "",
        "| method | queries | median ms | p95 ms | agreement | oracle median / method median |",
        "|---|---|---|---|---|---|",
        row(
            "intermodal CSA one-to-one (numba)",
            ea["intermodal_one_to_one"],
            share(ea, "agreement_one_to_one"),
            f"{ea['speedup_median_one_to_one']:.0f}x",
        ),
        row(
            "intermodal CSA one-to-all (numba)",
            ea["intermodal_one_to_all"],
            share(ea, "agreement_one_to_all") + " (all stops)",
            f"{ea['speedup_median_one_to_all']:.0f}x",
        ),
        row("time-expanded graph + scipy Dijkstra (oracle)", ea["oracle_one_to_all"], "reference", "1x"),
        row(
            "pyraptor RAPTOR (pure Python)",
            py_ea,
            share(py_ea, mark="*"),
            f"{oracle / py_ea['median_ms']:.2f}x" if py_ea else "",
        ),
        "",
        f"## Pareto: {pa['criteria']}, up to {pa['max_trips']} trips",
        "",
        "| method | queries | median ms | p95 ms | agreement | method median / intermodal EA one-to-one |",
        "|---|---|---|---|---|---|",
        row(
            "intermodal Pareto CSA (numba)",
            pa["intermodal"],
            share(pa),
            f"{pa['pareto_over_earliest_arrival_median']:.1f}x (p95: "
            f"{pa['pareto_over_earliest_arrival_p95']:.1f}x)",
        ),
        row(
            "layered time-expanded graph + scipy Dijkstra (oracle)",
            pa["oracle_layered"],
            "reference",
            f"{pa['oracle_layered']['median_ms'] / one:.0f}x",
        ),
        row(
            "pyraptor McRAPTOR (pure Python)",
            py_mc,
            share(py_mc, mark="*"),
            f"{py_mc['median_ms'] / one:.0f}x" if py_mc else "",
        ),
        "",
        "\\* "
        + PYRAPTOR_NOTE.format(
            reader=f"`{py['reader_on_feed']}`", n_ea=py_ea.get("n", 0), n_mc=py_mc.get("n", 0)
        )
        + (f" {py['note']}" if "cannot be imported" in py.get("note", "") else ""),
        "",
        LONDON_NOTE.format(figures=", ".join(f"{k} {v:g} ms" for k, v in r["published_london_ms"].items())),
        "",
        f"Setup: {setup}.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
