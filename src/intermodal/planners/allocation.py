"""The allocation program of a book of orders: which candidate itinerary each order takes, solved by HiGHS.

Each order takes one of its candidates, or shares of several when it may be split, or is left behind at its
penalty. No departure carries more than its free TEU, kg and reefer plugs. A departure the hub runs itself
has a cost per trip (``trip_cost``): a yes/no variable per such trip pays it once and opens the trip's room,
so a trip runs only when the plan uses it and orders gain by riding together. Bought services are priced
per TEU in the candidates' costs.

Orders that are the same in every number the program sees (size, penalty, whether split, and the same
candidates at the same costs) are one group with an integer count: the program is the same, its optimum the
same, and a month of a hub's standard orders shrinks to a few thousand columns.

Column generation (``columns=``): the LP relaxation is solved, each capacity row's dual (TEU, kg, reefer
plugs, and the rows that tie a group's load to a trip running) becomes a price per departure for each group
of orders, and a pricing callable (:class:`Pricing`) returns itineraries; those with a negative reduced cost
(cost + the prices of their departures - the group row's dual) join the program, and the LP is solved again,
until none has one or a limit. The integer program is then solved over every column. When the pricing is
exact and converged, every itinerary whose reduced cost is below the gap between the answer and the LP bound
is added too and the integer program solved again: a better answer could only use such columns, so its
integer bound is then a bound over every itinerary (docs/planning.md, "Column generation").
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from intermodal.model import Itinerary

__all__ = [
    "Assignment",
    "Candidate",
    "ColumnGeneration",
    "ColumnReport",
    "Pricing",
    "SolveProgress",
    "first_come",
    "objective_of",
    "solve_assignment",
]

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
    #: the best bound proven: HiGHS's over the candidates, or with column generation the one it proved over
    #: its pricing's scope (see :class:`ColumnReport`); ``None`` when none was proven in the time
    bound: float | None
    #: the LP relaxation's optimum over the candidates (with column generation: the final restricted
    #: master's), ``None`` when the LP did not finish in its time
    lp_bound: float | None
    status: str
    #: the departures with a trip cost that the answer runs
    trips: tuple[str, ...] = ()
    #: how many groups of identical orders the program had (the orders, when none were the same)
    groups: int = 0
    seconds: float = 0.0
    #: HiGHS's bound over the program's columns (the candidates, and those column generation added)
    mip_bound: float | None = None
    #: every column of the program, the candidates given first: ``shares`` is indexed by it
    candidates: tuple[Candidate, ...] = ()
    #: what column generation did, ``None`` when it did not run
    columns: ColumnReport | None = None

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
    """Where the solve is: its best answer, its best bound, the gap between, seconds spent, and the phase:
    ``"pricing"`` (column generation's rounds: the best answer is the start's, the bound the last exact
    round's Lagrangian bound) or ``"solving"`` (HiGHS's integer search)."""

    objective: float | None
    bound: float | None
    gap: float | None
    seconds: float
    phase: str = "solving"
    #: the pricing rounds run so far (exact ones)
    rounds: int = 0


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
    *,
    reefer: Sequence[bool] | None = None,
    room_reefer: dict[str, float] | None = None,
) -> list[int]:
    """Orders in the order received, each on its cheapest candidate that still fits; -1 where none does.

    A trip not yet running costs its trip cost to the order that starts it, and nothing to those after.
    A reefer order (``reefer``) also needs free plugs (``room_reefer``, TEU) on each of its departures.
    """
    trips = trip_cost or {}
    left_teu, left_kg, left_plugs = dict(room_teu), dict(room_kg), dict(room_reefer or {})
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
        cold = bool(reefer[o]) if reefer is not None else False
        for i in sorted(by_order.get(o, []), key=price):
            refs = tuple(dict.fromkeys(candidates[i].departures))
            if all(
                left_teu.get(r, math.inf) >= teu[o] - 1e-9
                and left_kg.get(r, math.inf) >= kg[o] - 1e-6
                and (not cold or left_plugs.get(r, math.inf) >= teu[o] - 1e-9)
                for r in refs
            ):
                pick = i
                for r in refs:
                    if r in left_teu:
                        left_teu[r] -= teu[o]
                    if r in left_kg:
                        left_kg[r] -= kg[o]
                    if cold and r in left_plugs:
                        left_plugs[r] -= teu[o]
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
    reefer: Sequence[bool],
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
        key = (teu[o], kg[o], penalty[o], bool(splittable[o]), bool(reefer[o]), what)
        g = keys.setdefault(key, len(groups.members))
        if g == len(groups.members):
            groups.members.append([])
            groups.columns.append(own)
        groups.members[g].append(o)
    return groups


class Pricing(Protocol):
    """A pricing step: itineraries for the orders of one group, priced with the departures' prices.

    ``departure_prices`` maps a departure ref (as candidates carry it) to what one order of the group pays to
    ride it, read from the capacity duals (a ref not in it costs nothing more). The callable returns
    candidates for the group's orders (``Candidate.order`` one of ``orders``), each costed as usual, without
    the prices: the program adds the prices itself. With ``up_to=None`` it returns at least the itinerary of
    least priced cost (cost plus the prices of its departures) of each order; with a number, every itinerary
    whose priced cost is at most ``up_to``. ``below`` (the group's dual, when given) says which are wanted:
    those priced below it; where none is, the pricing may return any itinerary, or none, for that order.
    """

    def __call__(
        self,
        orders: Sequence[int],
        departure_prices: Mapping[str, float],
        *,
        up_to: float | None = None,
        below: float | None = None,
    ) -> Sequence[Candidate]: ...


@dataclass(frozen=True)
class ColumnGeneration:
    """How :func:`solve_assignment` adds candidates priced by the LP's capacity duals (column generation).

    ``exact``: ``price`` returns each order's least priced itinerary among everything in ``scope``. Only then
    does "no negative reduced cost" prove the LP bound over ``scope``; a heuristic pricing proves nothing
    beyond the columns it found. ``complete``: with ``up_to``, ``price`` returns every itinerary of ``scope``
    priced at most that; only then does adding them prove the integer bound over ``scope`` too.
    """

    price: Pricing
    exact: bool = True
    complete: bool = True
    #: groups priced at once; more than 1 only for a pricing that may be called from several threads
    threads: int = 1
    #: a quick pricing over what is at hand (the itineraries found so far), run before each round of
    #: ``price`` until it adds nothing, so that fewer rounds of ``price`` are needed; it proves nothing
    warm: Pricing | None = None
    #: the order to price groups in, by their members (e.g. those whose searches share a network together);
    #: ``None``: the program's
    order: Callable[[Sequence[int]], Any] | None = None
    #: what the pricing searches, in words for the report ("every itinerary of the pool")
    scope: str = "every itinerary the pricing can return"
    max_iterations: int = 30
    #: seconds after which no new round starts (``None``: half the solve's time limit); a round that has
    #: started prices every group, so that what it proves holds: a slow pricing may run past it
    time_limit_s: float | None = None
    #: columns the pricing may add in all
    max_columns: int = 200_000


@dataclass(frozen=True)
class ColumnReport:
    """What column generation did: its rounds, the columns it added, and what it proved."""

    #: pricing rounds run (each after an LP solve)
    iterations: int
    #: columns with a negative reduced cost added by the rounds
    added: int
    #: columns added after the integer solve to close the gap (reduced cost below the gap; see the docs)
    completed: int
    #: the last round found no itinerary with a negative reduced cost
    converged: bool
    #: what the bound and the status prove, in words
    proven: str
    #: the restricted master's LP optimum after each round
    lp_bounds: tuple[float, ...] = ()
    #: seconds spent in the rounds and the gap's closing, the pricing's searches included
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "iterations": self.iterations,
            "columns_added": self.added,
            "columns_completed": self.completed,
            "converged": self.converged,
            "proven": self.proven,
            "lp_bounds": [round(v, 2) for v in self.lp_bounds],
            "seconds": round(self.seconds, 3),
        }


@dataclass
class _Book:
    """The orders and the departures' room as the program sees them (the dicts may grow while pricing)."""

    teu: Sequence[float]
    kg: Sequence[float]
    penalty: Sequence[float]
    splittable: Sequence[bool]
    reefer: Sequence[bool]
    room_teu: dict[str, float]
    room_kg: dict[str, float]
    room_reefer: dict[str, float]
    trip_cost: dict[str, float]

    def trips(self) -> dict[str, float]:
        return {r: c for r, c in self.trip_cost.items() if c > 0}


@dataclass
class _Master:
    """One HiGHS program over a list of candidates, and how its columns and rows map back to them."""

    h: Any
    groups: _Groups
    col_group: list[int]
    n: int
    cost: np.ndarray[Any, Any]
    trips: dict[str, float]
    trip_col: dict[str, int]
    whole: list[int]
    #: per capacity row (after the group rows): its kind (teu, kg, plug or link), departure and group
    rows: list[tuple[str, str, int]]


def _build(book: _Book, candidates: Sequence[Candidate], gap: float) -> _Master:
    """The program over ``candidates``: a row per group, capacity rows per departure, trips as yes/no."""
    import highspy

    trips = book.trips()
    groups = _grouped(book.teu, book.kg, book.penalty, book.splittable, candidates, book.reefer)
    n_groups = len(groups.members)
    cols = [i for g in range(n_groups) for i in groups.columns[g]]
    col_group = [g for g in range(n_groups) for _ in groups.columns[g]]
    n_cols = len(cols)
    count = np.array([len(m) for m in groups.members], dtype=np.float64)
    rep = [m[0] for m in groups.members]
    # each group's columns share the departures of the representative's candidates; an itinerary rides a
    # departure once, however many legs it has on it
    used: dict[str, list[int]] = {}
    for j, i in enumerate(cols):
        for ref in dict.fromkeys(candidates[i].departures):
            used.setdefault(ref, []).append(j)
    opened = sorted(r for r in used if r in trips)
    n = n_cols + n_groups + len(opened)  # columns, then each group left behind, then the trips run
    cost = np.concatenate(
        [
            [candidates[i].cost for i in cols],
            [book.penalty[o] for o in rep],
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
    kinds: list[tuple[str, str, int]] = []
    # each group is carried (by its columns) or left behind, every member of it
    by_group: list[list[int]] = [[] for _ in range(n_groups)]
    for j, g in enumerate(col_group):
        by_group[g].append(j)
    for g in range(n_groups):
        rows.add([*by_group[g], n_cols + g], [1.0] * (len(by_group[g]) + 1), count[g], count[g])
    # no departure over its room, in TEU, kg and reefer plugs; a trip with a cost has room only when it runs
    trip_col = {r: n_cols + n_groups + k for k, r in enumerate(opened)}
    for ref in sorted(used):
        js = used[ref]
        y = trip_col.get(ref)
        for kind, size, room in (("teu", book.teu, book.room_teu), ("kg", book.kg, book.room_kg),
                                 ("plug", book.teu, book.room_reefer)):  # fmt: skip
            riders = js if kind != "plug" else [j for j in js if book.reefer[rep[col_group[j]]]]
            if not riders or (ref not in room and not (y is not None and kind == "teu")):
                continue
            coefs = [float(size[rep[col_group[j]]]) for j in riders]
            # a trip with no room listed holds whatever its candidates bring (the trip cost still counts)
            cap = (
                float(room[ref])
                if ref in room
                else float(sum(c * count[col_group[j]] for c, j in zip(coefs, riders, strict=True)))
            )
            if y is not None:
                rows.add([*riders, y], [*coefs, -cap], -highspy.kHighsInf, 0.0)
            else:
                rows.add(riders, coefs, -highspy.kHighsInf, cap)
            kinds.append((kind, ref, -1))
        if y is not None:
            # a group rides a trip only when it runs: the same integer answers, a much tighter LP (the LP
            # otherwise runs a fraction of a truck, load / room, and its bound says little about trip costs)
            on: dict[int, list[int]] = {}
            for j in js:
                on.setdefault(col_group[j], []).append(j)
            for g, jj in on.items():
                rows.add([*jj, y], [1.0] * len(jj) + [-count[g]], -highspy.kHighsInf, 0.0)
                kinds.append(("link", ref, g))
    rows.to(h)
    whole = [j for j in range(n_cols) if not book.splittable[rep[col_group[j]]]]
    whole += [n_cols + g for g in range(n_groups) if not book.splittable[rep[g]]]
    whole += list(trip_col.values())
    return _Master(h, groups, col_group, n, cost, trips, trip_col, whole, kinds)


@dataclass
class _Duals:
    """The LP's value and duals, as what each group's order pays per departure and what a group is worth."""

    value: float
    #: per group, what one of its orders pays to ride each departure (refs that cost nothing left out)
    prices: list[dict[str, float]]
    #: per group, its row's dual: a column of the group is worth adding when cost + prices < worth
    worth: np.ndarray[Any, Any]


def _lp(master: _Master, book: _Book, time_limit_s: float) -> _Duals | None:
    """Solve the program's LP relaxation; its value and duals, or ``None`` when it did not finish."""
    import highspy

    h = master.h
    h.setOptionValue("time_limit", max(0.1, float(time_limit_s)))
    h.run()
    # only an optimal LP's value bounds the MIP: a simplex stopped by the time limit is still above it
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    dual = np.asarray(h.getSolution().row_dual, dtype=np.float64)
    n_groups = len(master.groups.members)
    rep = [m[0] for m in master.groups.members]
    # HiGHS's duals satisfy reduced cost = cost - A' dual; a full "<=" row of a minimisation has a dual
    # <= 0, so minus the dual is what one more unit of the row's room would save: the price of riding it
    by_ref: dict[str, dict[str, float]] = {}
    link: dict[tuple[int, str], float] = {}
    for (kind, ref, g), d in zip(master.rows, dual[n_groups:], strict=True):
        if d == 0.0:
            continue
        if kind == "link":
            link[(g, ref)] = -float(d)
        else:
            by_ref.setdefault(ref, {})[kind] = -float(d)
    prices: list[dict[str, float]] = []
    for g in range(n_groups):
        o = rep[g]
        mine = {}
        for ref, d in by_ref.items():
            mine[ref] = d.get("teu", 0.0) * book.teu[o] + d.get("kg", 0.0) * book.kg[o]
            if book.reefer[o]:
                mine[ref] += d.get("plug", 0.0) * book.teu[o]
        for (lg, ref), d in link.items():
            if lg == g:
                mine[ref] = mine.get(ref, 0.0) + d
        prices.append({r: p for r, p in mine.items() if p != 0.0})
    value = float(h.getInfo().objective_function_value)
    return _Duals(value, prices, dual[:n_groups].copy())


def _reduced_cost(c: Candidate, prices: Mapping[str, float], worth: float) -> float:
    return c.cost + sum(prices.get(r, 0.0) for r in dict.fromkeys(c.departures)) - worth


def _tolerance(value: float) -> float:
    """A reduced cost this close to 0 is 0: HiGHS's duals are feasible to about 1e-7, relative."""
    return 1e-6 * max(1.0, abs(value))


@dataclass
class _Generated:
    iterations: int = 0
    added: int = 0
    converged: bool = False
    lp_bounds: list[float] = field(default_factory=list)
    #: rounds of the warm pricing (``ColumnGeneration.warm``)
    warm_rounds: int = 0
    #: the best Lagrangian bound of the rounds (an exact pricing's least reduced costs below the LP value)
    lagrangian: float | None = None


def _generate(
    book: _Book,
    pool: list[Candidate],
    columns: ColumnGeneration,
    gap: float,
    seconds: float,
    report: Callable[[float | None, int], None] | None = None,
) -> _Generated:
    """Price and add columns until none has a negative reduced cost, or a limit; ``pool`` grows in place.

    With ``columns.warm``, its rounds run first, until they add nothing; then a round of ``columns.price``,
    whose columns send it back to warm rounds. Only a round of ``columns.price`` proves anything.
    """
    began = time.perf_counter()
    out = _Generated()
    seen = {(c.order, c.departures, c.cost) for c in pool}
    warm = columns.warm is not None
    duals: _Duals | None = None
    while True:
        if duals is None:
            master = _build(book, pool, gap)
            duals = _lp(master, book, seconds - (time.perf_counter() - began))
            if duals is None:
                return out
            out.lp_bounds.append(duals.value)
        spent = time.perf_counter() - began
        if out.iterations >= columns.max_iterations or spent >= seconds or out.added >= columns.max_columns:
            return out
        price = columns.warm if warm and columns.warm is not None else columns.price
        new, least = _price_round(book, master, duals, columns, price, seen)
        if price is columns.price:
            out.iterations += 1
            if columns.exact:
                # an exact pricing's least reduced costs bound the LP over every column, priced or not (each
                # order takes at most one whole share): the Lagrangian bound, valid before convergence too.
                # The last round's only: a pricing may widen what it searches as it goes
                out.lagrangian = duals.value + float(least.sum())
            if not new:
                out.converged = True
                return out
            if report is not None:
                report(out.lagrangian, out.iterations)
        else:
            out.warm_rounds += 1
            if not new:
                warm = False  # the same duals, priced by the search
                continue
        warm = columns.warm is not None
        room = columns.max_columns - out.added
        pool += new[:room]
        out.added += min(len(new), room)
        duals = None


def _price_round(
    book: _Book,
    master: _Master,
    duals: _Duals,
    columns: ColumnGeneration,
    price: Pricing,
    seen: set[tuple[Any, ...]],
) -> tuple[list[Candidate], np.ndarray[Any, Any]]:
    """One round of ``price`` over every group: the new columns with a negative reduced cost, and per order
    its least reduced cost (0 when none is negative)."""
    least = np.zeros(len(book.teu))
    new: list[Candidate] = []
    groups = master.groups.members
    order = columns.order
    turn = sorted(range(len(groups)), key=lambda g: order(groups[g])) if order else list(range(len(groups)))
    priced: list[list[Candidate]] = [[] for _ in groups]

    def one(g: int) -> Sequence[Candidate]:
        return price(groups[g], duals.prices[g], below=float(duals.worth[g]))

    with ThreadPoolExecutor(max_workers=columns.threads) as workers:
        answers = workers.map(one, turn)
        for g, answer in zip(turn, answers, strict=True):
            priced[g] = list(answer)
    for g, members in enumerate(groups):
        prices, worth = duals.prices[g], float(duals.worth[g])
        for c in priced[g]:
            if c.order not in members:
                raise ValueError(f"the pricing returned a candidate of order {c.order}, not of {members}")
            rc = _reduced_cost(c, prices, worth)
            least[c.order] = min(least[c.order], rc)
            key = (c.order, c.departures, c.cost)
            if rc < -_tolerance(c.cost) and key not in seen:
                seen.add(key)
                new.append(c)
    return new, least


def _complete(
    book: _Book,
    pool: list[Candidate],
    columns: ColumnGeneration,
    duals: _Duals,
    master: _Master,
    slack: float,
) -> int:
    """Add every column whose reduced cost is below ``slack`` (the plan's objective minus the LP bound).

    Any answer better than the plan uses only such columns: its objective is at least the LP bound plus the
    reduced costs of its whole-order columns. With them all in, the integer program's bound is a bound
    over every itinerary. Returns how many were added, or -1 when the column limit cut the list short.
    """
    seen = {(c.order, c.departures, c.cost) for c in pool}
    added = 0
    for g, members in enumerate(master.groups.members):
        prices, worth = duals.prices[g], float(duals.worth[g])
        for c in columns.price(members, prices, up_to=worth + slack):
            key = (c.order, c.departures, c.cost)
            if key in seen or _reduced_cost(c, prices, worth) > slack + _tolerance(c.cost):
                continue
            if added >= columns.max_columns:
                return -1
            seen.add(key)
            pool.append(c)
            added += 1
    return added


@dataclass
class _Answer:
    shares: np.ndarray[Any, Any]
    left: np.ndarray[Any, Any]
    objective: float
    #: HiGHS's bound over the program's columns (``None``: none proven)
    bound: float | None
    status: str
    mip_optimal: bool


def _integer(
    master: _Master,
    book: _Book,
    pool: Sequence[Candidate],
    lp_value: float | None,
    start: Sequence[int] | None,
    seconds: float,
    gap: float,
    progress: Callable[[SolveProgress], None] | None,
    write_model: str | None,
    began: float,
) -> _Answer:
    """The integer solve of a program whose LP was just solved (its value ``lp_value``)."""
    import highspy

    h, n = master.h, master.n
    n_groups = len(master.groups.members)
    n_cols = len(master.col_group)
    if master.whole:
        kinds = np.array([highspy.HighsVarType.kInteger] * len(master.whole))
        h.changeColsIntegrality(len(master.whole), np.array(master.whole, dtype=np.int32), kinds)
        if write_model is not None:
            h.writeModel(write_model)
        first = None
        if start is not None:
            first = _start_solution(start, master.groups, master.col_group, n, master.trip_col, pool)
            h.setSolution(first)
        h.setOptionValue("time_limit", max(0.1, float(seconds)))
        if progress is not None:
            _watch(h, progress, began)
        h.run()
        if first is not None and _stale(h, master.cost):
            # HiGHS 1.16 hands back the start it was given, not its optimum, when presolve solves the whole
            # program (found by the enumeration test); without presolve it answers right, and fast, as small
            h.setOptionValue("presolve", "off")
            h.setSolution(first)
            h.run()
    info = h.getInfo()
    model_status = h.getModelStatus()
    z = np.array(h.getSolution().col_value) if info.primal_solution_status else np.zeros(n)
    if not info.primal_solution_status:
        z[n_cols : n_cols + n_groups] = [len(m) for m in master.groups.members]  # all left: feasible
    shares, left = _dealt(z, master.groups, master.col_group, len(pool), len(book.teu))
    objective = _objective(shares, left, pool, book.penalty, master.trips)
    lp_optimal = lp_value is not None
    bound: float | None = float(info.mip_dual_bound) if master.whole else (objective if lp_optimal else None)
    optimal = model_status == highspy.HighsModelStatus.kOptimal
    if not master.whole or optimal:
        mip_optimal = not master.whole or info.mip_gap <= gap
        status = "optimal" if mip_optimal else "gap open"
    elif model_status == highspy.HighsModelStatus.kTimeLimit:
        status, mip_optimal = "time limit", False
    else:
        status, mip_optimal = h.modelStatusToString(model_status), False
    if bound is None or not math.isfinite(bound):
        bound = lp_value
    return _Answer(shares, left, objective, bound, status, mip_optimal and lp_optimal)


def _choice_of(answer: _Answer, pool: Sequence[Candidate], n_orders: int) -> list[int] | None:
    """The answer as one candidate per order (-1: left), or ``None`` when an order is split."""
    choice = [-1] * n_orders
    for i, s in enumerate(answer.shares):
        if s > 1.0 - _EPS:
            choice[pool[i].order] = i
        elif s > _EPS:
            return None
    return choice


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
    reefer: Sequence[bool] | None = None,
    room_reefer: dict[str, float] | None = None,
    columns: ColumnGeneration | None = None,
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
    reefer, room_reefer
        Per order, whether it is reefer cargo; per departure, the reefer plugs free in TEU (a departure
        missing from it has no plug limit beyond its TEU).
    columns
        Column generation: after each LP, the capacity rows' duals price the departures and
        ``columns.price`` returns itineraries; those with a negative reduced cost join the program, until
        none has one or a limit; then the integer solve over every column. ``None``: the candidates only.
        The room and trip-cost dicts may grow while it prices (a priced itinerary may ride a new departure).
    start
        A feasible choice (per order, the index of its candidate or -1, left behind): HiGHS starts from it,
        and the answer is never worse than it.
    time_limit_s, gap
        When HiGHS stops: the time, or a relative gap it need not close. With ``columns``, pricing rounds
        start only in the first half (unless ``columns.time_limit_s`` says otherwise), and the LP and integer
        solves after them have at least the second half, however long the last round took.
    progress
        Called now and then while HiGHS searches, with its best answer, bound and gap.
    write_model
        A path to write the program to (``.mps``) before the integer solve, for another solver to solve the
        same program (the benchmark's peer).
    """
    began = time.perf_counter()
    if not len(teu):
        return Assignment((), (), 0.0, 0.0, 0.0, "optimal")
    book = _Book(
        teu,
        kg,
        penalty,
        splittable,
        reefer if reefer is not None else [False] * len(teu),
        room_teu,
        room_kg,
        room_reefer if room_reefer is not None else {},
        trip_cost if trip_cost is not None else {},
    )
    pool = list(candidates)
    generated = None
    pricing_s = 0.0
    if columns is not None:
        budget = columns.time_limit_s if columns.time_limit_s is not None else time_limit_s / 2
        incumbent = None if start is None else objective_of(start, pool, penalty, book.trips())

        def priced(bound: float | None, rounds: int) -> None:
            if progress is not None:
                open_gap = (
                    None
                    if incumbent is None or bound is None
                    else max(0.0, incumbent - bound) / max(abs(incumbent), 1e-9)
                )
                seconds = time.perf_counter() - began
                progress(SolveProgress(incumbent, bound, open_gap, seconds, "pricing", rounds))

        generated = _generate(book, pool, columns, gap, budget, priced)
        pricing_s = time.perf_counter() - began
    solving = time.perf_counter()

    def remaining() -> float:
        # a pricing round may run past its half of the limit (it finishes what it proves): the solve keeps
        # its own half all the same
        now = time.perf_counter()
        return max(time_limit_s - (now - began), time_limit_s / 2 - (now - solving) if columns else 0.0)

    master = _build(book, pool, gap)
    duals = _lp(master, book, remaining())
    lp_bound = None if duals is None else duals.value
    answer = _integer(
        master, book, pool, lp_bound, start, remaining(), gap, progress,
        write_model, began,
    )  # fmt: skip
    completed = 0
    if (
        generated is not None
        and columns is not None
        and generated.converged
        and columns.exact
        and duals is not None
        and not any(splittable)
        and answer.objective - duals.value > _tolerance(answer.objective)
    ):
        t = time.perf_counter()
        completed = _complete(book, pool, columns, duals, master, answer.objective - duals.value)
        pricing_s += time.perf_counter() - t
        if completed:
            again = _choice_of(answer, pool, len(teu))
            master = _build(book, pool, gap)
            better = _integer(
                master, book, pool, lp_bound, again, remaining(), gap,
                progress, None, began,
            )  # fmt: skip
            if better.objective <= answer.objective + _tolerance(answer.objective):
                answer = better
            else:
                # HiGHS lost the start it was given: keep the answer, with the bound over every column now
                # (what the gap's closing proves) and no claim that the integer solve finished
                kept = (answer.shares, answer.left, answer.objective)
                answer = _Answer(*kept, better.bound, better.status, False)
    shares, left, objective, status = answer.shares, answer.left, answer.objective, answer.status
    if start is not None:
        # the first-come answer is feasible too: never hand back a worse one (HiGHS stopped early)
        first = objective_of(start, pool, penalty, master.trips)
        if first < objective - 1e-6:
            shares = np.zeros(len(pool))
            left = np.zeros(len(teu))
            for o, k in enumerate(start):
                if k >= 0:
                    shares[k] = 1.0
                else:
                    left[o] = 1.0
            objective = first
            status = f"{status}; the first-come answer was better and is kept"
    mip_bound = None if answer.bound is None else min(answer.bound, objective)
    report = None
    if generated is not None and columns is not None:
        bound, status, proven = _proven(
            generated,
            columns,
            answer,
            status,
            lp_bound,
            objective,
            completed,
            any(splittable),
            len(pool),
            gap,
        )
        report = ColumnReport(
            generated.iterations, generated.added, max(completed, 0), generated.converged, proven,
            tuple(generated.lp_bounds), pricing_s,
        )  # fmt: skip
    else:
        bound = mip_bound
    running = sorted(
        {r for i, s in enumerate(shares) if s > _EPS for r in pool[i].departures if r in master.trips}
    )
    return Assignment(
        tuple(float(v) for v in shares),
        tuple(float(v) for v in left),
        objective,
        bound,
        lp_bound,
        status,
        tuple(running),
        len(master.groups.members),
        time.perf_counter() - began,
        mip_bound=mip_bound,
        candidates=tuple(pool),
        columns=report,
    )


def _proven(
    generated: _Generated,
    columns: ColumnGeneration,
    answer: _Answer,
    status: str,
    lp_bound: float | None,
    objective: float,
    completed: int,
    split: bool,
    n_columns: int,
    gap: float,
) -> tuple[float | None, str, str]:
    """The bound column generation proves over its pricing's scope, the status, and the proof in words."""
    scope = columns.scope
    bound: float | None = None
    if generated.converged and columns.exact and lp_bound is not None:
        bound = lp_bound
        said = (
            f"column generation converged over {scope}: no such itinerary has a negative reduced cost, so "
            "the LP bound holds over all of them"
        )
        closed = objective - lp_bound <= _tolerance(objective)
        if not closed and not columns.complete:
            said += (
                "; the pricing cannot list every itinerary below the gap, so the LP bound is the bound proven"
            )
        elif not closed and completed >= 0 and not split and answer.bound is not None:
            # every column that could make a better plan is in the program: its integer bound holds too
            bound = max(lp_bound, answer.bound)
            said += (
                f"; every itinerary with a reduced cost below the gap ({completed} more) was added, so the "
                f"integer bound over the {n_columns} columns holds over all of them too"
            )
        elif not closed and split:
            said += "; with orders that may be split, the LP bound is the bound proven"
        elif not closed and completed < 0:
            said += "; the column limit cut short the columns that could close the gap: the LP bound stands"
    elif columns.exact and generated.lagrangian is not None:
        bound = generated.lagrangian
        said = (
            f"column generation stopped at its limit after {generated.iterations} rounds: the bound is the "
            f"LP value plus the least reduced costs (a Lagrangian bound over {scope})"
        )
    else:
        said = (
            f"column generation stopped at its limit after {generated.iterations} rounds: no bound over "
            f"{scope} is proven, only over the {n_columns} columns found"
        )
    if bound is not None:
        bound = min(bound, objective)
    within = bound is not None and objective - bound <= gap * max(abs(objective), 1e-9) + 1e-9
    if status.startswith("optimal"):
        if generated.converged and answer.mip_optimal and within:
            said = "optimal: " + said
        else:
            status = status.replace("optimal", "gap open", 1)
    return bound, status, said


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
