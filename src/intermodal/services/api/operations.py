"""The operations board over HTTP, for the web app's Operations page.

Thin wrappers over :mod:`intermodal.ledger.operations` and
:func:`intermodal.ledger.disruptions.booking_impact`; both only read. ``GET /api/operations`` carries an
``ETag`` of its content (the instant it was computed at left out): a client that polls with ``If-None-Match``
gets ``304 Not Modified`` and no body while nothing on the board has changed.
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse, Response

from intermodal.ledger import disruptions as dis
from intermodal.ledger.operations import operations_board
from intermodal.services.api._auth import require_read
from intermodal.services.api.ledger import Key, _found, _key, _ledger
from intermodal.services.api.problems import ProblemDetail

__all__ = ["install_operations", "read_router"]

_PROBLEM = {"model": ProblemDetail}
_ERRORS: dict[int | str, dict[str, Any]] = {401: _PROBLEM, 422: _PROBLEM, 503: _PROBLEM}
read_router = APIRouter(prefix="/api", tags=["operations"], dependencies=[Depends(require_read)])
Instant = Annotated[
    str | None,
    Query(
        min_length=1, max_length=40, description="ISO 8601 (without an offset: Chongqing time); default now."
    ),
]


def _bundle(request: Request) -> Any:
    state = request.app.state
    return state.catalog.get(state.settings.scenario)


def _etag(doc: dict[str, Any]) -> str:
    content = {k: v for k, v in doc.items() if k != "at"}
    digest = hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()
    return f'"ops-{digest[:32]}"'


def _matches(header: str | None, tag: str) -> bool:
    if not header:
        return False
    # If-None-Match is a list of (possibly weak) tags, or *
    tags = {t.strip().removeprefix("W/") for t in header.split(",")}
    return "*" in tags or tag in tags


@read_router.get(
    "/operations",
    responses={**_ERRORS, 304: {"description": "Nothing on the board changed since the ETag sent."}},
)
def get_operations(
    request: Request,
    at: Instant = None,
    if_none_match: Annotated[str | None, Header(max_length=2000)] = None,
) -> Response:
    """The operations board at ``at`` (default now): today's and tomorrow's departures with capacity, booked,
    held and free TEU; bookings in transit with their ETA, delay and estimated position (read only: no EST
    event is stored); open disruptions with the bookings they break. Poll with ``If-None-Match``."""
    doc = operations_board(_ledger(request), _bundle(request), at=at).to_dict()
    tag = _etag(doc)
    headers = {"ETag": tag, "Cache-Control": "no-cache"}
    if _matches(if_none_match, tag):
        return Response(status_code=304, headers=headers)
    return JSONResponse(doc, headers=headers)


@read_router.get("/ledger/bookings/{key}/rebooking", responses={**_ERRORS, 404: _PROBLEM})
def get_rebooking(key: Key, request: Request, as_of: Instant = None) -> dict[str, Any]:
    """Whether an open disruption breaks the booking at ``as_of`` (default now) and, if one does, its options
    from where its cargo is (up to 3, route JSON, fastest first) or the reasons there are none: the options
    ``POST /api/ledger/bookings/{key}/rebook`` takes by number with the same ``as_of``."""
    found = _found(lambda: dis.booking_impact(_ledger(request), _bundle(request), _key(key), as_of=as_of))
    if found is None:
        return {"broken": False, "booking": None}
    return {"broken": True, **found.to_dict()}


def install_operations(app: Any) -> None:
    """Add the operations board and the rebooking options of one booking."""
    app.include_router(read_router)
