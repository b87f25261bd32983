"""``intermodal calibrate``: the network's real times and loads, from the ledger (docs/calibration.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from intermodal.services.cli._output import choice, console, err_console, print_json, user_errors
from intermodal.services.cli._scenario import PatchOption, ScenarioOption, open_scenario
from intermodal.services.cli.report import DbOption, named_as, open_db

FORMATS = ["table", "json"]


def register(app: typer.Typer) -> None:
    app.command(name="calibrate")(calibrate)


def calibrate(
    out: Annotated[
        Path, typer.Argument(help="The calibrated bundle folder to write (new, empty, or a bundle).")
    ],
    period: Annotated[str, typer.Option(help="The departures to fit from: 2019, 2019H1, 2019Q3 or 2019-07.")],
    db: DbOption = None,
    scenario: ScenarioOption = "chongqing",
    patch: PatchOption = None,
    check: Annotated[
        str | None,
        typer.Option(help="A held-out period to score the fit on (Brier score against the timetable's)."),
    ] = None,
    min_n: Annotated[int, typer.Option(min=2, max=1_000_000, help="Fit nothing from fewer samples.")] = 20,
    format: Annotated[str, typer.Option("--format", help="table | json.")] = "table",
) -> None:
    """Fit transit times per service, clearance per crossing, dwell per hub and load factors from the ledger's
    actual (ACT) events of a period, and write the scenario as a calibrated bundle: its times set to the
    measured medians (the patch calibration.toml, kept in the folder), and the measured spreads in
    reliability.csv, whose rows say `measured: ledger 2019, n = ...`. Route on it and each option says
    `p_on_time`, the probability of arriving by --due.

    Example:  intermodal demo-data && intermodal calibrate --period 2019 --check 2020Q1 cq-2019 &&
    intermodal route --scenario cq-2019 --from nanpeng --to hanoi --teu 2 --ready 2020-04-03T08:00+08:00
    --due 2020-04-06T12:00+07:00 --objective reliable
    """
    choice(format, FORMATS, "--format")
    from intermodal.io.reliability import write_calibrated_bundle
    from intermodal.ledger.calibration import calibrate as fit
    from intermodal.ledger.calibration import check_forecasts
    from intermodal.ledger.periods import parse_period
    from intermodal.planners.reliability import timetable_hours

    with user_errors():
        with named_as({"period": "--period"}):
            label = parse_period(period).label
        with named_as({"check": "--check", "period": "--check"}):
            if check is not None:
                parse_period(check)
        bundle = open_scenario(scenario, patch)
        planned = timetable_hours(bundle)
        with open_db(db, create=False) as ledger, named_as({"period": "--period"}):
            measured = fit(ledger, period, crossings=set(bundle.crossings), planned_h=planned, min_n=min_n)
            scores = None
            if check is not None:
                with named_as({"period": "--check"}):
                    scores = check_forecasts(ledger, check, measured.reliability, planned_h=planned)
        name = f"calibrated-{label.lower()}"
        write_calibrated_bundle(scenario, patch or [], measured.reliability, out, name=name)
    rel = measured.reliability
    if format == "json":
        doc: dict[str, Any] = {
            "period": label,
            "out": str(out),
            "trips": measured.trips,
            "events": measured.events,
            "services": {k: _spread(v) for k, v in rel.services.items()},
            "crossings": {k: _spread(v) for k, v in rel.crossings.items()},
            "hubs": {k: _spread(v) for k, v in rel.hubs.items()},
            "load_factors": {
                k: {"mean": v.mean, "n": v.n, "source": v.source} for k, v in rel.load_factors.items()
            },
            "skipped": list(measured.skipped),
            "check": None
            if scores is None
            else {
                "period": check,
                "trips": scores.trips,
                "on_time": scores.on_time,
                "brier_calibrated": scores.calibrated,
                "brier_timetable": scores.timetable,
            },
        }
        print_json(doc)
        return
    table = Table(title=f"Measured from ledger {label}: {measured.trips:,} trips, {measured.events:,} events")
    for column in ("kind", "id", "median h", "planned h", "spread (log sd)", "n"):
        table.add_column(column, justify="left" if column in ("kind", "id") else "right")
    for kind, spreads in (("service", rel.services), ("crossing", rel.crossings), ("hub", rel.hubs)):
        for key, s in spreads.items():
            planned_h = "" if s.planned_h is None else f"{s.planned_h:g}"
            table.add_row(kind, key, f"{s.median_h:.1f}", planned_h, f"{s.sigma:.3f}", f"{s.n:,}")
    for key, lf in rel.load_factors.items():
        table.add_row("load factor", key, f"{lf.mean:.0%}", "", "", f"{lf.n:,}")
    console.print(table)
    for line in measured.skipped:
        err_console.print(f"[yellow]note:[/] not fitted, too few samples or not in the network: {line}")
    if scores is not None:
        console.print(
            f"Held-out {check}: {scores.trips:,} trips, {scores.on_time:.0%} on time; Brier score "
            f"{scores.calibrated:.3f} with the measured spreads against {scores.timetable:.3f} from the "
            "timetable alone (lower is better).",
            highlight=False,
        )
    console.print(
        f"Calibrated bundle written to {out}. Try: intermodal route --scenario {out} --from nanpeng "
        "--to hanoi --teu 2 --ready 2020-04-03T08:00+08:00 --due 2020-04-06T12:00+07:00 --objective reliable",
        highlight=False,
    )


def _spread(s: Any) -> dict[str, Any]:
    return {"median_h": s.median_h, "sigma": s.sigma, "planned_h": s.planned_h, "n": s.n, "source": s.source}
