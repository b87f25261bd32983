"""Reading bundle tables: CSV rows parsed column by column, keeping every problem with file, row and field."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, time
from functools import cache
from importlib import resources
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from intermodal.exceptions import BundleError, Problem
from intermodal.io._archive import BUNDLE_LIMITS, Archive
from intermodal.model import Mode

Parser = Callable[[str], Any]


class FieldError(ValueError):
    """A value that does not parse; ``expected`` says what would."""

    def __init__(self, expected: str) -> None:
        super().__init__(expected)
        self.expected = expected


@dataclass
class Source:
    """A bundle's files, in a folder or a zip, read by name within the limits of :data:`BUNDLE_LIMITS`."""

    path: Path
    _archive: Archive | None = None
    _prefix: str = ""
    #: the files' texts by name, for a bundle made in memory (a base with patches applied)
    _texts: dict[str, str] | None = None

    @classmethod
    def of_texts(cls, path: Path, texts: dict[str, str]) -> Source:
        """A bundle held in memory: ``texts`` by file name; ``path`` only names it."""
        return cls(path, _texts=texts)

    @classmethod
    def open(cls, path: Path) -> Source:
        """The folder or zip at ``path``.

        Raises
        ------
        BundleError
            When ``path`` is a file but no readable zip, or a zip over the limits.
        """
        if not path.is_file():
            return cls(path)
        if not zipfile.is_zipfile(path):
            raise BundleError(
                Problem("not a zip archive", file=path.name, expected="a bundle folder, or a zip of one")
            )
        archive = Archive(path, BUNDLE_LIMITS)
        manifests = sorted((n for n in archive.names() if n.endswith("manifest.toml")), key=len)
        prefix = manifests[0][: -len("manifest.toml")] if manifests else ""
        return cls(path, archive, prefix)

    def exists(self, name: str) -> bool:
        if self._texts is not None:
            return name in self._texts
        if self._archive is not None:
            return self._prefix + name in self._archive
        return (self.path / name).is_file()

    def open_text(self, name: str) -> IO[str]:
        """The file as a stream of UTF-8 text with its newlines as they are (what :mod:`csv` wants).

        Raises
        ------
        BundleError
            When the file is over the size limit, or its zip member is damaged.
        """
        if self._texts is not None:
            return io.StringIO(self._texts[name], newline="")
        if self._archive is not None:
            return self._archive.open_text(self._prefix + name)
        file = self.path / name
        size = file.stat().st_size
        if size > BUNDLE_LIMITS.member_bytes:
            raise BundleError(
                Problem(
                    "file is too large",
                    file=name,
                    found=f"{size} bytes",
                    expected=f"at most {BUNDLE_LIMITS.member_bytes} bytes",
                )
            )
        return file.open(encoding="utf-8-sig", newline="")

    def read_text(self, name: str) -> str:
        with self.open_text(name) as f:
            return f.read()

    def text_or_problem(self, name: str, problems: list[Problem]) -> str | None:
        """The file's text, or ``None`` with a problem when it is not UTF-8.

        Raises
        ------
        BundleError
            When the file is too large or its zip is damaged: the bundle cannot be read as a whole.
        """
        try:
            return self.read_text(name)
        except UnicodeDecodeError as err:
            problems.append(_not_utf8(name, None, err))
        return None


def _not_utf8(file: str, line: int | None, err: UnicodeDecodeError) -> Problem:
    # a stream decodes in chunks, so the byte offset is within a chunk: the line read last is what helps
    where = f"after line {line}" if line is not None else f"byte {err.start}"
    return Problem(f"not UTF-8 text ({where})", file=file, expected="a UTF-8 text file")


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


def record_values(
    record: dict[str, Any], columns: dict[str, Column], name: str, row: int, problems: list[Problem]
) -> dict[str, Any] | None:
    """A JSON or Parquet record parsed by ``columns`` as a CSV row would be, or ``None`` when a value is at
    fault (each named in ``problems`` by ``name``, ``row`` and field)."""
    values: dict[str, Any] = {}
    bad = False
    for key, column in columns.items():
        raw = record.get(key)
        if raw is None or raw == "":
            if column.required:
                problems.append(Problem("value is missing", file=name, row=row, field=key))
                bad = True
            values[key] = column.default
            continue
        text = cell_text(raw)
        try:
            values[key] = column.parse(text)
        except FieldError as err:
            problems.append(
                Problem(
                    "value is not valid",
                    file=name,
                    row=row,
                    field=key,
                    found=excerpt(text),
                    expected=err.expected,
                )
            )
            bad = True
    return None if bad else values


def cell_text(raw: object) -> str:
    """A JSON or Parquet value as the text a CSV cell would hold."""
    if isinstance(raw, date):  # a datetime too
        return raw.isoformat()
    return str(raw).lower() if isinstance(raw, bool) else str(raw)


def read_table(
    source: Source, file: str, columns: dict[str, Column], problems: list[Problem], *, optional: bool = False
) -> Table:
    """Parse ``file`` by ``columns``, appending every problem found to ``problems``.

    Each row is one line: a value that runs over several lines is reported at the line where its quote opens,
    since it is nearly always a quote left open that swallowed the rows after it.

    Raises
    ------
    BundleError
        When the file is too large or its zip is damaged: then the problems of the other files would only be
        echoes of the rows lost, so this one is raised alone.
    """
    table = Table(file)
    if not source.exists(file):
        if not optional:
            problems.append(Problem("file is missing", file=file, expected="a CSV file with a header row"))
        return table
    with source.open_text(file) as stream:
        lines = _Lines(stream)
        reader = csv.DictReader(lines)
        try:
            _read_rows(reader, lines, table, columns, problems)
        except UnicodeDecodeError as err:
            problems.append(_not_utf8(file, lines.count, err))
    return table


class _Lines:
    """The lines of a CSV stream, keeping those of the record being read: where it starts, and its text."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self.record: list[str] = []
        #: lines read so far (the csv reader's own count lags on a row it cannot read)
        self.count = 0

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        line = next(self._stream)
        self.record.append(line)
        self.count += 1
        return line

    def start(self) -> int:
        """The line the record starts on: the csv reader skips blank lines before it."""
        blank = next((i for i, text in enumerate(self.record) if text.strip("\r\n")), 0)
        return self.count - len(self.record) + 1 + blank

    def spans(self) -> int:
        """How many lines the record runs over."""
        return len(self.record) - next((i for i, text in enumerate(self.record) if text.strip("\r\n")), 0)


def _unreadable(file: str, header: Sequence[str], lines: _Lines, err: csv.Error) -> Problem:
    limit = csv.field_size_limit()
    index = _long_field("".join(lines.record), limit)
    return Problem(
        f"cannot read the row: {err}",
        file=file,
        row=lines.start(),
        field=header[index] if index < len(header) else None,
        expected=f"values of at most {limit} characters, each on one line",
    )


def _long_field(text: str, limit: int) -> int:
    """The index of the first field of a CSV record longer than ``limit`` characters (or the last field)."""
    index, length, quoted = 0, 0, False
    for char in text:
        if char == '"':
            quoted = not quoted  # a doubled quote toggles twice: right for this count
        elif char == "," and not quoted:
            index, length = index + 1, 0
            continue
        length += 1
        if length > limit:
            break
    return index


def _read_rows(
    reader: csv.DictReader[str],
    lines: _Lines,
    table: Table,
    columns: dict[str, Column],
    problems: list[Problem],
) -> None:
    file = table.file
    try:
        header = reader.fieldnames or []
    except csv.Error as err:  # a header over the field limit
        problems.append(_unreadable(file, [], lines, err))
        return
    missing = [c for c, spec in columns.items() if spec.required and c not in header]
    for name in missing:
        problems.append(Problem("required column is missing", file=file, row=1, field=name))
    if missing:
        return
    for name in sorted({h for h in header if header.count(h) > 1}):
        # the csv module keeps the last of two same-named columns and drops the first without a word
        problems.append(
            Problem("duplicate column", file=file, row=1, field=name, expected="each column once")
        )
    unknown = [h for h in header if h not in columns]
    for name in unknown:
        problems.append(
            Problem(
                "unknown column", file=file, row=1, field=name, expected=", ".join(columns) or "no columns"
            )
        )
    lines.record.clear()
    while True:
        try:
            raw = next(reader)
        except StopIteration:
            break
        except csv.Error as err:
            # the csv module stops on a value over its size limit (a quote left open is the usual cause); the
            # next call starts afresh on the line after, so the rows after it are still read
            problems.append(_unreadable(file, header, lines, err))
            table.broken.add(
                next((r for r in lines.record if r.strip()), "").split(",")[0].strip().strip('"')
            )
            lines.record.clear()
            continue
        line, spans = lines.start(), lines.spans()
        lines.record.clear()
        if spans > 1:
            spilled = next(
                (k for k, v in raw.items() if isinstance(v, str) and ("\n" in v or "\r" in v)), None
            )
            problems.append(
                Problem(
                    f"a quoted value runs over {spans} lines: is its closing quote missing?",
                    file=file,
                    row=line,
                    field=spilled,
                    found=excerpt(raw[spilled]) if spilled is not None else None,
                    expected=f"each row on one line, with the quote opened on line {line} closed on it",
                )
            )
            # the row holds the rows it swallowed: its fields would only raise echoes of this problem
            table.broken.add((raw.get(next(iter(columns))) or "").strip())
            continue
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
                        found=excerpt(text),
                        expected=err.expected,
                    )
                )
                ok = False
        if ok:
            table.rows.append((line, row))
        else:
            table.broken.add((raw.get(next(iter(columns))) or "").strip())


def excerpt(text: str, limit: int = 80) -> str:
    # a swallowed file in one value would make a problem line of megabytes
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} characters)"


# Parsers. Each raises FieldError naming what it expected.


def text(value: str) -> str:
    return value


def ident(value: str) -> str:
    if any(c.isspace() for c in value) or value != value.lower():
        raise FieldError("a lower-case id without spaces")
    return value


def bounded(low: float, high: float, unit: str, why: str, *, low_open: bool = False) -> Parser:
    """A parser of finite numbers from ``low`` to ``high`` (above ``low`` when ``low_open``).

    Every number in a bundle has such bounds, each with the reason a value past it is wrong: beyond them a
    value is a typo or a hostile file, and sums of it overflow (``1e308`` km makes every route cost infinite,
    and a search over infinite costs never ends).
    """
    first = f"more than {low:g}" if low_open else f"{low:g}"
    expected = f"a number from {first} to {high:g} {unit} ({why})".replace("  ", " ")

    def parse(value: str) -> float:
        try:
            result = number(value)
        except FieldError:
            raise FieldError(expected) from None
        if not (low < result if low_open else low <= result) or result > high:
            raise FieldError(expected)
        return result

    return parse


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
    except (ZoneInfoNotFoundError, ValueError, OSError):  # "Asia" names a folder of zones: IsADirectoryError
        raise FieldError("an IANA time zone such as Asia/Shanghai") from None
    return value


#: the user-assigned ISO 3166 code for a place in no country (a GTFS stop whose zone is UTC), as CLDR uses it
UNKNOWN_COUNTRY = "ZZ"


@cache
def countries_in_use() -> frozenset[str]:
    """The ISO 3166-1 alpha-2 codes assigned to countries, from the IANA time zone data (``iso3166.tab``)."""
    table = resources.files("tzdata").joinpath("zoneinfo", "iso3166.tab").read_text(encoding="utf-8")
    return frozenset(line.split("\t")[0] for line in table.splitlines() if line and not line.startswith("#"))


def country(value: str) -> str:
    if value != UNKNOWN_COUNTRY and value not in countries_in_use():
        raise FieldError("an ISO 3166 two-letter country code in use, such as CN (or ZZ for none)")
    return value


def countries(value: str) -> frozenset[str]:
    """Countries separated by ``|``, each an ISO 3166 code in use (the sides of a border crossing)."""
    found = tokens(value)
    if not found or not found <= countries_in_use():
        raise FieldError("ISO 3166 two-letter country codes in use, separated by |, such as CN|VN")
    return found


#: ISO 4217 currency codes in use (list one, 2025), less XTS (testing) and XXX (no currency)
_ISO_4217 = (
    "AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN BZD "
    "CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP "
    "GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW "
    "KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN "
    "NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD "
    "SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW "
    "UZS VED VES VND VUV WST XAF XAG XAU XBA XBB XBC XBD XCD XCG XDR XOF XPD XPF XPT XSU XUA YER ZAR ZMW "
    "ZWG"
)
CURRENCIES = frozenset(_ISO_4217.split())


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
