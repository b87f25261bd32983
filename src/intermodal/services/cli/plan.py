"""``intermodal plan`` and ``intermodal demo-orders``: a book of orders planned within the room there is."""

from __future__ import annotations

import csv
import io
import sys
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

FORMATS = ["table", "json", "csv"]


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
        float, typer.Option(min=0, help="Price on CO2e per tonne (WTW), in the scenario's currency.")
    ] = 0.0,
    time_limit: Annotated[float, typer.Option(min=1, max=3600, help="Seconds HiGHS may search.")] = 60.0,
    format: Annotated[str, typer.Option("--format", help="table | json | csv.")] = "table",
) -> None:
    """Plan a book of orders on the dated departures, within their room, at the least total cost.

    The objective is cost (with carbon cost at --carbon-price) plus each order's penalty per hour late and
    for not carrying it. A MIP over each order's candidate itineraries (the Pareto options of its ready-to-due
    window) is solved with HiGHS; the answer gives its LP bound and gap, and the first-come, first-served
    baseline (orders in file order, each on its cheapest option with room), which the plan never does worse
    than.

    Example:  intermodal demo-orders --period 2020Q1 > q1.csv && intermodal plan q1.csv
    """
    choice(format, FORMATS, "--format")
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

        bundle = open_scenario(scenario, patch)
        book_of_orders = read_orders(orders, bundle)
        done: list[str] = []
        if db is not None:
            # an order booked by an earlier run of this plan is not planned twice: --book is idempotent
            done = _already_booked(db, book_of_orders)
            book_of_orders = [o for o in book_of_orders if o.id not in done]
        availability = _room(db, book_of_orders) if db is not None and book_of_orders else None
        with Progress(
            TextColumn("searching candidates"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
            disable=not sys.stderr.isatty(),
        ) as bar:
            task = bar.add_task("orders", total=len(book_of_orders))
            made = plan_orders(
                bundle,
                book_of_orders,
                availability=availability,
                carbon_price=carbon_price,
                time_limit_s=time_limit,
                progress=lambda done, _total: bar.update(task, completed=done),
            )
        booked = _book(db, made, bundle, customs or "") if book and db is not None else None
    doc = made.to_dict()
    if booked is not None:
        doc["booked"] = booked
    if done:
        doc["already_booked"] = done
        doc["notes"].append(f"{len(done)} orders were booked by an earlier run and are left as they are")
    if format == "json":
        print_json(doc)
    elif format == "csv":
        sys.stdout.write(_csv(doc))
    else:
        _table(doc)


def _already_booked(db: str, orders: list[Any]) -> list[str]:
    from intermodal.exceptions import LedgerError
    from intermodal.ledger import get_booking
    from intermodal.services.cli.report import open_db

    found = []
    with open_db(db, create=False) as ledger:
        for order in orders:
            try:
                get_booking(ledger, f"plan-{order.id}-0")
            except LedgerError:
                continue
            found.append(order.id)
    return found


def _room(db: str, orders: list[Any]) -> Any:
    import datetime as dt

    from intermodal.ledger.availability import read_availability
    from intermodal.services.cli.report import open_db

    start = min(o.ready for o in orders) - dt.timedelta(days=1)
    end = max(o.due for o in orders) + dt.timedelta(days=8)
    with open_db(db, create=False) as ledger:
        return read_availability(ledger, start=start, end=end)


def _book(db: str, made: Any, bundle: Any, customs: str) -> int:
    """Book every carried order of the plan in one transaction; returns how many bookings it holds."""
    from decimal import Decimal

    from intermodal.ledger import BookingRequest, LegRef, book_many
    from intermodal.services.cli.report import open_db

    requests = []
    for line in made.orders:
        for n, (share, it) in enumerate(line.itineraries):
            teu = Decimal(str(round(share * line.order.teu * 4) / 4))  # the ledger books quarter TEU
            if teu <= 0:
                continue
            requests.append(
                BookingRequest(
                    idempotency_key=f"plan-{line.order.id}-{n}",
                    legs=tuple(LegRef(g.departure, g.from_id, g.to_id) for g in it.legs if g.service),
                    shipper=f"order {line.order.id}",
                    teu=teu,
                    tonnes=Decimal(str(round(share * line.order.tonnes, 3))),
                    value=Decimal(str(round(share * line.order.value, 2))),
                    currency=made.currency,
                    cargo_class=str(line.order.cargo),
                    customs_status=customs,
                )
            )
    with open_db(db) as ledger:
        return len(book_many(ledger, requests, bundle=bundle))


def _csv(doc: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "order",
            "from",
            "to",
            "teu",
            "carried",
            "option",
            "departures",
            "arrive",
            "cost",
            "co2e_kg",
            "late_h",
            "reason",
        ]
    )
    for o in doc["orders"]:
        first = o["options"][0] if o["options"] else {}
        writer.writerow(
            [
                o["order"],
                o["from"],
                o["to"],
                o["teu"],
                o["carried"],
                first.get("summary", ""),
                " ".join(first.get("departures", [])),
                first.get("arrive", ""),
                o["cost"],
                o["co2e_kg"],
                o["late_h"],
                o["reason"] or "",
            ]
        )
    return out.getvalue()


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
    carried = sum(o["carried"] for o in doc["orders"])
    console.print(
        f"objective {doc['objective']:,.0f} {cur} · LP bound {_money(doc['lp_bound'])} · best bound "
        f"{_money(doc['bound'])} · gap {'–' if doc['gap'] is None else format(doc['gap'], '.2%')} · "
        f"{doc['status']}",
        highlight=False,
    )
    console.print(
        f"first come, first served: {doc['baseline_objective']:,.0f} {cur}; the plan saves "
        f"{doc['saving']:,.0f} {cur} · {carried:g} of {len(doc['orders'])} orders carried · "
        f"{len(doc['departures'])} departures used",
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
