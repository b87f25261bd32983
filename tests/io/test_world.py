"""Reading the world layers: the fast literal parser agrees with Python's own parser."""

from __future__ import annotations

import ast

import numpy as np
import pytest

from intermodal.exceptions import InputError
from intermodal.io.world import read_world_edges, world_source_path, world_source_sha256

pytestmark = pytest.mark.world


@pytest.mark.parametrize("layer", ["rail", "road"])
def test_parser_matches_python_literal_on_the_first_rows(layer: str) -> None:
    edges = read_world_edges(layer)  # type: ignore[arg-type]
    raw = world_source_path(layer).read_text()  # type: ignore[arg-type]
    body = raw[raw.index("graph=[") + len("graph=[") :]
    rows: list[dict[int, float]] = []
    at = 0
    for _ in range(3000):
        end = body.index("}", at) + 1
        rows.append(ast.literal_eval(body[at:end].lstrip(", ")))
        at = end
    expect = [(i, k, w) for i, row in enumerate(rows) for k, w in row.items()]
    n = len(expect)
    got = list(zip(edges.u[:n].tolist(), edges.v[:n].tolist(), edges.weights_km[:n].tolist(), strict=True))
    assert got == expect
    assert edges.u[n] == 3000
    assert edges.lat.shape == edges.lon.shape
    assert np.all(np.abs(edges.lat) <= 90) and np.all(np.abs(edges.lon) <= 180)
    assert int(edges.u.max()) < edges.lat.shape[0] and int(edges.v.max()) < edges.lat.shape[0]


def test_sea_edges_carry_their_passages() -> None:
    e = read_world_edges("sea")
    assert e.lat.shape[0] == 9708
    assert {"suez", "panama", "malacca", "gibraltar"} <= set(e.flag_names)
    suez = 1 << e.flag_names.index("suez")
    assert 0 < np.count_nonzero(e.flags & suez) < 20


def test_source_checksum_and_unknown_layer() -> None:
    assert len(world_source_sha256("sea")) == 64
    with pytest.raises(InputError, match="unknown world layer"):
        world_source_path("air")  # type: ignore[arg-type]
