"""Every error intermodal raises on purpose.

The hierarchy::

    IntermodalError
    ├── InputError                 bad input from a user: the CLI exits 2, the API answers 4xx
    │   ├── BundleError            a bundle has problems; ``.problems`` lists every one
    │   ├── PlaceError             a place name, code or "lat,lon" that resolves to nothing usable
    │   ├── ShipmentError          an impossible shipment or query (negative TEU, due before ready...)
    │   ├── FactorError            an emission or cost factor table is wrong
    │   └── LedgerError            a ledger write that cannot be done (unknown departure, key reused...)
    │       ├── CapacityError      a booking that would overbook a departure; nothing is written
    │       ├── QuoteError         a quote that can no longer be booked (expired, released, booked already)
    │       └── RebookError        a rebooking that cannot be done: no open disruption breaks the booking
    ├── NoRouteError               the query was fine but no itinerary meets it; ``.reasons`` says why
    ├── LimitError                 a query needed more work than allowed; the API answers 422
    │   └── SearchTimeout          a query ran past its time limit, or was cancelled; the search stopped
    └── CacheError                 an on-disk cache is corrupt or stale (callers rebuild it)

Each ``Problem`` names where it was found (file, row, field, or a request field), what was found and what was
expected, so a user can fix every problem in one pass. :func:`summarize_problems` folds many problems of one
kind (one bad ``route_type`` repeated on 4,000 rows) into the first few and a :class:`RepeatedProblems` count.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

__all__ = [
    "BundleError",
    "CacheError",
    "CapacityError",
    "DisruptedError",
    "FactorError",
    "InputError",
    "IntermodalError",
    "LedgerError",
    "LimitError",
    "NoRouteError",
    "NoRouteReason",
    "PlaceError",
    "Problem",
    "QuoteError",
    "RebookError",
    "ReeferPlugsError",
    "RepeatedProblems",
    "SearchTimeout",
    "ShipmentError",
    "summarize_problems",
]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input.

    Parameters
    ----------
    message
        What is wrong, in a sentence.
    file
        The file (relative to its bundle) or ``None`` for a request.
    row
        The line in a CSV file (the header is line 1, the first data row line 2), or ``None``.
    field
        The column, manifest key or request field at fault.
    found
        The value found, as text.
    expected
        What would have been accepted.
    """

    message: str
    file: str | None = None
    row: int | None = None
    field: str | None = None
    found: str | None = None
    expected: str | None = None

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file
            if self.row is not None:
                where += f":{self.row}"
        if self.field:
            where = f"{where} [{self.field}]" if where else f"[{self.field}]"
        text = f"{where}: {self.message}" if where else self.message
        if self.found is not None:
            text += f" (found {self.found!r}"
            text += f", expected {self.expected})" if self.expected else ")"
        elif self.expected:
            text += f" (expected {self.expected})"
        return text

    def to_dict(self) -> dict[str, object]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class RepeatedProblems:
    """Problems left out of a summary because they repeat one shown above it.

    Parameters
    ----------
    message, file, field
        What the problems share.
    count
        How many were left out.
    first_row, last_row
        The first and last line among them, or ``None`` when they name no line.
    """

    message: str
    file: str | None
    field: str | None
    count: int
    first_row: int | None = None
    last_row: int | None = None

    def __str__(self) -> str:
        where = self.file or ""
        if self.field:
            where = f"{where} [{self.field}]" if where else f"[{self.field}]"
        text = f"… and {self.count:,} more like this"
        if self.first_row is not None:
            same = self.first_row == self.last_row
            text += f" (line {self.first_row})" if same else f" (lines {self.first_row}–{self.last_row})"
        return f"{where}: {text}" if where else text

    def to_dict(self) -> dict[str, object]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


def summarize_problems(problems: Sequence[Problem], *, keep: int = 3) -> list[Problem | RepeatedProblems]:
    """The problems with each kind (same file, field and message) cut to its first ``keep``.

    Kinds come in the order of their first problem, each followed by a :class:`RepeatedProblems` for the
    rest when more than one would be left out, so one bad value repeated on thousands of rows reads as a
    few lines and a count with the range of lines to fix.
    """
    kinds: dict[tuple[str | None, str | None, str], list[Problem]] = {}
    for p in problems:
        kinds.setdefault((p.file, p.field, p.message), []).append(p)
    out: list[Problem | RepeatedProblems] = []
    for (file, field_name, message), same in kinds.items():
        if len(same) <= keep + 1:
            out += same
            continue
        out += same[:keep]
        rows = [p.row for p in same[keep:] if p.row is not None]
        out.append(
            RepeatedProblems(
                message,
                file,
                field_name,
                len(same) - keep,
                min(rows) if rows else None,
                max(rows) if rows else None,
            )
        )
    return out


class IntermodalError(Exception):
    """Base of every intermodal error."""


class InputError(IntermodalError):
    """Bad input from a user. Carries one or more problems."""

    def __init__(self, problems: list[Problem] | Problem | str) -> None:
        if isinstance(problems, str):
            problems = [Problem(problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class BundleError(InputError):
    """A network bundle failed validation; ``problems`` holds every defect found."""


class PlaceError(InputError):
    """A place that does not resolve to a terminal or a usable point."""


class ShipmentError(InputError):
    """An impossible shipment or query."""


class FactorError(InputError):
    """An emission or cost factor table is wrong."""


class LedgerError(InputError):
    """A ledger write that cannot be done as asked; nothing was written."""


class CapacityError(LedgerError):
    """A booking that would take a departure over its capacity in TEU or kg; nothing was written."""


class ReeferPlugsError(CapacityError):
    """A reefer booking or quote that would take a departure over its reefer plugs, while its TEU and kg
    would fit; nothing was written."""


class DisruptedError(LedgerError):
    """A booking or quote with a leg on a cancelled departure, or passing a link, terminal or crossing while
    an open disruption closes it; every such leg is named and nothing was written."""


class QuoteError(LedgerError):
    """A quote that can no longer be booked or released as asked; nothing was written.

    ``expired`` tells a quote past its valid-until (quote again) from one already booked or released.
    """

    def __init__(self, problems: list[Problem] | Problem | str, *, expired: bool = False) -> None:
        super().__init__(problems)
        self.expired = expired


class RebookError(LedgerError):
    """A booking that no open disruption breaks (or without the option asked for) is not rebooked."""


@dataclass(frozen=True)
class NoRouteReason:
    """One reason why no route exists: the English sentence, and a stable code with its parameters as data.

    A client that speaks another language words the reason from ``code`` and ``params`` (times as ISO 8601
    strings, terminals, services and links by id) instead of translating ``text``.
    """

    text: str
    code: str
    params: Mapping[str, object] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.text

    def as_dict(self) -> dict[str, object]:
        """``{"code": ..., **params}``, with nested reasons as dicts too."""
        out: dict[str, object] = {"code": self.code}
        for key, value in self.params.items():
            if isinstance(value, (list, tuple)):
                value = [v.as_dict() if isinstance(v, NoRouteReason) else v for v in value]
            out[key] = value
        return out


class NoRouteError(IntermodalError):
    """No itinerary satisfies the query. ``reasons`` says why, in plain words; ``details`` as data.

    ``details`` holds one ``{"code": ..., **params}`` per reason given as a :class:`NoRouteReason`.
    """

    def __init__(self, reasons: Sequence[str | NoRouteReason]) -> None:
        self.reasons = [str(r) for r in reasons]
        self.details = [r.as_dict() for r in reasons if isinstance(r, NoRouteReason)]
        super().__init__("; ".join(self.reasons))


class LimitError(IntermodalError):
    """A query needed more search work than its cap allows: narrow it (a due time, a shorter range)."""


class SearchTimeout(LimitError):
    """A query ran past its time limit (or its caller cancelled it); the search stopped without an answer.

    ``seconds`` is the time limit, or ``None`` for a cancelled search that had none.
    """

    def __init__(self, message: str, *, seconds: float | None = None) -> None:
        self.seconds = seconds
        super().__init__(message)


class CacheError(IntermodalError):
    """An on-disk cache is missing, stale or corrupt; the caller rebuilds it."""
