"""An itinerary: the transport legs and hub operations of one door-to-door option, with their totals.

Totals are computed from the elements, never passed in, so they always equal the sum of the legs and hubs. An
itinerary is immutable, so each total is computed once, on first use: a query sorts, folds and ranks its
options by them many times over.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from intermodal.model.network import Mode

__all__ = ["ElementEmissions", "HubOperation", "Inventory", "Itinerary", "Leg", "Names", "documents"]


@dataclass(frozen=True)
class Names:
    en: str
    zh: str

    def to_dict(self) -> dict[str, str]:
        return {"en": self.en, "zh": self.zh}


@dataclass(frozen=True)
class ElementEmissions:
    """CO2e of one transport chain element and how it was computed (for ``--explain`` and reports)."""

    wtt_kg: float
    ttw_kg: float
    factor_id: str = ""
    factor_source: str = ""
    intensity_wtw: float = 0.0
    intensity_unit: str = ""
    adjustments: tuple[str, ...] = ()
    activity: float = 0.0
    activity_unit: str = ""
    measured: bool = False

    @property
    def wtw_kg(self) -> float:
        return self.wtt_kg + self.ttw_kg


@dataclass(frozen=True)
class Leg:
    """One transport leg: a truck over a link, or a ride on a scheduled service from one stop to another."""

    mode: Mode
    from_id: str
    to_id: str
    from_name: Names
    to_name: Names
    from_tz: str
    to_tz: str
    depart: datetime
    arrive: datetime
    distance_km: float
    cost: float
    emissions: ElementEmissions
    service: str | None = None
    service_name: Names | None = None
    carrier: str | None = None
    via: tuple[str, ...] = ()
    geometry: tuple[tuple[float, float], ...] = ()
    #: the ledger's name of the dated trip (``service@local departure at its first stop``), set by the planner
    departure_ref: str | None = None
    #: the room the departure had at the time of the answer (TEU, kg, and reefer plugs in TEU where they are
    #: counted), when a ledger snapshot was given
    free_teu: float | None = None
    free_kg: float | None = None
    free_reefer: float | None = None
    #: the tariffs.csv row that priced a scheduled leg, and its source (``None``: the service's own rates)
    tariff: str | None = None
    tariff_source: str | None = None

    @property
    def departure(self) -> str | None:
        """A reference to the dated departure: ``service@local departure at its first stop``."""
        if self.service is None:
            return None
        return self.departure_ref or f"{self.service}@{self.depart.isoformat(timespec='minutes')}"


@dataclass(frozen=True)
class HubOperation:
    """Handling at a terminal (cargo changes vehicle) or customs clearance at a crossing."""

    kind: str
    terminal_id: str
    name: Names
    tz: str
    start: datetime
    end: datetime
    cost: float
    emissions: ElementEmissions
    #: for handling, the modes the cargo arrived and leaves by (``None`` at the end of the chain)
    from_mode: Mode | None = None
    to_mode: Mode | None = None


@dataclass(frozen=True)
class Inventory:
    """Inventory carrying: the cargo's ``value`` tied up for ``days`` door to door at an annual rate.

    Not a hub operation: it runs from the cargo's ready time to its arrival, wherever the cargo is.
    """

    value: float
    rate_per_year: float
    days: float
    cost: float
    source: str = "assumption"


@dataclass(frozen=True)
class Itinerary:
    """One door-to-door option: its legs and hub operations, in time order."""

    legs: tuple[Leg, ...]
    hubs: tuple[HubOperation, ...]
    currency: str
    notes: tuple[str, ...] = field(default=())
    #: price on CO2e in ``currency`` per tonne WTW, when the query set one
    carbon_price: float = 0.0
    #: in a range query, the latest time the cargo may be ready at the origin for this option
    ready_by: datetime | None = None
    #: the carrying cost of the cargo's value, when the shipment states a value and the bundle a rate
    inventory: Inventory | None = None
    #: the probability of arriving by the shipment's due time (planners/reliability.py), when it has one
    p_on_time: float | None = None

    # cached_property keeps each total in the instance's __dict__, not in a field: equality, hashing and
    # dataclasses.replace see the fields alone, and a replaced itinerary computes its own totals again

    @cached_property
    def depart(self) -> datetime:
        """When the chain starts: the first leg, or the handling before it."""
        return min([self.legs[0].depart, *(h.start for h in self.hubs)])

    @cached_property
    def arrive(self) -> datetime:
        ends = [self.legs[-1].arrive, *(h.end for h in self.hubs)]
        return max(ends)

    @property
    def duration_h(self) -> float:
        return (self.arrive - self.depart).total_seconds() / 3600.0

    @cached_property
    def distance_km(self) -> float:
        return sum(leg.distance_km for leg in self.legs)

    @cached_property
    def cost(self) -> float:
        carrying = self.inventory.cost if self.inventory is not None else 0.0
        return sum(leg.cost for leg in self.legs) + sum(h.cost for h in self.hubs) + carrying

    @cached_property
    def co2e_kg_wtt(self) -> float:
        return sum(g.emissions.wtt_kg for g in self.legs) + sum(h.emissions.wtt_kg for h in self.hubs)

    @cached_property
    def co2e_kg_ttw(self) -> float:
        return sum(g.emissions.ttw_kg for g in self.legs) + sum(h.emissions.ttw_kg for h in self.hubs)

    @cached_property
    def co2e_kg_wtw(self) -> float:
        return self.co2e_kg_wtt + self.co2e_kg_ttw

    @property
    def carbon_cost(self) -> float:
        """The carbon price times the WTW CO2e: a cost beside ``cost``, not inside it."""
        return self.carbon_price * self.co2e_kg_wtw / 1000.0

    @property
    def modes(self) -> tuple[Mode, ...]:
        seen: list[Mode] = []
        for leg in self.legs:
            if leg.mode not in seen:
                seen.append(leg.mode)
        return tuple(seen)

    @property
    def id(self) -> str:
        """A short, stable id for this option: the same legs and times give the same id."""
        key = "|".join(f"{g.service}:{g.from_id}>{g.to_id}@{g.depart.isoformat()}" for g in self.legs)
        return hashlib.sha1(key.encode()).hexdigest()[:8]

    def to_dict(self, *, rank: int | None = None, summary: str = "") -> dict[str, Any]:
        """The stable JSON shape documented in docs/json-output.md."""
        return self._document(rank, summary, _LocalTimes())

    def _document(self, rank: int | None, summary: str, local: _LocalTimes) -> dict[str, Any]:
        legs = [_leg_dict(g, self.currency, local) for g in self.legs]
        hubs = [_hub_dict(h, self.currency, local) for h in self.hubs]
        parts = legs + hubs

        def added(key: str) -> float:
            # the sum of the rounded values shown, so that a reader's own sum matches to the cent
            return _r(sum(part.get(key, 0.0) for part in parts))

        carrying: dict[str, Any] | None = None
        if self.inventory is not None:
            carrying = {
                "value": _r(self.inventory.value),
                "rate_per_year": self.inventory.rate_per_year,
                "days": _r(self.inventory.days),
                "cost": _r(self.inventory.cost),
                "currency": self.currency,
                "source": self.inventory.source,
            }
        cost = _r(added("cost") + (carrying["cost"] if carrying else 0.0))
        total: dict[str, Any] = {
            "depart": local[self.depart, self.legs[0].from_tz],
            "arrive": local[self.arrive, self.legs[-1].to_tz],
            "duration_h": _r(self.duration_h),
            "distance_km": added("distance_km"),
            "cost": cost,
            "currency": self.currency,
            "co2e_kg_wtw": added("co2e_kg_wtw"),
            "co2e_kg_ttw": added("co2e_kg_ttw"),
            "co2e_kg_wtt": added("co2e_kg_wtt"),
            "p_on_time": None if self.p_on_time is None else round(self.p_on_time, 3),
        }
        if self.ready_by is not None:
            total["ready_by"] = local[self.ready_by, self.legs[0].from_tz]
        if self.carbon_price:
            total["carbon_price_per_t"] = self.carbon_price
            total["carbon_cost"] = _r(self.carbon_cost)
            total["cost_with_carbon"] = _r(cost + total["carbon_cost"])
        return {
            "rank": rank,
            "id": self.id,
            "summary": summary,
            "modes": [m.value for m in self.modes],
            "legs": legs,
            "hubs": hubs,
            "inventory": carrying,
            "total": total,
            "notes": list(self.notes),
        }


def documents(options: Sequence[Itinerary], summaries: Sequence[str]) -> list[dict[str, Any]]:
    """The documents of one answer's options, ranked 1, 2, ... in the order given, each as
    :meth:`Itinerary.to_dict` makes it (``summaries``: one per option).

    The options of one answer share many times (the ready time, the first departures, the handling at
    the ends), and formatting a time in its zone is most of a document's cost: each is formatted once for
    all of them.
    """
    local = _LocalTimes()
    return [
        option._document(rank, summary, local)
        for rank, (option, summary) in enumerate(zip(options, summaries, strict=True), start=1)
    ]


def _r(x: float, digits: int = 2) -> float:
    # Rounded for people, to the cent and the 10 g; totals add these rounded values. round() goes through
    # decimal digits, the slowest part of a document: a zero (a third of the amounts) is shown as it is.
    return round(x, digits) if x else x


class _LocalTimes(dict[tuple[datetime, str], str]):
    """ISO 8601 text of aware times in a zone, keyed by (time, zone name), each made once.

    One itinerary's document shows each time about twice (a handling ends as the next leg departs, the first
    leg departs as the chain does), the options of one answer share many more (:func:`documents`), and
    converting and formatting one in its zone is most of the document's cost.
    """

    def __missing__(self, key: tuple[datetime, str]) -> str:
        when, tz = key
        text = self[key] = when.astimezone(ZoneInfo(tz)).isoformat()
        return text


def _emissions_dict(e: ElementEmissions) -> dict[str, Any]:
    return {
        "co2e_kg_wtw": _r(e.wtw_kg),
        "co2e_kg_ttw": _r(e.ttw_kg),
        "co2e_kg_wtt": _r(e.wtt_kg),
        "emission_factor": e.factor_id or None,
        "emission_detail": {
            "factor": e.factor_id or None,
            "source": e.factor_source or None,
            "intensity_wtw": _r(e.intensity_wtw, 4),
            "intensity_unit": e.intensity_unit or None,
            "adjustments": list(e.adjustments),
            "activity": _r(e.activity, 3),
            "activity_unit": e.activity_unit or None,
            "measured": e.measured,
        },
    }


def _leg_dict(g: Leg, currency: str, local: _LocalTimes) -> dict[str, Any]:
    return {
        "mode": g.mode.value,
        "service": g.service,
        "service_name": g.service_name.to_dict() if g.service_name else None,
        "departure": g.departure,
        "free_teu": None if g.free_teu is None else _r(g.free_teu),
        "free_kg": None if g.free_kg is None else _r(g.free_kg),
        "free_reefer": None if g.free_reefer is None else _r(g.free_reefer),
        "tariff": None if g.tariff is None else {"id": g.tariff, "source": g.tariff_source},
        "carrier": g.carrier,
        "from": g.from_id,
        "to": g.to_id,
        "from_name": g.from_name.to_dict(),
        "to_name": g.to_name.to_dict(),
        "via": list(g.via),
        "depart": local[g.depart, g.from_tz],
        "arrive": local[g.arrive, g.to_tz],
        "duration_h": _r((g.arrive - g.depart).total_seconds() / 3600.0),
        "distance_km": _r(g.distance_km),
        "cost": _r(g.cost),
        "currency": currency,
        **_emissions_dict(g.emissions),
        "geometry": _line(g.geometry),
    }


def _line(points: tuple[tuple[float, float], ...]) -> dict[str, Any] | None:
    # the network's own (lon, lat) pairs, encoded as JSON arrays: a list per point (a route carries up to
    # thousands) made the garbage collector walk the whole heap every few queries
    return {"type": "LineString", "coordinates": list(points)} if points else None


def _hub_dict(h: HubOperation, currency: str, local: _LocalTimes) -> dict[str, Any]:
    return {
        "kind": h.kind,
        "terminal": h.terminal_id,
        "name": h.name.to_dict(),
        "start": local[h.start, h.tz],
        "end": local[h.end, h.tz],
        "duration_h": _r((h.end - h.start).total_seconds() / 3600.0),
        "cost": _r(h.cost),
        "currency": currency,
        **_emissions_dict(h.emissions),
        **({"from_mode": h.from_mode.value, "to_mode": h.to_mode.value} if h.from_mode and h.to_mode else {}),
    }
