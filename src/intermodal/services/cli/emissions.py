"""``intermodal emissions``: a route option's transport chain, element by element, or its iLEAP footprint."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from intermodal.services.cli._output import BAD_INPUT, choice, console, fail, print_json


def register(app: typer.Typer) -> None:
    app.command(name="emissions")(emissions)


def emissions(
    itinerary: Annotated[Path, typer.Argument(help="A file from `intermodal route --format json`.")],
    option: Annotated[int, typer.Option(min=1, help="Which option (its rank).")] = 1,
    format: Annotated[str, typer.Option("--format", help="table | json | ileap")] = "table",
    shipment_id: Annotated[str, typer.Option(help="Shipment id for the iLEAP export.")] = "shipment-1",
) -> None:
    """Show the CO2e of each transport chain element (ISO 14083 / GLEC v3): factor, source, activity, CO2e.

    --format ileap writes the iLEAP ShipmentFootprint (PACT data model extension) to exchange with customers.

    Example:  intermodal route --from nanpeng --to hanoi --teu 2 --format json > trip.json
              intermodal emissions trip.json --format ileap
    """
    choice(format, ["table", "json", "ileap"], "--format")
    doc = _read(itinerary)
    options = doc["options"]
    chosen = next((o for o in options if o.get("rank") == option), None)
    if chosen is None:
        fail([f"[--option]: {itinerary} has no option {option} (it has {len(options)})"], BAD_INPUT)
    if format == "json":
        print_json(chosen)
        return
    # The document is the user's file: one edited by hand or written by another version may lack what the
    # renderers read, and that is bad input to name, not a crash.
    try:
        if format == "ileap":
            from intermodal.io.ileap import shipment_footprint

            tonnes = doc["query"]["tonnes"]
            print_json(shipment_footprint(chosen, shipment_id=shipment_id, tonnes=float(tonnes)))
            return
        from intermodal.services.cli._tables import print_option

        details = [
            e["emission_detail"] for e in (*chosen["legs"], *chosen["hubs"]) if e["emission_detail"]["factor"]
        ]
        measured = sum(1 for d in details if d["measured"])
        print_option(chosen, explain=True)
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as err:
        what = (
            f"it lacks the key {err}" if isinstance(err, KeyError) else f"a value of the wrong type ({err})"
        )
        fail(
            [f"{itinerary}: option {option} is not a route option as `intermodal route` writes it: {what}"],
            BAD_INPUT,
        )
    console.print(
        f"{len(details) - measured} element(s) on default factors, {measured} on measured factors. "
        f"WTW = WTT + TTW; totals are the sum of the elements."
    )


def _read(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        fail([f"{path}: no such file (expected the JSON of `intermodal route --format json`)"], BAD_INPUT)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        fail([f"{path}: not JSON ({err})"], BAD_INPUT)
    except RecursionError:
        fail([f"{path}: not a route document (arrays or objects nested too deep)"], BAD_INPUT)
    except OSError as err:
        fail([f"{path}: cannot read the file ({err.strerror})"], BAD_INPUT)
    if not isinstance(doc, dict) or "options" not in doc or "query" not in doc:
        fail([f"{path}: not a route document (expected the keys query and options)"], BAD_INPUT)
    options = doc["options"]
    if not isinstance(options, list) or not all(isinstance(o, dict) for o in options):
        fail([f"{path}: not a route document (expected options to be a list of route options)"], BAD_INPUT)
    return doc
