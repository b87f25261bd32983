"""Plain-JSON views of a bundle: scenario info, terminals, links, services, crossings and map overlays."""

from __future__ import annotations

import itertools
from typing import Any

from intermodal.model import Bundle, Link

__all__ = [
    "crossing_views",
    "link_views",
    "overlay",
    "scenario_info",
    "service_views",
    "terminal_views",
]

Coords = list[list[float]]


def scenario_info(bundle: Bundle, *, name: str, uploaded: bool) -> dict[str, Any]:
    m = bundle.manifest
    return {
        "name": name,
        "title_en": m.title_en,
        "title_zh": m.title_zh,
        "currency": m.currency,
        "description": m.description,
        "version": m.version,
        "uploaded": uploaded,
        "terminals": len(bundle.terminals),
        "links": len(bundle.links),
        "services": len(bundle.services),
    }


def terminal_views(bundle: Bundle) -> list[dict[str, Any]]:
    return [
        {
            "id": t.id,
            "name_en": t.name_en,
            "name_zh": t.name_zh,
            "lat": t.lat,
            "lon": t.lon,
            "timezone": t.timezone,
            "country": t.country,
            "modes": sorted(m.value for m in t.modes),
            "kind": t.kind,
            "locode": t.locode,
            "reefer": t.reefer,
            "customs": t.customs,
            "bonded": t.bonded,
            "dg_classes": sorted(t.dg_classes),
            "crossing": t.id in bundle.crossings,
        }
        for t in bundle.terminals.values()
    ]


def link_views(bundle: Bundle) -> list[dict[str, Any]]:
    return [
        {
            "id": k.id,
            "from": k.from_id,
            "to": k.to_id,
            "mode": k.mode.value,
            "distance_km": k.distance_km,
            "duration_h": k.duration_h,
            "name_en": k.name_en,
            "name_zh": k.name_zh,
            "bidirectional": k.bidirectional,
            "restrictions": sorted(k.restrictions),
        }
        for k in bundle.links
    ]


def service_views(bundle: Bundle) -> list[dict[str, Any]]:
    return [
        {
            "id": s.id,
            "line": s.line or s.id,
            "name_en": s.name_en,
            "name_zh": s.name_zh,
            "mode": s.mode.value,
            "carrier": s.carrier,
            "carrier_zh": s.carrier_zh,
            "stops": [st.terminal_id for st in s.stops],
            "departures": [d.strftime("%H:%M") for d in s.departures],
            "capacity_teu": s.capacity_teu,
            "reefer": s.reefer,
        }
        for s in bundle.services
    ]


def crossing_views(bundle: Bundle) -> list[dict[str, Any]]:
    return [
        {
            "terminal": c.terminal_id,
            "countries": sorted(c.countries),
            "clearance_h": c.clearance_h,
            "clearance_cost_per_teu": c.clearance_cost_per_teu,
        }
        for c in bundle.crossings.values()
    ]


def _link_coords(bundle: Bundle, link: Link) -> Coords:
    if link.geometry:
        return [[lon, lat] for lon, lat in link.geometry]
    # no drawn geometry: a straight line between the two terminals
    a, b = bundle.terminals[link.from_id], bundle.terminals[link.to_id]
    return [[a.lon, a.lat], [b.lon, b.lat]]


def _hop_coords(bundle: Bundle, a: str, b: str, mode: str, links: dict[tuple[str, str, str], Link]) -> Coords:
    link = links.get((a, b, mode))
    if link is not None:
        return _link_coords(bundle, link)
    back = links.get((b, a, mode))
    if back is not None:
        return _link_coords(bundle, back)[::-1]
    ta, tb = bundle.terminals[a], bundle.terminals[b]
    return [[ta.lon, ta.lat], [tb.lon, tb.lat]]


def overlay(bundle: Bundle, layer: str) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of one map layer: terminals, links, lines (services) or crossings."""
    features: list[dict[str, Any]] = []
    if layer in ("terminals", "crossings"):
        for t in terminal_views(bundle):
            if layer == "crossings" and not t["crossing"]:
                continue
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [t["lon"], t["lat"]]},
                    "properties": t,
                }
            )
    elif layer == "links":
        for view, link in zip(link_views(bundle), bundle.links, strict=True):
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "LineString", "coordinates": _link_coords(bundle, link)},
                    "properties": view,
                }
            )
    elif layer == "lines":
        links = {(k.from_id, k.to_id, k.mode.value): k for k in bundle.links}
        seen: set[str] = set()
        for view, service in zip(service_views(bundle), bundle.services, strict=True):
            # one feature per commercial line: its first direction draws it
            if view["line"] in seen:
                continue
            seen.add(view["line"])
            stops = [st.terminal_id for st in service.stops]
            coords: Coords = []
            for a, b in itertools.pairwise(stops):
                hop = _hop_coords(bundle, a, b, view["mode"], links)
                coords += hop if not coords else hop[1:]
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "LineString", "coordinates": coords},
                    "properties": view,
                }
            )
    return {"type": "FeatureCollection", "features": features}
