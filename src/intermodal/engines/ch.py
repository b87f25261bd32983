"""Contraction hierarchies (CH) on a :class:`~intermodal.network.graph.Graph`.

:func:`build_ch` contracts the graph once; then :func:`route` answers a point-to-point query with its node
path
and geometry, :func:`distances` many pairs at once, :func:`table` a many-to-many matrix (OSRM-style buckets)
and
:func:`one_to_all` every distance from one node (PHAST). Each query takes ``avoid``, a flag mask
(:meth:`Graph.flag_mask`): edges carrying any of those flags are closed for that query, and the answer is
exact
for the remaining graph (see :mod:`intermodal.engines._ch_kernels` for why shortcuts keep that true).

The plain reference is :mod:`intermodal.engines.dijkstra`; tests compare the two.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from intermodal.engines import _ch_kernels as k
from intermodal.network.graph import Graph

__all__ = [
    "CH_VERSION",
    "ContractionHierarchy",
    "Route",
    "build_ch",
    "distance",
    "distances",
    "one_to_all",
    "route",
    "table",
]

# Bump when the preprocessing changes what it produces: cached hierarchies are then rebuilt.
CH_VERSION = 3


# The array fields of ContractionHierarchy, in order.
_ARRAYS = ("rank", "order", "up_indptr", "up_src", "up_tgt", "up_w", "up_fl", "up_c1", "up_c2", "lat", "lon")


@dataclass
class _Workspace:
    """Scratch arrays for queries, allocated once per hierarchy (a hierarchy is not shared across threads)."""

    dist_f: NDArray[np.float64]
    dist_b: NDArray[np.float64]
    par_f: NDArray[np.int64]
    par_b: NDArray[np.int64]
    touched: NDArray[np.int64]
    hk_f: NDArray[np.float64]
    hn_f: NDArray[np.int64]
    pos_f: NDArray[np.int64]
    hk_b: NDArray[np.float64]
    hn_b: NDArray[np.int64]
    pos_b: NDArray[np.int64]

    @classmethod
    def for_nodes(cls, n: int) -> _Workspace:
        return cls(
            dist_f=np.full(n, np.inf),
            dist_b=np.full(n, np.inf),
            par_f=np.full(n, -1, np.int64),
            par_b=np.full(n, -1, np.int64),
            touched=np.empty(2 * n + 2, np.int64),
            hk_f=np.empty(n),
            hn_f=np.empty(n, np.int64),
            pos_f=np.full(n, -1, np.int64),
            hk_b=np.empty(n),
            hn_b=np.empty(n, np.int64),
            pos_b=np.full(n, -1, np.int64),
        )


@dataclass(eq=False)
class ContractionHierarchy:
    """A contracted graph: the upward edges in rank space and the node coordinates for geometry.

    Attributes
    ----------
    rank
        ``int32[n]``: the position of each node in the hierarchy's order (every up-edge points to a higher
        one).
    order
        ``int32[n]``: the node of each rank (the inverse of ``rank``).
    up_indptr
        ``int64[n + 1]``: the up-edges of rank ``r`` are ``up_indptr[r]:up_indptr[r + 1]``.
    up_src, up_tgt
        ``int32[k]``: ranks at the ends of each up-edge (``up_src < up_tgt``).
    up_w, up_fl
        Length (km) and restriction flags of each up-edge.
    up_c1, up_c2
        For a shortcut, its two halves (see :mod:`intermodal.engines._ch_kernels`); ``-1`` for an original
        edge.
    lat, lon
        Node coordinates (by node id), for geometry.
    """

    rank: NDArray[np.int32]
    order: NDArray[np.int32]
    up_indptr: NDArray[np.int64]
    up_src: NDArray[np.int32]
    up_tgt: NDArray[np.int32]
    up_w: NDArray[np.float64]
    up_fl: NDArray[np.uint32]
    up_c1: NDArray[np.int64]
    up_c2: NDArray[np.int64]
    lat: NDArray[np.float64]
    lon: NDArray[np.float64]
    _ws: _Workspace | None = field(default=None, repr=False)
    _edge_rows: NDArray[np.int32] | None = field(default=None, repr=False)

    @property
    def n_nodes(self) -> int:
        """The number of nodes."""
        return int(self.rank.shape[0])

    @property
    def n_shortcuts(self) -> int:
        """The number of shortcut edges."""
        return int(np.count_nonzero(self.up_c1 >= 0))

    @property
    def workspace(self) -> _Workspace:
        if self._ws is None:
            self._ws = _Workspace.for_nodes(self.n_nodes)
        return self._ws

    @property
    def edge_rows(self) -> NDArray[np.int32]:
        """``int32[k, 4]``: ``(up_src, up_tgt, up_c1, up_c2)`` per up-edge, row-wise for path unpacking."""
        if self._edge_rows is None:
            self._edge_rows = np.ascontiguousarray(
                np.column_stack([self.up_src, self.up_tgt, self.up_c1, self.up_c2]).astype(np.int32)
            )
        return self._edge_rows

    def arrays(self) -> dict[str, NDArray[Any]]:
        """The arrays that define the hierarchy, for saving."""
        return {name: getattr(self, name) for name in _ARRAYS}

    @classmethod
    def from_arrays(cls, arrays: dict[str, NDArray[Any]]) -> ContractionHierarchy:
        """Rebuild a hierarchy from :meth:`arrays` output."""
        a = arrays
        return cls(
            rank=a["rank"],
            order=a["order"],
            up_indptr=a["up_indptr"],
            up_src=a["up_src"],
            up_tgt=a["up_tgt"],
            up_w=a["up_w"],
            up_fl=a["up_fl"],
            up_c1=a["up_c1"],
            up_c2=a["up_c2"],
            lat=a["lat"],
            lon=a["lon"],
        )


@dataclass(frozen=True, eq=False)
class Route:
    """A shortest path.

    Attributes
    ----------
    distance_km
        Its length (``inf`` when the ends are not connected).
    nodes
        ``int64[k]``: node ids from source to target (empty when not connected).
    lat, lon
        The graph's node coordinates, from which :attr:`geometry` is drawn.
    """

    distance_km: float
    nodes: NDArray[np.int64]
    lat: NDArray[np.float64] = field(repr=False)
    lon: NDArray[np.float64] = field(repr=False)

    @property
    def geometry(self) -> list[list[float]]:
        """``[[lon, lat], ...]`` of :attr:`nodes`, GeoJSON order; built on demand."""
        return np.column_stack([self.lon[self.nodes], self.lat[self.nodes]]).tolist()


def build_ch(
    graph: Graph,
    *,
    witness_settle_limit: int = 50,
    priority_settle_limit: int = 20,
    update_neighbours: bool = False,
    level_weight: float = 1.0,
) -> ContractionHierarchy:
    """Contract ``graph`` into a hierarchy.

    Parameters
    ----------
    graph
        An undirected graph.
    witness_settle_limit
        Nodes a witness search may settle when contracting a node. Lower is faster to build and adds
        shortcuts; it never changes a distance.
    priority_settle_limit
        The same limit for the searches that only estimate a node's importance.
    update_neighbours
        Re-estimate the neighbours' importance after each contraction (better order, slower build); when
        ``False`` a stale importance is caught lazily when its node reaches the front of the queue.
    level_weight
        Weight of a node's depth in the hierarchy in its importance: spreads contraction evenly over the
        graph, which keeps both preprocessing and query search spaces small.

    The defaults were tuned on world_railways and world_highways (see ``benchmarks/roads.py``).
    """
    rank, src, tgt, w, fl, c1, c2 = k.contract(
        graph.indptr,
        graph.indices,
        graph.weights_km,
        graph.flags,
        priority_settle_limit,
        witness_settle_limit,
        update_neighbours,
        float(level_weight),
    )
    n = graph.n_nodes
    # Any numbering in which every up-edge points to a higher number serves the queries; contraction order is
    # one. Sorting by level (depth in the hierarchy), then by 1-degree cell, is another, and it lets the
    # one-to-all sweep read distances nearly in memory order (PHAST, Delling et al. 2011).
    level = k.levels(n, src, tgt)
    cell = np.floor(graph.lat + 90.0) * 400.0 + np.floor(np.mod(graph.lon + 180.0, 360.0))
    order = np.lexsort((rank, cell, level)).astype(np.int32)
    new_rank = np.empty(n, np.int32)
    new_rank[order] = np.arange(n, dtype=np.int32)
    r_src = new_rank[src]
    # Regroup the up-edges by their new source; shortcut halves follow their edges' new positions.
    perm = np.argsort(r_src, kind="stable")
    pos = np.empty(perm.shape[0], np.int64)
    pos[perm] = np.arange(perm.shape[0])
    c1, c2 = c1[perm], c2[perm]
    c1 = np.where(c1 >= 0, pos[np.maximum(c1, 0)], -1)
    c2 = np.where(c2 >= 0, pos[np.maximum(c2, 0)], -1)
    r_src = r_src[perm]
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(r_src, minlength=n), out=indptr[1:])
    return ContractionHierarchy(
        rank=new_rank,
        order=order,
        up_indptr=indptr,
        up_src=r_src.astype(np.int32),
        up_tgt=new_rank[tgt[perm]].astype(np.int32),
        up_w=w[perm],
        up_fl=fl[perm],
        up_c1=c1,
        up_c2=c2,
        lat=graph.lat,
        lon=graph.lon,
    )


def _check_node(ch: ContractionHierarchy, node: int) -> int:
    if not 0 <= node < ch.n_nodes:
        raise IndexError(f"node {node} out of range 0..{ch.n_nodes - 1}")
    return int(ch.rank[node])


def route(ch: ContractionHierarchy, source: int, target: int, *, avoid: int = 0) -> Route:
    """The shortest path between two nodes, unpacked to original edges and geometry.

    Parameters
    ----------
    ch
        The hierarchy.
    source, target
        Node ids.
    avoid
        Flag mask of closed edges (:meth:`Graph.flag_mask`).
    """
    s, t = _check_node(ch, source), _check_node(ch, target)
    ws = ch.workspace
    d, ranks = k.route_query(
        s,
        t,
        np.uint32(avoid),
        ch.up_indptr,
        ch.up_tgt,
        ch.up_w,
        ch.up_fl,
        ch.edge_rows,
        ws.dist_f,
        ws.dist_b,
        ws.par_f,
        ws.par_b,
        ws.touched,
        ws.hk_f,
        ws.hn_f,
        ws.pos_f,
        ws.hk_b,
        ws.hn_b,
        ws.pos_b,
    )
    return Route(float(d), ch.order[ranks].astype(np.int64), ch.lat, ch.lon)


def distances(
    ch: ContractionHierarchy, sources: NDArray[np.integer], targets: NDArray[np.integer], *, avoid: int = 0
) -> NDArray[np.float64]:
    """The shortest distance of each pair ``(sources[i], targets[i])`` in km (``inf`` if not connected)."""
    s = np.asarray(sources, dtype=np.int64)
    t = np.asarray(targets, dtype=np.int64)
    if s.shape != t.shape:
        raise ValueError("sources and targets must have the same length")
    ws = ch.workspace
    return np.asarray(
        k.query_many(
            ch.rank[s].astype(np.int64),
            ch.rank[t].astype(np.int64),
            np.uint32(avoid),
            ch.up_indptr,
            ch.up_tgt,
            ch.up_w,
            ch.up_fl,
            ws.dist_f,
            ws.dist_b,
            ws.par_f,
            ws.par_b,
            ws.touched,
            ws.hk_f,
            ws.hn_f,
            ws.pos_f,
            ws.hk_b,
            ws.hn_b,
            ws.pos_b,
        )
    )


def distance(ch: ContractionHierarchy, source: int, target: int, *, avoid: int = 0) -> float:
    """The shortest distance between two nodes in km, without the path."""
    return float(distances(ch, np.array([source]), np.array([target]), avoid=avoid)[0])


def table(
    ch: ContractionHierarchy, sources: NDArray[np.integer], targets: NDArray[np.integer], *, avoid: int = 0
) -> NDArray[np.float64]:
    """The ``len(sources) x len(targets)`` matrix of shortest distances in km (``inf`` where not
    connected)."""
    s = ch.rank[np.asarray(sources, dtype=np.int64)].astype(np.int64)
    t = ch.rank[np.asarray(targets, dtype=np.int64)].astype(np.int64)
    ws = ch.workspace
    return np.asarray(
        k.table(
            s,
            t,
            np.uint32(avoid),
            ch.up_indptr,
            ch.up_tgt,
            ch.up_w,
            ch.up_fl,
            ws.dist_f,
            ws.touched,
            ws.hk_f,
            ws.hn_f,
            ws.pos_f,
        )
    )


def one_to_all(ch: ContractionHierarchy, source: int, *, avoid: int = 0) -> NDArray[np.float64]:
    """Shortest distances in km from ``source`` to every node, by node id (``inf`` where not connected)."""
    s = _check_node(ch, source)
    ws = ch.workspace
    by_rank = k.one_to_all(
        s, np.uint32(avoid), ch.up_indptr, ch.up_tgt, ch.up_w, ch.up_fl, ws.hk_f, ws.hn_f, ws.pos_f
    )
    return np.asarray(by_rank[ch.rank])
