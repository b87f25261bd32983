"""``intermodal skim``, ``intermodal assign`` and ``intermodal demo-demand``: zones, skims and mode choice."""

from __future__ import annotations

import math
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from intermodal.services.cli._output import (
    BAD_INPUT,
    choice,
    console,
    err_console,
    fail,
    print_json,
    user_errors,
)
from intermodal.services.cli._scenario import PatchOption, open_scenario

FORMATS = ["table", "json"]
METHODS = ["logit", "aon", "lp"]
#: the demo's files, shipped with the package
DEMO = Path(__file__).resolve().parents[2] / "data" / "demand" / "chongqing"  # io.demand.DEMO_FOLDER
DEMO_FILES = ("zones.csv", "demand.csv", "demand-2026.csv", "choice.toml", "observed_shares.csv")
#: how a skim's cells are chosen, written into its OMX file
RULE = "least value of each metric over the pair's Pareto options in the window (docs/skims.md)"
#: the Parquet tables ``assign --out`` writes
RESULT_TABLES = ("links", "services", "departures", "pairs", "modes")
#: a skim with more zones than this prints a summary, not its matrices
_PRINT_ZONES = 12


def register(app: typer.Typer) -> None:
    app.command(name="skim")(skim)
    app.command(name="assign")(assign)
    app.command(name="demo-demand")(demo_demand)


def parse_window(text: str) -> float:
    """``7d``, ``36h`` or a number of days, at most 60."""
    from intermodal.services.cli._output import days

    return days(text, "window", "a window")


def parse_ready(text: str | None, field: str = "ready") -> datetime | None:
    from intermodal.exceptions import InputError, Problem
    from intermodal.model.bounds import time_problem

    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError(
            Problem(
                "not a time",
                field=field,
                found=text[:80],
                expected="ISO 8601, such as 2020-04-06T00:00+08:00",
            )
        ) from None
    if (problem := time_problem(moment, field=field)) is not None:
        raise InputError(problem)
    return moment


def period_start(cells: Any, start: datetime | None) -> datetime:
    """``start`` (``--ready``), or the first day of the demand's one period."""
    from intermodal.exceptions import InputError, Problem

    if start is not None:
        return start
    periods = {c.period for c in cells}
    if len(periods) != 1 or None in periods:
        raise InputError(
            Problem(
                "the demand has no single period",
                field="ready",
                found=", ".join(sorted(str(p) for p in periods))[:200],
                expected="--ready, or one period in the demand file",
            )
        )
    (period,) = periods
    return datetime(period.year, period.month, period.day)


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int, int], None]]:
    with Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=not sys.stderr.isatty(),
    ) as bar:
        task = bar.add_task(label, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


def skim(
    zones: Annotated[Path, typer.Option(help="Zones: a CSV of id, name, terminal, lat, lon, source.")],
    scenario: Annotated[
        str, typer.Option(help="An embedded scenario, or a bundle folder or zip.")
    ] = "chongqing",
    patch: PatchOption = None,
    window: Annotated[str, typer.Option(help="Cargo ready at any time in this window: 7d, 36h, ...")] = "7d",
    metrics: Annotated[
        str, typer.Option(help="Comma-separated: time, cost, co2e, distance, transfers.")
    ] = "time,cost,co2e",
    ready: Annotated[
        str | None,
        typer.Option(help="Start of the window, ISO 8601; default now (a zone-less time: the origin's)."),
    ] = None,
    teu: Annotated[float, typer.Option(help="TEU of the shipment each cell is for.")] = 1.0,
    cargo: Annotated[str, typer.Option(help="general, reefer, or dg:CLASS.")] = "general",
    out: Annotated[
        Path | None, typer.Option(help="Folder to write skim.omx and skim.parquet to (made if missing).")
    ] = None,
    executor: Annotated[
        str, typer.Option(help="local (this process) | ray (a Ray cluster: one task per origin).")
    ] = "local",
    address: Annotated[
        str | None, typer.Option(help="The Ray cluster's HOST:PORT (default: RAY_ADDRESS, else a local Ray).")
    ] = None,
    format: Annotated[str, typer.Option("--format", help="table | json.")] = "table",
) -> None:
    """Zone-to-zone matrices of the best time, cost, CO2e, distance and transfers over a window.

    Each cell is the least value of its metric over the Pareto options that `intermodal route --range`
    finds for the pair (a zone to itself is 0, a pair without a route is empty: NaN in the files).
    docs/skims.md has the rule and the formats; OMX files open in any OMX reader.

    Zones to try: intermodal demo-demand --out demo

    Example:  intermodal skim --zones demo/zones.csv --ready 2020-04-06T00:00 --window 7d --out demo/skim

    On a Ray cluster, one task per origin:  ... --executor ray --address HEAD:6379
    """
    choice(format, FORMATS, "--format")
    with user_errors():
        from intermodal.io.demand import read_zones
        from intermodal.planners._executor import make_executor
        from intermodal.planners.shipments import make_shipment
        from intermodal.planners.skims import skim as make_skim

        days = parse_window(window)
        start = parse_ready(ready)
        bundle = open_scenario(scenario, patch)
        zone_list = read_zones(zones, bundle)
        wanted = [m.strip() for m in metrics.split(",") if m.strip()]
        shipment = make_shipment(bundle, teu=teu, cargo=cargo, ready=start)
        if out is not None:
            from intermodal.io.matrices import check_outputs

            check_outputs(out, ["skim.omx", "skim.parquet"])
        runner = make_executor(executor, address)
        with progress_bar("skimming origins") as progress:
            result = make_skim(
                bundle,
                zone_list,
                shipment,
                window_days=days,
                metrics=wanted,
                progress=progress,
                executor=runner,
            )
        written: list[str] = []
        if out is not None:
            from intermodal.io.matrices import write_skim

            attrs = {
                "scenario": result.scenario,
                "start": result.start.isoformat(),
                "window_days": f"{result.window_days:g}",
                "cargo": result.cargo,
                "teu": f"{result.teu:g}",
                "rule": RULE,
            }
            written = [
                str(p)
                for p in write_skim(
                    out,
                    [z.id for z in zone_list],
                    [z.name for z in zone_list],
                    result.values,
                    result.units(),
                    attrs,
                )
            ]
    doc = _skim_doc(result, written)
    if format == "json":
        print_json(doc)
    else:
        _skim_table(result, written)


def _skim_doc(result: Any, written: list[str]) -> dict[str, Any]:
    def cell(v: float) -> float | None:
        return None if math.isnan(v) else round(float(v), 3)

    return {
        "scenario": result.scenario,
        "start": result.start.isoformat(),
        "window_days": result.window_days,
        "cargo": result.cargo,
        "teu": result.teu,
        "zones": [{"id": z.id, "name": z.name, "place": z.place} for z in result.zones],
        "units": result.units(),
        "matrices": {m: [[cell(v) for v in row] for row in result.values[m]] for m in result.metrics},
        "missing_pairs": result.missing,
        "files": written,
        "notes": list(result.notes),
    }


def _skim_table(result: Any, written: list[str]) -> None:
    units = result.units()
    zones = result.zones
    if len(zones) <= _PRINT_ZONES:
        for m in result.metrics:
            table = Table(
                title=f"{m} ({units[m]}), {result.cargo}, {result.teu:g} TEU, window {result.window_days:g} d"
            )
            table.add_column("from \\ to")
            for z in zones:
                table.add_column(z.name, justify="right")
            for i, z in enumerate(zones):
                table.add_row(z.name, *("–" if math.isnan(v) else f"{v:,.1f}" for v in result.values[m][i]))
            console.print(table)
    else:
        table = Table(title=f"{len(zones)} zones, window {result.window_days:g} d")
        for name in ("metric", "unit", "min", "median", "max", "missing"):
            table.add_column(name, justify="right" if name not in ("metric", "unit") else "left")
        import numpy as np

        for m in result.metrics:
            v = result.values[m]
            off = v[~np.eye(len(zones), dtype=bool)]
            ok = off[~np.isnan(off)]
            stats = (
                (f"{np.min(ok):,.1f}", f"{np.median(ok):,.1f}", f"{np.max(ok):,.1f}")
                if ok.size
                else ("–",) * 3
            )
            table.add_row(m, units[m], *stats, f"{int(np.isnan(off).sum()):,}")
        console.print(table)
    for note in result.notes:
        console.print(f"note: {note}", highlight=False)
    for path in written:
        console.print(f"wrote {path}", highlight=False)


def assign(
    demand: Annotated[Path, typer.Option(help="Demand: a .csv, .parquet or .omx file (docs/skims.md).")],
    zones: Annotated[Path, typer.Option(help="Zones: a CSV of id, name, terminal, lat, lon, source.")],
    scenario: Annotated[
        str, typer.Option(help="An embedded scenario, or a bundle folder or zip.")
    ] = "chongqing",
    patch: PatchOption = None,
    params: Annotated[
        Path | None,
        typer.Option(help="Choice parameters (TOML, \\[choice]); default the demo's choice.toml."),
    ] = None,
    method: Annotated[
        str, typer.Option(help="logit | aon (all or nothing) | lp (least total cost, exact; small demand).")
    ] = "logit",
    window: Annotated[str, typer.Option(help="The demand's period: cargo ready over 7d, 36h, ...")] = "7d",
    ready: Annotated[
        str | None, typer.Option(help="Start of the period, ISO 8601; default the demand's period column.")
    ] = None,
    capacity: Annotated[
        bool, typer.Option(help="Hold every departure to its room (--no-capacity: unlimited).")
    ] = True,
    calibrate: Annotated[
        Path | None,
        typer.Option(help="Fit the logit's mode constants to these shares first (CSV mode, share, source)."),
    ] = None,
    calibrate_db: Annotated[
        str | None,
        typer.Option(help="... or to the TEU a ledger's bookings carried by mode (with --calibrate-period)."),
    ] = None,
    calibrate_period: Annotated[str, typer.Option(help="The ledger period to calibrate to.")] = "2020Q1",
    out: Annotated[
        Path | None,
        typer.Option(
            help="Folder for flows.geojson, summary.json, charts.svg and Parquet tables (made if missing)."
        ),
    ] = None,
    format: Annotated[str, typer.Option("--format", help="table | json.")] = "table",
) -> None:
    """Assign zone-to-zone demand to routes and modes, within the room of every departure.

    Generalized cost = cost + value of time x hours + carbon price x CO2e, over each pair's Pareto options in
    the window; a logit (or all or nothing) shares the demand, and an iterative method moves the overflow of
    full departures to the next best options, reporting its convergence gap; or, for small demand, --method
    lp solves the least total cost within every departure's room exactly (HiGHS). The answer: mode split,
    t-km and CO2e by mode, loads per departure, demand not carried, flows per link (GeoJSON with --out).

    Demand to try: intermodal demo-demand --out demo

    Example:  intermodal assign --demand demo/demand.csv --zones demo/zones.csv --out demo/assigned
    """
    choice(format, FORMATS, "--format")
    choice(method, METHODS, "--method")
    if calibrate is not None and calibrate_db is not None:
        fail(["[--calibrate]: give --calibrate or --calibrate-db, not both"], BAD_INPUT)
    if (calibrate is not None or calibrate_db is not None) and method != "logit":
        fail(["[--method]: calibration fits the logit's constants: use --method logit"], BAD_INPUT)
    with user_errors():
        from intermodal.io.demand import read_choice_params, read_demand, read_mode_shares, read_zones
        from intermodal.planners import assignment as a

        days = parse_window(window)
        start = parse_ready(ready)
        bundle = open_scenario(scenario, patch)
        zone_list = read_zones(zones, bundle)
        cells = read_demand(demand, zone_list, bundle)
        choice_params = read_choice_params(params or DEMO / "choice.toml")
        start = period_start(cells, start)
        observed = None
        if calibrate is not None:
            observed = read_mode_shares(calibrate)
        elif calibrate_db is not None:
            observed = _ledger_shares(calibrate_db, calibrate_period, bundle)
        if out is not None:
            from intermodal.io.matrices import check_outputs

            check_outputs(
                out, [*(f"{n}.parquet" for n in RESULT_TABLES), "flows.geojson", "summary.json", "charts.svg"]
            )
        with progress_bar("searching options") as progress:
            pairs = a.pair_options(bundle, zone_list, cells, start=start, window_days=days, progress=progress)
        calibration = None
        if observed is not None:
            calibration = a.calibrate(bundle, pairs, choice_params, observed, capacity=capacity)
            choice_params = calibration.params
        result = a.assign(bundle, pairs, choice_params, method=method, capacity=capacity)
        doc = result.to_dict()
        doc["scenario"] = bundle.name
        doc["start"] = start.isoformat()
        doc["window_days"] = days
        if calibration is not None:
            doc["calibration"] = {
                "observed": calibration.observed,
                "before": {k: round(v, 6) for k, v in calibration.before.items()},
                "after": {k: round(v, 6) for k, v in calibration.after.items()},
                "rounds": calibration.rounds,
                "asc": calibration.params.asc,
            }
        written: list[str] = []
        if out is not None:
            from intermodal.io.matrices import write_results

            tables = {
                "links": [{k: v for k, v in r.items() if k != "geometry"} for r in result.links()],
                "services": result.services(),
                "departures": result.departure_rows(),
                "pairs": [{**r, "by_mode": str(r["by_mode"])} for r in result.pair_rows()],
                "modes": [
                    {"mode": m, **row, "teu": result.mode_split().get(m, 0.0)}
                    for m, row in result.by_mode().items()
                ],
            }
            written = [
                str(p)
                for p in write_results(
                    out,
                    tables,
                    {
                        "flows.geojson": result.geojson(),
                        "summary.json": doc,
                        "charts.svg": _assign_charts(doc),
                    },
                )
            ]
        doc["files"] = written
    if format == "json":
        print_json(doc)
    else:
        _assign_table(doc)


def _assign_charts(doc: dict[str, Any]) -> str:
    """The mode split, t-km and CO2e by leg mode of an assignment, as one SVG of three bar charts."""
    import io

    import matplotlib
    from matplotlib.figure import Figure  # not pyplot: no display, no global state
    from matplotlib.ticker import StrMethodFormatter

    split = doc["mode_split"]
    by_mode = doc["by_mode"]
    panels = [
        ("mode split, % of the demand (TEU)", {m: 100 * r["share"] for m, r in split.items()}),
        ("t-km by leg mode", {m: r["tkm"] for m, r in by_mode.items() if m != "handling"}),
        ("CO2e by leg mode, t WTW", {m: r["co2e_kg"] / 1000 for m, r in by_mode.items()}),
    ]
    fig = Figure(figsize=(12, 4), layout="constrained")
    for ax, (title, values) in zip(fig.subplots(1, 3), panels, strict=True):
        names = sorted(values)
        bars = ax.barh(names, [values[n] for n in names], color="#2f6f9f")
        ax.bar_label(bars, labels=[f"{values[n]:,.1f}" for n in names], padding=2, fontsize=8)
        ax.set_title(title, fontsize=10)
        ax.invert_yaxis()
        ax.margins(x=0.25)
        ax.locator_params(axis="x", nbins=4)
        ax.xaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    fig.suptitle(
        f"{doc['scenario']}, {doc['method']}: {doc['demand_teu']:,.1f} TEU from {doc['start'][:10]} "
        f"over {doc['window_days']:g} d, {doc['not_carried_teu']:,.2f} not carried",
        fontsize=11,
    )
    out = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):  # text stays text: searchable, small
        fig.savefig(out, format="svg", metadata={"Date": None})
    return out.getvalue()


def _ledger_shares(db: str, period: str, bundle: Any) -> dict[str, float]:
    """TEU by mode of the lines a ledger's bookings rode in ``period`` (each line counts for its mode)."""
    from intermodal.exceptions import InputError, Problem
    from intermodal.ledger.reports import throughput_report
    from intermodal.services.cli.report import open_db

    mode_of: dict[str, str] = {}
    for s in bundle.services:
        mode_of.setdefault(s.line or s.id, s.mode.value)
        mode_of[s.id] = s.mode.value
    with open_db(db, create=False) as ledger:
        report = throughput_report(ledger, period, by="line")
    shares: dict[str, float] = {}
    for row in report.rows:
        mode = mode_of.get(row.key)
        if mode is None:
            continue
        shares[mode] = shares.get(mode, 0.0) + float(row.current.teu)
    if sum(shares.values()) <= 0:
        raise InputError(
            Problem(
                "the ledger has no bookings on the scenario's lines in the period",
                field="calibrate-db",
                found=period,
            )
        )
    total = sum(shares.values())
    return {m: v / total for m, v in shares.items()}


def _assign_table(doc: dict[str, Any]) -> None:
    cur = doc["currency"]
    head = (
        f"{doc['scenario']} · {doc['method']} · {doc['demand_teu']:,.1f} TEU from {doc['start'][:16]} over "
        f"{doc['window_days']:g} d · carried {doc['carried_teu']:,.1f} · "
        f"not carried {doc['not_carried_teu']:,.2f}"
    )
    console.print(head, highlight=False)
    split = Table(title="mode split")
    for name in ("mode class", "TEU", "share"):
        split.add_column(name, justify="left" if name == "mode class" else "right")
    for m, row in doc["mode_split"].items():
        if row["teu"] > 1e-6:
            split.add_row(m, f"{row['teu']:,.2f}", f"{100 * row['share']:.1f} %")
    console.print(split)
    modes = Table(title="by leg mode")
    for name in ("mode", "t-km", "TEU-km", "CO2e kg WTW"):
        modes.add_column(name, justify="left" if name == "mode" else "right")
    for m, row in doc["by_mode"].items():
        modes.add_row(m, f"{row['tkm']:,.0f}", f"{row['teu_km']:,.0f}", f"{row['co2e_kg']:,.0f}")
    console.print(modes)
    full = [d for d in doc["departures"] if d["load_factor"] is not None and d["load_factor"] >= 0.999]
    busiest = sorted(doc["departures"], key=lambda d: -(d["load_factor"] or 0))[:8]
    deps = Table(title=f"busiest departures ({len(full)} full of {len(doc['departures'])} used)")
    for name in ("departure", "load TEU", "capacity", "load factor", f"room price {cur}/TEU"):
        deps.add_column(name, justify="left" if name == "departure" else "right")
    for d in busiest:
        deps.add_row(
            d["departure"],
            f"{d['load_teu']:,.2f}",
            f"{d['capacity_teu']:,.0f}",
            f"{100 * (d['load_factor'] or 0):.0f} %",
            f"{d['room_price']:,.0f}",
        )
    console.print(deps)
    console.print(f"converged: {doc['iterations']} iterations, gap {doc['gap']:.2e}", highlight=False)
    if "calibration" in doc:
        c = doc["calibration"]
        console.print(
            f"calibrated in {c['rounds']} rounds: shares {_shares_text(c['observed'])} observed, "
            f"{_shares_text(c['after'])} assigned; constants "
            + ", ".join(f"{m} {v:+.3f}" for m, v in c["asc"].items()),
            highlight=False,
        )
    for note in doc["notes"]:
        console.print(f"note: {note}", highlight=False)
    for path in doc["files"]:
        console.print(f"wrote {path}", highlight=False)


def _shares_text(shares: dict[str, float]) -> str:
    return ", ".join(
        f"{m} {100 * v:.1f} %" for m, v in sorted(shares.items(), key=lambda kv: -kv[1]) if v >= 5e-4
    )


def demo_demand(
    out: Annotated[
        Path, typer.Option(help="Folder to copy the demo's zones, demand and parameters to.")
    ] = Path("demo-demand"),
) -> None:
    """Copy the Chongqing demo zones, weekly demand, choice parameters and observed mode shares to a folder.

    The demand is a week of the seed's 2020Q1 shuttle volume (806 TEU / 13 weeks) from Nanpeng, split by
    line and cargo class as the demo ledger assumes; each row says where its number comes from.

    Example:  intermodal demo-demand --out demo
    """
    with user_errors():
        from intermodal.io.matrices import check_outputs

        check_outputs(out, DEMO_FILES)
        out.mkdir(parents=True, exist_ok=True)
        for name in DEMO_FILES:
            shutil.copyfile(DEMO / name, out / name)
    for name in DEMO_FILES:
        console.print(f"wrote {out / name}", highlight=False)
