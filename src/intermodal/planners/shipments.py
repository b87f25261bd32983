"""Turning what a user asks ("2 TEU reefer, ready Monday") into a validated :class:`Shipment`."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from intermodal.exceptions import Problem, ShipmentError
from intermodal.model import Bundle, Cargo, Shipment
from intermodal.model.bounds import (
    MAX_TEU,
    MAX_TONNES,
    MAX_VALUE,
    MAX_WINDOW_DAYS,
    quantity_problem,
    time_problem,
    window_problem,
)
from intermodal.model.rules import load_problems
from intermodal.model.shipment import parse_cargo, parse_containers

__all__ = ["make_shipment", "parse_cargo", "parse_containers", "parse_time"]


def parse_time(text: str, *, field: str) -> datetime:
    """An ISO 8601 date or date-time from 1970 to 2100 (:mod:`intermodal.model.bounds`).

    A time without an offset is read later in the origin's zone.
    """
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ShipmentError(
            Problem(
                "not an ISO 8601 time", field=field, found=text, expected="such as 2020-04-03T08:00+08:00"
            )
        ) from None
    if problem := time_problem(when, field=field):
        raise ShipmentError(problem)
    return when


def make_shipment(
    bundle: Bundle,
    *,
    teu: float | None = None,
    tonnes: float | None = None,
    cargo: Cargo | str = "general",
    value: float | None = None,
    ready: datetime | str | None = None,
    due: datetime | str | None = None,
    max_window_days: float = MAX_WINDOW_DAYS,
) -> Shipment:
    """A validated shipment. Every problem with the request is reported at once.

    With TEU only, the tonnes come from the bundle's ``tonnes_per_teu``; with tonnes only, the TEU are the
    fewest boxes that hold them. ``ready`` defaults to now. Quantities, dates and the ready-to-due window
    (at most ``max_window_days``; a server may set its own) are bounded as in
    :mod:`intermodal.model.bounds`, for the CLI and the API alike.

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
    bad: set[str] = set()
    for name, number, ceiling in (
        ("teu", teu, MAX_TEU),
        ("tonnes", tonnes, MAX_TONNES),
        ("value", value, MAX_VALUE),
    ):
        if number is not None and (problem := quantity_problem(number, field=name, maximum=ceiling)):
            problems.append(problem)
            bad.add(name)
    if teu is None and tonnes is None:
        teu = 1.0
    if teu is not None and "teu" not in bad and tonnes is None:
        tonnes = teu * m.tonnes_per_teu
    elif tonnes is not None and "tonnes" not in bad and teu is None:
        teu = float(max(1, math.ceil(tonnes / m.max_tonnes_per_teu)))
    if teu and tonnes and not bad & {"teu", "tonnes"}:
        problems += load_problems(teu, tonnes, m)
    ready_at, due_at = _time(ready, "ready", problems), _time(due, "due", problems)
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
    elif due_at is not None and (problem := window_problem(ready_at, due_at, max_days=max_window_days)):
        problems.append(problem)
    if problems:
        raise ShipmentError(problems)
    assert teu is not None and tonnes is not None
    return Shipment(
        teu=float(teu), tonnes=float(tonnes), cargo=cargo, ready=ready_at, due=due_at, value=value
    )


def _time(value: datetime | str | None, field: str, problems: list[Problem]) -> datetime | None:
    """``value`` as a bounded time, or ``None`` (absent, or wrong: its problem is added to ``problems``)."""
    try:
        when = parse_time(value, field=field) if isinstance(value, str) else value
    except ShipmentError as err:
        problems += err.problems
        return None
    if when is not None and (problem := time_problem(when, field=field)):
        problems.append(problem)
        return None
    return when


def _comparable(when: datetime) -> datetime:
    # Naive times are compared as if in the same zone; the planner gives them the origin's zone later.
    return when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo else when
