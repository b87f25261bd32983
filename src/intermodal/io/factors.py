"""A user's own emission factors (a carrier's measured data, as ISO 14083 prefers) over the defaults."""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path

from intermodal.exceptions import FactorError, Problem
from intermodal.io._tables import Source
from intermodal.io.bundle import _read_factors
from intermodal.model import Bundle

__all__ = ["apply_factor_overrides"]


def apply_factor_overrides(bundle: Bundle, path: str | Path) -> Bundle:
    """A copy of ``bundle`` whose factors with the ids in the CSV at ``path`` are replaced by those rows.

    The file has the columns of a bundle's factors.csv (docs/data-format.md). Mark a carrier's measured
    figures ``measured = true``: reports then say which factors were defaults and which were measured.

    Raises
    ------
    FactorError
        Naming the file, row and field of every problem: unknown mode, negative factor, missing source, an id
        the bundle does not have, or a unit that does not fit the factor it replaces.
    """
    path = Path(path)
    if not path.is_file():
        raise FactorError(Problem("no such file", file=str(path), expected="a CSV of emission factors"))
    problems: list[Problem] = []
    table = _read_factors(Source(path.parent), problems, file=path.name)
    with path.open(encoding="utf-8-sig", newline="") as f:
        lines = {(row.get("id") or "").strip(): n for n, row in enumerate(csv.DictReader(f), start=2)}
    for factor in table.factors.values():
        line = lines.get(factor.id)
        known = bundle.factors.factors.get(factor.id)
        if known is None:
            problems.append(
                Problem(
                    "no such factor in the scenario",
                    file=path.name,
                    row=line,
                    field="id",
                    found=factor.id,
                    expected=", ".join(sorted(bundle.factors.factors)),
                )
            )
        elif known.unit != factor.unit or known.mode != factor.mode:
            problems.append(
                Problem(
                    "does not fit the factor it replaces",
                    file=path.name,
                    row=line,
                    field="unit",
                    found=f"{factor.mode or 'hub'} {factor.unit.value}",
                    expected=f"{known.mode or 'hub'} {known.unit.value}",
                )
            )
    if problems:
        raise FactorError(problems)
    merged = {**bundle.factors.factors, **table.factors}
    return dataclasses.replace(bundle, factors=dataclasses.replace(bundle.factors, factors=merged))
