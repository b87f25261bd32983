"""One route query as the API answers it, for POST /api/routes and for pricing a quote alike."""

from __future__ import annotations

import logging
from typing import Any

import intermodal
from intermodal.engines.reference import Deadline
from intermodal.exceptions import BundleError, InputError, Problem
from intermodal.planners.options import fold_margins
from intermodal.planners.places import resolve_place
from intermodal.planners.routing import search_window
from intermodal.services.api.ledger import room_snapshot
from intermodal.services.api.schemas import RouteQuery

__all__ = ["route_answer"]

log = logging.getLogger("intermodal.api")


def _reliability(app: Any, scenario: str) -> Any:
    """The measured spreads of the server's default scenario (INTERMODAL_RELIABILITY), read once.

    Only the default scenario has them: they were measured on its services. A file that does not read is a
    misconfigured server, not the client's fault: it is logged, and options get the timetable's p_on_time.
    """
    settings = app.state.settings
    if settings.reliability_file is None or scenario != settings.scenario:
        return None
    if not hasattr(app.state, "reliability"):
        from intermodal.io.reliability import read_reliability

        try:
            app.state.reliability = read_reliability(settings.reliability_file)
        except BundleError as err:
            log.error("INTERMODAL_RELIABILITY not used: %s", "; ".join(str(p) for p in err.problems))
            app.state.reliability = None
    return app.state.reliability


def route_answer(app: Any, query: RouteQuery, deadline: Deadline) -> dict[str, Any]:
    """The route JSON for ``query`` on the server's catalog, searched against its ledger's room.

    Every problem of the query (the shipment's and both places') is raised at once, as one InputError.
    """
    state = app.state
    settings = state.settings
    scenario = query.scenario or settings.scenario
    bundle = state.catalog.get(scenario)
    problems: list[Problem] = []
    try:
        shipment = intermodal.make_shipment(
            bundle,
            teu=query.teu,
            tonnes=query.tonnes,
            cargo=query.cargo,
            value=query.value,
            ready=query.ready,
            due=query.due,
            max_window_days=settings.max_window_days,
        )
    except InputError as err:
        problems += err.problems
    places = []
    for text, field in ((query.from_, "from"), (query.to, "to")):
        try:
            places.append(resolve_place(bundle, text, field=field))
        except InputError as err:
            problems += err.problems
    if problems:
        raise InputError(problems)
    start, end = search_window(shipment, range_days=query.range_days)
    result = intermodal.find_routes(
        bundle,
        places[0],
        places[1],
        shipment,
        objective=query.objective,
        limit=query.limit,
        max_labels=settings.max_labels,
        range_days=query.range_days,
        carbon_price=query.carbon_price,
        fold=fold_margins(query.fold_hours, query.fold_cost_pct, query.fold_co2e_pct, all_options=query.all_),
        deadline=deadline,
        availability=room_snapshot(app, start, end),
        reliability=_reliability(app, scenario),
    )
    doc: dict[str, Any] = result.to_dict()
    return doc
