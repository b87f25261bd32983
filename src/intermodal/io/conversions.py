"""Container conversions of GLEC v3 / ISO 14083: boxes to TEU, load classes to tonnes per TEU."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

from intermodal.model import ContainerConversions

__all__ = ["load_container_conversions"]

_FILE = Path(__file__).resolve().parents[1] / "data" / "containers.csv"


@cache
def load_container_conversions() -> ContainerConversions:
    """The embedded conversion table (src/intermodal/data/containers.csv), each value with its source."""
    boxes: dict[str, float] = {}
    loads: dict[str, float] = {}
    sources: dict[str, str] = {}
    with _FILE.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            target = boxes if row["kind"] == "box" else loads
            target[row["code"]] = float(row["value"])
            sources[f"{row['kind']}:{row['code']}"] = row["source"]
    return ContainerConversions(boxes, loads, sources)
