"""Scenario comparison: the same demand assigned on a base network and on patched ones, and the differences.

Each scenario's assignment is the one ``intermodal assign`` makes (:mod:`intermodal.planners.assignment`):
the pairs' Pareto options over the window, the choice, the room of every departure. The comparison then
reads, for each scenario, what the carried demand costs (door-to-door hours, cost and CO2e per TEU carried,
the flow-weighted mean over the options carried), where it goes (TEU by mode class, by service, by link) and
what is left behind, and gives each as the scenario's value less the base's.

The generalized cost uses the choice parameters' carbon price when they set one (above 0), else the
scenario's own (a patch's ``[carbon]`` price): so a carbon-price patch changes the choice as it changes a
route query's ranking.

Scenarios are independent tasks: an executor (:mod:`intermodal.planners._executor`) runs them in this
process or as Ray tasks on a cluster, with the same answers.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from intermodal.model import Bundle
from intermodal.model.demand import ChoiceParams, DemandCell, Zone
from intermodal.planners._executor import Executor, InProcess
from intermodal.planners.assignment import Assignment, assign, mode_class, pair_options
from intermodal.planners.skims import option_metrics

__all__ = ["Comparison", "ScenarioResult", "compare", "summarize"]

#: differences smaller than this (TEU, hours, currency, kg) are rounding, shown as 0
_EPS = 1e-6


@dataclass(frozen=True)
class ScenarioResult:
    """One scenario's assignment, reduced to what a comparison reads (small enough to return from a task)."""

    name: str
    currency: str
    #: demand, carried and not carried TEU; cost, CO2e (kg WTW) and door-to-door TEU-hours of what is carried
    totals: dict[str, float]
    #: TEU by mode class, with the TEU not carried
    mode_split: dict[str, float]
    #: TEU boarded on each service
    services: dict[str, float]
    #: per cell of demand, in the demand's order: carried TEU and the mean time, cost and CO2e per TEU carried
    pairs: tuple[dict[str, Any], ...]
    #: TEU on each (from, to, mode, service) leg, with its geometry
    links: dict[tuple[str, str, str, str], dict[str, Any]]
    iterations: int
    gap: float
    notes: tuple[str, ...]


def summarize(name: str, result: Assignment) -> ScenarioResult:
    """What a comparison reads of one assignment (totals equal the sums over its pairs)."""
    pairs: list[dict[str, Any]] = []
    for pair, flows, left in zip(result.pairs, result.flows, result.not_carried, strict=True):
        carried = sum(flows)
        sums = {"time": 0.0, "cost": 0.0, "co2e": 0.0}
        by_mode: dict[str, float] = defaultdict(float)
        for option, teu in zip(pair.options, flows, strict=True):
            if teu <= 0:
                continue
            m = option_metrics(option)
            for k in sums:
                sums[k] += teu * m[k]
            by_mode[mode_class(option)] += teu
        c = pair.cell
        pairs.append(
            {
                "origin": c.origin,
                "destination": c.destination,
                "cargo": str(c.cargo),
                "demand_teu": c.teu,
                "carried_teu": carried,
                "not_carried_teu": left,
                # totals over the TEU carried; means per TEU are derived from them
                "teu_hours": sums["time"],
                "cost": sums["cost"],
                "co2e_kg": sums["co2e"],
                "by_mode": dict(by_mode),
            }
        )
    totals: dict[str, float] = {
        "demand_teu": sum(p["demand_teu"] for p in pairs),
        "carried_teu": sum(p["carried_teu"] for p in pairs),
        "not_carried_teu": sum(p["not_carried_teu"] for p in pairs),
        "cost": sum(p["cost"] for p in pairs),
        "co2e_kg": sum(p["co2e_kg"] for p in pairs),
        "teu_hours": sum(p["teu_hours"] for p in pairs),
    }
    links = {}
    for row in result.links():
        key = (row["from"], row["to"], row["mode"], row["service"] or "")
        links[key] = {"teu": row["teu"], "geometry": row["geometry"]}
    return ScenarioResult(
        name=name,
        currency=result.currency,
        totals=totals,
        mode_split=result.mode_split(),
        services={r["service"]: r["teu"] for r in result.services()},
        pairs=tuple(pairs),
        links=links,
        iterations=result.iterations,
        gap=result.gap,
        notes=result.notes,
    )


@dataclass(frozen=True)
class _Job:
    """What every scenario's task shares: the demand and how it is assigned."""

    zones: tuple[Zone, ...]
    demand: tuple[DemandCell, ...]
    params: ChoiceParams
    start: datetime
    window_days: float
    method: str
    capacity: bool
    engine: str


def _assign_task(job: _Job, bundle: Bundle) -> ScenarioResult:
    """One scenario's assignment, summarized (a task of :func:`compare`)."""
    params = job.params
    if params.carbon_price <= 0 and bundle.manifest.carbon_price_per_t > 0:
        params = dataclasses.replace(params, carbon_price=bundle.manifest.carbon_price_per_t)
    pairs = pair_options(
        bundle, job.zones, job.demand, start=job.start, window_days=job.window_days, engine=job.engine
    )
    return summarize(bundle.name, assign(bundle, pairs, params, method=job.method, capacity=job.capacity))


def _diff(new: dict[str, float], old: dict[str, float]) -> dict[str, float]:
    return {k: _clean(new.get(k, 0.0) - old.get(k, 0.0)) for k in sorted(set(new) | set(old))}


def _clean(value: float) -> float:
    return 0.0 if abs(value) < _EPS else value


def _per_teu(pair: dict[str, Any]) -> dict[str, float | None]:
    carried = pair["carried_teu"]
    if carried <= _EPS:
        return {"time_h": None, "cost": None, "co2e_kg": None}
    return {
        "time_h": pair["teu_hours"] / carried,
        "cost": pair["cost"] / carried,
        "co2e_kg": pair["co2e_kg"] / carried,
    }


def _per_teu_carried(totals: dict[str, float]) -> dict[str, float | None]:
    """Cost, CO2e and door-to-door hours per TEU carried: what a TEU pays, apart from how many are carried."""
    return _per_teu(
        {"carried_teu": totals["carried_teu"], "teu_hours": totals["teu_hours"], "cost": totals["cost"],
         "co2e_kg": totals["co2e_kg"]}
    )  # fmt: skip


def _change(new: dict[str, float | None], old: dict[str, float | None]) -> dict[str, float | None]:
    return {
        k: _clean(v - old[k]) if v is not None and old.get(k) is not None else None  # type: ignore[operator]
        for k, v in new.items()
    }


def _shares(split: dict[str, float]) -> dict[str, float]:
    total = sum(split.values())
    return {m: v / total if total else 0.0 for m, v in split.items()}


@dataclass(frozen=True)
class Comparison:
    """The base scenario's result and each patched scenario's, with their differences (scenario - base)."""

    base: ScenarioResult
    scenarios: tuple[ScenarioResult, ...]
    start: datetime
    window_days: float
    method: str

    def pair_rows(self, k: int) -> list[dict[str, Any]]:
        """Per cell of demand: base and scenario ``k``'s carried TEU, time, cost and CO2e per TEU, modes."""
        rows = []
        other = self.scenarios[k]
        for old, new in zip(self.base.pairs, other.pairs, strict=True):
            a, b = _per_teu(old), _per_teu(new)
            row: dict[str, Any] = {
                "origin": old["origin"],
                "destination": old["destination"],
                "cargo": old["cargo"],
                "demand_teu": old["demand_teu"],
                "carried_teu": {"base": old["carried_teu"], "scenario": new["carried_teu"]},
            }
            for key in ("time_h", "cost", "co2e_kg"):
                x, y = a[key], b[key]
                row[key] = {
                    "base": x,
                    "scenario": y,
                    "change": _clean(y - x) if x is not None and y is not None else None,
                }
            row["carried_teu"]["change"] = _clean(new["carried_teu"] - old["carried_teu"])
            row["by_mode"] = {
                "base": old["by_mode"],
                "scenario": new["by_mode"],
                "change": {m: v for m, v in _diff(new["by_mode"], old["by_mode"]).items() if v},
            }
            row["changed"] = bool(
                row["carried_teu"]["change"]
                or row["by_mode"]["change"]
                or any(row[k]["change"] for k in ("time_h", "cost", "co2e_kg"))
            )
            rows.append(row)
        return rows

    def link_rows(self, k: int) -> list[dict[str, Any]]:
        """TEU on each leg in the base and in scenario ``k``, with the change, largest change first."""
        old, new = self.base.links, self.scenarios[k].links
        rows = []
        for key in set(old) | set(new):
            a = old.get(key, {}).get("teu", 0.0)
            b = new.get(key, {}).get("teu", 0.0)
            geometry = (new.get(key) or old[key])["geometry"]
            f, t, mode, service = key
            rows.append(
                {
                    "from": f,
                    "to": t,
                    "mode": mode,
                    "service": service or None,
                    "teu_base": a,
                    "teu_scenario": b,
                    "teu_change": _clean(b - a),
                    "geometry": geometry,
                }
            )
        return sorted(rows, key=lambda r: (-abs(r["teu_change"]), -r["teu_scenario"], r["from"], r["to"]))

    def geojson(self, k: int = 0) -> dict[str, Any]:
        """Scenario ``k``'s difference layer: every leg used in either scenario, a LineString (lon, lat).

        Properties: ``teu_base``, ``teu_scenario``, ``teu_change`` (scenario - base), ``from``, ``to``,
        ``mode``, ``service``, and ``scenario``.
        """
        features = []
        for row in self.link_rows(k):
            if len(row["geometry"]) < 2:
                continue
            props = {key: _round(v) for key, v in row.items() if key != "geometry"}
            props["scenario"] = self.scenarios[k].name
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "LineString", "coordinates": row["geometry"]},
                    "properties": props,
                }
            )
        return {"type": "FeatureCollection", "features": features}

    def scenario_dict(self, k: int) -> dict[str, Any]:
        """Scenario ``k`` against the base: totals, mode shares, services, pairs and the notes."""
        base, other = self.base, self.scenarios[k]
        split_a, split_b = _shares(base.mode_split), _shares(other.mode_split)
        return {
            "name": other.name,
            "totals": _rounded(other.totals),
            "totals_change": _rounded(_diff(other.totals, base.totals)),
            "per_teu_carried": _rounded(_per_teu_carried(other.totals)),
            "per_teu_carried_change": _rounded(
                _change(_per_teu_carried(other.totals), _per_teu_carried(base.totals))
            ),
            "mode_split": {
                m: {
                    "teu": _round(other.mode_split.get(m, 0.0)),
                    "share": _round(split_b.get(m, 0.0)),
                    "teu_change": _round(_clean(other.mode_split.get(m, 0.0) - base.mode_split.get(m, 0.0))),
                    "share_change": _round(_clean(split_b.get(m, 0.0) - split_a.get(m, 0.0))),
                }
                for m in sorted(set(base.mode_split) | set(other.mode_split))
            },
            "services": [
                {
                    "service": s,
                    "teu_base": _round(base.services.get(s, 0.0)),
                    "teu_scenario": _round(other.services.get(s, 0.0)),
                    "teu_change": _round(_clean(other.services.get(s, 0.0) - base.services.get(s, 0.0))),
                }
                for s in sorted(
                    set(base.services) | set(other.services),
                    key=lambda s: (-abs(other.services.get(s, 0.0) - base.services.get(s, 0.0)), s),
                )
            ],
            "pairs": _rounded(self.pair_rows(k)),
            "pairs_changed": sum(1 for r in self.pair_rows(k) if r["changed"]),
            "iterations": other.iterations,
            "gap": other.gap,
            "notes": list(other.notes),
        }

    def to_dict(self) -> dict[str, Any]:
        """The whole comparison as JSON: the base, and each scenario against it (docs/compare.md)."""
        return {
            "start": self.start.isoformat(),
            "window_days": self.window_days,
            "method": self.method,
            "currency": self.base.currency,
            "base": {
                "name": self.base.name,
                "totals": _rounded(self.base.totals),
                "per_teu_carried": _rounded(_per_teu_carried(self.base.totals)),
                "mode_split": {
                    m: {"teu": _round(v), "share": _round(_shares(self.base.mode_split)[m])}
                    for m, v in sorted(self.base.mode_split.items())
                },
                "iterations": self.base.iterations,
                "gap": self.base.gap,
                "notes": list(self.base.notes),
            },
            "scenarios": [self.scenario_dict(k) for k in range(len(self.scenarios))],
        }


def _round(value: Any) -> Any:
    return round(value, 6) if isinstance(value, float) else value


def _rounded(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return _round(value)


def compare(
    base: Bundle,
    scenarios: Sequence[Bundle],
    zones: Sequence[Zone],
    demand: Sequence[DemandCell],
    params: ChoiceParams,
    *,
    start: datetime,
    window_days: float = 7.0,
    method: str = "logit",
    capacity: bool = True,
    engine: str = "auto",
    executor: Executor | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Comparison:
    """Assign ``demand`` on ``base`` and on each of ``scenarios``, and compare each with the base.

    Parameters
    ----------
    base, scenarios
        The networks: the base and its variants (a base with patches applied, usually).
    zones, demand, params
        As for :func:`~intermodal.planners.assignment.pair_options` and
        :func:`~intermodal.planners.assignment.assign`.
    start, window_days
        Cargo ready from ``start`` over this many days.
    method, capacity, engine
        As for :func:`~intermodal.planners.assignment.assign` and ``find_routes``.
    executor
        Where each scenario's assignment runs, one task each (default: here, one after another).
    progress
        Called with (scenarios done, scenarios) as each finishes.

    Raises
    ------
    InputError
        A zone a network cannot reach, or an unknown method.
    """
    job = _Job(tuple(zones), tuple(demand), params, start, window_days, method, capacity, engine)
    results = (executor or InProcess()).map(_assign_task, job, [base, *scenarios], progress)
    return Comparison(results[0], tuple(results[1:]), start, window_days, method)
