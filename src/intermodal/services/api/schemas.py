"""The API's request and response shapes, for validation and for the OpenAPI schema.

Responses are built by the library (``RouteResult.to_dict()`` and the network views) and sent as they are; the
models here document them, and ``extra="allow"`` keeps fields that a later minor version adds
(docs/json-output.md: fields are only ever added).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "Crossing",
    "FeatureCollection",
    "LinkView",
    "RouteQuery",
    "RouteResultDoc",
    "ScenarioInfo",
    "ServiceView",
    "TerminalView",
]

# a scenario, or an embedded one with patches it ships: chongqing+2026 (docs/patches.md)
_SCENARIO_NAME = r"^[a-z0-9][a-z0-9_-]{0,63}(\+[a-z0-9][a-z0-9_-]{0,63}){0,8}$"


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class RouteQuery(BaseModel):
    """A route query: the fields of ``intermodal route``."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, populate_by_name=True)

    from_: str = Field(
        alias="from",
        min_length=1,
        max_length=200,
        description="Terminal id, UN/LOCODE, name (English or Chinese), or 'lat,lon'.",
        examples=["nanpeng"],
    )
    to: str = Field(min_length=1, max_length=200, description="As ``from``.", examples=["bangkok"])
    teu: float | None = Field(None, description="Twenty-foot equivalent units (a 40-ft box is 2).")
    tonnes: float | None = Field(None, description="Cargo weight; with TEU only, the scenario's t/TEU.")
    cargo: str = Field("general", max_length=20, description="general, reefer, or dg:CLASS (dg:3, dg:2.1).")
    value: float | None = Field(None, description="Declared cargo value, in the scenario's currency.")
    ready: str | None = Field(
        None, max_length=40, description="When the cargo is ready, ISO 8601; default now.", examples=[None]
    )
    due: str | None = Field(None, max_length=40, description="Latest arrival, ISO 8601.")
    objective: Literal["fastest", "cheapest", "greenest", "pareto", "reliable"] = Field(
        "pareto",
        description="How options are ranked; reliable: by p_on_time, the probability of arriving by ``due``.",
    )
    scenario: str | None = Field(
        None,
        pattern=_SCENARIO_NAME,
        max_length=600,
        description="A scenario name (GET /api/scenarios), or SCENARIO+PATCH with patches it ships "
        "(chongqing+2026); default: the server's.",
    )
    limit: int = Field(10, ge=1, le=50, description="At most this many options.")
    range_days: float | None = Field(
        None,
        gt=0,
        le=14,
        description="A range query: every Pareto option for cargo ready in the next N days (with ready_by).",
    )
    carbon_price: float | None = Field(
        None, ge=0, le=100_000, description="Price on CO2e per tonne WTW; feeds the cheapest objective."
    )
    fold_hours: float | None = Field(
        None, ge=0, le=100, description="Fold options within this many hours of a better one (default 2)."
    )
    fold_cost_pct: float | None = Field(
        None, ge=0, le=100, description="... and within this % of its cost (default 2)."
    )
    fold_co2e_pct: float | None = Field(
        None, ge=0, le=100, description="... and within this % of its CO2e WTW (default 2)."
    )
    all_: bool = Field(
        False, alias="all", description="Every Pareto-optimal option: fold none (docs/json-output.md)."
    )


class Names(_Open):
    en: str
    zh: str


class EmissionDetail(_Open):
    factor: str
    source: str
    intensity_wtw: float
    intensity_unit: str
    adjustments: list[str]
    activity: float
    activity_unit: str
    measured: bool


class Leg(_Open):
    mode: str
    service: str | None
    departure: str | None = Field(description="The ledger's ref of the dated trip (scheduled legs).")
    free_teu: float | None = Field(
        None, description="The room the departure had when the server answered, from its ledger; else null."
    )
    free_kg: float | None = Field(None, description="As free_teu, in kg; null where no limit is known.")
    free_reefer: float | None = Field(
        None,
        description="As free_teu, the reefer plugs left (TEU); null where the departure does not count them.",
    )
    from_: str = Field(alias="from")
    to: str
    from_name: Names
    to_name: Names
    depart: str
    arrive: str
    duration_h: float
    distance_km: float
    cost: float
    currency: str
    co2e_kg_wtw: float
    co2e_kg_ttw: float
    co2e_kg_wtt: float
    emission_detail: EmissionDetail | None = None
    geometry: dict[str, Any] | None


class Hub(_Open):
    kind: Literal["handling", "clearance", "storage"]
    terminal: str
    name: Names
    start: str
    end: str
    duration_h: float
    cost: float
    currency: str
    co2e_kg_wtw: float
    co2e_kg_ttw: float
    co2e_kg_wtt: float
    #: for handling: the modes the cargo arrived and leaves by, which set its time and cost
    from_mode: str | None = None
    to_mode: str | None = None


class Total(_Open):
    depart: str
    arrive: str
    duration_h: float
    distance_km: float
    cost: float
    currency: str
    co2e_kg_wtw: float
    co2e_kg_ttw: float
    co2e_kg_wtt: float
    ready_by: str | None = None
    carbon_price_per_t: float | None = None
    carbon_cost: float | None = None
    cost_with_carbon: float | None = None
    #: the probability of arriving by the query's due time (docs/calibration.md); null without one
    p_on_time: float | None = Field(None, ge=0, le=1)


class Option(_Open):
    rank: int
    id: str
    summary: str
    modes: list[str]
    legs: list[Leg]
    hubs: list[Hub]
    total: Total


class QueryEcho(_Open):
    from_: str = Field(alias="from")
    to: str
    teu: float
    tonnes: float
    cargo: str
    value: float | None
    currency: str | None
    ready: str
    due: str | None


class RouteResultDoc(_Open):
    """The route JSON of docs/json-output.md."""

    scenario: str
    objective: str
    query: QueryEcho
    options: list[Option]
    notes: list[str]


class ScenarioInfo(_Open):
    name: str
    title_en: str
    title_zh: str
    currency: str
    description: str
    version: str
    uploaded: bool
    terminals: int
    links: int
    services: int


class TerminalView(_Open):
    id: str
    name_en: str
    name_zh: str
    lat: float
    lon: float
    timezone: str
    country: str
    modes: list[str]
    kind: str
    locode: str | None
    reefer: bool
    customs: bool
    bonded: bool
    dg_classes: list[str]
    crossing: bool


class LinkView(_Open):
    id: str
    from_: str = Field(alias="from")
    to: str
    mode: str
    distance_km: float
    name_en: str
    name_zh: str


class ServiceView(_Open):
    id: str
    line: str
    name_en: str
    name_zh: str
    mode: str
    carrier: str
    stops: list[str]
    departures: list[str]
    capacity_teu: float


class Crossing(_Open):
    terminal: str
    countries: list[str]
    clearance_h: float
    clearance_cost_per_teu: float


class FeatureCollection(_Open):
    type: Literal["FeatureCollection"]
    features: list[dict[str, Any]]
