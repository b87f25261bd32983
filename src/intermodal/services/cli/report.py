"""``intermodal report`` and ``intermodal demo-data``: throughput from the ledger, and a demo history."""

from __future__ import annotations

import csv
import sys
from typing import TYPE_CHECKING, Annotated, Any, Literal, cast

import typer
from rich.table import Table

from intermodal.services.cli._output import choice, console, err_console, print_json, user_errors

if TYPE_CHECKING:
    from intermodal.ledger import Line, Throughput, ThroughputReport

DB_HELP = (
    "Ledger database: a postgresql:// or sqlite:/// URL, or a SQLite file. Default: the user's data dir."
)
DbOption = Annotated[str | None, typer.Option("--db", envvar="INTERMODAL_LEDGER_URL", help=DB_HELP)]


def register(app: typer.Typer) -> None:
    app.command("report")(report)
    app.command("demo-data")(demo_data)


def scenario_lines(scenario: str, *, shuttle_only: bool = False) -> list[Line]:
    """The scenario's scheduled services as ledger lines, each in its first terminal's zone."""
    from intermodal.io import load_scenario
    from intermodal.ledger import line_from_service

    bundle = load_scenario(scenario)
    lines = []
    for service in bundle.services:
        if shuttle_only and not (service.line or service.id).startswith("shuttle-"):
            continue
        terminal = bundle.terminals.get(service.stops[0].terminal_id)
        lines.append(line_from_service(service, zone=getattr(terminal, "timezone", None)))
    return lines


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:+.1%}"


def _cell(current: Any, yoy: float | None, pop: float | None, fmt: str) -> str:
    return f"{format(current, fmt)}\n[dim]{_pct(yoy)}\n{_pct(pop)}[/]"


def _print_table(report: ThroughputReport, url: str) -> None:
    p = report.period
    scope = report.line or "all lines"
    console.print(
        f"[bold]Throughput {p.label}[/] ({p.start} to {p.end} exclusive), {scope}; y/y against "
        f"{p.year_ago().label}, p/p against {p.previous().label}. Computed from the ledger at {url}.",
        highlight=False,
    )
    table = Table(header_style="bold", show_lines=True)
    for name, justify in [
        ("line" if report.by == "line" else "month" if report.by == "month" else "", "left"),
        ("", "left"),
        ("trips", "right"),
        ("TEU", "right"),
        ("tonnes", "right"),
        (f"value (M {report.currency})", "right"),
        ("load", "right"),
    ]:
        table.add_column(name, justify=justify, no_wrap=not name)  # type: ignore[arg-type]
    table.columns[0].no_wrap = True
    what = f"{p.label}\n[dim]y/y\np/p[/]"
    for row in (*report.rows, report.total):
        c: Throughput = row.current
        y, q = row.year_growth, row.period_growth
        label = "[bold]total[/]" if row.key == "total" else row.key
        table.add_row(
            label,
            what,
            _cell(c.trips, y["trips"], q["trips"], ","),
            _cell(float(c.teu), y["teu"], q["teu"], ",.0f"),
            _cell(float(c.tonnes), y["tonnes"], q["tonnes"], ",.1f"),
            _cell(float(c.value) / 1e6, y["value"], q["value"], ",.1f"),
            "–" if c.load_factor is None else f"{c.load_factor:.0%}",
        )
    console.print(table)
    for note in report.notes:
        console.print(f"[yellow]note:[/] {note}", highlight=False)


def report(
    period: Annotated[str, typer.Option(help="2020Q1, 2020-03, 2020H1 or 2020.")],
    line: Annotated[str | None, typer.Option(help="Only this line (shuttle-east) or one service.")] = None,
    by: Annotated[str | None, typer.Option(help="Rows by line | month; default: the total only.")] = None,
    format: Annotated[str, typer.Option("--format", help="table | json | csv.")] = "table",
    chart: Annotated[str | None, typer.Option(help="Also draw the report to this .png or .svg file.")] = None,
    currency: Annotated[str, typer.Option(help="The currency whose cargo values are summed.")] = "CNY",
    db: DbOption = None,
) -> None:
    """Trips, TEU, tonnes, cargo value and load factor for a period, with year-over-year and
    period-over-period growth. Every number is computed from the ledger."""
    choice(format, ["table", "json", "csv"], "--format")
    if by is not None:
        choice(by, ["line", "month"], "--by")
    from intermodal.ledger import open_ledger, plot_report, throughput_report

    with user_errors(), open_ledger(db) as ledger:
        grouping = cast(Literal["line", "month"] | None, by)
        result = throughput_report(ledger, period, line=line, by=grouping, currency=currency)
        url = ledger.url
        if chart:
            written = plot_report(result, chart)
            err_console.print(f"chart written to {written}", highlight=False)
    if format == "json":
        print_json(result.to_dict())
    elif format == "csv":
        records = result.to_records()
        writer = csv.DictWriter(sys.stdout, fieldnames=list(records[0]))
        writer.writeheader()
        writer.writerows(records)
    else:
        _print_table(result, url)


def demo_data(
    db: DbOption = None,
    scenario: Annotated[
        str, typer.Option(help="Scenario whose shuttle services get the trips.")
    ] = "chongqing",
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same rows.")] = 2020,
    events: Annotated[bool, typer.Option(help="Also record each container's events.")] = True,
    reset: Annotated[bool, typer.Option(help="Delete every departure, booking and event first.")] = False,
) -> None:
    """Fill the ledger with a synthetic 2019-2020 history of the Chongqing-ASEAN highway shuttle, calibrated
    so that `intermodal report --period 2020Q1` gives the published figures (403 trips, 806 TEU, about
    6,900 t and 167 million CNY; about +118 % / +286 % / +91 % year on year). See docs/ledger.md."""
    from intermodal.exceptions import IntermodalError
    from intermodal.ledger import CHONGQING_SHUTTLE_LINES, load_demo, open_ledger

    try:
        lines = scenario_lines(scenario, shuttle_only=True)
    except (IntermodalError, ImportError) as error:
        err_console.print(
            f"[yellow]note:[/] scenario {scenario!r} not loaded ({error}); using built-in lines"
        )
        lines = list(CHONGQING_SHUTTLE_LINES)
    with user_errors(), open_ledger(db) as ledger:
        summary = load_demo(ledger, lines, seed=seed, with_events=events, reset=reset)
        url = ledger.url
    console.print(
        f"demo history written to {url}: {summary.departures:,} departures, {summary.bookings:,} bookings, "
        f"{summary.events:,} events on {summary.lines} services (seed {summary.seed}). "
        "Synthetic, calibrated to published totals. Try: intermodal report --period 2020Q1 --by line",
        highlight=False,
    )
