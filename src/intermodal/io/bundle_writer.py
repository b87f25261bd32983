"""Write a bundle as a folder that :func:`intermodal.io.bundle.load_bundle` reads back.

The folder holds ``manifest.toml`` and the CSV tables of docs/data-format.md. One thing the bundle format
cannot say directly is written the way the loader accepts it, without changing any dated trip:

- hops of zero duration (two stops in the same minute of a GTFS feed): the loader wants each arrival after
  the previous departure, so such an arrival is written a fraction of a millisecond later, which rounds back
  to the same second when the timetable is expanded.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from intermodal.exceptions import BundleError, Problem
from intermodal.io._atomic import check_target, staged_folder
from intermodal.io.bundle import load_bundle
from intermodal.model import Bundle, Link, Service, Tariff, Terminal
from intermodal.model.disruptions import Closure

__all__ = ["check_out_dir", "write_bundle"]

LINK_COLUMNS = [
    "id", "from", "to", "mode", "distance_km", "duration_h", "cost_per_unit", "cost_unit",
    "fixed_cost_per_teu", "flexible", "bidirectional", "restrictions", "emission_factor", "name_en",
    "name_zh", "source",
]  # fmt: skip
SERVICE_COLUMNS = (
    "id", "name_en", "name_zh", "mode", "carrier", "capacity_teu", "cutoff_h", "cost_per_teu_km",
    "fixed_cost_per_teu", "reefer", "dg_classes", "emission_factor", "departures", "weekdays", "start_date",
    "end_date", "source", "notes", "line", "carrier_zh", "trip_cost", "reefer_plugs_teu",
)  # fmt: skip
# 1e-7 h is 0.36 ms: far below the one-second rounding of expand_timetable, even summed over a long trip
_NUDGE_H = 1e-7


def write_bundle(bundle: Bundle, out_dir: str | Path) -> Path:
    """Write ``bundle`` to the folder ``out_dir`` and return its path; all of it, or nothing.

    The files are written to a folder beside ``out_dir``, which must load with
    :func:`~intermodal.io.bundle.load_bundle`, and only then moved into place (replacing a bundle folder
    written before). Files that the bundle has nothing for (crossings, handling, adjustments, geometry) are
    left out.

    Raises
    ------
    InputError
        Before writing anything, when ``out_dir`` is a file, a folder holding something other than a
        bundle, or not writable; when writing fails. Nothing is left behind.
    BundleError
        When what was written does not load back (each problem as the loader names it); nothing is left.
    """
    out = Path(out_dir)
    with staged_folder(out) as stage:
        _write_files(bundle, stage)
        try:
            load_bundle(stage)
        except BundleError as err:
            lead = Problem(f"the bundle does not load back, so nothing was written to {out}")
            raise BundleError([lead, *err.problems]) from None
    return out


def check_out_dir(out_dir: str | Path) -> None:
    """Refuse an ``out_dir`` that :func:`write_bundle` could not write, before any work is done.

    Raises
    ------
    InputError
        When ``out_dir`` is a file, a folder holding something other than a bundle, or not writable.
    """
    check_target(Path(out_dir), folder=True)


def _write_files(bundle: Bundle, out: Path) -> None:
    m = bundle.manifest
    a = m.access
    manifest = [
        "[bundle]",
        f"name = {_toml(m.name)}",
        f"title_en = {_toml(m.title_en)}",
        f"title_zh = {_toml(m.title_zh)}",
        f"currency = {_toml(m.currency)}",
        f"region = {_toml(m.region)}",
        f"description = {_toml(m.description)}",
        f"version = {_toml(m.version)}",
        "",
        "[cargo]",
        f"tonnes_per_teu = {m.tonnes_per_teu!r}",
        f"tonnes_per_teu_source = {_toml(m.tonnes_per_teu_source)}",
        f"max_tonnes_per_teu = {m.max_tonnes_per_teu!r}",
        f"max_tonnes_per_teu_source = {_toml(m.max_tonnes_per_teu_source)}",
        "",
        "[access]",
        f"circuity = {a.circuity!r}",
        f"speed_kmh = {a.speed_kmh!r}",
        f"cost_per_teu_km = {a.cost_per_teu_km!r}",
        f"emission_factor = {_toml(a.emission_factor)}",
        f"max_km = {a.max_km!r}",
        f"source = {_toml(a.source)}",
        "",
    ]
    if m.inventory_rate_per_year:
        manifest += [
            "[inventory]",
            f"rate_per_year = {m.inventory_rate_per_year!r}",
            f"source = {_toml(m.inventory_rate_source)}",
            "",
        ]
    if m.carbon_price_per_t:
        manifest += [
            "[carbon]",
            f"price_per_t = {m.carbon_price_per_t!r}",
            f"source = {_toml(m.carbon_price_source)}",
            "",
        ]
    (out / "manifest.toml").write_text("\n".join(manifest), encoding="utf-8")

    _write(
        out / "factors.csv",
        [
            {"id": f.id, "mode": f.mode.value if f.mode else "hub", "unit": f.unit.value, "wtt": f.wtt,
             "ttw": f.ttw, "reefer_variant": f.reefer_variant, "measured": _bool(f.measured),
             "description": f.description, "source": f.source}
            for f in bundle.factors.factors.values()
        ],
        header=["id", "mode", "unit", "wtt", "ttw", "reefer_variant", "measured", "description", "source"],
    )  # fmt: skip
    if bundle.factors.adjustments:
        _write(
            out / "adjustments.csv",
            [
                {"id": x.id, "mode": x.mode.value, "condition": x.condition, "multiplier": x.multiplier,
                 "description": x.description, "source": x.source}
                for x in bundle.factors.adjustments
            ],
        )  # fmt: skip
    _write(out / "terminals.csv", [_terminal_row(t) for t in bundle.terminals.values()])
    _write(out / "links.csv", [_link_row(lk) for lk in bundle.links], header=LINK_COLUMNS)
    shapes = [lk for lk in bundle.links if lk.geometry]
    if shapes:
        features = [
            {"type": "Feature", "properties": {"id": lk.id},
             "geometry": {"type": "LineString", "coordinates": [list(p) for p in lk.geometry or ()]}}
            for lk in shapes
        ]  # fmt: skip
        (out / "links.geojson").write_text(
            json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8"
        )
    if bundle.crossings:
        _write(
            out / "crossings.csv",
            [
                {"terminal": x.terminal_id, "countries": "|".join(sorted(x.countries)),
                 "clearance_h": x.clearance_h, "clearance_cost_per_teu": x.clearance_cost_per_teu,
                 "source": x.source, "notes": x.notes}
                for x in bundle.crossings.values()
            ],
        )  # fmt: skip
    if bundle.handling:
        _write(
            out / "handling.csv",
            [
                {"terminal": h.terminal_id, "from_mode": h.from_mode.value, "to_mode": h.to_mode.value,
                 "handling_h": h.handling_h, "handling_cost_per_teu": h.handling_cost_per_teu,
                 "source": h.source, "notes": h.notes}
                for h in bundle.handling.values()
            ],
        )  # fmt: skip
    _write_services(out, bundle.services)
    if bundle.tariffs:
        _write(out / "tariffs.csv", [_tariff_row(x) for x in bundle.tariffs])
    if bundle.closures:
        _write(out / "closures.csv", [_closure_row(bundle, c) for c in bundle.closures])


def _closure_row(bundle: Bundle, c: Closure) -> dict[str, object]:
    """A closure as the loader reads it back: inclusive dates in the place's zone (a link's: its start's)."""
    place = (
        next((lk.from_id for lk in bundle.links if lk.id == c.target), c.target)
        if c.kind == "link"
        else c.target
    )
    zone = ZoneInfo(bundle.terminals[place].timezone)
    last = c.end.astimezone(zone) - timedelta(days=1)
    return {
        "kind": c.kind,
        "target": c.target,
        "from": c.start.astimezone(zone).date().isoformat(),
        "to": last.date().isoformat(),
        "source": c.source or "assumption",
        "notes": "",
    }


def _tariff_row(x: Tariff) -> dict[str, object]:
    return {
        "id": x.id, "service": x.service, "line": x.line, "terminal": x.terminal,
        "equipment": x.equipment.value, "weight_from_t": x.weight_from_t, "weight_to_t": x.weight_to_t,
        "rate": x.rate, "rate_unit": x.rate_unit.value, "minimum_charge": x.minimum_charge,
        "fixed_per_teu": x.fixed_per_teu, "reefer_surcharge_per_teu": x.reefer_surcharge_per_teu,
        "dg_surcharge_per_teu": x.dg_surcharge_per_teu, "storage_per_teu_day": x.storage_per_teu_day,
        "free_days": x.free_days, "currency": x.currency, "valid_from": x.valid_from.isoformat(),
        "valid_to": x.valid_to.isoformat(), "source": x.source, "notes": x.notes,
    }  # fmt: skip


def _terminal_row(t: Terminal) -> dict[str, object]:
    return {
        "id": t.id,
        "locode": t.locode,
        "name_en": t.name_en,
        "name_zh": t.name_zh,
        "lat": t.lat,
        "lon": t.lon,
        "timezone": t.timezone,
        "country": t.country,
        "modes": "|".join(sorted(x.value for x in t.modes)),
        "kind": t.kind,
        "reefer": _bool(t.reefer),
        "dg_classes": "|".join(sorted(t.dg_classes)),
        "customs": _bool(t.customs),
        "bonded": _bool(t.bonded),
        "handling_h": t.handling_h,
        "handling_cost_per_teu": t.handling_cost_per_teu,
        "handling_factor": t.handling_factor,
        "source": t.source,
        "notes": t.notes,
        "opening_hours": _hours(t.opening_hours),
        "aliases": "|".join(sorted(t.aliases)),
    }


def _hours(rules: tuple[tuple[frozenset[int], int, int], ...]) -> str:
    names = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]
    return "; ".join(
        f"{','.join(names[d] for d in sorted(days))} {a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}"
        for days, a, b in rules
    )


def _link_row(lk: Link) -> dict[str, object]:
    return {
        "id": lk.id,
        "from": lk.from_id,
        "to": lk.to_id,
        "mode": lk.mode.value,
        "distance_km": lk.distance_km,
        "duration_h": lk.duration_h,
        "cost_per_unit": lk.cost_per_unit,
        "cost_unit": lk.cost_unit.value,
        "fixed_cost_per_teu": lk.fixed_cost_per_teu,
        "flexible": _bool(lk.flexible),
        "bidirectional": _bool(lk.bidirectional),
        "restrictions": "|".join(sorted(lk.restrictions)),
        "emission_factor": lk.emission_factor,
        "name_en": lk.name_en,
        "name_zh": lk.name_zh,
        "source": lk.source,
    }


def _write_services(out: Path, services: Sequence[Service]) -> None:
    rows: list[dict[str, object]] = []
    stops: list[dict[str, object]] = []
    dates: list[dict[str, object]] = []
    for s in services:
        cal = s.calendar
        rows.append(
            {
                "id": s.id,
                "name_en": s.name_en,
                "name_zh": s.name_zh,
                "mode": s.mode.value,
                "carrier": s.carrier,
                "carrier_zh": s.carrier_zh,
                "capacity_teu": s.capacity_teu,
                "cutoff_h": s.cutoff_h,
                "cost_per_teu_km": s.cost_per_teu_km,
                "fixed_cost_per_teu": s.fixed_cost_per_teu,
                "trip_cost": s.trip_cost,
                "reefer": _bool(s.reefer),
                "reefer_plugs_teu": s.reefer_plugs_teu,
                "dg_classes": "|".join(sorted(s.dg_classes)),
                "emission_factor": s.emission_factor,
                "departures": "|".join(d.strftime("%H:%M:%S" if d.second else "%H:%M") for d in s.departures),
                "weekdays": "".join("1" if i in cal.weekdays else "0" for i in range(7)),
                "start_date": cal.start.isoformat(),
                "end_date": cal.end.isoformat(),
                "source": s.source,
                "notes": s.notes,
                "line": s.line,
            }
        )
        prev_dep = -1.0
        for seq, stop in enumerate(s.stops):
            arrive, depart = stop.arrive_offset_h, stop.depart_offset_h
            if seq and arrive <= prev_dep:
                arrive = prev_dep + _NUDGE_H
            depart = max(depart, arrive)
            stops.append(
                {"service_id": s.id, "seq": seq, "terminal": stop.terminal_id,
                 "arrive_offset_h": repr(arrive), "depart_offset_h": repr(depart),
                 "pickup": _bool(stop.pickup), "dropoff": _bool(stop.dropoff)}
            )  # fmt: skip
            prev_dep = depart
        dates += [
            {"service_id": s.id, "date": d.isoformat(), "exception_type": "1"} for d in sorted(cal.added)
        ]
        dates += [
            {"service_id": s.id, "date": d.isoformat(), "exception_type": "2"} for d in sorted(cal.removed)
        ]
    _write(out / "services.csv", rows, header=list(SERVICE_COLUMNS))
    _write(out / "service_stops.csv", stops, header=["service_id", "seq", "terminal", "arrive_offset_h",
                                                    "depart_offset_h", "pickup", "dropoff"])  # fmt: skip
    _write(out / "calendar_dates.csv", dates, header=["service_id", "date", "exception_type"])


def _write(path: Path, rows: Sequence[dict[str, object]], *, header: list[str] | None = None) -> None:
    fields = header or (list(rows[0]) if rows else [])
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        for row in rows:
            w.writerow({k: "" if v is None else v for k, v in row.items()})


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _toml(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid TOML basic string
