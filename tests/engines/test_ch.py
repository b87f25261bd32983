"""The contraction hierarchy agrees with the csgraph reference, with and without closed edges."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intermodal.engines.ch import (
    ContractionHierarchy,
    build_ch,
    distance,
    distances,
    one_to_all,
    route,
    table,
)
from intermodal.engines.dijkstra import reference_distances, reference_path
from intermodal.network.graph import Graph, flag_edges, graph_from_edges
from intermodal.services.world import WorldRouter, open_world

RTOL = 1e-9


@st.composite
def graphs(draw: st.DrawFn) -> Graph:
    """Small random multigraphs with ties, zero-length edges, parallel edges and three flag bits."""
    n = draw(st.integers(2, 40))
    m = draw(st.integers(0, 3 * n))
    ends = st.integers(0, n - 1)
    u = draw(st.lists(ends, min_size=m, max_size=m))
    v = draw(st.lists(ends, min_size=m, max_size=m))
    # Half-km steps make equal-length alternatives (ties) common; random reals test rounding.
    w = draw(
        st.lists(
            st.one_of(st.integers(0, 12).map(lambda x: x * 0.5), st.floats(0.001, 1000.0)),
            min_size=m,
            max_size=m,
        )
    )
    flags = draw(st.lists(st.sampled_from([0, 0, 0, 1, 2, 4, 3]), min_size=m, max_size=m))
    rng = np.random.default_rng(n)
    return graph_from_edges(
        np.array(u, dtype=np.int64),
        np.array(v, dtype=np.int64),
        np.array(w, dtype=np.float64),
        lat=rng.uniform(-60, 60, n),
        lon=rng.uniform(-180, 180, n),
        flags=np.array(flags),
        flag_names=("dangerous_goods", "oversize", "suez"),
    )


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(
        np.all(np.isinf(a) == np.isinf(b)) and np.allclose(a[np.isfinite(a)], b[np.isfinite(b)], rtol=RTOL)
    )


@settings(max_examples=60, deadline=None)
@given(graphs(), st.sampled_from([0, 1, 2, 4, 5, 7]))
def test_every_query_kind_matches_the_reference(g: Graph, avoid: int) -> None:
    ch = build_ch(g)
    n = g.n_nodes
    everything = np.arange(n)
    ref = reference_distances(g, everything, avoid=avoid)
    assert _close(table(ch, everything, everything, avoid=avoid), ref)
    s, t = np.meshgrid(everything, everything, indexing="ij")
    assert _close(distances(ch, s.ravel(), t.ravel(), avoid=avoid), ref.ravel())
    for src in range(n):
        assert _close(one_to_all(ch, src, avoid=avoid), ref[src])
        for dst in range(0, n, 3):
            r = route(ch, src, dst, avoid=avoid)
            if np.isinf(ref[src, dst]):
                assert np.isinf(r.distance_km) and r.nodes.size == 0
                continue
            assert r.distance_km == pytest.approx(ref[src, dst], rel=RTOL)
            # The unpacked path is a real path over open edges, and its edges add up to the distance.
            assert r.nodes[0] == src and r.nodes[-1] == dst
            assert g.path_length_km(r.nodes, avoid=avoid) == pytest.approx(r.distance_km, rel=RTOL)
            assert r.geometry[0] == [g.lon[src], g.lat[src]]


def _ladder() -> Graph:
    """Two parallel roads from A (0) to B (5): the short one through a tunnel (2-3), the long one around."""
    u = np.array([0, 1, 2, 3, 4, 0, 6, 7, 8])
    v = np.array([1, 2, 3, 4, 5, 6, 7, 8, 5])
    w = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 3.0, 3.0, 3.0, 3.0])
    return graph_from_edges(u, v, w, lat=np.arange(9.0), lon=np.zeros(9))


def test_a_tunnel_closed_to_dangerous_goods_stays_closed_after_contraction() -> None:
    g = flag_edges(_ladder(), [(2, 3)], "dangerous_goods")
    ch = build_ch(g)
    # Whatever the contraction order, shortcuts over the tunnel now exist in the hierarchy ...
    assert ch.n_shortcuts > 0
    dg = g.flag_mask(["dangerous_goods"])
    assert route(ch, 0, 5).distance_km == 5.0
    assert list(route(ch, 0, 5).nodes) == [0, 1, 2, 3, 4, 5]
    # ... yet a dangerous-goods query goes around, on every query kind.
    r = route(ch, 0, 5, avoid=dg)
    assert r.distance_km == 12.0
    assert list(r.nodes) == [0, 6, 7, 8, 5]
    assert distance(ch, 5, 0, avoid=dg) == 12.0
    assert table(ch, np.array([0, 2]), np.array([5, 3]), avoid=dg).tolist() == [[12.0, 14.0], [14.0, 16.0]]
    assert one_to_all(ch, 2, avoid=dg)[3] == 16.0
    # Closing the detour too leaves no route at all.
    g2 = flag_edges(g, [(7, 8)], "dangerous_goods")
    assert np.isinf(route(build_ch(g2), 0, 5, avoid=dg).distance_km)


def test_reference_path_and_route_agree_on_a_small_case() -> None:
    g = _ladder()
    d, path = reference_path(g, 0, 5)
    r = route(build_ch(g), 0, 5)
    assert (d, path) == (r.distance_km, r.nodes.tolist())


def test_out_of_range_node() -> None:
    ch = build_ch(_ladder())
    with pytest.raises(IndexError):
        route(ch, 0, 99)


# -- the real networks --------------------------------------------------------------------------------


def _random_pairs(graph: Graph, count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Random node pairs, half within the largest component (so most are connected) and half anywhere."""
    rng = np.random.default_rng(seed)
    comp = graph.components
    big = np.flatnonzero(comp == np.argmax(np.bincount(comp)))
    s = np.concatenate([rng.choice(big, count // 2), rng.integers(0, graph.n_nodes, count - count // 2)])
    t = np.concatenate([rng.choice(big, count // 2), rng.integers(0, graph.n_nodes, count - count // 2)])
    return s, t


def _check_against_reference(
    graph: Graph, ch: ContractionHierarchy, *, pairs: int, sources: int, seed: int
) -> None:
    from intermodal.engines.dijkstra import reference_matrix

    s, t = _random_pairs(graph, pairs, seed)
    matrix = reference_matrix(graph)
    # One reference row per distinct source answers every pair, every table entry and one-to-all.
    src = np.unique(s[:sources])
    ref = reference_distances(graph, src, matrix=matrix)
    row = {int(x): i for i, x in enumerate(src)}
    mine = s[:sources]
    want = np.array([ref[row[int(a)], b] for a, b in zip(mine, t[:sources], strict=True)])
    assert _close(distances(ch, mine, t[:sources]), want)
    assert _close(table(ch, src, t), ref[:, t])
    assert _close(one_to_all(ch, int(src[0])), ref[0])
    for a, b in list(zip(mine, t[:sources], strict=True))[:20]:
        r = route(ch, int(a), int(b))
        expect = ref[row[int(a)], b]
        if np.isfinite(expect):
            assert r.distance_km == pytest.approx(expect, rel=RTOL)
            assert graph.path_length_km(r.nodes) == pytest.approx(expect, rel=RTOL)
            assert len(r.geometry) == len(r.nodes)
        else:
            assert np.isinf(r.distance_km)


@pytest.fixture(scope="module")
def world() -> dict[str, WorldRouter]:
    return {layer: open_world(layer) for layer in ("rail", "sea")}


@pytest.mark.world
@pytest.mark.parametrize("layer", ["rail", "sea"])
def test_world_layer_matches_the_reference_on_random_pairs(world: dict[str, WorldRouter], layer: str) -> None:
    w = world[layer]
    _check_against_reference(w.graph, w.ch, pairs=400, sources=60, seed=3)


@pytest.mark.world
def test_sea_routes_avoid_a_closed_passage(world: dict[str, WorldRouter]) -> None:
    from intermodal.engines.dijkstra import reference_matrix

    sea = world["sea"]
    a, b = sea.snap_pair((31.23, 121.47), (51.95, 4.14))  # Shanghai -> Rotterdam
    for closed in ([], ["suez"], ["suez", "northwest"]):
        mask = sea.graph.flag_mask(closed)
        r = sea.route(a.node, b.node, avoid=closed)
        want = reference_distances(sea.graph, a.node, matrix=reference_matrix(sea.graph, avoid=mask))[b.node]
        assert r.distance_km == pytest.approx(want, rel=RTOL)
        assert sea.graph.path_length_km(r.nodes, avoid=mask) == pytest.approx(want, rel=RTOL)
    assert (
        sea.route(a.node, b.node, avoid=["suez", "northwest"]).distance_km
        > sea.route(a.node, b.node).distance_km
    )


@pytest.mark.world
def test_a_large_road_subgraph_matches_the_reference() -> None:
    """World highways clipped to China and South-East Asia (about a fifth of the world graph).

    The full road hierarchy takes about a minute to build, too long for CI; the benchmark runs it.
    """
    from intermodal.services.world import load_world_layer

    road = load_world_layer("road")
    keep = (road.lat > 0) & (road.lat < 42) & (road.lon > 90) & (road.lon < 125)
    new_id = np.cumsum(keep) - 1
    src = road.sources
    both = keep[src] & keep[road.indices]
    sub = graph_from_edges(
        new_id[src[both]],
        new_id[road.indices[both]],
        road.weights_km[both],
        lat=road.lat[keep],
        lon=road.lon[keep],
        name="road-asia",
    )
    assert sub.n_nodes > 50_000
    _check_against_reference(sub, build_ch(sub), pairs=200, sources=30, seed=5)
