"""Writing skims (OMX, Parquet) and assignment results (Parquet, GeoJSON, JSON): all the files, or none."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from intermodal.io._atomic import check_target, staged_files

__all__ = ["check_outputs", "write_results", "write_skim"]

#: the OMX mapping of matrix positions to zone ids
ZONE_MAPPING = "zone"


def check_outputs(out_dir: str | Path, names: Sequence[str]) -> None:
    """Refuse, before any work, an output folder where the files ``names`` cannot be written.

    Raises
    ------
    InputError
        Naming the path at fault.
    """
    for name in names:
        check_target(Path(out_dir) / name, folder=False)


def write_skim(
    out_dir: str | Path,
    zone_ids: Sequence[int],
    zone_names: Sequence[str],
    matrices: Mapping[str, np.ndarray],
    units: Mapping[str, str],
    attrs: Mapping[str, str],
    *,
    stem: str = "skim",
) -> list[Path]:
    """Write ``STEM.omx`` (one matrix a metric, a ``zone`` mapping) and ``STEM.parquet`` (one row a pair).

    A missing cell (no route) is NaN in both. Each matrix has its ``units`` attribute; the file's root has
    ``attrs`` (scenario, window, rule).

    Raises
    ------
    InputError
        When a file cannot be written; nothing is left half written.
    """
    import polars as pl

    out = Path(out_dir)
    omx_path, parquet_path = out / f"{stem}.omx", out / f"{stem}.parquet"
    for path in (omx_path, parquet_path):
        check_target(path, folder=False)
    n = len(zone_ids)
    with staged_files([omx_path, parquet_path]) as (omx_stage, parquet_stage):
        _write_omx(omx_stage, zone_ids, matrices, units, attrs)
        origin = np.repeat(np.asarray(zone_ids, dtype=np.int64), n)
        destination = np.tile(np.asarray(zone_ids, dtype=np.int64), n)
        names = list(zone_names)
        frame = pl.DataFrame(
            {
                "origin": origin,
                "destination": destination,
                "origin_name": [names[i] for i in range(n) for _ in range(n)],
                "destination_name": names * n,
                **{name: np.asarray(v, dtype=np.float64).reshape(-1) for name, v in matrices.items()},
            }
        )
        frame.write_parquet(parquet_stage)
    return [omx_path, parquet_path]


def _write_omx(
    path: Path,
    zone_ids: Sequence[int],
    matrices: Mapping[str, np.ndarray],
    units: Mapping[str, str],
    attrs: Mapping[str, str],
) -> None:
    import openmatrix as omx

    handle = omx.open_file(str(path), "w")
    try:
        for name, values in matrices.items():
            handle[name] = np.asarray(values, dtype=np.float64)
            handle[name].attrs.units = units[name]
        handle.create_mapping(ZONE_MAPPING, np.asarray(zone_ids, dtype=np.int32))
        for key, value in attrs.items():
            handle.root._v_attrs[key] = value
    finally:
        handle.close()


def write_results(
    out_dir: str | Path,
    tables: Mapping[str, Sequence[Mapping[str, Any]]],
    documents: Mapping[str, Any],
) -> list[Path]:
    """Write each table as ``NAME.parquet`` and each document as ``NAME``: a text (an SVG chart) as it is, any
    other value as JSON (or GeoJSON, by its name).

    Raises
    ------
    InputError
        When a file cannot be written; nothing is left half written.
    """
    import polars as pl

    out = Path(out_dir)
    targets = [out / f"{name}.parquet" for name in tables] + [out / name for name in documents]
    for path in targets:
        check_target(path, folder=False)
    with staged_files(targets) as stages:
        for rows, stage in zip(tables.values(), stages, strict=False):
            pl.DataFrame(list(rows), infer_schema_length=None).write_parquet(stage)
        for doc, stage in zip(documents.values(), stages[len(tables) :], strict=True):
            text = doc if isinstance(doc, str) else json.dumps(doc, ensure_ascii=False, indent=1)
            stage.write_text(text, encoding="utf-8")
    return targets
