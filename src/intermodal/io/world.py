"""Read the world road, rail and sea networks as plain edge lists (numpy arrays).

Sources (the ``intermodal[world]`` extra):

- ``road``: ``scgraph_data.world_highways`` and ``rail``: ``scgraph_data.world_railways`` (MIT; data
  © OpenStreetMap contributors). Each module is one big Python literal, ``graph`` (node -> {neighbour: km})
  and
  ``nodes`` ([lat, lon]). The modules run ``from scgraph.core import GeoGraph``, which scgraph 3 lacks, so we
  never
  import them: we parse the literal text straight into numpy, which also skips the 2.5 s and 550 MB of Python
  dicts an import builds.
- ``sea``: ``searoute``'s maritime network (``searoute.data.marnet_dict``), with its edge weights in km. Edges
  through a named passage (``suez``, ``panama``, ...) carry that passage as a flag, so a query can avoid it.

Edge weights are straight-line km between simplified polyline vertices, so road and rail lengths run somewhat
short of driven distances: apply ISO 14083's distance adjustment factor downstream.

The converted arrays are cached (see :mod:`intermodal.network.cache`), keyed to the SHA-256 of the source
file.
"""

from __future__ import annotations

import hashlib
import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

import numpy as np

from intermodal.exceptions import InputError

__all__ = [
    "ATTRIBUTION",
    "CONVERTER_VERSION",
    "WorldEdges",
    "WorldLayer",
    "read_world_edges",
    "world_source_path",
    "world_source_sha256",
]

WorldLayer = Literal["road", "rail", "sea"]
ATTRIBUTION = {
    "road": "© OpenStreetMap contributors (via scgraph_data, MIT)",
    "rail": "© OpenStreetMap contributors (via scgraph_data, MIT)",
    "sea": "searoute maritime network (Eurostat MARNET, Apache-2.0)",
}
_MODULES = {
    "road": "scgraph_data.world_highways",
    "rail": "scgraph_data.world_railways",
    "sea": "searoute.data.marnet_dict",
}
# Bump when the conversion changes what it produces: every cached world graph is then rebuilt.
CONVERTER_VERSION = 1
# searoute labels the joins across the antimeridian like passages; they close nothing.
_NOT_PASSAGES = {"segment", "segment2", "pacific_ocean"}


@dataclass(frozen=True, eq=False)
class WorldEdges:
    """A world layer as an edge list, ready for ``intermodal.network.graph.graph_from_edges``.

    Attributes
    ----------
    u, v
        ``int64[m]``: end nodes of each edge (each undirected edge may appear once or twice).
    weights_km
        ``float64[m]``: edge lengths in km, as the source gives them.
    lat, lon
        ``float64[n]``: node coordinates in degrees.
    flags
        ``uint32[m]``: bit ``i`` set when the edge runs through passage ``flag_names[i]``.
    flag_names
        The named passages (sea only; empty for road and rail).
    """

    u: np.ndarray
    v: np.ndarray
    weights_km: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    flags: np.ndarray
    flag_names: tuple[str, ...]


def _check_layer(layer: str) -> None:
    if layer not in get_args(WorldLayer):
        raise InputError(f"unknown world layer {layer!r}: expected one of {', '.join(get_args(WorldLayer))}")


def world_source_path(layer: WorldLayer) -> Path:
    """The installed file that holds a layer's data.

    Raises
    ------
    InputError
        If the layer is unknown or its package (the ``world`` extra) is not installed.
    """
    _check_layer(layer)
    try:
        spec = importlib.util.find_spec(_MODULES[layer])
    except ModuleNotFoundError:
        spec = None
    if spec is None or spec.origin is None:
        raise InputError(f"the {layer} network needs the module {_MODULES[layer]}: install intermodal[world]")
    return Path(spec.origin)


def _read_scgraph_literal(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    raw = path.read_bytes()
    g0 = raw.index(b"graph=[") + len(b"graph=[")
    n0 = raw.index(b"\nnodes=[")
    body = raw[g0 : raw.rindex(b"]", g0, n0)]
    # Each dict becomes "k w k w ... -1 -1": a (-1, -1) pair closes a node's row. Keys and weights are numbers
    # only, so after blanking the punctuation numpy's C parser reads the whole stream at once.
    body = body.translate(bytes.maketrans(b"{:,", b"   ")).replace(b"}", b" -1 -1")
    pairs = np.fromstring(body, sep=" ").reshape(-1, 2)
    ends = pairs[:, 0] < 0
    row: np.ndarray = np.cumsum(ends) - ends  # the node each pair belongs to
    u: np.ndarray = row[~ends].astype(np.int64)
    v = pairs[~ends, 0].astype(np.int64)
    w = pairs[~ends, 1]
    nodes_txt = raw[n0 + len(b"\nnodes=[") :]
    nodes_txt = nodes_txt[: nodes_txt.index(b"]]") + 1]
    coords = np.fromstring(nodes_txt.translate(bytes.maketrans(b"[],", b"   ")), sep=" ").reshape(-1, 2)
    if int(ends.sum()) != coords.shape[0]:
        raise ValueError(f"{path}: {int(ends.sum())} adjacency rows but {coords.shape[0]} nodes")
    return u, v, w, coords[:, 0].copy(), coords[:, 1].copy()


def _read_marnet() -> tuple[
    np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, tuple[str, ...]
]:
    from searoute.data.marnet_dict import edge_list, node_list

    index: dict[tuple[float, float], int] = {}
    for node in node_list:
        index.setdefault(node, len(index))
    us, vs, ws, passages = [], [], [], []
    for a, nbrs in edge_list.items():
        for b, attr in nbrs.items():
            for p in (a, b):
                index.setdefault(p, len(index))
            us.append(index[a])
            vs.append(index[b])
            ws.append(float(attr["weight"]))
            passages.append(attr.get("passage"))
    names = tuple(sorted({p for p in passages if p and p not in _NOT_PASSAGES}))
    bit = {name: 1 << i for i, name in enumerate(names)}
    flags = np.array([bit.get(p, 0) if p else 0 for p in passages], dtype=np.uint32)
    lonlat = np.array(list(index), dtype=np.float64)
    return (
        np.array(us),
        np.array(vs),
        np.array(ws),
        lonlat[:, 1].copy(),
        lonlat[:, 0].copy(),
        flags,
        names,
    )


def read_world_edges(layer: WorldLayer) -> WorldEdges:
    """Parse a layer's edge list from its installed source (no cache: see ``intermodal.services.world``).

    Parameters
    ----------
    layer
        ``"road"`` (world highways), ``"rail"`` (world railways) or ``"sea"`` (searoute's marnet).

    Raises
    ------
    InputError
        If the layer is unknown or its package is not installed.
    """
    path = world_source_path(layer)
    if layer == "sea":
        u, v, w, lat, lon, flags, names = _read_marnet()
        return WorldEdges(u, v, w, lat, lon, flags, names)
    u, v, w, lat, lon = _read_scgraph_literal(path)
    return WorldEdges(u, v, w, lat, lon, np.zeros(u.shape[0], np.uint32), ())


def world_source_sha256(layer: WorldLayer) -> str:
    """The SHA-256 of a layer's source file: a cache of the layer is valid only for this value."""
    digest = hashlib.sha256()
    with open(world_source_path(layer), "rb") as fh:
        for block in iter(lambda: fh.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()
