"""Scenario patches: read ``patch.toml`` (docs/patches.md) and apply it to a bundle's tables.

A patch edits the base bundle's CSV rows in memory; the edited tables then load through
:func:`~intermodal.io.bundle.load_source` like any bundle, so a patched bundle is checked exactly as the
edited files would be, and routes exactly as they would. A problem in a value a patch brought is reported
against the patch (its file and entry, such as ``add.services[2].capacity_teu``), and a patch naming
something the base lacks is a problem, never a silent no-op.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import hashlib
import io
import itertools
import json
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from intermodal.exceptions import BundleError, Problem
from intermodal.io import _tables as t
from intermodal.io._atomic import staged_folder
from intermodal.io._tables import Column, FieldError, Source
from intermodal.io.bundle import (
    ADJUSTMENTS,
    CALENDAR_DATES,
    CLOSURES,
    CROSSINGS,
    FACTORS,
    LINKS,
    SERVICES,
    STOPS,
    TARIFFS,
    TERMINALS,
    load_bundle,
    load_source,
)
from intermodal.io.scenarios import scenario_path
from intermodal.model import Bundle
from intermodal.model.bounds import EARLIEST_DATE, LATEST_DATE, MAX_CARBON_PRICE
from intermodal.model.patch import PATCH_TABLES, AddRow, ChangeRow, Closure, Opening, Patch

__all__ = [
    "MAX_PATCH_BYTES",
    "apply_patches",
    "find_patch",
    "list_patches",
    "parse_patch",
    "patched_texts",
    "read_patch",
    "write_patched",
]

#: a patch file larger than this is not a patch but a bundle (or a mistake)
MAX_PATCH_BYTES = 1_000_000
#: additions, changes, removals, closures and openings in one patch
MAX_ENTRIES = 10_000
#: the longest dated closure or opening: ten years of calendar exceptions is already a new timetable
MAX_DAYS = 3_660
#: the days all dated closures and openings of a patch add up to: each is a row of calendar_dates.csv
MAX_DAYS_IN_ALL = 100_000
#: a patch's name: it becomes part of the patched bundle's name (``chongqing+2026``)
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")

_COLUMNS: Mapping[str, dict[str, Column]] = {
    "terminals": TERMINALS,
    "links": LINKS,
    "services": SERVICES,
    "crossings": CROSSINGS,
    "factors": FACTORS,
    "adjustments": ADJUSTMENTS,
    "tariffs": TARIFFS,
}
_STOP_COLUMNS = {k: v for k, v in STOPS.items() if k not in ("service_id", "seq")}
_KINDS = ("link", "terminal", "crossing", "service")
#: the files a bundle may hold; a patched bundle carries over those it does not edit as they are
_FILES = (
    "manifest.toml",
    "terminals.csv",
    "links.csv",
    "links.geojson",
    "services.csv",
    "service_stops.csv",
    "calendar_dates.csv",
    "crossings.csv",
    "handling.csv",
    "factors.csv",
    "adjustments.csv",
    "tariffs.csv",
    "closures.csv",
)
_TOP_KEYS = {"patch", "carbon", "close", "open", "remove", "change", "add"}
_HEAD_KEYS = ("name", "title_en", "title_zh", "description", "source")
_CARBON_KEYS = ("price_per_t", "source")

# reading


def read_patch(path: str | Path) -> Patch:
    """Read and check the patch file at ``path``.

    Raises
    ------
    BundleError
        Naming the file and the entry and field at fault, for every problem found.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_PATCH_BYTES:
            raise BundleError(
                Problem(
                    "patch file is too large",
                    file=path.name,
                    found=f"{size} bytes",
                    expected=f"at most {MAX_PATCH_BYTES} bytes",
                )
            )
        data = path.read_bytes()
    except OSError as err:
        raise BundleError(
            Problem(f"cannot read: {err.strerror or err}", file=str(path), expected="a readable patch.toml")
        ) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BundleError(Problem("not UTF-8 text", file=path.name, expected="a UTF-8 TOML file")) from None
    return parse_patch(text, file=path.name, sha256=hashlib.sha256(data).hexdigest())


def parse_patch(text: str, *, file: str = "patch.toml", sha256: str = "") -> Patch:
    """Check the text of a patch file; see :func:`read_patch`."""
    try:
        doc = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError) as err:
        raise BundleError(Problem(f"not valid TOML: {err}", file=file, expected="a patch.toml")) from None
    reader = _Reader(file)
    patch = reader.read(doc, sha256 or hashlib.sha256(text.encode()).hexdigest())
    if reader.problems or patch is None:
        raise BundleError(reader.problems)
    return patch


@dataclass
class _Reader:
    file: str
    problems: list[Problem] = field(default_factory=list)
    entries: int = 0

    def problem(self, message: str, where: str, found: object = None, expected: str | None = None) -> None:
        shown = None if found is None else t.excerpt(str(found))
        self.problems.append(Problem(message, file=self.file, field=where, found=shown, expected=expected))

    def read(self, doc: dict[str, Any], sha256: str) -> Patch | None:
        for key in doc:
            if key not in _TOP_KEYS:
                self.problem("unknown table", key, expected=", ".join(sorted(_TOP_KEYS)))
        head = self.table(doc, "patch")
        self.known_keys(head, "patch", _HEAD_KEYS)
        name = head.get("name")
        if not isinstance(name, str) or not NAME.match(name):
            self.problem(
                "not a patch name", "patch.name", name, "lower-case letters, digits, - and _, at most 64"
            )
        title = self.text(head, "title_en", "patch", required=True)
        source = self.text(head, "source", "patch", required=True)
        additions = self.additions(self.table(doc, "add"))
        changes = self.changes(self.table(doc, "change"))
        removals = self.removals(self.table(doc, "remove"))
        closures = [self.closure(entry, f"close[{i}]") for i, entry in enumerate(self.array(doc, "close"))]
        openings = [self.opening(entry, f"open[{i}]") for i, entry in enumerate(self.array(doc, "open"))]
        carbon = self.table(doc, "carbon")
        price, price_source = None, ""
        if carbon:
            self.known_keys(carbon, "carbon", _CARBON_KEYS)
            value: Any = carbon.get("price_per_t")
            if not _is_number(value) or not 0 <= value <= MAX_CARBON_PRICE:
                self.problem(
                    "not a carbon price",
                    "carbon.price_per_t",
                    value,
                    f"a number from 0 to {MAX_CARBON_PRICE:,} (per tonne CO2e, the bundle's currency)",
                )
            else:
                price = float(value)
            price_source = self.text(carbon, "source", "carbon", required=True)
        total = len(additions) + len(changes) + len(removals) + len(closures) + len(openings)
        days = sum((d.end - d.start).days + 1 for d in (*closures, *openings) if d and d.start and d.end)
        if days > MAX_DAYS_IN_ALL:
            self.problems.append(
                Problem(
                    "too many dated days",
                    file=self.file,
                    found=f"{days:,} days over all dated closures and openings",
                    expected=f"at most {MAX_DAYS_IN_ALL:,}",
                )
            )
        if total > MAX_ENTRIES:
            # the whole file is at fault, not its [patch] table
            self.problems.append(
                Problem(
                    "too many entries",
                    file=self.file,
                    found=f"{total:,}",
                    expected=f"at most {MAX_ENTRIES:,}",
                )
            )
        if self.problems or not isinstance(name, str):
            return None
        return Patch(
            name=name,
            title_en=title,
            title_zh=self.text(head, "title_zh", "patch"),
            description=self.text(head, "description", "patch"),
            source=source,
            file=self.file,
            sha256=sha256,
            additions=tuple(additions),
            changes=tuple(changes),
            removals=tuple(removals),
            closures=tuple(c for c in closures if c is not None),
            openings=tuple(o for o in openings if o is not None),
            carbon_price_per_t=price,
            carbon_price_source=price_source,
        )

    # shapes

    def known_keys(self, table: dict[str, Any], prefix: str, keys: Sequence[str]) -> None:
        # a misspelt key (titel_en) would otherwise be dropped without a word
        for key in sorted(set(table) - set(keys)):
            self.problem("unknown key", f"{prefix}.{key}", expected=", ".join(keys))

    def table(self, doc: dict[str, Any], key: str) -> dict[str, Any]:
        value = doc.get(key, {})
        if not isinstance(value, dict):
            self.problem("not a table", key, expected=f"a [{key}] table")
            return {}
        return value

    def array(self, doc: dict[str, Any], key: str) -> list[dict[str, Any]]:
        value = doc.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.problem("not an array of tables", key, expected=f"[[{key}]] entries")
            return []
        return value

    def text(self, table: dict[str, Any], key: str, prefix: str, *, required: bool = False) -> str:
        value = table.get(key, "")
        if not isinstance(value, str) or (required and not value.strip()):
            self.problem(
                "value is missing" if not value else "not text",
                f"{prefix}.{key}",
                value or None,
                "text" + (": a citation, or the word assumption" if key == "source" else ""),
            )
            return ""
        return value

    def date(self, entry: dict[str, Any], key: str, where: str) -> date | None:
        value = entry.get(key)
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = date.fromisoformat(value)
        if isinstance(value, datetime) or not isinstance(value, date):
            self.problem("not a date", f"{where}.{key}", value, "a date such as 2026-01-31")
            return None
        if not EARLIEST_DATE <= value <= LATEST_DATE:
            self.problem("date out of range", f"{where}.{key}", value, f"{EARLIEST_DATE} to {LATEST_DATE}")
            return None
        return value

    def dates(
        self, entry: dict[str, Any], where: str, *, required: bool
    ) -> tuple[dt.date | None, dt.date | None]:
        if "from" not in entry and "to" not in entry and not required:
            return None, None
        start, end = self.date(entry, "from", where), self.date(entry, "to", where)
        if start is not None and end is not None:
            if end < start:
                self.problem("to is before from", f"{where}.to", end, f">= {start}")
            elif (end - start).days >= MAX_DAYS:
                self.problem("too long a period", f"{where}.to", end, f"at most {MAX_DAYS} days after from")
        return start, end

    # entries

    def closure(self, entry: dict[str, Any], where: str) -> Closure | None:
        kinds = [k for k in _KINDS if k in entry]
        unknown = set(entry) - {*_KINDS, "from", "to", "reason", "source"}
        for key in sorted(unknown):
            self.problem(
                "unknown key", f"{where}.{key}", expected=f"one of {', '.join(_KINDS)}, from, to, reason"
            )
        if len(kinds) != 1:
            self.problem(
                "a closure closes one thing",
                where,
                ", ".join(kinds) or "(nothing)",
                f"exactly one of {', '.join(_KINDS)}",
            )
            return None
        ident = self.ident(entry[kinds[0]], f"{where}.{kinds[0]}")
        start, end = self.dates(entry, where, required=False)
        if ident is None or ("from" in entry and (start is None or end is None)):
            return None
        self.count()
        return Closure(kinds[0], ident, start, end, str(entry.get("reason", "")), where)

    def opening(self, entry: dict[str, Any], where: str) -> Opening | None:
        for key in sorted(set(entry) - {"service", "from", "to", "reason", "source"}):
            self.problem("unknown key", f"{where}.{key}", expected="service, from, to, reason")
        ident = self.ident(entry.get("service"), f"{where}.service")
        start, end = self.dates(entry, where, required=True)
        if ident is None or start is None or end is None:
            return None
        self.count()
        return Opening(ident, start, end, where)

    def removals(self, table: dict[str, Any]) -> list[tuple[str, str]]:
        for key in sorted(set(table) - {"services"}):
            self.problem("unknown key", f"remove.{key}", expected="services (a list of service ids)")
        value = table.get("services", [])
        if not isinstance(value, list):
            self.problem("not a list", "remove.services", value, "a list of service ids")
            return []
        out = []
        for i, sid in enumerate(value):
            ident = self.ident(sid, f"remove.services[{i}]")
            if ident is not None:
                self.count()
                out.append((ident, f"remove.services[{i}]"))
        return out

    def additions(self, table: dict[str, Any]) -> list[AddRow]:
        out = []
        for name, entries in self.tables(table, "add"):
            for i, entry in enumerate(entries):
                where = f"add.{name}[{i}]"
                values = self.row(entry, name, where, skip={"stops"})
                stops = self.stops(entry, where) if name == "services" else ()
                if name == "services" and "stops" not in entry:
                    self.problem("value is missing", f"{where}.stops", expected="a list of two or more stops")
                key = PATCH_TABLES[name]
                if values is not None and key not in values:
                    self.problem("value is missing", f"{where}.{key}", expected=f"the new row's {key}")
                elif values is not None and stops is not None and (name != "services" or stops):
                    self.count()
                    out.append(AddRow(name, values, where, stops))
        return out

    def changes(self, table: dict[str, Any]) -> list[ChangeRow]:
        out = []
        for name, entries in self.tables(table, "change"):
            key = PATCH_TABLES[name]
            for i, entry in enumerate(entries):
                where = f"change.{name}[{i}]"
                ident = self.ident(entry.get(key), f"{where}.{key}")
                source = self.text(entry, "source", where, required=True)
                values = self.row(entry, name, where, skip={key, "source", "stops"})
                stops = self.stops(entry, where) if "stops" in entry else None
                if name != "services" and "stops" in entry:
                    self.problem("unknown column", f"{where}.stops", expected="stops change services only")
                if ident is not None and values is not None and (values or stops is not None):
                    self.count()
                    out.append(ChangeRow(name, ident, values, source, where, stops))
                elif ident is not None and values is not None:
                    self.problem(
                        "changes nothing", where, expected="a column to set besides its key and source"
                    )
        return out

    def tables(self, table: dict[str, Any], verb: str) -> Iterable[tuple[str, list[dict[str, Any]]]]:
        for name, entries in table.items():
            if name not in PATCH_TABLES:
                self.problem("unknown table", f"{verb}.{name}", expected=" | ".join(PATCH_TABLES))
                continue
            if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
                self.problem(
                    "not an array of tables", f"{verb}.{name}", expected=f"[[{verb}.{name}]] entries"
                )
                continue
            yield name, entries

    def row(self, entry: dict[str, Any], name: str, where: str, *, skip: set[str]) -> dict[str, str] | None:
        """The entry's values as CSV text, each checked by its column's parser."""
        columns = _COLUMNS[name]
        out: dict[str, str] = {}
        ok = True
        for key, value in entry.items():
            if key in skip:
                continue
            if key not in columns:
                self.problem(
                    "unknown column",
                    f"{where}.{key}",
                    expected=f"a column of {name}.csv: {', '.join(columns)}",
                )
                ok = False
                continue
            text = self.cell(value, columns[key], f"{where}.{key}")
            if text is None:
                ok = False
            else:
                out[key] = text
        return out if ok else None

    def stops(self, entry: dict[str, Any], where: str) -> tuple[Mapping[str, str], ...] | None:
        value = entry.get("stops", [])
        if not isinstance(value, list) or not all(isinstance(s, dict) for s in value) or len(value) < 2:
            self.problem(
                "not a list of stops",
                f"{where}.stops",
                None,
                "two or more {terminal, arrive_offset_h, depart_offset_h}",
            )
            return None
        out = []
        for i, stop in enumerate(value):
            at = f"{where}.stops[{i}]"
            values: dict[str, str] = {}
            for key, v in stop.items():
                if key not in _STOP_COLUMNS:
                    self.problem("unknown column", f"{at}.{key}", expected=", ".join(_STOP_COLUMNS))
                    continue
                text = self.cell(v, _STOP_COLUMNS[key], f"{at}.{key}")
                if text is not None:
                    values[key] = text
            missing = [c for c, spec in _STOP_COLUMNS.items() if spec.required and c not in stop]
            for c in missing:
                self.problem("value is missing", f"{at}.{c}", expected="a value")
            out.append(values)
        return tuple(out)

    def cell(self, value: object, column: Column, where: str) -> str | None:
        text = _as_text(value)
        if text is None:
            self.problem(
                "not a value a table holds", where, value, "text, a number, true/false, a date or a list"
            )
            return None
        if text or column.required:
            try:
                column.parse(text)
            except FieldError as err:
                self.problem("value is not valid", where, text, err.expected)
                return None
        return text

    def ident(self, value: object, where: str) -> str | None:
        if not isinstance(value, str) or not value or value != value.strip().lower() or " " in value:
            self.problem("not an id", where, value, "a lower-case id without spaces, as the bundle spells it")
            return None
        return value

    def count(self) -> None:
        self.entries += 1


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value  # NaN fails


def _as_text(value: object) -> str | None:
    """A TOML value as the CSV files would write it; ``None`` for a value no cell holds."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, datetime):
        return None
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, list):
        parts = [_as_text(v) for v in value]
        if any(p is None or isinstance(v, list) for p, v in zip(parts, value, strict=True)):
            return None
        return "|".join(p for p in parts if p is not None)
    return None


# finding


def find_patch(base: str | Path, name_or_path: str | Path) -> Path:
    """The patch file ``name_or_path``: a path to a ``.toml`` file, or the name of one of the base's patches.

    A bundle folder keeps its patches in ``patches/NAME.toml`` (the embedded scenarios ship theirs there).

    Raises
    ------
    BundleError
        No such file, and no such patch of the base.
    """
    candidate = Path(name_or_path)
    if str(name_or_path).endswith(".toml") and candidate.is_file():
        return candidate
    folder = scenario_path(base)
    own = folder / "patches" / f"{name_or_path}.toml"
    if NAME.match(str(name_or_path)) and folder.is_dir() and own.is_file():
        return own
    known = list_patches(base)
    raise BundleError(
        Problem(
            "no such patch",
            field="patch",
            found=t.excerpt(str(name_or_path)),
            expected=(f"one of {', '.join(known)}, or " if known else "") + "a path to a patch .toml file",
        )
    )


def list_patches(base: str | Path) -> list[str]:
    """The names of the patches a bundle folder ships in ``patches/``."""
    folder = scenario_path(base)
    if not (folder / "patches").is_dir():
        return []
    return sorted(p.stem for p in (folder / "patches").glob("*.toml"))


# applying


def apply_patches(base: str | Path, patches: Sequence[str | Path | Patch]) -> Bundle:
    """The bundle ``base`` (a scenario name or bundle path) with ``patches`` applied in order.

    The patched bundle is named ``BASE+P1+P2`` and its version carries each patch's checksum, so caches keyed
    by a bundle's name and version never mix it with its base.

    Raises
    ------
    BundleError
        A patch has problems, names something the bundle lacks, or leaves a bundle that does not load; each
        problem names the patch file and entry where it can.
    """
    if not patches:
        from intermodal.io.scenarios import load_scenario

        return load_scenario(base)
    folder = scenario_path(base)
    if all(isinstance(p, str) and not p.endswith(".toml") for p in patches) and _embedded(folder):
        return _apply_embedded(str(folder), tuple(str(p) for p in patches))
    return _apply(folder, [_patch_of(base, p) for p in patches])


def _embedded(folder: Path) -> bool:
    from intermodal.io.scenarios import _EMBEDDED

    return folder.resolve().is_relative_to(_EMBEDDED)


#: patched embedded bundles kept (about 1 MB each for Chongqing): the API lets any client name any sequence of
#: a scenario's patches, tens of thousands of them, so keeping every one would grow without end
PATCHED_KEPT = 16


@lru_cache(maxsize=PATCHED_KEPT)
def _apply_embedded(folder: str, names: tuple[str, ...]) -> Bundle:
    # the embedded scenarios and their patches never change while the process runs: apply each set once
    return _apply(Path(folder), [_patch_of(folder, name) for name in names])


def _patch_of(base: str | Path, patch: str | Path | Patch) -> Patch:
    return patch if isinstance(patch, Patch) else read_patch(find_patch(base, patch))


def _apply(folder: Path, patches: Sequence[Patch]) -> Bundle:
    return _loaded(folder, patches)[0]


def _loaded(folder: Path, patches: Sequence[Patch]) -> tuple[Bundle, dict[str, str]]:
    """The patched bundle, and its files' text for :func:`write_patched` to write."""
    texts, origins = patched_texts(folder, patches)
    try:
        return load_source(Source.of_texts(folder, texts)), texts
    except BundleError as err:
        names = ", ".join(p.file for p in patches)
        lead = Problem(f"the bundle with {names} applied does not load")
        raise BundleError([lead, *(_blame(p, origins) for p in err.problems)]) from None


def write_patched(base: str | Path, patches: Sequence[str | Path | Patch], out: str | Path) -> Path:
    """Write ``base`` with ``patches`` applied as a bundle folder at ``out``: all of it, or nothing.

    Raises
    ------
    InputError
        ``out`` cannot be written (before any work), or writing fails; nothing is left behind.
    BundleError
        As :func:`apply_patches`; nothing is written.
    """
    from intermodal.io._atomic import check_target

    target = Path(out)
    check_target(target, folder=True)
    folder = scenario_path(base)
    resolved = [_patch_of(base, p) for p in patches]
    _, texts = _loaded(folder, resolved)  # every problem before anything is written
    with staged_folder(target) as stage:
        for name, text in texts.items():
            (stage / name).write_text(text, encoding="utf-8", newline="")
        load_bundle(stage)
    return target


# the tables


@dataclass
class _Table:
    header: list[str]
    rows: list[dict[str, str]]
    #: the patch entry each row came from ("" for the base's own rows)
    origin: list[str]

    def add(self, row: Mapping[str, str], origin: str) -> None:
        for key in row:
            if key not in self.header:
                self.header.append(key)
        self.rows.append(dict(row))
        self.origin.append(origin)

    def keep(self, wanted: Any) -> list[dict[str, str]]:
        """Keep the rows ``wanted`` says yes to; return the others."""
        kept = [(r, o) for r, o in zip(self.rows, self.origin, strict=True) if wanted(r)]
        gone = [r for r in self.rows if not wanted(r)]
        self.rows, self.origin = [r for r, _ in kept], [o for _, o in kept]
        return gone

    def text(self, file: str, origins: dict[tuple[str, int], str]) -> str:
        out = io.StringIO()
        writer = csv.DictWriter(out, self.header, lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        line = 2
        for row, origin in zip(self.rows, self.origin, strict=True):
            before = out.tell()
            writer.writerow({k: row.get(k, "") for k in self.header})
            if origin:
                origins[(file, line)] = origin
            line += out.getvalue()[before:].count("\n")
        return out.getvalue()


@dataclass
class _Bundle:
    """A bundle's files as editable rows; what the patch operations work on."""

    folder: Path
    texts: dict[str, str]
    tables: dict[str, _Table]
    problems: list[Problem] = field(default_factory=list)
    #: calendar_dates.csv's rows by service and date while patches apply (:meth:`calendar_rows` writes them
    #: back): a dated closure touches one service's dates, never a scan of every service's
    calendar: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)

    @classmethod
    def read(cls, folder: Path) -> _Bundle:
        source = Source.open(folder)
        texts = {name: source.read_text(name) for name in _FILES if source.exists(name)}
        tables = {}
        for name in (
            "terminals",
            "links",
            "services",
            "service_stops",
            "calendar_dates",
            "crossings",
            "factors",
            "adjustments",
            "tariffs",
            "closures",
        ):
            text = texts.get(f"{name}.csv")
            header = list(_default_header(name))
            rows: list[dict[str, str]] = []
            if text is not None:
                reader = csv.DictReader(io.StringIO(text, newline=""))
                header = list(reader.fieldnames or header)
                rows = [{k: v or "" for k, v in r.items() if k is not None} for r in reader]
            tables[name] = _Table(header, rows, [""] * len(rows))
        calendar: dict[str, dict[str, dict[str, str]]] = {}
        for row in tables["calendar_dates"].rows:
            calendar.setdefault(row["service_id"], {})[row["date"]] = row
        return cls(folder, texts, tables, calendar=calendar)

    def calendar_rows(self) -> None:
        """Put the calendar the patches edited back into the calendar_dates table."""
        table = self.tables["calendar_dates"]
        table.rows = [row for days in self.calendar.values() for row in days.values()]
        table.origin = [""] * len(table.rows)

    def problem(self, patch: Patch, message: str, where: str, found: str | None, expected: str) -> None:
        self.problems.append(Problem(message, file=patch.file, field=where, found=found, expected=expected))

    def find(self, table: str, key: str) -> dict[str, str] | None:
        column = PATCH_TABLES.get(table, "id")
        return next((r for r in self.tables[table].rows if r.get(column) == key), None)

    # services

    def drop_service(self, sid: str) -> None:
        self.tables["services"].keep(lambda r: r["id"] != sid)
        self.tables["service_stops"].keep(lambda r: r["service_id"] != sid)
        self.calendar.pop(sid, None)
        lines = {r.get("line") or r["id"] for r in self.tables["services"].rows}
        ids = {r["id"] for r in self.tables["services"].rows}
        # a tariff for a service or line that no longer runs would be a tariff for nothing
        self.tables["tariffs"].keep(
            lambda r: (
                (not r.get("service") or r["service"] in ids) and (not r.get("line") or r["line"] in lines)
            )
        )

    def stops_of(self, sid: str) -> list[dict[str, str]]:
        own = [r for r in self.tables["service_stops"].rows if r["service_id"] == sid]
        return sorted(own, key=lambda r: float(r["seq"]))

    def set_stops(self, sid: str, stops: Sequence[Mapping[str, str]], origin: str) -> None:
        self.tables["service_stops"].keep(lambda r: r["service_id"] != sid)
        for i, stop in enumerate(stops):
            self.tables["service_stops"].add(
                {"service_id": sid, "seq": str(i + 1), **stop}, f"{origin}.stops[{i}]"
            )

    def hops_open(self, sid: str) -> bool:
        """Whether every hop of the service still has a link of its mode."""
        row = self.find("services", sid)
        assert row is not None
        pairs = set()
        for link in self.tables["links"].rows:
            if link["mode"] == row["mode"]:
                pairs.add((link["from"], link["to"]))
                if _flag(link.get("bidirectional", ""), default=True):
                    pairs.add((link["to"], link["from"]))
        stops = self.stops_of(sid)
        return all((a["terminal"], b["terminal"]) in pairs for a, b in itertools.pairwise(stops))

    def carries(self, sid: str) -> bool:
        picked = False
        for stop in self.stops_of(sid):
            if picked and _flag(stop.get("dropoff", ""), default=True):
                return True
            picked = picked or _flag(stop.get("pickup", ""), default=True)
        return False

    def drop_broken_services(self) -> None:
        for row in list(self.tables["services"].rows):
            if not self.hops_open(row["id"]) or not self.carries(row["id"]):
                self.drop_service(row["id"])

    def except_dates(self, sid: str, days: Iterable[date], kind: str) -> None:
        """Calendar exceptions: ``kind`` "1" runs the service on ``days``, "2" cancels it."""
        own = self.calendar.setdefault(sid, {})
        for day in sorted({d.isoformat() for d in days}):
            own.pop(day, None)  # the new exception replaces the old, and goes last as it always has
            own[day] = {"service_id": sid, "date": day, "exception_type": kind}

    def runs_on(self, sid: str) -> list[tuple[date, list[float]]]:
        """Each date the service departs its first stop, with its departure clock times in hours."""
        row = self.find("services", sid)
        assert row is not None
        weekdays = t.weekdays(row["weekdays"])
        start, end = t.iso_date(row["start_date"]), t.iso_date(row["end_date"])
        added: set[date] = set()
        removed: set[date] = set()
        for r in self.calendar.get(sid, {}).values():
            (added if r["exception_type"] == "1" else removed).add(t.iso_date(r["date"]))
        clocks = [c.hour + c.minute / 60 for c in t.clock_times(row["departures"])]
        days = []
        day = start
        while day <= end:
            if day.weekday() in weekdays and day not in removed:
                days.append(day)
            day += timedelta(days=1)
        days += sorted(added - set(days))
        return [(d, clocks) for d in days]


def _default_header(table: str) -> list[str]:
    extra = {"service_stops": STOPS, "calendar_dates": CALENDAR_DATES, "closures": CLOSURES}
    return list({**_COLUMNS, **extra}[table])


def _flag(value: str, *, default: bool) -> bool:
    return default if not value.strip() else t.boolean(value)


def patched_texts(
    folder: Path, patches: Sequence[Patch]
) -> tuple[dict[str, str], dict[tuple[str, int], str]]:
    """The patched bundle's files as text, and which patch entry each patched row came from."""
    b = _Bundle.read(folder)
    for patch in patches:
        _apply_one(b, patch)
    if b.problems:
        raise BundleError(b.problems)
    b.calendar_rows()
    origins: dict[tuple[str, int], str] = {}
    texts = dict(b.texts)
    for name, table in b.tables.items():
        if table.rows or f"{name}.csv" in texts:
            texts[f"{name}.csv"] = table.text(f"{name}.csv", origins)
    texts["manifest.toml"] = _manifest(texts["manifest.toml"], patches)
    return texts, origins


def _apply_one(b: _Bundle, patch: Patch) -> None:
    tag = f"{patch.file}::"
    for add in patch.additions:
        key = PATCH_TABLES[add.table]
        if b.find(add.table, add.values[key]) is not None:
            b.problem(
                patch,
                f"already in the bundle's {add.table}.csv",
                f"{add.where}.{key}",
                add.values[key],
                f"a new {key}, or [[change.{add.table}]] to change the row",
            )
            continue
        b.tables[add.table].add(add.values, tag + add.where)
        if add.table == "services":
            b.set_stops(add.values["id"], add.stops, tag + add.where)
    for change in patch.changes:
        row = b.find(change.table, change.key)
        key = PATCH_TABLES[change.table]
        if row is None:
            b.problem(
                patch,
                f"not in the bundle's {change.table}.csv",
                f"{change.where}.{key}",
                change.key,
                f"the {key} of a row of {change.table}.csv",
            )
            continue
        index = b.tables[change.table].rows.index(row)
        row.update(change.values)
        if "source" in b.tables[change.table].header:
            row["source"] = f"{change.source} (patch {patch.name}); before: {row.get('source', '')}"
        for k in change.values:
            if k not in b.tables[change.table].header:
                b.tables[change.table].header.append(k)
        b.tables[change.table].origin[index] = tag + change.where
        if change.stops is not None:
            b.set_stops(change.key, change.stops, tag + change.where)
    for sid, where in patch.removals:
        if b.find("services", sid) is None:
            b.problem(patch, "not in the bundle's services.csv", where, sid, "an id of services.csv")
            continue
        b.drop_service(sid)
    for closure in patch.closures:
        _close(b, patch, closure)
    for opening in patch.openings:
        if b.find("services", opening.service) is None:
            b.problem(
                patch,
                "not in the bundle's services.csv",
                f"{opening.where}.service",
                opening.service,
                "an id of services.csv",
            )
            continue
        b.except_dates(opening.service, _days(opening.start, opening.end), "1")


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def _close(b: _Bundle, patch: Patch, c: Closure) -> None:
    table = {"link": "links", "terminal": "terminals", "crossing": "crossings", "service": "services"}[c.kind]
    row = b.find(table, c.id)
    if row is None:
        b.problem(
            patch,
            f"not in the bundle's {table}.csv",
            f"{c.where}.{c.kind}",
            c.id,
            f"a {c.kind} of {table}.csv",
        )
        return
    dated = c.start is not None and c.end is not None
    if c.kind == "service":
        if dated:
            assert c.start is not None and c.end is not None
            b.except_dates(c.id, _days(c.start, c.end), "2")
        else:
            b.drop_service(c.id)
        return
    if dated and (c.kind != "link" or _flag(row.get("flexible", ""), default=row["mode"] == "road")):
        # a road, a terminal or a crossing closed for some dates is no change to the tables the search
        # compiles: it is a closure the search passes none of in its window, as it does the ledger's
        b.tables["closures"].add(
            {
                "kind": c.kind,
                "target": c.id,
                "from": str(c.start),
                "to": str(c.end),
                "source": f"{patch.source} (patch {patch.name})",
                "notes": c.reason,
            },
            f"{patch.file}::{c.where}",
        )
        return
    if c.kind == "link" and dated:
        assert c.start is not None and c.end is not None
        _cancel_trips_over(b, row, c.start, c.end)
        return
    if c.kind == "link":
        b.tables["links"].keep(lambda r: r["id"] != c.id)
    elif c.kind == "terminal":
        # trucks no longer go there, and trains and ships pass it without loading or unloading
        b.tables["links"].keep(
            lambda r: (
                not (
                    c.id in (r["from"], r["to"]) and _flag(r.get("flexible", ""), default=r["mode"] == "road")
                )
            )
        )
        stops = b.tables["service_stops"]
        for stop in stops.rows:
            if stop["terminal"] == c.id:
                stop["pickup"], stop["dropoff"] = "false", "false"
        for name in ("pickup", "dropoff"):
            if name not in stops.header:
                stops.header.append(name)
    else:
        b.tables["crossings"].keep(lambda r: r["terminal"] != c.id)
        # a link across a border needs a crossing at one end: those that have none left close too
        clears = {r["terminal"] for r in b.tables["crossings"].rows}
        country = {r["id"]: r["country"] for r in b.tables["terminals"].rows}
        b.tables["links"].keep(
            lambda r: country[r["from"]] == country[r["to"]] or r["from"] in clears or r["to"] in clears
        )
    b.drop_broken_services()


def _cancel_trips_over(b: _Bundle, link: dict[str, str], start: date, end: date) -> None:
    """Cancel every trip of a service that rides ``link`` on a date from ``start`` to ``end``."""
    ends = {(link["from"], link["to"])}
    if _flag(link.get("bidirectional", ""), default=True):
        ends.add((link["to"], link["from"]))
    for service in b.tables["services"].rows:
        if service["mode"] != link["mode"]:
            continue
        stops = b.stops_of(service["id"])
        hops = [
            (float(a["depart_offset_h"]), float(z["arrive_offset_h"]))
            for a, z in itertools.pairwise(stops)
            if (a["terminal"], z["terminal"]) in ends
        ]
        if not hops:
            continue
        cancelled = []
        for day, clocks in b.runs_on(service["id"]):
            midnight = datetime.combine(day, time())
            for clock in clocks:
                for leave_h, reach_h in hops:
                    first = (midnight + timedelta(hours=clock + leave_h)).date()
                    last = (midnight + timedelta(hours=clock + reach_h)).date()
                    if first <= end and last >= start:
                        cancelled.append(day)
        if cancelled:
            b.except_dates(service["id"], cancelled, "2")


def _manifest(text: str, patches: Sequence[Patch]) -> str:
    doc = tomllib.loads(text)
    head = doc.setdefault("bundle", {})
    for p in patches:
        head["name"] = f"{head.get('name', '')}+{p.name}"
        head["version"] = f"{head.get('version', '1')}+{p.name}.{p.sha256[:8]}"
        head["title_en"] = f"{head.get('title_en', '')} + {p.title_en}"
        head["title_zh"] = f"{head.get('title_zh', '')} + {p.title_zh or p.title_en}"
        note = f"Patch {p.name}: {p.title_en}. {p.description}".strip()
        head["description"] = f"{head.get('description', '')}\n{note}".strip()
        if p.carbon_price_per_t is not None:
            doc["carbon"] = {"price_per_t": p.carbon_price_per_t, "source": p.carbon_price_source}
    lines = [f"# {head['name']}: written by intermodal from its base and patches (docs/patches.md)"]
    for name, table in doc.items():
        if not isinstance(table, dict):
            continue
        lines.append(f"[{name}]")
        lines += [f"{k} = {_toml_value(v)}" for k, v in table.items() if _toml_value(v) is not None]
        lines.append("")
    return "\n".join(lines)


def _toml_value(value: object) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string
    return None


def _blame(problem: Problem, origins: Mapping[tuple[str, int], str]) -> Problem:
    """A loader's problem in a row a patch brought, told as a problem of the patch entry."""
    origin = origins.get((problem.file or "", problem.row or 0))
    if origin is None:
        return problem
    file, where = origin.split("::", 1)
    return Problem(
        problem.message,
        file=file,
        field=f"{where}.{problem.field}" if problem.field else where,
        found=problem.found,
        expected=problem.expected,
    )
