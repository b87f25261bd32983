"""Terminals, links, services and border crossings: the parts of a freight network."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from enum import StrEnum

__all__ = [
    "BorderCrossing",
    "Calendar",
    "CostUnit",
    "Link",
    "Mode",
    "Service",
    "ServiceStop",
    "Terminal",
]


class Mode(StrEnum):
    """A transport mode. The values are what bundle files write."""

    ROAD = "road"
    RAIL = "rail"
    INLAND_WATERWAY = "inland_waterway"
    SEA = "sea"
    #: a walking transfer between two stops of a passenger feed; carries no freight emissions
    WALK = "walk"


class CostUnit(StrEnum):
    """What a rate is charged on."""

    TEU_KM = "TEU-km"
    TONNE_KM = "t-km"


@dataclass(frozen=True)
class Terminal:
    """A place where freight is handled: a hub, a rail station, a port, a border crossing or a city.

    Attributes
    ----------
    id
        Unique id in its bundle, lower case (``nanpeng``).
    name_en, name_zh
        Names in English and Chinese.
    lat, lon
        WGS84 degrees.
    timezone
        IANA zone name (``Asia/Shanghai``); times at this terminal are shown in it.
    country
        ISO 3166-1 alpha-2 code. A leg between two countries must clear customs at a crossing.
    modes
        The modes whose vehicles this terminal loads and unloads.
    locode
        UN/LOCODE, where one exists.
    reefer
        Has reefer plugs: temperature-controlled cargo may be handled or wait here.
    dg_classes
        Dangerous-goods classes accepted (``"*"`` for all, empty for none).
    customs, bonded
        Customs clearance on site; a bonded (duty-suspended) zone.
    handling_h, handling_cost_per_teu
        Time and cost to move cargo from one vehicle to another here.
    handling_factor
        Id of the hub-operation emission factor.
    source
        Where the coordinates and figures come from, or ``assumption``.
    aliases
        Other ids that name this terminal, exactly as its source spelled them (a GTFS feed's platform
        ``stop_id`` such as ``250N``); :func:`intermodal.planners.places.resolve_place` accepts them.
    """

    id: str
    name_en: str
    name_zh: str
    lat: float
    lon: float
    timezone: str
    country: str
    modes: frozenset[Mode]
    locode: str | None = None
    reefer: bool = False
    dg_classes: frozenset[str] = frozenset()
    customs: bool = False
    bonded: bool = False
    handling_h: float = 0.0
    handling_cost_per_teu: float = 0.0
    handling_factor: str | None = None
    kind: str = "hub"
    source: str = "assumption"
    notes: str = ""
    #: when cargo can be handled here, as (weekdays Monday = 0, from minute, to minute) in local time;
    #: empty means always open
    opening_hours: tuple[tuple[frozenset[int], int, int], ...] = ()
    aliases: frozenset[str] = frozenset()

    def accepts_dg(self, dg_class: str) -> bool:
        """Whether dangerous goods of ``dg_class`` (e.g. ``"3"``) may be handled here."""
        return _dg_allowed(self.dg_classes, dg_class)


@dataclass(frozen=True)
class Link:
    """A stretch of road, track or water between two terminals.

    ``flexible`` links can be driven whenever cargo is ready (a truck); the others carry only scheduled
    services, which bring their own times (``duration_h`` may then be ``None``) and tariffs. A bidirectional
    link is expanded into both directions when the network is compiled.
    ``restrictions`` holds tokens such as ``no_dg`` (no dangerous goods at all), ``no_dg:2.1|3`` (not those
    classes) or ``no_reefer``.
    """

    id: str
    from_id: str
    to_id: str
    mode: Mode
    distance_km: float
    duration_h: float | None
    cost_per_unit: float
    cost_unit: CostUnit
    emission_factor: str
    fixed_cost_per_teu: float = 0.0
    flexible: bool = True
    bidirectional: bool = True
    restrictions: frozenset[str] = frozenset()
    name_en: str = ""
    name_zh: str = ""
    geometry: tuple[tuple[float, float], ...] | None = None
    source: str = "assumption"

    def allows(self, *, reefer: bool, dg_class: str | None) -> bool:
        """Whether cargo of this kind may use the link."""
        if reefer and "no_reefer" in self.restrictions:
            return False
        if dg_class is not None:
            for token in self.restrictions:
                if token == "no_dg":
                    return False
                if token.startswith("no_dg:") and dg_class in token[6:].split("|"):
                    return False
        return True


@dataclass(frozen=True)
class ServiceStop:
    """A stop of a scheduled service, with offsets in hours from the departure at the first stop.

    ``pickup`` and ``dropoff`` say whether cargo may board and leave the service here (GTFS ``pickup_type``
    and ``drop_off_type`` 1 are ``False``): a train that only sets down at a stop has ``pickup=False`` there.
    """

    terminal_id: str
    arrive_offset_h: float
    depart_offset_h: float
    pickup: bool = True
    dropoff: bool = True


@dataclass(frozen=True)
class Calendar:
    """When a service runs, with GTFS semantics: a weekly pattern between two dates, plus exceptions.

    ``weekdays`` holds Monday = 0 ... Sunday = 6. ``added`` and ``removed`` are GTFS calendar_dates
    exceptions (types 1 and 2). Dates are local dates at the service's first stop.
    """

    weekdays: frozenset[int]
    start: date
    end: date
    added: frozenset[date] = frozenset()
    removed: frozenset[date] = frozenset()

    def runs_on(self, day: date) -> bool:
        """Whether the service departs its first stop on local date ``day``."""
        if day in self.removed:
            return False
        if day in self.added:
            return True
        return self.start <= day <= self.end and day.weekday() in self.weekdays


@dataclass(frozen=True)
class Service:
    """A scheduled line: its stops, its departure times, its calendar, capacity and tariff.

    Each hop between consecutive stops runs over a link of the service's mode; the link gives the hop's
    distance and geometry. ``departures`` are local times at the first stop.
    """

    id: str
    name_en: str
    name_zh: str
    mode: Mode
    carrier: str
    stops: tuple[ServiceStop, ...]
    departures: tuple[time, ...]
    calendar: Calendar
    capacity_teu: float
    cutoff_h: float
    cost_per_teu_km: float
    emission_factor: str
    fixed_cost_per_teu: float = 0.0
    #: what running one departure costs the hub, whatever it carries (its own trucks); 0 for a service bought
    #: per TEU. Only the planner of a book counts it: one shipment cannot decide whether a trip runs.
    trip_cost: float = 0.0
    reefer: bool = False
    dg_classes: frozenset[str] = frozenset()
    source: str = "assumption"
    notes: str = ""
    #: the commercial line this service belongs to (both directions of a shuttle share one line)
    line: str = ""
    #: the carrier's name in Chinese ("" when the bundle gives none: show ``carrier``)
    carrier_zh: str = ""
    #: reefer boxes one departure can power, in TEU (``None``: not counted, the TEU capacity is the limit)
    reefer_plugs_teu: float | None = None

    def accepts_dg(self, dg_class: str) -> bool:
        """Whether dangerous goods of ``dg_class`` may ride this service."""
        return _dg_allowed(self.dg_classes, dg_class)


@dataclass(frozen=True)
class ModeHandling:
    """Handling at a terminal that depends on the modes cargo arrives and leaves by.

    It replaces the terminal's own ``handling_h`` and ``handling_cost_per_teu`` for cargo that arrives by
    ``from_mode`` and leaves by ``to_mode`` (a truck-to-truck cross-dock is quicker than a train to a barge).
    A ``None`` cost keeps the terminal's.
    """

    terminal_id: str
    from_mode: Mode
    to_mode: Mode
    handling_h: float
    handling_cost_per_teu: float | None = None
    source: str = "assumption"
    notes: str = ""


@dataclass(frozen=True)
class BorderCrossing:
    """Customs clearance at a terminal: a land border crossing or a port of entry.

    A leg whose ends lie in two countries clears customs at each end that is a crossing.
    """

    terminal_id: str
    countries: frozenset[str]
    clearance_h: float
    clearance_cost_per_teu: float
    source: str = "assumption"
    notes: str = field(default="")


def _dg_allowed(classes: frozenset[str], dg_class: str) -> bool:
    if "*" in classes or dg_class in classes:
        return True
    # a division (2.1) is allowed when its whole class (2) is
    return dg_class.split(".")[0] in classes
