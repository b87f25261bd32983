"""``intermodal ledger``: departures, bookings, cancellations, container events, CSV import and export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from intermodal.services.cli._output import (
    BAD_INPUT,
    NO_ANSWER,
    choice,
    console,
    err_console,
    fail,
    print_json,
    user_errors,
)
from intermodal.services.cli._scenario import PatchOption, open_scenario
from intermodal.services.cli.report import DbOption, named_as, open_db, output_path, scenario_lines

ledger_app = typer.Typer(
    help="The operations ledger: departures, bookings, container events; CSV in and out.",
    no_args_is_help=True,
)

FormatOption = Annotated[str, typer.Option("--format", help="table | json.")]


def register(app: typer.Typer) -> None:
    app.add_typer(ledger_app, name="ledger")


def _show(items: list[Any], columns: list[str], format: str) -> None:
    """Print records (objects with ``to_dict``) as a table of ``columns`` or as JSON."""
    choice(format, ["table", "json"], "--format")
    rows = [item.to_dict() for item in items]
    if format == "json":
        print_json(rows)
        return
    table = Table(*columns, header_style="bold")
    for row in rows:
        table.add_row(*("" if row.get(c) is None else str(row.get(c)) for c in columns))
    console.print(table)


@ledger_app.command("init")
def init(
    db: DbOption = None,
    scenario: Annotated[str, typer.Option(help="Scenario whose services become ledger lines.")] = "chongqing",
    patch: PatchOption = None,
) -> None:
    """Create or migrate the ledger, and load (or refresh) its lines from a scenario's services."""
    from intermodal.ledger import upsert_lines

    with user_errors():
        lines = scenario_lines(scenario, patches=patch)
        with open_db(db) as ledger:
            count = upsert_lines(ledger, lines)
            url = ledger.url
    named = "+".join([scenario, *(patch or [])])
    console.print(f"ledger ready at {url}: {count} lines from scenario {named}", highlight=False)


@ledger_app.command("lines")
def lines_(db: DbOption = None, format: FormatOption = "table") -> None:
    """The lines (scheduled services) the ledger knows."""
    from intermodal.ledger import list_lines

    with user_errors(), open_db(db, create=False) as ledger:
        items = list_lines(ledger)
    _show(
        items,
        [
            "id",
            "commercial_line",
            "name_en",
            "name_zh",
            "capacity_teu",
            "capacity_kg",
            "reefer_plugs_teu",
            "zone",
        ],
        format,
    )


@ledger_app.command("add-departure")
def add_departure(
    line: Annotated[str, typer.Argument(help="The line (service id), e.g. shuttle-middle.")],
    departs: Annotated[str, typer.Argument(help="ISO 8601; without an offset, the line's local time.")],
    vehicle: Annotated[str | None, typer.Option(help="Truck plate, train or vessel.")] = None,
    capacity_teu: Annotated[str | None, typer.Option(help="Default: the line's.")] = None,
    capacity_kg: Annotated[int | None, typer.Option(help="Default: the line's, scaled to the TEU.")] = None,
    status: Annotated[str, typer.Option(help="scheduled | departed | arrived.")] = "scheduled",
    reefer_plugs: Annotated[
        str | None,
        typer.Option(
            "--reefer-plugs",
            help="Reefer boxes it can power, in TEU (0 to its capacity). Default: the line's, if it counts "
            "them; otherwise plugs are not counted on this departure.",
        ),
    ] = None,
    db: DbOption = None,
    format: FormatOption = "table",
) -> None:
    """Schedule a departure of a line.

    Example:  intermodal ledger add-departure shuttle-middle 2020-04-03T09:00 --reefer-plugs 1
    """
    from intermodal.ledger import create_departure

    with user_errors(), open_db(db) as ledger:
        made = create_departure(
            ledger,
            line,
            departs,
            vehicle=vehicle,
            capacity_teu=capacity_teu,
            capacity_kg=capacity_kg,
            status=status,  # type: ignore[arg-type]
            reefer_plugs_teu=reefer_plugs,
        )
    _show(
        [made], ["id", "ref", "departs", "capacity_teu", "capacity_kg", "reefer_plugs_teu", "status"], format
    )


@ledger_app.command("schedule")
def schedule(
    start: Annotated[str, typer.Option("--from", help="First service date, YYYY-MM-DD.")],
    end: Annotated[str, typer.Option("--to", help="Last service date, YYYY-MM-DD (inclusive).")],
    scenario: Annotated[
        str, typer.Option(help="The scenario whose timetable gives the trips.")
    ] = "chongqing",
    patch: PatchOption = None,
    service: Annotated[
        list[str] | None, typer.Option("--service", help="Only this service; repeat for more.")
    ] = None,
    db: DbOption = None,
    format: FormatOption = "table",
) -> None:
    """Make the departures of every dated trip of the timetable in a window of service dates.

    Run it again at will: it changes nothing twice. After a timetable change, departures nobody booked
    follow it; booked ones stay as they are and are listed as conflicts (exit 1), never moved silently.

    Example:  intermodal ledger schedule --from 2020-04-06 --to 2020-04-12
    """
    import datetime as dt

    from intermodal.ledger.schedule import schedule_departures

    days = []
    for option, text in (("--from", start), ("--to", end)):
        try:
            days.append(dt.date.fromisoformat(text))
        except ValueError:
            fail([f"[{option}]: not a date (found {text!r}, expected YYYY-MM-DD)"], BAD_INPUT)
    with user_errors(), named_as({"scenario": "--scenario", "to": "--to", "services": "--service"}):
        bundle = open_scenario(scenario, patch)
        with open_db(db) as ledger:
            done = schedule_departures(ledger, bundle, start=days[0], end=days[1], services=service)
    choice(format, ["table", "json"], "--format")
    if format == "json":
        print_json(done.to_dict())
    else:
        console.print(
            f"{done.start} to {done.end}, scenario {bundle.name}: {len(done.created)} departures made, "
            f"{len(done.updated)} updated, {len(done.removed)} removed, {done.unchanged} already right",
            highlight=False,
        )
        if done.conflicts:
            table = Table("departure", "booked TEU", "why it was left as it is", header_style="bold")
            for c in done.conflicts:
                table.add_row(c.ref, f"{c.booked_teu:g}", c.reason)
            console.print(table)
    if done.conflicts:
        raise typer.Exit(NO_ANSWER)


@ledger_app.command("set-status")
def set_status(
    departure: Annotated[str, typer.Argument(help="Departure id or ref.")],
    status: Annotated[str, typer.Argument(help="departed | arrived | cancelled.")],
    db: DbOption = None,
) -> None:
    """Move a departure on: scheduled → departed → arrived, or scheduled → cancelled."""
    from intermodal.ledger import set_departure_status

    with user_errors(), open_db(db) as ledger:
        moved = set_departure_status(ledger, departure, status)  # type: ignore[arg-type]
    console.print(f"{moved.ref}: {moved.status}", highlight=False)


@ledger_app.command("departures")
def departures(
    line: Annotated[str | None, typer.Option(help="Only this line.")] = None,
    start: Annotated[str | None, typer.Option(help="From this service date (YYYY-MM-DD).")] = None,
    end: Annotated[str | None, typer.Option(help="Before this service date (YYYY-MM-DD).")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 50,
    db: DbOption = None,
    format: FormatOption = "table",
) -> None:
    """Departures in time order, times in each line's own zone."""
    import datetime as dt

    from intermodal.ledger import list_departures

    try:
        first = dt.date.fromisoformat(start) if start else None
        last = dt.date.fromisoformat(end) if end else None
    except ValueError as error:
        fail([f"[--start/--end]: {error}"], BAD_INPUT)
    with user_errors(), open_db(db, create=False) as ledger:
        items = list_departures(ledger, line_id=line, start=first, end=last, limit=limit)
    columns = ["id", "ref", "vehicle", "capacity_teu", "booked_teu", "booked_kg", "held_teu", "free_teu"]
    # reefer plugs (TEU): what reefer bookings use and what is left, blank where the departure counts none
    columns += ["reefer_plugs_teu", "booked_reefer_teu", "free_reefer", "status"]
    _show(items, columns, format)


@ledger_app.command("book")
def book_(
    key: Annotated[str, typer.Option("--key", help="Idempotency key: a retry with the same key books once.")],
    shipper: Annotated[str, typer.Option(help="Who ships.")],
    customs: Annotated[
        str,
        typer.Option(
            help="bonded (under customs control) | cleared (free circulation): stated, never assumed."
        ),
    ],
    teu: Annotated[
        str | None, typer.Option(help="TEU in quarter steps (a 40-ft box is 2); not with --quote.")
    ] = None,
    tonnes: Annotated[
        str | None, typer.Option(help="Gross cargo weight in tonnes; not with --quote.")
    ] = None,
    departure: Annotated[
        list[str] | None, typer.Option("--departure", help="A departure id or ref; repeat for each leg.")
    ] = None,
    quote: Annotated[
        str | None,
        typer.Option(
            "--quote",
            help="A quote id (intermodal quote): book its legs and shipment, taking the room it holds.",
        ),
    ] = None,
    itinerary: Annotated[
        Path | None,
        typer.Option(help="A route JSON file (intermodal route --format json) or one option of it."),
    ] = None,
    option: Annotated[int, typer.Option(help="With --itinerary: the option's rank.")] = 1,
    value: Annotated[str, typer.Option(help="Declared cargo value.")] = "0",
    currency: Annotated[str, typer.Option(help="ISO 4217 code.")] = "CNY",
    cargo: Annotated[str, typer.Option(help="general, reefer, or dg:CLASS (dg:3, dg:2.1).")] = "general",
    equipment: Annotated[str | None, typer.Option(help="Container number (ISO 6346).")] = None,
    scenario: Annotated[
        str,
        typer.Option(
            help="The scenario whose cargo rules the booking must meet and whose timetable makes the "
            "departures it names that the ledger does not have yet."
        ),
    ] = "chongqing",
    patch: PatchOption = None,
    db: DbOption = None,
    format: FormatOption = "table",
) -> None:
    """Book a shipment on departures, on a route option's scheduled legs, or as quoted: every leg or none.

    The booking meets the route planner's cargo rules for the scenario (reefer, dangerous-goods classes,
    TEU per departure, tonnes per TEU); a departure of its timetable that is not in the ledger yet is made.

    Example:  intermodal route ... --format json > trip.json &&
              intermodal ledger book --itinerary trip.json --key order-17 --shipper ACME --teu 2
              --tonnes 17.2 --cargo reefer --customs bonded
              intermodal ledger book --quote 7 --key order-18 --shipper ACME --customs cleared
    """
    from intermodal.ledger import book, book_itinerary, book_quote

    if sum(map(bool, (departure, itinerary, quote))) != 1:
        fail(["give one of --departure (one per leg), --itinerary or --quote"], BAD_INPUT)
    if quote is not None:
        if teu is not None or tonnes is not None:
            fail(
                ["[--quote]: the quote holds its own TEU and tonnes; leave out --teu and --tonnes"], BAD_INPUT
            )
        names = {"quote": "--quote", "idempotency_key": "--key", "customs_status": "--customs"}
        with user_errors(), named_as({"scenario": "--scenario"}):
            quoted_on = open_scenario(scenario, patch)
        with user_errors(), named_as(names), open_db(db, create=False) as ledger:
            made = book_quote(
                ledger,
                quote,
                idempotency_key=key,
                shipper=shipper,
                customs_status=customs,
                equipment_ref=equipment,
                bundle=quoted_on,
            )
        _show_booking(made, format)
        return
    missing = [name for name, given in (("--teu", teu), ("--tonnes", tonnes)) if given is None]
    if missing:
        fail([f"[{name}]: needed to book without --quote" for name in missing], BAD_INPUT)
    common: dict[str, Any] = {
        "idempotency_key": key,
        "shipper": shipper,
        "teu": teu,
        "tonnes": tonnes,
        "value": value,
        "currency": currency,
        "cargo_class": cargo,
        "customs_status": customs,
        "equipment_ref": equipment,
    }
    with user_errors(), named_as({"scenario": "--scenario"}):
        common["bundle"] = open_scenario(scenario, patch)
    with user_errors(), open_db(db) as ledger:
        if itinerary is not None:
            made = book_itinerary(ledger, _read_option(itinerary, option), **common)
        else:
            made = book(ledger, departures=list(departure or []), **common)
    _show_booking(made, format)


def _show_booking(made: Any, format: str) -> None:
    if made.replayed:
        # a note, not data: stdout holds the booking alone, so that --format json stays parseable
        err_console.print(
            "[yellow]note:[/] this key was booked before; here is that booking", highlight=False
        )
    _show(
        [made],
        ["id", "idempotency_key", "departures", "teu", "tonnes", "value", "currency", "status"],
        format,
    )


def _read_option(path: Path, rank: int) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        fail([f"[--itinerary]: cannot read {path}: {error}"], BAD_INPUT)
    if isinstance(doc, dict) and "options" in doc:
        for candidate in doc["options"]:
            if candidate.get("rank") == rank:
                return dict(candidate)
        fail([f"[--option]: no option of rank {rank} in {path}"], BAD_INPUT)
    if not isinstance(doc, dict):
        fail([f"[--itinerary]: {path} holds no route option"], BAD_INPUT)
    return doc


@ledger_app.command("quotes")
def quotes(
    status: Annotated[str | None, typer.Option(help="open | booked | expired | released.")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 50,
    db: DbOption = None,
    format: FormatOption = "table",
) -> None:
    """Quotes by id, with their total, valid-until and status (an open quote past its time reads expired)."""
    from intermodal.ledger import list_quotes

    with user_errors(), named_as({"status": "--status"}), open_db(db, create=False) as ledger:
        items = list_quotes(ledger, status=status, limit=limit)
    _show(items, ["id", "status", "total", "currency", "valid_until", "departures", "booking_id"], format)


@ledger_app.command("release")
def release(
    quote: Annotated[str, typer.Argument(help="The quote id.")],
    db: DbOption = None,
) -> None:
    """Release a quote's hold now, rather than when it lapses (a retry changes nothing)."""
    from intermodal.ledger import release_quote

    with user_errors(), open_db(db, create=False) as ledger:
        made, released = release_quote(ledger, quote)
    state = "released; its room is free" if released else f"was {made.status} already; nothing released"
    console.print(f"quote {made.id} {state}", highlight=False)


@ledger_app.command("cancel")
def cancel(
    booking: Annotated[str, typer.Argument(help="Booking id or idempotency key.")],
    db: DbOption = None,
) -> None:
    """Cancel a booking and release its capacity (once, however often it is retried)."""
    from intermodal.ledger import cancel_booking

    with user_errors(), open_db(db) as ledger:
        made, released = cancel_booking(ledger, booking)
    state = "cancelled; capacity released" if released else "was already cancelled; nothing released"
    console.print(f"booking {made.id} ({made.idempotency_key}) {state}", highlight=False)


@ledger_app.command("bookings")
def bookings(
    departure: Annotated[
        str | None, typer.Option(help="Only bookings on this departure (id or ref).")
    ] = None,
    status: Annotated[str | None, typer.Option(help="confirmed | cancelled.")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 50,
    db: DbOption = None,
    format: FormatOption = "table",
) -> None:
    """Bookings by id."""
    from intermodal.ledger import list_bookings

    with user_errors(), open_db(db, create=False) as ledger:
        items = list_bookings(ledger, departure=departure, status=status, limit=limit)
    _show(items, ["id", "idempotency_key", "shipper", "teu", "tonnes", "value", "currency", "status"], format)


@ledger_app.command("event")
def event(
    kind: Annotated[
        str, typer.Argument(help="gate-in | loaded | departed | arrived | customs-released | ...")
    ],
    at: Annotated[str, typer.Option(help="ISO 8601; without an offset, local time in --zone.")],
    place: Annotated[str, typer.Option(help="Terminal id or UN/LOCODE.")],
    zone: Annotated[str, typer.Option(help="The place's IANA time zone.")] = "Asia/Shanghai",
    equipment: Annotated[str | None, typer.Option(help="Container number.")] = None,
    booking: Annotated[str | None, typer.Option(help="Booking id or idempotency key.")] = None,
    departure: Annotated[str | None, typer.Option(help="Departure id or ref.")] = None,
    classifier: Annotated[str, typer.Option(help="ACT (actual) | EST | PLN.")] = "ACT",
    scenario: Annotated[str, typer.Option(help="The scenario whose terminals are the known places.")] = (
        "chongqing"
    ),
    patch: PatchOption = None,
    document: Annotated[
        str | None,
        typer.Option(help="A customs event's document (declaration number); default: the booking's key."),
    ] = None,
    db: DbOption = None,
    format: FormatOption = "table",
) -> None:
    """Record a container or shipment event (DCSA Track & Trace codes) at a terminal of the scenario."""
    from intermodal.ledger import known_places, record_event

    with user_errors(), named_as({"scenario": "--scenario", "place": "--place"}):
        places = known_places(open_scenario(scenario, patch))
    with user_errors(), open_db(db) as ledger:
        made = record_event(
            ledger,
            kind,
            at=at,
            place=place,
            zone=zone,
            equipment_ref=equipment,
            booking=booking,
            departure=departure,
            classifier=classifier,
            places=places,
            document_id=document,
        )
    _show([made], ["id", "kind", "eventTypeCode", "eventDateTime", "location", "equipmentReference"], format)


events_app = typer.Typer(
    help="Container and shipment events (DCSA Track & Trace 2.2.0): list, export as DCSA JSON, import.",
)
ledger_app.add_typer(events_app, name="events")
_EVENT_COLUMNS = ["id", "kind", "eventTypeCode", "eventClassifierCode", "eventDateTime", "location"]
_CLASSIFIER_TITLES = {"PLN": "Planned (PLN)", "EST": "Estimated (EST)", "ACT": "Actual (ACT)"}


@events_app.callback(invoke_without_command=True)
def events(
    ctx: typer.Context,
    equipment: Annotated[str | None, typer.Option(help="Only this container.")] = None,
    booking: Annotated[
        str | None,
        typer.Option(help="One booking (id or key): its planned, estimated and actual events apart."),
    ] = None,
    classifier: Annotated[str | None, typer.Option(help="Only ACT, EST or PLN events.")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 50,
    scenario: Annotated[
        str, typer.Option(help="The scenario whose timetable gives a booking's plan.")
    ] = "chongqing",
    patch: PatchOption = None,
    db: DbOption = None,
    format: FormatOption = "table",
) -> None:
    """Events in time order, each in its place's zone; with --booking, planned, estimated and actual apart.

    Example: intermodal ledger events --booking K2
    """
    if ctx.invoked_subcommand is not None:
        return
    from intermodal.ledger import booking_events, list_events

    choice(format, ["table", "json"], "--format")
    if booking is None:
        with user_errors(), open_db(db, create=False) as ledger:
            items = list_events(ledger, equipment_ref=equipment, classifier=classifier, limit=limit)
        _show(items, [*_EVENT_COLUMNS, "equipmentReference"], format)
        return
    with user_errors(), named_as({"scenario": "--scenario"}):
        bundle = open_scenario(scenario, patch)
    with user_errors(), named_as({"booking": "--booking"}), open_db(db, create=False) as ledger:
        apart = booking_events(ledger, booking, bundle)
    chosen = [classifier] if classifier in apart else list(apart)
    if format == "json":
        print_json({c: [e.to_dict() for e in apart[c]] for c in chosen})
        return
    for c in chosen:
        console.print(f"[bold]{_CLASSIFIER_TITLES[c]}[/]: {len(apart[c])}", highlight=False)
        if apart[c]:
            _show(apart[c], _EVENT_COLUMNS, "table")


@events_app.command("export")
def events_export(
    booking: Annotated[str | None, typer.Option(help="Only this booking (id or key).")] = None,
    format: Annotated[
        str, typer.Option("--format", help="dcsa (Track & Trace 2.2.0 JSON) | json (the ledger's fields).")
    ] = "dcsa",
    planned: Annotated[
        bool, typer.Option(help="Add each booking's planned (PLN) events, from the timetable.")
    ] = False,
    classifier: Annotated[str | None, typer.Option(help="Only ACT, EST or PLN events.")] = None,
    out: Annotated[Path | None, typer.Option(help="Write to this file (default: standard output).")] = None,
    scenario: Annotated[
        str, typer.Option(help="The scenario: modes of transport, UN/LOCODEs and the plan.")
    ] = "chongqing",
    patch: PatchOption = None,
    db: DbOption = None,
) -> None:
    """Write events as DCSA Track & Trace 2.2.0 JSON (the body of its GET /v2/events).

    Example: intermodal ledger events export --booking K2 --planned --out k2-events.json
    """
    from intermodal.ledger import export_dcsa, list_events

    choice(format, ["dcsa", "json"], "--format")
    with user_errors():
        if out is not None:
            output_path(out, "--out")
        with named_as({"scenario": "--scenario"}):
            bundle = open_scenario(scenario, patch)
        with named_as({"booking": "--booking", "planned": "--planned"}), open_db(db, create=False) as ledger:
            if format == "dcsa":
                doc: Any = export_dcsa(
                    ledger, booking=booking, bundle=bundle, classifier=classifier, planned=planned
                )
            else:
                from intermodal.ledger.eta import booking_events

                if booking is not None:
                    apart = booking_events(ledger, booking, bundle if planned else None)
                    doc = [e.to_dict() for c in ("PLN", "EST", "ACT") for e in apart[c]]
                else:
                    doc = [e.to_dict() for e in list_events(ledger, classifier=classifier)]
    text = json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    if out is None:
        print_json(doc)
        return
    out.write_text(text, encoding="utf-8")
    err_console.print(f"{len(doc)} events written to {out}", highlight=False)


@events_app.command("import")
def events_import(
    path: Annotated[Path, typer.Argument(help="A DCSA Track & Trace 2.2.0 JSON file: a list of events.")],
    db: DbOption = None,
    format: FormatOption = "table",
) -> None:
    """Add DCSA Track & Trace 2.2.0 events to the ledger: all of them, or (if any is wrong) none.

    Each event is checked against the standard's schema and the ledger's bounds; problems name the file, the
    event's index and its field. Events already imported (same eventID and content) are skipped.

    Example: intermodal ledger events import tnt-events.json
    """
    from intermodal.ledger import import_dcsa

    choice(format, ["table", "json"], "--format")
    with user_errors(), open_db(db) as ledger:
        result = import_dcsa(ledger, path, file=str(path))
    if format == "json":
        print_json(result.to_dict())
        return
    console.print(
        f"{result.added} events imported from {path}"
        + (f", {result.known} already there" if result.known else ""),
        highlight=False,
    )


@ledger_app.command("eta")
def eta(
    booking: Annotated[str, typer.Argument(help="The booking (id or idempotency key).")],
    scenario: Annotated[str, typer.Option(help="The scenario whose timetable gives the plan.")] = (
        "chongqing"
    ),
    patch: PatchOption = None,
    store: Annotated[bool, typer.Option(help="Store a new ETA as an EST event.")] = True,
    db: DbOption = None,
    format: FormatOption = "table",
) -> None:
    """A booking's ETA: its actual events so far and the planned rest, each stop's slack used up first.

    A new ETA is stored as an EST arrival event (none while it is unchanged).

    Example: intermodal ledger eta K2
    """
    from intermodal.ledger import booking_eta

    choice(format, ["table", "json"], "--format")
    with user_errors(), named_as({"scenario": "--scenario"}):
        bundle = open_scenario(scenario, patch)
    with user_errors(), named_as({"booking": "BOOKING"}), open_db(db, create=False) as ledger:
        found = booking_eta(ledger, booking, bundle, store=store)
    doc = found.to_dict()
    if format == "json":
        print_json(doc)
        return
    state = "arrived" if found.arrived else "ETA"
    console.print(
        f"[bold]{found.booking_key}[/] to {found.destination}: {state} {doc['eta']} "
        f"(planned {doc['planned']}, {doc['delay_h']:+.2f} h)",
        highlight=False,
    )
    table = Table("event", "place", "planned", "estimated", "delay h", "slack h", "", header_style="bold")
    for stop in doc["stops"]:
        table.add_row(
            stop["eventTypeCode"],
            stop["place"],
            stop["planned"],
            stop["estimated"],
            f"{stop['delay_h']:+.2f}",
            "" if stop["slack_h"] is None else f"{stop['slack_h']:.2f}",
            "actual" if stop["actual"] else "",
        )
    console.print(table)
    if found.stored is not None:
        console.print(f"stored as EST event {found.stored.id}", highlight=False)


@ledger_app.command("export")
def export(
    table: Annotated[str, typer.Argument(help="departures | bookings | events.")],
    path: Annotated[Path, typer.Argument(help="The CSV file to write.")],
    db: DbOption = None,
) -> None:
    """Write a table to CSV."""
    from intermodal.ledger import export_csv

    with user_errors():
        output_path(path, "PATH")
        with open_db(db, create=False) as ledger:
            count = export_csv(ledger, table, path)  # type: ignore[arg-type]
    console.print(f"{count} {table} written to {path}", highlight=False)


@ledger_app.command("import")
def import_(
    table: Annotated[str, typer.Argument(help="departures | bookings | events.")],
    path: Annotated[Path, typer.Argument(help="The CSV file to read.")],
    history: Annotated[
        bool, typer.Option(help="Rows record the past: bookings may sit on departures that have left.")
    ] = False,
    scenario: Annotated[
        str, typer.Option(help="The scenario whose terminals events may be at.")
    ] = "chongqing",
    patch: PatchOption = None,
    db: DbOption = None,
) -> None:
    """Add a CSV file's rows to a table: all of them, or (if any row is wrong) none."""
    from intermodal.ledger import import_csv, known_places

    with user_errors(), named_as({"scenario": "--scenario"}):
        places = known_places(open_scenario(scenario, patch)) if table == "events" else None
    with user_errors(), open_db(db) as ledger:
        count = import_csv(ledger, table, path, history=history, places=places)  # type: ignore[arg-type]
    console.print(f"{count} {table} imported from {path}", highlight=False)
