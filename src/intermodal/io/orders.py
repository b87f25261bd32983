"""Reading a book of orders from CSV, JSON or Parquet, every problem named by file, row and field.

Columns (CSV header, JSON keys, Parquet columns): ``id, from, to`` and either ``teu`` or ``containers``
(``2x40``), then optional ``tonnes, cargo, value, ready, due, may_split, penalty_per_hour_late,
penalty_not_carried``. A row without ``tonnes`` takes the scenario's tonnes per TEU; a time without an offset
is read in the origin's zone by the planner. docs/planning.md has an example.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from intermodal.exceptions import InputError, Problem, ShipmentError
from intermodal.io import _tables as t
from intermodal.io._tables import Column, FieldError, Source, read_table
from intermodal.io.conversions import load_container_conversions
from intermodal.model import Bundle
from intermodal.model.bounds import MAX_TEU, MAX_TONNES, MAX_VALUE, time_problem
from intermodal.model.orders import Order
from intermodal.model.shipment import parse_cargo, parse_containers

__all__ = ["MAX_ORDERS", "read_orders"]

#: A book this long is a month of a large hub's orders many times over; past it the file is a mistake, and the
#: candidate search (a few milliseconds an order) would run for an hour.
MAX_ORDERS = 100_000
#: Files larger than this are refused before they are read (about 200 bytes a row: far past MAX_ORDERS).
MAX_BYTES = 64 * 1024 * 1024
#: What an hour late or an order left behind may cost at most, in the scenario's currency.
MAX_PENALTY = 1e9


def _when(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise FieldError("an ISO 8601 time, such as 2020-04-03T08:00+08:00") from None
    if (problem := time_problem(moment, field="")) is not None:
        raise FieldError(problem.expected or "a date in range")
    return moment


def _order_id(value: str) -> str:
    text = value.strip()
    if not text or len(text) > 64 or not text.isprintable():
        raise FieldError("an id of 1 to 64 printable characters")
    return text


COLUMNS: dict[str, Column] = {
    "id": Column(_order_id),
    "from": Column(t.text),
    "to": Column(t.text),
    "teu": Column(t.bounded(0, MAX_TEU, "TEU", "one order", low_open=True), required=False),
    "containers": Column(t.text, required=False),
    "tonnes": Column(t.bounded(0, MAX_TONNES, "t", "one order", low_open=True), required=False),
    "cargo": Column(t.text, required=False, default="general"),
    "value": Column(t.bounded(0, MAX_VALUE, "", "a declared value"), required=False, default=0.0),
    "ready": Column(_when),
    "due": Column(_when),
    "may_split": Column(t.boolean, required=False, default=False),
    "penalty_per_hour_late": Column(
        t.bounded(0, MAX_PENALTY, "per hour", "a penalty"), required=False, default=0.0
    ),
    "penalty_not_carried": Column(t.bounded(0, MAX_PENALTY, "", "a penalty"), required=False, default=0.0),
}


def read_orders(path: str | Path, bundle: Bundle) -> list[Order]:
    """The orders in ``path`` (``.csv``, ``.json`` or ``.parquet``), checked against ``bundle``.

    Raises
    ------
    InputError
        Naming each file, row and field at fault (every problem at once), or a file that cannot be read.
    """
    path = Path(path)
    name = path.name
    if not path.is_file():
        raise InputError(Problem("no such file", file=name, expected="a CSV, JSON or Parquet file of orders"))
    if path.stat().st_size > MAX_BYTES:
        raise InputError(Problem("file too large", file=name, expected=f"at most {MAX_BYTES:,} bytes"))
    problems: list[Problem] = []
    suffix = path.suffix.lower()
    if suffix == ".csv":
        rows = list(read_table(Source(path.parent), name, COLUMNS, problems))
    elif suffix in (".json", ".parquet"):
        rows = _parsed(_records(path), name, problems)
    else:
        raise InputError(
            Problem("unknown file type", file=name, found=suffix, expected=".csv, .json or .parquet")
        )
    if len(rows) > MAX_ORDERS:
        raise InputError(
            Problem("too many orders", file=name, found=f"{len(rows):,}", expected=f"at most {MAX_ORDERS:,}")
        )
    orders = _orders(rows, name, bundle, problems)
    if problems:
        raise InputError(problems)
    return orders


def _records(path: Path) -> list[dict[str, Any]]:
    """Rows of a JSON list of objects or of a Parquet file, as dicts."""
    name = path.name
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
            raise InputError(
                Problem(f"not JSON: {err}", file=name, expected="a JSON list of orders")
            ) from None
        if isinstance(data, dict) and isinstance(data.get("orders"), list):
            data = data["orders"]
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise InputError(
                Problem("not a list of orders", file=name, expected='[{"id": ..., "from": ...}, ...]')
            )
        return data
    import polars as pl

    try:
        frame = pl.read_parquet(path)
    except Exception as err:  # polars raises many kinds for a damaged file; each is the same fault to a user
        raise InputError(Problem(f"not a Parquet file: {err}"[:200], file=name)) from None
    return frame.to_dicts()


def _parsed(
    records: list[dict[str, Any]], name: str, problems: list[Problem]
) -> list[tuple[int, dict[str, Any]]]:
    """Records parsed by :data:`COLUMNS` like CSV rows; a record's row is its position, the first being 1."""
    out = []
    for row, record in enumerate(records, start=1):
        unknown = [str(key) for key in record if key not in COLUMNS]
        for key in unknown:
            problems.append(
                Problem("unknown field", file=name, row=row, field=key, expected=", ".join(COLUMNS))
            )
        values = t.record_values(record, COLUMNS, name, row, problems)
        if values is not None and not unknown:
            out.append((row, values))
    return out


def _orders(
    rows: list[tuple[int, dict[str, Any]]], name: str, bundle: Bundle, problems: list[Problem]
) -> list[Order]:
    orders, seen = [], set()
    conversions = load_container_conversions()
    for row, r in rows:
        if r["id"] in seen:
            problems.append(Problem("repeated order id", field="id", found=r["id"], file=name, row=row))
        seen.add(r["id"])
        try:
            cargo = parse_cargo(r["cargo"] or "general")
        except ShipmentError as err:
            problems += [replace(p, file=name, row=row) for p in err.problems]
            continue
        teu = r["teu"]
        if r["containers"]:
            try:
                boxes = parse_containers(r["containers"], conversions)
            except ShipmentError as err:
                problems += [replace(p, file=name, row=row) for p in err.problems]
                continue
            teu = boxes if teu is None else teu
        if teu is None:
            problems.append(Problem("give teu or containers", field="teu", file=name, row=row))
            continue
        tonnes = r["tonnes"] if r["tonnes"] is not None else teu * bundle.manifest.tonnes_per_teu
        if (r["due"].tzinfo is None) == (r["ready"].tzinfo is None) and r["due"] <= r["ready"]:
            problems.append(
                Problem("due is not after ready", field="due", found=r["due"].isoformat(), file=name, row=row)
            )
            continue
        orders.append(
            Order(
                id=r["id"],
                origin=r["from"],
                destination=r["to"],
                teu=float(teu),
                tonnes=float(tonnes),
                cargo=cargo,
                ready=r["ready"],
                due=r["due"],
                value=float(r["value"] or 0.0),
                may_split=bool(r["may_split"]),
                penalty_per_hour_late=float(r["penalty_per_hour_late"] or 0.0),
                penalty_not_carried=float(r["penalty_not_carried"] or 0.0),
            )
        )
    return orders
