"""Plans over HTTP: ``POST /api/plans`` plans a book of orders, and with ``book: true`` books it all.

The orders come as a JSON body (``{"orders": [...], "carbon_price": ..., "book": ...}``) or as an uploaded
CSV or Parquet file (``Content-Type: text/csv`` or ``application/vnd.apache.parquet``, the options then in the
query string), with the columns of docs/planning.md; every bad row is named by file, row and field (422
``invalid_request``). The work is bounded: at most :data:`MAX_PLAN_ORDERS` orders (422 ``limit_exceeded``),
one plan at a time (503 ``service_unavailable`` while another runs), and :data:`PLAN_SECONDS` of searching and
solving (503 ``search_timeout``). Booking needs a write token and books every carried order in one
transaction, all or nothing, as ``intermodal plan --book`` does (409 ``capacity_exceeded`` books nothing).
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Literal

import anyio
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from intermodal.exceptions import InputError, LimitError, Problem, SearchTimeout
from intermodal.model.bounds import MAX_CARBON_PRICE
from intermodal.services.api._auth import _bearer, _check, require_read
from intermodal.services.api.problems import ProblemDetail, problem_response

__all__ = ["MAX_PLAN_ORDERS", "PLAN_SECONDS", "PlanOptions", "install_plans", "router"]

#: Orders in one request: a week of the hub's book. More is work for ``intermodal plan``, not a request.
MAX_PLAN_ORDERS = 1_000
#: Seconds one request may search and solve, all told.
PLAN_SECONDS = 120.0
_MEDIA = {
    "application/json": ".json",
    "text/csv": ".csv",
    "application/vnd.apache.parquet": ".parquet",
    "application/x-parquet": ".parquet",
}
_PROBLEM = {"model": ProblemDetail}
_ERRORS: dict[int | str, dict[str, Any]] = {
    401: _PROBLEM,
    409: _PROBLEM,
    413: _PROBLEM,
    415: _PROBLEM,
    422: _PROBLEM,
    503: _PROBLEM,
}
router = APIRouter(prefix="/api", tags=["plans"], dependencies=[Depends(require_read)])
_one_at_a_time = threading.Lock()


class PlanOptions(BaseModel):
    """How to plan: the JSON body's fields besides ``orders``, or the query string of an upload."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    scenario: str | None = Field(None, min_length=1, max_length=120, description="Default: the server's.")
    carbon_price: float = Field(0.0, ge=0, le=MAX_CARBON_PRICE, description="Per tonne CO2e (WTW).")
    time_limit: float = Field(10.0, gt=0, le=60, description="Seconds HiGHS may search.")
    gap: float = Field(1e-4, ge=0, le=0.5, description="The relative gap HiGHS may stop at.")
    book: bool = Field(False, description="Book the whole plan in the server's ledger (needs a write token).")
    customs: Literal["bonded", "cleared"] | None = Field(
        None, description="With book: the booked cargo's customs status (never assumed)."
    )


@router.post(
    "/plans",
    responses=_ERRORS,
    summary="Plan a book of orders within the room of the departures (and book it)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"type": "object", "required": ["orders"]}},
                "text/csv": {"schema": {"type": "string"}},
                "application/vnd.apache.parquet": {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
)
async def post_plans(request: Request) -> Response:
    """The plan JSON of ``intermodal plan --format json`` (docs/planning.md) for the orders sent."""
    media = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if media not in _MEDIA:
        return problem_response(
            request,
            415,
            code="unsupported_media_type",
            detail="send the orders as application/json, text/csv or application/vnd.apache.parquet",
        )
    data = await request.body()
    records, options = _read_body(data, media, dict(request.query_params))
    if options.book:
        credentials = await _bearer(request)
        _check(request, credentials)  # booking writes: a token, whatever the reads setting
        if options.customs is None:
            raise InputError(Problem("with book, state it", field="customs", expected="bonded | cleared"))
    if not _one_at_a_time.acquire(blocking=False):
        return problem_response(
            request,
            503,
            kind="server-busy",
            detail="another plan is being made; try again shortly",
            headers={"Retry-After": "10"},
        )
    try:
        doc = await anyio.to_thread.run_sync(_plan, request.app, records, media, options)
    except SearchTimeout:
        return problem_response(
            request,
            503,
            kind="query-budget",
            detail=f"the plan needed more than {PLAN_SECONDS:g} s of work; send fewer orders",
            headers={"Retry-After": "30"},
        )
    finally:
        _one_at_a_time.release()
    return JSONResponse(doc)


def _read_body(data: bytes, media: str, query: dict[str, str]) -> tuple[bytes, PlanOptions]:
    """The orders' bytes (as a file of their type would hold them) and the options, checked."""
    fields: dict[str, Any] = dict(query)
    if media == "application/json":
        if query:
            raise InputError(Problem("options go in the JSON body", field="query", found=", ".join(query)))
        try:
            body = json.loads(data)
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
            raise InputError(Problem(f"not JSON: {err}", field="body", expected="a JSON object")) from None
        if not isinstance(body, dict) or not isinstance(body.get("orders"), list):
            raise InputError(
                Problem("no orders", field="orders", expected='{"orders": [{"id": ..., "from": ...}, ...]}')
            )
        orders = body.pop("orders")
        fields = body
        data = json.dumps(orders).encode()
        count = len(orders)
    else:
        count = 0  # a file's rows are counted once read (the body's size bounds the reading)
    try:
        options = PlanOptions.model_validate(fields)
    except ValidationError as err:
        raise InputError(
            [
                Problem(e["msg"], field=".".join(str(p) for p in e["loc"]) or None, found=_found(e))
                for e in err.errors()
            ]
        ) from None
    if count > MAX_PLAN_ORDERS:
        raise LimitError(f"{count:,} orders: one request plans at most {MAX_PLAN_ORDERS:,}")
    return data, options


def _found(error: Any) -> str | None:
    value = error.get("input")
    return None if isinstance(value, dict) else str(value)[:100]


def _plan(app: Any, data: bytes, media: str, options: PlanOptions) -> dict[str, Any]:
    from intermodal.io.orders import read_orders
    from intermodal.planners.plan import plan_orders
    from intermodal.services._plans import already_booked, book_plan, room_for
    from intermodal.services.api.ledger import _ledger, room_snapshot

    state = app.state
    bundle = state.catalog.get(options.scenario or state.settings.scenario)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"orders{_MEDIA[media]}"
        path.write_bytes(data)
        orders = read_orders(path, bundle)
    if len(orders) > MAX_PLAN_ORDERS:
        raise LimitError(f"{len(orders):,} orders: one request plans at most {MAX_PLAN_ORDERS:,}")
    done: list[str] = []
    availability = None
    if options.book:
        ledger = _ledger_of(app, _ledger)
        done = already_booked(ledger, orders)
        orders = [o for o in orders if o.id not in done]
        availability = room_for(ledger, orders) if orders else None
    elif orders:
        # the room the server's ledger has left, when it has one (a plan never creates its database)
        start = min(o.ready for o in orders)
        end = max(o.due for o in orders)
        availability = room_snapshot(app, start - dt.timedelta(days=1), end + dt.timedelta(days=8))
    began = time.perf_counter()

    def in_time(_done: int, _total: int) -> None:
        if time.perf_counter() - began > PLAN_SECONDS:
            raise SearchTimeout("the plan ran out of time", seconds=PLAN_SECONDS)

    made = plan_orders(
        bundle,
        orders,
        availability=availability,
        carbon_price=options.carbon_price,
        time_limit_s=options.time_limit,
        gap=options.gap,
        progress=in_time,
    )
    doc = made.to_dict()
    if options.book:
        doc["booked"] = book_plan(_ledger_of(app, _ledger), made, bundle, options.customs or "")
    if done:
        doc["already_booked"] = done
        doc["notes"].append(f"{len(done)} orders were booked by an earlier request and are left as they are")
    return doc


class _AppRequest:
    """Just enough of a request for the ledger's opener, which reads the app's state."""

    def __init__(self, app: Any) -> None:
        self.app = app


def _ledger_of(app: Any, opener: Any) -> Any:
    return opener(_AppRequest(app))


def install_plans(app: Any) -> None:
    """Add ``POST /api/plans``."""
    app.include_router(router)
