"""A query's Pareto options on its search network: one search, or a range of ready times (a profile)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from intermodal.engines.reference import Deadline, Journey, Move
from intermodal.model import Availability, Bundle, Itinerary, Shipment
from intermodal.planners._query import _Network
from intermodal.planners.places import Place


def _solve(
    bundle: Bundle,
    origin: Place,
    destination: Place,
    shipment: Shipment,
    *,
    carbon_price: float = 0.0,
    engine: str = "auto",
    horizon_days: float = 30.0,
    range_days: float | None = None,
    max_labels: int = 200_000,
    deadline: Deadline | None = None,
    availability: Availability | None = None,
    departure_prices: Mapping[str, float] | None = None,
) -> tuple[_Network, list[Itinerary]]:
    """The network seen by this shipment and its Pareto options, unranked (none when there is no route)."""
    net = _Network(
        bundle,
        shipment,
        origin,
        destination,
        carbon_price=carbon_price,
        engine=engine,
        availability=availability,
        departure_prices=departure_prices,
    )
    shipment = net.shipment
    ready_s = int(shipment.ready.timestamp())
    due_s = int(shipment.due.timestamp()) if shipment.due else None
    window_s = int((range_days or 0.0) * 86400)
    net.expand(ready_s, due_s if due_s is not None else ready_s + window_s + int(horizon_days * 86400))
    if range_days is None:
        journeys = net.search(ready_s, due_s=due_s, max_labels=max_labels, deadline=deadline)
        return net, _front([net.itinerary(j) for j in journeys])
    return net, _profile(
        net, ready_s, ready_s + window_s, due_s=due_s, max_labels=max_labels, deadline=deadline
    )


def _solve_many(
    bundle: Bundle,
    origin: Place,
    destinations: Sequence[Place],
    shipment: Shipment,
    *,
    range_days: float,
    carbon_price: float = 0.0,
    engine: str = "auto",
    horizon_days: float = 30.0,
    max_labels: int = 200_000,
    deadline: Deadline | None = None,
    availability: Availability | None = None,
    departure_prices: Mapping[str, float] | None = None,
) -> list[list[Itinerary]]:
    """:func:`_solve`'s range query (no due time) from ``origin`` to each of ``destinations``, unranked: one
    network and one one-to-many search a ready time (:func:`_profile_many`) for all of them."""
    if shipment.due is not None:
        raise ValueError("_solve_many searches without a due time")
    net = _Network(
        bundle,
        shipment,
        origin,
        destinations[0],
        carbon_price=carbon_price,
        engine=engine,
        availability=availability,
        departure_prices=departure_prices,
        destinations=destinations[1:],
    )
    ready_s = int(net.shipment.ready.timestamp())
    window_s = int(range_days * 86400)
    net.expand(ready_s, ready_s + window_s + int(horizon_days * 86400))
    nodes = [net.net.node(p, outbound=False) for p in destinations]
    # a place given twice is searched once
    unique = list(dict.fromkeys(nodes))
    rows = _profile_many(net, unique, ready_s, ready_s + window_s, max_labels=max_labels, deadline=deadline)
    by_node = dict(zip(unique, rows, strict=True))
    return [list(by_node[n]) for n in nodes]


def _front(options: list[Itinerary]) -> list[Itinerary]:
    """The options no other beats on arrival, cost (inventory carrying included) and CO2e.

    The search's front is over cost without carrying. Carrying grows with the arrival alone, so an option
    the search dropped stays beaten once it is added; but a slow option it kept may now be beaten too.
    """

    def beaten(a: Itinerary) -> bool:
        return any(
            b.arrive <= a.arrive
            and b.cost <= a.cost + 1e-6
            and b.co2e_kg_wtw <= a.co2e_kg_wtw + 1e-6
            and (b.arrive, b.cost, b.co2e_kg_wtw) != (a.arrive, a.cost, a.co2e_kg_wtw)
            for b in options
        )

    if not any(it.inventory for it in options):
        return options
    return [it for it in options if not beaten(it)]


def _profile(
    net: _Network,
    start_s: int,
    end_s: int,
    *,
    due_s: int | None,
    max_labels: int,
    deadline: Deadline | None = None,
) -> list[Itinerary]:
    """The Pareto options for cargo ready at any time in ``[start_s, end_s]``.

    A journey found for cargo ready at ``t`` stays the same for every ready time until its first scheduled
    departure is missed: after that departure the timetable fixes every time. So the search only needs to run
    again just past the smallest such slack of the options it found.
    """
    found: dict[str, tuple[Itinerary, int]] = {}
    built: _Built = {}
    t = start_s
    while t <= end_s:
        journeys = net.search(t, due_s=due_s, max_labels=max_labels, deadline=deadline)
        slack = _record(net, journeys, t, end_s, found, built)
        if slack is None:
            break
        t += slack + 1
    return _undominated(found)


def _profile_many(
    net: _Network,
    destinations: Sequence[int],
    start_s: int,
    end_s: int,
    *,
    max_labels: int,
    deadline: Deadline | None = None,
) -> list[list[Itinerary]]:
    """:func:`_profile` from ``net``'s origin to each node of ``destinations`` (no due time), with one
    one-to-many search (:meth:`_Network.search_many`) a ready time for all of them.

    Each destination needs a search at the ready times :func:`_profile` would search it at; a search at a
    ready time between two of them finds again journeys it already has (none of their departures is missed
    yet), so searching every destination still open at the earliest of their next times gives the same
    options.
    """
    found: list[dict[str, tuple[Itinerary, int]]] = [{} for _ in destinations]
    nxt = [start_s] * len(destinations)
    built: _Built = {}
    t = start_s
    while t <= end_s:
        open_ = [i for i, n in enumerate(nxt) if n <= end_s]
        rows = net.search_many(t, [destinations[i] for i in open_], max_labels=max_labels, deadline=deadline)
        for i, journeys in zip(open_, rows, strict=True):
            slack = _record(net, journeys, t, end_s, found[i], built)
            nxt[i] = end_s + 1 if slack is None else t + slack + 1
        t = min(nxt)
    return [_undominated(f) for f in found]


#: the itinerary of each journey's moves (as :func:`_timed` gives them), and its key among the options
_Built = dict[tuple[tuple[Any, ...], ...], tuple[Itinerary, str]]


def _timed(moves: Sequence[Move], seconds: int) -> tuple[tuple[Any, ...], ...]:
    """The moves of ``_Network.delayed(journey, seconds)`` as plain tuples, without making them: every move
    before the first board ``seconds`` later, the board's start too (its departure stays)."""
    if not seconds:
        return tuple(moves)
    out = []
    shift = seconds
    for mv in moves:
        kind, terminal, start_s, end_s, ref, stop, from_mode, to_mode = mv
        if shift and kind == "board":
            out.append((kind, terminal, start_s + shift, end_s, ref, stop, from_mode, to_mode))
            shift = 0
        else:
            out.append((kind, terminal, start_s + shift, end_s + shift, ref, stop, from_mode, to_mode))
    return tuple(out)


def _record(
    net: _Network,
    journeys: list[Journey],
    t: int,
    end_s: int,
    found: dict[str, tuple[Itinerary, int]],
    built: _Built | None = None,
) -> int | None:
    """Add the options of ``journeys`` (found for cargo ready at ``t``) to ``found``; the smallest slack
    of those with a scheduled departure (``None``: none has one).

    ``built`` keeps the itineraries made so far by their moves: a range query finds most journeys again at
    its next ready times, timed alike once each is timed for its ready-by time, and an itinerary is a
    function of its moves alone.
    """
    slacks = []
    for j in journeys:
        slack = net.slack(j)
        # timed for cargo ready at its ready-by time: what the option is, not how long it waits for it
        timed_key = _timed(j.moves, slack or 0)
        made = built.get(timed_key) if built is not None else None
        if made is None:
            it = net.itinerary(j if slack is None else net.delayed(j, slack))
            # the same departures by the same way are one option, whenever its trucks leave
            made = (
                it,
                repr([(g.from_id, g.to_id, g.service, g.depart if g.service else None) for g in it.legs]),
            )
            if built is not None:
                built[timed_key] = made
        it, key = made
        # a journey without a scheduled departure can leave whenever the cargo is ready
        latest = end_s if slack is None else t + slack
        # keep the copy found for the latest ready time, which waits least (a scheduled journey found
        # again for the same ready-by time is the same copy)
        kept = found.get(key)
        if kept is None or kept[1] < latest or (kept[1] == latest and slack is None):
            ready_by = net.at(latest)
            found[key] = (net.carried(dataclasses.replace(it, ready_by=ready_by), ready_by), latest)
        if slack is not None:
            slacks.append(slack)
    return min(slacks) if slacks else None


def _undominated(found: dict[str, tuple[Itinerary, int]]) -> list[Itinerary]:
    """The options of a range query no other beats: ready as late, arriving no later, for no more."""
    items = list(found.values())
    if not items:
        return []
    # an itinerary's totals are sums over its legs: read each once, and compare them all at once
    latest = np.array([la for _, la in items], dtype=np.int64)
    arrive = np.array([it.arrive.timestamp() for it, _ in items])
    cost = np.array([it.cost for it, _ in items])
    co2 = np.array([it.co2e_kg_wtw for it, _ in items])
    beaten = np.zeros(len(items), dtype=bool)
    # beats[b, a]: b beats a; a block of columns at a time, so that memory stays small for long lists
    for lo in range(0, len(items), 1024):
        a = slice(lo, lo + 1024)
        beats = (
            (latest[:, None] >= latest[None, a])
            & (arrive[:, None] <= arrive[None, a])
            & (cost[:, None] <= cost[None, a] + 1e-6)
            & (co2[:, None] <= co2[None, a] + 1e-6)
            & ~(
                (latest[:, None] == latest[None, a])
                & (arrive[:, None] == arrive[None, a])
                & (cost[:, None] == cost[None, a])
            )
        )
        beaten[a] = beats.any(axis=0)
    return [it for (it, _), out in zip(items, beaten, strict=True) if not out]
