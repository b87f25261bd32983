"""``intermodal plan`` and ``intermodal demo-orders``: a book of orders planned within the room there is."""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from intermodal.model.bounds import MAX_CARBON_PRICE
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

FORMATS = ["table", "json", "csv", "parquet"]


def register(app: typer.Typer) -> None:
    app.command(name="plan")(plan)
    app.command(name="demo-orders")(demo_orders)


def plan(
    orders: Annotated[
        Path, typer.Argument(help="Orders: a .csv, .json or .parquet file (docs/planning.md).")
    ],
    scenario: Annotated[
        str, typer.Option(help="An embedded scenario, or a bundle folder or zip.")
    ] = "chongqing",
    patch: PatchOption = None,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            envvar="INTERMODAL_LEDGER_URL",
            help="A ledger: the room it has already booked is taken out first.",
        ),
    ] = None,
    book: Annotated[
        bool, typer.Option(help="With --db: book the whole plan in one transaction, all or nothing.")
    ] = False,
    customs: Annotated[
        str | None,
        typer.Option(
            help="With --book: bonded | cleared, the booked cargo's customs status (never assumed)."
        ),
    ] = None,
    carbon_price: Annotated[
        float,
        typer.Option(
            min=0, max=MAX_CARBON_PRICE, help="Price on CO2e per tonne (WTW), in the scenario's currency."
        ),
    ] = 0.0,
    time_limit: Annotated[float, typer.Option(min=1, max=3600, help="Seconds HiGHS may search.")] = 60.0,
    pricing_rounds: Annotated[
        int,
        typer.Option(
            min=0,
            max=200,
            help="Rounds of column generation (new candidates priced by the LP's duals); 0: none.",
        ),
    ] = 20,
    gap: Annotated[
        float, typer.Option(min=0, max=0.5, help="Stop once the gap to the bound is this small (0.01 = 1 %).")
    ] = 1e-4,
    format: Annotated[
        str, typer.Option("--format", help="table | json | csv | parquet (parquet: redirect stdout).")
    ] = "table",
) -> None:
    """Plan a book of orders on the dated departures, within their room, at the least total cost.

    The objective is cost (with carbon cost at --carbon-price) plus each order's penalty per hour late and
    for not carrying it, plus the cost of each trip the hub runs itself (services.csv trip_cost: a truck runs
    only when the plan uses it). A MIP over each order's candidate itineraries (the Pareto options of its
    ready-to-due window, and more priced by the LP's capacity duals: column generation) is solved with HiGHS;
    the answer gives its LP bound, its gap and what it proves, and the first-come,
    first-served baseline (orders in file order, each on its cheapest option with room), which the plan
    never does worse than.

    Example:  intermodal demo-orders --period 2020Q1 > q1.csv && intermodal plan q1.csv --gap 0.01
    """
    choice(format, FORMATS, "--format")
    if format == "parquet" and sys.stdout.isatty():
        fail(["[--format]: parquet is binary: redirect it to a file (> plan.parquet)"], BAD_INPUT)
    if book and db is None:
        fail(["[--book]: needs --db, the ledger to book the plan in"], BAD_INPUT)
    if book and customs not in ("bonded", "cleared"):
        fail(
            [f"[--customs]: with --book, state it (found {customs!r}, expected bonded | cleared)"],
            BAD_INPUT,
        )
    with user_errors():
        from intermodal.io.orders import read_orders
        from intermodal.planners.plan import plan_orders
        from intermodal.services._plans import already_booked, book_plan, room_for
        from intermodal.services.cli.report import open_db

        bundle = open_scenario(scenario, patch)
        book_of_orders = read_orders(orders, bundle)
        done: list[str] = []
        availability = None
        if db is not None:
            with open_db(db, create=False) as ledger:
                # an order booked by an earlier run of this plan is not planned twice: --book is idempotent
                done = already_booked(ledger, book_of_orders)
                book_of_orders = [o for o in book_of_orders if o.id not in done]
                availability = room_for(ledger, book_of_orders) if book_of_orders else None
        with _bars() as bars:
            made = plan_orders(
                bundle,
                book_of_orders,
                availability=availability,
                carbon_price=carbon_price,
                time_limit_s=time_limit,
                gap=gap,
                pricing_rounds=pricing_rounds,
                progress=bars.searched,
                solve_progress=bars.solving,
            )
        booked = None
        if book and db is not None:
            with open_db(db) as ledger:
                booked = book_plan(ledger, made, bundle, customs or "")
    doc = made.to_dict()
    if booked is not None:
        doc["booked"] = booked
    if done:
        doc["already_booked"] = done
        doc["notes"].append(f"{len(done)} orders were booked by an earlier run and are left as they are")
    if format == "json":
        print_json(doc)
    elif format in ("csv", "parquet"):
        _rows_out(doc, format)
    else:
        _table(doc)


class _Bars:
    """Two progress bars on stderr: the candidate searches, then the gap as it closes (column generation's
    rounds, then HiGHS's search)."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.search = progress.add_task("searching candidates", total=None)
        self.solve: Any = None

    def searched(self, done: int, total: int) -> None:
        self.progress.update(self.search, completed=done, total=total)

    def solving(self, now: Any) -> None:
        if self.solve is None:
            self.solve = self.progress.add_task("solving", total=100)
        closed = 0.0 if now.gap is None else 100 * max(0.0, 1.0 - min(now.gap, 1.0))
        if now.phase == "pricing":
            # column generation: first come's answer against the last exact round's bound
            text = f"pricing round {now.rounds}" + ("" if now.gap is None else f": gap {now.gap:.2%}")
        else:
            text = "solving: no answer yet" if now.gap is None else f"solving: gap {now.gap:.2%}"
        self.progress.update(self.solve, completed=closed, description=text)


@contextmanager
def _bars() -> Iterator[_Bars]:
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=not sys.stderr.isatty(),
    ) as progress:
        yield _Bars(progress)


def _rows_out(doc: dict[str, Any], format: str) -> None:
    from intermodal.services._plans import ROW_COLUMNS, plan_rows

    rows = plan_rows(doc)
    if format == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=ROW_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
        sys.stdout.write(out.getvalue())
        return
    import polars as pl

    frame = (
        pl.DataFrame(rows, schema=_parquet_schema(), orient="row")
        if rows
        else pl.DataFrame(schema=_parquet_schema())
    )
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    sys.stdout.flush()
    sys.stdout.buffer.write(buffer.getvalue())
    sys.stdout.buffer.flush()


def _parquet_schema() -> dict[str, Any]:
    import polars as pl

    numbers = {"teu", "carried", "share", "cost", "co2e_kg", "late_h", "first_come_cost"}
    from intermodal.services._plans import ROW_COLUMNS

    return {c: (pl.Float64 if c in numbers else pl.Utf8) for c in ROW_COLUMNS}


def _money(value: float | None) -> str:
    return "– (not reached in the time limit)" if value is None else f"{value:,.0f}"


def _table(doc: dict[str, Any]) -> None:
    cur = doc["currency"]
    table = Table(
        "order", "to", "TEU", "option", "departs", "arrive", "late h", f"cost {cur}", header_style="bold"
    )
    for o in doc["orders"]:
        if not o["options"]:
            table.add_row(
                o["order"], o["to"], f"{o['teu']:g}", "[red]not carried[/]", "", "", "", f"{o['cost']:,.0f}"
            )
            continue
        for k, opt in enumerate(o["options"]):
            share = "" if opt["share"] > 0.999 else f" ({opt['share']:.0%})"
            table.add_row(
                o["order"] if k == 0 else "",
                o["to"] if k == 0 else "",
                f"{o['teu']:g}" if k == 0 else "",
                opt["summary"] + share,
                " ".join(d.split("@")[1][5:16].replace("T", " ") for d in opt["departures"][:1]),
                opt["arrive"][5:16].replace("T", " "),
                f"{o['late_h']:.1f}" if k == 0 and o["late_h"] else "",
                f"{o['cost']:,.0f}" if k == 0 else "",
            )
    console.print(table)
    console.print(
        f"objective {doc['objective']:,.0f} {cur} · LP bound {_money(doc['lp_bound'])} · MIP bound "
        f"{_money(doc['mip_bound'])} · best bound {_money(doc['bound'])} · gap "
        f"{'–' if doc['gap'] is None else format(doc['gap'], '.2%')} · {doc['status']}",
        highlight=False,
    )
    columns = doc.get("column_generation")
    if columns:
        closing = (
            f", {columns['columns_completed']} more to close the gap" if columns["columns_completed"] else ""
        )
        console.print(
            f"column generation: {columns['iterations']} pricing rounds, {columns['columns_added']} columns "
            f"added{closing} · {'converged' if columns['converged'] else 'stopped at its limit'} · "
            f"{columns['seconds']:.1f} s with its searches",
            highlight=False,
        )
    against = Table("", "plan", "first come, first served", header_style="bold")
    plan_t, first_t = doc["totals"] or {}, doc["first_come"] or {}
    for label, key, fmt in (
        (f"objective {cur}", "objective", "{:,.0f}"),
        (f"charges {cur}", "cost", "{:,.0f}"),
        ("CO2e t (WTW)", "co2e_kg", "{:,.1f}"),
        ("hours late", "late_h", "{:,.1f}"),
        ("orders carried", "carried", "{:g}"),
        ("trips run by the hub", "trips", "{:d}"),
    ):
        scale = 1000.0 if key == "co2e_kg" else 1.0
        cells = [
            fmt.format(t[key] / scale) if key != "trips" else fmt.format(t[key]) for t in (plan_t, first_t)
        ]
        against.add_row(label, *cells)
    console.print(against)
    console.print(
        f"first come, first served: {doc['baseline_objective']:,.0f} {cur}; the plan saves "
        f"{doc['saving']:,.0f} {cur} · {len(doc['departures'])} departures used · candidates "
        f"{doc['seconds']['candidates']:.1f} s, solve {doc['seconds']['solve']:.1f} s",
        highlight=False,
    )
    for note in doc["notes"]:
        console.print(f"note: {note}", highlight=False)
    if "booked" in doc:
        console.print(f"booked: {doc['booked']} bookings in one transaction", highlight=False)


def demo_orders(
    period: Annotated[str, typer.Option(help="A quarter of the demo history, 2019Q1 to 2020Q4.")] = "2020Q1",
    seed: Annotated[int, typer.Option(help="The same seed gives the same book.")] = 20200401,
) -> None:
    """Write a demo book of orders (CSV on stdout) that matches the demo ledger's quarter.

    One 2-TEU order per demo trip (403 in 2020Q1, 806 TEU), southbound from Nanpeng to the six shuttle lines'
    far ends, with the demo's shares of general, reefer and dangerous cargo, its tonnes and values.

    Example:  intermodal demo-orders --period 2020Q1 > q1.csv
    """
    from intermodal.ledger.demo import demo_orders as make

    with user_errors():
        book_of_orders = make(period, seed=seed)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "id",
            "from",
            "to",
            "teu",
            "tonnes",
            "cargo",
            "value",
            "ready",
            "due",
            "may_split",
            "penalty_per_hour_late",
            "penalty_not_carried",
        ]
    )
    for o in book_of_orders:
        writer.writerow(
            [
                o.id,
                o.origin,
                o.destination,
                f"{o.teu:g}",
                f"{o.tonnes:g}",
                str(o.cargo),
                f"{o.value:.0f}",
                o.ready.isoformat(),
                o.due.isoformat(),
                "false",
                f"{o.penalty_per_hour_late:g}",
                f"{o.penalty_not_carried:g}",
            ]
        )
    sys.stdout.write(out.getvalue())
