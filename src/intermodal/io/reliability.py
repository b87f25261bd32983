"""Measured times on disk: ``reliability.csv``, the calibration patch, and the calibrated bundle.

``intermodal calibrate`` writes a bundle folder: the scenario with a patch (``calibration.toml``, kept in the
folder) that sets each fitted service's stops, crossing's ``clearance_h`` and hub's ``handling_h`` to the
measured medians, and ``reliability.csv``, the fitted spreads the route search turns into ``p_on_time``::

    kind,id,median_h,sigma,planned_h,load_factor,n,source
    service,shuttle-east,45.1,0.123,45,,175,"measured: ledger 2019, n = 175"
    crossing,youyiguan,13.65,0.344,,,618,"measured: ledger 2019, n = 618"
    hub,nanpeng,6.04,0.295,,,1414,"measured: ledger 2019, n = 1414"
    load_factor,shuttle-east,,,,1,175,"measured: ledger 2019, n = 175"
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
from collections.abc import Sequence
from pathlib import Path

from intermodal.exceptions import BundleError, Problem
from intermodal.io._atomic import check_target, staged_folder
from intermodal.io.bundle import load_bundle
from intermodal.io.patch import _patch_of, apply_patches, parse_patch, patched_texts
from intermodal.io.scenarios import scenario_path
from intermodal.model import Bundle, LoadFactor, Reliability, Spread
from intermodal.model.bounds import MAX_ID

__all__ = [
    "PATCH_FILE",
    "RELIABILITY_FILE",
    "calibration_patch_text",
    "read_reliability",
    "reliability_text",
    "write_calibrated_bundle",
]

RELIABILITY_FILE = "reliability.csv"
PATCH_FILE = "calibration.toml"
_HEADER = ("kind", "id", "median_h", "sigma", "planned_h", "load_factor", "n", "source")
_KINDS = ("service", "crossing", "hub", "load_factor")
#: a time longer than a year, a spread wider than 5 (a factor of 150 either way) or a load factor above 2
#: is no measurement of a freight network
_MAX_HOURS = 8784.0
_MAX_SIGMA = 5.0
_MAX_LOAD = 2.0
_MAX_BYTES = 10_000_000


def _g(x: float) -> str:
    return f"{x:.4g}" if x < 1000 else f"{x:.1f}"


def reliability_text(reliability: Reliability) -> str:
    """``reliability`` as the text of ``reliability.csv``."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(_HEADER)
    for kind, table in (
        ("service", reliability.services),
        ("crossing", reliability.crossings),
        ("hub", reliability.hubs),
    ):
        for key, s in sorted(table.items()):
            planned = "" if s.planned_h is None else _g(s.planned_h)
            w.writerow((kind, key, _g(s.median_h), f"{s.sigma:.4f}", planned, "", s.n, s.source))
    for key, lf in sorted(reliability.load_factors.items()):
        w.writerow(("load_factor", key, "", "", "", f"{lf.mean:.4f}", lf.n, lf.source))
    return out.getvalue()


def read_reliability(path: str | Path) -> Reliability:
    """Read ``reliability.csv``, or the one in the folder ``path``.

    Raises
    ------
    BundleError
        The file is missing, too large, or a row is wrong: the problem names the file, row and column.
    """
    p = Path(path)
    if p.is_dir():
        p = p / RELIABILITY_FILE
    name = str(p)
    try:
        if p.stat().st_size > _MAX_BYTES:
            raise BundleError(Problem("file too large", file=name, expected=f"at most {_MAX_BYTES:,} bytes"))
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise BundleError(
            Problem(
                f"cannot read: {getattr(err, 'strerror', None) or err}",
                file=name,
                expected="a reliability.csv written by intermodal calibrate, or a folder holding one",
            )
        ) from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or tuple(rows[0]) != _HEADER:
        raise BundleError(
            Problem(
                "not a reliability table",
                file=name,
                row=1,
                found=",".join(rows[0]) if rows else "",
                expected=",".join(_HEADER),
            )
        )
    problems: list[Problem] = []
    tables: dict[str, dict[str, Spread]] = {"service": {}, "crossing": {}, "hub": {}}
    loads: dict[str, LoadFactor] = {}

    def number(cell: str, line: int, column: str, low: float, high: float, *, low_open: bool) -> float | None:
        try:
            x = float(cell)
        except ValueError:
            x = math.nan
        if not math.isfinite(x) or x > high or x < low or (low_open and x == low):
            bound = "more than" if low_open else "from"
            problems.append(
                Problem(
                    "value is not valid",
                    file=name,
                    row=line,
                    field=column,
                    found=cell,
                    expected=f"a number {bound} {low:g} to {high:g}",
                )
            )
            return None
        return x

    for line, row in enumerate(rows[1:], start=2):
        if len(row) != len(_HEADER):
            problems.append(
                Problem(
                    "wrong number of columns",
                    file=name,
                    row=line,
                    found=str(len(row)),
                    expected=str(len(_HEADER)),
                )
            )
            continue
        cells = dict(zip(_HEADER, row, strict=True))
        kind, key = cells["kind"], cells["id"]
        if kind not in _KINDS:
            problems.append(
                Problem(
                    "unknown kind", file=name, row=line, field="kind", found=kind, expected=" | ".join(_KINDS)
                )
            )
            continue
        if not key or key != key.strip().lower() or " " in key:
            problems.append(
                Problem(
                    "not an id",
                    file=name,
                    row=line,
                    field="id",
                    found=key,
                    expected="a lower-case id without spaces, as the bundle spells it",
                )
            )
            continue
        n = number(cells["n"], line, "n", 0, MAX_ID, low_open=False)
        if n is not None and n != int(n):
            problems.append(Problem("not a whole number", file=name, row=line, field="n", found=cells["n"]))
            n = None
        source = cells["source"].strip()
        if not source:
            problems.append(
                Problem(
                    "value is missing",
                    file=name,
                    row=line,
                    field="source",
                    expected="where the value comes from, or assumption",
                )
            )
        if kind == "load_factor":
            mean = number(cells["load_factor"], line, "load_factor", 0, _MAX_LOAD, low_open=False)
            if mean is not None and n is not None and source:
                loads[key] = LoadFactor(mean, int(n), source)
            continue
        median = number(cells["median_h"], line, "median_h", 0, _MAX_HOURS, low_open=True)
        sigma = number(cells["sigma"], line, "sigma", 0, _MAX_SIGMA, low_open=False)
        planned: float | None = None
        if cells["planned_h"]:
            planned = number(cells["planned_h"], line, "planned_h", 0, _MAX_HOURS, low_open=True)
            if planned is None:
                continue
        elif kind == "service":
            problems.append(
                Problem(
                    "value is missing",
                    file=name,
                    row=line,
                    field="planned_h",
                    expected="the service's timetable hours end to end",
                )
            )
            continue
        if key in tables[kind]:
            problems.append(Problem(f"{kind} listed twice", file=name, row=line, field="id", found=key))
            continue
        if median is not None and sigma is not None and n is not None and source:
            tables[kind][key] = Spread(median, sigma, int(n), source, planned)
    if problems:
        raise BundleError(problems)
    period = ""
    for s in [*tables["service"].values(), *tables["crossing"].values(), *tables["hub"].values()]:
        if s.source.startswith("measured: "):
            period = s.source.removeprefix("measured: ").split(",")[0]
            break
    return Reliability(tables["service"], tables["crossing"], tables["hub"], loads, period)


def calibration_patch_text(reliability: Reliability, bundle: Bundle, name: str) -> str:
    """A patch (docs/patches.md) that sets ``bundle``'s times to the measured medians of ``reliability``.

    Each fitted service's stop offsets are scaled so that it runs its median end to end; each fitted
    crossing's ``clearance_h`` and hub's ``handling_h`` become their medians. Elements ``bundle`` does not
    have are left out. Every row's ``source`` is its measurement's (``measured: ledger 2019, n = 175``).
    """
    what = reliability.period or "the ledger"
    lines = [
        "# Written by intermodal calibrate: the network's times set to those measured in the ledger.",
        "[patch]",
        f'name = "{name}"',
        f'title_en = "Times measured from {what}"',
        f'title_zh = "据台账实测的时间（{what}）"',
        'description = "Service transit, border clearance and hub dwell set to their measured medians."',
        f'source = "measured: {what} (intermodal calibrate)"',
        "",
    ]
    services = {s.id: s for s in bundle.services}
    for sid, spread in sorted(reliability.services.items()):
        service = services.get(sid)
        if service is None or len(service.stops) < 2:
            continue
        planned = service.stops[-1].arrive_offset_h - service.stops[0].depart_offset_h
        if planned <= 0:
            continue
        scale = spread.median_h / planned
        stops = ", ".join(
            f'{{ terminal = "{stop.terminal_id}", arrive_offset_h = {stop.arrive_offset_h * scale:.2f}, '
            f"depart_offset_h = {stop.depart_offset_h * scale:.2f} }}"
            for stop in service.stops
        )
        lines += [
            "[[change.services]]",
            f'id = "{sid}"',
            f"stops = [{stops}]",
            f"source = \"{spread.source}; median transit {spread.median_h:.1f} h against the timetable's "
            f'{planned:g} h"',
            "",
        ]
    for cid, spread in sorted(reliability.crossings.items()):
        if cid in bundle.crossings:
            lines += [
                "[[change.crossings]]",
                f'terminal = "{cid}"',
                f"clearance_h = {spread.median_h:.2f}",
                f'source = "{spread.source}"',
                "",
            ]
    for tid, spread in sorted(reliability.hubs.items()):
        if tid in bundle.terminals:
            lines += [
                "[[change.terminals]]",
                f'id = "{tid}"',
                f"handling_h = {spread.median_h:.2f}",
                f'source = "{spread.source}; yard dwell, gate-in to departure and arrival to gate-out"',
                "",
            ]
    return "\n".join(lines)


def write_calibrated_bundle(
    base: str | Path,
    patches: Sequence[str | Path],
    reliability: Reliability,
    out: str | Path,
    *,
    name: str = "calibrated",
) -> Path:
    """Write ``base`` with ``patches`` and the calibration patch applied, with ``reliability.csv`` and the
    patch itself (``calibration.toml``), as a bundle folder at ``out``: all of it, or nothing.

    Raises
    ------
    InputError
        ``out`` cannot be written (before any work), or writing fails; nothing is left behind.
    BundleError
        A patch does not apply; nothing is written.
    """
    target = Path(out)
    check_target(target, folder=True)
    bundle = apply_patches(base, list(patches))
    text = calibration_patch_text(reliability, bundle, name)
    calibration = parse_patch(text, file=PATCH_FILE, sha256=hashlib.sha256(text.encode()).hexdigest())
    folder = scenario_path(base)
    resolved = [_patch_of(base, p) for p in patches] + [calibration]
    apply_patches(base, resolved)  # every problem before anything is written
    texts, _ = patched_texts(folder, resolved)
    with staged_folder(target) as stage:
        for file, content in texts.items():
            (stage / file).write_text(content, encoding="utf-8", newline="")
        (stage / PATCH_FILE).write_text(text, encoding="utf-8")
        (stage / RELIABILITY_FILE).write_text(reliability_text(reliability), encoding="utf-8")
        load_bundle(stage)
    return target
