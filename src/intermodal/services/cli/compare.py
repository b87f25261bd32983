"""``intermodal scenario compare`` and ``scenario sweep``: one demand on a base and on patched networks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from intermodal.services.cli._output import choice, console, print_json, user_errors
from intermodal.services.cli.demand import (
    DEMO,
    FORMATS,
    METHODS,
    parse_ready,
    parse_window,
    period_start,
    progress_bar,
)
from intermodal.services.cli.scenario import scenario_app

#: at most this many patched scenarios in one sweep (each is a full assignment)
MAX_SCENARIOS = 1000


def register(app: typer.Typer) -> None:
    scenario_app.command("compare")(compare)
    scenario_app.command("sweep")(sweep)


DemandOption = Annotated[
    Path,
    typer.Option(help="Demand: a .csv, .parquet or .omx file (docs/skims.md); the demo's: demand-2026.csv."),
]
ZonesOption = Annotated[
    Path | None, typer.Option(help="Zones CSV; default zones.csv beside the demand file, else the demo's.")
]
ParamsOption = Annotated[
    Path | None, typer.Option(help="Choice parameters (TOML, \\[choice]); default the demo's choice.toml.")
]
MethodOption = Annotated[
    str, typer.Option(help="logit | aon (all or nothing) | lp (least total cost, exact; small demand).")
]
WindowOption = Annotated[str, typer.Option(help="The demand's period: cargo ready over 7d, 36h, ...")]
ReadyOption = Annotated[
    str | None, typer.Option(help="Start of the period, ISO 8601; default the demand's period column.")
]
CapacityOption = Annotated[
    bool, typer.Option(help="Hold every departure to its room (--no-capacity: unlimited).")
]
ExecutorOption = Annotated[
    str, typer.Option(help="local (this process) | ray (a Ray cluster: one task per scenario).")
]
AddressOption = Annotated[
    str | None, typer.Option(help="The Ray cluster's HOST:PORT (default: RAY_ADDRESS, else a local Ray).")
]
FormatOption = Annotated[str, typer.Option("--format", help="table | json.")]


def _run(
    base: str,
    variants: list[list[str]],
    demand: Path,
    zones: Path | None,
    params: Path | None,
    method: str,
    window: str,
    ready: str | None,
    capacity: bool,
    executor: str,
    address: str | None,
) -> tuple[Any, list[dict[str, Any]]]:
    """The comparison and the zones (id, name, place), inside the caller's ``user_errors``."""
    from intermodal.io.demand import read_choice_params, read_demand, read_zones
    from intermodal.planners._executor import make_executor
    from intermodal.planners.compare import compare as run_compare
    from intermodal.services.cli._scenario import open_scenario

    days = parse_window(window)
    start = parse_ready(ready)
    bundle = open_scenario(base)
    others = [open_scenario(base, patches) for patches in variants]
    if zones is None:
        beside = demand.parent / "zones.csv"
        zones = beside if beside.is_file() else DEMO / "zones.csv"
    zone_list = read_zones(zones, bundle)
    cells = read_demand(demand, zone_list, bundle)
    choice_params = read_choice_params(params or DEMO / "choice.toml")
    start = period_start(cells, start)
    runner = make_executor(executor, address)
    with progress_bar(f"assigning on {len(variants) + 1} scenarios") as progress:
        result = run_compare(
            bundle,
            others,
            zone_list,
            cells,
            choice_params,
            start=start,
            window_days=days,
            method=method,
            capacity=capacity,
            executor=runner,
            progress=progress,
        )
    return result, [{"id": z.id, "name": z.name, "place": z.place} for z in zone_list]


def compare(
    base: Annotated[str, typer.Argument(help="The base: a scenario name, or a bundle folder or zip.")],
    demand: DemandOption,
    patch: Annotated[
        list[str],
        typer.Option(
            "--patch",
            help="A patched scenario to compare with the base: a patch name or .toml file; P+Q applies "
            "both. Repeat for more scenarios.",
        ),
    ],
    zones: ZonesOption = None,
    params: ParamsOption = None,
    method: MethodOption = "logit",
    window: WindowOption = "7d",
    ready: ReadyOption = None,
    capacity: CapacityOption = True,
    geojson: Annotated[
        Path | None,
        typer.Option(help="Write the first scenario's difference layer (GeoJSON, TEU by leg) to this file."),
    ] = None,
    executor: ExecutorOption = "local",
    address: AddressOption = None,
    format: FormatOption = "table",
) -> None:
    """Assign one demand on BASE and on each patched scenario, and show what changes.

    Per pair of zones: the change in door-to-door hours, cost and CO2e per TEU carried, and in TEU by mode
    class; in all: mode shares, TEU on each service, total cost and CO2e, and the demand left behind.
    docs/compare.md has the rules.

    Demand to try: intermodal demo-demand --out demo

    Example:  intermodal scenario compare chongqing --patch 2026 --demand demo/demand-2026.csv
    """
    choice(format, FORMATS, "--format")
    choice(method, METHODS, "--method")
    with user_errors():
        if geojson is not None:
            from intermodal.io._atomic import check_target

            check_target(geojson, folder=False)
        result, zone_rows = _run(
            base,
            [p.split("+") for p in patch],
            demand,
            zones,
            params,
            method,
            window,
            ready,
            capacity,
            executor,
            address,
        )
        written = []
        if geojson is not None:
            from intermodal.io._atomic import staged_file

            with staged_file(geojson) as stage:
                stage.write_text(json.dumps(result.geojson(0)), encoding="utf-8")
            written.append(str(geojson))
    doc = result.to_dict()
    doc["zones"] = zone_rows
    doc["files"] = written
    if format == "json":
        print_json(doc)
        return
    _print(doc)


def sweep(
    base: Annotated[str, typer.Argument(help="The base: a scenario name, or a bundle folder or zip.")],
    patches: Annotated[
        list[str],
        typer.Argument(help="Patch .toml files, folders of them, or names of the base's patches."),
    ],
    demand: DemandOption,
    zones: ZonesOption = None,
    params: ParamsOption = None,
    method: MethodOption = "logit",
    window: WindowOption = "7d",
    ready: ReadyOption = None,
    capacity: CapacityOption = True,
    executor: ExecutorOption = "local",
    address: AddressOption = None,
    format: FormatOption = "table",
) -> None:
    """Compare many patched scenarios with BASE, one task each: in this process or on a Ray cluster.

    Each patch (a file, every .toml in a folder, or a patch the base ships) is one scenario; the table has
    one row per patch: the change in carried TEU, cost, CO2e and rail share against the base.

    Example:  intermodal scenario sweep chongqing my-patches/ --demand demo/demand-2026.csv --executor ray
    """
    choice(format, FORMATS, "--format")
    choice(method, METHODS, "--method")
    with user_errors():
        names = _expand(patches)
        result, zone_rows = _run(
            base,
            [[p] for p in names],
            demand,
            zones,
            params,
            method,
            window,
            ready,
            capacity,
            executor,
            address,
        )
    doc = result.to_dict()
    doc["zones"] = zone_rows
    if format == "json":
        print_json(doc)
        return
    cur = doc["currency"]
    table = Table(title=f"{len(names)} scenarios against {doc['base']['name']} (change against the base)")
    for name in (
        "scenario",
        "pairs changed",
        "carried TEU",
        f"cost {cur}",
        "CO2e t",
        "TEU-hours",
        "rail share",
    ):
        table.add_column(name, justify="left" if name == "scenario" else "right")
    for s in doc["scenarios"]:
        ch = s["totals_change"]
        rail = sum(v["share_change"] for m, v in s["mode_split"].items() if "rail" in m)
        table.add_row(
            s["name"],
            f"{s['pairs_changed']} / {len(s['pairs'])}",
            f"{ch['carried_teu']:+,.2f}",
            f"{ch['cost']:+,.0f}",
            f"{ch['co2e_kg'] / 1000:+,.2f}",
            f"{ch['teu_hours']:+,.0f}",
            f"{100 * rail:+.1f} pt",
        )
    console.print(table)


def _expand(patches: list[str]) -> list[str]:
    """Each argument as patches: a folder's .toml files (sorted), a file, or a name; at most MAX_SCENARIOS."""
    from intermodal.exceptions import InputError, Problem

    out: list[str] = []
    for item in patches:
        path = Path(item)
        out.extend(str(p) for p in sorted(path.glob("*.toml"))) if path.is_dir() else out.append(item)
    if not out or len(out) > MAX_SCENARIOS:
        raise InputError(
            Problem(
                "no patches" if not out else "too many patches",
                field="patches",
                found=str(len(out)),
                expected=f"1 to {MAX_SCENARIOS} patch files",
            )
        )
    return out


def _num(value: float | None, fmt: str) -> str:
    return "–" if value is None else format(value, fmt)


def _print(doc: dict[str, Any]) -> None:
    cur = doc["currency"]
    base = doc["base"]
    zone = {z["id"]: z["name"] for z in doc["zones"]}
    for s in doc["scenarios"]:
        console.print(
            f"[bold]{s['name']}[/] against [bold]{base['name']}[/]: {doc['method']}, cargo ready from "
            f"{doc['start']} over {doc['window_days']:g} d; "
            f"{s['pairs_changed']} of {len(s['pairs'])} pairs change",
            highlight=False,
        )
        totals = Table(title="totals (what is carried)")
        for name in ("", "base", "scenario", "change"):
            totals.add_column(name, justify="left" if not name else "right")
        rows = [
            ("demand TEU", "demand_teu", ",.2f", 1),
            ("carried TEU", "carried_teu", ",.2f", 1),
            ("not carried TEU", "not_carried_teu", ",.2f", 1),
            (f"cost {cur}", "cost", ",.0f", 1),
            ("CO2e t WTW", "co2e_kg", ",.2f", 1000),
            ("door-to-door TEU-hours", "teu_hours", ",.0f", 1),
        ]
        for label, key, fmt, div in rows:
            a, b, c = base["totals"][key], s["totals"][key], s["totals_change"][key]
            totals.add_row(label, format(a / div, fmt), format(b / div, fmt), format(c / div, "+" + fmt))
        each = [(f"{cur} per TEU carried", "cost", ",.0f"), ("kg CO2e per TEU carried", "co2e_kg", ",.0f"),
                ("hours per TEU carried", "time_h", ",.1f")]  # fmt: skip
        for label, key, fmt in each:
            a, b, c = (
                base["per_teu_carried"][key],
                s["per_teu_carried"][key],
                s["per_teu_carried_change"][key],
            )
            totals.add_row(label, _num(a, fmt), _num(b, fmt), _num(c, "+" + fmt))
        console.print(totals)
        split = Table(title="mode share (TEU)")
        for name in ("mode class", "base", "scenario", "change"):
            split.add_column(name, justify="left" if name == "mode class" else "right")
        for m, row in s["mode_split"].items():
            old = base["mode_split"].get(m, {"share": 0.0})["share"]
            if max(old, row["share"]) < 5e-4:
                continue
            split.add_row(
                m, f"{100 * old:.1f} %", f"{100 * row['share']:.1f} %", f"{100 * row['share_change']:+.1f} pt"
            )
        console.print(split)
        pairs = Table(title="per pair: mean per TEU carried (base → scenario)")
        for name in ("from → to", "cargo", "hours", f"cost {cur}", "CO2e kg", "modes changed (TEU)"):
            pairs.add_column(
                name, justify="left" if name in ("from → to", "cargo", "modes changed (TEU)") else "right"
            )
        for p in s["pairs"]:
            t, c, e = p["time_h"], p["cost"], p["co2e_kg"]
            # what rounds to 0.00 TEU is left out of the table (the JSON keeps it)
            modes = ", ".join(f"{m} {v:+.2f}" for m, v in p["by_mode"]["change"].items() if abs(v) >= 0.005)
            pairs.add_row(
                f"{zone[p['origin']]} → {zone[p['destination']]}",
                p["cargo"],
                f"{_num(t['base'], ',.1f')} → {_num(t['scenario'], ',.1f')}",
                f"{_num(c['base'], ',.0f')} → {_num(c['scenario'], ',.0f')}",
                f"{_num(e['base'], ',.0f')} → {_num(e['scenario'], ',.0f')}",
                modes or "–",
            )
        console.print(pairs)
        services = [r for r in s["services"] if r["teu_change"]][:10]
        if services:
            table = Table(title="services whose load changes most (TEU over the window)")
            for name in ("service", "base", "scenario", "change"):
                table.add_column(name, justify="left" if name == "service" else "right")
            for r in services:
                table.add_row(
                    r["service"],
                    f"{r['teu_base']:,.2f}",
                    f"{r['teu_scenario']:,.2f}",
                    f"{r['teu_change']:+,.2f}",
                )
            console.print(table)
        for note in s["notes"]:
            console.print(f"note: {note}", highlight=False)
    for path in doc["files"]:
        console.print(f"wrote {path}", highlight=False)
