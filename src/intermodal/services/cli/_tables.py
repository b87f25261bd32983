"""Rich tables for route options, shared by ``route`` and ``emissions``."""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.table import Table

from intermodal.services.cli._output import console


def _t(iso: str) -> str:
    """2020-04-03T08:00:00+08:00 -> 04-03 08:00+08 (the terminal's own zone)."""
    return iso[5:16].replace("T", " ") + iso[19:22]


def print_route_result(doc: dict[str, Any], *, explain: bool = False) -> None:
    q = doc["query"]
    console.print(
        f"[bold]{q['from']} → {q['to']}[/]  {q['teu']:g} TEU, {q['tonnes']:g} t, {q['cargo']}, "
        f"ready {_t(q['ready'])}\nscenario {doc['scenario']} · ranked {doc['objective']} · "
        f"cost in {q['currency']} · CO2e well-to-wheel",
        highlight=False,
    )
    table = Table(show_lines=False, header_style="bold")
    profile = any("ready_by" in o["total"] for o in doc["options"])
    # on a narrow terminal the option's own table below still gives TTW; the summary keeps to one line a row
    wide = console.width >= 110
    # the probability of arriving by the due time, when the query has one (docs/calibration.md)
    on_time = any(o["total"].get("p_on_time") is not None for o in doc["options"])
    columns = [
        ("#", "right"),
        ("option", "left"),
        ("ready by" if profile else "depart", "left"),
        ("arrive", "left"),
        ("hours", "right"),
        ("km", "right"),
        ("cost", "right"),
        ("CO2e kg WTW", "right"),
        ("TTW", "right"),
    ]
    shown = columns if wide else columns[:-1]
    if on_time:
        shown = [*shown[:5], ("on time", "right"), *shown[5:]]
    for col, just in shown:
        table.add_column(col, justify=just)  # type: ignore[arg-type]
    for o in doc["options"]:
        tot = o["total"]
        table.add_row(
            str(o["rank"]),
            o["summary"],
            _t(tot["ready_by"] if profile else tot["depart"]),
            _t(tot["arrive"]),
            f"{tot['duration_h']:.1f}",
            *([f"{tot['p_on_time']:.0%}"] if on_time else []),
            f"{tot['distance_km']:,.0f}",
            f"{tot['cost']:,.0f}",
            f"{tot['co2e_kg_wtw']:,.1f}",
            *([f"{tot['co2e_kg_ttw']:,.1f}"] if wide else []),
        )
    console.print(table)
    # right under the table, where a reader counts the rows: how many were cut or folded
    for note in doc.get("notes", []):
        console.print(f"[dim]note: {escape(note)}[/]", highlight=False)
    if profile and not explain:
        return  # a week of departures: the summary is the answer; --explain or --format json for the legs
    for o in doc["options"]:
        print_option(o, explain=explain)


def print_option(o: dict[str, Any], *, explain: bool = False) -> None:
    table = Table(title=f"option {o['rank']}: {o['summary']}", title_justify="left", header_style="bold")
    cols = ["element", "where", "start", "end", "km", "cost", "CO2e WTW", "TTW"]
    if explain:
        cols += ["factor", "activity", "source"]
    for c in cols:
        table.add_column(c, justify="right" if c in ("km", "cost", "CO2e WTW", "TTW") else "left")
    elements = [("leg", g, g["depart"]) for g in o["legs"]] + [(h["kind"], h, h["start"]) for h in o["hubs"]]
    elements.sort(key=lambda e: e[2])
    for kind, e, _ in elements:
        if kind == "leg":
            what = f"{e['mode']} · {e['service']}" if e["service"] else f"{e['mode']} · truck"
            if e["mode"] == "walk":
                what = "walk"
            if e.get("free_teu") is not None:  # with --db: the room the departure had
                plugs = e.get("free_reefer")
                what += f" ({e['free_teu']:g} TEU free" + (
                    f", {plugs:g} TEU of reefer plugs)" if plugs is not None else ")"
                )
            where = f"{e['from']} → {e['to']}"
            row = [what, where, _t(e["depart"]), _t(e["arrive"]), f"{e['distance_km']:,.0f}"]
        else:
            what = f"{kind} {e['from_mode']}→{e['to_mode']}" if e.get("from_mode") else kind
            row = [what, e["terminal"], _t(e["start"]), _t(e["end"]), ""]
        row += [f"{e['cost']:,.0f}", f"{e['co2e_kg_wtw']:,.2f}", f"{e['co2e_kg_ttw']:,.2f}"]
        if explain:
            d = e["emission_detail"]
            factor = (
                (
                    f"{d['factor']} {d['intensity_wtw']:g} {d['intensity_unit'].replace('/', ' per ')}"
                    + (f" ×{'×'.join(d['adjustments'])}" if d["adjustments"] else "")
                )
                if d["factor"]
                else "-"
            )
            activity = f"{d['activity']:,.1f} {d['activity_unit']}" if d["activity_unit"] else "-"
            row += [factor, activity, d["source"] or "-"]
        table.add_row(*row)
    tot = o["total"]
    table.add_row(
        "[bold]total[/]",
        "",
        _t(tot["depart"]),
        _t(tot["arrive"]),
        f"{tot['distance_km']:,.0f}",
        f"[bold]{tot['cost']:,.0f}[/]",
        f"[bold]{tot['co2e_kg_wtw']:,.2f}[/]",
        f"{tot['co2e_kg_ttw']:,.2f}",
        *([""] * (3 if explain else 0)),
    )
    console.print(table)
