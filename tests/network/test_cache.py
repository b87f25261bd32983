"""The array cache: a round trip, and stale or corrupt files detected rather than trusted."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from intermodal.exceptions import CacheError
from intermodal.network.cache import cache_dir, load_arrays, save_arrays

KEY = {"source_sha256": "abc", "builder": 1}


def _save(path: Path) -> dict[str, np.ndarray]:
    arrays = {"a": np.arange(1000, dtype=np.int64), "b": np.linspace(0, 1, 50)}
    save_arrays(path, arrays, key=KEY)
    return arrays


def test_round_trip(tmp_path: Path) -> None:
    arrays = _save(tmp_path / "x.npz")
    back = load_arrays(tmp_path / "x.npz", key=dict(KEY))
    assert set(back) == {"a", "b"}
    for name in arrays:
        np.testing.assert_array_equal(back[name], arrays[name])
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp file left


def test_missing_and_stale(tmp_path: Path) -> None:
    with pytest.raises(CacheError, match="no cache"):
        load_arrays(tmp_path / "x.npz", key=KEY)
    _save(tmp_path / "x.npz")
    with pytest.raises(CacheError, match="stale"):
        load_arrays(tmp_path / "x.npz", key={**KEY, "source_sha256": "changed"})


def test_a_flipped_byte_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "x.npz"
    _save(path)
    raw = bytearray(path.read_bytes())
    # Inside the data of array "a" (npz is an uncompressed zip: the array bytes appear verbatim).
    at = bytes(raw).index(np.arange(1000, dtype=np.int64)[500:502].tobytes())
    raw[at] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(CacheError, match="corrupt"):
        load_arrays(path, key=KEY)


@pytest.mark.parametrize("damage", ["truncate", "garbage"])
def test_a_damaged_file_is_detected(tmp_path: Path, damage: str) -> None:
    path = tmp_path / "x.npz"
    _save(path)
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2] if damage == "truncate" else b"not a zip file")
    with pytest.raises(CacheError, match="corrupt"):
        load_arrays(path, key=KEY)


def test_cache_dir_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("INTERMODAL_CACHE_DIR", str(tmp_path))
    assert cache_dir() == tmp_path
