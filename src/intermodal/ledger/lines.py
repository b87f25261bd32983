"""Lines: the scheduled services whose departures the ledger records (the ASEAN highway shuttle lines...).

A ledger line is one scheduled service of the network (``shuttle-east``, ``shuttle-east-nb``), so that the
route engine's ``service`` and ``departure`` ids name ledger departures directly. ``commercial_line`` groups
the services that are one line to the operator (both directions of a shuttle); reports by line add them up.
The ledger keeps its own copy of each line's names and default capacity, so that it works before and without a
network bundle; :func:`upsert_lines` refreshes that copy from a scenario's services.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select

from intermodal.exceptions import LedgerError, Problem
from intermodal.ledger import _schema as s
from intermodal.ledger._storage import Ledger
from intermodal.ledger._values import teu_decimal
from intermodal.model.bounds import MAX_CAPACITY_KG, MAX_CAPACITY_TEU, quantity_problem

__all__ = ["DEFAULT_KG_PER_TEU", "Line", "get_line", "line_from_service", "list_lines", "upsert_lines"]

#: Payload limit assumed per TEU when a service gives no weight capacity: GLEC v3.0's "heavy" loading
#: (14.5 t per TEU, p.153) rounded down, so a 2-TEU truck carries at most 28 t.
DEFAULT_KG_PER_TEU = 14_000


@dataclass(frozen=True)
class Line:
    """A line (a scheduled service) as the ledger knows it.

    Parameters
    ----------
    id
        The service id, as in the network bundle (``shuttle-east``).
    name_en, name_zh
        Its names in English and Chinese.
    capacity_teu
        What one departure carries, in TEU (a shuttle truck: 2).
    capacity_kg
        What one departure carries, in kg; ``None`` for ``capacity_teu`` × :data:`DEFAULT_KG_PER_TEU`.
    zone
        The IANA time zone of the line's origin terminal, in which its departures are shown.
    commercial_line
        The line this service belongs to commercially; ``None`` for its own id.
    reefer_plugs_teu
        The reefer boxes one departure can power, in TEU; ``None`` when they are not counted (reefer cargo may
        then fill the whole capacity).
    """

    id: str
    name_en: str
    name_zh: str = ""
    capacity_teu: Decimal = Decimal(2)
    capacity_kg: int | None = None
    zone: str = "Asia/Shanghai"
    commercial_line: str | None = None
    reefer_plugs_teu: Decimal | None = None

    def __post_init__(self) -> None:
        if not self.commercial_line:
            object.__setattr__(self, "commercial_line", self.id)
        object.__setattr__(
            self,
            "capacity_teu",
            teu_decimal(self.capacity_teu, field="capacity_teu", maximum=MAX_CAPACITY_TEU),
        )
        if self.capacity_kg is None:
            object.__setattr__(self, "capacity_kg", int(self.capacity_teu * DEFAULT_KG_PER_TEU))
        if self.reefer_plugs_teu is not None:
            plugs = teu_decimal(
                self.reefer_plugs_teu, field="reefer_plugs_teu", maximum=MAX_CAPACITY_TEU, zero=True
            )
            # no vehicle powers more boxes than it carries (a bundle refuses it; a line made in code may not)
            object.__setattr__(self, "reefer_plugs_teu", min(plugs, self.capacity_teu))
        problems = []
        if not self.id:
            problems.append(Problem("a line needs an id", field="id"))
        if self.capacity_kg is not None and (
            problem := quantity_problem(self.capacity_kg, field="capacity_kg", maximum=MAX_CAPACITY_KG)
        ):
            problems.append(problem)
        if problems:
            raise LedgerError(problems)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["capacity_teu"] = float(self.capacity_teu)
        data["reefer_plugs_teu"] = None if self.reefer_plugs_teu is None else float(self.reefer_plugs_teu)
        return data


def line_from_service(service: Any, *, zone: str | None = None) -> Line:
    """Build a :class:`Line` from a network-model service or a mapping with the same fields.

    Reads ``id``, ``name_en``, ``name_zh``, ``capacity_teu`` and, where present, ``capacity_kg``, ``zone``,
    ``line`` (the commercial line) and ``reefer_plugs_teu``. ``zone`` overrides the service's zone: pass its
    first terminal's.
    """

    def get(name: str, default: Any = None) -> Any:
        if isinstance(service, Mapping):
            return service.get(name, default)
        return getattr(service, name, default)

    capacity_kg = get("capacity_kg")
    plugs = get("reefer_plugs_teu")
    return Line(
        id=str(get("id")),
        name_en=str(get("name_en") or get("id")),
        name_zh=str(get("name_zh") or ""),
        capacity_teu=Decimal(str(get("capacity_teu", 2))),
        capacity_kg=None if capacity_kg is None else int(capacity_kg),
        zone=zone or str(get("zone") or "Asia/Shanghai"),
        commercial_line=str(get("line") or "") or None,
        reefer_plugs_teu=None if plugs is None else Decimal(str(plugs)),
    )


def _upsert(connection: Connection, lines: Iterable[Line]) -> int:
    count = 0
    for line in lines:
        row = {k: v for k, v in asdict(line).items() if k != "id"}
        exists = connection.execute(select(s.lines.c.id).where(s.lines.c.id == line.id)).first()
        if exists:
            connection.execute(s.lines.update().where(s.lines.c.id == line.id).values(**row))
        else:
            connection.execute(s.lines.insert().values(id=line.id, **row))
        count += 1
    return count


def upsert_lines(ledger: Ledger, lines: Iterable[Line]) -> int:
    """Add lines, or update the names and default capacity of lines already there; returns how many."""
    items = list(lines)
    return ledger.write(lambda connection: _upsert(connection, items))


def _line(row: Any) -> Line:
    return Line(
        id=row.id,
        name_en=row.name_en,
        name_zh=row.name_zh,
        capacity_teu=row.capacity_teu,
        capacity_kg=row.capacity_kg,
        zone=row.zone,
        commercial_line=row.commercial_line,
        reefer_plugs_teu=row.reefer_plugs_teu,
    )


def list_lines(ledger: Ledger) -> list[Line]:
    """Every line in the ledger, by id."""
    with ledger.reading() as connection:
        return [_line(r) for r in connection.execute(select(s.lines).order_by(s.lines.c.id))]


def get_line(ledger: Ledger, line_id: str) -> Line:
    """One line; raises :class:`~intermodal.exceptions.LedgerError` if the ledger has no such line."""
    with ledger.reading() as connection:
        row = connection.execute(select(s.lines).where(s.lines.c.id == line_id)).first()
    if row is None:
        raise LedgerError(Problem("unknown line", field="line", found=line_id))
    return _line(row)
