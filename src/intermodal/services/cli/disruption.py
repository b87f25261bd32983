"""``intermodal disruption``: closures, cancellations and delays, the bookings they break, and
``intermodal ledger rebook`` to move a broken booking onto one of its options."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from intermodal.services.cli._output import choice, console, print_json, user_errors
from intermodal.services.cli._scenario import PatchOption, open_scenario
from intermodal.services.cli.report import DbOption, named_as, open_db

disruption_app = typer.Typer(
    help=(
        "Disruptions: a link, terminal or crossing closed for a window, a departure cancelled, a service "
        "delayed. Adding one lists the bookings it breaks, each with its options from where the cargo is; "
        "while it is open every search against the ledger (route --db, quote) respects it.\n\n"
        "Example:  intermodal disruption add crossing youyiguan --from 2020-02-01 --to 2020-03-15"
    ),
    no_args_is_help=True,
)

FormatOption = Annotated[str, typer.Option("--format", help="table | json.")]
ScenarioOption = Annotated[str, typer.Option(help="The scenario the ledger runs: ids and searches.")]
AsOfOption = Annotated[
    str | None,
    typer.Option("--as-of", help="Judge where the cargo is at this instant (ISO 8601; default now)."),
]
_NAMES = {"start": "--from", "end": "--to", "hours": "--hours", "as_of": "--as-of", "option": "--option"}


def register(app: typer.Typer) -> None:
    from intermodal.services.cli.ledger import ledger_app

    app.add_typer(disruption_app, name="disruption")
    ledger_app.command("rebook")(rebook)


def _show_impact(doc: dict[str, Any], as_of: str | None = None) -> None:
    d = doc["disruption"]
    window = f"{d['starts']} to {d['ends']}"
    console.print(
        f"disruption {d['id']}: {d['kind']} {d['target']}, {window}"
        + (f", {d['delay_hours']:g} h late" if d["delay_hours"] else "")
        + f"; {len(doc['broken'])} bookings broken as of {doc['as_of']}",
        highlight=False,
    )
    if not doc["broken"]:
        return
    table = Table("booking", "why", "cargo at", "to", "#", "option", "arrive", "reason", header_style="bold")
    for item in doc["broken"]:
        head = [
            str(item["booking"]),
            item["why"],
            f"{item['position']} {item['ready'] or ''}",
            item["destination"] or "",
        ]
        if not item["options"]:
            reason = "; ".join(f"{r['code']}: {r['text']}" for r in item["reasons"])
            table.add_row(*head, "", "", "", reason)
            continue
        for number, option in enumerate(item["options"], 1):
            route = option.get("summary") or " → ".join(
                leg.get("service") or "truck" for leg in option["legs"]
            )
            table.add_row(
                *(head if number == 1 else [""] * 4), str(number), route, option["total"]["arrive"], ""
            )
    console.print(table)
    # a replay must rebook as of the same instant: now, the closure may be over and break nothing
    again = f" --as-of {as_of}" if as_of else ""
    console.print(f"rebook one: intermodal ledger rebook BOOKING --option N{again}", highlight=False)


@disruption_app.command("add")
def add(
    kind: Annotated[str, typer.Argument(help="link | terminal | crossing | departure | delay.")],
    target: Annotated[
        str,
        typer.Argument(help="The link, terminal or crossing id, the departure ref, or the delayed service."),
    ],
    start: Annotated[
        str | None, typer.Option("--from", help="Window start, ISO 8601 (no offset: Chongqing time).")
    ] = None,
    end: Annotated[str | None, typer.Option("--to", help="Window end (exclusive).")] = None,
    hours: Annotated[float | None, typer.Option(help="For a delay: how many hours late.")] = None,
    note: Annotated[str, typer.Option(help="The cause, the source.")] = "",
    as_of: AsOfOption = None,
    scenario: ScenarioOption = "chongqing",
    patch: PatchOption = None,
    db: DbOption = None,
    format: FormatOption = "table",
) -> None:
    """Record a disruption and list the bookings it breaks, each with its best options from where its cargo
    is now (live room, the disruption applied) or the reason there are none.

    Examples:

      intermodal disruption add crossing youyiguan --from 2020-02-01 --to 2020-03-15 --as-of 2020-02-01

      intermodal disruption add departure shuttle-middle@2020-04-03T09:00+08:00

      intermodal disruption add delay shuttle-east --from 2020-04-03 --to 2020-04-05 --hours 6
    """
    choice(format, ["table", "json"], "--format")
    from intermodal.ledger.disruptions import add_disruption

    with user_errors(), named_as(_NAMES):
        bundle = open_scenario(scenario, patch)
        with open_db(db) as ledger:
            impact = add_disruption(
                ledger,
                bundle,
                kind=kind,
                target=target,
                start=start,
                end=end,
                hours=hours,
                note=note,
                as_of=as_of,
            )
    doc = impact.to_dict()
    if format == "json":
        print_json(doc)
    else:
        _show_impact(doc, as_of)


@disruption_app.command("show")
def show(
    disruption: Annotated[int, typer.Argument(help="The disruption's id.")],
    as_of: AsOfOption = None,
    scenario: ScenarioOption = "chongqing",
    patch: PatchOption = None,
    db: DbOption = None,
    format: FormatOption = "table",
) -> None:
    """The bookings a disruption breaks now (or --as-of), with their options, as `add` answered.

    Example:  intermodal disruption show 1 --as-of 2020-02-01
    """
    choice(format, ["table", "json"], "--format")
    from intermodal.ledger.disruptions import disruption_impact

    with user_errors(), named_as(_NAMES):
        bundle = open_scenario(scenario, patch)
        with open_db(db, create=False) as ledger:
            doc = disruption_impact(ledger, bundle, disruption, as_of=as_of).to_dict()
    if format == "json":
        print_json(doc)
    else:
        _show_impact(doc, as_of)


@disruption_app.command("list")
def list_(
    status: Annotated[str | None, typer.Option(help="open | cleared; default both.")] = None,
    db: DbOption = None,
    format: FormatOption = "table",
) -> None:
    """The disruptions, open and cleared.

    Example:  intermodal disruption list --status open --format json
    """
    choice(format, ["table", "json"], "--format")
    from intermodal.ledger.disruptions import list_disruptions

    with user_errors(), named_as({"status": "--status"}), open_db(db, create=False) as ledger:
        rows = [d.to_dict() for d in list_disruptions(ledger, status=status)]
    if format == "json":
        print_json(rows)
        return
    table = Table("id", "kind", "target", "starts", "ends", "delay h", "status", "note", header_style="bold")
    for row in rows:
        delay = "" if row["delay_hours"] is None else f"{row['delay_hours']:g}"
        table.add_row(
            str(row["id"]),
            row["kind"],
            row["target"],
            row["starts"],
            row["ends"],
            delay,
            row["status"],
            row["note"],
        )
    console.print(table)


@disruption_app.command("clear")
def clear(
    disruption: Annotated[int, typer.Argument(help="The disruption's id.")],
    db: DbOption = None,
    format: FormatOption = "table",
) -> None:
    """End a disruption now: searches use what it closed again. A second clear changes nothing and says so.

    Example:  intermodal disruption clear 1
    """
    choice(format, ["table", "json"], "--format")
    from intermodal.ledger.disruptions import clear_disruption

    with user_errors(), open_db(db, create=False) as ledger:
        cleared, changed = clear_disruption(ledger, disruption)
    if format == "json":
        print_json({**cleared.to_dict(), "changed": changed})
        return
    said = "cleared" if changed else "was already cleared"
    console.print(f"disruption {cleared.id} ({cleared.kind} {cleared.target}) {said}", highlight=False)


def rebook(
    booking: Annotated[str, typer.Argument(help="The booking's id or idempotency key.")],
    option: Annotated[int, typer.Option(help="The option to take, as `disruption add` or `show` listed it.")],
    as_of: AsOfOption = None,
    scenario: ScenarioOption = "chongqing",
    patch: PatchOption = None,
    db: DbOption = None,
    format: FormatOption = "table",
) -> None:
    """Move a booking that an open disruption breaks onto one of its options, in one transaction: its legs
    not yet travelled are released, the option's legs taken, planned events recorded. On any failure nothing
    changes; a second rebook of the same booking is refused (it is no longer broken).

    Example:  intermodal ledger rebook demo-000123 --option 1
    """
    choice(format, ["table", "json"], "--format")
    from intermodal.ledger.disruptions import rebook_option

    with user_errors(), named_as(_NAMES):
        bundle = open_scenario(scenario, patch)
        with open_db(db, create=False) as ledger:
            moved, impact = rebook_option(ledger, bundle, booking, option, as_of=as_of)
    if format == "json":
        print_json({"booking": moved.to_dict(), "was": impact.to_dict(), "option": option})
        return
    console.print(
        f"booking {moved.id} ({moved.idempotency_key}) rebooked on option {option}: "
        + ", ".join(moved.departures),
        highlight=False,
    )
