"""The world road, rail and sea layers, ready to route on: graphs and hierarchies cached on disk.

This is the library API that bundles and the CLI use::

    road = open_world("road")                 # seconds once cached; minutes the first time
    a, b = road.snap_pair((29.45, 106.63), (21.03, 105.85))
    r = road.route(a.node, b.node)            # r.distance_km, r.nodes, r.geometry ([[lon, lat], ...])
    m = road.table(sources, targets)          # km matrix

Every cache file is keyed to the SHA-256 of its source file and the converter and CH versions: a changed
source
or a new intermodal rebuilds it, and a corrupt file is rebuilt rather than trusted. Road and rail data
© OpenStreetMap contributors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from intermodal.engines.ch import CH_VERSION, ContractionHierarchy, Route, build_ch
from intermodal.engines.ch import route as ch_route
from intermodal.engines.ch import table as ch_table
from intermodal.engines.snapping import MAX_SNAP_KM, Snap, SnapIndex, snap, snap_index, snap_pair
from intermodal.exceptions import CacheError
from intermodal.io.world import (
    CONVERTER_VERSION,
    WorldLayer,
    read_world_edges,
    world_source_path,
    world_source_sha256,
)
from intermodal.network.cache import cache_dir as default_cache_dir
from intermodal.network.cache import load_arrays, save_arrays
from intermodal.network.graph import Graph, graph_from_edges

__all__ = ["DEFAULT_AVOID", "WorldRouter", "load_world_ch", "load_world_layer", "open_world"]

# Closed unless a query says otherwise: searoute, the reference for sea distances, keeps ships out of the
# Northwest Passage by default, and so do we.
DEFAULT_AVOID: dict[str, tuple[str, ...]] = {"sea": ("northwest",)}


def _graph_key(layer: WorldLayer) -> dict[str, object]:
    return {
        "layer": layer,
        "source": world_source_path(layer).name,
        "source_sha256": world_source_sha256(layer),
        "converter": CONVERTER_VERSION,
    }


def load_world_layer(layer: WorldLayer, *, cache: bool = True, cache_dir: Path | None = None) -> Graph:
    """A world layer as a :class:`~intermodal.network.graph.Graph`, from the cache when it is fresh and sound.

    Parameters
    ----------
    layer
        ``"road"`` (scgraph_data world_highways), ``"rail"`` (world_railways) or ``"sea"`` (searoute's
        marnet).
    cache
        ``False`` to parse the source and write nothing.
    cache_dir
        Where the cache lives; default ``$INTERMODAL_CACHE_DIR`` or the user cache dir.
    """
    if not cache:
        return _graph_from_source(layer)
    key = _graph_key(layer)
    file = (cache_dir or default_cache_dir()) / f"world-{layer}.graph.npz"
    try:
        a = load_arrays(file, key=key)
        names = bytes(a["flag_names"]).decode()
        return Graph(
            indptr=a["indptr"],
            indices=a["indices"],
            weights_km=a["weights_km"],
            flags=a["flags"],
            lat=a["lat"],
            lon=a["lon"],
            name=layer,
            flag_names=tuple(names.split(",")) if names else (),
        )
    except CacheError:
        pass  # missing, stale or corrupt: rebuild below
    graph = _graph_from_source(layer)
    names_arr = np.frombuffer(",".join(graph.flag_names).encode(), dtype=np.uint8)
    save_arrays(file, {**graph.arrays(), "flag_names": names_arr}, key=key)
    return graph


def _graph_from_source(layer: WorldLayer) -> Graph:
    e = read_world_edges(layer)
    return graph_from_edges(
        e.u, e.v, e.weights_km, lat=e.lat, lon=e.lon, flags=e.flags, name=layer, flag_names=e.flag_names
    )


def load_world_ch(
    layer: WorldLayer, graph: Graph | None = None, *, cache: bool = True, cache_dir: Path | None = None
) -> ContractionHierarchy:
    """The contraction hierarchy of a world layer, from the cache when it is fresh and sound.

    Parameters
    ----------
    layer
        As for :func:`load_world_layer`.
    graph
        The layer's graph if already loaded.
    cache, cache_dir
        As for :func:`load_world_layer`.
    """
    key = {**_graph_key(layer), "ch": CH_VERSION}
    file = (cache_dir or default_cache_dir()) / f"world-{layer}.ch.npz"
    if cache:
        try:
            return ContractionHierarchy.from_arrays(load_arrays(file, key=key))
        except CacheError:
            pass
    g = graph or load_world_layer(layer, cache=cache, cache_dir=cache_dir)
    ch = build_ch(g)
    if cache:
        save_arrays(file, ch.arrays(), key=key)
    return ch


@dataclass(eq=False)
class WorldRouter:
    """One world layer with its hierarchy and snapping index: snap places, route and build tables.

    Not shared across threads (queries reuse scratch arrays); give each worker its own.
    """

    layer: WorldLayer
    graph: Graph
    ch: ContractionHierarchy
    _index: SnapIndex | None = field(default=None, repr=False)

    @property
    def index(self) -> SnapIndex:
        if self._index is None:
            self._index = snap_index(self.graph)
        return self._index

    def snap(self, lat: float, lon: float, *, max_km: float = MAX_SNAP_KM) -> Snap:
        """The nearest node to a place (see :func:`intermodal.engines.snapping.snap`)."""
        return snap(self.graph, lat, lon, index=self.index, max_km=max_km)

    def snap_pair(
        self, origin: tuple[float, float], destination: tuple[float, float], *, max_km: float = MAX_SNAP_KM
    ) -> tuple[Snap, Snap]:
        """Two places snapped into one connected component (see
        :func:`intermodal.engines.snapping.snap_pair`)."""
        return snap_pair(self.graph, origin, destination, index=self.index, max_km=max_km)

    def avoid_mask(self, avoid: Sequence[str] | None) -> int:
        """The flag mask of ``avoid``; ``None`` means the layer's :data:`DEFAULT_AVOID`."""
        return self.graph.flag_mask(DEFAULT_AVOID.get(self.layer, ()) if avoid is None else tuple(avoid))

    def route(self, source: int, target: int, *, avoid: Sequence[str] | None = None) -> Route:
        """The shortest route between two nodes.

        ``avoid`` names the flags to close (e.g. ``["suez"]``); ``None`` applies :data:`DEFAULT_AVOID` and
        ``[]`` opens everything.
        """
        return ch_route(self.ch, source, target, avoid=self.avoid_mask(avoid))

    def table(
        self,
        sources: NDArray[np.integer],
        targets: NDArray[np.integer],
        *,
        avoid: Sequence[str] | None = None,
    ) -> NDArray[np.float64]:
        """The km matrix between node sets (``avoid`` as for :meth:`route`)."""
        return ch_table(self.ch, sources, targets, avoid=self.avoid_mask(avoid))


def open_world(layer: WorldLayer, *, cache: bool = True, cache_dir: Path | None = None) -> WorldRouter:
    """Load a world layer and its hierarchy, building and caching them on first use.

    Parameters
    ----------
    layer
        ``"road"``, ``"rail"`` or ``"sea"``.
    cache, cache_dir
        As for :func:`load_world_layer`.
    """
    graph = load_world_layer(layer, cache=cache, cache_dir=cache_dir)
    return WorldRouter(layer, graph, load_world_ch(layer, graph, cache=cache, cache_dir=cache_dir))
