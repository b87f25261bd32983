"""An on-disk cache of named numpy arrays: versioned, keyed to its sources and checksummed.

A cache file is an uncompressed ``.npz`` (fast to map back in) with one extra entry, ``__meta__``: JSON
holding
the cache format version, the caller's ``key`` (e.g. the source file's SHA-256 and the builder's version) and
the
SHA-256 of every array. :func:`load_arrays` raises :class:`~intermodal.exceptions.CacheError` when the file is
missing, from another format, built from other sources (stale) or damaged (corrupt); the caller then rebuilds
it
with :func:`save_arrays`, which writes atomically so that a crash never leaves half a file behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from intermodal.exceptions import CacheError

__all__ = ["CACHE_FORMAT", "cache_dir", "file_sha256", "load_arrays", "save_arrays"]

CACHE_FORMAT = 1
_META = "__meta__"


def cache_dir() -> Path:
    """The directory for intermodal's caches: ``$INTERMODAL_CACHE_DIR`` or the user cache dir."""
    env = os.environ.get("INTERMODAL_CACHE_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("intermodal"))


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, as hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def _array_sha256(a: NDArray[np.generic]) -> str:
    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest() + f":{a.dtype.str}"


def save_arrays(path: Path, arrays: dict[str, NDArray[np.generic]], *, key: dict[str, object]) -> None:
    """Write ``arrays`` to ``path`` with their checksums and ``key``, atomically.

    Parameters
    ----------
    path
        The cache file (its directory is created).
    arrays
        Named arrays; names must not start with ``__``.
    key
        JSON-serialisable facts the content depends on (source checksums, builder version, options).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {
        "format": CACHE_FORMAT,
        "key": key,
        "sha256": {name: _array_sha256(a) for name, a in arrays.items()},
    }
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        np.savez(fh, **arrays, **{_META: np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)})  # type: ignore[arg-type]
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def load_arrays(path: Path, *, key: dict[str, object]) -> dict[str, NDArray[Any]]:
    """Read arrays written by :func:`save_arrays`, verifying format, key and every checksum.

    Raises
    ------
    CacheError
        If the file is missing, unreadable, of another format, written for another ``key``, or if an array's
        checksum does not match.
    """
    if not path.exists():
        raise CacheError(f"no cache at {path}")
    try:
        with np.load(path, allow_pickle=False) as npz:
            meta = json.loads(bytes(npz[_META]).decode())
            if meta.get("format") != CACHE_FORMAT:
                raise CacheError(f"{path}: cache format {meta.get('format')}, expected {CACHE_FORMAT}")
            # Compare through JSON so that tuples and lists in the key compare equal.
            if meta.get("key") != json.loads(json.dumps(key)):
                raise CacheError(f"{path}: stale cache (its sources or builder changed)")
            arrays = {name: npz[name] for name in meta["sha256"]}
    except CacheError:
        raise
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, UnicodeDecodeError) as exc:
        raise CacheError(f"{path}: corrupt cache ({type(exc).__name__}: {exc})") from exc
    for name, a in arrays.items():
        if _array_sha256(a) != meta["sha256"][name]:
            raise CacheError(f"{path}: corrupt cache (checksum of {name!r} does not match)")
    return arrays
