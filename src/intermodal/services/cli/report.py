"""``intermodal report`` and ``intermodal demo-data``: throughput from the ledger, and a demo history."""

from __future__ import annotations

import csv
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import TYPE_CHECKING, Annotated, Any, Literal, cast

import typer
from rich.table import Table

from intermodal.exceptions import InputError
from intermodal.services.cli._output import choice, console, err_console, print_json, user_errors

if TYPE_CHECKING:
    from intermodal.ledger import Ledger, Line, Throughput, ThroughputReport

#: the ledger's environment variable (intermodal.ledger.ENV_URL, not imported here to keep startup fast)
ENV_URL = "INTERMODAL_LEDGER_URL"

DB_HELP = (
    "Ledger database: a postgresql:// or sqlite:/// URL, or a SQLite file in an existing folder. "
    "Default: the user's data dir."
)
DbOption = Annotated[str | None, typer.Option("--db", envvar=ENV_URL, help=DB_HELP)]


def db_field(db: str | None) -> str:
    """How the user gave the ledger database: ``--db``, or the environment variable behind it."""
    # typer fills --db from the variable when the option is not given; the same text means that source
    return ENV_URL if db is not None and db == os.environ.get(ENV_URL) else "--db"


def open_db(db: str | None, *, create: bool = True) -> Ledger:
    """The ledger named by ``--db`` (or its environment variable); a bad value is an error naming it.

    Commands that only read pass ``create=False``: a report on a mistyped file name is an error, not zeros.
    """
    from intermodal.ledger import open_ledger

    return open_ledger(db, field=db_field(db), create=create)


def output_path(path: str | os.PathLike[str], option: str) -> None:
    """Check, before any work, that a file can go at ``path``: its folder must exist (it is never made)."""
    from intermodal.ledger._files import output_file

    output_file(path, field=option)


@contextmanager
def named_as(names: dict[str, str]) -> Iterator[None]:
    """Name the library's fields (``currency``) as the command's options (``--currency``) in its errors."""
    try:
        yield
    except InputError as error:
        error.problems = [replace(p, field=names[p.field]) if p.field in names else p for p in error.problems]
        raise


def register(app: typer.Typer) -> None:
    app.command("report")(report)
    app.command("demo-data")(demo_data)


def scenario_lines(
    scenario: str, *, shuttle_only: bool = False, patches: Sequence[str] | None = None
) -> list[Line]:
    """The scenario's scheduled services (with ``patches`` applied) as ledger lines, each in its first
    terminal's zone."""
    from intermodal.ledger import line_from_service
    from intermodal.services.cli._scenario import open_scenario

    bundle = open_scenario(scenario, patches)
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
    currency: Annotated[
        str, typer.Option(help="Sum values in this ISO 4217 code: CNY or one the ledger's bookings use.")
    ] = "CNY",
    db: DbOption = None,
) -> None:
    """Trips, TEU, tonnes, cargo value and load factor for a period, with year-over-year and
    period-over-period growth. Every number is computed from the ledger."""
    choice(format, ["table", "json", "csv"], "--format")
    if by is not None:
        choice(by, ["line", "month"], "--by")
    from intermodal.ledger import parse_period, plot_report, throughput_report

    options = {"period": "--period", "line": "--line", "currency": "--currency", "chart": "--chart"}
    with user_errors(), named_as(options):
        if chart:
            output_path(chart, "--chart")
        parse_period(period)  # a bad period is named before the ledger is opened
        with open_db(db, create=False) as ledger:
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
    patch: Annotated[
        list[str] | None,
        typer.Option("--patch", help="Apply a patch to the scenario (docs/patches.md); repeat for more."),
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same rows.")] = 2020,
    events: Annotated[bool, typer.Option(help="Also record each container's events.")] = True,
    reset: Annotated[bool, typer.Option(help="Delete every departure, booking and event first.")] = False,
) -> None:
    """Fill the ledger with a synthetic 2019-2020 history of the Chongqing-ASEAN highway shuttle, calibrated
    so that `intermodal report --period 2020Q1` gives the published figures (403 trips, 806 TEU, about
    6,900 t and 167 million CNY; about +118 % / +286 % / +91 % year on year). See docs/ledger.md."""
    from intermodal.ledger import CHONGQING_SHUTTLE_LINES, load_demo

    # a scenario that does not exist or does not load is bad input, named with the ones that exist
    with user_errors(), named_as({"scenario": "--scenario", "patch": "--patch"}):
        try:
            lines = scenario_lines(scenario, shuttle_only=True, patches=patch)
        except ImportError as error:  # an install without the network's dependencies still gets a demo
            err_console.print(
                f"[yellow]note:[/] scenario {scenario!r} not loaded ({error}); using built-in lines"
            )
            lines = list(CHONGQING_SHUTTLE_LINES)
    with user_errors(), open_db(db) as ledger:
        summary = load_demo(ledger, lines, seed=seed, with_events=events, reset=reset)
        url = ledger.url
    console.print(
        f"demo history written to {url}: {summary.departures:,} departures, {summary.bookings:,} bookings, "
        f"{summary.events:,} events on {summary.lines} services (seed {summary.seed}). "
        "Synthetic, calibrated to published totals. Try: intermodal report --period 2020Q1 --by line",
        highlight=False,
    )
