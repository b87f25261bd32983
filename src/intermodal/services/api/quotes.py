"""Quotes over HTTP: price a route option and hold its room, then book it (or release it).

Thin wrappers over :mod:`intermodal.ledger.quotes`. Every quote write needs a token (a quote holds room that
nobody else can then take); reading one follows the ``reads`` setting. The server prices the option itself, by
running the route query again against the ledger's room: a client names the option (its rank, or its ``id``
from the route answer) and never sends prices. A quote that can no longer be booked answers 409
``quote_expired`` (quote again) or ``quote_closed`` (booked or released already).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from intermodal import ledger as lg
from intermodal.engines.reference import Deadline
from intermodal.exceptions import InputError, LedgerError, Problem, QuoteError, SearchTimeout, ShipmentError
from intermodal.ledger.quotes import MAX_HOLD_MINUTES
from intermodal.services.api._auth import require_read, require_write
from intermodal.services.api._search import route_answer
from intermodal.services.api.ledger import Key, _found, _ledger, _Missing
from intermodal.services.api.problems import ProblemDetail, field_errors, problem_response
from intermodal.services.api.schemas import RouteQuery

__all__ = ["install_quotes", "read_router", "write_router"]

_PROBLEM = {"model": ProblemDetail}
_ERRORS: dict[int | str, dict[str, Any]] = {401: _PROBLEM, 404: _PROBLEM, 422: _PROBLEM, 503: _PROBLEM}
read_router = APIRouter(prefix="/api/quotes", tags=["quotes"], dependencies=[Depends(require_read)])
write_router = APIRouter(prefix="/api/quotes", tags=["quotes"], dependencies=[Depends(require_write)])


class QuoteIn(BaseModel):
    """Which option of which route query to quote, and for how long to hold it."""

    model_config = ConfigDict(extra="forbid")

    query: RouteQuery = Field(description="The route query, as for POST /api/routes.")
    option: int = Field(1, ge=1, le=50, description="The option's rank in the answer to the query.")
    option_id: str | None = Field(
        None,
        min_length=1,
        max_length=64,
        description="The option's `id` from the route answer: it wins over `option`, so that the quote is "
        "for the option the client saw even if the ranks moved since.",
    )
    hold_minutes: int = Field(
        lg.DEFAULT_HOLD_MINUTES, ge=1, le=MAX_HOLD_MINUTES, description="How long the quote holds its room."
    )


class QuoteBookingIn(BaseModel):
    """Who books a quote; its legs and shipment are the quote's."""

    model_config = ConfigDict(extra="forbid")

    idempotency_key: str = Field(min_length=1, max_length=200)
    shipper: str = Field(min_length=1, max_length=200)
    customs_status: Literal["bonded", "cleared"] = Field(description="Stated, never assumed.")
    equipment_ref: str | None = Field(None, max_length=32, description="The container number (ISO 6346).")


def _route_answer(request: Request, query: RouteQuery) -> dict[str, Any]:
    """The route JSON for ``query`` as POST /api/routes answers it, searched against the ledger's room."""
    try:
        return route_answer(request.app, query, Deadline(request.app.state.settings.query_seconds))
    except InputError as err:
        raise InputError([p if p.field is None else _under_query(p) for p in err.problems]) from None


def _under_query(problem: Problem) -> Problem:
    return replace(problem, field=f"query.{problem.field}")


@write_router.post("", status_code=201, responses={**_ERRORS, 409: _PROBLEM})
def post_quote(body: QuoteIn, request: Request) -> Any:
    """Quote an option of a route query: line items that add up to the total, CO2e and a valid-until; the
    quote holds the option's room until then (409 when a departure has no room left)."""
    try:
        doc = _route_answer(request, body.query)
    except SearchTimeout:
        seconds = request.app.state.settings.query_seconds
        return problem_response(
            request,
            503,
            kind="query-budget",
            detail=f"the query needed more than {seconds:g} s of work; narrow it or try again later",
            headers={"Retry-After": "5"},
        )
    rank = body.option
    if body.option_id is not None:
        found = next((o["rank"] for o in doc["options"] if o.get("id") == body.option_id), None)
        if found is None:
            raise ShipmentError(
                Problem(
                    "no option with this id answers the query now",
                    field="option_id",
                    found=body.option_id,
                    expected="an id from the route answer; search again, the room may have gone",
                )
            )
        rank = found
    state = request.app.state
    quote = lg.quote_route(
        _ledger(request),
        doc,
        rank=rank,
        hold_minutes=body.hold_minutes,
        bundle=state.catalog.get(body.query.scenario or state.settings.scenario),
    )
    return quote.to_dict()


@read_router.get("/{quote_id}", responses=_ERRORS)
def get_quote(quote_id: Key, request: Request) -> dict[str, Any]:
    """One quote; its status is as of now (an open quote past its valid-until reads ``expired``)."""
    return _found(lg.get_quote, _ledger(request), quote_id).to_dict()


@write_router.post(
    "/{quote_id}/book",
    status_code=201,
    responses={**_ERRORS, 200: {"description": "A replay of an earlier key."}, 409: _PROBLEM},
)
def post_quote_booking(quote_id: Key, body: QuoteBookingIn, request: Request) -> JSONResponse:
    """Book every leg of the quote, taking the room it holds, or none; 201 new, 200 a replay of the key."""

    def book(ledger: lg.Ledger, key: str) -> lg.Booking:
        return lg.book_quote(
            ledger,
            key,
            idempotency_key=body.idempotency_key,
            shipper=body.shipper,
            customs_status=body.customs_status,
            equipment_ref=body.equipment_ref,
            bundle=request.app.state.catalog.get(request.app.state.settings.scenario),
        )

    try:
        booking = book(_ledger(request), quote_id)
    except LedgerError as err:
        # an unknown quote in the path is a 404; an unknown customs status in the body stays a 422
        if any(p.field == "quote" and p.message.startswith("unknown") for p in err.problems):
            raise _Missing(err) from err
        raise
    return JSONResponse(booking.to_dict(), status_code=200 if booking.replayed else 201)


@write_router.post("/{quote_id}/release", responses={**_ERRORS, 409: _PROBLEM})
def post_quote_release(quote_id: Key, request: Request) -> dict[str, Any]:
    """Free the quote's room now; ``released`` says whether this call did (a retry changes nothing)."""
    quote, released = _found(lg.release_quote, _ledger(request), quote_id)
    return {**quote.to_dict(), "released": released}


async def _on_quote(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, QuoteError)
    errors = field_errors(exc.problems)
    return problem_response(
        request,
        409,
        kind="quote-expired" if exc.expired else "quote-closed",
        detail=errors[0].message if errors else None,
        errors=errors,
    )


def install_quotes(app: Any) -> None:
    """Add the quote endpoints and the 409 answer to a quote that can no longer be booked."""
    app.add_exception_handler(QuoteError, _on_quote)
    app.include_router(read_router)
    app.include_router(write_router)
