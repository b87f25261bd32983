"""The CSR graph: built from edge lists as undirected, deduplicated, flags kept."""

from __future__ import annotations

import numpy as np
import pytest

from intermodal.network.graph import flag_edges, graph_from_edges, haversine_km


def _triangle():
    return graph_from_edges(
        np.array([0, 1, 2, 0, 1]),
        np.array([1, 2, 0, 1, 1]),
        np.array([1.0, 2.0, 4.0, 3.0, 0.0]),
        lat=np.zeros(3),
        lon=np.arange(3.0),
        name="t",
    )


def test_edges_are_symmetric_deduplicated_and_without_self_loops() -> None:
    g = _triangle()
    assert g.n_nodes == 3
    assert g.n_edges == 3
    assert g.edge_weight_km(0, 1) == 1.0  # the shorter of the two parallel edges
    assert g.edge_weight_km(1, 0) == 1.0
    assert g.edge_weight_km(1, 1) == float("inf")
    assert g.path_length_km([0, 1, 2]) == 3.0
    assert list(g.sources) == [0, 0, 1, 1, 2, 2]


def test_parallel_edges_with_other_flags_are_kept() -> None:
    g = graph_from_edges(
        np.array([0, 0]),
        np.array([1, 1]),
        np.array([1.0, 5.0]),
        lat=np.zeros(2),
        lon=np.zeros(2),
        flags=np.array([1, 0]),
        flag_names=("dangerous_goods",),
    )
    assert g.n_edges == 2
    assert g.edge_weight_km(0, 1) == 1.0
    assert g.edge_weight_km(0, 1, avoid=g.flag_mask(["dangerous_goods"])) == 5.0


def test_flag_edges_closes_an_edge_for_a_flagged_query_only() -> None:
    g = flag_edges(_triangle(), [(0, 1)], "dangerous_goods")
    mask = g.flag_mask(["dangerous_goods"])
    assert g.flag_names == ("dangerous_goods",)
    assert g.edge_weight_km(1, 0) == 1.0
    assert g.edge_weight_km(1, 0, avoid=mask) == float("inf")
    with pytest.raises(ValueError):
        flag_edges(g, [(0, 0)], "x")
    with pytest.raises(KeyError):
        g.flag_mask(["hazmat"])


def test_components() -> None:
    g = graph_from_edges(np.array([0, 2]), np.array([1, 3]), np.ones(2), lat=np.zeros(5), lon=np.zeros(5))
    c = g.components
    assert c[0] == c[1] and c[2] == c[3] and len({c[0], c[2], c[4]}) == 3


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError):
        graph_from_edges(np.array([0]), np.array([5]), np.ones(1), lat=np.zeros(2), lon=np.zeros(2))
    with pytest.raises(ValueError):
        graph_from_edges(np.array([0]), np.array([1]), np.array([-1.0]), lat=np.zeros(2), lon=np.zeros(2))


def test_haversine_one_degree_of_latitude() -> None:
    assert float(haversine_km(0.0, 0.0, 1.0, 0.0)) == pytest.approx(111.195, abs=1e-2)
