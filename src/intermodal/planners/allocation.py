"""The allocation program of a book of orders: which candidate itinerary each order takes, solved by HiGHS.

Each order takes one of its candidates, or shares of several when it may be split, or is left behind at its
penalty. No departure carries more than its free TEU and kg. A departure the hub runs itself has a cost per
trip (``trip_cost``): a yes/no variable per such trip pays it once and opens the trip's room, so a trip runs
only when the plan uses it and orders gain by riding together. Bought services are priced per TEU in the
candidates' costs.

Orders that are the same in every number the program sees (size, penalty, whether split, and the same
candidates at the same costs) are one group with an integer count: the program is the same, its optimum the
same, and a month of a hub's standard orders shrinks to a few thousand columns.

Where a pricing step (column generation) would go: :func:`solve_assignment` solves the LP first; the capacity
rows' duals of that LP (``h.getSolution().row_dual``, rows after the order rows) are the departures' prices a
freight search would take to find itineraries with a negative reduced cost, add them as columns and re-solve
the LP, before the integer solve. The search does not take per-trip prices yet.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from intermodal.model import Itinerary

__all__ = ["Assignment", "Candidate", "SolveProgress", "first_come", "objective_of", "solve_assignment"]

#: a share below this is no share: HiGHS leaves float noise of about 1e-9 in its integer answers
_EPS = 1e-6


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
    #: the departures with a trip cost that the answer runs
    trips: tuple[str, ...] = ()
    #: how many groups of identical orders the program had (the orders, when none were the same)
    groups: int = 0
    seconds: float = 0.0

    @property
    def gap(self) -> float | None:
        """The relative distance from the objective to the best bound (0 when proven optimal)."""
        if self.bound is None:
            return None
        if self.objective == self.bound:
            return 0.0
        return abs(self.objective - self.bound) / max(abs(self.objective), 1e-9)


@dataclass(frozen=True)
class SolveProgress:
    """Where HiGHS is while it searches: its best answer, its best bound, the gap between, seconds spent."""

    objective: float | None
    bound: float | None
    gap: float | None
    seconds: float


def objective_of(
    choice: Sequence[int],
    candidates: Sequence[Candidate],
    penalty: Sequence[float],
    trip_cost: dict[str, float] | None = None,
) -> float:
    """What a whole-order choice (per order a candidate, or -1: left behind) costs, trips included."""
    trips = trip_cost or {}
    total, running = 0.0, set[str]()
    for o, k in enumerate(choice):
        if k < 0:
            total += penalty[o]
            continue
        total += candidates[k].cost
        running.update(r for r in candidates[k].departures if trips.get(r, 0.0) > 0)
    return total + float(sum(trips[r] for r in running))


def first_come(
    teu: Sequence[float],
    kg: Sequence[float],
    candidates: Sequence[Candidate],
    room_teu: dict[str, float],
    room_kg: dict[str, float],
    trip_cost: dict[str, float] | None = None,
) -> list[int]:
    """Orders in the order received, each on its cheapest candidate that still fits; -1 where none does.

    A trip not yet running costs its trip cost to the order that starts it, and nothing to those after.
    """
    trips = trip_cost or {}
    left_teu, left_kg = dict(room_teu), dict(room_kg)
    running: set[str] = set()
    by_order: dict[int, list[int]] = {}
    for i, c in enumerate(candidates):
        by_order.setdefault(c.order, []).append(i)

    def price(i: int) -> float:
        c = candidates[i]
        return c.cost + sum(trips.get(r, 0.0) for r in set(c.departures) if r not in running)

    choice = []
    for o in range(len(teu)):
        pick = -1
        for i in sorted(by_order.get(o, []), key=price):
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
                    if trips.get(r, 0.0) > 0:
                        running.add(r)
                break
        choice.append(pick)
    return choice


@dataclass
class _Groups:
    """Orders the program cannot tell apart, as groups: each group's members and its candidates."""

    members: list[list[int]]
    #: per group, its representative's candidate indices in a canonical order
    columns: list[list[int]]
    #: per order, its candidate indices in the same canonical order as its group's columns
    own: list[list[int]]


def _grouped(
    teu: Sequence[float],
    kg: Sequence[float],
    penalty: Sequence[float],
    splittable: Sequence[bool],
    candidates: Sequence[Candidate],
) -> _Groups:
    by_order: list[list[int]] = [[] for _ in teu]
    for i, c in enumerate(candidates):
        by_order[c.order].append(i)
    keys: dict[tuple[Any, ...], int] = {}
    groups = _Groups([], [], [])
    for o in range(len(teu)):
        # the k-th candidate of every member is the k-th of the group: sort each order's by what it is
        own = sorted(by_order[o], key=lambda i: (candidates[i].departures, candidates[i].cost))
        groups.own.append(own)
        what = tuple((candidates[i].departures, candidates[i].cost) for i in own)
        key = (teu[o], kg[o], penalty[o], bool(splittable[o]), what)
        g = keys.setdefault(key, len(groups.members))
        if g == len(groups.members):
            groups.members.append([])
            groups.columns.append(own)
        groups.members[g].append(o)
    return groups


def solve_assignment(
    teu: Sequence[float],
    kg: Sequence[float],
    penalty: Sequence[float],
    splittable: Sequence[bool],
    candidates: Sequence[Candidate],
    room_teu: dict[str, float],
    room_kg: dict[str, float],
    *,
    trip_cost: dict[str, float] | None = None,
    start: Sequence[int] | None = None,
    time_limit_s: float = 60.0,
    gap: float = 1e-4,
    progress: Callable[[SolveProgress], None] | None = None,
    write_model: str | None = None,
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
    trip_cost
        What running a departure costs, paid once if anything rides it (missing or 0: bought per TEU).
    start
        A feasible choice (per order, the index of its candidate or -1, left behind): HiGHS starts from it,
        and the answer is never worse than it.
    time_limit_s, gap
        When HiGHS stops: the time, or a relative gap it need not close.
    progress
        Called now and then while HiGHS searches, with its best answer, bound and gap.
    write_model
        A path to write the program to (``.mps``) before the integer solve, for another solver to solve the
        same program (the benchmark's peer).
    """
    import highspy

    began = time.perf_counter()
    if not len(teu):
        return Assignment((), (), 0.0, 0.0, 0.0, "optimal")
    trips = {r: c for r, c in (trip_cost or {}).items() if c > 0}
    groups = _grouped(teu, kg, penalty, splittable, candidates)
    n_groups = len(groups.members)
    cols = [i for g in range(n_groups) for i in groups.columns[g]]
    col_group = [g for g in range(n_groups) for _ in groups.columns[g]]
    n_cols = len(cols)
    count = np.array([len(m) for m in groups.members], dtype=np.float64)
    rep = [m[0] for m in groups.members]
    # each group's columns share the departures of the representative's candidates
    used: dict[str, list[int]] = {}
    for j, i in enumerate(cols):
        for ref in candidates[i].departures:
            used.setdefault(ref, []).append(j)
    opened = sorted(r for r in used if r in trips)
    n = n_cols + n_groups + len(opened)  # columns, then each group left behind, then the trips run
    cost = np.concatenate(
        [
            [candidates[i].cost for i in cols],
            [penalty[o] for o in rep],
            [trips[r] for r in opened],
        ]
    ).astype(np.float64)
    upper_bound = np.concatenate([count[col_group], count, np.ones(len(opened))])

    h = _silent_highs()
    h.setOptionValue("mip_rel_gap", float(gap))
    h.setOptionValue("threads", 1)
    h.addVars(n, np.zeros(n), upper_bound)
    h.changeColsCost(n, np.arange(n, dtype=np.int32), cost)
    rows = _Rows()
    # each group is carried (by its columns) or left behind, every member of it
    by_group: list[list[int]] = [[] for _ in range(n_groups)]
    for j, g in enumerate(col_group):
        by_group[g].append(j)
    for g in range(n_groups):
        rows.add([*by_group[g], n_cols + g], [1.0] * (len(by_group[g]) + 1), count[g], count[g])
    # no departure over its room, in TEU and in kg; a trip with a cost has room only when it runs
    trip_col = {r: n_cols + n_groups + k for k, r in enumerate(opened)}
    for ref in sorted(used):
        js = used[ref]
        for size, room in ((teu, room_teu), (kg, room_kg)):
            if ref not in room and not (ref in trips and size is teu):
                continue
            coefs = [float(size[rep[col_group[j]]]) for j in js]
            # a trip with no room listed holds whatever its candidates bring (the trip cost still counts)
            cap = (
                float(room[ref])
                if ref in room
                else float(sum(c * count[col_group[j]] for c, j in zip(coefs, js, strict=True)))
            )
            if ref in trips:
                rows.add([*js, trip_col[ref]], [*coefs, -cap], -highspy.kHighsInf, 0.0)
            else:
                rows.add(js, coefs, -highspy.kHighsInf, cap)
    rows.to(h)

    # the LP bound over these candidates (the place for a pricing step: see the module's docstring)
    h.setOptionValue("time_limit", float(time_limit_s))
    h.run()
    # only an optimal LP's value bounds the MIP: a simplex stopped by the time limit is still above it
    lp_optimal = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    lp_bound = float(h.getInfo().objective_function_value) if lp_optimal else None
    whole = [j for j in range(n_cols) if not splittable[rep[col_group[j]]]]
    whole += [n_cols + g for g in range(n_groups) if not splittable[rep[g]]]
    whole += list(trip_col.values())
    if whole:
        kinds = np.array([highspy.HighsVarType.kInteger] * len(whole))
        h.changeColsIntegrality(len(whole), np.array(whole, dtype=np.int32), kinds)
        if write_model is not None:
            h.writeModel(write_model)
        if start is not None:
            h.setSolution(_start_solution(start, groups, col_group, n, trip_col, candidates))
        h.setOptionValue("time_limit", max(0.1, float(time_limit_s) - (time.perf_counter() - began)))
        if progress is not None:
            _watch(h, progress, began)
        h.run()
        if start is not None and _stale(h, cost):
            # HiGHS 1.16 hands back the start it was given, not its optimum, when presolve solves the whole
            # program (found by the enumeration test); without presolve it answers right, and fast, as small
            h.setOptionValue("presolve", "off")
            h.setSolution(_start_solution(start, groups, col_group, n, trip_col, candidates))
            h.run()
    info = h.getInfo()
    model_status = h.getModelStatus()
    z = np.array(h.getSolution().col_value) if info.primal_solution_status else np.zeros(n)
    if not info.primal_solution_status:
        z[n_cols : n_cols + n_groups] = count  # no answer in the time: all left behind is feasible
    shares, left = _dealt(z, groups, col_group, len(candidates), len(teu))
    objective = _objective(shares, left, candidates, penalty, trips)
    bound: float | None = float(info.mip_dual_bound) if whole else (objective if lp_optimal else None)
    if not whole or model_status == highspy.HighsModelStatus.kOptimal:
        status = "optimal" if not whole or info.mip_gap <= gap else "gap open"
    elif model_status == highspy.HighsModelStatus.kTimeLimit:
        status = "time limit"
    else:
        status = h.modelStatusToString(model_status)
    if start is not None:
        # the first-come answer is feasible too: never hand back a worse one (HiGHS stopped early)
        first = objective_of(start, candidates, penalty, trips)
        if first < objective - 1e-6:
            shares = np.zeros(len(candidates))
            left = np.zeros(len(teu))
            for o, k in enumerate(start):
                if k >= 0:
                    shares[k] = 1.0
                else:
                    left[o] = 1.0
            objective = first
            status = f"{status}; the first-come answer was better and is kept"
    if bound is None or not math.isfinite(bound):
        bound = lp_bound
    best = None if bound is None else min(bound, objective)
    running = sorted(
        {r for i, s in enumerate(shares) if s > _EPS for r in candidates[i].departures if r in trips}
    )
    return Assignment(
        tuple(float(v) for v in shares),
        tuple(float(v) for v in left),
        objective,
        best,
        lp_bound,
        status,
        tuple(running),
        n_groups,
        time.perf_counter() - began,
    )


def _stale(h: Any, cost: np.ndarray[Any, Any]) -> bool:
    """Whether the solution HiGHS hands back is not the one its objective reports."""
    info = h.getInfo()
    if not info.primal_solution_status:
        return False
    x = np.array(h.getSolution().col_value)
    reported = float(info.objective_function_value)
    return abs(float(cost @ x) - reported) > 1e-6 * max(1.0, abs(reported))


class _Rows:
    """Constraint rows gathered sparse (one list of indices and values), added to HiGHS in one call."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.index: list[int] = []
        self.value: list[float] = []
        self.lower: list[float] = []
        self.upper: list[float] = []

    def add(self, index: list[int], value: list[float], lower: float, upper: float) -> None:
        self.starts.append(len(self.index))
        self.index += index
        self.value += value
        self.lower.append(float(lower))
        self.upper.append(float(upper))

    def to(self, h: Any) -> None:
        h.addRows(
            len(self.lower),
            np.array(self.lower),
            np.array(self.upper),
            len(self.index),
            np.array(self.starts, dtype=np.int32),
            np.array(self.index, dtype=np.int32),
            np.array(self.value),
        )


def _start_solution(
    start: Sequence[int],
    groups: _Groups,
    col_group: list[int],
    n: int,
    trip_col: dict[str, int],
    candidates: Sequence[Candidate],
) -> Any:
    """The first-come choice as values of the grouped program's columns, for HiGHS to start from."""
    import highspy

    first_col = {}
    j = 0
    for g, columns in enumerate(groups.columns):
        first_col[g] = j
        j += len(columns)
    n_cols = j
    values = np.zeros(n)
    for g, members in enumerate(groups.members):
        for o in members:
            k = start[o]
            if k < 0:
                values[n_cols + g] += 1.0
                continue
            values[first_col[g] + groups.own[o].index(k)] += 1.0
            for r in candidates[k].departures:
                if r in trip_col:
                    values[trip_col[r]] = 1.0
    sol = highspy.HighsSolution()
    sol.col_value = list(values)
    sol.value_valid = True
    return sol


def _dealt(
    z: np.ndarray[Any, Any], groups: _Groups, col_group: list[int], n_cand: int, n_orders: int
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Each group's counts dealt out to its members: whole counts to whole orders, the rest in shares."""
    shares = np.zeros(n_cand)
    left = np.zeros(n_orders)
    j = 0
    n_cols = len(col_group)
    for g, members in enumerate(groups.members):
        room = [1.0] * len(members)
        m = 0
        for k in range(len(groups.columns[g])):
            amount = float(z[j + k])
            while amount > _EPS and m < len(members):
                take = min(amount, room[m])
                shares[groups.own[members[m]][k]] += take
                amount -= take
                room[m] -= take
                if room[m] <= _EPS:
                    m += 1
        for i, o in enumerate(members):
            left[o] = max(0.0, room[i])
        j += len(groups.columns[g])
    assert j == n_cols
    shares = np.where(shares > _EPS, shares, 0.0)
    shares = np.clip(np.where(shares > 1.0 - _EPS, 1.0, shares), 0.0, 1.0)
    # what is not carried of an order is left behind; integer noise rounds away
    for o in range(n_orders):
        left[o] = 0.0 if left[o] <= _EPS else min(1.0, left[o])
    return shares, left


def _objective(
    shares: np.ndarray[Any, Any],
    left: np.ndarray[Any, Any],
    candidates: Sequence[Candidate],
    penalty: Sequence[float],
    trips: dict[str, float],
) -> float:
    """The objective of the shares handed back, recomputed: the solver's own figure is only a report."""
    total = float(sum(s * c.cost for s, c in zip(shares, candidates, strict=True) if s > 0))
    total += float(np.dot(left, np.asarray(penalty, dtype=np.float64)))
    running = {r for i, s in enumerate(shares) if s > 0 for r in candidates[i].departures if r in trips}
    return total + sum(trips[r] for r in running)


def _watch(h: Any, progress: Callable[[SolveProgress], None], began: float) -> None:
    """Report HiGHS's answer, bound and gap at most five times a second while its MIP search runs."""
    last = [0.0]

    def tick(event: Any) -> None:
        now = time.perf_counter()
        if now - last[0] < 0.2:
            return
        last[0] = now
        out = event.data_out
        primal, dual = float(out.mip_primal_bound), float(out.mip_dual_bound)
        objective = primal if math.isfinite(primal) and abs(primal) < 1e30 else None
        bound = dual if math.isfinite(dual) and abs(dual) < 1e30 else None
        gap = None
        if objective is not None and bound is not None:
            gap = abs(objective - bound) / max(abs(objective), 1e-9)
        progress(SolveProgress(objective, bound, gap, now - began))

    h.cbMipInterrupt += tick


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
