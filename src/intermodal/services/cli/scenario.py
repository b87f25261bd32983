"""``intermodal scenario``: list, show and validate network bundles."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from intermodal.services.cli._output import BAD_INPUT, choice, console, fail, print_json, user_errors

scenario_app = typer.Typer(help="List, show and validate network bundles (scenarios).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(scenario_app, name="scenario")


@scenario_app.command("list")
def list_() -> None:
    """The embedded scenarios."""
    from intermodal.io import list_scenarios, load_scenario

    table = Table("name", "title", "terminals", "links", "services", header_style="bold")
    for name in list_scenarios():
        with user_errors():
            b = load_scenario(name)
        table.add_row(
            name,
            f"{b.manifest.title_en}\n{b.manifest.title_zh}",
            str(len(b.terminals)),
            str(len(b.links)),
            str(len(b.services)),
        )
    console.print(table)


@scenario_app.command("show")
def show(
    name: Annotated[str, typer.Argument(help="Scenario name, or a bundle folder or zip.")] = "chongqing",
    format: Annotated[str, typer.Option("--format", help="table | json")] = "table",
) -> None:
    """Terminals and services of a scenario."""
    choice(format, ["table", "json"], "--format")
    from intermodal.io import load_scenario

    with user_errors():
        b = load_scenario(name)
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
        fail([str(p) for p in problems] + [f"{len(problems)} problem(s) in {path}"], BAD_INPUT)
    console.print(f"[green]ok[/] {path}: no problems")
