"""Assignment of zone-to-zone demand to a pair's options, within the room of every departure (docs/skims.md).

Each pair of zones has the Pareto options ``find_routes`` gives over the window (as for skims), for one TEU of
the pair's cargo class, and a last "option" that leaves the demand behind at ``not_carried_cost`` a TEU.
Shippers weigh options by generalized cost per TEU::

    cost + value_of_time x door-to-door hours + carbon_price x tonnes CO2e (WTW)

``aon`` (all or nothing) puts a pair's demand on its least generalized cost option; ``logit`` shares it by a
multinomial logit over the options (the NODUS approach), with a scale and a constant per mode class.

Capacity: a departure carries at most its ``capacity_teu``. The assignment iterates (successive averages
with a price on room): each departure has a price per TEU for its room, which step k raises by
``capacity_penalty``/k times its overflow per TEU of room (at most 1; lowered as room frees up, never below
0); each option's generalized cost includes the prices of its departures, the pairs choose again, and the
flows move 1/sqrt(k+1) of the way to the new choice. It stops when the gap is below ``gap``, or after
``iterations``: for all or nothing the relative gap (the share of the total generalized cost the best choice
at the current prices would save), for the logit the share of the demand its choice would move. What any
departure still carries over its room is then taken off the options using it, in proportion, and reported as
not carried: the result never overloads a departure.

``lp``, for demand small enough (at most ``LP_MAX_OPTIONS`` options over all pairs): the least total
generalized cost with every departure held to its room, solved exactly as one linear programme by HiGHS (the
solver the planner uses); the price of a departure's room is the dual of its capacity, and the gap is 0.
"""

from __future__ import annotations

import dataclasses
import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from intermodal.exceptions import InputError, Problem
from intermodal.model import Bundle, Itinerary, Mode
from intermodal.model.demand import ChoiceParams, DemandCell, Zone
from intermodal.planners.shipments import make_shipment
from intermodal.planners.skims import _skim_origin, check_zones, option_metrics

__all__ = [
    "NOT_CARRIED",
    "Assignment",
    "Calibration",
    "PairOptions",
    "assign",
    "calibrate",
    "generalized_cost",
    "mode_class",
    "pair_options",
]

#: the mode class of demand left behind
NOT_CARRIED = "not carried"
METHODS = ("aon", "logit", "lp")
#: the most options (over all pairs, not carried included) the ``lp`` method takes: its size stays small
LP_MAX_OPTIONS = 200_000


def mode_class(option: Itinerary) -> str:
    """``road`` for an all-truck option; else its other modes in :class:`Mode` order, joined by ``+``."""
    used = {leg.mode for leg in option.legs} - {Mode.ROAD, Mode.WALK}
    return "+".join(m.value for m in Mode if m in used) or Mode.ROAD.value


def generalized_cost(option: Itinerary, params: ChoiceParams) -> float:
    """Cost + value of time x hours + carbon price x tonnes CO2e, for the TEU the option was found for."""
    metrics = option_metrics(option)
    return (
        option.cost + params.value_of_time * metrics["time"] + params.carbon_price * option.co2e_kg_wtw / 1000
    )


@dataclass(frozen=True)
class PairOptions:
    """One cell of demand with its options (each for one TEU of its cargo class)."""

    cell: DemandCell
    options: tuple[Itinerary, ...]


def pair_options(
    bundle: Bundle,
    zones: Sequence[Zone],
    demand: Sequence[DemandCell],
    *,
    start: datetime,
    window_days: float = 7.0,
    engine: str = "auto",
    progress: Callable[[int, int], None] | None = None,
) -> list[PairOptions]:
    """Each cell of ``demand`` with its options, for cargo ready from ``start`` over ``window_days``.

    A pair's options are searched once for each cargo class, one origin at a time (:func:`_skim_origin`).

    Raises
    ------
    InputError
        A zone the network cannot reach.
    """
    by_id = {z.id: z for z in zones}
    check_zones(
        bundle, [by_id[i] for i in sorted({c.origin for c in demand} | {c.destination for c in demand})]
    )
    groups: dict[tuple[str, str], set[str]] = defaultdict(set)
    cargo_of = {}
    for c in demand:
        groups[str(c.cargo), by_id[c.origin].place].add(by_id[c.destination].place)
        cargo_of[str(c.cargo)] = c.cargo
    found: dict[tuple[str, str, str], list[Itinerary]] = {}
    for n, ((cargo, origin), targets) in enumerate(sorted(groups.items())):
        shipment = make_shipment(bundle, teu=1, cargo=cargo_of[cargo], ready=start)
        ordered = sorted(targets)
        row = _skim_origin(bundle, origin, ordered, shipment, window_days=window_days, engine=engine)
        for destination, options in zip(ordered, row, strict=True):
            found[cargo, origin, destination] = options
        if progress is not None:
            progress(n + 1, len(groups))
    return [
        PairOptions(c, tuple(found[str(c.cargo), by_id[c.origin].place, by_id[c.destination].place]))
        for c in demand
    ]


@dataclass(frozen=True)
class Assignment:
    """Where the demand went: TEU on every option, loads, totals by mode, and what was left behind."""

    method: str
    params: ChoiceParams
    pairs: tuple[PairOptions, ...]
    #: TEU of each pair on each of its options (same order as ``pairs[i].options``)
    flows: tuple[tuple[float, ...], ...]
    not_carried: tuple[float, ...]
    #: departure ref -> (service id, capacity TEU, load TEU, price of its room per TEU)
    departures: dict[str, tuple[str, float, float, float]]
    iterations: int
    gap: float
    #: the largest overflow (TEU) over any departure before the overflow was taken off
    overflow_teu: float
    currency: str
    tonnes_per_teu: float
    notes: tuple[str, ...] = field(default=())

    def mode_split(self) -> dict[str, float]:
        """TEU by mode class of the option, with the TEU not carried."""
        split: dict[str, float] = defaultdict(float)
        for pair, flows, left in zip(self.pairs, self.flows, self.not_carried, strict=True):
            for option, teu in zip(pair.options, flows, strict=True):
                split[mode_class(option)] += teu
            split[NOT_CARRIED] += left
        return dict(sorted(split.items()))

    def by_mode(self) -> dict[str, dict[str, float]]:
        """Tonne-km, TEU-km and CO2e (kg WTW) by leg mode; hub operations' CO2e under ``handling``."""
        out: dict[str, dict[str, float]] = defaultdict(lambda: {"tkm": 0.0, "teu_km": 0.0, "co2e_kg": 0.0})
        for pair, flows in zip(self.pairs, self.flows, strict=True):
            per_teu = pair.cell.tonnes / pair.cell.teu if pair.cell.teu else self.tonnes_per_teu
            for option, teu in zip(pair.options, flows, strict=True):
                if teu <= 0:
                    continue
                for leg in option.legs:
                    row = out[leg.mode.value]
                    row["tkm"] += teu * per_teu * leg.distance_km
                    row["teu_km"] += teu * leg.distance_km
                    # emissions are found for one TEU and scale with the TEU carried
                    row["co2e_kg"] += teu * leg.emissions.wtw_kg
                out["handling"]["co2e_kg"] += teu * sum(h.emissions.wtw_kg for h in option.hubs)
        return dict(out)

    def links(self) -> list[dict[str, Any]]:
        """TEU and tonnes on each leg between two terminals by one mode and service (``None``: trucks)."""
        rows: dict[tuple[str, str, str, str | None], dict[str, Any]] = {}
        for pair, flows in zip(self.pairs, self.flows, strict=True):
            per_teu = pair.cell.tonnes / pair.cell.teu if pair.cell.teu else self.tonnes_per_teu
            for option, teu in zip(pair.options, flows, strict=True):
                if teu <= 0:
                    continue
                for leg in option.legs:
                    key = (leg.from_id, leg.to_id, leg.mode.value, leg.service)
                    row = rows.setdefault(
                        key,
                        {
                            "from": leg.from_id,
                            "to": leg.to_id,
                            "mode": leg.mode.value,
                            "service": leg.service,
                            "teu": 0.0,
                            "tonnes": 0.0,
                            "geometry": [list(p) for p in leg.geometry],
                        },
                    )
                    row["teu"] += teu
                    row["tonnes"] += teu * per_teu
        return sorted(rows.values(), key=lambda r: -r["teu"])

    def services(self) -> list[dict[str, Any]]:
        """TEU boarded on each service over the window."""
        teu: dict[str, float] = defaultdict(float)
        for pair, flows in zip(self.pairs, self.flows, strict=True):
            for option, amount in zip(pair.options, flows, strict=True):
                for service in {leg.service for leg in option.legs if leg.service}:
                    teu[service] += amount
        return [{"service": s, "teu": round(v, 6)} for s, v in sorted(teu.items(), key=lambda kv: -kv[1])]

    def geojson(self) -> dict[str, Any]:
        """The link flows as a GeoJSON FeatureCollection of LineStrings (lon, lat), widths by ``teu``."""
        features = []
        for row in self.links():
            if len(row["geometry"]) < 2:
                continue
            props = {
                k: (round(v, 6) if isinstance(v, float) else v) for k, v in row.items() if k != "geometry"
            }
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "LineString", "coordinates": row["geometry"]},
                    "properties": props,
                }
            )
        return {"type": "FeatureCollection", "features": features}

    def to_dict(self) -> dict[str, Any]:
        """The JSON summary: totals, mode split, by mode, departures over 0 load, pairs, convergence."""
        demand = sum(p.cell.teu for p in self.pairs)
        split = self.mode_split()
        return {
            "method": self.method,
            "currency": self.currency,
            "params": {
                "value_of_time": self.params.value_of_time,
                "carbon_price": self.params.carbon_price,
                "scale": self.params.scale,
                "asc": self.params.asc,
                "not_carried_cost": self.params.not_carried_cost,
                "capacity_penalty": self.params.capacity_penalty,
            },
            "demand_teu": round(demand, 6),
            "carried_teu": round(demand - sum(self.not_carried), 6),
            "not_carried_teu": round(sum(self.not_carried), 6),
            "iterations": self.iterations,
            "gap": self.gap,
            "overflow_teu_before_cut": round(self.overflow_teu, 6),
            "mode_split": {
                m: {"teu": round(v, 6), "share": round(v / demand, 6) if demand else 0.0}
                for m, v in split.items()
            },
            "by_mode": {
                m: {k: round(v, 3) for k, v in row.items()} for m, row in sorted(self.by_mode().items())
            },
            "services": self.services(),
            "departures": self.departure_rows(),
            "pairs": self.pair_rows(),
            "notes": list(self.notes),
        }

    def departure_rows(self) -> list[dict[str, Any]]:
        """Each loaded departure: service, capacity, load, load factor and the price of its room."""
        return [
            {
                "departure": ref,
                "service": service,
                "capacity_teu": cap,
                "load_teu": round(load, 6),
                "load_factor": round(load / cap, 6) if cap else None,
                "room_price": round(price, 3),
            }
            for ref, (service, cap, load, price) in sorted(self.departures.items())
            if load > 1e-9
        ]

    def pair_rows(self) -> list[dict[str, Any]]:
        """Each cell of demand: carried, left behind, and TEU by mode class."""
        rows = []
        for pair, flows, left in zip(self.pairs, self.flows, self.not_carried, strict=True):
            by: dict[str, float] = defaultdict(float)
            for option, teu in zip(pair.options, flows, strict=True):
                by[mode_class(option)] += teu
            c = pair.cell
            rows.append(
                {
                    "origin": c.origin,
                    "destination": c.destination,
                    "cargo": str(c.cargo),
                    "period": c.period.isoformat() if c.period else None,
                    "demand_teu": c.teu,
                    "carried_teu": round(c.teu - left, 6),
                    "not_carried_teu": round(left, 6),
                    "options": len(pair.options),
                    "by_mode": {m: round(v, 6) for m, v in sorted(by.items()) if v > 1e-9},
                }
            )
        return rows


class _Problem:
    """The flattened options of every pair: their costs, mode classes and departures, as arrays."""

    def __init__(self, bundle: Bundle, pairs: Sequence[PairOptions], params: ChoiceParams) -> None:
        capacity = {s.id: s.capacity_teu for s in bundle.services}
        self.demand = np.array([p.cell.teu for p in pairs], dtype=float)
        pair_of: list[int] = []
        gc: list[float] = []
        modes: list[str] = []
        dep_index: dict[str, int] = {}
        self.dep_service: list[str] = []
        self.dep_capacity: list[float] = []
        inc_opt: list[int] = []
        inc_dep: list[int] = []
        # the cells of one cargo class between two places share their option objects: weigh each once
        weighed: dict[int, tuple[float, str]] = {}
        for i, pair in enumerate(pairs):
            for option in pair.options:
                o = len(gc)
                pair_of.append(i)
                if id(option) not in weighed:
                    weighed[id(option)] = (generalized_cost(option, params), mode_class(option))
                cost, mode = weighed[id(option)]
                gc.append(cost)
                modes.append(mode)
                for leg in option.legs:
                    if leg.service is None or leg.departure is None:
                        continue
                    ref = leg.departure
                    if ref not in dep_index:
                        dep_index[ref] = len(self.dep_service)
                        self.dep_service.append(leg.service)
                        self.dep_capacity.append(float(capacity[leg.service]))
                    if not inc_opt or (inc_opt[-1], inc_dep[-1]) != (o, dep_index[ref]):
                        inc_opt.append(o)
                        inc_dep.append(dep_index[ref])
            # the not-carried option of the pair
            pair_of.append(i)
            gc.append(params.not_carried_cost)
            modes.append(NOT_CARRIED)
        self.refs = list(dep_index)
        self.pair_of = np.array(pair_of, dtype=np.int64)
        self.gc = np.array(gc, dtype=float)
        self.modes = modes
        self.inc_opt = np.array(inc_opt, dtype=np.int64)
        self.inc_dep = np.array(inc_dep, dtype=np.int64)
        self.capacity = np.array(self.dep_capacity, dtype=float)
        # options come grouped by pair, each group starting here
        self.starts = np.searchsorted(self.pair_of, np.arange(len(pairs)))

    def loads(self, x: np.ndarray) -> np.ndarray:
        return np.bincount(self.inc_dep, weights=x[self.inc_opt], minlength=len(self.refs))

    def priced(self, prices: np.ndarray) -> np.ndarray:
        return self.gc + np.bincount(self.inc_opt, weights=prices[self.inc_dep], minlength=len(self.gc))

    def choose(self, cost: np.ndarray, method: str, params: ChoiceParams) -> np.ndarray:
        """Every pair's demand over its options: all on the least cost, or by the logit."""
        if method == "aon":
            least = np.minimum.reduceat(cost, self.starts)
            # ties go to the first option of least cost, so the choice is the same on every run
            best = cost <= least[self.pair_of] + 1e-9
            first = np.zeros_like(best)
            seen = np.zeros(len(self.starts), dtype=bool)
            for o in np.flatnonzero(best):
                if not seen[self.pair_of[o]]:
                    seen[self.pair_of[o]] = True
                    first[o] = True
            return np.where(first, self.demand[self.pair_of], 0.0)
        asc = np.array([params.asc.get(m, 0.0) if m != NOT_CARRIED else 0.0 for m in self.modes])
        v = -params.scale * cost / 1000.0 + asc
        v -= np.maximum.reduceat(v, self.starts)[self.pair_of]  # no overflow in exp
        e = np.exp(v)
        share = e / np.add.reduceat(e, self.starts)[self.pair_of]
        return share * self.demand[self.pair_of]


def assign(
    bundle: Bundle,
    pairs: Sequence[PairOptions],
    params: ChoiceParams,
    *,
    method: str = "logit",
    capacity: bool = True,
) -> Assignment:
    """Assign each pair's demand to its options, within the room of every departure (module docstring).

    Raises
    ------
    InputError
        An unknown method.
    """
    if method not in METHODS:
        raise InputError(
            Problem("unknown method", field="method", found=method, expected=" | ".join(METHODS))
        )
    pairs = [p for p in pairs if p.cell.teu > 0]
    problem = _Problem(bundle, pairs, params)
    prices = np.zeros(len(problem.refs))
    total = float(problem.demand.sum()) or 1.0
    gap, k = 0.0, 0
    if method == "lp":
        x, prices, k = _solve_lp(problem, capacity)
    else:
        x = problem.choose(problem.gc, method, params)
    if method != "lp" and capacity and len(problem.refs):
        for k in range(1, params.iterations + 1):
            # overflow per TEU of room, at most 1 either way: one step never moves a price by more than
            # its step size, however far a departure is over
            over = np.clip((problem.loads(x) - problem.capacity) / problem.capacity, -1.0, 1.0)
            # the price of room rises with the overflow and falls when room is left, never below 0; its step
            # shrinks as 1/k so that the prices settle
            prices = np.maximum(0.0, prices + params.capacity_penalty / k * over)
            cost = problem.priced(prices)
            y = problem.choose(cost, method, params)
            gap = _gap(x, y, cost, method, total)
            # flows move 1/sqrt(k+1) of the way: they forget the first choices, made at wrong prices, sooner
            # than the classic 1/(k+1) (tests/planners/test_assignment.py holds both methods to the gap)
            x = x + (y - x) / math.sqrt(k + 1)
            if gap < params.gap:
                break
    overflow = 0.0
    if capacity:
        overflow = float(np.max(problem.loads(x) - problem.capacity, initial=0.0))
        # what still overloads a departure is taken off every option on it, in proportion: capacities hold
        x = _cut(problem, x)
    load = problem.loads(x)
    flows: list[tuple[float, ...]] = []
    left: list[float] = []
    for i, pair in enumerate(pairs):
        s = problem.starts[i]
        carried = x[s : s + len(pair.options)]
        flows.append(tuple(float(v) for v in carried))
        left.append(max(0.0, float(pair.cell.teu - carried.sum())))
    notes = []
    if capacity and k >= params.iterations and gap >= params.gap:
        notes.append(f"stopped after {k} iterations with a gap of {gap:.2e} (target {params.gap:g})")
    if overflow > 1e-6:
        notes.append(f"up to {overflow:.3f} TEU over a departure's room was taken off and left not carried")
    if stranded := sum(p.cell.teu for p in pairs if not p.options):
        # a zone to itself has no options: said here, or its demand would pass for cargo the network lost
        notes.append(
            f"{stranded:,.3f} TEU had no option in the window and is not carried: no route, or demand within "
            "one place (a zone to itself, or zones on one terminal)"
        )
    departures = {
        ref: (problem.dep_service[d], problem.dep_capacity[d], float(load[d]), float(prices[d]))
        for d, ref in enumerate(problem.refs)
    }
    return Assignment(
        method=method,
        params=params,
        pairs=tuple(pairs),
        flows=tuple(flows),
        not_carried=tuple(left),
        departures=departures,
        iterations=k,
        gap=gap,
        overflow_teu=max(0.0, overflow),
        currency=bundle.manifest.currency,
        tonnes_per_teu=bundle.manifest.tonnes_per_teu,
        notes=tuple(notes),
    )


def _solve_lp(problem: _Problem, capacity: bool) -> tuple[np.ndarray, np.ndarray, int]:
    """The flows of least total generalized cost within every departure's room, the room's prices (the duals
    of the capacities) and HiGHS's iterations.

    Raises
    ------
    InputError
        More than ``LP_MAX_OPTIONS`` options: the method names it and the methods that take any size.
    """
    from scipy.optimize import linprog
    from scipy.sparse import coo_array

    n = len(problem.gc)
    if n > LP_MAX_OPTIONS:
        raise InputError(
            Problem("too much demand for the LP", field="method", found=f"lp over {n:,} options",
                    expected=f"at most {LP_MAX_OPTIONS:,} options, or the method aon or logit")
        )  # fmt: skip
    pairs = len(problem.starts)
    # each pair's options, its not-carried one included, share out exactly its demand
    a_eq = coo_array((np.ones(n), (problem.pair_of, np.arange(n))), shape=(pairs, n))
    rooms = len(problem.refs) if capacity else 0
    a_ub = coo_array(
        (np.ones(len(problem.inc_opt)), (problem.inc_dep, problem.inc_opt)), shape=(len(problem.refs), n)
    )
    solved = linprog(
        problem.gc,
        A_ub=a_ub if rooms else None,
        b_ub=problem.capacity if rooms else None,
        A_eq=a_eq,
        b_eq=problem.demand,
        bounds=(0, None),
        method="highs",
    )
    # always feasible and bounded: leaving demand behind needs no room and costs a finite amount
    assert solved.status == 0, solved.message
    prices = -solved.ineqlin.marginals if rooms else np.zeros(len(problem.refs))
    return np.maximum(solved.x, 0.0), np.maximum(prices, 0.0), int(solved.nit)


def _gap(x: np.ndarray, y: np.ndarray, cost: np.ndarray, method: str, total: float) -> float:
    """How far ``x`` is from equilibrium, given the choice ``y`` it leads to at ``cost``.

    All or nothing: the relative gap, the share of the current total cost that the best choice would save
    (0 at a user equilibrium). Logit: the share of the demand the choice would move (0 at its fixed point).
    """
    if method == "aon":
        now = float(x @ cost)
        return max(0.0, (now - float(y @ cost)) / now) if now > 0 else 0.0
    return float(np.abs(y - x).sum() / total)


def _cut(problem: _Problem, x: np.ndarray) -> np.ndarray:
    """``x`` with every overloaded departure's options scaled down until each departure holds its load.

    Scaling an option down for one departure frees room on its others, so it is repeated to a fixed point;
    each round cuts the most overloaded ratio, and flows only ever shrink, so it ends.
    """
    x = x.copy()
    carried = np.array([m != NOT_CARRIED for m in problem.modes])
    for _ in range(1000):
        load = problem.loads(x)
        ratio = np.where(load > problem.capacity + 1e-9, problem.capacity / np.maximum(load, 1e-300), 1.0)
        if ratio.min(initial=1.0) >= 1.0:
            break
        factor = np.ones_like(x)
        np.minimum.at(factor, problem.inc_opt, ratio[problem.inc_dep])
        x = np.where(carried, x * factor, x)
    return x


@dataclass(frozen=True)
class Calibration:
    """The constants fitted to observed mode shares, and the shares before and after."""

    params: ChoiceParams
    observed: dict[str, float]
    before: dict[str, float]
    after: dict[str, float]
    rounds: int


def _shares(result: Assignment) -> dict[str, float]:
    split = {m: v for m, v in result.mode_split().items() if m != NOT_CARRIED}
    total = sum(split.values()) or 1.0
    return {m: v / total for m, v in split.items()}


def calibrate(
    bundle: Bundle,
    pairs: Sequence[PairOptions],
    params: ChoiceParams,
    observed: dict[str, float],
    *,
    rounds: int = 50,
    capacity: bool = True,
) -> Calibration:
    """Fit the logit's constant of each mode class so that the assigned shares meet ``observed``.

    Each round adds ``ln(observed / assigned)`` to each class's constant (the usual update; the scale is
    kept: aggregate shares cannot tell the scale from the constants). A share of 0 or 1 cannot be met by a
    finite constant: shares are held within 0.1 % and 99.9 %, and constants within -50 to 50.

    Raises
    ------
    InputError
        Shares that are negative or add up to nothing.
    """
    if any(not math.isfinite(v) or v < 0 for v in observed.values()) or sum(observed.values()) <= 0:
        raise InputError(
            Problem(
                "mode shares must be numbers of 0 or more, not all 0", field="observed", found=str(observed)
            )
        )
    total = sum(observed.values())
    target = {m: min(0.999, max(0.001, v / total)) for m, v in observed.items()}
    asc = dict(params.asc)
    current = params
    before = _shares(assign(bundle, pairs, current, method="logit", capacity=capacity))
    shares = before
    n = 0
    for n in range(1, rounds + 1):  # noqa: B007 (the rounds run are reported)
        moved = 0.0
        for m, want in target.items():
            have = min(0.999, max(0.001, shares.get(m, 0.0)))
            step = math.log(want / have)
            asc[m] = max(-50.0, min(50.0, asc.get(m, 0.0) + step))
            moved = max(moved, abs(step))
        current = dataclasses.replace(current, asc=dict(asc))
        shares = _shares(assign(bundle, pairs, current, method="logit", capacity=capacity))
        if moved < 1e-4:
            break
    return Calibration(current, dict(target), before, shares, n)
