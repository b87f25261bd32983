"""What is shipped: cargo class, quantity, value, ready and due times."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from intermodal.exceptions import Problem, ShipmentError
from intermodal.model.bounds import MAX_TEU, MAX_TONNES, MAX_VALUE, quantity_problem, time_problem

__all__ = [
    "DG_CLASSES",
    "Cargo",
    "CargoKind",
    "ContainerConversions",
    "Shipment",
    "parse_cargo",
    "parse_containers",
]


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


DG_CLASSES = {"1", "2", "3", "4", "5", "6", "7", "8", "9"}


def parse_cargo(text: str, *, field: str = "cargo") -> Cargo:
    """``general``, ``reefer`` or ``dg:CLASS`` (a UN class 1-9, optionally with a division: ``dg:2.1``)."""
    value = text.strip().lower()
    if value in ("general", ""):
        return Cargo()
    if value == "reefer":
        return Cargo(CargoKind.REEFER)
    if value.startswith("dg:"):
        dg_class = value[3:]
        if dg_class.split(".")[0] in DG_CLASSES and all(
            p.isascii() and p.isdigit() for p in dg_class.split(".")
        ):
            return Cargo(CargoKind.DANGEROUS, dg_class)
    raise ShipmentError(
        Problem(
            "unknown cargo class",
            field=field,
            found=text,
            expected="general, reefer or dg:CLASS (dg:3, dg:2.1)",
        )
    )


def parse_containers(text: str, conversions: ContainerConversions, *, field: str = "containers") -> float:
    """TEU in boxes written as ``2x40``, ``1x40hc,3x20`` (GLEC: a 40-ft box is 2.0 TEU, a high cube 2.25)."""
    total = 0.0
    for part in text.replace(" ", "").lower().split(","):
        count, _, box = part.partition("x")
        if not (count.isascii() and count.isdigit()) or int(count) == 0 or box not in conversions.teu_per_box:
            raise ShipmentError(
                Problem(
                    "not a container count",
                    field=field,
                    found=text,
                    expected=f"COUNTxTYPE, TYPE one of {', '.join(conversions.teu_per_box)}, such as 2x40",
                )
            )
        total += int(count) * conversions.teu_per_box[box]
    return total
