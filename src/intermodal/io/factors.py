"""A user's own emission factors (a carrier's measured data, as ISO 14083 prefers) over the defaults."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from intermodal.exceptions import BundleError, FactorError, Problem
from intermodal.io._tables import Source
from intermodal.io.bundle import _read_factors, _reefer_variant_problems
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
    problems: list[Problem] = []
    try:
        if not path.is_file():
            raise FactorError(Problem("no such file", file=str(path), expected="a CSV of emission factors"))
        table, lines = _read_factors(Source(path.parent), problems, file=path.name)
    except BundleError as err:  # too large to be a factor table
        raise FactorError(err.problems) from None
    except OSError as err:  # no permission, a name too long...
        raise FactorError(
            Problem(f"cannot read: {err.strerror or err}", file=path.name, expected="a readable CSV file")
        ) from None
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
    merged = {**bundle.factors.factors, **table.factors}
    if not problems:  # an unknown id would only echo here
        problems.extend(_reefer_variant_problems(merged, lines, path.name))
    if problems:
        raise FactorError(problems)
    return dataclasses.replace(bundle, factors=dataclasses.replace(bundle.factors, factors=merged))
