"""Turning what a user asks ("2 TEU reefer, ready Monday") into a validated :class:`Shipment`."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from intermodal.exceptions import Problem, ShipmentError
from intermodal.model import Bundle, Cargo, CargoKind, ContainerConversions, Shipment

__all__ = ["make_shipment", "parse_cargo", "parse_containers", "parse_time"]

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


def parse_time(text: str, *, field: str) -> datetime:
    """An ISO 8601 date or date-time. A time without an offset is read later in the origin's zone."""
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        raise ShipmentError(
            Problem(
                "not an ISO 8601 time", field=field, found=text, expected="such as 2020-04-03T08:00+08:00"
            )
        ) from None


def make_shipment(
    bundle: Bundle,
    *,
    teu: float | None = None,
    tonnes: float | None = None,
    cargo: Cargo | str = "general",
    value: float | None = None,
    ready: datetime | str | None = None,
    due: datetime | str | None = None,
) -> Shipment:
    """A validated shipment. Every problem with the request is reported at once.

    With TEU only, the tonnes come from the bundle's ``tonnes_per_teu``; with tonnes only, the TEU are the
    fewest boxes that hold them. ``ready`` defaults to now.

    Raises
    ------
    ShipmentError
        Naming each request field at fault.
    """
    problems: list[Problem] = []
    m = bundle.manifest
    if isinstance(cargo, str):
        try:
            cargo = parse_cargo(cargo)
        except ShipmentError as err:
            problems += err.problems
            cargo = Cargo()
    for name, number in (("teu", teu), ("tonnes", tonnes), ("value", value)):
        if number is not None and (not math.isfinite(number) or number <= 0):
            problems.append(
                Problem("must be greater than 0", field=name, found=str(number), expected="a number > 0")
            )
    if teu is None and tonnes is None:
        teu = 1.0
    if teu is not None and teu > 0 and tonnes is None:
        tonnes = teu * m.tonnes_per_teu
    elif tonnes is not None and tonnes > 0 and teu is None:
        teu = float(max(1, math.ceil(tonnes / m.max_tonnes_per_teu)))
    if teu and tonnes and teu > 0 and tonnes > 0 and tonnes / teu > m.max_tonnes_per_teu:
        problems.append(
            Problem(
                f"{tonnes:g} t in {teu:g} TEU is {tonnes / teu:.1f} t per TEU, more than a TEU can carry",
                field="tonnes",
                found=str(tonnes),
                expected=f"at most {m.max_tonnes_per_teu:g} t per TEU ({m.max_tonnes_per_teu_source})",
            )
        )
    try:
        ready_at = parse_time(ready, field="ready") if isinstance(ready, str) else ready
    except ShipmentError as err:
        problems += err.problems
        ready_at = None
    try:
        due_at = parse_time(due, field="due") if isinstance(due, str) else due
    except ShipmentError as err:
        problems += err.problems
        due_at = None
    if ready_at is None:
        ready_at = datetime.now(UTC).replace(second=0, microsecond=0)
    if due_at is not None and _comparable(due_at) <= _comparable(ready_at):
        problems.append(
            Problem(
                "due time is not after the ready time",
                field="due",
                found=due_at.isoformat(),
                expected=f"later than {ready_at.isoformat()}",
            )
        )
    if problems:
        raise ShipmentError(problems)
    assert teu is not None and tonnes is not None
    return Shipment(
        teu=float(teu), tonnes=float(tonnes), cargo=cargo, ready=ready_at, due=due_at, value=value
    )


def _comparable(when: datetime) -> datetime:
    # Naive times are compared as if in the same zone; the planner gives them the origin's zone later.
    return when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo else when
