"""``intermodal quote``: price one route option and hold its room in the ledger for a while."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from intermodal.services.cli._output import (
    BAD_INPUT,
    choice,
    console,
    fail,
    print_json,
    user_errors,
)
from intermodal.services.cli._scenario import PatchOption, open_scenario
from intermodal.services.cli.report import DbOption, named_as, open_db


def register(app: typer.Typer) -> None:
    app.command(name="quote")(quote)


def quote(
    option: Annotated[int, typer.Option(min=1, help="The rank of the option to quote.")] = 1,
    itinerary: Annotated[
        Path | None,
        typer.Option(help="A route JSON file (intermodal route --format json) to quote an option of."),
    ] = None,
    from_: Annotated[
        str | None, typer.Option("--from", help="Without --itinerary: search from here (as route does).")
    ] = None,
    to: Annotated[str | None, typer.Option("--to", help="... to here.")] = None,
    teu: Annotated[float | None, typer.Option(help="TEU (a 40-ft box is 2).")] = None,
    tonnes: Annotated[
        float | None, typer.Option(help="Cargo weight; with TEU only, the scenario's t/TEU.")
    ] = None,
    containers: Annotated[str | None, typer.Option(help="Boxes instead of --teu: 2x40, 1x40hc.")] = None,
    load: Annotated[str | None, typer.Option(help="GLEC load class instead of --tonnes.")] = None,
    cargo: Annotated[str, typer.Option(help="general, reefer, or dg:CLASS (dg:3, dg:2.1).")] = "general",
    value: Annotated[float | None, typer.Option(help="Declared cargo value.")] = None,
    ready: Annotated[str | None, typer.Option(help="When the cargo is ready, ISO 8601; default now.")] = None,
    due: Annotated[str | None, typer.Option(help="Latest arrival, ISO 8601.")] = None,
    objective: Annotated[
        str, typer.Option(help="fastest | cheapest | greenest | pareto | reliable.")
    ] = "pareto",
    scenario: Annotated[
        str,
        typer.Option(help="The scenario: its timetable, and the cargo rules the quote must meet."),
    ] = "chongqing",
    patch: PatchOption = None,
    hold_minutes: Annotated[
        int, typer.Option(min=1, max=1440, help="How long the quote holds its room and its price.")
    ] = 30,
    db: DbOption = None,
    format: Annotated[str, typer.Option("--format", help="table | json.")] = "table",
) -> None:
    """Quote a route option: line items that add up to the total, CO2e, and a valid-until; the quote holds
    its room on every departure it rides until then (book it with `intermodal ledger book --quote ID`).

    The option comes from a route JSON file (--itinerary), or from a search run here against the ledger's
    room (--from, --to and the shipment, as for `intermodal route`).

    Example:  intermodal quote --from nanpeng --to bangkok --teu 2 --cargo reefer --option 1 --db ledger.db
    """
    choice(format, ["table", "json"], "--format")
    if (itinerary is None) == (from_ is None or to is None):
        fail(["give either --itinerary, or --from and --to"], BAD_INPUT)
    from intermodal.ledger import quote_route

    with user_errors(), named_as({"scenario": "--scenario"}):
        bundle = open_scenario(scenario, patch)
    doc = _read_route(itinerary) if itinerary is not None else None
    names = {"option": "--option", "hold_minutes": "--hold-minutes"}
    with user_errors(), named_as(names), open_db(db) as ledger:
        if doc is None:
            assert from_ is not None and to is not None
            query = (teu, tonnes, containers, load, cargo, value, ready, due, objective)
            doc = _search(bundle, ledger, from_, to, *query)
        made = quote_route(ledger, doc, rank=option, hold_minutes=hold_minutes, bundle=bundle)
    if format == "json":
        print_json(made.to_dict())
        return
    table = Table("#", "item", "description", f"amount ({made.price_currency})", header_style="bold")
    for number, line in enumerate(made.lines, 1):
        table.add_row(str(number), line.kind, line.description, f"{line.amount:,.2f}")
    table.add_row("", "", "[bold]total[/]", f"[bold]{made.total:,.2f}[/]")
    console.print(
        f"quote {made.id}: {made.status}, holding {made.teu} TEU on {len(made.departures)} departures"
    )
    console.print(table)
    console.print(
        f"CO2e {made.co2e_kg_wtw:,.2f} kg WTW ({made.co2e_kg_ttw:,.2f} kg TTW); "
        f"valid until {made.valid_until.isoformat(timespec='seconds')}",
        highlight=False,
    )


def _read_route(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        fail([f"[--itinerary]: cannot read {path}: {error}"], BAD_INPUT)
    if not isinstance(doc, dict) or "options" not in doc or "query" not in doc:
        fail([f"[--itinerary]: {path} is not a route answer (intermodal route --format json)"], BAD_INPUT)
    return doc


def _search(
    bundle: Any,
    ledger: Any,
    from_: str,
    to: str,
    teu: float | None,
    tonnes: float | None,
    containers: str | None,
    load: str | None,
    cargo: str,
    value: float | None,
    ready: str | None,
    due: str | None,
    objective: str,
) -> dict[str, Any]:
    """The route answer for this shipment, searched against the ledger's room as `route --db` does."""
    from intermodal.ledger.availability import read_availability
    from intermodal.planners.routing import find_routes, search_window
    from intermodal.planners.shipments import make_shipment
    from intermodal.services.cli.route import OBJECTIVES, _quantities

    choice(objective, OBJECTIVES, "--objective")
    teu, tonnes = _quantities(teu, tonnes, containers, load)
    shipment = make_shipment(bundle, teu=teu, tonnes=tonnes, cargo=cargo, value=value, ready=ready, due=due)
    start, end = search_window(shipment)
    availability = read_availability(ledger, start=start, end=end)
    result = find_routes(bundle, from_, to, shipment, objective=objective, availability=availability)
    return result.to_dict()
