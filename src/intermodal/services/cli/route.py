"""``intermodal route``: door-to-door options for one shipment."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from intermodal.services.cli._output import choice, print_json, user_errors
from intermodal.services.cli._scenario import PatchOption, open_scenario

OBJECTIVES = ["fastest", "cheapest", "greenest", "pareto", "reliable"]
FORMATS = ["table", "json", "geojson"]


def register(app: typer.Typer) -> None:
    app.command(name="route")(route)


def route(
    from_: Annotated[str, typer.Option("--from", help="Terminal id, UN/LOCODE, name, or lat,lon.")],
    to: Annotated[str, typer.Option("--to", help="Terminal id, UN/LOCODE, name, or lat,lon.")],
    teu: Annotated[
        float | None, typer.Option(help="Twenty-foot equivalent units (a 40-ft box is 2).")
    ] = None,
    tonnes: Annotated[
        float | None, typer.Option(help="Cargo weight; with TEU only, the scenario's t/TEU.")
    ] = None,
    containers: Annotated[
        str | None, typer.Option(help="Boxes instead of --teu: 2x40, 1x40hc,3x20 (GLEC: 40 ft = 2.0 TEU).")
    ] = None,
    load: Annotated[
        str | None,
        typer.Option(help="GLEC load class instead of --tonnes: light (6 t/TEU), average, heavy, empty."),
    ] = None,
    cargo: Annotated[str, typer.Option(help="general, reefer, or dg:CLASS (dg:3, dg:2.1).")] = "general",
    value: Annotated[
        float | None, typer.Option(help="Declared cargo value, in the scenario's currency.")
    ] = None,
    ready: Annotated[
        str | None,
        typer.Option(help="When the cargo is ready, ISO 8601 (2020-04-03T08:00+08:00); default now."),
    ] = None,
    due: Annotated[str | None, typer.Option(help="Latest arrival, ISO 8601; prunes the search.")] = None,
    objective: Annotated[
        str,
        typer.Option(help="fastest | cheapest | greenest | pareto | reliable (by p_on_time, needs --due)."),
    ] = "pareto",
    scenario: Annotated[
        str, typer.Option(help="An embedded scenario name, or a bundle folder or zip.")
    ] = "chongqing",
    patch: PatchOption = None,
    format: Annotated[str, typer.Option("--format", help="table | json | geojson.")] = "table",
    limit: Annotated[int, typer.Option(min=1, help="At most this many options.")] = 10,
    explain: Annotated[
        bool, typer.Option(help="Show each option's chain element by element, with sources.")
    ] = False,
    factors: Annotated[
        str | None, typer.Option(help="CSV of your own emission factors (e.g. a carrier's measured data).")
    ] = None,
    range_: Annotated[
        str | None,
        typer.Option(
            "--range", help="Every Pareto option for cargo ready in the next 7d, 36h, ... (a profile)."
        ),
    ] = None,
    carbon_price: Annotated[
        float | None,
        typer.Option(help="Price on CO2e per tonne (scenario currency); feeds --objective cheapest."),
    ] = None,
    fold_hours: Annotated[
        float | None, typer.Option(help="Fold options within this many hours of a better one (default 2).")
    ] = None,
    fold_cost_pct: Annotated[
        float | None, typer.Option(help="... and within this % of its cost (default 2).")
    ] = None,
    fold_co2e_pct: Annotated[
        float | None, typer.Option(help="... and within this % of its CO2e (default 2).")
    ] = None,
    all_: Annotated[
        bool, typer.Option("--all", help="Every Pareto-optimal option: fold none (docs/json-output.md).")
    ] = False,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            envvar="INTERMODAL_LEDGER_URL",
            help="A ledger (postgresql:// or sqlite:/// URL, or a SQLite file): only departures with room "
            "for the shipment are offered, and each leg says its free TEU and kg.",
        ),
    ] = None,
    reliability: Annotated[
        str | None,
        typer.Option(
            help="Measured time spreads (reliability.csv of intermodal calibrate, or its folder) for each "
            "option's p_on_time by --due. Default: the scenario folder's own reliability.csv, if it has one."
        ),
    ] = None,
    time_limit: Annotated[
        float,
        typer.Option(
            min=0.1,
            max=3600,
            help="Stop the search after this many seconds (exit 1, saying how to narrow it).",
        ),
    ] = 120.0,
) -> None:
    """Find door-to-door options for a shipment, ranked by time, cost or CO2e.

    Every option lists its legs (mode, service and departure, times, distance, cost, CO2e WTW and TTW), its
    handling and border clearance, and totals that equal the sum of its elements. Options within
    --fold-hours, --fold-cost-pct and --fold-co2e-pct of a better one are folded (the answer says how
    many); --all shows the whole Pareto set.

    Example:  intermodal route --from nanpeng --to bangkok --teu 2 --cargo reefer --objective pareto

    With the network of 2026 (the China-Laos railway):  intermodal route --from nanpeng --to vientiane
    --teu 2 --patch 2026

    With a due time, each option says p_on_time, the probability of arriving by it: from the measured spreads
    of a calibrated bundle (intermodal calibrate, docs/calibration.md), else the timetable's 0 or 1.
    """
    choice(objective, OBJECTIVES, "--objective")
    choice(format, FORMATS, "--format")
    with user_errors():
        from intermodal.engines.reference import Deadline
        from intermodal.planners.options import fold_margins
        from intermodal.planners.routing import find_routes
        from intermodal.planners.shipments import make_shipment

        bundle = open_scenario(scenario, patch)
        if factors is not None:
            from intermodal.io.factors import apply_factor_overrides

            bundle = apply_factor_overrides(bundle, factors)
        fold = fold_margins(fold_hours, fold_cost_pct, fold_co2e_pct, all_options=all_)
        teu, tonnes = _quantities(teu, tonnes, containers, load)
        shipment = make_shipment(
            bundle, teu=teu, tonnes=tonnes, cargo=cargo, value=value, ready=ready, due=due
        )
        range_days = _days(range_) if range_ else None
        availability = None
        if db is not None:
            from intermodal.ledger.availability import read_availability
            from intermodal.planners.routing import search_window
            from intermodal.services.cli.report import open_db

            start, end = search_window(shipment, range_days=range_days)
            with open_db(db, create=False) as ledger:
                availability = read_availability(ledger, start=start, end=end)
        fitted = _reliability(reliability, scenario)
        result = find_routes(
            bundle,
            from_,
            to,
            shipment,
            objective=objective,
            limit=limit,
            carbon_price=carbon_price,
            range_days=range_days,
            fold=fold,
            deadline=Deadline(time_limit),
            availability=availability,
            reliability=fitted,
        )
    doc = result.to_dict()
    if format == "json":
        print_json(doc)
    elif format == "geojson":
        print_json(to_geojson(doc))
    else:
        from intermodal.services.cli._tables import print_route_result

        print_route_result(doc, explain=explain)


def _reliability(path: str | None, scenario: str) -> Any:
    """The spreads of ``--reliability``, or of the scenario folder's reliability.csv; ``None`` without."""
    from pathlib import Path

    from intermodal.io.reliability import RELIABILITY_FILE, read_reliability

    if path is not None:
        return read_reliability(path)  # its problems name the file, row and column
    own = Path(scenario) / RELIABILITY_FILE
    return read_reliability(own) if own.is_file() else None


def _days(text: str) -> float:
    """``7d``, ``36h`` or a number of days."""
    from intermodal.services.cli._output import days

    return days(text, "range", "a range")


def _quantities(
    teu: float | None, tonnes: float | None, containers: str | None, load: str | None
) -> tuple[float | None, float | None]:
    """TEU and tonnes from --containers and --load, by the GLEC conversions."""
    if containers is None and load is None:
        return teu, tonnes
    from intermodal.exceptions import Problem, ShipmentError
    from intermodal.io.conversions import load_container_conversions
    from intermodal.planners.shipments import parse_containers

    conv = load_container_conversions()
    if containers is not None:
        if teu is not None:
            raise ShipmentError(Problem("give --teu or --containers, not both", field="containers"))
        teu = parse_containers(containers, conv)
    if load is not None:
        if tonnes is not None:
            raise ShipmentError(Problem("give --tonnes or --load, not both", field="load"))
        if load not in conv.tonnes_per_teu:
            raise ShipmentError(
                Problem(
                    "unknown load class", field="load", found=load, expected=" | ".join(conv.tonnes_per_teu)
                )
            )
        tonnes = (teu or 1.0) * conv.tonnes_per_teu[load]
    return teu, tonnes


def to_geojson(doc: dict) -> dict:
    """One LineString Feature per leg, its properties the leg's fields plus the option's rank.

    The document's notes and counts ride along as foreign members (RFC 7946, 6.1), so that a map too can say
    how many options were cut or folded.
    """
    features = []
    for option in doc["options"]:
        for leg in option["legs"]:
            if not leg["geometry"]:
                continue
            props = {k: v for k, v in leg.items() if k != "geometry"}
            props["option"] = option["rank"]
            features.append({"type": "Feature", "geometry": leg["geometry"], "properties": props})
    return {
        "type": "FeatureCollection",
        "features": features,
        "pareto_options": doc["pareto_options"],
        "folded_options": doc["folded_options"],
        "notes": doc["notes"],
    }
