"""Planning a book of orders against the capacity of dated departures: a MIP solved with HiGHS.

Each order gets candidate itineraries from the Pareto route search over its ready-to-due window (a range
query, so every departure worth taking is a candidate). The model chooses at most one candidate per order (or
shares of several, for an order that may be split) so that no departure carries more than its free TEU and kg,
minimising

    cost (with carbon cost at the carbon price) + lateness penalties + penalties for orders not carried.

The first-come, first-served baseline (orders in the order received, each taking its cheapest candidate that
still fits) is a feasible answer of the same model; it starts the MIP, so the plan is never worse than it.
The answer reports the LP bound over the same candidates and the MIP gap, and says "optimal" only when the gap
is closed. Not yet built (say so, not hidden): pricing new candidates by the capacity duals (column
generation), and fixed costs for departures the hub runs itself.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from intermodal.exceptions import InputError, NoRouteError, Problem
from intermodal.model import Availability, Bundle, Itinerary
from intermodal.model.orders import Order
from intermodal.planners.routing import find_routes
from intermodal.planners.shipments import make_shipment

__all__ = ["Assignment", "Candidate", "Plan", "plan_orders", "solve_assignment"]

#: The longest stretch of departures one order's candidates come from: a week covers every line's weekly
#: departures; a longer due window adds only later copies of the same trips, which lateness never favours.
MAX_CANDIDATE_DAYS = 7.0
#: Candidates per order: the Pareto options of a week of departures on the Chongqing scenario are about 30.
MAX_CANDIDATES = 60


@dataclass(frozen=True)
class Candidate:
    """One way to carry (a share of) one order: its itinerary, the departures it takes, and its cost."""

    order: int
    departures: tuple[str, ...]
    cost: float
    late_h: float = 0.0
    itinerary: Itinerary | None = None


@dataclass(frozen=True)
class Assignment:
    """The shares of each candidate and of each order left behind, and the solver's account of them."""

    shares: tuple[float, ...]
    left: tuple[float, ...]
    objective: float
    #: the best bound HiGHS proved, ``None`` when it proved none in its time
    bound: float | None
    #: the LP relaxation's optimum over the candidates, ``None`` when the LP did not finish in its time
    lp_bound: float | None
    status: str

    @property
    def gap(self) -> float | None:
        """The relative distance from the objective to the best bound (0 when proven optimal)."""
        if self.bound is None:
            return None
        if self.objective == self.bound:
            return 0.0
        return abs(self.objective - self.bound) / max(abs(self.objective), 1e-9)


def solve_assignment(
    teu: Sequence[float],
    kg: Sequence[float],
    penalty: Sequence[float],
    splittable: Sequence[bool],
    candidates: Sequence[Candidate],
    room_teu: dict[str, float],
    room_kg: dict[str, float],
    *,
    start: Sequence[int] | None = None,
    time_limit_s: float = 60.0,
    gap: float = 1e-4,
) -> Assignment:
    """Choose candidates for orders within the room of each departure, at the least total cost.

    Parameters
    ----------
    teu, kg, penalty, splittable
        Per order: its size, what leaving it behind costs, and whether it may be split over candidates.
    candidates
        Each with its order index, the departures it takes and its cost.
    room_teu, room_kg
        Free room per departure ref (a departure missing from ``room_kg`` has no weight limit).
    start
        A feasible choice (per order, the index of its candidate or -1, left behind) that the answer is
        never worse than: kept if HiGHS stops with a worse one.
    time_limit_s, gap
        When HiGHS stops: the time, or a relative gap it need not close.
    """
    import highspy

    n_orders, n_cand = len(teu), len(candidates)
    n = n_cand + n_orders  # candidate shares, then each order's share left behind
    h = _silent_highs()
    h.setOptionValue("time_limit", float(time_limit_s))
    h.setOptionValue("mip_rel_gap", float(gap))
    h.setOptionValue("threads", 1)
    cost = np.array([c.cost for c in candidates] + list(penalty), dtype=np.float64)
    h.addVars(n, np.zeros(n), np.ones(n))
    h.changeColsCost(n, np.arange(n, dtype=np.int32), cost)
    # each order is carried (by its shares) or left behind, in full
    starts: list[int] = []
    index: list[int] = []
    value: list[float] = []
    lower: list[float] = []
    upper: list[float] = []
    by_order: list[list[int]] = [[] for _ in range(n_orders)]
    for i, c in enumerate(candidates):
        by_order[c.order].append(i)
    for o in range(n_orders):
        starts.append(len(index))
        index += [*by_order[o], n_cand + o]
        value += [1.0] * (len(by_order[o]) + 1)
        lower.append(1.0)
        upper.append(1.0)
    # no departure over its room, in TEU and in kg
    using: dict[str, list[int]] = {}
    for i, c in enumerate(candidates):
        for ref in c.departures:
            using.setdefault(ref, []).append(i)
    for ref, cands in sorted(using.items()):
        for size, room in ((teu, room_teu), (kg, room_kg)):
            if ref not in room:
                continue
            starts.append(len(index))
            index += cands
            value += [float(size[candidates[i].order]) for i in cands]
            lower.append(-highspy.kHighsInf)
            upper.append(float(room[ref]))
    h.addRows(
        len(lower),
        np.array(lower),
        np.array(upper),
        len(index),
        np.array(starts, dtype=np.int32),
        np.array(index, dtype=np.int32),
        np.array(value),
    )
    # the LP bound over these candidates, then the MIP
    h.run()
    # only an optimal LP's value bounds the MIP: a simplex stopped by the time limit is still above it
    lp_optimal = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    lp_bound = float(h.getInfo().objective_function_value) if lp_optimal else None
    whole = [i for i, c in enumerate(candidates) if not splittable[c.order]]
    whole += [n_cand + o for o in range(n_orders) if not splittable[o]]
    if whole:
        kinds = np.array([highspy.HighsVarType.kInteger] * len(whole))
        h.changeColsIntegrality(len(whole), np.array(whole, dtype=np.int32), kinds)
        h.run()
    info = h.getInfo()
    model_status = h.getModelStatus()
    x = np.array(h.getSolution().col_value) if info.primal_solution_status else np.zeros(n)
    if not info.primal_solution_status:
        x[n_cand:] = 1.0  # no answer in the time: everything left behind is the feasible one we know
    # the objective of the shares returned, recomputed: the solver's own figure is only a report
    objective = float(cost @ x)
    bound: float | None = float(info.mip_dual_bound) if whole else (objective if lp_optimal else None)
    if not whole or model_status == highspy.HighsModelStatus.kOptimal:
        status = "optimal" if not whole or info.mip_gap <= gap else "gap open"
    elif model_status == highspy.HighsModelStatus.kTimeLimit:
        status = "time limit"
    else:
        status = h.modelStatusToString(model_status)
    if start is not None:
        # the first-come answer is feasible too: never hand back a worse one (HiGHS stopped early)
        first = np.zeros(n)
        for o, k in enumerate(start):
            first[k if k >= 0 else n_cand + o] = 1.0
        if float(cost @ first) < objective - 1e-6:
            x, objective = first, float(cost @ first)
            status = f"{status}; the first-come answer was better and is kept"
    if bound is None or not math.isfinite(bound):
        bound = lp_bound
    shares = tuple(float(v) for v in np.clip(x[:n_cand], 0.0, 1.0))
    left = tuple(float(v) for v in np.clip(x[n_cand:], 0.0, 1.0))
    best = None if bound is None else min(bound, objective)
    return Assignment(shares, left, objective, best, lp_bound, status)


def _silent_highs() -> Any:
    """A HiGHS instance that writes nothing to stdout (a plan's JSON or CSV goes there)."""
    import highspy

    # HiGHS prints its banner to the process's stdout while it is made, before any option can silence it
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    h.setOptionValue("output_flag", False)
    return h


@dataclass(frozen=True)
class OrderPlan:
    """What the plan does with one order."""

    order: Order
    itineraries: tuple[tuple[float, Itinerary], ...]
    left: float
    cost: float
    co2e_kg: float
    late_h: float
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "order": self.order.id,
            "from": self.order.origin,
            "to": self.order.destination,
            "teu": self.order.teu,
            "carried": round(1.0 - self.left, 6),
            "options": [
                {
                    "share": round(share, 6),
                    "summary": _summary(it),
                    "departures": [g.departure for g in it.legs if g.service],
                    "depart": it.depart.isoformat(),
                    "arrive": it.arrive.isoformat(),
                }
                for share, it in self.itineraries
            ],
            "cost": round(self.cost, 2),
            "co2e_kg": round(self.co2e_kg, 3),
            "late_h": round(self.late_h, 2),
            "reason": self.reason or None,
        }


@dataclass(frozen=True)
class DepartureLoad:
    """One departure's load in the plan and the room it keeps."""

    ref: str
    room_teu: float
    load_teu: float

    def to_dict(self) -> dict[str, Any]:
        free = self.room_teu - self.load_teu
        return {"departure": self.ref, "room_teu": self.room_teu, "load_teu": self.load_teu, "left_teu": free}


@dataclass(frozen=True)
class Plan:
    """A plan for a book of orders, with its objective, bound and gap, and the first-come baseline's."""

    orders: tuple[OrderPlan, ...]
    loads: tuple[DepartureLoad, ...]
    objective: float
    bound: float | None
    lp_bound: float | None
    gap: float | None
    status: str
    baseline_objective: float
    currency: str
    notes: tuple[str, ...] = field(default=())

    @property
    def saving(self) -> float:
        """How much less the plan costs than first come, first served (never negative)."""
        return self.baseline_objective - self.objective

    def to_dict(self) -> dict[str, Any]:
        return {
            "objective": round(self.objective, 2),
            "bound": None if self.bound is None else round(self.bound, 2),
            "lp_bound": None if self.lp_bound is None else round(self.lp_bound, 2),
            "gap": self.gap,
            "status": self.status,
            "baseline_objective": round(self.baseline_objective, 2),
            "saving": round(self.saving, 2),
            "currency": self.currency,
            "orders": [o.to_dict() for o in self.orders],
            "departures": [d.to_dict() for d in self.loads],
            "notes": list(self.notes),
        }


def _summary(it: Itinerary) -> str:
    return " → ".join(g.service or "truck" for g in it.legs)


def candidates_for(
    bundle: Bundle,
    order: Order,
    index: int,
    *,
    availability: Availability | None = None,
    carbon_price: float = 0.0,
) -> tuple[list[Candidate], str]:
    """The order's candidate itineraries, each costed with its lateness; or none, with the reason."""
    shipment = make_shipment(
        bundle,
        teu=order.teu,
        tonnes=order.tonnes,
        cargo=order.cargo,
        value=order.value or None,
        ready=order.ready,
    )
    due, ready = order.due, order.ready
    if (due.tzinfo is None) != (ready.tzinfo is None):
        # a naive time beside an aware one is read in the same zone, as make_shipment does
        due, ready = due.replace(tzinfo=None), ready.replace(tzinfo=None)
    window = (due - ready).total_seconds() / 86400
    try:
        result = find_routes(
            bundle,
            order.origin,
            order.destination,
            shipment,
            range_days=min(max(window, 0.25), MAX_CANDIDATE_DAYS),
            fold=None,
            limit=MAX_CANDIDATES,
            carbon_price=carbon_price or None,
            availability=availability,
            # a book is many searches: the compiled engine repays its load after a few
            engine="compiled",
        )
    except NoRouteError as err:
        return [], "; ".join(err.reasons)
    out = []
    for it in result.options:
        late_h = max(0.0, (it.arrive - order.due).total_seconds() / 3600)
        cost = it.cost + it.carbon_cost + late_h * order.penalty_per_hour_late
        refs = tuple(g.departure for g in it.legs if g.service and g.departure)
        out.append(Candidate(index, refs, cost, late_h, it))
    return out, ""


def first_come(
    teu: Sequence[float],
    kg: Sequence[float],
    candidates: Sequence[Candidate],
    room_teu: dict[str, float],
    room_kg: dict[str, float],
) -> list[int]:
    """Orders in the order received, each on its cheapest candidate that still fits; -1 where none does."""
    left_teu, left_kg = dict(room_teu), dict(room_kg)
    by_order: dict[int, list[int]] = {}
    for i, c in enumerate(candidates):
        by_order.setdefault(c.order, []).append(i)
    choice = []
    for o in range(len(teu)):
        pick = -1
        for i in sorted(by_order.get(o, []), key=lambda i: candidates[i].cost):
            refs = candidates[i].departures
            if all(
                left_teu.get(r, math.inf) >= teu[o] - 1e-9 and left_kg.get(r, math.inf) >= kg[o] - 1e-6
                for r in refs
            ):
                pick = i
                for r in refs:
                    if r in left_teu:
                        left_teu[r] -= teu[o]
                    if r in left_kg:
                        left_kg[r] -= kg[o]
                break
        choice.append(pick)
    return choice


def plan_orders(
    bundle: Bundle,
    orders: Sequence[Order],
    *,
    availability: Availability | None = None,
    carbon_price: float = 0.0,
    time_limit_s: float = 60.0,
    progress: Callable[[int, int], None] | None = None,
) -> Plan:
    """Plan ``orders`` on ``bundle``'s departures, within the room the ledger's ``availability`` leaves.

    Parameters
    ----------
    bundle
        The network and its timetable.
    orders
        The book, in the order received (which the first-come baseline follows).
    availability
        The room per departure from the ledger (``ledger.read_availability``); ``None``: every departure has
        the timetable's capacity in TEU and no weight limit.
    carbon_price
        A price on CO2e per tonne (WTW), in the bundle's currency.
    time_limit_s
        How long HiGHS may search; past it the answer reports its gap instead of "optimal".
    progress
        Called with (orders done, orders) while candidates are searched.

    Raises
    ------
    InputError
        An order's place or shipment is bad (naming the order).
    """
    candidates: list[Candidate] = []
    reasons: dict[int, str] = {}
    room_teu: dict[str, float] = {}
    room_kg: dict[str, float] = {}
    services = {s.id: s for s in bundle.services}
    for o, order in enumerate(orders):
        try:
            found, why = candidates_for(
                bundle, order, o, availability=availability, carbon_price=carbon_price
            )
        except InputError as err:
            raise InputError(
                [
                    Problem(
                        p.message,
                        row=o + 1,
                        field=p.field,
                        found=p.found,
                        expected=p.expected,
                        file=f"order {order.id}",
                    )
                    for p in err.problems
                ]
            ) from None
        if why:
            reasons[o] = why
        for c in found:
            assert c.itinerary is not None
            for g in c.itinerary.legs:
                if g.service and g.departure and g.departure not in room_teu:
                    room_teu[g.departure] = (
                        g.free_teu if g.free_teu is not None else services[g.service].capacity_teu
                    )
                    if g.free_kg is not None:
                        room_kg[g.departure] = g.free_kg
        candidates += found
        if progress is not None:
            progress(o + 1, len(orders))
    teu = [o.teu for o in orders]
    kg = [o.tonnes * 1000.0 for o in orders]
    penalty = [o.penalty_not_carried for o in orders]
    baseline = first_come(teu, kg, candidates, room_teu, room_kg)
    baseline_objective = sum(candidates[k].cost if k >= 0 else penalty[o] for o, k in enumerate(baseline))
    solved = solve_assignment(
        teu,
        kg,
        penalty,
        [o.may_split for o in orders],
        candidates,
        room_teu,
        room_kg,
        start=baseline,
        time_limit_s=time_limit_s,
    )
    plans = []
    load: dict[str, float] = {}
    for o, order in enumerate(orders):
        chosen = [
            (solved.shares[i], c)
            for i, c in enumerate(candidates)
            if c.order == o and solved.shares[i] > 1e-6
        ]
        for share, c in chosen:
            for ref in c.departures:
                load[ref] = load.get(ref, 0.0) + share * order.teu
        left = solved.left[o]
        why = reasons.get(o, "")
        if left > 1e-6 and not why:
            why = "no room on a candidate that pays for itself against the penalty for not carrying it"
        plans.append(
            OrderPlan(
                order,
                tuple((share, c.itinerary) for share, c in chosen if c.itinerary is not None),
                left,
                sum(share * c.cost for share, c in chosen),
                sum(share * c.itinerary.co2e_kg_wtw for share, c in chosen if c.itinerary is not None),
                sum(share * c.late_h for share, c in chosen),
                why,
            )
        )
    loads = tuple(DepartureLoad(ref, room_teu[ref], load[ref]) for ref in sorted(load))
    notes = [f"{len(candidates)} candidate itineraries for {len(orders)} orders; bound and gap are over them"]
    return Plan(
        tuple(plans),
        loads,
        solved.objective,
        solved.bound,
        solved.lp_bound,
        solved.gap,
        solved.status,
        baseline_objective,
        bundle.manifest.currency,
        tuple(notes),
    )
