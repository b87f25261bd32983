"""A sweep of patched Chongqing networks: the same comparison in this process and as Ray tasks, checked equal.

One command, one run::

    uv run python benchmarks/sweep.py                       # 100 patches, the demo's 2026 demand, 1 day
    uv run python benchmarks/sweep.py --patches 8 --window 0.5     # quicker

Workload: the embedded ``chongqing`` scenario with the ``2026`` patch is the base; each of the ``--patches``
scenarios adds one generated patch to it, in turn: a carbon price (10, 20, ... CNY/t), the capacity of the
Tuanjiecun China-Laos train (20, 21, ... TEU), one link closed (each link of the network in turn), or the
China-Laos fare (0.80, 0.81, ... CNY per TEU-km). The demand is the demo's 2026 week
(``src/intermodal/data/demand/chongqing/demand-2026.csv``: 15 cells from Nanpeng to 5 zones), assigned by the
logit with capacity, cargo ready over ``--window`` days from its period.

- ``in process``: :func:`intermodal.planners.compare.compare` with the default executor: one scenario after
  another.
- ``ray``: the same call with a :class:`~intermodal.planners._executor.RayExecutor` on a local Ray instance
  started with ``num_cpus`` = this machine's cores: one Ray task per scenario, the demand sent once through
  the object store. Starting Ray is timed apart.

Every scenario's bundle is patched once, before either run (timed apart). Both runs must give the same
comparison (``to_dict`` equal). Results go to ``benchmarks/results/sweep.json`` and ``sweep.md``, and its
tables to the README between its ``sweep`` marks (``--no-readme``: not).
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import intermodal as im
from intermodal.io.demand import read_choice_params, read_demand, read_zones
from intermodal.io.patch import apply_patches, parse_patch
from intermodal.model.patch import Patch
from intermodal.planners._executor import InProcess, RayExecutor
from intermodal.planners.compare import compare

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, write_readme_tables

RESULTS = Path(__file__).resolve().parent / "results"
DEMO = Path(__file__).resolve().parents[1] / "src" / "intermodal" / "data" / "demand" / "chongqing"
HEAD = '[patch]\nname = "sweep-{k}"\ntitle_en = "sweep {k}"\nsource = "assumption: a benchmark variant"\n'


def patches(n: int, links: list[str]) -> list[Patch]:
    """``n`` generated patches, four kinds in turn (the module's docstring)."""
    out = []
    for k in range(n):
        kind, step = k % 4, k // 4
        if kind == 0:
            body = f'[carbon]\nprice_per_t = {10 * (step + 1)}\nsource = "assumption"\n'
        elif kind == 1:
            body = (
                '[[change.services]]\nid = "china-laos-tuanjiecun"\n'
                f'capacity_teu = {20 + step}\nsource = "assumption"\n'
            )
        elif kind == 2:
            body = f'[[close]]\nlink = "{links[step % len(links)]}"\n'
        else:
            rate = f"{0.80 + 0.01 * step:.2f}"
            body = f'[[change.tariffs]]\nid = "china-laos"\nrate = {rate}\nsource = "assumption"\n'
        out.append(parse_patch(HEAD.format(k=k) + body, file=f"sweep-{k}.toml"))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--patches", type=int, default=100)
    parser.add_argument("--window", type=float, default=1.0, help="days")
    parser.add_argument("--cpus", type=int, default=os.cpu_count() or 2, help="CPUs of the local Ray")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--no-readme", action="store_true", help="leave the README as it is")
    args = parser.parse_args()

    base = im.load_scenario("chongqing", ["2026"])
    zones = read_zones(DEMO / "zones.csv", base)
    cells = read_demand(DEMO / "demand-2026.csv", zones, base)
    params = read_choice_params(DEMO / "choice.toml")
    period = cells[0].period
    assert period is not None
    start = datetime(period.year, period.month, period.day)

    t = time.perf_counter()
    links = sorted(link.id for link in base.links)
    scenarios = [apply_patches("chongqing", ["2026", p]) for p in patches(args.patches, links)]
    patch_s = time.perf_counter() - t
    print(f"{len(scenarios)} scenarios patched in {patch_s:.1f} s", flush=True)

    def run(executor: Any, label: str) -> tuple[float, Any]:
        t0 = time.perf_counter()

        def progress(i: int, n: int) -> None:
            if i % 10 == 0 or i == n:
                print(f"{label}: {i}/{n} scenarios, {time.perf_counter() - t0:.0f} s", flush=True)

        result = compare(
            base, scenarios, zones, cells, params, start=start, window_days=args.window,
            executor=executor, progress=progress,
        )  # fmt: skip
        return time.perf_counter() - t0, result

    local_s, local = run(InProcess(), "in process")
    t = time.perf_counter()
    ray = RayExecutor(num_cpus=args.cpus)
    ray_init_s = time.perf_counter() - t
    ray_s, remote = run(ray, "ray")
    same = remote.to_dict() == local.to_dict()
    import ray as ray_module

    ray_module.shutdown()

    tasks = len(scenarios) + 1
    results: dict[str, Any] = {
        "command": "uv run python benchmarks/sweep.py " + " ".join(sys.argv[1:]),
        "generated": datetime.now().isoformat(timespec="seconds"),
        "machine": machine("ray"),
        "patches": len(scenarios),
        "tasks": tasks,
        "demand_cells": len(cells),
        "demand_teu": round(sum(c.teu for c in cells), 2),
        "window_days": args.window,
        "ray_cpus": args.cpus,
        "patch_s": round(patch_s, 1),
        "job_bytes": len(pickle.dumps((zones, cells, params))),
        "bundle_bytes": len(pickle.dumps(base)),
        "in_process_s": round(local_s, 1),
        "in_process_per_task_s": round(local_s / tasks, 2),
        "ray_init_s": round(ray_init_s, 1),
        "ray_s": round(ray_s, 1),
        "speedup": round(local_s / ray_s, 2),
        "efficiency": round(local_s / ray_s / args.cpus, 2),
        # what Ray costs beyond a perfect split of the in-process work over its CPUs, a task
        "overhead_per_task_s": round((ray_s - local_s / args.cpus) * args.cpus / tasks, 2),
        "same_answers": same,
        "pairs_changed": sum(s["pairs_changed"] for s in local.to_dict()["scenarios"]),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "sweep.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    (args.out / "sweep.md").write_text(markdown(results), encoding="utf-8")
    if not args.no_readme:
        write_readme_tables("sweep", markdown(results))
    print(markdown(results))


def markdown(r: dict[str, Any]) -> str:
    """The results as a Markdown page; its table goes to the README."""
    m = r["machine"]
    return "\n".join(
        [
            "# Sweep: patched scenarios in this process and as Ray tasks",
            "",
            f"`{r['command']}` ({r['generated']}; {m['cpu']}, {m['cores']} cores; Python {m['python']}, "
            f"Ray {m['ray']}). Base chongqing + 2026; {r['patches']} generated patches, each one scenario; "
            f"the demo's 2026 demand ({r['demand_cells']} cells, {r['demand_teu']:g} TEU), logit with "
            f"capacity, cargo ready over {r['window_days']:g} days. {r['tasks']} tasks (the base and each "
            f"scenario). Patching the {r['patches']} bundles beforehand took {r['patch_s']} s (in neither "
            f"time); the demand sent once to the object store is {r['job_bytes']:,} bytes, a bundle about "
            f"{r['bundle_bytes']:,}.",
            "",
            "| run | wall time s | per task s | answers |",
            "|---|---:|---:|---|",
            f"| in process, one scenario after another | {r['in_process_s']:,.1f} | "
            f"{r['in_process_per_task_s']:.2f} | reference |",
            f"| Ray, local instance on {r['ray_cpus']} CPUs, one task a scenario | {r['ray_s']:,.1f} | "
            f"{r['ray_s'] / r['tasks']:.2f} | {'equal' if r['same_answers'] else 'DIFFERENT'} |",
            f"| (starting the local Ray instance, not in the Ray time) | {r['ray_init_s']:,.1f} | | |",
            "",
            "| ratio (same run) | value |",
            "|---|---:|",
            f"| speed-up, in process / Ray | {r['speedup']:g} |",
            f"| efficiency, speed-up / {r['ray_cpus']} CPUs | {r['efficiency']:g} |",
            f"| Ray overhead a task (s; Ray time x CPUs - in-process time, over tasks) | "
            f"{r['overhead_per_task_s']:g} |",
            "",
        ]
    )


if __name__ == "__main__":
    main()
