"""What is shipped: cargo class, quantity, value, ready and due times."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from intermodal.exceptions import ShipmentError
from intermodal.model.bounds import MAX_TEU, MAX_TONNES, MAX_VALUE, quantity_problem, time_problem

__all__ = ["Cargo", "CargoKind", "ContainerConversions", "Shipment"]


class CargoKind(StrEnum):
    GENERAL = "general"
    REEFER = "reefer"
    DANGEROUS = "dg"


@dataclass(frozen=True)
class Cargo:
    """A cargo class: general, reefer (temperature-controlled) or dangerous goods of a UN class."""

    kind: CargoKind = CargoKind.GENERAL
    dg_class: str | None = None

    @property
    def reefer(self) -> bool:
        return self.kind is CargoKind.REEFER

    def __str__(self) -> str:
        return f"dg:{self.dg_class}" if self.kind is CargoKind.DANGEROUS else self.kind.value


@dataclass(frozen=True)
class Shipment:
    """A consignment: ``teu`` boxes holding ``tonnes`` of cargo, ready at ``ready`` (timezone-aware)."""

    teu: float
    tonnes: float
    cargo: Cargo
    ready: datetime
    due: datetime | None = None
    value: float | None = None

    def __post_init__(self) -> None:
        # make_shipment reports every problem of a request; this guards a shipment made any other way
        # (dataclasses.replace, a script), so that no search starts from a date or quantity out of bounds
        found = [
            quantity_problem(self.teu, field="teu", maximum=MAX_TEU),
            quantity_problem(self.tonnes, field="tonnes", maximum=MAX_TONNES),
            None if self.value is None else quantity_problem(self.value, field="value", maximum=MAX_VALUE),
            time_problem(self.ready, field="ready"),
            None if self.due is None else time_problem(self.due, field="due"),
        ]
        if problems := [p for p in found if p is not None]:
            raise ShipmentError(problems)


@dataclass(frozen=True)
class ContainerConversions:
    """TEU per box type (``40`` is 2.0) and cargo tonnes per TEU by load class (``average`` is 10)."""

    teu_per_box: Mapping[str, float]
    tonnes_per_teu: Mapping[str, float]
    sources: Mapping[str, str]
