"""``intermodal world``: the world road, rail and sea layers (the ``world`` extra).

Road and rail data © OpenStreetMap contributors (via scgraph_data); sea lanes from searoute's marnet.
"""

from __future__ import annotations

import time
from typing import Annotated

import typer

from intermodal.services.cli._output import choice, console, print_json, user_errors

LAYERS = ["road", "rail", "sea"]
ATTRIBUTION = "Road and rail: © OpenStreetMap contributors (scgraph_data). Sea: searoute marnet."

world_app = typer.Typer(help="The world road, rail and sea networks: build caches, route between places.")


def register(app: typer.Typer) -> None:
    app.add_typer(world_app, name="world")


def _place(text: str, option: str) -> tuple[float, float]:
    from intermodal.exceptions import PlaceError, Problem

    try:
        lat, lon = (float(x) for x in text.split(","))
    except ValueError:
        raise PlaceError(Problem("expected lat,lon in degrees", field=option, found=text)) from None
    return lat, lon


@world_app.command("build-cache")
def build_cache(
    layer: Annotated[
        list[str] | None, typer.Option(help="road | rail | sea (repeatable); default all.")
    ] = None,
) -> None:
    """Convert the layers and build their contraction hierarchies into the cache (once; minutes for road)."""
    from intermodal.services.world import open_world

    with user_errors():
        for name in layer or LAYERS:
            choice(name, LAYERS, "--layer")
            t0 = time.perf_counter()
            w = open_world(name)  # type: ignore[arg-type]
            console.print(
                f"{name}: {w.graph.n_nodes:,} nodes, {w.graph.n_edges:,} edges, "
                f"{w.ch.n_shortcuts:,} shortcuts; ready in {time.perf_counter() - t0:.1f} s"
            )
        console.print(ATTRIBUTION)


@world_app.command("route")
def route(
    from_: Annotated[str, typer.Option("--from", help="Origin as lat,lon.")],
    to: Annotated[str, typer.Option("--to", help="Destination as lat,lon.")],
    layer: Annotated[str, typer.Option(help="road | rail | sea.")] = "road",
    avoid: Annotated[
        list[str] | None,
        typer.Option(
            help="Close a flagged passage or rule, e.g. suez (repeatable); 'none' opens all. "
            "Default: sea avoids the Northwest Passage, as searoute does."
        ),
    ] = None,
    format: Annotated[str, typer.Option("--format", help="table | geojson.")] = "table",
) -> None:
    """The shortest route on one world layer between two places, snapped into one connected network."""
    from intermodal.exceptions import NoRouteError
    from intermodal.services.world import open_world

    with user_errors():
        choice(layer, LAYERS, "--layer")
        choice(format, ["table", "geojson"], "--format")
        origin, destination = _place(from_, "--from"), _place(to, "--to")
        w = open_world(layer)  # type: ignore[arg-type]
        closed = None if avoid is None else [a for a in avoid if a != "none"]
        unknown = [a for a in closed or [] if a not in w.graph.flag_names]
        if unknown:
            choice(unknown[0], list(w.graph.flag_names) or ["(none on this layer)"], "--avoid")
        a, b = w.snap_pair(origin, destination)
        r = w.route(a.node, b.node, avoid=closed)
        if not r.nodes.size:
            raise NoRouteError(
                [f"no {layer} route avoiding {', '.join(closed or [])} between {from_} and {to}"]
            )
        if format == "geojson":
            print_json(
                {
                    "type": "Feature",
                    "geometry": {"type": "LineString", "coordinates": r.geometry},
                    "properties": {
                        "layer": layer,
                        "distance_km": r.distance_km,
                        "snap_from_km": a.distance_km,
                        "snap_to_km": b.distance_km,
                        "avoid": [
                            n
                            for n in w.graph.flag_names
                            if w.avoid_mask(closed) >> w.graph.flag_names.index(n) & 1
                        ],
                        "attribution": ATTRIBUTION,
                    },
                }
            )
            return
        console.print(
            f"{layer}: {r.distance_km:,.1f} km over {len(r.nodes):,} nodes "
            f"(snapped {a.distance_km:.1f} km from the origin, {b.distance_km:.1f} km from the destination)"
        )
        console.print(ATTRIBUTION)
