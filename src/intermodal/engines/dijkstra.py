"""The plain reference: scipy.sparse.csgraph Dijkstra on a :class:`~intermodal.network.graph.Graph`.

Slow but simple; the fast engines are tested against it.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from intermodal.network.graph import Graph

__all__ = ["reference_distances", "reference_matrix", "reference_path"]


def reference_matrix(graph: Graph, *, avoid: int = 0) -> csr_matrix:
    """The graph as a sparse matrix for csgraph, without edges closed by ``avoid``.

    Of parallel edges the shortest open one is kept (a sparse matrix would add them up). Zero-length edges
    become
    a tiny positive length, because csgraph reads an explicit zero as no edge.
    """
    open_ = (graph.flags & np.uint32(avoid)) == 0
    src = graph.sources[open_].astype(np.int64)
    dst = graph.indices[open_].astype(np.int64)
    w = graph.weights_km[open_]
    order = np.lexsort((w, dst, src))
    src, dst, w = src[order], dst[order], w[order]
    first = np.ones(src.size, dtype=bool)
    first[1:] = (src[1:] != src[:-1]) | (dst[1:] != dst[:-1])
    w = np.where(w[first] == 0.0, np.finfo(np.float64).tiny, w[first])
    n = graph.n_nodes
    return csr_matrix((w, (src[first], dst[first])), shape=(n, n))


def reference_distances(
    graph: Graph, sources: NDArray[np.integer] | int, *, avoid: int = 0, matrix: csr_matrix | None = None
) -> NDArray[np.float64]:
    """Distances in km from each source to every node (one row per source; 1-D for a single source).

    Parameters
    ----------
    graph
        The graph.
    sources
        A node id or an array of them.
    avoid
        Flag mask of closed edges.
    matrix
        A prebuilt :func:`reference_matrix` for the same ``avoid``, to save rebuilding it.
    """
    m = reference_matrix(graph, avoid=avoid) if matrix is None else matrix
    return np.asarray(dijkstra(m, directed=True, indices=sources))


def reference_path(graph: Graph, source: int, target: int, *, avoid: int = 0) -> tuple[float, list[int]]:
    """The distance and node path from ``source`` to ``target`` (``inf`` and ``[]`` when not connected)."""
    d, pred = dijkstra(
        reference_matrix(graph, avoid=avoid), directed=True, indices=source, return_predecessors=True
    )
    if not np.isfinite(d[target]):
        return float("inf"), []
    path = [target]
    while path[-1] != source:
        path.append(int(pred[path[-1]]))
    return float(d[target]), path[::-1]
