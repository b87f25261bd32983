"""The operations ledger over HTTP: lines, departures, bookings, container events and throughput reports.

Thin wrappers over :mod:`intermodal.ledger`. Writes need a token; reads follow the ``reads`` setting. A
booking that would overbook a departure answers 409 and writes nothing; a replayed idempotency key answers 200
with the earlier booking. The endpoints are plain functions, so FastAPI runs them in its thread pool and the
database never blocks the event loop.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import make_url

from intermodal import ledger as lg
from intermodal.exceptions import CapacityError, DisruptedError, LedgerError, ReeferPlugsError
from intermodal.ledger.availability import read_availability
from intermodal.ledger.schedule import schedule_departures
from intermodal.model import Availability
from intermodal.model.bounds import (
    MAX_CAPACITY_KG,
    MAX_CAPACITY_TEU,
    MAX_ID,
    MAX_TEU,
    MAX_TONNES,
    MAX_VALUE,
    id_problem,
)
from intermodal.services.api._auth import require_read, require_write
from intermodal.services.api.problems import ProblemDetail, field_errors, problem_response

__all__ = ["install_ledger", "read_router", "write_router"]

_PROBLEM = {"model": ProblemDetail}
_ERRORS: dict[int | str, dict[str, Any]] = {401: _PROBLEM, 422: _PROBLEM, 503: _PROBLEM}
read_router = APIRouter(prefix="/api/ledger", tags=["ledger"], dependencies=[Depends(require_read)])
#: the paths a booking's tracking is also known by outside the ledger's own (``/api/bookings/{id}/eta``)
bookings_router = APIRouter(prefix="/api", tags=["ledger"], dependencies=[Depends(require_read)])
write_router = APIRouter(prefix="/api/ledger", tags=["ledger"], dependencies=[Depends(require_write)])
_lock = threading.Lock()
log = logging.getLogger("intermodal.api")
Key = Annotated[str, Field(min_length=1, max_length=120)]
# An import over HTTP fits the server's body limit (64 KiB); larger files go through the CLI.
_MAX_BODY_EVENTS = 500


class _Unavailable(Exception):
    """The server's own ledger setting is wrong or its database is down: not the client's fault."""

    def __init__(self, err: LedgerError) -> None:
        self.err = err


def _ledger(request: Request) -> lg.Ledger:
    # opened on first use, so that a server that never touches the ledger never creates its database
    state = request.app.state
    with _lock:
        if getattr(state, "ledger", None) is None:
            try:
                state.ledger = lg.open_ledger(state.settings.ledger_url, field=lg.ENV_URL)
            except LedgerError as error:
                raise _Unavailable(error) from None
        opened: lg.Ledger = state.ledger
    return opened


def room_snapshot(app: Any, start: dt.datetime, end: dt.datetime) -> Availability | None:
    """The room on the server ledger's departures in a window, for the route search; ``None`` while the
    server has no ledger yet (a route query never creates its database)."""
    state = app.state
    with _lock:
        if getattr(state, "ledger", None) is None:
            if _no_ledger_file(state):
                return None
            try:
                state.ledger = lg.open_ledger(state.settings.ledger_url, field=lg.ENV_URL, create=False)
            except LedgerError:
                return None
        opened: lg.Ledger = state.ledger
    return read_availability(opened, start=start, end=end)


def _no_ledger_file(state: Any) -> bool:
    """Whether the server's ledger is a SQLite file that does not exist (yet), which a route query does not
    create: ``open_ledger(create=False)`` would fail on it.

    Finding its path (the URL, the default folder) cost a route query as much as a stat, every time: the path
    is found once, and only whether the file exists yet is asked again. Any other ledger is opened as before.
    """
    if not hasattr(state, "ledger_file"):
        state.ledger_file = None
        with contextlib.suppress(LedgerError):  # the open that follows fails alike, and says why
            url = make_url(lg.resolve_url(state.settings.ledger_url, field=lg.ENV_URL))
            database = url.database or ":memory:"
            # as open_ledger checks a SQLite file before it opens it
            if url.get_backend_name() == "sqlite" and database != ":memory:":
                state.ledger_file = Path(database)
    path: Path | None = state.ledger_file
    return path is not None and not path.exists()


def _key(text: str) -> int | str:
    # digits beyond any row id stay text: the ledger names them (or finds a booking's idempotency key)
    in_range = text.isascii() and text.isdigit() and id_problem(text, field="key", what="row") is None
    return int(text) if in_range else text


class _Missing(Exception):
    def __init__(self, err: LedgerError) -> None:
        self.err = err


def _found(fn: Any, *args: Any) -> Any:
    # an unknown id in the path is a 404, not a bad field
    try:
        return fn(*args)
    except LedgerError as err:
        if any(p.message.startswith("unknown") for p in err.problems):
            raise _Missing(err) from err
        raise


class DepartureIn(BaseModel):
    """A departure to schedule."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    line: str = Field(min_length=1, max_length=120, description="A line id (GET /api/ledger/lines).")
    departs: str = Field(
        min_length=1, max_length=40, description="ISO 8601; without an offset, the line's zone."
    )
    vehicle: str | None = Field(None, max_length=120)
    capacity_teu: Decimal | None = Field(None, gt=0, le=MAX_CAPACITY_TEU, description="Default: the line's.")
    capacity_kg: int | None = Field(None, gt=0, le=MAX_CAPACITY_KG)
    status: Literal["scheduled", "departed", "arrived", "cancelled"] = "scheduled"
    reefer_plugs_teu: Decimal | None = Field(
        None,
        ge=0,
        le=MAX_CAPACITY_TEU,
        description="Reefer boxes it can power, in TEU (at most its capacity). Default: the line's; if the "
        "line counts none, reefer plugs are not counted on this departure.",
    )


class StatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["scheduled", "departed", "arrived", "cancelled"]


class BookingIn(BaseModel):
    """A booking on one or more departures: all are reserved, or none."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    idempotency_key: str = Field(
        min_length=1, max_length=200, description="Retry with the same key: no double."
    )
    departures: list[Key] = Field(min_length=1, max_length=20, description="Departure ids or refs.")
    shipper: str = Field(min_length=1, max_length=200)
    teu: Decimal = Field(gt=0, le=MAX_TEU)
    tonnes: Decimal = Field(gt=0, le=MAX_TONNES)
    value: Decimal = Field(Decimal(0), ge=0, le=MAX_VALUE)
    currency: str = Field("CNY", min_length=3, max_length=3)
    cargo_class: str = Field("general", max_length=20)
    customs_status: Literal["bonded", "cleared"] = Field(
        description="bonded (under customs control) or cleared (free circulation): stated, never assumed."
    )
    equipment_ref: str | None = Field(None, max_length=40)


class ScheduleIn(BaseModel):
    """A window of service dates whose timetable trips become departures."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: dt.date = Field(alias="from", description="First service date.", examples=["2020-04-06"])
    to: dt.date = Field(description="Last service date (inclusive).", examples=["2020-04-12"])
    services: list[Annotated[str, Field(min_length=1, max_length=64)]] | None = Field(
        None, max_length=200, description="Only these services; default all of the server's scenario."
    )


class EventIn(BaseModel):
    """A container or transport event."""

    model_config = ConfigDict(extra="forbid")

    kind: str = Field(min_length=1, max_length=40, description="gate-in, loaded, departed, ...")
    at: str = Field(min_length=1, max_length=40, description="ISO 8601.")
    place: str = Field(min_length=1, max_length=120)
    zone: str = Field("Asia/Shanghai", max_length=64)
    equipment_ref: str | None = Field(None, max_length=40)
    booking: Key | None = None
    departure: Key | None = None
    classifier: Literal["PLN", "EST", "ACT"] = "ACT"
    document_id: str | None = Field(
        None,
        min_length=1,
        max_length=100,
        description="A customs event's document; default: the booking's key.",
    )


@read_router.get("/lines", responses=_ERRORS)
def get_lines(request: Request) -> list[dict[str, Any]]:
    """The commercial lines the ledger knows (both directions of a shuttle are one line)."""
    return [line.to_dict() for line in lg.list_lines(_ledger(request))]


@read_router.get("/departures", responses=_ERRORS)
def get_departures(
    request: Request,
    line: Annotated[str | None, Query(max_length=120)] = None,
    start: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}$")] = None,
    end: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}$")] = None,
    status: Annotated[Literal["scheduled", "departed", "arrived", "cancelled"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    """Departures, by time: of one line, between two service dates, of one status."""
    import datetime as dt

    from intermodal.exceptions import Problem

    def day(text: str | None, field: str) -> dt.date | None:
        try:
            return dt.date.fromisoformat(text) if text else None
        except ValueError as err:
            raise LedgerError(Problem("not a date", field=field, found=text, expected="YYYY-MM-DD")) from err

    found = lg.list_departures(
        _ledger(request),
        line_id=line,
        start=day(start, "start"),
        end=day(end, "end"),
        statuses=[status] if status else None,
        limit=limit,
    )
    return [d.to_dict() for d in found]


@read_router.get("/departures/{key}", responses={**_ERRORS, 404: _PROBLEM})
def get_departure(key: Key, request: Request) -> dict[str, Any]:
    """One departure by id or ref, with what is booked and what is free."""
    return _found(lg.get_departure, _ledger(request), _key(key)).to_dict()


@write_router.post("/departures", status_code=201, responses=_ERRORS)
def post_departure(body: DepartureIn, request: Request) -> dict[str, Any]:
    """Schedule a departure of a line."""
    return lg.create_departure(
        _ledger(request),
        body.line,
        body.departs,
        vehicle=body.vehicle,
        capacity_teu=body.capacity_teu,
        capacity_kg=body.capacity_kg,
        status=body.status,
        reefer_plugs_teu=body.reefer_plugs_teu,
    ).to_dict()


@write_router.post("/schedule", responses=_ERRORS)
def post_schedule(body: ScheduleIn, request: Request) -> dict[str, Any]:
    """Make the departures of every dated trip of the server scenario's timetable in a window (idempotent).

    Departures nobody booked follow a changed timetable; booked ones are left and listed as ``conflicts``.
    """
    state = request.app.state
    done = schedule_departures(
        _ledger(request),
        state.catalog.get(state.settings.scenario),
        start=body.from_,
        end=body.to,
        services=body.services,
    )
    return done.to_dict()


@write_router.post("/departures/{key}/status", responses=_ERRORS)
def post_departure_status(key: Key, body: StatusIn, request: Request) -> dict[str, Any]:
    """Move a departure on: scheduled, departed, arrived, or cancelled."""
    return lg.set_departure_status(_ledger(request), _key(key), body.status).to_dict()


@read_router.get("/bookings", responses=_ERRORS)
def get_bookings(
    request: Request,
    departure: Annotated[str | None, Query(max_length=120)] = None,
    status: Annotated[Literal["confirmed", "cancelled"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    """Bookings, oldest first: all, or those on one departure."""
    found = lg.list_bookings(
        _ledger(request), departure=_key(departure) if departure else None, status=status, limit=limit
    )
    return [b.to_dict() for b in found]


@read_router.get("/bookings/{key}", responses={**_ERRORS, 404: _PROBLEM})
def get_booking(key: Key, request: Request) -> dict[str, Any]:
    """One booking by id or idempotency key."""
    return _found(lg.get_booking, _ledger(request), _key(key)).to_dict()


@write_router.post(
    "/bookings",
    status_code=201,
    responses={
        **_ERRORS,
        200: {"description": "A replay of an earlier request with this key."},
        409: _PROBLEM,
    },
)
def post_booking(body: BookingIn, request: Request) -> JSONResponse:
    """Book capacity on every departure of a shipment, or on none (409 when one is full)."""
    state = request.app.state
    booking = lg.book(
        _ledger(request),
        bundle=state.catalog.get(state.settings.scenario),
        idempotency_key=body.idempotency_key,
        departures=[_key(d) for d in body.departures],
        shipper=body.shipper,
        teu=body.teu,
        tonnes=body.tonnes,
        value=body.value,
        currency=body.currency,
        cargo_class=body.cargo_class,
        customs_status=body.customs_status,
        equipment_ref=body.equipment_ref,
    )
    return JSONResponse(booking.to_dict(), status_code=200 if booking.replayed else 201)


@write_router.post("/bookings/{key}/cancel", responses=_ERRORS)
def post_cancel(key: Key, request: Request) -> dict[str, Any]:
    """Cancel a booking and release its capacity (once, however often it is retried)."""
    booking, released = lg.cancel_booking(_ledger(request), _key(key))
    return {**booking.to_dict(), "released": released}


@read_router.get("/events", responses={**_ERRORS, 409: _PROBLEM})
def get_events(
    request: Request,
    equipment_ref: Annotated[str | None, Query(max_length=40)] = None,
    booking: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    departure: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    classifier: Annotated[Literal["ACT", "EST", "PLN"] | None, Query()] = None,
    format: Annotated[
        Literal["ledger", "dcsa"],
        Query(description="ledger (the ledger's fields) or dcsa (DCSA Track & Trace 2.2.0 events)."),
    ] = "ledger",
) -> Any:
    """Events in time order, of one container, booking or departure; ``format=dcsa`` as DCSA 2.2.0 JSON."""
    if format == "dcsa":
        return _dcsa_export(
            request,
            filtering=True,
            booking=booking,
            classifier=classifier,
            limit=limit,
            equipment_ref=equipment_ref,
            departure=departure,
        )
    found = lg.list_events(
        _ledger(request),
        equipment_ref=equipment_ref,
        booking=booking,
        departure=departure,
        classifier=classifier,
        limit=limit,
    )
    return [e.to_dict() for e in found]


def _scenario(request: Request) -> Any:
    state = request.app.state
    return state.catalog.get(state.settings.scenario)


def _dcsa_export(request: Request, *, filtering: bool = False, **query: Any) -> Any:
    try:
        return _found(lambda: lg.export_dcsa(_ledger(request), bundle=_scenario(request), **query))
    except _Missing:
        if filtering:  # a filter on a booking that does not exist matches no event, as format=ledger says
            return []
        raise
    except LedgerError as error:
        # not the request's fault: events the standard cannot carry as the ledger holds them
        errors = field_errors(error.problems)
        return problem_response(
            request, 409, kind="not-exportable", detail=errors[0].message if errors else None, errors=errors
        )


@read_router.get("/bookings/{key}/events", responses={**_ERRORS, 404: _PROBLEM, 409: _PROBLEM})
def get_booking_events(
    key: Key,
    request: Request,
    format: Annotated[
        Literal["ledger", "dcsa"],
        Query(
            description="ledger: {PLN, EST, ACT} apart; dcsa: DCSA 2.2.0 events, the planned ones with them."
        ),
    ] = "ledger",
) -> Any:
    """A booking's events: planned (derived from its departures and the timetable), estimated and actual."""
    if format == "dcsa":
        return _dcsa_export(request, booking=_key(key), planned=True)
    apart = _found(lg.booking_events, _ledger(request), _key(key), _scenario(request))
    return {classifier: [e.to_dict() for e in events] for classifier, events in apart.items()}


@read_router.get("/bookings/{key}/eta", responses={**_ERRORS, 404: _PROBLEM})
@bookings_router.get("/bookings/{key}/eta", responses={**_ERRORS, 404: _PROBLEM})
def get_booking_eta(key: Key, request: Request) -> dict[str, Any]:
    """A booking's ETA: its actual events so far and the planned rest, each stop's slack used up first.

    A new ETA is stored as an EST arrival event (none while it is unchanged): reading it again writes nothing.
    """
    found: lg.Eta = _found(lg.booking_eta, _ledger(request), _key(key), _scenario(request))
    return found.to_dict()


@write_router.post(
    "/events/dcsa", responses={**_ERRORS, 201: {"description": "Events added."}, 413: _PROBLEM}
)
def post_dcsa_events(
    request: Request,
    body: Annotated[
        list[dict[str, Any]],
        Body(
            max_length=_MAX_BODY_EVENTS,
            description="DCSA Track & Trace 2.2.0 events, as GET /v2/events answers.",
        ),
    ],
) -> JSONResponse:
    """Import DCSA Track & Trace 2.2.0 events: all of them, or (if any is wrong) none.

    Problems name the event's index and field (``[3].eventDateTime``). Events already imported (same eventID
    and content) are counted as ``known`` and add nothing.
    """
    try:
        result = lg.import_dcsa(_ledger(request), body, file="body")
    except LedgerError as error:
        errors = field_errors(error.problems)
        return problem_response(
            request, 422, kind="dcsa-invalid", detail=errors[0].message if errors else None, errors=errors
        )
    return JSONResponse(result.to_dict(), status_code=201 if result.added else 200)


@write_router.post("/events", status_code=201, responses=_ERRORS)
def post_event(body: EventIn, request: Request) -> dict[str, Any]:
    """Record one event (gate-in, loaded, departed, ...) at a terminal of the server's scenario."""
    state = request.app.state
    places = lg.known_places(state.catalog.get(state.settings.scenario))
    return lg.record_event(
        _ledger(request),
        body.kind,
        at=body.at,
        place=body.place,
        zone=body.zone,
        equipment_ref=body.equipment_ref,
        booking=_key(body.booking) if body.booking else None,
        departure=_key(body.departure) if body.departure else None,
        classifier=body.classifier,
        places=places,
        document_id=body.document_id,
    ).to_dict()


@read_router.get("/reports/throughput", responses=_ERRORS)
def get_throughput(
    request: Request,
    period: Annotated[
        str,
        # years 1900-2099 only: the ledger's calendar arithmetic has no year 0
        Query(
            pattern=r"^(19|20)\d\d(H[12]|Q[1-4]|-(0[1-9]|1[0-2]))?$",
            description="2020, 2020H1, 2020Q1 or 2020-03.",
        ),
    ],
    by: Annotated[Literal["line", "month"] | None, Query()] = None,
    line: Annotated[str | None, Query(max_length=120)] = None,
    currency: Annotated[
        str,
        Query(
            pattern=r"^[A-Z]{3}$",
            description="An ISO 4217 code: CNY, or one that the ledger's bookings use.",
        ),
    ] = "CNY",
) -> dict[str, Any]:
    """Trips, TEU, tonnes and value in a period, with growth on the period before and on the year before."""
    return lg.throughput_report(_ledger(request), period, line=line, by=by, currency=currency).to_dict()


async def _on_missing(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, _Missing)
    errors = field_errors(exc.err.problems)
    return problem_response(request, 404, kind="not-found", detail=errors[0].message, errors=errors)


async def _on_unavailable(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, _Unavailable)
    # the server's paths and database address are for its operator's log, not for every client
    log.error("the ledger cannot be opened: %s", exc.err)
    return problem_response(
        request,
        503,
        kind="ledger-unavailable",
        detail="the ledger database is not available; the server log says why",
    )


async def _on_capacity(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, CapacityError)
    errors = field_errors(exc.problems)
    # reefer plugs alone short: a client may still book the same departure for general cargo
    kind = "reefer-plugs" if isinstance(exc, ReeferPlugsError) else "capacity"
    return problem_response(
        request, 409, kind=kind, detail=errors[0].message if errors else None, errors=errors
    )


async def _on_disrupted(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DisruptedError)
    errors = field_errors(exc.problems)
    # a conflict with the ledger's state, as a full departure is: the same request may pass once cleared
    return problem_response(
        request, 409, kind="disrupted", detail=errors[0].message if errors else None, errors=errors
    )


def install_ledger(app: Any) -> None:
    """Add the ledger endpoints, the 409 answer to an overbooking and the 503 of a misconfigured ledger."""
    app.add_exception_handler(CapacityError, _on_capacity)
    app.add_exception_handler(DisruptedError, _on_disrupted)
    app.add_exception_handler(_Missing, _on_missing)
    app.add_exception_handler(_Unavailable, _on_unavailable)
    app.include_router(read_router)
    app.include_router(bookings_router)
    app.include_router(write_router)
