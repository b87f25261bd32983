"""An undirected, weighted graph on the globe, held as flat CSR arrays.

Every engine works on this one type: ``indptr``/``indices`` give each node's neighbours (each undirected edge
appears once in each direction), ``weights_km`` the edge lengths and ``flags`` a bit set per edge naming the
cargo
rules or passages that close it (bit ``i`` is ``flag_names[i]``, e.g. ``dangerous_goods``). Node ``i`` sits at
``lat[i]``, ``lon[i]``; edges are straight segments between their end nodes, so a node path is its geometry.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

__all__ = ["EARTH_RADIUS_KM", "Graph", "flag_edges", "graph_from_edges", "haversine_km"]

EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True, eq=False)
class Graph:
    """An undirected graph in CSR form with node coordinates and per-edge restriction flags.

    Parameters
    ----------
    indptr
        ``int64[n + 1]``: the edges of node ``i`` are ``indptr[i]:indptr[i + 1]``.
    indices
        ``int32[m]``: the neighbour at the far end of each directed half-edge.
    weights_km
        ``float64[m]``: the length of each half-edge in km.
    flags
        ``uint32[m]``: restriction bits of each half-edge (0 = open to every query).
    lat, lon
        ``float64[n]``: node coordinates in degrees.
    name
        A label such as ``"rail"``.
    flag_names
        The meaning of each flag bit, bit 0 first.
    """

    indptr: NDArray[np.int64]
    indices: NDArray[np.int32]
    weights_km: NDArray[np.float64]
    flags: NDArray[np.uint32]
    lat: NDArray[np.float64]
    lon: NDArray[np.float64]
    name: str = ""
    flag_names: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        n = self.lat.shape[0]
        m = self.indices.shape[0]
        if self.indptr.shape != (n + 1,) or self.lon.shape != (n,):
            raise ValueError("indptr must have n + 1 entries and lat, lon n entries")
        if self.weights_km.shape != (m,) or self.flags.shape != (m,) or int(self.indptr[-1]) != m:
            raise ValueError("indices, weights_km and flags must all have indptr[-1] entries")

    @property
    def n_nodes(self) -> int:
        """The number of nodes."""
        return int(self.lat.shape[0])

    @property
    def n_edges(self) -> int:
        """The number of undirected edges (half the number of half-edges)."""
        return int(self.indices.shape[0]) // 2

    @cached_property
    def sources(self) -> NDArray[np.int32]:
        """``int32[m]``: the near end of each half-edge."""
        counts = np.diff(self.indptr)
        return np.repeat(np.arange(self.n_nodes, dtype=np.int32), counts)

    @cached_property
    def components(self) -> NDArray[np.int32]:
        """``int32[n]``: the connected-component label of each node (labels are dense, from 0)."""
        from scipy.sparse import csr_matrix
        from scipy.sparse.csgraph import connected_components

        m = csr_matrix(
            (np.ones(self.indices.shape[0], dtype=np.int8), self.indices, self.indptr),
            shape=(self.n_nodes, self.n_nodes),
        )
        _, labels = connected_components(m, directed=False)
        return labels.astype(np.int32)

    def flag_mask(self, names: list[str] | tuple[str, ...] | frozenset[str]) -> int:
        """The bit mask of the named flags.

        Raises
        ------
        KeyError
            If a name is not one of ``flag_names``.
        """
        mask = 0
        for name in names:
            if name not in self.flag_names:
                raise KeyError(f"{name!r} is not a flag of graph {self.name!r}: {self.flag_names}")
            mask |= 1 << self.flag_names.index(name)
        return mask

    def edge_weight_km(self, u: int, v: int, *, avoid: int = 0) -> float:
        """The shortest half-edge ``u -> v`` open under ``avoid`` (``inf`` if there is none)."""
        lo, hi = int(self.indptr[u]), int(self.indptr[u + 1])
        hit = (self.indices[lo:hi] == v) & ((self.flags[lo:hi] & np.uint32(avoid)) == 0)
        return float(self.weights_km[lo:hi][hit].min()) if hit.any() else float("inf")

    def path_length_km(self, path: list[int] | NDArray[np.int64], *, avoid: int = 0) -> float:
        """Recompute a node path's length from its edges (``inf`` if a step is not an open edge)."""
        return float(
            sum(self.edge_weight_km(int(a), int(b), avoid=avoid) for a, b in itertools.pairwise(path))
        )

    def arrays(self) -> dict[str, NDArray[np.generic]]:
        """The arrays that define the graph, for saving."""
        return {
            "indptr": self.indptr,
            "indices": self.indices,
            "weights_km": self.weights_km,
            "flags": self.flags,
            "lat": self.lat,
            "lon": self.lon,
        }


def haversine_km(
    lat1: NDArray[np.float64] | float,
    lon1: NDArray[np.float64] | float,
    lat2: NDArray[np.float64] | float,
    lon2: NDArray[np.float64] | float,
) -> NDArray[np.float64]:
    """Great-circle distance in km between points given in degrees."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp = p2 - p1
    dl = np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))))


def graph_from_edges(
    u: NDArray[np.integer],
    v: NDArray[np.integer],
    weights_km: NDArray[np.floating],
    *,
    lat: NDArray[np.floating],
    lon: NDArray[np.floating],
    flags: NDArray[np.integer] | None = None,
    name: str = "",
    flag_names: tuple[str, ...] = (),
) -> Graph:
    """Build a :class:`Graph` from an edge list, read as undirected.

    Self-loops are dropped. Each edge is stored in both directions; of parallel edges with the same flags
    only the
    shortest is kept (a longer edge with other flags stays, because a query that closes the shorter one needs
    it).

    Parameters
    ----------
    u, v
        End nodes of each edge (0-based).
    weights_km
        Edge lengths in km, non-negative and finite.
    lat, lon
        Node coordinates in degrees.
    flags
        Restriction bits per edge; ``None`` for all open.
    name, flag_names
        See :class:`Graph`.
    """
    n = int(np.asarray(lat).shape[0])
    a = np.asarray(u, dtype=np.int64)
    b = np.asarray(v, dtype=np.int64)
    w = np.asarray(weights_km, dtype=np.float64)
    f = np.zeros(a.shape[0], np.uint32) if flags is None else np.asarray(flags, dtype=np.uint32)
    if a.size and (a.min() < 0 or b.min() < 0 or a.max() >= n or b.max() >= n):
        raise ValueError("edge end out of range of the node arrays")
    if not np.all(np.isfinite(w)) or (w.size and w.min() < 0):
        raise ValueError("edge weights must be finite and non-negative")
    keep = a != b
    a, b, w, f = a[keep], b[keep], w[keep], f[keep]
    src = np.concatenate([a, b])
    dst = np.concatenate([b, a])
    w2 = np.concatenate([w, w])
    f2 = np.concatenate([f, f])
    # Sort by (src, dst, flags, weight) and keep the first of each (src, dst, flags) run: the shortest.
    order = np.lexsort((w2, f2, dst, src))
    src, dst, w2, f2 = src[order], dst[order], w2[order], f2[order]
    if src.size:
        first = np.ones(src.size, dtype=bool)
        first[1:] = (src[1:] != src[:-1]) | (dst[1:] != dst[:-1]) | (f2[1:] != f2[:-1])
        src, dst, w2, f2 = src[first], dst[first], w2[first], f2[first]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
    return Graph(
        indptr=indptr,
        indices=dst.astype(np.int32),
        weights_km=w2,
        flags=f2,
        lat=np.ascontiguousarray(lat, dtype=np.float64),
        lon=np.ascontiguousarray(lon, dtype=np.float64),
        name=name,
        flag_names=tuple(flag_names),
    )


def flag_edges(graph: Graph, edges: list[tuple[int, int]], flag: str) -> Graph:
    """A copy of ``graph`` in which the given undirected edges carry ``flag`` (added to ``flag_names`` if
    new).

    Use it to mark, say, a tunnel closed to dangerous goods: ``flag_edges(g, [(u, v)], "dangerous_goods")``;
    a query with ``avoid=g.flag_mask(["dangerous_goods"])`` then never uses it.

    Raises
    ------
    ValueError
        If an edge is not in the graph, or the graph already has 32 flags.
    """
    names = graph.flag_names if flag in graph.flag_names else (*graph.flag_names, flag)
    if len(names) > 32:
        raise ValueError("a graph holds at most 32 flags")
    bit = np.uint32(1 << names.index(flag))
    flags = graph.flags.copy()
    for u, v in edges:
        for a, b in ((u, v), (v, u)):
            lo, hi = int(graph.indptr[a]), int(graph.indptr[a + 1])
            hit = np.flatnonzero(graph.indices[lo:hi] == b)
            if hit.size == 0:
                raise ValueError(f"no edge {u}-{v} in graph {graph.name!r}")
            flags[lo + hit] |= bit
    return Graph(
        indptr=graph.indptr,
        indices=graph.indices,
        weights_km=graph.weights_km,
        flags=flags,
        lat=graph.lat,
        lon=graph.lon,
        name=graph.name,
        flag_names=names,
    )
