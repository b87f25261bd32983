"""``POST /api/compare``: one demand assigned on a scenario and on its patched variants (docs/api.md).

The body names the base scenario, the patches (each one variant; ``P+Q`` applies both), and the demand and
zones inline (or none: the Chongqing demo's 2026 week). The answer is ``intermodal scenario compare --format
json`` with each variant's GeoJSON difference layer under ``geojson``.

A comparison runs a range search for every pair of places and cargo class on every scenario: its work is
bounded before any starts, by pairs x scenarios x window days (:data:`MAX_WORK`), and it holds one of the
server's search slots while it runs.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any, Literal

import anyio
import anyio.to_thread
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from intermodal.exceptions import InputError, LimitError, Problem
from intermodal.services.api._auth import require_read
from intermodal.services.api.problems import ProblemDetail, problem_response

__all__ = ["MAX_WORK", "CompareQuery", "router"]

#: pair-days of search one comparison may need: distinct (cargo, origin, destination) x scenarios x days.
#: The demo's 2026 week (15 pairs) on a base and one variant over 7 days is 210; a pair-day is 0.1 to 0.3 s
#: of CPU on Chongqing today (docs/compare.md), so the cap holds a comparison to about a minute of work
MAX_WORK = 300.0
_NAME = r"^[a-z0-9][a-z0-9_-]{0,63}$"
_PATCHES = r"^[a-z0-9][a-z0-9_-]{0,63}(\+[a-z0-9][a-z0-9_-]{0,63}){0,7}$"
_PROBLEM = {"model": ProblemDetail}

router = APIRouter(prefix="/api", tags=["compare"], dependencies=[Depends(require_read)])


class ZoneRow(BaseModel):
    """A zone: on a terminal, or at a point (lat, lon) within a truck's reach of one."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    id: int = Field(ge=1, le=2**31 - 1)
    name: str = Field(min_length=1, max_length=100)
    terminal: str | None = Field(None, max_length=64)
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)


class DemandRow(BaseModel):
    """TEU of one cargo class from one zone to another over the window."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    origin: int = Field(ge=1, le=2**31 - 1)
    destination: int = Field(ge=1, le=2**31 - 1)
    cargo: str = Field("general", max_length=20, description="general, reefer, or dg:CLASS.")
    teu: float = Field(gt=0, le=10_000)


class CompareQuery(BaseModel):
    """A comparison: the fields of ``intermodal scenario compare``."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    scenario: str = Field(
        "chongqing", pattern=_NAME, max_length=64, description="The base: an embedded scenario."
    )
    patches: list[str] = Field(
        min_length=1,
        max_length=4,
        description="Each a variant of the base: a patch it ships (scenario patches); P+Q applies both.",
        examples=[["2026"]],
    )
    zones: list[ZoneRow] | None = Field(None, max_length=200, description="Default: the demo's zones.")
    demand: list[DemandRow] | None = Field(
        None, max_length=500, description="Default: the demo's 2026 week (demand-2026.csv)."
    )
    ready: str | None = Field(
        None,
        max_length=40,
        description="Start of the window, ISO 8601; default the demo's period, 2026-03-02.",
    )
    window_days: float = Field(1.0, gt=0, le=7, description="Cargo ready at any time in this many days.")
    method: Literal["logit", "aon"] = "logit"
    capacity: bool = Field(True, description="Hold every departure to its room.")


def _csv(rows: list[dict[str, Any]], columns: list[str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: ("" if v is None else v) for k, v in r.items()} for r in rows)
    return out.getvalue()


def compare_answer(app: Any, query: CompareQuery) -> dict[str, Any]:
    """The comparison JSON for ``query`` on the server's catalog (in a worker thread).

    Raises
    ------
    InputError
        A bad zone, demand row or time, each named by its request field and row.
    LimitError
        More search work than :data:`MAX_WORK`.
    BundleError
        An unknown scenario or patch.
    """
    from intermodal.io.demand import DEMO_FOLDER, parse_demand, parse_zones, read_choice_params
    from intermodal.model.bounds import time_problem
    from intermodal.planners.compare import compare

    catalog = app.state.catalog
    base = catalog.get(query.scenario)
    variants = [catalog.get(f"{query.scenario}+{p}", field="patches") for p in query.patches]
    zones_text = (
        _csv([z.model_dump() for z in query.zones], ["id", "name", "terminal", "lat", "lon"])
        if query.zones is not None
        else (DEMO_FOLDER / "zones.csv").read_text(encoding="utf-8")
    )
    zones = parse_zones(zones_text, base, name="zones")
    demand_text = (
        _csv([d.model_dump() for d in query.demand], ["origin", "destination", "cargo", "teu"])
        if query.demand is not None
        else (DEMO_FOLDER / "demand-2026.csv").read_text(encoding="utf-8")
    )
    cells = parse_demand(demand_text, zones, base, name="demand")
    if query.ready is not None:
        try:
            start = datetime.fromisoformat(query.ready.strip())
        except ValueError:
            raise InputError(
                Problem(
                    "not a time", field="ready", found=query.ready, expected="ISO 8601, such as 2026-03-02"
                )
            ) from None
        if (problem := time_problem(start, field="ready")) is not None:
            raise InputError(problem)
    else:
        periods = [c.period for c in cells if c.period is not None]
        first = min(periods, default=None)
        start = datetime(first.year, first.month, first.day) if first else datetime(2026, 3, 2)
    place = {z.id: z.place for z in zones}
    pairs = {
        (str(c.cargo), place[c.origin], place[c.destination]) for c in cells if c.origin != c.destination
    }
    work = len(pairs) * (1 + len(variants)) * query.window_days
    if work > MAX_WORK:
        raise LimitError(
            f"the comparison needs {work:,.0f} pair-days of search ({len(pairs)} pairs of places and cargo "
            f"classes x {1 + len(variants)} scenarios x {query.window_days:g} days); at most {MAX_WORK:g}: "
            "fewer pairs, patches or days"
        )
    params = read_choice_params(DEMO_FOLDER / "choice.toml")
    result = compare(
        base,
        variants,
        zones,
        cells,
        params,
        start=start,
        window_days=query.window_days,
        method=query.method,
        capacity=query.capacity,
    )
    doc = result.to_dict()
    doc["zones"] = [{"id": z.id, "name": z.name, "place": z.place} for z in zones]
    doc["geojson"] = [result.geojson(k) for k in range(len(variants))]
    doc["work_pair_days"] = work
    return doc


@router.post(
    "/compare",
    responses={401: _PROBLEM, 413: _PROBLEM, 422: _PROBLEM, 503: _PROBLEM},
    summary="One demand on a scenario and on its patched variants, and what changes",
)
async def post_compare(query: CompareQuery, request: Request) -> Response:
    """The comparison JSON of ``intermodal scenario compare`` (docs/compare.md) with the GeoJSON layers.

    An unknown scenario or patch, a bad zone, demand row or time answer 422 ``invalid_request`` naming it;
    more search work than the server allows 422 ``limit_exceeded``; every search slot busy 503
    ``service_unavailable``.
    """
    from intermodal.services.api.app import _search_slots

    settings = request.app.state.settings
    slots = _search_slots(request.app, settings)
    try:
        with anyio.fail_after(settings.queue_seconds):
            await slots.acquire()
    except TimeoutError:
        return problem_response(
            request,
            503,
            kind="server-busy",
            detail=f"all {settings.max_searches} search slots stayed busy for {settings.queue_seconds:g} s",
            headers={"Retry-After": "5"},
        )
    try:
        doc = await anyio.to_thread.run_sync(lambda: compare_answer(request.app, query))
    finally:
        slots.release()
    return JSONResponse(doc)
