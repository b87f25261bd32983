"""``intermodal gtfs``: a GTFS feed in as a bundle folder, a bundle's services out as a GTFS zip."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from intermodal.services.cli._output import console, user_errors
from intermodal.services.cli._scenario import PatchOption, open_scenario
from intermodal.services.cli.report import named_as

gtfs_app = typer.Typer(
    name="gtfs",
    help="GTFS in and out: import a feed as a bundle, export a bundle's services as a feed.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(gtfs_app, name="gtfs")


@gtfs_app.command(name="import")
def import_(
    feed: Annotated[Path, typer.Argument(help="A GTFS zip or folder.")],
    out_dir: Annotated[
        Path,
        typer.Argument(help="The bundle folder to write: new, empty, or a bundle folder to replace."),
    ],
    name: Annotated[str | None, typer.Option(help="Bundle name; default: the feed's file name.")] = None,
    country: Annotated[
        str | None, typer.Option(help="ISO 3166 code of the stops; default: from the agency's time zone.")
    ] = None,
    capacity_teu: Annotated[
        float, typer.Option(help="Capacity of every departure in TEU (passenger feeds give none).")
    ] = 1.0,
) -> None:
    """Import a GTFS feed as a bundle folder: stations as terminals, trips as services, transfers as walks.

    The folder loads like any bundle:  intermodal route --scenario OUT_DIR --from STOP --to STOP ...

    Example:  intermodal gtfs import nyc_subway_gtfs.zip ./nyc
    """
    with user_errors():
        from intermodal.io.bundle_writer import check_out_dir, write_bundle
        from intermodal.io.gtfs import import_gtfs

        check_out_dir(out_dir)  # before the feed is read, which can take a while
        with named_as({"capacity_teu": "--capacity-teu", "country": "--country"}):
            bundle = import_gtfs(feed, name=name, country=country, capacity_teu=capacity_teu)
        path = write_bundle(bundle, out_dir)  # all or nothing, and only a folder that loads back
    departures = sum(len(s.departures) for s in bundle.services)
    walks = sum(1 for lk in bundle.links if lk.flexible)
    console.print(
        f"{feed} -> {path}: {len(bundle.terminals)} terminals, {len(bundle.services)} services with "
        f"{departures} trips, {walks} walking transfers",
        highlight=False,
    )


@gtfs_app.command(name="export")
def export(
    bundle: Annotated[str, typer.Argument(help="An embedded scenario name, or a bundle folder or zip.")],
    out: Annotated[Path, typer.Argument(help="The GTFS zip to write.")],
    patch: PatchOption = None,
) -> None:
    """Export a bundle's services as a GTFS zip (stops, routes, trips, stop times, calendars, transfers).

    Example:  intermodal gtfs export chongqing chongqing_gtfs.zip
    """
    with user_errors():
        from intermodal.io.gtfs import export_gtfs

        loaded = open_scenario(bundle, patch)
        path = export_gtfs(loaded, out)
    trips = sum(len(s.departures) for s in loaded.services)
    console.print(
        f"{bundle} -> {path}: {len(loaded.terminals)} stops, {len(loaded.services)} services, {trips} trips",
        highlight=False,
    )
