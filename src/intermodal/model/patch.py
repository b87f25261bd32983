"""A scenario patch: changes to a bundle, kept apart from it (``patch.toml``; docs/patches.md).

A patch says what changes, never how the files change: :mod:`intermodal.io.patch` reads one and applies it to
a bundle's tables, and the result loads (and is validated) like any bundle. Every value here is already
checked against its bounds; every row value is text as the bundle's CSV files would hold it, so that the
bundle loader parses and checks it exactly as it would a row of the edited file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

__all__ = ["PATCH_TABLES", "AddRow", "ChangeRow", "Closure", "Opening", "Patch"]

#: the tables a patch may add rows to or change rows of, with the column that keys their rows
PATCH_TABLES: Mapping[str, str] = {
    "terminals": "id",
    "links": "id",
    "services": "id",
    "crossings": "terminal",
    "factors": "id",
    "adjustments": "id",
    "tariffs": "id",
}


@dataclass(frozen=True)
class Closure:
    """Close a link, terminal, crossing or service: for the dates ``start`` to ``end`` (inclusive), or for
    good.

    ``where`` names the patch entry (``close[2]``), for problems found when it is applied.
    """

    kind: str
    id: str
    start: date | None = None
    end: date | None = None
    reason: str = ""
    where: str = ""


@dataclass(frozen=True)
class Opening:
    """Run a service on the dates ``start`` to ``end`` (inclusive), whatever its weekly pattern says."""

    service: str
    start: date
    end: date
    where: str = ""


@dataclass(frozen=True)
class ChangeRow:
    """Set some columns of one row of ``table``; ``source`` says where the new values come from."""

    table: str
    key: str
    values: Mapping[str, str]
    source: str
    where: str = ""
    #: a service's new stops (rows of service_stops.csv without service_id and seq), or ``None`` to keep them
    stops: tuple[Mapping[str, str], ...] | None = None


@dataclass(frozen=True)
class AddRow:
    """A new row of ``table``, its columns as in the table's CSV file (and a service's stops)."""

    table: str
    values: Mapping[str, str]
    where: str = ""
    stops: tuple[Mapping[str, str], ...] = ()


@dataclass(frozen=True)
class Patch:
    """One ``patch.toml``: what it is, and its changes in the order they are applied.

    Operations apply in a fixed order whatever their order in the file: additions, changes, removals,
    closures, openings, then the carbon price. So a patch may add a terminal and a service stopping there,
    or change a service it then closes for some dates.
    """

    name: str
    title_en: str
    title_zh: str = ""
    description: str = ""
    source: str = "assumption"
    #: the file it came from and the SHA-256 of its bytes: a patched bundle's identity includes it
    file: str = ""
    sha256: str = ""
    additions: tuple[AddRow, ...] = ()
    changes: tuple[ChangeRow, ...] = ()
    #: services removed outright (with their stops, calendar exceptions and tariffs)
    removals: tuple[tuple[str, str], ...] = ()
    closures: tuple[Closure, ...] = ()
    openings: tuple[Opening, ...] = ()
    carbon_price_per_t: float | None = None
    carbon_price_source: str = ""
