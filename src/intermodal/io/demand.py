"""Reading zones, origin-destination demand and choice parameters, every problem named by file, row and field.

Formats (docs/skims.md):

- zones: CSV ``id, name, terminal, lat, lon, source``; a zone gives a terminal id, or a point (lat and lon).
- demand: CSV or Parquet ``origin, destination, cargo, teu | tonnes, period, source`` (zone ids; one row a
  cell), or an OMX file with one matrix per cargo class (``general``, ``reefer``, ``dg:3``) and a zone
  mapping.
- choice parameters: a TOML file (``[choice]`` table), each number with its source.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from intermodal.exceptions import InputError, Problem, ShipmentError
from intermodal.io import _tables as t
from intermodal.io._tables import Column, FieldError, Source, read_table
from intermodal.model import Bundle, Mode
from intermodal.model.bounds import MAX_CARBON_PRICE, time_problem
from intermodal.model.demand import ChoiceParams, DemandCell, Zone
from intermodal.model.shipment import parse_cargo

__all__ = [
    "DEMO_FOLDER",
    "MAX_CELL_TEU",
    "MAX_DEMAND_ROWS",
    "MAX_ZONES",
    "MAX_ZONE_ID",
    "parse_demand",
    "parse_zones",
    "read_choice_params",
    "read_demand",
    "read_mode_shares",
    "read_zones",
]

#: A zone system of more zones makes a skim of 25 million cells, each a route search: hours of work.
MAX_ZONES = 5_000
#: Zone ids are OMX mapping keys, stored as 32-bit integers.
MAX_ZONE_ID = 2**31 - 1
#: One cell's demand in one period: more than the world's container ports handle in a year is a typing slip.
MAX_CELL_TEU = 1_000_000_000
#: Rows of a demand table: every pair of MAX_ZONES zones in a few cargo classes would be far fewer.
MAX_DEMAND_ROWS = 1_000_000
#: Files larger than this are refused before they are read.
MAX_BYTES = 256 * 1024 * 1024
#: A choice parameters file holds a dozen numbers and their sources: a larger one is some other file.
MAX_PARAMS_BYTES = 1_000_000
#: The modes a mode class names besides road, in the order an option's class lists them
#: (:func:`intermodal.planners.assignment.mode_class`).
CLASS_MODES = tuple(m.value for m in Mode if m not in (Mode.ROAD, Mode.WALK))
#: The Chongqing demo: zones, a week of 2020 and of 2026 demand, choice parameters, observed shares
DEMO_FOLDER = Path(__file__).resolve().parents[1] / "data" / "demand" / "chongqing"
#: Characters of zones or demand given as text (an API request's): far more than any request body
MAX_TEXT_BYTES = 16 * 1024 * 1024


def _zone_id(value: str) -> int:
    text = value.strip()
    if not text.isdigit() or len(text) > 10 or not 1 <= int(text) <= MAX_ZONE_ID:
        raise FieldError(f"a zone id: a whole number from 1 to {MAX_ZONE_ID}")
    return int(text)


def _name(value: str) -> str:
    text = value.strip()
    if not text or len(text) > 200 or not text.isprintable():
        raise FieldError("a name of 1 to 200 printable characters")
    return text


def _period(value: str) -> date:
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise FieldError("the first day of the period, as an ISO date such as 2020-04-06") from None
    if (problem := time_problem(day, field="")) is not None:
        raise FieldError(problem.expected or "a date in range")
    return day


ZONE_COLUMNS: dict[str, Column] = {
    "id": Column(_zone_id),
    "name": Column(_name),
    "terminal": Column(t.text, required=False),
    "lat": Column(t.latitude, required=False),
    "lon": Column(t.longitude, required=False),
    "source": Column(t.text, required=False, default="assumption"),
}

DEMAND_COLUMNS: dict[str, Column] = {
    "origin": Column(_zone_id),
    "destination": Column(_zone_id),
    "cargo": Column(t.text, required=False, default="general"),
    "teu": Column(t.bounded(0, MAX_CELL_TEU, "TEU", "one cell of demand"), required=False),
    "tonnes": Column(t.bounded(0, MAX_CELL_TEU * 30, "t", "one cell of demand"), required=False),
    "period": Column(_period, required=False),
    "source": Column(t.text, required=False),
}


def _checked_file(path: Path, what: str, limit: int = MAX_BYTES) -> None:
    if not path.is_file():
        raise InputError(Problem("no such file", file=path.name, expected=what))
    if (size := path.stat().st_size) > limit:
        raise InputError(
            Problem(
                "file too large", file=path.name, found=f"{size:,} bytes", expected=f"at most {limit:,} bytes"
            )
        )


def read_zones(path: str | Path, bundle: Bundle) -> list[Zone]:
    """The zones in the CSV file ``path``, each checked against ``bundle``.

    Raises
    ------
    InputError
        Naming each row and field at fault (every problem at once).
    """
    path = Path(path)
    _checked_file(path, "a CSV file of zones: id, name, terminal, lat, lon, source")
    return _zones(Source(path.parent), path.name, bundle)


def parse_zones(text: str, bundle: Bundle, *, name: str = "zones") -> list[Zone]:
    """The zones in CSV ``text`` (as a zones file; problems name ``name``): see :func:`read_zones`."""
    if len(text) > MAX_TEXT_BYTES:
        raise InputError(Problem("too long", file=name, expected=f"at most {MAX_TEXT_BYTES:,} characters"))
    return _zones(Source.of_texts(Path(name), {name: text}), name, bundle)


def _zones(source: Source, name: str, bundle: Bundle) -> list[Zone]:
    problems: list[Problem] = []
    rows = list(read_table(source, name, ZONE_COLUMNS, problems))
    if len(rows) > MAX_ZONES:
        raise InputError(
            Problem("too many zones", file=name, found=f"{len(rows):,}", expected=f"at most {MAX_ZONES:,}")
        )
    zones: list[Zone] = []
    seen: set[int] = set()
    for row, r in rows:
        if r["id"] in seen:
            problems.append(Problem("repeated zone id", file=name, row=row, field="id", found=str(r["id"])))
            continue
        seen.add(r["id"])
        terminal = (r["terminal"] or "").strip() or None
        point = r["lat"] is not None or r["lon"] is not None
        if terminal is not None and point:
            problems.append(
                Problem(
                    "give a terminal or a point, not both",
                    file=name,
                    row=row,
                    field="terminal",
                    expected="a terminal id, or lat and lon",
                )
            )
            continue
        if terminal is not None and terminal not in bundle.terminals:
            problems.append(
                Problem(
                    "unknown terminal",
                    file=name,
                    row=row,
                    field="terminal",
                    found=t.excerpt(terminal),
                    expected=f"a terminal id of the {bundle.name} scenario",
                )
            )
            continue
        if terminal is None and (r["lat"] is None or r["lon"] is None):
            missing = "lat" if r["lat"] is None else "lon"
            problems.append(
                Problem(
                    "value is missing",
                    file=name,
                    row=row,
                    field=missing,
                    expected="a terminal id, or both lat and lon",
                )
            )
            continue
        zones.append(Zone(r["id"], r["name"], terminal, r["lat"], r["lon"], r["source"] or "assumption"))
    if not zones and not problems:
        problems.append(Problem("no zones", file=name, expected="at least one zone row"))
    if problems:
        raise InputError(problems)
    return zones


def read_demand(path: str | Path, zones: list[Zone], bundle: Bundle) -> list[DemandCell]:
    """The demand in ``path`` (``.csv``, ``.parquet`` or ``.omx``) between ``zones``.

    Raises
    ------
    InputError
        Naming each file, row (or matrix cell) and field at fault, or a file that cannot be read.
    """
    path = Path(path)
    _checked_file(path, "a CSV, Parquet or OMX file of demand")
    name = path.name
    known = {z.id for z in zones}
    problems: list[Problem] = []
    suffix = path.suffix.lower()
    if suffix == ".omx":
        cells = _omx_cells(path, known, bundle, problems)
    elif suffix in (".csv", ".parquet"):
        if suffix == ".csv":
            rows = list(read_table(Source(path.parent), name, DEMAND_COLUMNS, problems))
        else:
            rows = _parquet_rows(path, problems)
        cells = _rows_cells(rows, name, known, bundle, problems)
    else:
        raise InputError(
            Problem("unknown file type", file=name, found=suffix, expected=".csv, .parquet or .omx")
        )
    if problems:
        raise InputError(problems)
    return cells


def parse_demand(text: str, zones: list[Zone], bundle: Bundle, *, name: str = "demand") -> list[DemandCell]:
    """The demand in CSV ``text`` (as a demand file; problems name ``name``): see :func:`read_demand`."""
    if len(text) > MAX_TEXT_BYTES:
        raise InputError(Problem("too long", file=name, expected=f"at most {MAX_TEXT_BYTES:,} characters"))
    problems: list[Problem] = []
    rows = list(read_table(Source.of_texts(Path(name), {name: text}), name, DEMAND_COLUMNS, problems))
    cells = _rows_cells(rows, name, {z.id for z in zones}, bundle, problems)
    if problems:
        raise InputError(problems)
    return cells


def _rows_cells(
    rows: list[tuple[int, dict[str, Any]]],
    name: str,
    known: set[int],
    bundle: Bundle,
    problems: list[Problem],
) -> list[DemandCell]:
    if len(rows) > MAX_DEMAND_ROWS:
        raise InputError(
            Problem(
                "too many rows", file=name, found=f"{len(rows):,}", expected=f"at most {MAX_DEMAND_ROWS:,}"
            )
        )
    return _table_cells(rows, name, known, bundle, problems)


def _parquet_rows(path: Path, problems: list[Problem]) -> list[tuple[int, dict[str, Any]]]:
    import polars as pl

    name = path.name
    try:
        # the row count is in the file's footer: a compressed file of a few kB may hold millions of rows
        height = pl.scan_parquet(path).select(pl.len()).collect().item()
        if height <= MAX_DEMAND_ROWS:
            frame = pl.read_parquet(path)
    except Exception as err:  # polars raises many kinds for a damaged file; each is the same fault to a user
        raise InputError(Problem(f"not a Parquet file: {err}"[:200], file=name)) from None
    if height > MAX_DEMAND_ROWS:
        raise InputError(
            Problem("too many rows", file=name, found=f"{height:,}", expected=f"at most {MAX_DEMAND_ROWS:,}")
        )
    for found in frame.columns:
        if found not in DEMAND_COLUMNS:
            problems.append(
                Problem("unknown column", file=name, field=str(found), expected=", ".join(DEMAND_COLUMNS))
            )
    out = []
    # a Parquet row's number is its position, the first being 1
    for row, record in enumerate(frame.to_dicts(), start=1):
        values = t.record_values(record, DEMAND_COLUMNS, name, row, problems)
        if values is not None:
            out.append((row, values))
    return out


def _table_cells(
    rows: list[tuple[int, dict[str, Any]]],
    name: str,
    known: set[int],
    bundle: Bundle,
    problems: list[Problem],
) -> list[DemandCell]:
    cells = []
    per_teu = bundle.manifest.tonnes_per_teu
    # a cell given twice is a slip (two files pasted together) more often than demand meant to be added
    first_row: dict[tuple[int, int, str, date | None], int] = {}
    for row, r in rows:
        bad = False
        for key in ("origin", "destination"):
            if r[key] not in known:
                problems.append(
                    Problem(
                        "unknown zone",
                        file=name,
                        row=row,
                        field=key,
                        found=str(r[key]),
                        expected="a zone id of the zones file",
                    )
                )
                bad = True
        try:
            cargo = parse_cargo(r["cargo"] or "general")
        except ShipmentError as err:
            problems += [replace(p, file=name, row=row) for p in err.problems]
            continue
        teu, tonnes = r["teu"], r["tonnes"]
        if teu is None and tonnes is None:
            problems.append(Problem("give teu or tonnes", file=name, row=row, field="teu"))
            continue
        if bad:
            continue
        cell = (r["origin"], r["destination"], str(cargo), r["period"])
        if cell in first_row:
            problems.append(
                Problem(
                    "repeated cell",
                    file=name,
                    row=row,
                    field="destination",
                    found=f"{cell[0]} to {cell[1]}, {cell[2]}, period {cell[3] or '(none)'}",
                    expected=f"one row per origin, destination, cargo and period (as row {first_row[cell]})",
                )
            )
            continue
        first_row[cell] = row
        if teu is None:
            # the fewest TEU that hold the tonnes would round each cell up: demand is a flow, kept fractional
            teu = tonnes / per_teu
        cells.append(
            DemandCell(
                r["origin"],
                r["destination"],
                cargo,
                float(teu),
                float(tonnes if tonnes is not None else teu * per_teu),
                r["period"],
            )
        )
    return cells


def _omx_cells(path: Path, known: set[int], bundle: Bundle, problems: list[Problem]) -> list[DemandCell]:
    """One matrix per cargo class, in TEU (or in tonnes, when the matrix's ``units`` attribute says so)."""
    import numpy as np
    import openmatrix as omx

    name = path.name
    try:
        handle = omx.open_file(str(path), "r")
    except Exception as err:  # tables raises many kinds for a file that is not HDF5
        # HDF5 appends its whole call stack to the message: its first line says what is wrong
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise InputError(
            Problem(f"not an OMX file: {first}"[:200], file=name, expected="an OMX (HDF5) matrix file")
        ) from None
    try:
        mappings = handle.list_mappings()
        if not mappings:
            raise InputError(
                Problem("no zone mapping", file=name, expected="a mapping of matrix positions to zone ids")
            )
        mapping = "zone" if "zone" in mappings else mappings[0]
        # the shapes are read before the data: a compressed file of a few kB may hold gigabytes of zeros
        size = handle.root.lookup[mapping].shape[0] if handle.root.lookup[mapping].shape else 0
        if size > MAX_ZONES:
            raise InputError(
                Problem(
                    "too many zones",
                    file=name,
                    field=f"mapping {mapping}",
                    found=f"{size:,}",
                    expected=f"at most {MAX_ZONES:,}",
                )
            )
        ids = _mapping_ids(handle, mapping)
        for i, z in enumerate(ids):
            if z not in known:
                problems.append(
                    Problem(
                        "unknown zone",
                        file=name,
                        field=f"mapping {mapping}, position {i}",
                        found=str(z),
                        expected="a zone id of the zones file",
                    )
                )
        period = None
        attrs = handle.root._v_attrs
        if "period" in attrs._v_attrnames:
            text = _decoded(attrs["period"])
            try:
                period = _period(text)
            except FieldError as err:
                problems.append(
                    Problem(
                        "value is not valid",
                        file=name,
                        field="period",
                        found=t.excerpt(text),
                        expected=err.expected,
                    )
                )
        cells: list[DemandCell] = []
        per_teu = bundle.manifest.tonnes_per_teu
        for matrix_name in handle.list_matrices():
            try:
                # "dg_3" as well as "dg:3": HDF5 tools prefer names without a colon
                cargo = parse_cargo(matrix_name.replace("dg_", "dg:", 1))
            except ShipmentError:
                problems.append(
                    Problem(
                        "unknown cargo class",
                        file=name,
                        field=f"matrix {matrix_name}",
                        expected="one matrix per cargo class: general, reefer or dg_CLASS",
                    )
                )
                continue
            node = handle[matrix_name]
            units = _decoded(node.attrs["units"]).lower() if "units" in node.attrs._v_attrnames else "teu"
            if units not in ("teu", "tonnes"):
                problems.append(
                    Problem(
                        "unknown units",
                        file=name,
                        field=f"matrix {matrix_name}",
                        found=units,
                        expected="teu or tonnes",
                    )
                )
                continue
            if tuple(node.shape) != (len(ids), len(ids)):
                problems.append(
                    Problem(
                        "wrong shape",
                        file=name,
                        field=f"matrix {matrix_name}",
                        found=" x ".join(str(n) for n in node.shape),
                        expected=f"{len(ids)} x {len(ids)}",
                    )
                )
                continue
            values = np.asarray(node[:], dtype=float)
            top = MAX_CELL_TEU * (per_teu if units == "tonnes" else 1)
            bad = ~np.isfinite(values) | (values < 0) | (values > top)
            for i, j in np.argwhere(bad)[:100].tolist():
                problems.append(
                    Problem(
                        "value is not valid",
                        file=name,
                        field=f"matrix {matrix_name}, cell ({ids[i]}, {ids[j]})",
                        found=str(values[i, j]),
                        expected=f"a number from 0 to {top:g} {units}",
                    )
                )
            if bad.any():
                continue
            for i, j in np.argwhere(values > 0).tolist():
                amount = float(values[i, j])
                teu = amount / per_teu if units == "tonnes" else amount
                cells.append(
                    DemandCell(
                        ids[i], ids[j], cargo, teu, teu * per_teu if units == "teu" else amount, period
                    )
                )
        return cells
    finally:
        handle.close()


def _mapping_ids(handle: Any, mapping: str) -> list[int]:
    import numpy as np

    return [int(z) for z in np.asarray(handle.root.lookup[mapping][:]).tolist()]


def _decoded(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


_PARAMS: dict[str, tuple[float, float]] = {
    # key: (least, most) accepted
    "value_of_time": (0.0, 1e6),
    "carbon_price": (0.0, float(MAX_CARBON_PRICE)),
    "scale": (0.0, 1e3),
    "not_carried_cost": (0.0, 1e9),
    "capacity_penalty": (0.0, 1e9),
    "iterations": (1, 10_000),
    "gap": (0.0, 1.0),
}


def read_choice_params(path: str | Path) -> ChoiceParams:
    """The ``[choice]`` table of the TOML file ``path``; each key may have a ``KEY_source`` beside it.

    Raises
    ------
    InputError
        Naming each key at fault.
    """
    path = Path(path)
    _checked_file(path, "a TOML file with a [choice] table", MAX_PARAMS_BYTES)
    name = path.name
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError) as err:
        # tomllib recurses once per nesting level: a file nested thousands deep exhausts the stack
        detail = "nested too deep" if isinstance(err, RecursionError) else str(err)
        raise InputError(Problem(f"not TOML: {detail}", file=name, expected="a [choice] table")) from None
    table = doc.get("choice")
    if not isinstance(table, dict):
        raise InputError(Problem("no [choice] table", file=name, expected="a [choice] table"))
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for key, raw in table.items():
        if key.endswith("_source") and key[: -len("_source")] in (*_PARAMS, "asc"):
            sources[key[: -len("_source")]] = str(raw)
        elif key == "asc":
            if (asc := _asc(raw, name, problems)) is not None:
                values["asc"] = asc
        elif key in _PARAMS:
            low, high = _PARAMS[key]
            kind = "whole " if key == "iterations" else ""
            ok = isinstance(raw, int | float) and not isinstance(raw, bool) and math.isfinite(raw)
            if not ok or not low <= raw <= high or (key == "iterations" and not isinstance(raw, int)):
                problems.append(
                    Problem(
                        "value is not valid",
                        file=name,
                        field=f"choice.{key}",
                        found=t.excerpt(str(raw)),
                        expected=f"a {kind}number from {low:g} to {high:g}",
                    )
                )
            else:
                values[key] = int(raw) if key == "iterations" else float(raw)
        else:
            problems.append(
                Problem(
                    "unknown key", file=name, field=f"choice.{key}", expected=", ".join([*_PARAMS, "asc"])
                )
            )
    if problems:
        raise InputError(problems)
    return ChoiceParams(**values, sources=sources)


def _asc(raw: object, name: str, problems: list[Problem]) -> dict[str, float] | None:
    """The ``[choice.asc]`` table: a constant from -50 to 50 for each mode class."""
    if not isinstance(raw, dict):
        problems.append(
            Problem("not a table", file=name, field="choice.asc", expected="a table of mode class = number")
        )
        return None
    out: dict[str, float] = {}
    for key, value in raw.items():
        try:
            mode = _mode_class(str(key))
        except FieldError as err:
            problems.append(
                Problem(
                    "unknown mode class",
                    file=name,
                    field=f"choice.asc.{key}",
                    found=t.excerpt(str(key)),
                    expected=err.expected,
                )
            )
            continue
        number = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        if not number or abs(value) > 50:
            problems.append(
                Problem(
                    "value is not valid",
                    file=name,
                    field=f"choice.asc.{key}",
                    found=t.excerpt(str(value)),
                    expected="a number from -50 to 50",
                )
            )
            continue
        out[mode] = float(value)
    return out


def _mode_class(value: str) -> str:
    parts = value.strip().lower().split("+")
    if parts == [Mode.ROAD.value]:
        return Mode.ROAD.value
    if len(set(parts)) != len(parts) or not set(parts) <= set(CLASS_MODES):
        raise FieldError(
            "a mode class: road (trucks only), or the modes besides road an option rides, joined by +, "
            f"of {', '.join(CLASS_MODES)} (such as rail+sea)"
        )
    # an option's class lists its modes in one order: so does the file's, whatever order it gave them in
    return "+".join(m for m in CLASS_MODES if m in parts)


SHARE_COLUMNS: dict[str, Column] = {
    "mode": Column(_mode_class),
    "share": Column(t.bounded(0, 1e12, "", "a share or an amount")),
    "source": Column(t.text, required=False),
}


def read_mode_shares(path: str | Path) -> dict[str, float]:
    """Observed mode shares from the CSV file ``path`` (``mode, share, source``), as fractions adding up to 1.

    A share may be given as any amount (TEU, say): they are divided by their sum.

    Raises
    ------
    InputError
        Naming each row and field at fault, a repeated mode, or shares that add up to 0.
    """
    path = Path(path)
    _checked_file(path, "a CSV file of mode shares: mode, share, source")
    name = path.name
    problems: list[Problem] = []
    shares: dict[str, float] = {}
    for row, r in read_table(Source(path.parent), name, SHARE_COLUMNS, problems):
        if r["mode"] in shares:
            problems.append(Problem("repeated mode", file=name, row=row, field="mode", found=r["mode"]))
        shares[r["mode"]] = r["share"]
    total = sum(shares.values())
    if not problems and total <= 0:
        problems.append(
            Problem("shares add up to 0", file=name, field="share", expected="some share above 0")
        )
    if problems:
        raise InputError(problems)
    return {m: v / total for m, v in shares.items()}
