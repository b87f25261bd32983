"""Disruptions and rebooking over HTTP.

Thin wrappers over :mod:`intermodal.ledger.disruptions`. Adding or clearing a disruption and rebooking need
a token; reads follow the ``reads`` setting. Adding one answers with the bookings it breaks, each with its
options from where its cargo is (the same search as POST /api/routes against the ledger's room, every open
disruption applied) or the reasons there are none. Rebooking a booking that no open disruption breaks, or
onto an option it does not have, answers 409 ``not_rebookable`` and changes nothing.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from intermodal.exceptions import LedgerError, RebookError
from intermodal.ledger import disruptions as dis
from intermodal.model.bounds import MAX_ID
from intermodal.services.api._auth import require_read, require_write
from intermodal.services.api.ledger import Key, _found, _key, _ledger, _Missing
from intermodal.services.api.problems import ProblemDetail, field_errors, problem_response

__all__ = ["install_disruptions", "read_router", "write_router"]

_PROBLEM = {"model": ProblemDetail}
_ERRORS: dict[int | str, dict[str, Any]] = {401: _PROBLEM, 404: _PROBLEM, 422: _PROBLEM, 503: _PROBLEM}
read_router = APIRouter(prefix="/api", tags=["disruptions"], dependencies=[Depends(require_read)])
write_router = APIRouter(prefix="/api", tags=["disruptions"], dependencies=[Depends(require_write)])


class DisruptionIn(BaseModel):
    """A link, terminal or crossing closed for a window, a departure cancelled, or a service late."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    kind: Literal["link", "terminal", "crossing", "departure", "delay"]
    target: str = Field(
        min_length=1,
        max_length=160,
        description="The link, terminal or crossing id, the departure ref, or the delayed service's id.",
    )
    start: str | None = Field(None, min_length=1, max_length=40, description="Window start, ISO 8601.")
    end: str | None = Field(None, min_length=1, max_length=40, description="Window end (exclusive).")
    hours: float | None = Field(None, gt=0, le=dis.MAX_DELAY_HOURS, description="For a delay: hours late.")
    note: str = Field("", max_length=500)
    as_of: str | None = Field(
        None,
        min_length=1,
        max_length=40,
        description="Judge the cargo's position at this instant (default now).",
    )
    scenario: str | None = Field(None, max_length=64, description="Default: the server's scenario.")


class RebookIn(BaseModel):
    """Which of the booking's options (as the disruption's answer listed them) to take."""

    model_config = ConfigDict(extra="forbid")

    option: int = Field(ge=1, le=dis.OPTIONS_PER_BOOKING)
    as_of: str | None = Field(None, min_length=1, max_length=40)
    scenario: str | None = Field(None, max_length=64)


def _bundle(request: Request, scenario: str | None) -> Any:
    state = request.app.state
    return state.catalog.get(scenario or state.settings.scenario)


@write_router.post("/disruptions", status_code=201, responses=_ERRORS)
def post_disruption(body: DisruptionIn, request: Request) -> dict[str, Any]:
    """Record a disruption; the answer lists the bookings it breaks with their options (or reasons)."""
    impact = dis.add_disruption(
        _ledger(request),
        _bundle(request, body.scenario),
        kind=body.kind,
        target=body.target,
        start=body.start,
        end=body.end,
        hours=body.hours,
        note=body.note,
        as_of=body.as_of,
    )
    return impact.to_dict()


@read_router.get("/disruptions", responses=_ERRORS)
def get_disruptions(
    request: Request,
    status: Literal["open", "cleared"] | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    """The disruptions, oldest first, at most ``limit``: open and cleared (or only ``status``)."""
    return [d.to_dict() for d in dis.list_disruptions(_ledger(request), status=status, limit=limit)]


@read_router.get("/disruptions/{disruption_id}", responses=_ERRORS)
def get_disruption(
    disruption_id: int,
    request: Request,
    as_of: str | None = Query(None, min_length=1, max_length=40),
    scenario: str | None = Query(None, max_length=64),
) -> dict[str, Any]:
    """The bookings a disruption breaks now (or ``as_of``), with their options, as adding it answered."""
    if not 1 <= disruption_id <= MAX_ID:
        raise _Missing(LedgerError("unknown disruption"))
    impact = _found(
        lambda: dis.disruption_impact(
            _ledger(request), _bundle(request, scenario), disruption_id, as_of=as_of
        )
    )
    return impact.to_dict()


@write_router.post("/disruptions/{disruption_id}/clear", responses=_ERRORS)
def post_clear(disruption_id: int, request: Request) -> dict[str, Any]:
    """End a disruption now; ``changed`` says whether this call did (a retry changes nothing)."""
    if not 1 <= disruption_id <= MAX_ID:
        raise _Missing(LedgerError("unknown disruption"))
    cleared, changed = _found(dis.clear_disruption, _ledger(request), disruption_id)
    return {**cleared.to_dict(), "changed": changed}


@write_router.post("/ledger/bookings/{key}/rebook", responses={**_ERRORS, 409: _PROBLEM})
def post_rebook(key: Key, body: RebookIn, request: Request) -> dict[str, Any]:
    """Move a booking an open disruption breaks onto one of its options, in one transaction (409
    ``not_rebookable`` when none breaks it, as after a first rebooking; 409 ``capacity_exceeded`` when the
    option's room has gone since)."""
    try:
        moved, impact = dis.rebook_option(
            _ledger(request), _bundle(request, body.scenario), _key(key), body.option, as_of=body.as_of
        )
    except LedgerError as err:
        if any(p.field == "booking" and p.message.startswith("unknown") for p in err.problems):
            raise _Missing(err) from err
        raise
    return {"booking": moved.to_dict(), "was": impact.to_dict(), "option": body.option}


async def _on_rebook(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RebookError)
    errors = field_errors(exc.problems)
    return problem_response(
        request, 409, kind="not-rebookable", detail=errors[0].message if errors else None, errors=errors
    )


def install_disruptions(app: Any) -> None:
    """Add the disruption and rebooking endpoints and the 409 answer to a booking that cannot be rebooked."""
    app.add_exception_handler(RebookError, _on_rebook)
    app.include_router(read_router)
    app.include_router(write_router)
