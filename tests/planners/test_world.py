"""Legs on the world networks: the variant bundle, with fake routers and against the real layers."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pytest

import intermodal as im
from intermodal.exceptions import PlaceError
from intermodal.model import Mode
from intermodal.planners.world import follow_world

READY = "2020-04-03T08:00+08:00"


@dataclass(frozen=True)
class FakeSnap:
    node: int
    distance_km: float


@dataclass(frozen=True)
class FakeRoute:
    distance_km: float
    geometry: list[list[float]]


class FakeRouter:
    """A road layer where every pair is 100 km apart with 1 km snaps, except a gap to Bangkok."""

    def snap_pair(
        self, origin: tuple[float, float], destination: tuple[float, float]
    ) -> tuple[FakeSnap, FakeSnap]:
        if destination == (13.75, 100.50) or origin == (13.75, 100.50):
            raise PlaceError("no node near Bangkok")
        return FakeSnap(0, 1.0), FakeSnap(1, 1.0)

    def route(self, source: int, target: int) -> FakeRoute:
        return FakeRoute(100.0, [[106.0, 29.0], [106.5, 28.0]])


def test_follow_world_routes_gaps_parallels_and_short_links() -> None:
    bundle = im.load_scenario("chongqing")
    variant, report = follow_world(
        bundle, {Mode.ROAD: FakeRouter()}, name="x-world", attribution={Mode.ROAD: "fake"}
    )
    assert variant.name == "x-world"
    by_id = {lk.id: lk for lk in variant.links}
    old = {lk.id: lk for lk in bundle.links}
    routed = by_id["nanpeng-kunming"]
    assert routed.distance_km == 102.0 and routed.source.startswith("fake: 100.0 km")
    assert routed.geometry is not None and len(routed.geometry) == 4  # terminal, route, terminal
    assert math.isclose(routed.duration_h or 0, (old["nanpeng-kunming"].duration_h or 0) * 102 / 780)
    assert (
        by_id["nongkhai-bangkok"].distance_km == 635
        and "assumed distance kept" in by_id["nongkhai-bangkok"].source
    )
    for link_id, why in (
        ("base-bonded", "too short"),
        ("longzhouwan-tunnel", "parallel link"),  # the graph cannot tell it from the surface road
        ("luohuang-qinzhou", "no world layer"),  # no rail router given
    ):
        assert by_id[link_id].distance_km == old[link_id].distance_km and why in by_id[link_id].source
    assert {r.link_id for r in report} == set(by_id)


def test_embedded_world_variant_routes_on_real_highways() -> None:
    world = im.load_scenario("chongqing-world")
    s = im.make_shipment(world, teu=2, ready=READY)
    result = im.find_routes(world, "nanpeng", "hanoi", s)
    road = [g for o in result.options for g in o.legs if g.mode is Mode.ROAD and g.distance_km > 100]
    assert road and all(len(g.geometry) > 20 for g in road)  # real highway shape, not a straight line
    for link in world.links:
        if link.mode in (Mode.ROAD, Mode.RAIL, Mode.SEA) and link.distance_km >= 5:
            assert "world" in link.source  # routed, or says why it kept its own distance


@pytest.mark.world
def test_embedded_world_variant_matches_the_world_layers() -> None:
    from intermodal.services.world import open_world

    world = im.load_scenario("chongqing-world")
    links = {lk.id: lk for lk in world.links}
    for layer, link_id in (("rail", "luohuang-qinzhou"), ("sea", "qinzhou-singapore")):
        link = links[link_id]
        a, b = world.terminals[link.from_id], world.terminals[link.to_id]
        router = open_world(layer)
        sa, sb = router.snap_pair((a.lat, a.lon), (b.lat, b.lon))
        km = router.route(sa.node, sb.node).distance_km + sa.distance_km + sb.distance_km
        assert link.distance_km == pytest.approx(km, abs=0.06)
