"""``intermodal scenario``: list, show and validate network bundles."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from intermodal.exceptions import summarize_problems
from intermodal.services.cli._output import BAD_INPUT, choice, console, fail, print_json, user_errors
from intermodal.services.cli._scenario import PatchOption, open_scenario

#: where each world layer's distances come from, written into every link routed on it
WORLD_ATTRIBUTION = {
    # the graphs' edges are straight lines between simplified points, so their km run short of driven km
    "road": "world road network, scgraph_data 2.0 world_highways (© OpenStreetMap contributors; simplified "
    "polylines, so short of driven km: no distance adjustment factor applied)",
    "rail": "world rail network, scgraph_data 2.0 world_railways (© OpenStreetMap contributors; simplified "
    "polylines: no distance adjustment factor applied)",
    "sea": "world sea lanes, searoute maritime network (Eurostat MARNET)",
}

scenario_app = typer.Typer(
    help="List, show, validate and patch network bundles (scenarios).", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.add_typer(scenario_app, name="scenario")


@scenario_app.command("list")
def list_() -> None:
    """The embedded scenarios, and the patches each ships (use them with --patch NAME)."""
    from intermodal.io import list_scenarios, load_scenario
    from intermodal.io.patch import list_patches

    table = Table("name", "title", "terminals", "links", "services", "patches", header_style="bold")
    for name in list_scenarios():
        with user_errors():
            b = load_scenario(name)
        table.add_row(
            name,
            f"{b.manifest.title_en}\n{b.manifest.title_zh}",
            str(len(b.terminals)),
            str(len(b.links)),
            str(len(b.services)),
            "\n".join(list_patches(name)),
        )
    console.print(table)


@scenario_app.command("patches")
def patches(
    name: Annotated[str, typer.Argument(help="Scenario name, or a bundle folder.")] = "chongqing",
    format: Annotated[str, typer.Option("--format", help="table | json")] = "table",
) -> None:
    """The patches a scenario ships (its patches/ folder), each with its title and source.

    Example:  intermodal scenario patches chongqing
    """
    choice(format, ["table", "json"], "--format")
    from intermodal.io.patch import find_patch, list_patches, read_patch

    with user_errors():
        found = [read_patch(find_patch(name, p)) for p in list_patches(name)]
    if format == "json":
        print_json(
            [
                {"name": p.name, "title_en": p.title_en, "title_zh": p.title_zh, "description": p.description,
                 "source": p.source, "sha256": p.sha256}
                for p in found
            ]
        )  # fmt: skip
        return
    table = Table("patch", "title", "what it does", header_style="bold")
    for p in found:
        table.add_row(p.name, f"{p.title_en}\n{p.title_zh}", p.description)
    console.print(table)


@scenario_app.command("apply")
def apply(
    base: Annotated[str, typer.Argument(help="Scenario name, or a bundle folder or zip.")],
    patch: Annotated[
        list[str],
        typer.Argument(
            help="Patches of the scenario (by name) or patch .toml files, applied in order; without --out, "
            "the last argument is the output folder (BASE PATCH... OUT)."
        ),
    ],
    out: Annotated[
        str | None, typer.Option("--out", "-o", help="Folder to write the patched bundle to.")
    ] = None,
    format: Annotated[str, typer.Option("--format", help="table | json")] = "table",
) -> None:
    """Write BASE with PATCH applied as a new bundle folder: all of it, or nothing.

    The folder loads like any bundle, and routes exactly as BASE --patch PATCH does.

    Example:  intermodal scenario apply chongqing 2026 chongqing-2026   (or ... 2026 --out chongqing-2026)
    """
    choice(format, ["table", "json"], "--format")
    from intermodal.io.patch import write_patched

    with user_errors():
        patch, out = _patches_and_out(base, patch, out)
        folder = write_patched(base, patch, out)
        bundle = open_scenario(str(folder))
    if format == "json":
        print_json(
            {"folder": str(folder), "name": bundle.name, "version": bundle.manifest.version,
             "terminals": len(bundle.terminals), "links": len(bundle.links), "services": len(bundle.services)}
        )  # fmt: skip
        return
    console.print(
        f"[green]wrote[/] {folder}: {bundle.name} (version {bundle.manifest.version}), "
        f"{len(bundle.terminals)} terminals, {len(bundle.links)} links, {len(bundle.services)} services",
        highlight=False,
    )


def _patches_and_out(base: str, args: list[str], out: str | None) -> tuple[list[str], str]:
    """The patches and the output folder of ``scenario apply``: ``--out``, else the last argument.

    Raises
    ------
    InputError
        No output folder, or a last argument that names a patch (a forgotten ``--out`` would otherwise
        write the bundle into a folder named as the patch, and leave that patch out).
    """
    from intermodal.exceptions import InputError, Problem
    from intermodal.io.patch import list_patches

    if out is not None:
        return args, out
    expected = "an output folder: BASE PATCH... OUT, or --out OUT"
    if len(args) < 2:
        raise InputError(Problem("no output folder", field="OUT", expected=expected))
    last = args[-1]
    shipped = list_patches(base) if not last.endswith(".toml") else []
    if last.endswith(".toml") or last in shipped:
        raise InputError(
            Problem("the last argument is a patch, not an output folder", field="OUT", found=last,
                    expected=expected)
        )  # fmt: skip
    return args[:-1], last


@scenario_app.command("show")
def show(
    name: Annotated[str, typer.Argument(help="Scenario name, or a bundle folder or zip.")] = "chongqing",
    format: Annotated[str, typer.Option("--format", help="table | json")] = "table",
    patch: PatchOption = None,
) -> None:
    """Terminals and services of a scenario (with --patch: of the patched scenario).

    Example:  intermodal scenario show chongqing --patch 2026
    """
    choice(format, ["table", "json"], "--format")

    with user_errors():
        b = open_scenario(name, patch)
    if format == "json":
        print_json(
            {
                "name": b.name,
                "title_en": b.manifest.title_en,
                "title_zh": b.manifest.title_zh,
                "terminals": [
                    {
                        "id": t.id,
                        "locode": t.locode,
                        "name_en": t.name_en,
                        "name_zh": t.name_zh,
                        "lat": t.lat,
                        "lon": t.lon,
                        "country": t.country,
                        "modes": sorted(m.value for m in t.modes),
                        "kind": t.kind,
                    }
                    for t in b.terminals.values()
                ],
                "services": [
                    {
                        "id": s.id,
                        "line": s.line,
                        "name_en": s.name_en,
                        "name_zh": s.name_zh,
                        "mode": s.mode.value,
                        "stops": [st.terminal_id for st in s.stops],
                        "departures": [d.strftime("%H:%M") for d in s.departures],
                        "capacity_teu": s.capacity_teu,
                    }
                    for s in b.services
                ],
            }
        )
        return
    console.print(f"[bold]{b.manifest.title_en}[/]  {b.manifest.title_zh}\n{b.manifest.description}")
    t = Table(
        "id",
        "name",
        "名称",
        "country",
        "modes",
        "kind",
        "reefer",
        "customs",
        header_style="bold",
        title="terminals",
        title_justify="left",
    )
    for term in b.terminals.values():
        t.add_row(
            term.id,
            term.name_en,
            term.name_zh,
            term.country,
            "|".join(sorted(m.value for m in term.modes)),
            term.kind,
            "yes" if term.reefer else "",
            "yes" if term.customs else "",
        )
    console.print(t)
    s = Table(
        "id",
        "name",
        "mode",
        "stops",
        "departures",
        "days",
        "TEU",
        header_style="bold",
        title="services",
        title_justify="left",
    )
    for svc in b.services:
        days = "".join("MTWTFSS"[i] if i in svc.calendar.weekdays else "·" for i in range(7))
        s.add_row(
            svc.id,
            svc.name_en,
            svc.mode.value,
            " → ".join(st.terminal_id for st in svc.stops),
            " ".join(d.strftime("%H:%M") for d in svc.departures),
            days,
            f"{svc.capacity_teu:g}",
        )
    console.print(s)


@scenario_app.command("validate")
def validate(
    path: Annotated[str, typer.Argument(help="Scenario name, or a bundle folder or zip.")] = "chongqing",
) -> None:
    """Check a bundle and name every problem: file, row, field, what was found and what was expected.

    Exits 0 when the bundle is valid and 2 when it has problems.
    """
    from intermodal.io import scenario_path, validate_bundle

    with user_errors():
        where = scenario_path(path)
    problems = validate_bundle(where)
    if problems:
        shown = [str(p) for p in summarize_problems(problems)]
        fail([*shown, f"{len(problems)} problem(s) in {path}"], BAD_INPUT)
    console.print(f"[green]ok[/] {path}: no problems")


@scenario_app.command("world-variant")
def world_variant(
    name: Annotated[str, typer.Argument(help="Scenario name, or a bundle folder or zip.")] = "chongqing",
    out: Annotated[str | None, typer.Option(help="Folder to write; default: ./<name>-world")] = None,
    patch: PatchOption = None,
) -> None:
    """Write a variant of a scenario whose road, rail and sea legs follow the real world networks.

    Needs the world extra (scgraph_data, searoute). The first run builds and caches the world hierarchies
    (about a minute for the roads). Links where the world data has a gap keep their assumed distance, and
    their source says so. With --patch, of the patched scenario.

    Example:  intermodal scenario world-variant chongqing --patch 2026 --out cq2026-world
    """
    from intermodal.io._atomic import check_target
    from intermodal.io.bundle_writer import write_bundle
    from intermodal.model import Mode
    from intermodal.planners.world import follow_world
    from intermodal.services.world import open_world

    with user_errors():
        bundle = open_scenario(name, patch)
        target = Path(out or f"{bundle.name}-world")
        check_target(target, folder=True)  # before a minute of routing on the world networks
    layers = {Mode.ROAD: "road", Mode.RAIL: "rail", Mode.SEA: "sea"}
    wanted = {link.mode for link in bundle.links} & set(layers)
    with console.status("opening the world networks (the first run builds their caches)"):
        routers = {mode: open_world(layers[mode]) for mode in wanted}  # type: ignore[arg-type]
    variant, report = follow_world(
        bundle,
        routers,
        name=f"{bundle.name}-world",
        attribution={m: WORLD_ATTRIBUTION[m.value] for m in wanted},
    )
    with user_errors():
        folder = write_bundle(variant, target)
    table = Table("link", "layer", "assumed km", "world km", "snap km", "note", header_style="bold")
    for r in report:
        world = f"{r.new_km:,.1f}" if r.new_km else "-"
        snap = f"{r.snap_km[0]:.1f} + {r.snap_km[1]:.1f}" if r.new_km else ""
        table.add_row(r.link_id, r.layer, f"{r.old_km:,.1f}", world, snap, r.note)
    console.print(table)
    console.print(f"[green]wrote[/] {folder}")
