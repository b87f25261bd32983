"""Load and validate a network bundle: a folder or zip with ``manifest.toml`` and CSV tables.

The format is documented in docs/data-format.md. Loading checks everything and reports every problem at
once, each with its file, row and field.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from intermodal.exceptions import BundleError, Problem
from intermodal.io import _tables as t
from intermodal.io._tables import Column, Source
from intermodal.model import (
    Access,
    Adjustment,
    BorderCrossing,
    Bundle,
    Calendar,
    CostUnit,
    EmissionFactor,
    FactorTable,
    FactorUnit,
    Link,
    Manifest,
    Mode,
    ModeHandling,
    Service,
    ServiceStop,
    Tariff,
    Terminal,
)
from intermodal.model.bounds import EARLIEST_DATE, LATEST_DATE, MAX_CARBON_PRICE
from intermodal.model.disruptions import Closure
from intermodal.model.tariffs import Equipment, RateUnit

__all__ = ["load_bundle", "load_source", "validate_bundle"]

# Bounds of every number a bundle holds, each with why a value past it is wrong (see _tables.bounded).
_KM = t.bounded(0, 40_075, "km", "no link is longer than the Earth's circumference", low_open=True)
_SPEED = t.bounded(1, 1_000, "km/h", "from slower than walking to faster than any freight but air")
_VOYAGE = "90 days: longer than the slowest sea voyage"
_MAX_TRAVEL_H = 2_160
_TRAVEL_H = t.bounded(0, _MAX_TRAVEL_H, "hours", _VOYAGE)
_TRAVEL_H_POSITIVE = t.bounded(0, _MAX_TRAVEL_H, "hours", _VOYAGE, low_open=True)
_DWELL_H = t.bounded(0, 720, "hours", "30 days: no handling, cut-off or clearance takes longer")
_DWELL_H_POSITIVE = t.bounded(0, 720, "hours", "30 days: no clearance takes longer", low_open=True)
_MONEY = t.bounded(0, 1e10, "in the bundle's currency", "above any freight price, even in dong or rupiah")
_CAPACITY_TEU = t.bounded(
    0, 50_000, "TEU", "twice the largest container ship, about 24,000 TEU", low_open=True
)
_PLUGS_TEU = t.bounded(0, 50_000, "TEU", "twice the largest container ship, about 24,000 TEU")
_SEQ = t.bounded(0, 1e6, "", "a stop's place in its service: no service has a million stops")
_FACTOR = t.bounded(
    0, 10_000, "g or kg CO2e per unit", "ten times air freight's, the top GLEC default (about 1,000 g/t-km)"
)
_MULTIPLIER = t.bounded(
    0, 10, "times", "no condition makes a leg's emissions tenfold (a reefer adds about 20%)", low_open=True
)

TERMINALS = {
    "id": Column(t.ident),
    "locode": Column(t.text, required=False),
    "name_en": Column(t.text),
    "name_zh": Column(t.text),
    "lat": Column(t.latitude),
    "lon": Column(t.longitude),
    "timezone": Column(t.timezone),
    "country": Column(t.country),
    "modes": Column(t.modes),
    "kind": Column(t.text, required=False, default="hub"),
    "reefer": Column(t.boolean, required=False, default=False),
    "dg_classes": Column(t.tokens, required=False, default=frozenset()),
    "customs": Column(t.boolean, required=False, default=False),
    "bonded": Column(t.boolean, required=False, default=False),
    "handling_h": Column(_DWELL_H, required=False, default=0.0),
    "handling_cost_per_teu": Column(_MONEY, required=False, default=0.0),
    "handling_factor": Column(t.text, required=False),
    "source": Column(t.source_text),
    "notes": Column(t.text, required=False, default=""),
    "opening_hours": Column(t.opening_hours, required=False, default=()),
    "aliases": Column(t.tokens, required=False, default=frozenset()),
}

LINKS = {
    "id": Column(t.ident),
    "from": Column(t.ident),
    "to": Column(t.ident),
    "mode": Column(t.mode),
    "distance_km": Column(_KM),
    "duration_h": Column(_TRAVEL_H_POSITIVE, required=False),
    "speed_kmh": Column(_SPEED, required=False),
    "cost_per_unit": Column(_MONEY),
    "cost_unit": Column(t.choice(*(u.value for u in CostUnit))),
    "fixed_cost_per_teu": Column(_MONEY, required=False, default=0.0),
    "flexible": Column(t.boolean, required=False),
    "bidirectional": Column(t.boolean, required=False, default=True),
    "restrictions": Column(t.tokens, required=False, default=frozenset()),
    "emission_factor": Column(t.text, required=False, default=""),
    "name_en": Column(t.text, required=False, default=""),
    "name_zh": Column(t.text, required=False, default=""),
    "source": Column(t.source_text),
}

SERVICES = {
    "id": Column(t.ident),
    "name_en": Column(t.text),
    "name_zh": Column(t.text),
    "mode": Column(t.mode),
    "carrier": Column(t.text),
    "carrier_zh": Column(t.text, required=False, default=""),
    "capacity_teu": Column(_CAPACITY_TEU),
    "cutoff_h": Column(_DWELL_H),
    "cost_per_teu_km": Column(_MONEY),
    "fixed_cost_per_teu": Column(_MONEY, required=False, default=0.0),
    "trip_cost": Column(_MONEY, required=False, default=0.0),
    "reefer": Column(t.boolean, required=False, default=False),
    "reefer_plugs_teu": Column(_PLUGS_TEU, required=False),
    "dg_classes": Column(t.tokens, required=False, default=frozenset()),
    "emission_factor": Column(t.text),
    "departures": Column(t.clock_times),
    "weekdays": Column(t.weekdays),
    "start_date": Column(t.iso_date),
    "end_date": Column(t.iso_date),
    "source": Column(t.source_text),
    "notes": Column(t.text, required=False, default=""),
    "line": Column(t.ident, required=False),
}

STOPS = {
    "service_id": Column(t.ident),
    "seq": Column(_SEQ),
    "terminal": Column(t.ident),
    "arrive_offset_h": Column(_TRAVEL_H),
    "depart_offset_h": Column(_TRAVEL_H),
    "pickup": Column(t.boolean, required=False, default=True),
    "dropoff": Column(t.boolean, required=False, default=True),
}

CALENDAR_DATES = {
    "service_id": Column(t.ident),
    "date": Column(t.iso_date),
    "exception_type": Column(t.choice("1", "2")),
}

HANDLING = {
    "terminal": Column(t.ident),
    "from_mode": Column(t.mode),
    "to_mode": Column(t.mode),
    "handling_h": Column(_DWELL_H),
    "handling_cost_per_teu": Column(_MONEY, required=False),
    "source": Column(t.source_text),
    "notes": Column(t.text, required=False, default=""),
}

CROSSINGS = {
    "terminal": Column(t.ident),
    "countries": Column(t.countries),
    "clearance_h": Column(_DWELL_H_POSITIVE),
    "clearance_cost_per_teu": Column(_MONEY),
    "source": Column(t.source_text),
    "notes": Column(t.text, required=False, default=""),
}

FACTORS = {
    "id": Column(t.ident),
    "mode": Column(t.text, required=False, default="hub"),
    "unit": Column(t.choice(*(u.value for u in FactorUnit))),
    "wtt": Column(_FACTOR),
    "ttw": Column(_FACTOR),
    "reefer_variant": Column(t.text, required=False),
    "measured": Column(t.boolean, required=False, default=False),
    "description": Column(t.text),
    "source": Column(t.source_text),
}

ADJUSTMENTS = {
    "id": Column(t.ident),
    "mode": Column(t.mode),
    "condition": Column(t.text),
    "multiplier": Column(_MULTIPLIER),
    "description": Column(t.text),
    "source": Column(t.source_text),
}

_TONNES_PER_BOX = t.bounded(0, 40, "tonnes", "more than a 40-ft box may carry (about 28 t)")
_DAYS = t.bounded(0, 365, "days", "a year: no free storage period is longer")

TARIFFS = {
    "id": Column(t.ident),
    "service": Column(t.ident, required=False),
    "line": Column(t.ident, required=False),
    "terminal": Column(t.ident, required=False),
    "equipment": Column(t.choice(*(e.value for e in Equipment)), required=False, default="any"),
    "weight_from_t": Column(_TONNES_PER_BOX, required=False, default=0.0),
    "weight_to_t": Column(_TONNES_PER_BOX, required=False),
    "rate": Column(_MONEY, required=False, default=0.0),
    "rate_unit": Column(t.choice(*(u.value for u in RateUnit)), required=False, default="TEU"),
    "minimum_charge": Column(_MONEY, required=False, default=0.0),
    "fixed_per_teu": Column(_MONEY, required=False, default=0.0),
    "reefer_surcharge_per_teu": Column(_MONEY, required=False, default=0.0),
    "dg_surcharge_per_teu": Column(_MONEY, required=False, default=0.0),
    "storage_per_teu_day": Column(_MONEY, required=False, default=0.0),
    "free_days": Column(_DAYS, required=False, default=0.0),
    "currency": Column(t.text),
    "valid_from": Column(t.iso_date),
    "valid_to": Column(t.iso_date),
    "source": Column(t.source_text),
    "notes": Column(t.text, required=False, default=""),
}


def _closure_date(value: str) -> dt.date:
    day = t.iso_date(value)
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise t.FieldError(f"a date from {EARLIEST_DATE} to {LATEST_DATE}")
    return day


#: the kinds of closures.csv: what a patch closes for some dates (a service's dates are calendar_dates.csv's)
CLOSURE_KINDS = ("link", "terminal", "crossing")
#: the longest closure: ten years is no longer a closure but a network without the element
MAX_CLOSURE_DAYS = 3_660

CLOSURES = {
    "kind": Column(t.choice(*CLOSURE_KINDS)),
    "target": Column(t.ident),
    "from": Column(_closure_date),
    "to": Column(_closure_date),
    "source": Column(t.source_text),
    "notes": Column(t.text, required=False, default=""),
}

# The manifest's bounds: (above, at most, unit, why).
_Bounds = tuple[float, float, str, str]
_CIRCUITY = (0.0, 5.0, "", "road km per great-circle km: real networks are 1.1 to 1.6")
_ACCESS_SPEED = (0.0, 200.0, "km/h", "a truck on local roads")
_ACCESS_COST = (0.0, 1e10, "in the bundle's currency", "above any freight price, even in dong or rupiah")
_ACCESS_KM = (0.0, 20_037.5, "km", "half the Earth's circumference: no place is farther from another")
_INVENTORY_RATE = (-1e-300, 2.0, "per year", "200 %: above any cost of capital, insurance and decay")
_CARBON_PRICE = (-1e-300, float(MAX_CARBON_PRICE), "per tonne CO2e", "a hundred times any scheme's price")
_TONNES_PER_TEU = (0.0, 30.48, "tonnes", "ISO 668: a loaded 20-ft container weighs at most 30.48 t")

LEG_UNITS = {FactorUnit.G_PER_TONNE_KM, FactorUnit.G_PER_TEU_KM}
HUB_UNITS = {FactorUnit.KG_PER_TONNE, FactorUnit.KG_PER_CONTAINER}


def validate_bundle(path: str | Path) -> list[Problem]:
    """Every problem in the bundle at ``path``; an empty list means it loads."""
    try:
        load_bundle(path)
    except BundleError as err:
        return err.problems
    return []


def load_bundle(path: str | Path) -> Bundle:
    """Load the bundle at ``path`` (a folder or a zip) and validate all of it.

    Raises
    ------
    BundleError
        With every problem found, each naming its file, row and field.
    """
    path = Path(path)
    try:
        return _load_bundle(path)
    except OSError as err:  # no permission, a name too long, a folder where a file should be...
        where = Path(err.filename).name if err.filename else path.name
        raise BundleError(
            Problem(f"cannot read: {err.strerror or err}", file=where, expected="a readable file")
        ) from None


def _load_bundle(path: Path) -> Bundle:
    if not path.exists():
        raise BundleError(
            Problem("no such bundle", file=str(path), expected="a folder or zip with manifest.toml")
        )
    return load_source(Source.open(path))


def load_source(source: Source) -> Bundle:
    """Load and validate the bundle whose files ``source`` reads (a folder, a zip, or texts in memory).

    Raises
    ------
    BundleError
        With every problem found, each naming its file, row and field.
    """
    path = source.path
    problems: list[Problem] = []
    manifest = _read_manifest(source, problems)
    factors, _ = _read_factors(source, problems)
    # Terminals whose row had a problem: references to them raise no second problem.
    broken: set[str] = set()
    terminals = _read_terminals(source, factors, problems, broken)
    links, link_lines = _read_links(source, terminals, broken, factors, problems)
    crossings, unsure = _read_crossings(source, terminals, broken, problems)
    handling = _read_handling(source, terminals, broken, problems)
    _check_borders(links, link_lines, terminals, crossings, unsure, problems)
    services = _read_services(source, terminals, broken, links, factors, problems)
    currency = manifest.currency if manifest is not None else None
    tariffs = _read_tariffs(source, terminals, broken, services, currency, problems)
    closures = _read_closures(source, terminals, broken, links, crossings, problems)
    access_factor = manifest.access.emission_factor if manifest is not None else ""
    if access_factor and access_factor not in factors and access_factor not in factors.broken:
        problems.append(
            Problem(
                "unknown emission factor",
                file="manifest.toml",
                field="access.emission_factor",
                found=access_factor,
                expected="an id in factors.csv",
            )
        )
    if problems or manifest is None:
        raise BundleError(problems)
    return Bundle(
        manifest=manifest,
        terminals=terminals,
        links=tuple(links),
        services=tuple(services),
        crossings=crossings,
        factors=dataclasses.replace(factors, broken=frozenset()),
        origin=str(path),
        handling=handling,
        tariffs=tuple(tariffs),
        closures=tuple(closures),
    )


def _read_manifest(source: Source, problems: list[Problem]) -> Manifest | None:
    file = "manifest.toml"
    if not source.exists(file):
        problems.append(
            Problem("file is missing", file=file, expected="a TOML manifest with a [bundle] table")
        )
        return None
    try:
        text = source.text_or_problem(file, problems)
        if text is None:
            return None
        doc = tomllib.loads(text)
    except (
        tomllib.TOMLDecodeError,
        RecursionError,
    ) as err:  # arrays nested thousands deep overflow the parser
        problems.append(Problem(f"not valid TOML: {err}", file=file, expected="a TOML manifest"))
        return None
    head = _toml_table(doc, "bundle", file, problems)
    ok = head is not None
    head = head or {}
    for key in ("name", "title_en", "title_zh"):
        if not isinstance(head.get(key), str) or not head.get(key):
            problems.append(
                Problem("value is missing", file=file, field=f"bundle.{key}", expected="a string")
            )
            ok = False

    def num(table: dict[str, Any], key: str, prefix: str, default: float, bounds: _Bounds) -> float:
        nonlocal ok
        value = table.get(key, default)
        low, high, unit, why = bounds
        # written so that NaN fails too: no comparison with NaN is true
        fits = isinstance(value, int | float) and not isinstance(value, bool) and low < value <= high
        if not fits:
            problems.append(
                Problem(
                    "value is not valid",
                    file=file,
                    field=f"{prefix}.{key}",
                    found=t.excerpt(str(value)),
                    expected=f"a number more than {low:g} and at most {high:g} {unit} ({why})",
                )
            )
            ok = False
            return default
        return float(value)

    def src(table: dict[str, Any], key: str, prefix: str) -> str:
        nonlocal ok
        value = table.get(key)
        if not isinstance(value, str) or not value.strip():
            problems.append(
                Problem(
                    "source is missing",
                    file=file,
                    field=f"{prefix}.{key}",
                    expected="a citation, or the word assumption",
                )
            )
            ok = False
            return ""
        return value

    acc = _toml_table(doc, "access", file, problems)
    cargo = _toml_table(doc, "cargo", file, problems)
    ok = ok and acc is not None and cargo is not None
    acc, cargo = acc or {}, cargo or {}
    inventory = _toml_table(doc, "inventory", file, problems)
    ok = ok and inventory is not None
    inventory = inventory or {}
    carbon = _toml_table(doc, "carbon", file, problems)
    ok = ok and carbon is not None
    carbon = carbon or {}
    access = Access(
        circuity=num(acc, "circuity", "access", 1.3, _CIRCUITY),
        speed_kmh=num(acc, "speed_kmh", "access", 50.0, _ACCESS_SPEED),
        cost_per_teu_km=num(acc, "cost_per_teu_km", "access", 6.0, _ACCESS_COST),
        emission_factor=str(acc.get("emission_factor", "")),
        max_km=num(acc, "max_km", "access", 300.0, _ACCESS_KM),
        source=src(acc, "source", "access") if acc else "assumption",
    )
    currency = head.get("currency", "CNY")
    if currency not in t.CURRENCIES:
        problems.append(
            Problem(
                "unknown currency",
                file=file,
                field="bundle.currency",
                found=t.excerpt(str(currency)),
                expected="an ISO 4217 currency code in use, such as CNY, USD or THB",
            )
        )
        ok = False
    tonnes = num(cargo, "tonnes_per_teu", "cargo", 10.0, _TONNES_PER_TEU)
    max_tonnes = num(cargo, "max_tonnes_per_teu", "cargo", 28.0, _TONNES_PER_TEU)
    if tonnes > max_tonnes:
        problems.append(
            Problem(
                "the average load is above the most a TEU may carry",
                file=file,
                field="cargo.tonnes_per_teu",
                found=f"{tonnes:g}",
                expected=f"at most cargo.max_tonnes_per_teu ({max_tonnes:g})",
            )
        )
        ok = False
    manifest = Manifest(
        name=str(head.get("name", "")),
        title_en=str(head.get("title_en", "")),
        title_zh=str(head.get("title_zh", "")),
        currency=str(currency),
        region=str(head.get("region", "")),
        description=str(head.get("description", "")),
        version=str(head.get("version", "1")),
        tonnes_per_teu=tonnes,
        tonnes_per_teu_source=src(cargo, "tonnes_per_teu_source", "cargo") if cargo else "assumption",
        max_tonnes_per_teu=max_tonnes,
        max_tonnes_per_teu_source=src(cargo, "max_tonnes_per_teu_source", "cargo") if cargo else "assumption",
        access=access,
        inventory_rate_per_year=num(inventory, "rate_per_year", "inventory", 0.0, _INVENTORY_RATE)
        if "rate_per_year" in inventory
        else 0.0,
        inventory_rate_source=src(inventory, "source", "inventory") if inventory else "assumption",
        carbon_price_per_t=num(carbon, "price_per_t", "carbon", 0.0, _CARBON_PRICE)
        if "price_per_t" in carbon
        else 0.0,
        carbon_price_source=src(carbon, "source", "carbon") if carbon else "assumption",
    )
    return manifest if ok else None


def _toml_table(doc: dict[str, Any], key: str, file: str, problems: list[Problem]) -> dict[str, Any] | None:
    """The manifest's table ``key`` (empty when absent), or ``None`` with a problem when it is no table."""
    value = doc.get(key, {})
    if isinstance(value, dict):
        return value
    problems.append(
        Problem("not a table", file=file, field=key, found=t.excerpt(str(value)), expected=f"a [{key}] table")
    )
    return None


def _check_source(file: str, line: int, row: dict[str, Any], problems: list[Problem]) -> None:
    # Facts carry their source: an empty or placeholder source is a defect, "assumption" is an answer.
    if row["source"].strip().lower() in {"", "-", "none", "n/a", "?", "todo"}:
        problems.append(
            Problem(
                "source is missing",
                file=file,
                row=line,
                field="source",
                found=row["source"],
                expected="a citation, or the word assumption",
            )
        )


def _duplicate(
    file: str, line: int, key: str, value: str, seen: dict[str, int], problems: list[Problem]
) -> bool:
    if value in seen:
        problems.append(
            Problem(
                f"duplicate id (first on line {seen[value]})",
                file=file,
                row=line,
                field=key,
                found=value,
                expected="an id used once",
            )
        )
        return True
    seen[value] = line
    return False


def _read_factors(
    source: Source, problems: list[Problem], file: str = "factors.csv"
) -> tuple[FactorTable, dict[str, int]]:
    """The factor table in ``file``, and the line of each factor in it."""
    factors: dict[str, EmissionFactor] = {}
    seen: dict[str, int] = {}
    lines: dict[str, int] = {}
    table = t.read_table(source, file, FACTORS, problems)
    broken = set(table.broken)
    for line, row in table:
        _check_source(file, line, row, problems)
        if _duplicate(file, line, "id", row["id"], seen, problems):
            continue
        unit = FactorUnit(row["unit"])
        factor_mode: Mode | None = None
        if row["mode"] != "hub":
            try:
                factor_mode = Mode(row["mode"])
            except ValueError:
                problems.append(
                    Problem(
                        "unknown mode",
                        file=file,
                        row=line,
                        field="mode",
                        found=row["mode"],
                        expected="hub | " + " | ".join(m.value for m in Mode),
                    )
                )
                broken.add(row["id"])
                continue
        expected_units = HUB_UNITS if factor_mode is None else LEG_UNITS
        if unit not in expected_units:
            problems.append(
                Problem(
                    "unit does not fit the mode",
                    file=file,
                    row=line,
                    field="unit",
                    found=unit.value,
                    expected=" | ".join(sorted(u.value for u in expected_units)),
                )
            )
            broken.add(row["id"])
            continue
        factors[row["id"]] = EmissionFactor(
            id=row["id"],
            mode=factor_mode,
            unit=unit,
            wtt=row["wtt"],
            ttw=row["ttw"],
            description=row["description"],
            source=row["source"],
            reefer_variant=row["reefer_variant"],
            measured=row["measured"],
        )
        lines[row["id"]] = line
    if file == "factors.csv":  # an override's variants may be the bundle's: it is checked once merged
        problems.extend(_reefer_variant_problems(factors, lines, file))
    adjustments = []
    adj_file = "adjustments.csv"
    if file != "factors.csv":  # a file of overrides holds factors only
        return FactorTable(factors, (), frozenset(broken)), lines
    for line, row in t.read_table(source, adj_file, ADJUSTMENTS, problems, optional=True):
        _check_source(adj_file, line, row, problems)
        cond = row["condition"]
        if not (cond == "cargo=reefer" or (cond.startswith("region=") and len(cond) > 7)):
            problems.append(
                Problem(
                    "unknown condition",
                    file=adj_file,
                    row=line,
                    field="condition",
                    found=cond,
                    expected="cargo=reefer or region=<name>",
                )
            )
            continue
        adjustments.append(
            Adjustment(row["id"], row["mode"], cond, row["multiplier"], row["description"], row["source"])
        )
    # Factors with a problem already reported: references to them raise no second problem.
    return FactorTable(factors, tuple(adjustments), frozenset(broken)), lines


def _reefer_variant_problems(
    factors: Mapping[str, EmissionFactor], lines: Mapping[str, int], file: str
) -> list[Problem]:
    """Problems of the reefer variants named on the rows in ``lines``.

    A variant is the reefer figure of its base, so it has no variant of its own: a chain or a circle of
    variants (a reefer's reefer, or a base that is its own reefer) has no meaning and is refused.
    """
    problems = []
    for f in factors.values():
        if not f.reefer_variant or f.id not in lines:
            continue
        variant = factors.get(f.reefer_variant)
        if variant is None or variant.unit != f.unit:
            problems.append(
                Problem(
                    "reefer variant is not a factor of the same unit",
                    file=file,
                    row=lines[f.id],
                    field="reefer_variant",
                    found=f.reefer_variant,
                    expected="an id in factors.csv",
                )
            )
        elif variant.id == f.id or variant.reefer_variant:
            chain = f"{f.id} -> {variant.id}" + (
                f" -> {variant.reefer_variant}" if variant.id != f.id else ""
            )
            problems.append(
                Problem(
                    "reefer variants chain or circle: a variant is a reefer figure, without a variant",
                    file=file,
                    row=lines[f.id],
                    field="reefer_variant",
                    found=chain,
                    expected="a factor whose reefer_variant is empty",
                )
            )
    return problems


def _check_factor(
    file: str,
    line: int,
    factor_id: str | None,
    mode: Mode | None,
    factors: FactorTable,
    problems: list[Problem],
    field: str = "emission_factor",
) -> None:
    if factor_id is None or factor_id in factors.broken:
        return
    if factor_id not in factors:
        problems.append(
            Problem(
                "unknown emission factor",
                file=file,
                row=line,
                field=field,
                found=factor_id,
                expected="an id in factors.csv",
            )
        )
    elif factors[factor_id].mode != mode:
        want = mode.value if mode else "hub"
        problems.append(
            Problem(
                f"emission factor is for {factors[factor_id].mode or 'hub'}, not {want}",
                file=file,
                row=line,
                field=field,
                found=factor_id,
                expected=f"a factor whose mode is {want}",
            )
        )


def _read_terminals(
    source: Source, factors: FactorTable, problems: list[Problem], broken: set[str]
) -> dict[str, Terminal]:
    file = "terminals.csv"
    terminals: dict[str, Terminal] = {}
    seen: dict[str, int] = {}
    table = t.read_table(source, file, TERMINALS, problems)
    broken |= table.broken
    for line, row in table:
        _check_source(file, line, row, problems)
        if _duplicate(file, line, "id", row["id"], seen, problems):
            continue
        if not row["modes"]:
            problems.append(Problem("no modes", file=file, row=line, field="modes", expected="road|rail|..."))
        _check_factor(file, line, row["handling_factor"], None, factors, problems, field="handling_factor")
        terminals[row["id"]] = Terminal(
            id=row["id"],
            name_en=row["name_en"],
            name_zh=row["name_zh"],
            lat=row["lat"],
            lon=row["lon"],
            timezone=row["timezone"],
            country=row["country"],
            modes=row["modes"],
            locode=row["locode"],
            reefer=row["reefer"],
            dg_classes=row["dg_classes"],
            customs=row["customs"],
            bonded=row["bonded"],
            handling_h=row["handling_h"],
            handling_cost_per_teu=row["handling_cost_per_teu"],
            handling_factor=row["handling_factor"],
            kind=row["kind"],
            source=row["source"],
            notes=row["notes"],
            opening_hours=row["opening_hours"],
            aliases=row["aliases"],
        )
    return terminals


def _known_terminal(
    file: str,
    line: int,
    field: str,
    terminal_id: str,
    terminals: dict[str, Terminal],
    broken: set[str],
    problems: list[Problem],
) -> Terminal | None:
    """The terminal a row refers to, or ``None`` after reporting it unknown (once: a broken row is not)."""
    terminal = terminals.get(terminal_id)
    if terminal is None and terminal_id not in broken:
        problems.append(
            Problem(
                "unknown terminal",
                file=file,
                row=line,
                field=field,
                found=terminal_id,
                expected="an id in terminals.csv",
            )
        )
    return terminal


def _check_terminal(
    file: str,
    line: int,
    field: str,
    terminal_id: str,
    mode: Mode,
    terminals: dict[str, Terminal],
    broken: set[str],
    problems: list[Problem],
    what: str,
) -> bool:
    terminal = _known_terminal(file, line, field, terminal_id, terminals, broken, problems)
    if terminal is None:
        return False
    if mode not in terminal.modes:
        problems.append(
            Problem(
                f"{what} at a terminal that does not handle {mode.value}",
                file=file,
                row=line,
                field=field,
                found=terminal_id,
                expected=f"a terminal whose modes include {mode.value}",
            )
        )
        return False
    return True


def _read_links(
    source: Source,
    terminals: dict[str, Terminal],
    broken: set[str],
    factors: FactorTable,
    problems: list[Problem],
) -> tuple[list[Link], dict[str, int]]:
    file = "links.csv"
    geometry = _read_geometry(source, problems)
    links: list[Link] = []
    lines: dict[str, int] = {}
    seen: dict[str, int] = {}
    for line, row in t.read_table(source, file, LINKS, problems):
        _check_source(file, line, row, problems)
        if _duplicate(file, line, "id", row["id"], seen, problems):
            continue
        ok = _check_terminal(
            file, line, "from", row["from"], row["mode"], terminals, broken, problems, "link starts"
        )
        ok &= _check_terminal(
            file, line, "to", row["to"], row["mode"], terminals, broken, problems, "link ends"
        )
        if row["from"] == row["to"]:
            problems.append(
                Problem(
                    "link starts and ends at the same terminal",
                    file=file,
                    row=line,
                    field="to",
                    found=row["to"],
                    expected="another terminal",
                )
            )
            ok = False
        if row["emission_factor"] or row["mode"] is not Mode.WALK:
            _check_factor(file, line, row["emission_factor"] or None, row["mode"], factors, problems)
            if not row["emission_factor"]:
                problems.append(
                    Problem(
                        "value is missing",
                        file=file,
                        row=line,
                        field="emission_factor",
                        expected="an id in factors.csv (only walk links may leave it empty)",
                    )
                )
        flexible = row["flexible"] if row["flexible"] is not None else row["mode"] is Mode.ROAD
        duration = row["duration_h"]
        if duration is None and row["speed_kmh"] is not None:
            duration = row["distance_km"] / row["speed_kmh"]
            if duration > _MAX_TRAVEL_H:
                problems.append(
                    Problem(
                        "distance_km / speed_kmh is a journey too long",
                        file=file,
                        row=line,
                        field="speed_kmh",
                        found=f"{duration:.0f} hours",
                        expected=f"at most {_MAX_TRAVEL_H} hours ({_VOYAGE})",
                    )
                )
                ok = False
        if duration is None and flexible:
            # links that only carry services take their times from the timetable
            problems.append(
                Problem(
                    "a flexible link needs a duration",
                    file=file,
                    row=line,
                    field="duration_h",
                    expected="a duration in hours > 0, or speed_kmh",
                )
            )
            continue
        if not ok:
            continue
        lines[row["id"]] = line
        links.append(
            Link(
                id=row["id"],
                from_id=row["from"],
                to_id=row["to"],
                mode=row["mode"],
                distance_km=row["distance_km"],
                duration_h=duration,
                cost_per_unit=row["cost_per_unit"],
                cost_unit=CostUnit(row["cost_unit"]),
                emission_factor=row["emission_factor"],
                fixed_cost_per_teu=row["fixed_cost_per_teu"],
                flexible=flexible,
                bidirectional=row["bidirectional"],
                restrictions=row["restrictions"],
                name_en=row["name_en"],
                name_zh=row["name_zh"],
                geometry=geometry.get(row["id"]),
                source=row["source"],
            )
        )
    return links, lines


def _read_geometry(source: Source, problems: list[Problem]) -> dict[str, tuple[tuple[float, float], ...]]:
    file = "links.geojson"
    if not source.exists(file):
        return {}
    try:
        text = source.text_or_problem(file, problems)
        if text is None:
            return {}
        doc = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as err:  # arrays nested thousands deep overflow the parser
        problems.append(Problem(f"not valid JSON: {err}", file=file, expected="a GeoJSON FeatureCollection"))
        return {}
    features = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(features, list):
        problems.append(
            Problem(
                "not a GeoJSON FeatureCollection", file=file, field="features", expected="a list of features"
            )
        )
        return {}
    out = {}
    for i, feature in enumerate(features, start=1):
        line = _line_string(feature)
        if line is None:
            problems.append(
                Problem(
                    "feature is not a LineString with properties.id",
                    file=file,
                    row=i,
                    field="features",
                    expected="a LineString of two or more [lon, lat] within -180..180 and -90..90",
                )
            )
            continue
        out[line[0]] = line[1]
    return out


def _line_string(feature: Any) -> tuple[str, tuple[tuple[float, float], ...]] | None:
    """A feature's link id and points, or ``None`` when it is not a LineString of real coordinates."""
    if not isinstance(feature, dict):
        return None
    props, geom = feature.get("properties"), feature.get("geometry")
    link_id = props.get("id") if isinstance(props, dict) else None
    coords = geom.get("coordinates") if isinstance(geom, dict) else None
    if not isinstance(link_id, str) or not link_id or not isinstance(geom, dict):
        return None
    if geom.get("type") != "LineString" or not isinstance(coords, list) or len(coords) < 2:
        return None
    points = []
    for c in coords:
        pair = c[:2] if isinstance(c, list) and len(c) >= 2 else None
        if pair is None or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in pair):
            return None
        lon, lat = float(pair[0]), float(pair[1])
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):  # NaN fails too
            return None
        points.append((lon, lat))
    return link_id, tuple(points)


def _read_crossings(
    source: Source, terminals: dict[str, Terminal], broken: set[str], problems: list[Problem]
) -> tuple[dict[str, BorderCrossing], set[str]]:
    """The crossings by terminal, and the terminals whose crossing row had a problem (reported already)."""
    file = "crossings.csv"
    crossings: dict[str, BorderCrossing] = {}
    seen: dict[str, int] = {}
    table = t.read_table(source, file, CROSSINGS, problems, optional=True)
    for line, row in table:
        _check_source(file, line, row, problems)
        if _duplicate(file, line, "terminal", row["terminal"], seen, problems):
            continue
        if _known_terminal(file, line, "terminal", row["terminal"], terminals, broken, problems) is None:
            continue
        crossings[row["terminal"]] = BorderCrossing(
            terminal_id=row["terminal"],
            countries=row["countries"],
            clearance_h=row["clearance_h"],
            clearance_cost_per_teu=row["clearance_cost_per_teu"],
            source=row["source"],
            notes=row["notes"],
        )
    return crossings, table.broken


def _carries_something(stops: list[dict[str, Any]]) -> bool:
    picked = False
    for stop in stops:
        if picked and stop["dropoff"]:
            return True
        picked = picked or stop["pickup"]
    return False


def _read_handling(
    source: Source, terminals: dict[str, Terminal], broken: set[str], problems: list[Problem]
) -> dict[tuple[str, Mode, Mode], ModeHandling]:
    file = "handling.csv"
    out: dict[tuple[str, Mode, Mode], ModeHandling] = {}
    seen: dict[str, int] = {}
    for line, row in t.read_table(source, file, HANDLING, problems, optional=True):
        _check_source(file, line, row, problems)
        terminal, a, b = row["terminal"], row["from_mode"], row["to_mode"]
        if _duplicate(file, line, "to_mode", f"{terminal} {a.value}>{b.value}", seen, problems):
            continue
        found = _known_terminal(file, line, "terminal", terminal, terminals, broken, problems)
        if found is None:
            continue
        known = found.modes
        walks = [(name, m) for name, m in (("from_mode", a), ("to_mode", b)) if m is Mode.WALK]
        for name, m in walks:
            problems.append(
                Problem(
                    "a walker is never handled",
                    file=file,
                    row=line,
                    field=name,
                    found=m.value,
                    expected="road, rail, inland_waterway or sea",
                )
            )
        if walks:
            continue
        bad = [(name, m) for name, m in (("from_mode", a), ("to_mode", b)) if m not in known]
        for name, m in bad:
            problems.append(
                Problem(
                    f"terminal {terminal} does not handle {m.value}",
                    file=file,
                    row=line,
                    field=name,
                    found=m.value,
                    expected="one of the terminal's modes: " + "|".join(sorted(x.value for x in known)),
                )
            )
        if bad:
            continue
        out[(terminal, a, b)] = ModeHandling(
            terminal_id=terminal,
            from_mode=a,
            to_mode=b,
            handling_h=row["handling_h"],
            handling_cost_per_teu=row["handling_cost_per_teu"],
            source=row["source"],
            notes=row["notes"],
        )
    return out


def _check_borders(
    links: list[Link],
    lines: dict[str, int],
    terminals: dict[str, Terminal],
    crossings: dict[str, BorderCrossing],
    unsure: set[str],
    problems: list[Problem],
) -> None:
    # Cross-border legs must clear customs somewhere: at least one end must be a crossing. A crossing row
    # with a problem of its own counts, so that its problem is not echoed here.
    clears = crossings.keys() | unsure
    for link in links:
        a, b = terminals[link.from_id], terminals[link.to_id]
        if a.country != b.country and a.id not in clears and b.id not in clears:
            problems.append(
                Problem(
                    f"link crosses from {a.country} to {b.country} but neither end clears customs",
                    file="links.csv",
                    row=lines[link.id],
                    field="id",
                    found=link.id,
                    expected="a crossings.csv row for one of its terminals",
                )
            )


def _read_services(
    source: Source,
    terminals: dict[str, Terminal],
    broken: set[str],
    links: list[Link],
    factors: FactorTable,
    problems: list[Problem],
) -> list[Service]:
    file = "services.csv"
    by_pair = {(lk.from_id, lk.to_id, lk.mode) for lk in links}
    by_pair |= {(lk.to_id, lk.from_id, lk.mode) for lk in links if lk.bidirectional}
    rows: dict[str, tuple[int, dict[str, Any]]] = {}
    seen: dict[str, int] = {}
    table = t.read_table(source, file, SERVICES, problems, optional=True)
    for line, row in table:
        _check_source(file, line, row, problems)
        if _duplicate(file, line, "id", row["id"], seen, problems):
            continue
        _check_factor(file, line, row["emission_factor"], row["mode"], factors, problems)
        if row["end_date"] < row["start_date"]:
            problems.append(
                Problem(
                    "end_date is before start_date",
                    file=file,
                    row=line,
                    field="end_date",
                    found=row["end_date"].isoformat(),
                    expected=f">= {row['start_date']}",
                )
            )
        problems.extend(_plug_problems(file, line, row))
        rows[row["id"]] = (line, row)

    stops_file = "service_stops.csv"
    stops: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    stop_table = t.read_table(source, stops_file, STOPS, problems, optional=not rows)
    # a service with a bad stop row is not checked hop by hop: its hops would only repeat that problem
    incomplete = set(stop_table.broken)
    for line, row in stop_table:
        if row["service_id"] not in rows:
            if row["service_id"] not in seen and row["service_id"] not in table.broken:
                problems.append(
                    Problem(
                        "unknown service",
                        file=stops_file,
                        row=line,
                        field="service_id",
                        found=row["service_id"],
                        expected="an id in services.csv",
                    )
                )
            continue
        stops.setdefault(row["service_id"], []).append((line, row))

    exceptions: dict[str, tuple[set[Any], set[Any]]] = {}
    dates_file = "calendar_dates.csv"
    for line, row in t.read_table(source, dates_file, CALENDAR_DATES, problems, optional=True):
        if row["service_id"] not in rows:
            if row["service_id"] in table.broken or row["service_id"] in seen:
                continue
            problems.append(
                Problem(
                    "unknown service",
                    file=dates_file,
                    row=line,
                    field="service_id",
                    found=row["service_id"],
                    expected="an id in services.csv",
                )
            )
            continue
        added, removed = exceptions.setdefault(row["service_id"], (set(), set()))
        (added if row["exception_type"] == "1" else removed).add(row["date"])

    services = []
    for service_id, (line, row) in rows.items():
        own = sorted(stops.get(service_id, []), key=lambda item: item[1]["seq"])
        if len(own) < 2:
            problems.append(
                Problem(
                    "service has fewer than two stops",
                    file=file,
                    row=line,
                    field="id",
                    found=service_id,
                    expected=f"two or more rows for the service in {stops_file}",
                )
            )
            continue
        ok = True
        prev: dict[str, Any] | None = None
        for stop_line, stop in own:
            ok &= _check_terminal(
                stops_file,
                stop_line,
                "terminal",
                stop["terminal"],
                row["mode"],
                terminals,
                broken,
                problems,
                f"{row['mode'].value} service stops",
            )
            if stop["depart_offset_h"] < stop["arrive_offset_h"]:
                problems.append(
                    Problem(
                        "departs before it arrives",
                        file=stops_file,
                        row=stop_line,
                        field="depart_offset_h",
                        found=str(stop["depart_offset_h"]),
                        expected=f">= arrive_offset_h ({stop['arrive_offset_h']})",
                    )
                )
                ok = False
            if prev is not None:
                if stop["seq"] == prev["seq"]:
                    problems.append(
                        Problem(
                            "duplicate stop sequence",
                            file=stops_file,
                            row=stop_line,
                            field="seq",
                            found=str(stop["seq"]),
                            expected="increasing seq",
                        )
                    )
                    ok = False
                if stop["arrive_offset_h"] <= prev["depart_offset_h"]:
                    problems.append(
                        Problem(
                            "zero or negative travel time from the previous stop",
                            file=stops_file,
                            row=stop_line,
                            field="arrive_offset_h",
                            found=str(stop["arrive_offset_h"]),
                            expected=f"> {prev['depart_offset_h']} (the previous departure)",
                        )
                    )
                    ok = False
                if (
                    (prev["terminal"], stop["terminal"], row["mode"]) not in by_pair
                    and prev["terminal"] in terminals
                    and stop["terminal"] in terminals
                    and service_id not in incomplete
                ):
                    problems.append(
                        Problem(
                            f"no {row['mode'].value} link from {prev['terminal']} to {stop['terminal']}",
                            file=stops_file,
                            row=stop_line,
                            field="terminal",
                            found=stop["terminal"],
                            expected=f"a links.csv row joining the two stops by {row['mode'].value}",
                        )
                    )
                    ok = False
            prev = stop
        if ok and not _carries_something([stop for _, stop in own]):
            problems.append(
                Problem(
                    "the service carries nothing: no stop picks cargo up before a later stop sets it down",
                    file=stops_file,
                    row=own[0][0],
                    field="pickup",
                    found=f"service {service_id}",
                    expected="pickup true at a stop before one with dropoff true",
                )
            )
            ok = False
        if not ok:
            continue
        added, removed = exceptions.get(service_id, (set(), set()))
        services.append(
            Service(
                id=service_id,
                name_en=row["name_en"],
                name_zh=row["name_zh"],
                mode=row["mode"],
                carrier=row["carrier"],
                carrier_zh=row["carrier_zh"],
                stops=tuple(
                    ServiceStop(
                        s["terminal"], s["arrive_offset_h"], s["depart_offset_h"], s["pickup"], s["dropoff"]
                    )
                    for _, s in own
                ),
                departures=row["departures"],
                calendar=Calendar(
                    row["weekdays"], row["start_date"], row["end_date"], frozenset(added), frozenset(removed)
                ),
                capacity_teu=row["capacity_teu"],
                cutoff_h=row["cutoff_h"],
                cost_per_teu_km=row["cost_per_teu_km"],
                emission_factor=row["emission_factor"],
                fixed_cost_per_teu=row["fixed_cost_per_teu"],
                trip_cost=row["trip_cost"],
                reefer=row["reefer"],
                reefer_plugs_teu=row["reefer_plugs_teu"],
                dg_classes=row["dg_classes"],
                source=row["source"],
                notes=row["notes"],
                line=row["line"] or service_id,
            )
        )
    return services


def _plug_problems(file: str, line: int, row: dict[str, Any]) -> list[Problem]:
    """Reefer plugs that mean nothing: on a service that carries no reefer boxes, or more than it carries."""
    plugs = row["reefer_plugs_teu"]
    if plugs is None:
        return []
    if not row["reefer"]:
        return [
            Problem(
                "reefer plugs on a service that carries no reefer boxes",
                file=file,
                row=line,
                field="reefer_plugs_teu",
                found=f"{plugs:g}",
                expected="empty, or reefer true",
            )
        ]
    if plugs > row["capacity_teu"]:
        return [
            Problem(
                "more reefer plugs than the service carries",
                file=file,
                row=line,
                field="reefer_plugs_teu",
                found=f"{plugs:g}",
                expected=f"at most capacity_teu ({row['capacity_teu']:g})",
            )
        ]
    return []


def _read_tariffs(
    source: Source,
    terminals: dict[str, Terminal],
    broken: set[str],
    services: list[Service],
    currency: str | None,
    problems: list[Problem],
) -> list[Tariff]:
    """The rows of ``tariffs.csv``: each prices the rides of a service or line, or storage at a terminal."""
    file = "tariffs.csv"
    service_ids = {s.id for s in services}
    lines = {s.line for s in services if s.line}
    out: list[Tariff] = []
    seen: dict[str, int] = {}
    # rows by (what they price, equipment), with their lines, to find overlapping bands
    keyed: dict[tuple[str, str, str], list[tuple[int, Tariff]]] = {}
    table = t.read_table(source, file, TARIFFS, problems, optional=True)

    def problem(line: int, what: str, name: str, found: object, expected: str) -> None:
        problems.append(Problem(what, file=file, row=line, field=name, found=str(found), expected=expected))

    for line, row in table:
        _check_source(file, line, row, problems)
        if _duplicate(file, line, "id", row["id"], seen, problems):
            continue
        targets = [name for name in ("service", "line", "terminal") if row[name]]
        if len(targets) != 1:
            problem(
                line,
                "a tariff prices one thing" if targets else "a tariff prices nothing",
                targets[1] if len(targets) > 1 else "service",
                ", ".join(f"{n}={row[n]}" for n in targets) or "(empty)",
                "exactly one of service, line (a ride) or terminal (storage)",
            )
            continue
        target = targets[0]
        value = row[target]
        ok = True
        if target == "service" and value not in service_ids:
            problem(line, "unknown service", "service", value, "an id in services.csv")
            ok = False
        elif target == "line" and value not in lines:
            problem(line, "unknown line", "line", value, "a line named in services.csv")
            ok = False
        elif target == "terminal":
            ok = _known_terminal(file, line, "terminal", value, terminals, broken, problems) is not None
        equipment, unit = Equipment(row["equipment"]), RateUnit(row["rate_unit"])
        if currency is not None and row["currency"] != currency:
            problem(
                line, "not the bundle's currency", "currency", row["currency"], f"{currency} (manifest.toml)"
            )
            ok = False
        if row["valid_to"] < row["valid_from"]:
            problem(
                line, "valid_to is before valid_from", "valid_to", row["valid_to"], f">= {row['valid_from']}"
            )
            ok = False
        top = row["weight_to_t"]
        if top is not None and top <= row["weight_from_t"]:
            problem(line, "an empty weight band", "weight_to_t", f"{top:g}", "more than weight_from_t")
            ok = False
        if target == "terminal":
            priced = [n for n in ("rate", "minimum_charge", "fixed_per_teu") if row[n]]
            if priced:
                name = priced[0]
                problem(line, "a terminal's row prices storage, not rides", name, row[name], "empty or 0")
                ok = False
        else:
            if row["storage_per_teu_day"] or row["free_days"]:
                name = "storage_per_teu_day" if row["storage_per_teu_day"] else "free_days"
                problem(line, "storage is priced on a terminal's row", name, row[name], "empty or 0")
                ok = False
            if unit is RateUnit.BOX and equipment is Equipment.ANY:
                problem(line, "a rate per box needs a box", "equipment", "any", "20, 40, 40HC or reefer")
                ok = False
            if unit is RateUnit.TEU_KM and row["minimum_charge"]:
                problem(
                    line,
                    "a minimum charge needs a flat rate: a TEU-km charge depends on where cargo leaves",
                    "minimum_charge",
                    row["minimum_charge"],
                    "0, or rate_unit box or TEU",
                )
                ok = False
        if not ok:
            continue
        tariff = Tariff(
            id=row["id"],
            service=row["service"],
            line=row["line"],
            terminal=row["terminal"],
            equipment=equipment,
            weight_from_t=row["weight_from_t"],
            weight_to_t=top,
            rate=row["rate"],
            rate_unit=unit,
            minimum_charge=row["minimum_charge"],
            fixed_per_teu=row["fixed_per_teu"],
            reefer_surcharge_per_teu=row["reefer_surcharge_per_teu"],
            dg_surcharge_per_teu=row["dg_surcharge_per_teu"],
            storage_per_teu_day=row["storage_per_teu_day"],
            free_days=row["free_days"],
            currency=row["currency"],
            valid_from=row["valid_from"],
            valid_to=row["valid_to"],
            source=row["source"],
            notes=row["notes"],
        )
        same = keyed.setdefault((target, value, equipment.value), [])
        for other_line, other in same:
            if _overlap(tariff, other):
                problem(
                    line,
                    f"overlaps the row on line {other_line} ({other.id}) in weight and dates",
                    "weight_from_t",
                    f"{tariff.weight_from_t:g}",
                    f"weight bands or validity dates that do not overlap for the same {target} and equipment",
                )
                break
        else:
            same.append((line, tariff))
            out.append(tariff)
    return out


def _overlap(a: Tariff, b: Tariff) -> bool:
    a_top = math.inf if a.weight_to_t is None else a.weight_to_t
    b_top = math.inf if b.weight_to_t is None else b.weight_to_t
    weights = a.weight_from_t < b_top and b.weight_from_t < a_top
    return weights and a.valid_from <= b.valid_to and b.valid_from <= a.valid_to


def _read_closures(
    source: Source,
    terminals: dict[str, Terminal],
    broken: set[str],
    links: list[Link],
    crossings: Mapping[str, BorderCrossing],
    problems: list[Problem],
) -> list[Closure]:
    """The rows of ``closures.csv``: a link, terminal or crossing closed from one date to another.

    The dates are inclusive and in the zone of the place (a link's: its ``from`` terminal's), so the window
    runs from local midnight of ``from`` to local midnight after ``to``. A row's id is minus its line.
    """
    file = "closures.csv"
    by_link = {link.id: link for link in links}
    out: list[Closure] = []
    table = t.read_table(source, file, CLOSURES, problems, optional=True)

    def problem(line: int, what: str, name: str, found: object, expected: str) -> None:
        problems.append(Problem(what, file=file, row=line, field=name, found=str(found), expected=expected))

    for line, row in table:
        _check_source(file, line, row, problems)
        kind, target = row["kind"], row["target"]
        if row["to"] < row["from"]:
            problem(line, "to is before from", "to", row["to"], f">= {row['from']}")
            continue
        if (row["to"] - row["from"]).days >= MAX_CLOSURE_DAYS:
            problem(
                line, "too long a closure", "to", row["to"], f"at most {MAX_CLOSURE_DAYS} days after from"
            )
            continue
        if kind == "link":
            link = by_link.get(target)
            if link is None:
                problem(line, "unknown link", "target", target, "an id in links.csv")
                continue
            place = link.from_id
        elif kind == "crossing" and target not in crossings:
            problem(line, "unknown crossing", "target", target, "a terminal in crossings.csv")
            continue
        else:
            place = target
        terminal = terminals.get(place)
        if terminal is None:
            if kind == "terminal":
                _known_terminal(file, line, "target", target, terminals, broken, problems)
            continue
        zone = ZoneInfo(terminal.timezone)
        start = dt.datetime.combine(row["from"], dt.time(), zone)
        end = dt.datetime.combine(row["to"] + dt.timedelta(days=1), dt.time(), zone)
        out.append(Closure(id=-line, kind=kind, target=target, start=start, end=end, source=row["source"]))
    return out
