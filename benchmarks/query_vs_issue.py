"""One route query in-process, this code against the code issue 12 was filed on (d334cbe), in one run.

    uv run --group bench python benchmarks/query_vs_issue.py              # about five minutes
    uv run --group bench python benchmarks/query_vs_issue.py --rounds 20

Issue 12 asks for an in-process route query of at most 5 ms median, where the code it was filed on took
22.3 ms (benchmarks/results/http_load.md at d334cbe). This machine's speed drifts by up to 2x within minutes,
so a median taken alone says as much about the host as about the code. This benchmark runs both versions in
the same minutes: it checks d334cbe out into a temporary git worktree (the clone's own history; ``uv sync``
installs its locked dependencies there), starts one child process per version, and asks them in turn for
the same queries (http_load.py's eight, in turn, ready 2020-04-03), a round of 40 each, alternating which
goes first. Each child does per query what its API did: ``find_routes(...).to_dict()`` and its JSON encoder
(``json_bytes`` here, ``json.dumps`` then), after answering every query once.

It reports both medians (wall and CPU), their ratio, and this code's median scaled to a host on which the old
code takes the issue's 22.3 ms: the issue's target, read on the host it was set on.

Then HTTP, the issue's other target (throughput at 8 clients at least 4x the issue's): each version's
``intermodal serve`` (1 worker, then 2, as http_load.py runs them), asked by 8 clients with keep-alive
connections, in turn, ``--http-rounds`` rounds of 80 requests each. The clients are http_load.py's: the
standard library's ``http.client``, connected before each round's clock starts (a new set per round). It
reports each version's throughput over all its rounds, and the ratio of the best of each.

Results go to ``benchmarks/results/query_vs_issue.json`` and ``.md``, and the README's table.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _common import machine, write_readme_tables
from http_load import QUERIES, READY, HttpClients, Server, _drive

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
#: the commit issue 12 was filed on, and its in-process median (benchmarks/results/http_load.md there)
ISSUE_COMMIT = "d334cbe"
ISSUE_MEDIAN_MS = 22.3
TARGET_MS = 5.0
#: the HTTP target: throughput at 8 clients, this code's best over the issue's best
TARGET_HTTP_RATIO = 4.0
HTTP_CLIENTS = 8

#: the child: answers ``n`` queries per line read, printing their (wall, CPU) seconds as JSON
CHILD = """
import json, sys, time
import intermodal as im
try:
    from intermodal.io.wire import json_bytes as encode
except ImportError:  # the old code's API encoded with json.dumps
    def encode(doc):
        return json.dumps(doc, ensure_ascii=False)
try:
    from intermodal.engines.freight import warm_up
    warm_up()  # as `intermodal serve` does
except ImportError:
    pass
queries, ready = json.loads(sys.argv[1]), sys.argv[2]
bundle = im.load_scenario("chongqing")
def one(q):
    s = im.make_shipment(bundle, teu=q.get("teu"), tonnes=q.get("tonnes"), cargo=q["cargo"], ready=ready)
    return encode(im.find_routes(bundle, q["from"], q["to"], s).to_dict())
for q in queries:
    assert one(q)
print("ready", flush=True)
i = 0
for line in sys.stdin:
    out = []
    for _ in range(int(line)):
        q = queries[i % len(queries)]
        i += 1
        t, c = time.perf_counter(), time.process_time()
        one(q)
        out.append((time.perf_counter() - t, time.process_time() - c))
    print(json.dumps(out), flush=True)
"""


class Child:
    """One version's query loop in a child process."""

    def __init__(self, python: str, cwd: Path, script: str) -> None:
        self.proc = subprocess.Popen(
            [python, script, json.dumps(QUERIES), READY],
            cwd=cwd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        if line != "ready":
            raise RuntimeError(f"the child in {cwd} did not start: {line!r}")

    def run(self, n: int) -> list[tuple[float, float]]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(f"{n}\n")
        self.proc.stdin.flush()
        return [tuple(x) for x in json.loads(self.proc.stdout.readline())]

    def stop(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(timeout=60)


def _old_tree(where: Path) -> Path:
    """A worktree of the issue's commit, with its locked dependencies installed."""
    tree = where / "old"
    subprocess.run(["git", "worktree", "add", "--detach", str(tree), ISSUE_COMMIT], cwd=ROOT, check=True)
    subprocess.run(["uv", "sync", "--locked", "--all-extras", "--quiet"], cwd=tree, check=True)
    return tree


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=12, help="rounds of 40 queries per version")
    # each round draws its own split of connections between a server's workers: more rounds, a steadier mean
    parser.add_argument("--http-rounds", type=int, default=12, help="HTTP rounds of 80 requests per server")
    args = parser.parse_args()
    if not 1 <= args.rounds <= 1000:
        parser.error("--rounds is 1 to 1000")
    if not 1 <= args.http_rounds <= 100:
        parser.error("--http-rounds is 1 to 100")
    with tempfile.TemporaryDirectory(prefix="intermodal-vs-issue-") as tmp:
        where = Path(tmp)
        script = where / "child.py"
        script.write_text(CHILD)
        tree = _old_tree(where)
        try:
            old_python = str(tree / ".venv" / "bin" / "python")
            children = {
                "this code": Child(sys.executable, ROOT, str(script)),
                f"issue's code ({ISSUE_COMMIT})": Child(old_python, tree, str(script)),
            }
            times: dict[str, list[tuple[float, float]]] = {name: [] for name in children}
            names = list(children)
            for r in range(args.rounds):
                for name in names if r % 2 == 0 else names[::-1]:
                    times[name] += children[name].run(40)
                print(f"round {r + 1}/{args.rounds}", file=sys.stderr, flush=True)
            for child in children.values():
                child.stop()
            versions = {names[0]: (sys.executable, ROOT), names[1]: (old_python, tree)}
            http = _http(versions, args.http_rounds)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=False)
    results = {
        "command": "uv run --group bench python benchmarks/query_vs_issue.py"
        + (f" --rounds {args.rounds}" if args.rounds != 12 else "")
        + (f" --http-rounds {args.http_rounds}" if args.http_rounds != 12 else ""),
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "rounds": args.rounds,
        "issue_commit": ISSUE_COMMIT,
        "issue_median_ms": ISSUE_MEDIAN_MS,
        "target_ms": TARGET_MS,
        "rows": [_row(name, pairs) for name, pairs in times.items()],
        "http_rounds": args.http_rounds,
        "target_http_ratio": TARGET_HTTP_RATIO,
        "http": http,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "query_vs_issue.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    (RESULTS / "query_vs_issue.md").write_text(markdown(results), encoding="utf-8")
    write_readme_tables("query_vs_issue", markdown(results))
    print(markdown(results))


def _http(versions: dict[str, tuple[str, Path]], rounds: int) -> list[dict[str, Any]]:
    """Each version's server with 1 and 2 workers, asked by 8 clients in turn: requests, time, errors."""
    rows = []
    for workers in (1, 2):
        servers = {name: Server(workers, 16, python, cwd) for name, (python, cwd) in versions.items()}
        try:
            for server in servers.values():
                with HttpClients(server.url, 1) as warm:
                    for q in QUERIES * 2:
                        assert warm({**q, "ready": READY})
            done = {name: {"requests": 0, "seconds": 0.0, "errors": 0} for name in servers}
            names = list(servers)
            for r in range(rounds):
                for name in names if r % 2 == 0 else names[::-1]:
                    with HttpClients(servers[name].url, HTTP_CLIENTS) as call:
                        run = _drive(call, HTTP_CLIENTS, 80, 60.0)
                    for key in ("requests", "seconds", "errors"):
                        done[name][key] += run[key]
                print(f"HTTP, {workers} worker(s): round {r + 1}/{rounds}", file=sys.stderr, flush=True)
        finally:
            for server in servers.values():
                server.stop()
        rows += [
            {
                "code": name,
                "workers": workers,
                **d,
                "seconds": round(d["seconds"], 2),
                "throughput_qps": round(d["requests"] / d["seconds"], 1),
            }
            for name, d in done.items()
        ]
    return rows


def _row(name: str, pairs: list[tuple[float, float]]) -> dict[str, Any]:
    return {
        "code": name,
        "queries": len(pairs),
        "p50_ms": round(1000 * statistics.median(w for w, _ in pairs), 2),
        "cpu_p50_ms": round(1000 * statistics.median(c for _, c in pairs), 2),
    }


def markdown(r: dict[str, Any]) -> str:
    """The results as a Markdown page; its table goes to the README."""
    new, old = r["rows"]
    ratio = old["p50_ms"] / new["p50_ms"]
    scaled = r["issue_median_ms"] / ratio
    m = r["machine"]
    return "\n".join(
        [
            f"# One route query in-process: this code against issue 12's ({r['issue_commit']}), in one run",
            "",
            f"`{r['command']}` ({r['generated']}; {m['cpu']}, {m['cores']} cores; Python {m['python']}).",
            "",
            "| code | queries | p50 (ms) | CPU p50 (ms) |",
            "|---|---:|---:|---:|",
            *(f"| {x['code']} | {x['queries']} | {x['p50_ms']} | {x['cpu_p50_ms']} |" for x in r["rows"]),
            "",
            f"Same run, {r['rounds']} alternating rounds of 40 queries each: the issue's code takes "
            f"{ratio:.2f}x as long as this code (median). On a host where it takes the issue's "
            f"{r['issue_median_ms']} ms, this code takes {scaled:.1f} ms.",
            f"Target (issue 12: in-process query, median <= {r['target_ms']:g} ms, read on the issue's "
            "host): " + ("met." if scaled <= r["target_ms"] else "NOT met."),
            "",
            *_http_lines(r),
        ]
    )


def _http_lines(r: dict[str, Any]) -> list[str]:
    rows = r["http"]
    new, old = rows[0]["code"], rows[1]["code"]

    def best(code: str) -> dict[str, Any]:
        return max((x for x in rows if x["code"] == code), key=lambda x: x["throughput_qps"])

    ratio = best(new)["throughput_qps"] / best(old)["throughput_qps"]
    clean = all(x["errors"] == 0 for x in rows)
    return [
        f"HTTP on loopback, {HTTP_CLIENTS} clients, both servers in the same run ({r['http_rounds']} "
        "alternating rounds of 80 requests per server; each client a keep-alive `http.client` connection, "
        "opened before the round's clock starts):",
        "",
        "| code | workers | requests | errors | seconds | throughput (q/s) |",
        "|---|---:|---:|---:|---:|---:|",
        *(
            f"| {x['code']} | {x['workers']} | {x['requests']} | {x['errors']} | {x['seconds']} "
            f"| {x['throughput_qps']} |"
            for x in rows
        ),
        "",
        f"Best of each: {best(new)['throughput_qps']} against {best(old)['throughput_qps']} q/s, "
        f"{ratio:.2f}x.",
        f"Target (issue 12: HTTP throughput at 8 clients >= {r['target_http_ratio']:g} x the issue's code's, "
        "same run, no errors): " + ("met." if ratio >= r["target_http_ratio"] and clean else "NOT met."),
        "",
    ]


if __name__ == "__main__":
    main()
