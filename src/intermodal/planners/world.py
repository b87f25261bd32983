"""A bundle whose legs follow the real world networks: road, rail and sea distances and geometry.

``follow_world`` routes every road, rail and sea link of a bundle between its terminals on the matching world
layer and takes that route's distance and shape. Where the world data has a gap (no path between the two
terminals, or a terminal far from the layer), the link keeps its assumed distance and says so in its source.
The routers are passed in, so this module needs no files: the services open them (see
:func:`intermodal.services.world.open_world`).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from intermodal.exceptions import PlaceError
from intermodal.model import Bundle, Link, Mode

__all__ = ["LinkOnWorld", "WorldLayerRouter", "follow_world"]

#: Links shorter than this (yard roads inside a hub) keep their own distance: the world graphs are too coarse.
MIN_ROUTED_KM = 5.0


class WorldLayerRouter(Protocol):
    """What :func:`follow_world` needs of a world layer."""

    def snap_pair(
        self, origin: tuple[float, float], destination: tuple[float, float]
    ) -> tuple[_Snap, _Snap]: ...

    def route(self, source: int, target: int) -> _Route: ...


class _Snap(Protocol):
    @property
    def node(self) -> int: ...

    @property
    def distance_km(self) -> float: ...


class _Route(Protocol):
    @property
    def distance_km(self) -> float: ...

    @property
    def geometry(self) -> Sequence[Sequence[float]]: ...


@dataclass(frozen=True)
class LinkOnWorld:
    """What happened to one link: its world distance, or why it kept its own."""

    link_id: str
    layer: str
    old_km: float
    new_km: float | None
    snap_km: tuple[float, float] = (0.0, 0.0)
    note: str = ""


def follow_world(
    bundle: Bundle,
    routers: Mapping[Mode, WorldLayerRouter],
    *,
    name: str,
    attribution: Mapping[Mode, str],
) -> tuple[Bundle, list[LinkOnWorld]]:
    """A copy of ``bundle`` named ``name`` whose links follow the world layers in ``routers``.

    A routed link's distance is the route on the layer plus the two snap gaps (terminal to nearest node),
    its geometry the route, and its source names the layer (``attribution``) and the distance it replaced.
    A flexible link keeps its speed, so its duration scales with the distance. Scheduled services keep their
    timetables (they are facts); their costs and emissions follow the new distances.
    """
    links: list[Link] = []
    report: list[LinkOnWorld] = []
    pairs = [frozenset((lk.from_id, lk.to_id, lk.mode)) for lk in bundle.links]
    for link, pair in zip(bundle.links, pairs, strict=True):
        router = routers.get(link.mode)
        a, b = bundle.terminals[link.from_id], bundle.terminals[link.to_id]
        why = ""
        if router is None:
            why = "no world layer for this mode"
        elif link.distance_km < MIN_ROUTED_KM:
            why = "too short for the world graphs"
        elif pairs.count(pair) > 1:
            # e.g. the Longzhouwan tunnel and the surface road around it: the graph cannot tell them apart
            why = "a parallel link between the same terminals: kept as given"
        if why:
            report.append(LinkOnWorld(link.id, link.mode.value, link.distance_km, None, note=why))
            links.append(dataclasses.replace(link, source=f"{link.source}; not on the world networks: {why}"))
            continue
        assert router is not None
        try:
            sa, sb = router.snap_pair((a.lat, a.lon), (b.lat, b.lon))
            route = router.route(sa.node, sb.node)
        except PlaceError as err:
            route, note = None, f"world {link.mode.value} network: {err}"
        else:
            note = ""
        if route is None or not math.isfinite(route.distance_km):
            note = (
                note
                or f"world {link.mode.value} network has no path between the terminals (a gap in the data)"
            )
            report.append(LinkOnWorld(link.id, link.mode.value, link.distance_km, None, note=note))
            links.append(dataclasses.replace(link, source=f"{link.source}; {note}: assumed distance kept"))
            continue
        km = route.distance_km + sa.distance_km + sb.distance_km
        shape = [(a.lon, a.lat), *((float(p[0]), float(p[1])) for p in route.geometry), (b.lon, b.lat)]
        duration = link.duration_h * km / link.distance_km if link.duration_h is not None else None
        gap = sa.distance_km + sb.distance_km
        source = (
            f"{attribution[link.mode]}: {route.distance_km:.1f} km on the network + {gap:.1f} km from the "
            f"terminals to it (was {link.distance_km:g} km: {link.source})"
        )
        links.append(
            dataclasses.replace(
                link, distance_km=round(km, 1), duration_h=duration, geometry=tuple(shape), source=source
            )
        )
        report.append(
            LinkOnWorld(
                link.id, link.mode.value, link.distance_km, round(km, 1), (sa.distance_km, sb.distance_km)
            )
        )
    manifest = dataclasses.replace(
        bundle.manifest,
        name=name,
        title_en=f"{bundle.manifest.title_en} (legs on the world road, rail and sea networks)",
        title_zh=f"{bundle.manifest.title_zh}（世界公路、铁路和海运网络）",
    )
    return dataclasses.replace(bundle, manifest=manifest, links=tuple(links)), report
