"""What is shipped: cargo class, quantity, value, ready and due times."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

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


@dataclass(frozen=True)
class ContainerConversions:
    """TEU per box type (``40`` is 2.0) and cargo tonnes per TEU by load class (``average`` is 10)."""

    teu_per_box: Mapping[str, float]
    tonnes_per_teu: Mapping[str, float]
    sources: Mapping[str, str]
