"""The cargo rules: what a service, a terminal or a link may carry. One code for the planner and the ledger.

The route search leaves out what these functions refuse, and the ledger refuses a booking for the same
reasons, so a booking can never take a departure that the planner would not have offered (and the other way
round). Each function returns the :class:`~intermodal.exceptions.Problem` s it finds; none means allowed.
"""

from __future__ import annotations

from collections.abc import Mapping

from intermodal.exceptions import Problem
from intermodal.model.bundle import Manifest
from intermodal.model.network import Service, Terminal
from intermodal.model.shipment import Cargo, CargoKind

__all__ = ["crosses_border", "load_problems", "service_problems", "terminal_problems"]


def load_problems(teu: float, tonnes: float, manifest: Manifest, *, field: str = "tonnes") -> list[Problem]:
    """Why ``tonnes`` cannot go in ``teu`` boxes: more per TEU than a box may carry (the manifest's limit)."""
    limit = manifest.max_tonnes_per_teu
    if teu <= 0 or tonnes / teu <= limit:
        return []
    return [
        Problem(
            f"{tonnes:g} t in {teu:g} TEU is {tonnes / teu:.1f} t per TEU, more than a TEU can carry",
            field=field,
            found=f"{tonnes:g}",
            expected=f"at most {limit:g} t per TEU ({manifest.max_tonnes_per_teu_source})",
        )
    ]


def service_problems(service: Service, cargo: Cargo, *, teu: float, field: str = "service") -> list[Problem]:
    """Why ``service`` cannot carry ``teu`` of ``cargo`` (empty when it can).

    A departure of the service carries at most ``capacity_teu`` (a shuttle truck: 2 TEU); reefer cargo needs a
    reefer service, and at most its ``reefer_plugs_teu`` when it counts them; dangerous goods need their class
    (or its whole class, for a division) among the service's.
    """
    problems = []
    if teu > service.capacity_teu + 1e-9:
        problems.append(
            Problem(
                f"{service.id} carries at most {service.capacity_teu:g} TEU a departure",
                field=field,
                found=f"{teu:g} TEU",
                expected="split the shipment over several departures",
            )
        )
    if cargo.kind is CargoKind.REEFER and not service.reefer:
        problems.append(Problem(f"{service.id} does not carry reefer cargo", field=field, found=service.id))
    elif (
        cargo.kind is CargoKind.REEFER
        and service.reefer_plugs_teu is not None
        and teu > service.reefer_plugs_teu + 1e-9
    ):
        problems.append(
            Problem(
                f"{service.id} powers at most {service.reefer_plugs_teu:g} TEU of reefer boxes a departure",
                field=field,
                found=f"{teu:g} TEU reefer",
                expected="split the shipment over several departures",
            )
        )
    if cargo.kind is CargoKind.DANGEROUS and not service.accepts_dg(cargo.dg_class or ""):
        allowed = ", ".join(sorted(service.dg_classes)) or "none"
        problems.append(
            Problem(
                f"{service.id} does not carry dangerous goods of class {cargo.dg_class}",
                field=field,
                found=str(cargo),
                expected=f"a class it carries: {allowed}",
            )
        )
    return problems


def terminal_problems(terminal: Terminal, cargo: Cargo, *, field: str = "terminal") -> list[Problem]:
    """Why ``cargo`` cannot be handled at ``terminal``: no reefer plugs, or a refused DG class."""
    problems = []
    if cargo.kind is CargoKind.REEFER and not terminal.reefer:
        problems.append(Problem(f"{terminal.id} has no reefer plugs", field=field, found=terminal.id))
    if cargo.kind is CargoKind.DANGEROUS and not terminal.accepts_dg(cargo.dg_class or ""):
        problems.append(
            Problem(
                f"{terminal.id} does not handle dangerous goods of class {cargo.dg_class}",
                field=field,
                found=str(cargo),
            )
        )
    return problems


def crosses_border(service: Service, terminals: Mapping[str, Terminal]) -> bool:
    """Whether a service's stops lie in more than one country (its cargo then clears customs on the way)."""
    return len({terminals[s.terminal_id].country for s in service.stops}) > 1
