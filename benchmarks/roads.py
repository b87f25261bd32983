"""Shortest paths on the world road, rail and sea graphs: intermodal vs scgraph, scipy, igraph and networkx.

One command runs every method on the same graph, the same random node pairs and the same machine::

    uv run --group bench python benchmarks/roads.py                    # rail, sea, then road (~15 min)
    uv run --group bench python benchmarks/roads.py --graphs rail,sea  # the quick part

Each method runs in its own child process, so its peak RSS (``ru_maxrss``) is its own: the graph arrays loaded
from intermodal's cache, plus whatever the method builds. Workloads, all on nodes of the largest component:

- ``preprocessing``: building the method's search structure (the CH for intermodal and scgraph; the library's
  graph object for the others);
- ``p2p``: point-to-point queries returning the path (``--pairs``, networkx on ``--nx-pairs`` of them);
- ``one_to_all``: distances from one node to every node (``--one-to-all`` sources);
- ``table``: a ``--table`` x ``--table`` distance matrix, for methods with a many-to-many call.

Every method's distances are compared with scipy's (relative 1e-9). Results go to
``benchmarks/results/roads.json``
(one record per graph, method and workload) and ``benchmarks/results/roads.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from intermodal.network.graph import Graph
from intermodal.services.world import load_world_layer

RESULTS = Path(__file__).resolve().parent / "results"
METHODS = ["scipy", "intermodal", "scgraph-ch", "scgraph-dijkstra", "igraph", "networkx"]
LABELS = {
    "intermodal": "intermodal CH (numba)",
    "scgraph-ch": "scgraph CH (C++)",
    "scgraph-dijkstra": "scgraph Dijkstra (C++)",
    "scipy": "scipy.sparse.csgraph Dijkstra",
    "igraph": "igraph Dijkstra",
    "networkx": "networkx bidirectional Dijkstra",
}
RTOL = 1e-9


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def _timed_each(
    fn: Callable[[int, int], float], s: np.ndarray, t: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Run ``fn`` on each pair; return distances and per-call seconds."""
    d = np.empty(len(s))
    secs = np.empty(len(s))
    for i, (a, b) in enumerate(zip(s.tolist(), t.tolist(), strict=True)):
        t0 = time.perf_counter()
        d[i] = fn(a, b)
        secs[i] = time.perf_counter() - t0
    return d, secs


def _timed_rows(
    fn: Callable[[int], Any], sources: np.ndarray, convert: Callable[[Any], np.ndarray] = np.asarray
) -> tuple[np.ndarray, list[float]]:
    """Run a one-to-all ``fn`` per source; return the first source's row (for agreement) and the seconds."""
    secs, first = [], None
    for x in sources.tolist():
        t0 = time.perf_counter()
        row = fn(x)
        secs.append(time.perf_counter() - t0)
        if first is None:
            first = convert(row)
    assert first is not None
    return first, secs


def _adjacency(graph: Graph) -> list[dict[int, float]]:
    """scgraph's input: one dict per node, neighbour -> km (the shortest of parallel edges)."""
    adj: list[dict[int, float]] = [{} for _ in range(graph.n_nodes)]
    for a, b, w in zip(
        graph.sources.tolist(), graph.indices.tolist(), graph.weights_km.tolist(), strict=True
    ):
        if w < adj[a].get(b, float("inf")):
            adj[a][b] = w
    return adj


def _undirected_edges(graph: Graph) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    keep = graph.sources < graph.indices
    return graph.sources[keep], graph.indices[keep], graph.weights_km[keep]


def worker(method: str, layer: str, workload: Path, out: Path) -> None:
    """Run one method on one graph (in a child process) and save what it measured."""
    wl = np.load(workload)
    s, t, o2a, tab_s, tab_t = wl["s"], wl["t"], wl["one_to_all"], wl["table_s"], wl["table_t"]
    nx_pairs = int(wl["nx_pairs"])
    graph = load_world_layer(layer)  # type: ignore[arg-type]
    res: dict[str, Any] = {}
    arrays: dict[str, np.ndarray] = {}

    if method == "intermodal":
        from intermodal.engines import ch as chm
        from intermodal.network.graph import graph_from_edges

        # Compile (or load from numba's cache) on a toy graph: JIT time is not preprocessing.
        toy = graph_from_edges(
            np.array([0, 1]), np.array([1, 2]), np.ones(2), lat=np.zeros(3), lon=np.zeros(3)
        )
        tch = chm.build_ch(toy)
        chm.route(tch, 0, 2), chm.table(tch, np.array([0]), np.array([2])), chm.one_to_all(tch, 0)
        t0 = time.perf_counter()
        ch = chm.build_ch(graph)
        res["preprocessing_s"] = time.perf_counter() - t0
        res["shortcuts"] = ch.n_shortcuts
        d, secs = _timed_each(lambda a, b: chm.route(ch, a, b).distance_km, s, t)
        arrays["p2p"], res["p2p_s"] = d, secs.tolist()
        # The same queries without unpacking the path (what a table or a cost estimate needs).
        d, secs = _timed_each(lambda a, b: chm.distance(ch, a, b), s, t)
        arrays["p2p_distance"], res["p2p_distance_s"] = d, secs.tolist()
        arrays["one_to_all"], res["one_to_all_s"] = _timed_rows(lambda x: chm.one_to_all(ch, x), o2a)
        t0 = time.perf_counter()
        arrays["table"] = chm.table(ch, tab_s, tab_t)
        res["table_s"] = time.perf_counter() - t0

    elif method in ("scgraph-ch", "scgraph-dijkstra"):
        import scgraph

        adj = _adjacency(graph)
        t0 = time.perf_counter()
        g = scgraph.Graph(adj)
        res["graph_build_s"] = time.perf_counter() - t0
        del adj
        if method == "scgraph-ch":
            t0 = time.perf_counter()
            g.create_contraction_hierarchy()
            res["preprocessing_s"] = time.perf_counter() - t0
            d, secs = _timed_each(lambda a, b: g.contraction_hierarchy(a, b)["length"], s, t)
        else:
            res["preprocessing_s"] = res["graph_build_s"]
            d, secs = _timed_each(lambda a, b: g.dijkstra(a, b)["length"], s, t)
            arrays["one_to_all"], res["one_to_all_s"] = _timed_rows(
                g.get_shortest_path_tree, o2a, lambda r: np.array(r["distance_matrix"], dtype=float)
            )
        arrays["p2p"], res["p2p_s"] = d, secs.tolist()

    elif method == "scipy":
        from scipy.sparse.csgraph import dijkstra

        from intermodal.engines.dijkstra import reference_matrix

        t0 = time.perf_counter()
        m = reference_matrix(graph)
        res["preprocessing_s"] = time.perf_counter() - t0
        # csgraph has no target: a point-to-point query is a full single-source search.
        d, secs = _timed_each(lambda a, b: float(dijkstra(m, indices=a)[b]), s, t)
        arrays["p2p"], res["p2p_s"] = d, secs.tolist()
        arrays["one_to_all"], res["one_to_all_s"] = _timed_rows(lambda x: dijkstra(m, indices=x), o2a)
        t0 = time.perf_counter()
        # In blocks of sources: a full 1000-row result on world_highways would need 4.5 GB.
        arrays["table"] = np.vstack(
            [dijkstra(m, indices=tab_s[i : i + 100])[:, tab_t] for i in range(0, len(tab_s), 100)]
        )
        res["table_s"] = time.perf_counter() - t0

    elif method == "igraph":
        import igraph as ig

        u, v, w = _undirected_edges(graph)
        t0 = time.perf_counter()
        g = ig.Graph(n=graph.n_nodes, edges=np.column_stack([u, v]).tolist(), directed=False)
        g.es["weight"] = w.tolist()
        res["preprocessing_s"] = time.perf_counter() - t0
        d, secs = _timed_each(lambda a, b: g.distances(source=[a], target=[b], weights="weight")[0][0], s, t)
        arrays["p2p"], res["p2p_s"] = d, secs.tolist()
        arrays["one_to_all"], res["one_to_all_s"] = _timed_rows(
            lambda x: g.distances(source=[x], weights="weight"), o2a, lambda r: np.array(r[0])
        )
        t0 = time.perf_counter()
        # igraph refuses repeated targets: ask for the distinct ones and expand.
        uniq, back = np.unique(tab_t, return_inverse=True)
        arrays["table"] = np.array(
            g.distances(source=tab_s.tolist(), target=uniq.tolist(), weights="weight")
        )[:, back]
        res["table_s"] = time.perf_counter() - t0

    elif method == "networkx":
        import networkx as nx

        u, v, w = _undirected_edges(graph)
        t0 = time.perf_counter()
        g = nx.Graph()
        g.add_nodes_from(range(graph.n_nodes))
        g.add_weighted_edges_from(zip(u.tolist(), v.tolist(), w.tolist(), strict=True))
        res["preprocessing_s"] = time.perf_counter() - t0
        d, secs = _timed_each(
            lambda a, b: nx.bidirectional_dijkstra(g, a, b, weight="weight")[0], s[:nx_pairs], t[:nx_pairs]
        )
        arrays["p2p"], res["p2p_s"] = d, secs.tolist()

        def as_row(lengths: dict[int, float]) -> np.ndarray:
            row = np.full(graph.n_nodes, np.inf)
            row[list(lengths)] = list(lengths.values())
            return row

        arrays["one_to_all"], res["one_to_all_s"] = _timed_rows(
            lambda x: nx.single_source_dijkstra_path_length(g, x, weight="weight"), o2a[:2], as_row
        )
    else:
        raise SystemExit(f"unknown method {method}")

    res["peak_rss_mb"] = _peak_rss_mb()
    np.savez(out.with_suffix(".npz"), **arrays)
    out.write_text(json.dumps(res))


def _agreement(mine: np.ndarray | None, ref: np.ndarray | None) -> dict[str, Any] | None:
    if mine is None or ref is None:
        return None
    ref = ref[: mine.shape[0]] if mine.ndim == 1 else ref
    both_inf = np.isinf(mine) & np.isinf(ref)
    with np.errstate(invalid="ignore", divide="ignore"):
        rel = np.where(both_inf, 0.0, np.abs(mine - ref) / np.maximum(np.abs(ref), 1e-300))
    rel = np.where(both_inf | (mine == ref), 0.0, rel)
    return {
        "compared": int(mine.size),
        "max_rel_err": float(np.nanmax(rel)) if rel.size else 0.0,
        "mismatches": int(np.count_nonzero(~(rel <= RTOL))),
    }


def _run_worker(
    method: str, layer: str, workload: Path, tmp: Path
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    out = tmp / f"{layer}-{method}.json"
    cmd = [sys.executable, __file__, "--worker", method, "--graphs", layer, "--workload", str(workload)]
    cmd += ["--result", str(out)]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        print(proc.stderr[-3000:], file=sys.stderr)
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed"}, {}
    res = json.loads(out.read_text())
    res["wall_s"] = wall
    with np.load(out.with_suffix(".npz")) as z:
        arrays = {k: z[k] for k in z.files}
    return res, arrays


def _records(
    layer: str, method: str, res: dict[str, Any], arrays: dict[str, np.ndarray], ref: dict[str, np.ndarray]
):  # type: ignore[no-untyped-def]
    base = {"graph": layer, "method": method, "label": LABELS[method], "peak_rss_mb": res.get("peak_rss_mb")}
    if "error" in res:
        return [{**base, "workload": "all", "error": res["error"]}]
    out = [
        {
            **base,
            "workload": "preprocessing",
            "seconds": res["preprocessing_s"],
            **({"shortcuts": res["shortcuts"]} if "shortcuts" in res else {}),
        }
    ]
    for wl in ("p2p", "p2p_distance", "one_to_all"):
        key = f"{wl}_s"
        if key in res:
            ms = np.array(res[key]) * 1e3
            out.append({
                **base, "workload": wl, "n": int(ms.size), "median_ms": float(np.median(ms)),
                "p95_ms": float(np.percentile(ms, 95)), "mean_ms": float(ms.mean()),
                "agreement": _agreement(arrays.get(wl), ref.get("p2p" if wl == "p2p_distance" else wl)),
            })  # fmt: skip
    if "table_s" in res:
        out.append({
            **base, "workload": "table", "n": int(arrays["table"].size), "seconds": res["table_s"],
            "agreement": _agreement(arrays["table"], ref.get("table")),
        })  # fmt: skip
    return out


def _fmt(x: float | None, digits: int = 3) -> str:
    if x is None:
        return "–"
    if x >= 100:
        return f"{x:,.0f}"
    return f"{x:.{digits}g}"


def markdown(records: list[dict[str, Any]], meta: dict[str, Any]) -> str:
    lines = [
        "# Shortest paths on the world graphs: intermodal and its peers, one run",
        "",
        f"Command: `{meta['command']}`  ",
        f"Machine: {meta['machine']}; {meta['when']}; intermodal at commit {meta.get('commit') or '?'}.",
        "Each method runs in its own process; peak RSS is that process's.",
        f"Pairs: {meta['pairs']} random node pairs in the largest component (networkx: the first "
        f"{meta['nx_pairs']}); one-to-all: {meta['one_to_all']} sources (networkx: 2); "
        f"table: {meta['table']} x {meta['table']}. Agreement: all distances against scipy, relative 1e-9.",
        "Road and rail data © OpenStreetMap contributors (scgraph_data); sea: searoute's marnet.",
        "",
    ]
    for layer in meta["graph_sizes"]:
        g = meta["graph_sizes"][layer]
        lines += [
            f"## {layer} ({g['nodes']:,} nodes, {g['edges']:,} edges; largest component {g['largest']:,})",
            "",
            "| method | preprocessing s | p2p median ms | p2p p95 ms | one-to-all median ms | table s "
            "| peak RSS MB "
            "| agreement |",
            "|---|---:|---:|---:|---:|---:|---:|---|",
        ]
        for method in METHODS:
            rs = {r["workload"]: r for r in records if r["graph"] == layer and r["method"] == method}
            if not rs:
                continue
            if "all" in rs:
                lines.append(f"| {LABELS[method]} | failed: {rs['all']['error'][:80]} | | | | | | |")
                continue
            agree = [r["agreement"] for r in rs.values() if r.get("agreement")]
            n = sum(a["compared"] for a in agree)
            bad = sum(a["mismatches"] for a in agree)
            worst = max((a["max_rel_err"] for a in agree), default=0.0)
            agree_txt = "reference" if method == "scipy" else (f"{n - bad:,}/{n:,} (max rel {worst:.0e})")
            p2p, o2a, tab = rs.get("p2p"), rs.get("one_to_all"), rs.get("table")
            lines.append(
                f"| {LABELS[method]} | {_fmt(rs['preprocessing']['seconds'])} | "
                f"{_fmt(p2p and p2p['median_ms'])} | {_fmt(p2p and p2p['p95_ms'])} | "
                f"{_fmt(o2a and o2a['median_ms'])} | {_fmt(tab and tab['seconds'])} | "
                f"{_fmt(rs['preprocessing']['peak_rss_mb'])} | {agree_txt} |"
            )
            if method == "intermodal" and "p2p_distance" in rs:
                q = rs["p2p_distance"]
                lines.append(
                    f"| intermodal CH, distance only (no path) | | {_fmt(q['median_ms'])} "
                    f"| {_fmt(q['p95_ms'])} | | | | |"
                )
        lines += ["", *_ratios(records, layer), ""]
    return "\n".join(lines)


def _get(records: list[dict[str, Any]], layer: str, method: str, workload: str, field: str) -> float | None:
    for r in records:
        if (r["graph"], r["method"], r["workload"]) == (layer, method, workload):
            v = r.get(field)
            return float(v) if v is not None else None
    return None


def _ratios(records: list[dict[str, Any]], layer: str) -> list[str]:
    """The issue's targets as ratios measured in this run."""
    pairs = [
        ("p2p median, intermodal / scgraph CH", ("p2p", "median_ms"), "scgraph-ch", ("p2p", "median_ms")),
        (
            "preprocessing, intermodal / scgraph CH",
            ("preprocessing", "seconds"),
            "scgraph-ch",
            ("preprocessing", "seconds"),
        ),
        ("table, intermodal / scipy", ("table", "seconds"), "scipy", ("table", "seconds")),
        (
            "peak RSS, intermodal / scgraph CH",
            ("preprocessing", "peak_rss_mb"),
            "scgraph-ch",
            ("preprocessing", "peak_rss_mb"),
        ),
    ]
    out = ["| ratio (same run) | value |", "|---|---:|"]
    for label, (w1, f1), other, (w2, f2) in pairs:
        a = _get(records, layer, "intermodal", w1, f1)
        b = _get(records, layer, other, w2, f2)
        out.append(f"| {label} | {a / b:.3g} |" if a is not None and b else f"| {label} | – |")
    return out


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--graphs", default="rail,sea,road", help="comma list of rail, sea, road")
    p.add_argument("--methods", default=",".join(METHODS))
    p.add_argument("--pairs", type=int, default=200)
    p.add_argument("--nx-pairs", type=int, default=10)
    p.add_argument("--one-to-all", type=int, default=10)
    p.add_argument("--table", type=int, default=1000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, default=RESULTS)
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--workload", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.worker:
        worker(a.worker, a.graphs, a.workload, a.result)
        return
    graphs = a.graphs.split(",")
    methods = [m for m in METHODS if m in a.methods.split(",")]
    if "scipy" not in methods:
        raise SystemExit("scipy is the reference: keep it in --methods")
    command = "uv run --group bench python benchmarks/roads.py" + "".join(
        f" {x}" for x in (argv if argv is not None else sys.argv[1:])
    )
    meta: dict[str, Any] = {
        "command": command,
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, "
        f"Python {platform.python_version()}",
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
            cwd=RESULTS.parent,
        ).stdout.strip(),
        "pairs": a.pairs,
        "nx_pairs": a.nx_pairs,
        "one_to_all": a.one_to_all,
        "table": a.table,
        "seed": a.seed,
        "graphs": graphs,
        "graph_sizes": {},
    }
    records: list[dict[str, Any]] = []
    a.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        for layer in graphs:
            graph = load_world_layer(layer)  # type: ignore[arg-type]
            comp = graph.components
            sizes = np.bincount(comp)
            big = np.flatnonzero(comp == np.argmax(sizes))
            meta["graph_sizes"][layer] = {
                "nodes": graph.n_nodes,
                "edges": graph.n_edges,
                "largest": int(big.size),
            }
            rng = np.random.default_rng(a.seed)
            workload = tmp / f"{layer}-workload.npz"
            np.savez(
                workload,
                s=rng.choice(big, a.pairs),
                t=rng.choice(big, a.pairs),
                one_to_all=rng.choice(big, a.one_to_all),
                table_s=rng.choice(big, a.table),
                table_t=rng.choice(big, a.table),
                nx_pairs=np.int64(a.nx_pairs),
            )
            ref: dict[str, np.ndarray] = {}
            for method in methods:
                print(f"{layer}: {method} ...", file=sys.stderr, flush=True)
                res, arrays = _run_worker(method, layer, workload, tmp)
                if method == "scipy":
                    ref = arrays
                recs = _records(layer, method, res, arrays, ref)
                records += recs
                for r in recs:
                    print("   ", {k: v for k, v in r.items() if k not in ("graph", "label")}, file=sys.stderr)
            (a.out / "roads.json").write_text(json.dumps({"meta": meta, "records": records}, indent=1) + "\n")
            (a.out / "roads.md").write_text(markdown(records, meta) + "\n")
    print(markdown(records, meta))


if __name__ == "__main__":
    main()
