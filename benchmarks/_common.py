"""What every timetable and search benchmark shares: timing one call, the statistics of many, the machine."""

from __future__ import annotations

import os
import platform
import sys
import time
from collections.abc import Callable
from importlib import import_module
from pathlib import Path
from typing import Any

import numpy as np


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Milliseconds one call of ``fn`` takes, and what it returns."""
    t = time.perf_counter()
    out = fn()
    return (time.perf_counter() - t) * 1000, out


def stats(ms: list[float]) -> dict[str, float]:
    """Count, median, p95 and mean of a list of times in ms (empty for no times)."""
    if not ms:
        return {}
    arr = np.array(ms)
    return {
        "n": len(ms),
        "median_ms": float(np.median(arr)),
        "p95_ms": float(np.percentile(arr, 95)),
        "mean_ms": float(arr.mean()),
    }


def machine(*packages: str) -> dict[str, str]:
    """The CPU, cores, Python and the versions of numpy and ``packages``, for the results file."""
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    out = {"cpu": cpu, "cores": str(os.cpu_count()), "python": sys.version.split()[0]}
    out["numpy"] = np.__version__
    for name in packages:
        out[name] = import_module(name).__version__
    return out


README = Path(__file__).resolve().parents[1] / "README.md"


def readme_marks(name: str) -> tuple[str, str]:
    """The two lines between which the README holds benchmark ``name``'s tables."""
    return f"<!-- {name}: tables written by benchmarks/{name}.py -->", f"<!-- /{name} -->"


def write_readme_tables(name: str, page: str, readme: Path = README) -> bool:
    """Put the tables of a results page (from its first table row on) between ``name``'s README marks.

    Returns whether the README has the marks (without them it is left as it is).
    """
    start, end = readme_marks(name)
    body = readme.read_text(encoding="utf-8")
    if start not in body or end not in body:
        return False
    lines = page.rstrip("\n").split("\n")
    first = next(i for i, line in enumerate(lines) if line.startswith("|"))
    head, rest = body.split(start, 1)
    tail = rest.split(end, 1)[1]
    readme.write_text(head + start + "\n" + "\n".join(lines[first:]) + "\n" + end + tail, encoding="utf-8")
    return True
