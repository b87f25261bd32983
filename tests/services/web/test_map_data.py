"""The shapes the map draws: every link of the embedded scenarios has one, with its source, and no ship sails
over land.

The land is the web app's own basemap (Natural Earth 1:50m, the vendored world-atlas TopoJSON), so the check
is against what the user sees. A river has no world layer to check against; its hand-drawn shape must at least
stay in its own country (on its land, or on the estuary that the basemap draws as water).
"""

from __future__ import annotations

import csv
import itertools
import json
import math
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

import intermodal

SCENARIOS = Path(intermodal.__file__).parent / "data" / "scenarios"
ATLAS = Path(intermodal.__file__).parent / "services/web/static/vendor/world-atlas/countries-50m.json"
#: a ship leaves from a quay; within this distance of the terminal it may touch the coarse 1:50m coastline
PORT_KM = 20.0
#: the straight segments between a shape's points are checked every few km, not only the points
STEP_KM = 5.0

Ring = NDArray[np.float64]


@cache
def _topology() -> dict:  # type: ignore[type-arg]
    return json.loads(ATLAS.read_text(encoding="utf-8"))


@cache
def _rings(object_name: str, country_id: str | None = None) -> list[Ring]:
    """The polygon rings of a TopoJSON object, in lon/lat (its arcs are quantized and delta-encoded)."""
    topo = _topology()
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        xy = np.cumsum(np.asarray(arc, dtype=float), axis=0)
        arcs.append(np.column_stack([xy[:, 0] * sx + tx, xy[:, 1] * sy + ty]))
    rings: list[Ring] = []
    for geometry in topo["objects"][object_name]["geometries"]:
        if country_id is not None and geometry.get("id") != country_id:
            continue
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        for polygon in polygons:
            for ring in polygon:
                rings.append(np.concatenate([arcs[i] if i >= 0 else arcs[~i][::-1] for i in ring]))
    return rings


def _inside(points: Ring, rings: list[Ring]) -> NDArray[np.bool_]:
    """Even-odd rule over all rings: holes (lakes) count as outside."""
    x, y = points[:, 0:1], points[:, 1:2]
    odd = np.zeros(len(points), dtype=bool)
    for ring in rings:
        a, b = ring[:-1], ring[1:]
        ay, by = a[:, 1][None], b[:, 1][None]
        spans = (ay > y) != (by > y)
        with np.errstate(divide="ignore", invalid="ignore"):
            cross_x = a[:, 0][None] + (y - ay) * (b[:, 0] - a[:, 0])[None] / (by - ay)
        odd ^= (np.sum(spans & (x < cross_x), axis=1) % 2).astype(bool)
    return odd


def _km(p: Ring, q: tuple[float, float]) -> NDArray[np.float64]:
    lon1, lat1, lon2, lat2 = np.radians(p[:, 0]), np.radians(p[:, 1]), math.radians(q[0]), math.radians(q[1])
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * math.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 6371.0 * 2 * np.arcsin(np.sqrt(h))


def _densify(coords: list[list[float]]) -> Ring:
    out = []
    for a, b in itertools.pairwise(coords):
        n = max(1, int(_km(np.array([a]), (b[0], b[1]))[0] // STEP_KM))
        out += [(a[0] + (b[0] - a[0]) * k / n, a[1] + (b[1] - a[1]) * k / n) for k in range(n)]
    out.append((coords[-1][0], coords[-1][1]))
    return np.asarray(out, dtype=float)


def _scenario(name: str) -> tuple[dict[str, dict[str, str]], list[dict[str, str]], dict[str, dict]]:  # type: ignore[type-arg]
    folder = SCENARIOS / name
    with (folder / "terminals.csv").open(encoding="utf-8") as f:
        terminals = {row["id"]: row for row in csv.DictReader(f)}
    with (folder / "links.csv").open(encoding="utf-8") as f:
        links = list(csv.DictReader(f))
    doc = json.loads((folder / "links.geojson").read_text(encoding="utf-8"))
    return terminals, links, {f["properties"]["id"]: f for f in doc["features"]}


def _lonlat(terminal: dict[str, str]) -> tuple[float, float]:
    return float(terminal["lon"]), float(terminal["lat"])


def _on_land_away_from_ports(coords: list[list[float]], ends: tuple[tuple[float, float], ...]) -> Ring:
    points = _densify(coords)
    near = np.minimum(*(_km(points, end) for end in ends))
    return points[_inside(points, _rings("land")) & (near > PORT_KM)]


EMBEDDED = sorted(p.name for p in SCENARIOS.iterdir() if (p / "links.csv").exists())


@pytest.mark.parametrize("name", EMBEDDED)
def test_every_link_has_a_shape_from_terminal_to_terminal_with_its_source(name: str) -> None:
    terminals, links, shapes = _scenario(name)
    assert {lk["id"] for lk in links} == set(shapes)
    for link in links:
        feature = shapes[link["id"]]
        assert feature["properties"].get("source", "").strip(), link["id"]
        coords = feature["geometry"]["coordinates"]
        assert coords[0] == pytest.approx(list(_lonlat(terminals[link["from"]]))), link["id"]
        assert coords[-1] == pytest.approx(list(_lonlat(terminals[link["to"]]))), link["id"]


@pytest.mark.parametrize("name", EMBEDDED)
def test_no_sea_lane_crosses_land(name: str) -> None:
    terminals, links, shapes = _scenario(name)
    sea = [lk for lk in links if lk["mode"] == "sea"]
    assert sea
    for link in sea:
        ends = (_lonlat(terminals[link["from"]]), _lonlat(terminals[link["to"]]))
        ashore = _on_land_away_from_ports(shapes[link["id"]]["geometry"]["coordinates"], ends)
        assert len(ashore) == 0, f"{name} {link['id']} crosses land at {ashore[:3].round(2).tolist()}"


@pytest.mark.parametrize("name", EMBEDDED)
def test_rivers_stay_in_their_country(name: str) -> None:
    terminals, links, shapes = _scenario(name)
    river = [lk for lk in links if lk["mode"] == "inland_waterway"]
    assert river
    land = _rings("land")
    for link in river:
        # the Yangtze's terminals are all in China (ISO 3166 numeric 156 in world-atlas)
        assert {terminals[link["from"]]["country"], terminals[link["to"]]["country"]} == {"CN"}
        points = _densify(shapes[link["id"]]["geometry"]["coordinates"])
        abroad = _inside(points, land) & ~_inside(points, _rings("countries", "156"))
        assert not abroad.any(), f"{link['id']} leaves China at {points[abroad][:3].round(2).tolist()}"
        assert "hand-drawn" in shapes[link["id"]]["properties"]["source"]


def test_the_check_sees_a_straight_line_across_indochina() -> None:
    # the line the map used to draw from Qinzhou to Laem Chabang runs over Vietnam, Laos and Cambodia
    terminals, _, _ = _scenario("chongqing")
    qinzhou, laem_chabang = _lonlat(terminals["qinzhou"]), _lonlat(terminals["laem-chabang"])
    ashore = _on_land_away_from_ports([list(qinzhou), list(laem_chabang)], (qinzhou, laem_chabang))
    assert len(ashore) > 100
