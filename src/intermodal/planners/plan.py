"""Planning a book of orders against the capacity of dated departures: candidates, the program, the report.

:func:`plan_orders` gets each order's candidate itineraries (:mod:`intermodal.planners.candidates`, one
freight search per distinct shipment), solves the allocation program with HiGHS
(:mod:`intermodal.planners.allocation`) minimising

    cost (with carbon cost at the carbon price) + lateness penalties + penalties for orders not carried
    + the cost of each trip the hub runs itself,

and reports each order's choice, each departure's load, the totals, and the same for the first-come,
first-served baseline (orders in the order received, each on its cheapest candidate that still fits). The
baseline is a feasible answer of the same program and HiGHS starts from it, so the plan is never worse.
Column generation adds candidates priced by the LP's capacity duals; its pricing step is
:class:`~intermodal.planners.pricing.SearchPricing` (the freight search with the duals as departure prices),
and the report says what its bound proves and over which itineraries.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from intermodal.model import Availability, Bundle, Itinerary
from intermodal.model.orders import Order
from intermodal.planners.allocation import (
    Assignment,
    Candidate,
    ColumnGeneration,
    ColumnReport,
    SolveProgress,
    first_come,
    objective_of,
    solve_assignment,
)
from intermodal.planners.candidates import Search, default_search, generate_candidates
from intermodal.planners.pricing import SearchPricing

__all__ = [
    "Assignment",
    "Candidate",
    "ColumnReport",
    "DepartureLoad",
    "OrderPlan",
    "Plan",
    "SolveProgress",
    "Totals",
    "first_come",
    "plan_orders",
    "solve_assignment",
]


@dataclass(frozen=True)
class Totals:
    """What a whole answer costs and emits: the plan's, or the first-come baseline's."""

    objective: float
    #: the carriers' and terminals' charges (without carbon cost, penalties or trip costs)
    cost: float
    co2e_kg: float
    late_h: float
    carried: float
    trips: int
    trip_cost: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "objective": round(self.objective, 2),
            "cost": round(self.cost, 2),
            "co2e_kg": round(self.co2e_kg, 3),
            "late_h": round(self.late_h, 2),
            "carried": round(self.carried, 6),
            "trips": self.trips,
            "trip_cost": round(self.trip_cost, 2),
        }


@dataclass(frozen=True)
class OrderPlan:
    """What the plan does with one order, and what first come, first served did with it."""

    order: Order
    itineraries: tuple[tuple[float, Itinerary], ...]
    left: float
    cost: float
    co2e_kg: float
    late_h: float
    reason: str = ""
    #: the first-come baseline's itinerary for it (``None``: left behind), and its cost
    baseline: Itinerary | None = None
    baseline_cost: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "order": self.order.id,
            "from": self.order.origin,
            "to": self.order.destination,
            "teu": self.order.teu,
            "cargo": str(self.order.cargo),
            "due": self.order.due.isoformat(),
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
            "first_come": {
                "summary": None if self.baseline is None else _summary(self.baseline),
                "arrive": None if self.baseline is None else self.baseline.arrive.isoformat(),
                "cost": round(self.baseline_cost, 2),
            },
        }


@dataclass(frozen=True)
class DepartureLoad:
    """One departure's load in the plan (and first come's) and the room it keeps."""

    ref: str
    room_teu: float
    load_teu: float
    baseline_teu: float = 0.0
    #: what running it costs the hub (0: bought per TEU, or already running)
    trip_cost: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        service, _, departs = self.ref.partition("@")
        return {
            "departure": self.ref,
            "service": service,
            "departs": departs,
            "room_teu": self.room_teu,
            "load_teu": round(self.load_teu, 6),
            "left_teu": round(self.room_teu - self.load_teu, 6),
            "first_come_teu": round(self.baseline_teu, 6),
            "trip_cost": self.trip_cost,
        }


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
    totals: Totals | None = None
    baseline: Totals | None = None
    #: seconds spent searching candidates, and solving the program
    candidates_s: float = 0.0
    solve_s: float = 0.0
    carbon_price: float = 0.0
    #: HiGHS's bound over the program's columns (a bound over those columns only)
    mip_bound: float | None = None
    #: what column generation did and proved, ``None`` when it did not run
    columns: ColumnReport | None = None

    @property
    def saving(self) -> float:
        """How much less the plan costs than first come, first served (never negative)."""
        return self.baseline_objective - self.objective

    def to_dict(self) -> dict[str, Any]:
        return {
            "objective": round(self.objective, 2),
            "bound": None if self.bound is None else round(self.bound, 2),
            "lp_bound": None if self.lp_bound is None else round(self.lp_bound, 2),
            "mip_bound": None if self.mip_bound is None else round(self.mip_bound, 2),
            "gap": self.gap,
            "status": self.status,
            "baseline_objective": round(self.baseline_objective, 2),
            "saving": round(self.saving, 2),
            "currency": self.currency,
            "carbon_price": self.carbon_price,
            "totals": None if self.totals is None else self.totals.to_dict(),
            "first_come": None if self.baseline is None else self.baseline.to_dict(),
            "column_generation": None if self.columns is None else self.columns.to_dict(),
            "seconds": {"candidates": round(self.candidates_s, 3), "solve": round(self.solve_s, 3)},
            "orders": [o.to_dict() for o in self.orders],
            "departures": [d.to_dict() for d in self.loads],
            "notes": list(self.notes),
        }


def _summary(it: Itinerary) -> str:
    return " → ".join(g.service or "truck" for g in it.legs)


def plan_orders(
    bundle: Bundle,
    orders: Sequence[Order],
    *,
    availability: Availability | None = None,
    carbon_price: float = 0.0,
    time_limit_s: float = 60.0,
    gap: float = 1e-4,
    progress: Callable[[int, int], None] | None = None,
    solve_progress: Callable[[SolveProgress], None] | None = None,
    search: Search | None = None,
    pricing_rounds: int = 20,
    write_model: str | None = None,
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
    time_limit_s, gap
        How long HiGHS may search, and the relative gap it may stop at; the answer reports its gap, and says
        "optimal" only when the gap is within ``gap``.
    progress
        Called with (searches done, searches) while candidates are searched.
    solve_progress
        Called now and then while HiGHS searches, with its answer, bound and gap.
    search
        The freight search for candidates (default: :func:`~intermodal.planners.routing.find_routes`).
    pricing_rounds
        At most this many rounds of column generation (0: none, the candidates only); they share half of
        ``time_limit_s``.
    write_model
        A file to write the final program to (MPS), for another solver to solve the very same program.

    Raises
    ------
    InputError
        An order's place or shipment is bad (naming the order).
    """
    began = time.perf_counter()
    found = generate_candidates(
        bundle, orders, availability=availability, carbon_price=carbon_price, search=search, progress=progress
    )
    searched = time.perf_counter()
    candidates = found.candidates
    teu = [o.teu for o in orders]
    kg = [o.tonnes * 1000.0 for o in orders]
    penalty = [o.penalty_not_carried for o in orders]
    reefer = [o.cargo.reefer for o in orders]
    baseline = first_come(
        teu, kg, candidates, found.room_teu, found.room_kg, found.trip_cost,
        reefer=reefer, room_reefer=found.room_reefer,
    )  # fmt: skip
    pricing = None
    if pricing_rounds > 0:
        price = SearchPricing(
            bundle,
            orders,
            found,
            availability=availability,
            carbon_price=carbon_price,
            search=search or default_search,
        )
        pricing = ColumnGeneration(
            price,
            scope=price.scope,
            complete=price.complete,
            max_iterations=pricing_rounds,
            threads=2,
            order=price.order,
            warm=price.pooled,
        )
    solved = solve_assignment(
        teu,
        kg,
        penalty,
        [o.may_split for o in orders],
        candidates,
        found.room_teu,
        found.room_kg,
        trip_cost=found.trip_cost,
        reefer=reefer,
        room_reefer=found.room_reefer,
        columns=pricing,
        start=baseline,
        time_limit_s=time_limit_s,
        gap=gap,
        progress=solve_progress,
        write_model=write_model,
    )
    solved_at = time.perf_counter()
    # the program's columns: the candidates, then those the pricing added
    candidates = list(solved.candidates) or candidates
    by_order: list[list[int]] = [[] for _ in orders]
    for i, c in enumerate(candidates):
        by_order[c.order].append(i)
    plans = []
    load: dict[str, float] = {}
    first_load: dict[str, float] = {}
    for o, order in enumerate(orders):
        chosen = [(solved.shares[i], candidates[i]) for i in by_order[o] if solved.shares[i] > 0]
        for share, c in chosen:
            for ref in c.departures:
                load[ref] = load.get(ref, 0.0) + share * order.teu
        k = baseline[o]
        if k >= 0:
            for ref in candidates[k].departures:
                first_load[ref] = first_load.get(ref, 0.0) + order.teu
        left = solved.left[o]
        why = found.reasons.get(o, "")
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
                candidates[k].itinerary if k >= 0 else None,
                candidates[k].cost if k >= 0 else 0.0,
            )
        )
    refs = sorted(set(load) | set(first_load))
    loads = tuple(
        DepartureLoad(
            r, found.room_teu[r], load.get(r, 0.0), first_load.get(r, 0.0), found.trip_cost.get(r, 0.0)
        )
        for r in refs
    )
    baseline_objective = objective_of(baseline, candidates, penalty, found.trip_cost)
    notes = [
        f"{len(found.candidates)} candidate itineraries for {len(orders)} orders from "
        f"{found.searches} searches" + ("; bound and gap are over them" if solved.columns is None else ""),
    ]
    if solved.columns is not None:
        report = solved.columns
        notes.append(
            f"column generation: {report.iterations} pricing rounds added {report.added} candidates"
            + (f" and {report.completed} more to close the gap" if report.completed else "")
            + f"; {report.proven}"
        )
    if solved.groups < len(orders):
        notes.append(f"{len(orders)} orders solved as {solved.groups} groups of identical orders (exact)")
    if found.trip_cost:
        spent = sum(found.trip_cost[r] for r in solved.trips)
        notes.append(
            f"{len(solved.trips)} trips the hub runs itself ({spent:,.0f} {bundle.manifest.currency}); "
            f"first come ran {_trips(baseline, candidates, found.trip_cost)}"
        )
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
        _plan_totals(plans, solved, found.trip_cost),
        _baseline_totals(orders, baseline, candidates, penalty, found.trip_cost),
        searched - began,
        solved_at - searched,
        carbon_price,
        solved.mip_bound,
        solved.columns,
    )


def _trips(choice: Sequence[int], candidates: Sequence[Candidate], trip_cost: dict[str, float]) -> int:
    return len({r for k in choice if k >= 0 for r in candidates[k].departures if r in trip_cost})


def _plan_totals(plans: Sequence[OrderPlan], solved: Assignment, trip_cost: dict[str, float]) -> Totals:
    return Totals(
        solved.objective,
        sum(share * it.cost for p in plans for share, it in p.itineraries),
        sum(p.co2e_kg for p in plans),
        sum(p.late_h for p in plans),
        sum(1.0 - p.left for p in plans),
        len(solved.trips),
        sum(trip_cost[r] for r in solved.trips),
    )


def _baseline_totals(
    orders: Sequence[Order],
    choice: Sequence[int],
    candidates: Sequence[Candidate],
    penalty: Sequence[float],
    trip_cost: dict[str, float],
) -> Totals:
    taken = [candidates[k] for k in choice if k >= 0]
    running = {r for c in taken for r in c.departures if r in trip_cost}
    return Totals(
        objective_of(choice, candidates, penalty, trip_cost),
        sum(c.itinerary.cost for c in taken if c.itinerary is not None),
        sum(c.itinerary.co2e_kg_wtw for c in taken if c.itinerary is not None),
        sum(c.late_h for c in taken),
        float(len(taken)),
        len(running),
        sum(trip_cost[r] for r in running),
    )
