"""Places a user can name: a terminal id, a UN/LOCODE, a name in English or Chinese, or "lat,lon"."""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass

from intermodal.exceptions import PlaceError, Problem
from intermodal.model import Bundle, Mode

__all__ = ["Place", "great_circle_km", "place_zone", "resolve_place"]

EARTH_RADIUS_KM = 6371.0088  # IUGG mean Earth radius
#: a UN/LOCODE as written: country (ISO 3166-1 alpha-2) and a three-character place code, in capitals
LOCODE = re.compile(r"^[A-Z]{2}[A-Z2-9]{3}$")


@dataclass(frozen=True)
class Place:
    """A resolved place: a terminal, or a point that reaches the network by truck."""

    text: str
    terminal_id: str | None = None
    lat: float | None = None
    lon: float | None = None


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance in km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def resolve_place(bundle: Bundle, text: str, *, field: str = "place") -> Place:
    """Resolve ``text`` against ``bundle``.

    In order: a terminal's id, UN/LOCODE or name (any case; ``name_zh`` exactly); an alias (a feed's own
    id such as GTFS platform ``250N``, exactly, else in any case); a unique prefix of an id or English
    name; "lat,lon".

    Raises
    ------
    PlaceError
        Naming ``field``, with the nearest known names as suggestions.
    """
    raw = text.strip()
    if not raw:
        raise PlaceError(
            Problem("place is empty", field=field, expected="a terminal id, UN/LOCODE or lat,lon")
        )
    if "," in raw:
        parts = raw.split(",")
        try:
            lat, lon = float(parts[0]), float(parts[1])
        except (ValueError, IndexError):
            raise PlaceError(
                Problem(
                    "not a lat,lon pair", field=field, found=raw, expected="two numbers such as 29.35,106.65"
                )
            ) from None
        if len(parts) != 2 or not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise PlaceError(
                Problem(
                    "coordinates out of range",
                    field=field,
                    found=raw,
                    expected="lat in -90..90, lon in -180..180",
                )
            )
        return Place(raw, lat=lat, lon=lon)
    key = raw.lower()
    for terminal in bundle.terminals.values():
        if (
            key in (terminal.id, (terminal.locode or "").lower(), terminal.name_en.lower())
            or raw == terminal.name_zh
        ):
            return Place(raw, terminal_id=terminal.id)
    aliased = _by_alias(bundle, raw, field)
    if aliased is not None:
        return Place(raw, terminal_id=aliased)
    if LOCODE.match(raw):
        # a UN/LOCODE the scenario lacks: say so, and never guess a terminal whose name merely looks alike
        # (VNSGN is Ho Chi Minh City, not "yangon")
        raise PlaceError(_unknown_locode(bundle, raw, field))
    # A unique prefix of an id or English name is accepted ("laem" -> laem-chabang).
    prefixed = [
        t.id for t in bundle.terminals.values() if t.id.startswith(key) or t.name_en.lower().startswith(key)
    ]
    if len(prefixed) == 1:
        return Place(raw, terminal_id=prefixed[0])
    names = {t.id: t.id for t in bundle.terminals.values()}
    names.update({t.name_en.lower(): t.id for t in bundle.terminals.values()})
    close = difflib.get_close_matches(key, list(names), n=3, cutoff=0.5)
    suggestions = sorted({names[c] for c in close} | set(prefixed[:3]))
    hint = f"did you mean {', '.join(suggestions)}?" if suggestions else "see `intermodal scenario show`"
    raise PlaceError(
        Problem(
            f"unknown place in scenario {bundle.name}; {hint}",
            field=field,
            found=raw,
            expected="a terminal id, UN/LOCODE, name, or lat,lon",
        )
    )


def _unknown_locode(bundle: Bundle, code: str, field: str) -> Problem:
    country = code[:2]
    there = sorted(
        f"{t.locode} ({t.id})" if t.locode else t.id
        for t in bundle.terminals.values()
        if t.country == country
    )
    hint = f"its terminals in {country}: {', '.join(there)}" if there else f"it has no terminal in {country}"
    return Problem(
        f"no terminal with this UN/LOCODE in scenario {bundle.name}; {hint}",
        field=field,
        found=code,
        expected="a UN/LOCODE of one of the scenario's terminals (intermodal scenario show), a terminal id, "
        "or lat,lon",
    )


def _by_alias(bundle: Bundle, raw: str, field: str) -> str | None:
    """The terminal that has ``raw`` as an alias, exactly or else in any case; ``None`` when none has.

    Feed ids are case-sensitive (GTFS ``a`` and ``A`` are two stops), so an exact match wins over one that
    ignores case.
    """
    key = raw.lower()
    terminals = bundle.terminals.values()
    exact = sorted(t.id for t in terminals if raw in t.aliases)
    owners = exact or sorted(t.id for t in terminals if key in {a.lower() for a in t.aliases})
    if len(owners) > 1:
        raise PlaceError(
            Problem(
                f"ambiguous place in scenario {bundle.name}: an alias of {', '.join(owners)}",
                field=field,
                found=raw,
                expected="a terminal id, or an alias that names one terminal",
            )
        )
    return owners[0] if owners else None


def _near(bundle: Bundle, place: Place, *, outbound: bool) -> list[tuple[float, str]]:
    """The (up to three) road terminals a place given as coordinates reaches by truck: (km, terminal id)."""
    assert place.lat is not None and place.lon is not None
    access = bundle.manifest.access
    road = [
        (great_circle_km(place.lat, place.lon, t.lat, t.lon), t.id)
        for t in bundle.terminals.values()
        if Mode.ROAD in t.modes
    ]
    road.sort()
    near = [(km, tid) for km, tid in road[:3] if km * access.circuity <= access.max_km]
    if not near:
        nearest = f"{road[0][1]} at {road[0][0] * access.circuity:.0f} km by road" if road else "none"
        raise PlaceError(
            Problem(
                f"too far from the network: the nearest road terminal is {nearest}",
                field="from" if outbound else "to",
                found=place.text,
                expected=f"a place within {access.max_km:g} km by road of a terminal",
            )
        )
    return near


def place_zone(bundle: Bundle, place: Place, *, outbound: bool = True) -> str:
    """The time zone of ``place``: its terminal's, or that of the nearest road terminal to its coordinates."""
    if place.terminal_id is not None:
        return bundle.terminals[place.terminal_id].timezone
    return bundle.terminals[_near(bundle, place, outbound=outbound)[0][1]].timezone
