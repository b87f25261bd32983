"""Reading bundle tables: CSV rows parsed column by column, keeping every problem with file, row and field."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from intermodal.exceptions import Problem
from intermodal.model import Mode

Parser = Callable[[str], Any]


class FieldError(ValueError):
    """A value that does not parse; ``expected`` says what would."""

    def __init__(self, expected: str) -> None:
        super().__init__(expected)
        self.expected = expected


@dataclass
class Source:
    """A bundle's files, in a folder or a zip, read by name."""

    path: Path
    _zip: zipfile.ZipFile | None = None
    _prefix: str = ""

    @classmethod
    def open(cls, path: Path) -> Source:
        if path.is_file() and zipfile.is_zipfile(path):
            zf = zipfile.ZipFile(path)
            names = zf.namelist()
            manifests = sorted((n for n in names if n.endswith("manifest.toml")), key=len)
            prefix = manifests[0][: -len("manifest.toml")] if manifests else ""
            return cls(path, zf, prefix)
        return cls(path)

    def exists(self, name: str) -> bool:
        if self._zip is not None:
            return self._prefix + name in self._zip.namelist()
        return (self.path / name).is_file()

    def read_text(self, name: str) -> str:
        if self._zip is not None:
            return self._zip.read(self._prefix + name).decode("utf-8-sig")
        return (self.path / name).read_text(encoding="utf-8-sig")

    def text_or_problem(self, name: str, problems: list[Problem]) -> str | None:
        """The file's text, or ``None`` with a problem when it is not UTF-8."""
        try:
            return self.read_text(name)
        except UnicodeDecodeError as err:
            problems.append(
                Problem(f"not UTF-8 text (byte {err.start})", file=name, expected="a UTF-8 text file")
            )
            return None


@dataclass
class Column:
    """How to read one column: its parser, and whether a value is required."""

    parse: Parser
    required: bool = True
    default: Any = None


@dataclass
class Table:
    """The parsed rows of one CSV file. Rows with a problem in any field are dropped from ``rows``."""

    file: str
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    #: key (first column) of each row dropped for a problem, so references to it raise no second problem
    broken: set[str] = field(default_factory=set)

    def __iter__(self) -> Iterator[tuple[int, dict[str, Any]]]:
        return iter(self.rows)


def read_table(
    source: Source, file: str, columns: dict[str, Column], problems: list[Problem], *, optional: bool = False
) -> Table:
    """Parse ``file`` by ``columns``, appending every problem found to ``problems``."""
    table = Table(file)
    if not source.exists(file):
        if not optional:
            problems.append(Problem("file is missing", file=file, expected="a CSV file with a header row"))
        return table
    text = source.text_or_problem(file, problems)
    if text is None:
        return table
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    missing = [c for c, spec in columns.items() if spec.required and c not in header]
    for name in missing:
        problems.append(Problem("required column is missing", file=file, row=1, field=name))
    if missing:
        return table
    unknown = [h for h in header if h not in columns]
    for name in unknown:
        problems.append(
            Problem(
                "unknown column", file=file, row=1, field=name, expected=", ".join(columns) or "no columns"
            )
        )
    for line, raw in enumerate(reader, start=2):
        ok = True
        if None in raw:  # DictReader files values past the header under None: a stray comma, shifted columns
            problems.append(
                Problem(
                    "more fields than the header",
                    file=file,
                    row=line,
                    found=",".join(raw[None]),
                    expected=f"{len(header)} fields",
                )
            )
            ok = False
        row: dict[str, Any] = {}
        for name, spec in columns.items():
            text = (raw.get(name) or "").strip()
            if not text:
                if spec.required:
                    problems.append(Problem("value is missing", file=file, row=line, field=name))
                    ok = False
                row[name] = spec.default
                continue
            try:
                row[name] = spec.parse(text)
            except FieldError as err:
                problems.append(
                    Problem(
                        "value is not valid",
                        file=file,
                        row=line,
                        field=name,
                        found=text,
                        expected=err.expected,
                    )
                )
                ok = False
        if ok:
            table.rows.append((line, row))
        else:
            table.broken.add((raw.get(next(iter(columns))) or "").strip())
    return table


# Parsers. Each raises FieldError naming what it expected.


def text(value: str) -> str:
    return value


def ident(value: str) -> str:
    if any(c.isspace() for c in value) or value != value.lower():
        raise FieldError("a lower-case id without spaces")
    return value


def number(value: str) -> float:
    try:
        result = float(value)
    except ValueError:
        raise FieldError("a number") from None
    if result != result or result in (float("inf"), float("-inf")):
        raise FieldError("a finite number")
    return result


def positive(value: str) -> float:
    result = number(value)
    if result <= 0:
        raise FieldError("a number greater than 0")
    return result


def non_negative(value: str) -> float:
    result = number(value)
    if result < 0:
        raise FieldError("a number of 0 or more")
    return result


def latitude(value: str) -> float:
    result = number(value)
    if not -90 <= result <= 90:
        raise FieldError("a latitude between -90 and 90")
    return result


def longitude(value: str) -> float:
    result = number(value)
    if not -180 <= result <= 180:
        raise FieldError("a longitude between -180 and 180")
    return result


def boolean(value: str) -> bool:
    v = value.lower()
    if v in ("true", "yes", "1", "y"):
        return True
    if v in ("false", "no", "0", "n"):
        return False
    raise FieldError("true or false")


def mode(value: str) -> Mode:
    try:
        return Mode(value)
    except ValueError:
        raise FieldError(" | ".join(m.value for m in Mode)) from None


def modes(value: str) -> frozenset[Mode]:
    return frozenset(mode(v.strip()) for v in value.split("|") if v.strip())


def tokens(value: str) -> frozenset[str]:
    return frozenset(v.strip() for v in value.split("|") if v.strip())


def timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise FieldError("an IANA time zone such as Asia/Shanghai") from None
    return value


def country(value: str) -> str:
    if len(value) != 2 or not value.isalpha() or not value.isupper():
        raise FieldError("an ISO 3166 two-letter country code such as CN")
    return value


def clock_times(value: str) -> tuple[time, ...]:
    out = []
    for part in value.split("|"):
        try:
            fields = [int(x) for x in part.strip().split(":")]
            if len(fields) not in (2, 3):
                raise ValueError(part)
            out.append(time(fields[0], fields[1], fields[2] if len(fields) == 3 else 0))
        except ValueError:
            raise FieldError(
                "times of day as HH:MM or HH:MM:SS separated by |, such as 09:00|18:00"
            ) from None
    return tuple(sorted(out))


_DAYS = ["mo", "tu", "we", "th", "fr", "sa", "su"]
_HOURS_HINT = "opening hours such as Mo-Fr 08:00-18:00; Sa 08:00-12:00, or 24/7"


def opening_hours(value: str) -> tuple[tuple[frozenset[int], int, int], ...]:
    """A subset of OpenStreetMap's opening_hours: ``Mo-Fr 08:00-18:00; Sa 08:00-12:00`` or ``24/7``."""
    if value.strip() == "24/7":
        return ()
    rules = []
    for rule in value.split(";"):
        try:
            days_text, times_text = rule.split()
            days: set[int] = set()
            for part in days_text.lower().split(","):
                first, _, last = part.partition("-")
                a, b = _DAYS.index(first), _DAYS.index(last or first)
                days |= set(range(a, b + 1)) if a <= b else set(range(a, 7)) | set(range(b + 1))
            start_text, end_text = times_text.split("-")
            start, end = (int(x[:2]) * 60 + int(x[3:]) for x in (start_text, end_text))
            if len(start_text) != 5 or len(end_text) != 5 or not 0 <= start < end <= 24 * 60:
                raise ValueError(rule)
        except ValueError:
            raise FieldError(_HOURS_HINT) from None
        rules.append((frozenset(days), start, end))
    return tuple(rules)


def iso_date(value: str) -> date:
    try:
        if len(value) == 8 and value.isascii() and value.isdigit():  # GTFS style 20200403
            return date(int(value[:4]), int(value[4:6]), int(value[6:]))
        return date.fromisoformat(value)
    except ValueError:
        raise FieldError("a date as YYYY-MM-DD") from None


def weekdays(value: str) -> frozenset[int]:
    if len(value) != 7 or set(value) - {"0", "1"}:
        raise FieldError("seven 0/1 digits for Monday to Sunday, such as 1111100")
    return frozenset(i for i, c in enumerate(value) if c == "1")


def choice(*allowed: str) -> Parser:
    def parse(value: str) -> str:
        if value not in allowed:
            raise FieldError(" | ".join(allowed))
        return value

    return parse


def source_text(value: str) -> str:
    return value
