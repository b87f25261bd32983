"""Which of the Pareto-optimal options are worth showing: folding the ones within a margin of a better one.

A three-criteria Pareto set keeps every option that is best at something, however little: four more days and
1,041 CNY more to save 24 kg (1.1 %) of CO2e is Pareto-optimal, and no planner takes it. Folding hides an
option behind one it is hardly better than, by margins the query sets, and says how many it hid.

Definition
----------
With margins ``h`` hours, ``c`` % and ``e`` %, option B *folds* option A when B is no worse than A by more
than the margins on every criterion,

- arrival: ``B.arrive <= A.arrive + h``
- cost: ``B.cost <= A.cost * (1 + c/100)``
- CO2e (WTW): ``B.co2e <= A.co2e * (1 + e/100)``
- in a range query, ready-by (later is better): ``B.ready_by >= A.ready_by - h``

and strictly better than A beyond the margin on at least one of them (``B.arrive < A.arrive - h``,
``B.cost < A.cost * (1 - c/100)``, ``B.co2e < A.co2e * (1 - e/100)`` or ``B.ready_by > A.ready_by + h``).
Cost is the cost the search ranks by: with a carbon price, cost plus carbon cost.

With zero margins, B folds A exactly when B dominates A, so a Pareto set loses nothing. Margins make
folding not transitive, so :func:`fold_options` keeps options one at a time: next the best-ranked option
that no option still in play folds; then every option it folds is folded. Every folded option therefore has
a kept option that folds it, and (unless folding runs in a circle, where the best-ranked option is kept
first) no kept option folds another.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from intermodal.exceptions import Problem, ShipmentError
from intermodal.model import Itinerary

__all__ = ["DEFAULT_FOLD", "FoldMargins", "fold_margins", "fold_options"]


@dataclass(frozen=True)
class FoldMargins:
    """How close to a better option an option must be to be folded behind it.

    Parameters
    ----------
    hours
        On arrival (and, in a range query, on the ready-by time).
    cost_pct
        On cost, in percent of the folded option's cost.
    co2e_pct
        On CO2e WTW, in percent of the folded option's CO2e.
    """

    hours: float = 1.0
    cost_pct: float = 1.0
    co2e_pct: float = 1.0

    def __post_init__(self) -> None:
        problems = [
            Problem("not a margin", field=name, found=f"{value:g}", expected="a number from 0 to 100")
            for name, value in (
                ("fold_hours", self.hours),
                ("fold_cost_pct", self.cost_pct),
                ("fold_co2e_pct", self.co2e_pct),
            )
            if not (math.isfinite(value) and 0 <= value <= 100)
        ]
        if problems:
            raise ShipmentError(problems)

    def describe(self) -> str:
        """``2 h, 2 % cost and 2 % CO2e``."""
        return f"{self.hours:g} h, {self.cost_pct:g} % cost and {self.co2e_pct:g} % CO2e"


#: the margins options are folded within unless a query says otherwise
DEFAULT_FOLD = FoldMargins(hours=2.0, cost_pct=2.0, co2e_pct=2.0)


def fold_margins(
    hours: float | None = None,
    cost_pct: float | None = None,
    co2e_pct: float | None = None,
    *,
    all_options: bool = False,
) -> FoldMargins | None:
    """The margins a query asks for: :data:`DEFAULT_FOLD` with any given replaced, or ``None`` for all.

    Raises
    ------
    ShipmentError
        A margin is out of range, or margins come with a request for all options.
    """
    given = {"hours": hours, "cost_pct": cost_pct, "co2e_pct": co2e_pct}
    if all_options:
        if any(v is not None for v in given.values()):
            raise ShipmentError(
                Problem("all options fold none: give all or fold margins, not both", field="all")
            )
        return None
    return FoldMargins(**{k: getattr(DEFAULT_FOLD, k) if v is None else v for k, v in given.items()})


def fold_options(
    options: Sequence[Itinerary], margins: FoldMargins
) -> tuple[list[Itinerary], list[Itinerary]]:
    """The options to show and the options folded behind them, each in the order given.

    ``options`` should come best first (the order decides only where folding runs in a circle); see the
    module docstring for when an option is folded.
    """
    n = len(options)
    if n < 2:
        return list(options), []
    folds = _Folding(options, margins)
    kept = _keep_few(folds.rows(np.arange(n)).tolist()) if n <= _FEW else _keep(folds, n)
    return [o for o, keep in zip(options, kept, strict=True) if keep], [
        o for o, keep in zip(options, kept, strict=True) if not keep
    ]


#: rows of the fold relation computed at once
_BLOCK = 256
#: up to this many options, the options to keep are chosen on lists (:func:`_keep_few`)
_FEW = 32


def _keep(folds: _Folding, n: int) -> np.ndarray:
    """Whether to keep each of the ``n`` options: the best-ranked option no option in play folds, then
    the options it folds out of play, until none is left."""
    if n <= _BLOCK:
        # the whole relation at once, each row then read, not computed again
        folds.whole = folds.rows(np.arange(n))
    # folders[a]: how many options still in play fold option a (in blocks of rows: a range query over
    # weeks of a busy feed has thousands of options, and their whole matrix would not fit in memory)
    folders = np.zeros(n, dtype=np.int64)
    for start in range(0, n, _BLOCK):
        folders += folds.rows(np.arange(start, min(start + _BLOCK, n))).sum(axis=0)
    pending = np.ones(n, dtype=bool)
    kept = np.zeros(n, dtype=bool)
    while pending.any():
        free = np.flatnonzero(pending & (folders == 0))
        k = int(free[0]) if free.size else int(np.flatnonzero(pending)[0])
        kept[k] = True
        # k leaves play, and so does everything it folds
        out = pending & folds.rows(np.array([k]))[0]
        out[k] = True
        pending &= ~out
        gone = np.flatnonzero(out)
        for start in range(0, gone.size, _BLOCK):
            folders -= folds.rows(gone[start : start + _BLOCK]).sum(axis=0)
    return kept


def _keep_few(m: list[list[bool]]) -> list[bool]:
    """:func:`_keep` on the whole relation as lists (``m[b][a]``: option ``b`` folds option ``a``): for a
    route's few options, a numpy call costs more than its work, and the choice takes a dozen of them per
    option kept."""
    n = len(m)
    folders = [sum(column) for column in zip(*m, strict=True)]
    pending = [True] * n
    kept = [False] * n
    while any(pending):
        free = [a for a in range(n) if pending[a] and folders[a] == 0]
        k = free[0] if free else pending.index(True)
        kept[k] = True
        # k leaves play, and so does everything it folds
        for b in range(n):
            if pending[b] and (b == k or m[k][b]):
                pending[b] = False
                folders = [f - folded for f, folded in zip(folders, m[b], strict=True)]
    return kept


class _Folding:
    """The fold relation of a list of options, a block of rows at a time."""

    def __init__(self, options: Sequence[Itinerary], margins: FoldMargins) -> None:
        slack = margins.hours * 3600.0
        # each criterion as (values where less is better, each option's margin)
        arrive = np.array([o.arrive.timestamp() for o in options])
        cost = np.array([o.cost + o.carbon_cost for o in options])
        co2e = np.array([o.co2e_kg_wtw for o in options])
        self.criteria = [
            (arrive, np.full(arrive.size, slack)),
            (cost, np.abs(cost) * margins.cost_pct / 100),
            (co2e, np.abs(co2e) * margins.co2e_pct / 100),
        ]
        if all(o.ready_by is not None for o in options):
            ready = np.array([o.ready_by.timestamp() for o in options if o.ready_by is not None])
            self.criteria.append((-ready, np.full(ready.size, slack)))
        #: the whole relation, when it is small enough to keep
        self.whole: np.ndarray | None = None

    def rows(self, b: np.ndarray) -> np.ndarray:
        """``m[i, a]``: option ``b[i]`` folds option ``a``."""
        if self.whole is not None:
            return self.whole[b]
        # sums of float amounts: differences below a micro-unit are the same value
        tiny = 1e-6
        n = self.criteria[0][0].size
        within = np.ones((b.size, n), dtype=bool)
        beyond = np.zeros((b.size, n), dtype=bool)
        for values, margin in self.criteria:
            worse = values[b, None] - values[None, :]  # how much worse b is than a; negative where better
            within &= worse <= margin[None, :] + tiny
            beyond |= worse < -margin[None, :] - tiny
        return within & beyond
